"""The money plan after release: Universal Credit steps dated from the release day or the claim.

Steps and their wording come from `content/journeys/money.yaml`; this module only works out dates,
which steps are done, and which are late.
"""

from __future__ import annotations

import calendar as month_calendar
import re
from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from glossary.findings import ContentError
from glossary.yaml_source import line_of
from journeys.calendar import BankHolidays
from journeys.yamlfile import localised, read_journey_file, text_value

MONEY_FILE = "journeys/money.yaml"
CLAIM_STEP = "claim_online"  # its day is the claim day when the case file has no claim date

# Steps the case file can tick off. Editors may add steps; the checker warns so the key is agreed first.
MONEY_STEP_KEYS: tuple[str, ...] = (
    "bank_account",
    "discharge_grant",
    "claim_online",
    "verify_identity",
    "jobcentre_interview",
    "advance_payment",
    "food_help",
    "first_payment",
)
STEP_FIELDS: tuple[str, ...] = ("key", "when", "title", "what_to_do", "if_late", "translations")
REQUIRED_STEP_FIELDS: tuple[str, ...] = ("key", "when", "title", "what_to_do")
TRANSLATED_STEP_FIELDS: tuple[str, ...] = ("title", "what_to_do", "if_late")
WHEN_FIELDS: tuple[str, ...] = ("day", "days_after_claim", "months_after_claim", "on_working_day")
RELEASE, CLAIM = "release", "claim"

_RANGE = re.compile(r"^\s*(-?\d+)\s*\.\.\s*(-?\d+)\s*$")


@dataclass(frozen=True)
class Offset:
    """When a step falls: a window of days counted from the release day or from the claim."""

    anchor: str  # RELEASE or CLAIM
    first_day: int
    last_day: int
    months: int = 0
    on_working_day: bool = False


@dataclass(frozen=True)
class StepContent:
    key: str
    when: Offset
    raw: Mapping[str, Any]
    line: int


@dataclass(frozen=True)
class MoneyCatalog:
    steps: tuple[StepContent, ...]
    # Each step's title, what to do and if late, by language, worked out once: the planner's sweep asks
    # for them for every person.
    _texts: dict[str, tuple[tuple[str, str, str], ...]] = field(default_factory=dict, compare=False, repr=False)

    def texts(self, language: str) -> tuple[tuple[str, str, str], ...]:
        """(title, what to do, if late) of each step, in the steps' order, in `language`."""
        found = self._texts.get(language)
        if found is None:
            found = self._texts[language] = tuple(
                (localised(step.raw, "title", language), localised(step.raw, "what_to_do", language),
                 localised(step.raw, "if_late", language)) for step in self.steps)
        return found

    def get(self, key: str) -> StepContent | None:
        return next((step for step in self.steps if step.key == key), None)


@dataclass(frozen=True)
class ClaimFacts:
    """What the case file knows about the Universal Credit claim."""

    claim_date: date | None = None
    steps_done: Set[str] = field(default_factory=frozenset)  # money step keys ticked off
    # Steps the file already has a booked appointment for (the first Jobcentre meeting): step key -> its day.
    booked: Mapping[str, date] = field(default_factory=dict)


@dataclass(frozen=True)
class MoneyStep:
    key: str
    title: str
    what_to_do: str
    if_late: str
    starts: date
    due: date  # the last day of the step's window; the same as `starts` for a one-day step
    done: bool
    overdue: bool
    estimated: bool  # counted from a claim date the case file does not have yet
    days_to_due: int  # from today: 0 due today, negative when the due day has passed

    @property
    def one_day(self) -> bool:
        return self.starts == self.due

    def is_due_on(self, day: date) -> bool:
        """Still to do, and `day` is inside its window (for reminders)."""
        return not self.done and self.starts <= day <= self.due


def add_months(day: date, months: int) -> date:
    """Same day of the month, `months` later; the 31st becomes the month's last day where needed."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, month_calendar.monthrange(year, month)[1]))


def money_plan(
    release_date: date,
    claim: ClaimFacts | None,
    today: date,
    *,
    catalog: MoneyCatalog,
    language: str = "en",
    holidays: BankHolidays | None = None,
) -> list[MoneyStep]:
    """Every money step with its dates, in the editors' order.

    Steps counted from the claim use the real claim date when known, else the day the plan says to claim.
    """
    claim = claim or ClaimFacts()
    holidays = holidays or BankHolidays.rules_only()
    claim_day = claim.claim_date or _planned_claim_day(release_date, catalog)
    plan: list[MoneyStep] = []
    for step, (title, what_to_do, if_late) in zip(catalog.steps, catalog.texts(language), strict=True):
        base = release_date if step.when.anchor == RELEASE else add_months(claim_day, step.when.months)
        starts = base + timedelta(days=step.when.first_day)
        due = base + timedelta(days=step.when.last_day)
        if step.when.on_working_day:
            starts, due = holidays.working_day_on_or_before(starts), holidays.working_day_on_or_before(due)
        booked = claim.booked.get(step.key)
        if booked is not None:  # the real appointment in the file beats the usual timing
            starts = due = booked
        done = step.key in claim.steps_done
        plan.append(MoneyStep(
            key=step.key,
            title=title,
            what_to_do=what_to_do,
            if_late=if_late,
            starts=starts,
            due=due,
            done=done,
            overdue=not done and today > due,
            estimated=booked is None and step.when.anchor == CLAIM and claim.claim_date is None,
            days_to_due=(due - today).days,
        ))
    return plan


def _planned_claim_day(release_date: date, catalog: MoneyCatalog) -> date:
    claim_step = catalog.get(CLAIM_STEP)
    if claim_step is None or claim_step.when.anchor != RELEASE:
        return release_date
    return release_date + timedelta(days=claim_step.when.first_day)


def _days(value: Any) -> tuple[int, int] | None:
    """`3` or "1..7" as (first, last); None when it is neither."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value, value
    match = _RANGE.match(text_value(value))
    if match is None:
        return None
    first, last = int(match.group(1)), int(match.group(2))
    return (first, last) if first <= last else None


