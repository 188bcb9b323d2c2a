"""Which release-day, money and pharmacy messages one person should get in the next few days.

Pure: a `PersonView` and the journeys content in, a list of `Planned` messages out. The sweep
(bot/reminders/planner.py) turns the list into outbox rows; the dispatcher runs the same function
again for one day just before sending, so a step marked done or a plan changed since the sweep
stops the message.

When each goes (Europe/London wall clock, then moved out of the person's quiet hours):
  release_day      08:00 on the release day; worth sending until 18:00 that day.
  money_step       10:00 on the day a step's window starts, for steps that start after the
                   release day (the release-day message already lists the day's own steps).
  pharmacy_pickup  an hour before each pick-up; worth sending until the pick-up time.
  pharmacy_change  on a pick-up day that collects extra doses because the pharmacy is shut next
                   (a Sunday, a bank holiday): 08:00 that morning, or two hours before an earlier
                   pick-up (which quiet hours may move to 21:00 the evening before).
A message whose time has passed but is still worth sending is due now; one no longer worth
sending is not planned at all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from casefile.models import APPOINTMENT_OVER
from casefile.reminder_rules import PersonChoices, QuietHours, ReminderPolicy, quiet_for
from casefile.views import PersonInfo, PersonView
from journeys import money, pharmacy
from journeys.calendar import BankHolidays
from journeys.live import JourneyContent
from journeys.person_facts import claim_facts, pharmacy_facts

log = logging.getLogger(__name__)

RELEASE_DAY, MONEY_STEP, PHARMACY_PICKUP, PHARMACY_CHANGE = (
    "release_day", "money_step", "pharmacy_pickup", "pharmacy_change")
PLANNED_KINDS: tuple[str, ...] = (RELEASE_DAY, MONEY_STEP, PHARMACY_PICKUP, PHARMACY_CHANGE)

RELEASE_MORNING = time(8, 0)
RELEASE_WORTH_IT_UNTIL = time(18, 0)
MONEY_STEP_AT = time(10, 0)
MONEY_WORTH_IT_UNTIL = time(20, 0)
PICKUP_NOTICE = timedelta(hours=1)
CHANGE_MORNING = time(8, 0)
CHANGE_AT_LEAST = timedelta(hours=2)  # before the pick-up, so there is time to plan the extra doses


@dataclass(frozen=True)
class Planned:
    """One message the plan wants sent. `payload` holds only dates, times and step keys (for change checks)."""

    key: str  # the outbox dedupe key: the same message planned twice is one row
    kind: str
    person_id: int
    day: date  # the London day the message is about
    due_at: datetime  # aware UTC, outside quiet hours
    too_late: datetime  # after this it is not worth sending
    payload: dict[str, Any]
    money_steps: tuple[money.MoneyStep, ...] = ()
    visit: pharmacy.PickupDay | None = None
    notice: pharmacy.ChangeNotice | None = None


def release_key(person_id: int, day: date) -> str:
    return f"release:{person_id}:{day.isoformat()}"


def money_key(person_id: int, step: str, day: date) -> str:
    return f"money:{person_id}:{step}:{day.isoformat()}"


def pharmacy_key(person_id: int, day: date, what: str) -> str:
    return f"pharmacy:{person_id}:{day.isoformat()}:{what}"


def day_of_key(key: str) -> date | None:
    """The day a planned row's key is about (every key carries one), or None if it is not a plan key."""
    for part in key.split(":"):
        try:
            return date.fromisoformat(part)
        except ValueError:
            continue
    return None


def choices_of(info: PersonInfo) -> PersonChoices:
    return PersonChoices(reminders_on=info.reminders_on, remind_day_before=info.remind_day_before,
                         remind_hours_before=info.remind_hours_before, quiet_from=info.quiet_from,
                         quiet_until=info.quiet_until)


def london(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=pharmacy.LONDON).astimezone(UTC)


def settle(due: datetime, too_late: datetime, now: datetime, quiet: QuietHours) -> datetime | None:
    """When it may really go: not before now, outside quiet hours, and before `too_late`; else None."""
    placed = quiet.place(max(due, now), before=too_late)
    return placed if placed < too_late else None


def plan_person(view: PersonView, content: JourneyContent, start: date, days: int, now: datetime,
                policy: ReminderPolicy) -> list[Planned]:
    """Every planned message for `days` days from `start` (London days). Paused or reminders off: none."""
    info = view.person
    if info.paused or not info.reminders_on or days < 1:
        return []
    window = {start + timedelta(days=n) for n in range(days)}
    quiet = quiet_for(policy, choices_of(info))
    plan = _release_and_money(view, content, window, now, quiet)
    plan += _pharmacy(view, content.holidays, start, days, now, quiet)
    return sorted(plan, key=lambda item: (item.due_at, item.key))


