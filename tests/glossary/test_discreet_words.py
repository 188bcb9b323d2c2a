"""The words no discreet text carries (content/discreet-words.yaml), in three languages, and their check."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.settings import REPO_ROOT
from casefile.sms_consent import normalise_number
from glossary import discreet_words

CONTENT = REPO_ROOT / "content"


@pytest.mark.parametrize(("text", "found"), [
    ("Your probation officer will see you at 10:30.", ["probation"]),
    ("Prisoners get a discharge grant.", ["prisoners"]),
    ("Your methadone pick-up is at 9.", ["methadone"]),
    ("Drug and alcohol services can help.", ["drug"]),
    ("Eich swyddog prawf: apwyntiad yfory.", ["prawf"]),
    ("Pan fyddwch chi'n gadael y carchar.", ["carchar"]),
    ("Ar ôl i chi ddod allan o'r ngharchar.", ["ngharchar"]),
    ("Twój kurator zadzwoni jutro.", ["kurator"]),
    ("Po wyjściu z więzienia.", ["wiezienia"]),
    ("Leczenie metadonem i narkotyków.", ["metadonem", "narkotykow"]),
])
def test_the_tell_tale_words_are_found_in_three_languages(text: str, found: list[str]) -> None:
    assert discreet_words.words(CONTENT).found_in(text) == found


@pytest.mark.parametrize("text", [
    "Reminder: appointment tomorrow at 10:30. Reply 1 for I'll be there, 2 if you can't make it.",
    "Nodyn atgoffa: apwyntiad yfory am 10:30.",
    "Przypomnienie: spotkanie jutro o 10:30.",
    "Your worker is Alex. Call them on 020 7946 0001.",
])
def test_plain_reminders_pass(text: str) -> None:
    assert discreet_words.words(CONTENT).found_in(text) == []


def test_a_broken_list_keeps_the_last_good_one_and_the_checker_names_it(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    shutil.copyfile(CONTENT / discreet_words.WORDS_FILE, content / discreet_words.WORDS_FILE)
    assert discreet_words.check(content) == []
    assert discreet_words.words(content).found_in("prison") == ["prison"]
    (content / discreet_words.WORDS_FILE).write_text("en: prison\n", encoding="utf-8")
    findings = discreet_words.check(content)
    assert findings and "cannot be read" in findings[0].problem
    assert discreet_words.words(content).found_in("prison visit") == ["prison"], "the last good list holds"
    fresh = tmp_path / "never-good"
    fresh.mkdir()
    (fresh / discreet_words.WORDS_FILE).write_text("{", encoding="utf-8")
    assert discreet_words.words(fresh).found_in("probation and methadone") == ["probation", "methadone"]


@pytest.mark.parametrize(("typed", "number"), [
    ("07700 900123", "+447700900123"), ("447700900123", "+447700900123"), ("+44 (0)7700 900123", "+447700900123"),
    ("+44 7700 900123", "+447700900123"), ("0044 7700 900123", "+447700900123"), ("12345", None), ("", None),
])
def test_mobile_numbers_are_read_the_british_way(typed: str, number: str | None) -> None:
    assert normalise_number(typed) == number
