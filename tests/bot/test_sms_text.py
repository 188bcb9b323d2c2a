"""bot/channels/sms_text.py: GSM-7 or UCS-2, fragments as a phone network counts them, buttons as numbers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.sms_text import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    NOTIFY_MAX_CHARACTERS,
    choices_line,
    fragment_count,
    gsm_twins,
    is_gsm7,
    render_sms,
    sms_parts,
)
from bot.messages import Button
from bot.settings import REPO_ROOT

LOCALE = REPO_ROOT / "content" / "locale"
ANSWERS = ((Button("I'll be there", "appt:yes:1:1"), Button("I can't make it", "appt:no:1:1")),
           (Button("Where is it?", "appt:where:1:1"),))


@pytest.mark.parametrize(("text", "gsm"), [
    ("Reminder: appointment tomorrow at 10:30.", True),
    ("Price: £5, 20€ [ok] {x} ~ ^ | \\", True),
    ("Mae'n ddrwg gen i", True),
    ("Bydda i yno", True),
    ("Dydd Sul, 14 Mehefin: ŵyr", False),  # Welsh w with a circumflex is not in GSM-7
    ("Będę na miejscu", False),
    ("It’s today", False),  # a curly apostrophe
    ("See you 👋", False),
])
def test_is_gsm7(text: str, gsm: bool) -> None:
    assert is_gsm7(text) is gsm


@pytest.mark.parametrize(("text", "fragments"), [
    ("", 0),
    ("a" * 160, 1),
    ("a" * 161, 2),
    ("a" * 306, 2),
    ("a" * 307, 3),
    ("€" * 80, 1),  # an extension character takes two places: 160
    ("€" * 81, 2),
    ("a" * 152 + "€", 1),  # 154 places still fits in one
    ("a" * 158 + "€" + "a", 2),
    ("ą" * 70, 1),
    ("ą" * 71, 2),
    ("ą" * 134, 2),
    ("ą" * 135, 3),
    ("👋" * 35, 1),  # outside the BMP: two UTF-16 units each, 70 in all
    ("👋" * 36, 2),
])
def test_fragment_count(text: str, fragments: int) -> None:
    assert fragment_count(text) == fragments


def test_a_two_place_character_is_never_split_between_fragments() -> None:
    # 152 a's then a euro: the euro's two septets would be places 153-154, so the euro starts part two.
    assert fragment_count("a" * 152 + "€" + "a" * 152) == 3
    assert fragment_count("a" * 151 + "€" + "a" * 153) == 2


@given(st.text(alphabet=sorted(GSM7_BASIC | GSM7_EXTENSION), max_size=700))
def test_gsm_fragments_grow_with_length_and_match_the_simple_rule_without_extension(text: str) -> None:
    places = sum(2 if char in GSM7_EXTENSION else 1 for char in text)
    count = fragment_count(text)
    assert count >= (0 if not text else 1 if places <= 160 else -(-places // 153))
    if not any(char in GSM7_EXTENSION for char in text):
        assert count == (0 if not text else 1 if len(text) <= 160 else -(-len(text) // 153))


def test_typography_turns_into_its_gsm_twin_but_letters_stay() -> None:
    assert gsm_twins("It’s “today” – 10:30…") == "It's \"today\" - 10:30..."
    assert gsm_twins("Będę ŵyr") == "Będę ŵyr"


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "Reply 1 for I'll be there, 2 for I can't make it."),
    ("cy", "Atebwch 1 ar gyfer Bydda i yno, 2 ar gyfer Alla i ddim dod."),
    ("pl", "Odpisz 1: Będę na miejscu, 2: Nie dam rady przyjść."),
])
def test_buttons_become_numbered_choices_in_each_language(language: str, expected: str) -> None:
    from bot import i18n

    _ = i18n.translations(LOCALE, language).gettext
    buttons = tuple(Button(_(button.label), button.data) for button in ANSWERS[0])
    assert choices_line(buttons, _) == expected


def test_a_short_reminder_keeps_every_choice_in_one_fragment() -> None:
    sms = render_sms("Reminder: appointment tomorrow at 10:30.\n\nCan you come?", ANSWERS, "en", LOCALE)
    assert sms.text == ("Reminder: appointment tomorrow at 10:30.\nCan you come?\n"
                        "Reply 1 for I'll be there, 2 for I can't make it, 3 for Where is it?")
    assert [button.data for button in sms.choices] == ["appt:yes:1:1", "appt:no:1:1", "appt:where:1:1"]
    assert (sms.fragments, sms.encoding) == (1, "GSM-7")


def test_a_long_message_drops_the_second_row_of_choices_to_stay_within_two() -> None:
    body = "\n\n".join(["Bring your letter and your ID."] * 8)  # 254 characters once blank lines close up
    sms = render_sms(body, ANSWERS, "en", LOCALE)
    assert sms.fragments == 2
    assert [button.label for button in sms.choices] == ["I'll be there", "I can't make it"]
    assert "Where is it?" not in sms.text and "\n\n" not in sms.text
    shorter = render_sms("\n".join(["Bring your letter and your ID."] * 4), ANSWERS, "en", LOCALE)
    assert len(shorter.choices) == 3 and shorter.fragments == 2
    longest = render_sms("word " * 200, ANSWERS, "en", LOCALE)
    assert longest.fragments > 2  # it never cuts what the message says
    assert longest.text.startswith("word word")


def test_a_curly_apostrophe_does_not_turn_an_english_text_into_unicode() -> None:
    sms = render_sms("It’s tomorrow at 10:30.", (), "en", LOCALE)
    assert (sms.text, sms.encoding, sms.choices) == ("It's tomorrow at 10:30.", "GSM-7", ())


def test_a_welsh_letter_is_kept_and_counted_as_unicode() -> None:
    sms = render_sms("Nodyn atgoffa: apwyntiad ddydd Sul am 10:30. Dewch â'ch llythyr.", (), "cy", LOCALE)
    assert "â" in sms.text and sms.encoding == "UCS-2" and sms.fragments == 1


def test_a_long_reply_is_split_into_texts_notify_takes() -> None:
    parts = sms_parts("\n\n".join(["A paragraph of plain words. " * 10] * 6))
    assert len(parts) > 1 and all(len(part) <= NOTIFY_MAX_CHARACTERS for part in parts)
