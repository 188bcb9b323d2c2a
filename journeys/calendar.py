"""Bank holidays in England and Wales, worked out by rule, plus one-off changes kept by editors.

The rules give every ordinary year without a download. Royal events and moved holidays are not
predictable, so they live in `content/journeys/bank-holidays.yaml` and are applied on top.
The rules match the present pattern, which has held since the early May holiday began in 1978.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from glossary.findings import ContentError
from glossary.yaml_source import line_of
from journeys.yamlfile import read_journey_file, text_value

BANK_HOLIDAYS_FILE = "journeys/bank-holidays.yaml"
CHANGE_KINDS: tuple[str, ...] = ("add", "remove")
MONDAY, SATURDAY, SUNDAY = 0, 5, 6


def easter_sunday(year: int) -> date:
    """Western Easter Sunday (the anonymous Gregorian algorithm, also known as Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _first_monday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(MONDAY - first.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    next_month = date(year + month // 12, month % 12 + 1, 1)
    last = next_month - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - MONDAY) % 7)


def _is_weekend(day: date) -> bool:
    return day.weekday() in (SATURDAY, SUNDAY)


def _next_free_weekday(day: date, taken: Iterable[date]) -> date:
    """A holiday that falls on a weekend (or on another holiday) moves to the next free weekday."""
    used = set(taken)
    while _is_weekend(day) or day in used:
        day += timedelta(days=1)
    return day


def _substitute_name(name: str) -> str:
    return f"{name} (substitute day)"


def holidays_by_rule(year: int) -> dict[date, str]:
    """The usual England and Wales bank holidays of `year`, with substitute days, by date."""
    easter = easter_sunday(year)
    new_year = date(year, 1, 1)
    found: dict[date, str] = {
        easter - timedelta(days=2): "Good Friday",
        easter + timedelta(days=1): "Easter Monday",
        _first_monday(year, 5): "Early May bank holiday",
        _last_monday(year, 5): "Spring bank holiday",
        _last_monday(year, 8): "Summer bank holiday",
    }
    if _is_weekend(new_year):
        found[_next_free_weekday(new_year, found)] = _substitute_name("New Year's Day")
    else:
        found[new_year] = "New Year's Day"
    # Christmas and Boxing Day keep their own day when it is a weekday; only weekend ones move, to the
    # next free weekday, so a Sunday Christmas is made up on Tuesday after Boxing Day on Monday.
    christmas_days = ((date(year, 12, 25), "Christmas Day"), (date(year, 12, 26), "Boxing Day"))
    for day, name in christmas_days:
        if not _is_weekend(day):
            found[day] = name
    for day, name in christmas_days:
        if _is_weekend(day):
            found[_next_free_weekday(day, found)] = _substitute_name(name)
    return dict(sorted(found.items()))


@dataclass(frozen=True)
class HolidayChange:
    """One editor-kept change: a one-off extra holiday, or a rule-based day that did not happen."""

    day: date
    kind: str  # "add" or "remove"
    name: str
    line: int = 0


@dataclass(frozen=True)
class BankHolidays:
    """The bank holidays in England and Wales: rules plus the one-off changes."""

    changes: tuple[HolidayChange, ...] = ()
    _cache: dict[int, dict[date, str]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def rules_only(cls) -> BankHolidays:
        return cls()

    def in_year(self, year: int) -> dict[date, str]:
        """Every bank holiday of the year, by date, with its English name."""
        if year not in self._cache:
            days = holidays_by_rule(year)
            for change in self.changes:
                if change.day.year != year:
                    continue
                if change.kind == "remove":
                    days.pop(change.day, None)
                else:
                    days[change.day] = change.name
            self._cache[year] = dict(sorted(days.items()))
        return self._cache[year]

    def is_holiday(self, day: date) -> bool:
        return day in self.in_year(day.year)

    def name(self, day: date) -> str | None:
        return self.in_year(day.year).get(day)

    def between(self, start: date, end: date) -> list[date]:
        """Bank holidays from `start` to `end`, both included."""
        return [
            day
            for year in range(start.year, end.year + 1)
            for day in self.in_year(year)
            if start <= day <= end
        ]

    def is_working_day(self, day: date) -> bool:
        return not _is_weekend(day) and not self.is_holiday(day)

    def working_day_on_or_before(self, day: date) -> date:
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day


def parse_changes(path: Path, data: Any) -> tuple[list[HolidayChange], list[ContentError]]:
    """The changes in a bank-holidays file, and every problem found on the way (with its line)."""
    changes: list[HolidayChange] = []
    problems: list[ContentError] = []
    if not isinstance(data, Mapping) or not isinstance(data.get("changes"), list):
        problems.append(ContentError(path, 1, "The file has no `changes:` list",
                                     "Start the file with `changes:` and list each change under it"))
        return changes, problems
    for index, entry in enumerate(data["changes"]):
        line = line_of(data["changes"], index)
        if not isinstance(entry, Mapping):
            problems.append(ContentError(path, line, "This change is not a set of fields",
                                         "Write it as `- date: 2023-05-08` with `change:` and `name:` below"))
            continue
        raw_day = entry.get("date")
        if isinstance(raw_day, date):
            day = raw_day
        else:
            try:
                day = date.fromisoformat(text_value(raw_day))
            except ValueError:
                problems.append(ContentError(path, line_of(entry, "date"), f"`{text_value(raw_day)}` is not a date",
                                             "Write the date as YYYY-MM-DD, for example 2023-05-08"))
                continue
        kind = text_value(entry.get("change"))
        if kind not in CHANGE_KINDS:
            problems.append(ContentError(path, line_of(entry, "change" if "change" in entry else None),
                                         f"`change` must be add or remove, not `{kind}`",
                                         "Write `change: add` for an extra holiday or `change: remove`"))
            continue
        name = text_value(entry.get("name"))
        if not name:
            problems.append(ContentError(path, line_of(entry), "This change has no `name`",
                                         "Add `name:` saying what the day was, for example State funeral"))
            continue
        if kind == "remove" and day not in holidays_by_rule(day.year):
            problems.append(ContentError(path, line_of(entry, "date"),
                                         f"{day.isoformat()} is not a bank holiday by the usual rules",
                                         "Check the date: only a usual bank holiday can be removed"))
            continue
        changes.append(HolidayChange(day=day, kind=kind, name=name, line=line))
    return changes, problems


def load_bank_holidays(content_dir: Path) -> BankHolidays:
    """Rules plus the editors' changes. Raises ContentError (with file and line) if the file is wrong."""
    path = content_dir / BANK_HOLIDAYS_FILE
    changes, problems = parse_changes(path, read_journey_file(path))
    if problems:
        raise problems[0]
    return BankHolidays(changes=tuple(changes))
