from __future__ import annotations

import pytest

from journeys.stages import COMMUNITY, CUSTODY, STAGE_KEYS, StageCatalog, UnknownStageError


def test_every_case_file_key_has_a_stage(stages: StageCatalog) -> None:
    assert [stage.key for stage in stages.stages] == list(STAGE_KEYS)


def test_paths_in_order(stages: StageCatalog) -> None:
    assert [s.key for s in stages.on_path(CUSTODY)] == [
        "in_court", "on_remand", "in_prison", "release_day", "hdc", "on_licence", "recalled",
        "post_sentence_supervision", "sentence_ended"]
    assert [s.key for s in stages.on_path(COMMUNITY)] == ["in_court", "community_order", "sentence_ended"]


@pytest.mark.parametrize("key", STAGE_KEYS)
def test_each_stage_has_its_own_words_in_each_language(stages: StageCatalog, key: str) -> None:
    english, welsh, polish = (stages.get(key).text(language) for language in ("en", "cy", "pl"))
    for text in (english, welsh, polish):
        assert text.title and text.explanation and text.next
    assert len({english.title, welsh.title, polish.title}) == 3
    assert len({english.explanation, welsh.explanation, polish.explanation}) == 3


def test_folded_yaml_reads_as_one_line(stages: StageCatalog) -> None:
    explanation = stages.get("on_licence").text("en").explanation
    assert "\n" not in explanation and "  " not in explanation
    assert explanation.startswith("You are out of prison, but your sentence is not over.")


def test_a_missing_translation_falls_back_to_english(stages: StageCatalog) -> None:
    assert stages.get("release_day").text("fr").title == "Release day"


def test_labels(stages: StageCatalog) -> None:
    assert stages.labels("en").you_are_here == "You are here"
    assert stages.labels("cy").you_are_here == "Rydych chi yma"
    assert stages.labels("pl").your_journey == "Twoja droga"


def test_unknown_stage(stages: StageCatalog) -> None:
    with pytest.raises(UnknownStageError, match="Unknown journey stage 'on_holiday'"):
        stages.get("on_holiday")
