"""Help now: the editors' files are checked, and every crisis phrasing is found before anything else."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from crisis_phrasings import CRISIS, ORDINARY

from bot.settings import REPO_ROOT
from glossary.normalize import fold_accents
from journeys.help_now import HelpNow, read_help_now

CONTENT = REPO_ROOT / "content"


@pytest.fixture(scope="module")
def help_now() -> HelpNow:
    loaded, findings = read_help_now(CONTENT, today=date(2026, 12, 6))
    assert [finding.format(REPO_ROOT) for finding in findings] == []
    assert loaded is not None
    return loaded


def test_there_are_at_least_a_hundred_crisis_phrasings_in_three_languages() -> None:
    assert len(CRISIS) >= 100
    assert {kind for _text, kind in CRISIS} == {"suicide", "overdose", "relapse", "no_bed", "no_food", "violence",
                                                "medical"}


@pytest.mark.parametrize(("text", "kind"), CRISIS)
def test_every_crisis_phrasing_is_sure_and_of_its_kind(help_now: HelpNow, text: str, kind: str) -> None:
    found = help_now.detect(text)
    assert found is not None and found.sure, text
    assert found.kind == kind


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_questions_are_never_a_sure_crisis(help_now: HelpNow, text: str) -> None:
    found = help_now.detect(text)
    assert found is None or not found.sure


def test_a_maybe_is_a_gentle_check_not_the_crisis_answer(help_now: HelpNow) -> None:
    found = help_now.detect("what happens to my licence if i die")
    assert found is not None and found.kind == "suicide" and not found.sure


def test_accents_apostrophes_and_case_do_not_count() -> None:
    assert fold_accents("Chcę się ZABIĆ, I'm łódź") == "chce sie zabic im lodz"


def test_every_kind_gives_lines_in_all_three_languages(help_now: HelpNow) -> None:
    for kind in help_now.kinds.values():
        assert set(kind.say) == {"en", "cy", "pl"}
        for line in help_now.lines_for(kind):
            assert set(line.name) == {"en", "cy", "pl"} and line.sources
    assert help_now.lines["samaritans"].call == "116 123"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    shutil.copytree(CONTENT / "help-now", tmp_path / "help-now")
    return tmp_path


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(("file", "old", "new", "expected"), [
    ("answers.yaml", "lines: [emergency, samaritans, shout, nhs_111_mental_health]",
     "lines: [emergency, samaritans, shout, nhs_112]", 'The kind "suicide" names a line "nhs_112" that is not listed'),
    ("answers.yaml", "places: [mental_health]", "places: [pubs]", 'The kind "suicide" names a kind of place "pubs"'),
    ("answers.yaml", "reviewed: 2026-12-06", "reviewed: 2027-12-06", "The reviewed date is missing"),
    ("answers.yaml", "sources: [https://giveusashout.org/about-us/faq/]", "sources: [giveusashout.org]",
     'The line "shout" needs sources that are web addresses'),
    ("answers.yaml", 'en: "Done. I have told {lead}.', 'en: "Done. I have told {worker}.',
     "The English told words have the wrong {...} parts. Use exactly {lead}"),
    ("signals.yaml", "  medical:\n    sure:", "  medicine:\n    sure:", 'The kind "medical" has no signals'),
])
def test_each_problem_names_the_file_and_line_and_nothing_is_served(
    content: Path, file: str, old: str, new: str, expected: str,
) -> None:
    replace(content / "help-now" / file, old, new)
    loaded, findings = read_help_now(content, today=date(2026, 12, 6))
    assert loaded is None
    formatted = [finding.format(content) for finding in findings]
    assert any(expected in line and line.startswith(f"help-now/{file}:") for line in formatted), formatted


def test_numbers_not_checked_for_six_months_are_a_warning(content: Path) -> None:
    loaded, findings = read_help_now(content, today=date(2027, 7, 1))
    assert loaded is not None
    assert [finding.problem for finding in findings] == ["The numbers were last checked on 2026-12-06, over 6 months ago"]
