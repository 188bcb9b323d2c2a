"""The journey reply templates: shared wording, every language, and strings ready for translators."""

from __future__ import annotations

import shutil
from datetime import date, time
from pathlib import Path

import pytest
from jinja2.ext import babel_extract

from bot.text import render
from journeys.calendar import BankHolidays
from journeys.money import MoneyCatalog, money_plan
from journeys.pharmacy import PharmacyFacts, changes_ahead, pharmacy_answer
from journeys.stages import StageCatalog
from journeys.where import JourneyFacts, where_am_i

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "content" / "templates" / "journeys"


@pytest.fixture(scope="module")
def probe_content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A content folder with the shared wording and a one-line template that uses it."""
    folder = tmp_path_factory.mktemp("content")
    (folder / "templates" / "journeys").mkdir(parents=True)
    shutil.copy(TEMPLATES / "_words.txt.j2", folder / "templates" / "journeys" / "_words.txt.j2")
    (folder / "templates" / "probe.txt.j2").write_text(
        '{% from "journeys/_words.txt.j2" import days_from_today with context %}{{ days_from_today(days) }}',
        encoding="utf-8")
    return folder


@pytest.mark.parametrize(("days", "words"), [
    (0, "today"), (1, "tomorrow"), (-1, "yesterday"), (2, "in 2 days"), (97, "in 97 days"), (-3, "3 days ago"),
])
def test_day_counts(probe_content: Path, days: int, words: str) -> None:
    assert render(probe_content, "probe.txt.j2", "en", days=days) == words


@pytest.mark.parametrize("language", ["en", "cy", "pl"])
def test_every_reply_renders_in_every_language(language: str, stages: StageCatalog, money_catalog: MoneyCatalog,
                                               holidays: BankHolidays) -> None:
    content = REPO / "content"
    today = date(2026, 12, 23)
    answer = where_am_i(JourneyFacts(stage="in_prison", prison="HMP Belmarsh", release_date=date(2026, 12, 24),
                                     licence_end=date(2027, 6, 23), licence_conditions=[("Official", "")]),
                        today, stages, language=language, holidays=holidays)
    where = render(content, "journeys/where.txt.j2", language, answer=answer)
    assert where.startswith(stages.get("in_prison").text(language).title + "\n")
    assert stages.get("in_prison").text(language).next in where

    plan = money_plan(date(2026, 12, 24), None, today, catalog=money_catalog, language=language, holidays=holidays)
    money = render(content, "journeys/money.txt.j2", language, plan=plan, release_date=date(2026, 12, 24))
    assert all(step.title in money and step.what_to_do in money for step in plan)

    facts = PharmacyFacts(name="Chemist", address="1 Road", opening={day: (time(9), time(17)) for day in range(5)},
                          pickup_days=set(range(7)), pickup_time=time(11), missed_in_a_row=2)
    pharmacy = render(content, "journeys/pharmacy.txt.j2", language,
                      answer=pharmacy_answer(facts, today, holidays, days=7))
    assert "Chemist" in pharmacy and "1 Road" in pharmacy
    for notice in changes_ahead(facts, today, 7, holidays):
        assert render(content, "journeys/pharmacy_notice.txt.j2", language, notice=notice)


def test_translatable_strings_can_be_extracted() -> None:
    """The translators' tools read {% trans %} blocks; each one must extract as a whole sentence."""
    found: list[str] = []
    for template in sorted(TEMPLATES.glob("*.j2")):
        with template.open("rb") as handle:
            for _, function, message, _ in babel_extract(handle, ("gettext", "ngettext"), [],
                                                         {"extensions": "jinja2.ext.i18n",
                                                          "trim_blocks": "true", "lstrip_blocks": "true"}):
                found.extend([message] if function == "gettext" else [text for text in message if text])
    assert "Your licence ends on %(day)s, %(when)s." in found
    assert "in %(count)s days" in found
    assert "Tomorrow the pharmacy is shut." in found
    assert all(text == text.strip() and "\n" not in text for text in found)
