"""Pharmacy pick-ups: when to go, which doses go home, and what changes on shut days.

Every day of the prescription has a dose. Each dose is normally collected on the latest pick-up day
on or before it. When the pharmacy is shut that day (its weekly day off, or a bank holiday), the dose
is collected on the last open day before, as a take-away. The template `journeys/pharmacy.txt.j2`
words the answer; `journeys/pharmacy_notice.txt.j2` words one day's change notice for reminders.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from casefile.clock import LONDON
from journeys.calendar import BankHolidays

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = range(7)
# How far back a dose may be collected early. A week covers any weekend plus Easter or Christmas.
MAX_DAYS_EARLY = 7
GENTLE_MISSED = 2
STOP_RISK_MISSED = 3  # pharmacists stop opioid doses after 3 missed days until the prescriber says it is safe
SCRIPT_ENDING_NOTICE_DAYS = 7


class PharmacyFactsError(ValueError):
    """The pharmacy details cannot make a schedule. The message says what to fix, for a key worker."""


class ShutReason(StrEnum):
    WEEKLY_CLOSED = "weekly_closed"  # the pharmacy does not open on that day of the week
    BANK_HOLIDAY = "bank_holiday"


class MissedLevel(StrEnum):
    GENTLE = "gentle"  # two missed: one more and the dose may stop
    STOP_RISK = "stop_risk"  # three or more: the pharmacy may not give the dose until the prescriber is contacted


@dataclass(frozen=True)
class PharmacyFacts:
    name: str
    address: str
    opening: Mapping[int, tuple[time, time]]  # weekday (0 Monday) -> opens, closes; a missing day is shut
    pickup_days: Set[int]  # weekdays the person goes to the pharmacy
    pickup_time: time
    takeaway_days: Set[int] = frozenset()  # weekdays whose dose is taken home instead of taken there
    script_start: date | None = None
    script_end: date | None = None
    prescriber_contact: str = ""
    missed_in_a_row: int = 0
    bank_holiday_opening: Mapping[date, tuple[time, time]] = field(default_factory=dict)  # the rare open ones

    def __post_init__(self) -> None:
        for label, days in (("pick-up days", self.pickup_days), ("take-away days", self.takeaway_days),
                            ("opening days", set(self.opening))):
            wrong = sorted(str(day) for day in days if not isinstance(day, int) or not 0 <= day <= 6)
            if wrong:
                raise PharmacyFactsError(f"The {label} use {', '.join(wrong)}: use 0 for Monday up to 6 for Sunday.")
        if not self.pickup_days:
            raise PharmacyFactsError("There are no pick-up days: add the days the person goes to the pharmacy.")
        for hours in (*self.opening.values(), *self.bank_holiday_opening.values()):
            if hours[0] >= hours[1]:
                raise PharmacyFactsError(f"Opening {hours[0]:%H:%M} is not before closing {hours[1]:%H:%M}.")
        if self.script_start and self.script_end and self.script_end < self.script_start:
            raise PharmacyFactsError("The prescription ends before it starts: check the two dates.")
        if self.missed_in_a_row < 0:
            raise PharmacyFactsError("Missed pick-ups in a row cannot be below 0.")


@dataclass(frozen=True)
class Dose:
    day: date  # the day the dose is for
    takeaway: bool  # taken home rather than taken at the pharmacy
    planned_visit: date  # the pick-up day it belongs to in a usual week
    moved_because: ShutReason | None  # set when the planned pick-up day is shut


@dataclass(frozen=True)
class PickupDay:
    date: date
    opens_at: datetime
    closes_at: datetime
    pickup_at: datetime
    usual_time: bool  # False when the usual time is outside that day's hours, so pickup_at is opening time
    doses: tuple[Dose, ...]

    @property
    def moved_doses(self) -> tuple[Dose, ...]:
        return tuple(dose for dose in self.doses if dose.moved_because is not None)

    @property
    def takeaway_doses(self) -> tuple[Dose, ...]:
        return tuple(dose for dose in self.doses if dose.takeaway)


# ShutDay's first field is called date, which hides the type inside its class body.
_Day = date


@dataclass(frozen=True)
class ShutDay:
    """A usual pick-up day when the pharmacy is shut."""

    date: _Day
    reason: ShutReason
    collect_on: _Day | None  # None when there is no open day to collect early: the person must ask
    dose_days: tuple[_Day, ...]


@dataclass(frozen=True)
class ChangeNotice:
    """For reminders: on `on`, collect extra doses because of the shut days that follow."""

    on: date
    pickup_at: datetime
    shut_days: tuple[ShutDay, ...]
    dose_days: tuple[date, ...]  # the extra doses to collect and take home


@dataclass(frozen=True)
class MissedWarning:
    level: MissedLevel
    missed: int
    prescriber_contact: str


@dataclass(frozen=True)
class ScriptEnd:
    date: date
    days_from_today: int  # negative when it has already ended


@dataclass(frozen=True)
class PharmacyAnswer:
    name: str
    address: str
    prescriber_contact: str
    visits: tuple[PickupDay, ...]
    shut_days: tuple[ShutDay, ...]
    missed: MissedWarning | None
    script_end: ScriptEnd | None  # set when it ends within a week, or has ended
    starts_on: date | None  # set when the prescription has not started yet


class _Planner:
    """Works out, for each dose day, the usual pick-up day and the day it is really collected."""

    def __init__(self, facts: PharmacyFacts, holidays: BankHolidays) -> None:
        self.facts = facts
        self.holidays = holidays

    def in_script(self, day: date) -> bool:
        starts, ends = self.facts.script_start, self.facts.script_end
        return (starts is None or day >= starts) and (ends is None or day <= ends)

    def hours(self, day: date) -> tuple[time, time] | None:
        if self.holidays.is_holiday(day):
            return self.facts.bank_holiday_opening.get(day)
        return self.facts.opening.get(day.weekday())

    def shut_reason(self, day: date) -> ShutReason | None:
        if self.hours(day) is not None:
            return None
        return ShutReason.BANK_HOLIDAY if self.holidays.is_holiday(day) else ShutReason.WEEKLY_CLOSED

    def planned_visit(self, dose_day: date) -> date:
        """The latest pick-up day on or before the dose, within the prescription; else the dose day itself."""
        for back in range(MAX_DAYS_EARLY):
            day = dose_day - timedelta(days=back)
            if not self.in_script(day):
                break
            if day.weekday() in self.facts.pickup_days:
                return day
        return max(dose_day - timedelta(days=MAX_DAYS_EARLY - 1), self.facts.script_start or dose_day)

    def collect_on(self, visit: date) -> date | None:
        """The visit itself if open, else the last open day before it within the prescription."""
        for back in range(MAX_DAYS_EARLY + 1):
            day = visit - timedelta(days=back)
            if not self.in_script(day):
                return None
            if self.hours(day) is not None:
                return day
        return None

    def dose(self, dose_day: date) -> tuple[Dose, date | None]:
        visit = self.planned_visit(dose_day)
        collect = self.collect_on(visit)
        moved = self.shut_reason(visit)
        takeaway = collect != dose_day or dose_day.weekday() in self.facts.takeaway_days
        return Dose(day=dose_day, takeaway=takeaway, planned_visit=visit, moved_because=moved), collect

    def pickup_day(self, day: date, doses: list[Dose]) -> PickupDay:
        hours = self.hours(day)
        if hours is None:  # cannot happen: collect_on only returns open days
            raise ValueError(f"{day} is not an open day")
        opens, closes = hours
        usual = opens <= self.facts.pickup_time < closes
        return PickupDay(
            date=day,
            opens_at=_at(day, opens),
            closes_at=_at(day, closes),
            pickup_at=_at(day, self.facts.pickup_time if usual else opens),
            usual_time=usual,
            doses=tuple(doses),
        )


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=LONDON)


def _window(start: date, days: int) -> list[date]:
    return [start + timedelta(days=offset) for offset in range(max(days, 0))]


def pickup_schedule(facts: PharmacyFacts, start: date, days: int, holidays: BankHolidays) -> list[PickupDay]:
    """Every visit from `start` for `days` days, with the doses to collect on each."""
    planner = _Planner(facts, holidays)
    window = set(_window(start, days))
    by_visit: dict[date, list[Dose]] = {}
    # Doses up to a week after the window can be collected inside it, before a shut spell.
    for dose_day in _window(start, days + MAX_DAYS_EARLY):
        if not planner.in_script(dose_day):
            continue
        dose, collect = planner.dose(dose_day)
        if collect is not None and collect in window:
            by_visit.setdefault(collect, []).append(dose)
    return [planner.pickup_day(day, doses) for day, doses in sorted(by_visit.items())]


def shut_days(facts: PharmacyFacts, start: date, days: int, holidays: BankHolidays) -> list[ShutDay]:
    """Usual pick-up days in the window when the pharmacy is shut, and where their doses go instead."""
    planner = _Planner(facts, holidays)
    found: dict[date, list[date]] = {}
    for dose_day in _window(start, days + MAX_DAYS_EARLY):
        if not planner.in_script(dose_day):
            continue
        dose, _ = planner.dose(dose_day)
        if dose.moved_because is not None and start <= dose.planned_visit < start + timedelta(days=days):
            found.setdefault(dose.planned_visit, []).append(dose_day)
    return [
        ShutDay(date=visit, reason=reason, collect_on=planner.collect_on(visit), dose_days=tuple(dose_days))
        for visit, dose_days in sorted(found.items())
        if (reason := planner.shut_reason(visit)) is not None
    ]


def changes_ahead(facts: PharmacyFacts, start: date, days: int, holidays: BankHolidays, *,
                  schedule: list[PickupDay] | None = None) -> list[ChangeNotice]:
    """One notice per visit in the window that collects doses early because the pharmacy will be shut.

    `schedule`: `pickup_schedule` of the same facts, days and holidays, when the caller has it already.
    """
    if schedule is None:
        schedule = pickup_schedule(facts, start, days, holidays)
    visits = [(visit, moved) for visit in schedule if (moved := visit.moved_doses)]
    if not visits:  # most weeks: nothing moved, so the shut days need not be worked out (the sweep's cost)
        return []
    shut = shut_days(facts, start, days + MAX_DAYS_EARLY, holidays)
    notices: list[ChangeNotice] = []
    for visit, moved in visits:
        notices.append(ChangeNotice(
            on=visit.date,
            pickup_at=visit.pickup_at,
            shut_days=tuple(day for day in shut if day.collect_on == visit.date),
            dose_days=tuple(dose.day for dose in moved),
        ))
    return notices


def missed_warning(facts: PharmacyFacts) -> MissedWarning | None:
    if facts.missed_in_a_row >= STOP_RISK_MISSED:
        level = MissedLevel.STOP_RISK
    elif facts.missed_in_a_row == GENTLE_MISSED:
        level = MissedLevel.GENTLE
    else:
        return None
    return MissedWarning(level=level, missed=facts.missed_in_a_row, prescriber_contact=facts.prescriber_contact)


def script_end_notice(facts: PharmacyFacts, today: date) -> ScriptEnd | None:
    """The prescription's end when it is within a week, or already past."""
    if facts.script_end is None:
        return None
    days_left = (facts.script_end - today).days
    return ScriptEnd(facts.script_end, days_left) if days_left <= SCRIPT_ENDING_NOTICE_DAYS else None


def pharmacy_answer(facts: PharmacyFacts, today: date, holidays: BankHolidays, days: int = 7) -> PharmacyAnswer:
    """Everything the pharmacy reply shows, for the `days` days from today."""
    starts_later = facts.script_start is not None and facts.script_start > today
    return PharmacyAnswer(
        name=facts.name,
        address=facts.address,
        prescriber_contact=facts.prescriber_contact,
        visits=tuple(pickup_schedule(facts, today, days, holidays)),
        shut_days=tuple(shut_days(facts, today, days, holidays)),
        missed=missed_warning(facts),
        script_end=script_end_notice(facts, today),
        starts_on=facts.script_start if starts_later else None,
    )