def _money_plan(view: PersonView, content: JourneyContent, today: date) -> list[money.MoneyStep]:
    release = view.dates.release_date
    if release is None:
        return []
    return money.money_plan(release, claim_facts(view), today, catalog=content.money, language=view.person.language,
                            holidays=content.holidays)


def release_day_steps(steps: list[money.MoneyStep], release: date) -> tuple[money.MoneyStep, ...]:
    """The release day's own money steps: still to do, and starting or ending that day."""
    return tuple(step for step in steps if step.is_due_on(release) and release in (step.starts, step.due))


def _release_and_money(view: PersonView, content: JourneyContent, window: set[date], now: datetime,
                       quiet: QuietHours) -> list[Planned]:
    release = view.dates.release_date
    if release is None:
        return []
    person_id = view.person.id
    steps = _money_plan(view, content, min(window))
    plan: list[Planned] = []
    if release in window:
        too_late = london(release, RELEASE_WORTH_IT_UNTIL)
        due = settle(london(release, RELEASE_MORNING), too_late, now, quiet)
        if due is not None:
            day_steps = release_day_steps(steps, release)
            visit = _visits(view, content.holidays, release, 1)
            plan.append(Planned(
                key=release_key(person_id, release), kind=RELEASE_DAY, person_id=person_id, day=release,
                due_at=due, too_late=too_late,
                payload={"day": release.isoformat(), "steps": [step.key for step in day_steps],
                         "pickup_at": visit[0].pickup_at.isoformat() if visit else None},
                money_steps=day_steps, visit=visit[0] if visit else None,
            ))
    for step in steps:
        if step.done or step.starts <= release or step.starts not in window:
            continue
        too_late = london(step.starts, MONEY_WORTH_IT_UNTIL)
        due = settle(london(step.starts, MONEY_STEP_AT), too_late, now, quiet)
        if due is None:
            continue
        plan.append(Planned(
            key=money_key(person_id, step.key, step.starts), kind=MONEY_STEP, person_id=person_id,
            day=step.starts, due_at=due, too_late=too_late,
            payload={"day": step.starts.isoformat(), "step": step.key}, money_steps=(step,),
        ))
    return plan


def _visits(view: PersonView, holidays: BankHolidays, start: date, days: int) -> list[pharmacy.PickupDay]:
    facts = _facts(view)
    return pharmacy.pickup_schedule(facts, start, days, holidays) if facts is not None else []


def _facts(view: PersonView) -> pharmacy.PharmacyFacts | None:
    try:
        return pharmacy_facts(view)
    except pharmacy.PharmacyFactsError as problem:
        # A worker's typo in the plan must not stop everyone else's reminders; the plan page shows it.
        log.warning("person %s: pharmacy plan cannot make a schedule: %s", view.person.id, problem)
        return None


def _pharmacy(view: PersonView, holidays: BankHolidays, start: date, days: int, now: datetime,
              quiet: QuietHours) -> list[Planned]:
    facts = _facts(view)
    if facts is None:
        return []
    person_id = view.person.id
    plan: list[Planned] = []
    schedule = pharmacy.pickup_schedule(facts, start, days, holidays)
    for visit in schedule:
        pickup_at = visit.pickup_at.astimezone(UTC)
        due = settle(pickup_at - PICKUP_NOTICE, pickup_at, now, quiet)
        if due is None:
            continue
        plan.append(Planned(
            key=pharmacy_key(person_id, visit.date, "pickup"), kind=PHARMACY_PICKUP, person_id=person_id,
            day=visit.date, due_at=due, too_late=pickup_at,
            payload={"day": visit.date.isoformat(), "pickup_at": pickup_at.isoformat()}, visit=visit,
        ))
    for notice in pharmacy.changes_ahead(facts, start, days, holidays, schedule=schedule):
        pickup_at = notice.pickup_at.astimezone(UTC)
        wanted = min(london(notice.on, CHANGE_MORNING), pickup_at - CHANGE_AT_LEAST)
        due = settle(wanted, pickup_at, now, quiet)
        if due is None:
            continue
        plan.append(Planned(
            key=pharmacy_key(person_id, notice.on, "change"), kind=PHARMACY_CHANGE, person_id=person_id,
            day=notice.on, due_at=due, too_late=pickup_at,
            payload={"day": notice.on.isoformat(), "pickup_at": pickup_at.isoformat(),
                     "dose_days": [day.isoformat() for day in notice.dose_days]},
            notice=notice,
        ))
    return plan


def release_day_appointments(view: PersonView, day: date) -> list[Any]:
    """The appointments on `day` that are still going ahead (for the release-day message)."""
    return [a for a in view.appointments
            if a.status not in APPOINTMENT_OVER and a.starts_at.astimezone(pharmacy.LONDON).date() == day]
