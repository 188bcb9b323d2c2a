from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image

from journeys import timeline
from journeys.stages import STAGE_KEYS, StageCatalog, TimelineLabels
from journeys.timeline import HIGHLIGHT, WIDTH, draw_timeline, missing_characters, wrap
from journeys.where import JourneyFacts, where_am_i

WELSH_AND_POLISH_LETTERS = "ŵŷŴŶâêîôûąćęłńóśźżĄĆĘŁŃÓŚŹŻ"


def _picture(stages: StageCatalog, key: str, language: str) -> bytes:
    facts = JourneyFacts(stage=key, hdc_eligibility=date(2026, 1, 1), top_up_end=date(2027, 1, 1))
    answer = where_am_i(facts, date(2026, 11, 26), stages, language=language)
    return draw_timeline(answer.timeline_stages, key, language, labels=answer.labels)


def _highlight_pixels(image: Image.Image) -> int:
    colours = image.convert("RGB").getcolors(maxcolors=1 << 16) or []
    return sum(count for count, colour in colours if colour == HIGHLIGHT)


@pytest.mark.parametrize("language", ["en", "cy", "pl"])
@pytest.mark.parametrize("key", STAGE_KEYS)
def test_a_valid_picture_for_every_stage_and_language(stages: StageCatalog, key: str, language: str) -> None:
    png = _picture(stages, key, language)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert image.width == WIDTH
        assert 400 <= image.height <= 2000  # phone-friendly; Telegram allows far more
        assert image.info["Language"] == language
        assert _highlight_pixels(image) > 20_000  # the "You are here" box is there and large


def test_no_highlight_when_the_stage_is_not_on_the_path(stages: StageCatalog) -> None:
    png = draw_timeline([("in_court", "Court"), ("community_order", "Community order")], "on_licence", "en",
                        labels=stages.labels("en"))
    with Image.open(io.BytesIO(png)) as image:
        assert _highlight_pixels(image) == 0


def test_the_font_draws_welsh_and_polish_letters() -> None:
    assert missing_characters(WELSH_AND_POLISH_LETTERS) == ""
    assert missing_characters(WELSH_AND_POLISH_LETTERS, bold=True) == ""
    assert missing_characters("a\u4e00") == "\u4e00"  # the check can see a missing letter


def test_every_stage_title_and_label_can_be_drawn(stages: StageCatalog) -> None:
    for language in ("en", "cy", "pl"):
        words = " ".join(stage.text(language).title for stage in stages.stages)
        labels = stages.labels(language)
        assert missing_characters(words + labels.you_are_here + labels.your_journey, bold=True) == ""


def test_wrap_fits_long_titles_and_splits_a_very_long_word() -> None:
    font = timeline._font(True, timeline.TITLE_SIZE)
    lines = wrap("Goruchwyliaeth ychwanegol ar ôl eich trwydded", font, 500)
    assert lines == ["Goruchwyliaeth", "ychwanegol ar ôl eich", "trwydded"]
    long_word = wrap("Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch", font, 400)
    assert len(long_word) > 1 and all(font.getlength(line) <= 400 for line in long_word)
    assert "".join(line.rstrip("-") for line in long_word) == "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch"


def test_builtin_font_when_no_dejavu(monkeypatch: pytest.MonkeyPatch, stages: StageCatalog) -> None:
    monkeypatch.setattr(timeline, "find_font", lambda file_name: None)
    timeline._font.cache_clear()
    try:
        png = draw_timeline([("in_court", "Your case is in court"), ("community_order", "Community order")],
                            "community_order", "en", labels=TimelineLabels("Your journey", "You are here"))
        with Image.open(io.BytesIO(png)) as image:
            assert image.width == WIDTH and image.height > 300
    finally:
        timeline._font.cache_clear()


def test_no_stages_is_an_error(stages: StageCatalog) -> None:
    with pytest.raises(ValueError, match="at least one stage"):
        draw_timeline([], "in_court", "en", labels=stages.labels("en"))