def parse_when(path: Path, entry: Mapping[str, Any]) -> tuple[Offset | None, list[ContentError]]:
    when = entry.get("when")
    line = line_of(entry, "when")
    if not isinstance(when, Mapping):
        return None, [ContentError(path, line, "`when` is not a set of fields",
                                   "Write it as `when: {day: 0}` or `when: {days_after_claim: 35}`")]
    problems = [
        ContentError(path, line, f"`{name}` is not an offset Signpost knows",
                     "Use day, days_after_claim, months_after_claim or on_working_day")
        for name in when if name not in WHEN_FIELDS
    ]
    from_release = "day" in when
    from_claim = "days_after_claim" in when or "months_after_claim" in when
    if from_release == from_claim:
        if problems:  # a misspelt offset is why neither is there; one finding is enough
            return None, problems
        problems.append(ContentError(path, line, "`when` must count from the release day or from the claim",
                                     "Give either `day` or `days_after_claim`/`months_after_claim`, not both"))
        return None, problems
    days = _days(when.get("day") if from_release else when.get("days_after_claim", 0))
    if days is None:
        name = "day" if from_release else "days_after_claim"
        problems.append(ContentError(path, line, f"`{name}: {text_value(when.get(name))}` is not a number of days",
                                     'Write a whole number like 3, or a quoted range like "1..7"'))
    months = when.get("months_after_claim", 0)
    if isinstance(months, bool) or not isinstance(months, int) or months < 0:
        problems.append(ContentError(path, line, f"`months_after_claim: {text_value(months)}` is not a number",
                                     "Write a whole number of months, like 1"))
    working_day = when.get("on_working_day", False)
    if not isinstance(working_day, bool):
        problems.append(ContentError(path, line, "`on_working_day` must be true or false",
                                     "Write `on_working_day: true` or leave it out"))
    if problems or days is None:
        return None, problems
    return Offset(anchor=RELEASE if from_release else CLAIM, first_day=days[0], last_day=days[1],
                  months=int(months), on_working_day=bool(working_day)), []


def parse_money(path: Path, data: Any) -> tuple[MoneyCatalog, list[ContentError]]:
    """The catalog and every structural problem (missing fields, unknown offsets) with its line."""
    problems: list[ContentError] = []
    steps: list[StepContent] = []
    if not isinstance(data, Mapping) or not isinstance(data.get("steps"), list):
        problems.append(ContentError(path, 1, "The file has no `steps:` list",
                                     "Start the file with `steps:` and list each money step under it"))
        return MoneyCatalog(steps=()), problems
    seen: dict[str, int] = {}
    for index, entry in enumerate(data["steps"]):
        line = line_of(data["steps"], index)
        if not isinstance(entry, Mapping):
            problems.append(ContentError(path, line, "This step is not a set of fields",
                                         "Write it as `- key: ...` with when, title and what_to_do below"))
            continue
        for name in entry:
            if name not in STEP_FIELDS:
                problems.append(ContentError(path, line_of(entry, name), f"`{name}` is not a money step field",
                                             f"Use only {', '.join(STEP_FIELDS)}; check the spelling"))
        missing = [name for name in REQUIRED_STEP_FIELDS if not entry.get(name)]
        for name in missing:
            problems.append(ContentError(path, line, f"This step has no `{name}`", f"Add `{name}:` to the step"))
        key = text_value(entry.get("key"))
        if key in seen:
            problems.append(ContentError(path, line_of(entry, "key"), f"The step `{key}` is listed twice",
                                         f"Keep one of them; the first is on line {seen[key]}"))
            continue
        if "when" in missing:
            continue
        offset, when_problems = parse_when(path, entry)
        problems.extend(when_problems)
        if key and offset is not None:
            seen[key] = line
            steps.append(StepContent(key=key, when=offset, raw=entry, line=line))
    return MoneyCatalog(steps=tuple(steps)), problems


def load_money(content_dir: Path) -> MoneyCatalog:
    """The money steps file. Raises ContentError (with file and line) if it cannot be used."""
    path = content_dir / MONEY_FILE
    catalog, problems = parse_money(path, read_journey_file(path))
    if problems:
        raise problems[0]
    return catalog
