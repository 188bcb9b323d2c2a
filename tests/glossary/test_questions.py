"""The questions library's reader and checker: good cards load, every problem names its file and line."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from bot.settings import REPO_ROOT
from glossary.findings import Severity
from glossary.questions import build_questions, read_questions

CONTENT = REPO_ROOT / "content"
TODAY = date(2026, 12, 6)

GOOD = """\
topic: licence
cards:
  - id: night-away
    nation: both
    asks:
      en: [can i stay at my girlfriends, am i allowed to sleep somewhere else, can i stay over at my mums,
           night away from my address, do i need permission to stay out overnight, what if i stay at a mates]
      cy: [ga i aros yn nhy fy nghariad, ga i gysgu rhywle arall, ga i aros dros nos gyda mam,
           noson i ffwrdd o fy nghyfeiriad, oes angen caniatad i aros allan dros nos, beth os arhosaf gyda ffrind]
      pl: [czy moge spac u dziewczyny, czy moge nocowac gdzie indziej, czy moge zostac na noc u mamy,
           noc poza domem licence, czy potrzebuje zgody na nocleg, co jesli przenocuje u kolegi]
    answer:
      en: >-
        Your licence says where you must live. Ask your probation officer before you stay somewhere else.
      cy: >-
        Mae eich trwydded yn dweud ble mae'n rhaid i chi fyw. Gofynnwch i'ch swyddog prawf cyn aros yn rhywle arall.
      pl: >-
        Licencja mówi, gdzie musisz mieszkać. Zapytaj kuratora, zanim zostaniesz na noc gdzie indziej.
    do:
      en: Ask your probation officer a few days before.
      cy: Gofynnwch i'ch swyddog prawf ychydig ddyddiau cyn hynny.
      pl: Zapytaj kuratora kilka dni wcześniej.
    personal: [licence_conditions, lead]
    related: [Licence]
    sources: [https://www.gov.uk/guide-to-probation]
    reviewed: 2026-12-01
"""


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A content folder with the real glossary and hard-words list, and one questions file to edit."""
    shutil.copytree(CONTENT / "glossary", tmp_path / "glossary")
    shutil.copy(CONTENT / "plain-words.yaml", tmp_path / "plain-words.yaml")
    (tmp_path / "questions").mkdir()
    (tmp_path / "questions" / "licence.yaml").write_text(GOOD, encoding="utf-8")
    return tmp_path


def lines(findings: list) -> list[str]:
    return [finding.format() for finding in sorted(findings)]


def test_a_good_card_loads_with_every_part(content: Path) -> None:
    library, findings = read_questions(content, today=TODAY)
    assert [f for f in findings if f.severity is Severity.ERROR] == []
    card = library.get("night-away")
    assert card is not None and card.topic == "licence" and card.nation == "both"
    assert len(card.asks["cy"]) == 6 and card.personal == ("licence_conditions", "lead")
    assert card.text(card.answer, "pl").startswith("Licencja mówi") and card.reviewed == date(2026, 12, 1)
    assert card.line == 3


def edit(content: Path, old: str, new: str) -> None:
    path = content / "questions" / "licence.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("nation: both", "nation: scotland", "licence.yaml:4: The card \"night-away\" has nation 'scotland'. "
                                         "Write nation: england, nation: wales or nation: both."),
    ("reviewed: 2026-12-01", "reviewed: 2027-01-01", "licence.yaml:26: The card \"night-away\" was reviewed on "
                                                     "2027-01-01, which is in the future"),
    ("sources: [https://www.gov.uk/guide-to-probation]", "sources: [gov.uk]",
     'licence.yaml:25: The card "night-away" has a source "gov.uk" that is not a web address'),
    ("related: [Licence]", "related: [Zorblax]", 'licence.yaml:24: The card "night-away" relates to "Zorblax"'),
    ("personal: [licence_conditions, lead]", "personal: [diary]", 'asks for a personal part "diary"'),
    ("topic: licence", "topic: recall", 'licence.yaml:1: The topic should be "licence", the file name'),
    ("do i need permission to stay out overnight, ", "", 'licence.yaml:6: The card "night-away" has 5 English asks'),
    ("Your licence says", "Your XQZ licence says", 'licence.yaml:14: The answer of card "night-away" uses "XQZ" '
                                                  "without saying what it means"),
])
def test_each_problem_is_an_error_with_its_line_and_the_card_is_not_served(
    content: Path, old: str, new: str, expected: str,
) -> None:
    edit(content, old, new)
    library, findings = build_questions(content)
    assert library is None
    assert any(expected in line for line in lines(findings)), lines(findings)


def test_an_old_review_is_a_warning_only(content: Path) -> None:
    library, findings = read_questions(content, today=date(2028, 1, 1))
    assert library.get("night-away") is not None
    assert [(f.severity, f.line) for f in findings] == [(Severity.WARNING, 26)]
    assert "over 12 months ago" in findings[0].problem


def test_a_hard_word_is_a_warning_with_the_plainer_word(content: Path) -> None:
    edit(content, "before you stay somewhere else.", "before you stay somewhere else. You must obtain a yes.")
    library, findings = build_questions(content)
    assert library is not None
    assert lines(findings)[0].endswith('licence.yaml:14: warning: "obtain" is a hard word. Use "get" instead.')


def test_two_cards_with_one_id_or_one_ask_are_refused(content: Path) -> None:
    second = GOOD.split("cards:\n", 1)[1]
    (content / "questions" / "licence.yaml").write_text(GOOD + second, encoding="utf-8")
    _library, findings = read_questions(content, today=TODAY)
    problems = " ".join(f.problem for f in findings)
    assert 'The card id "night-away" is used twice' in problems
    assert 'The ask "can i stay at my girlfriends" leads to two cards' in problems


def test_the_real_questions_library_has_no_errors() -> None:
    library, findings = read_questions(CONTENT)
    errors = [f.format(REPO_ROOT) for f in findings if f.severity is Severity.ERROR]
    assert errors == []
