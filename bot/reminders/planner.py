"""The planner: release-day, money-step and pharmacy messages as outbox rows for the next days.

It works from what changed, not from everyone (`Planner.work`, every few seconds in the dispatcher):
  * changes: people marked in `planning_marks` by the write that changed their file (casefile/plan_marks.py:
    a case update, an appointment, the journey, pharmacy plan, benefit claim, contact choices or chat link);
  * a new day: at midnight (London) the window of days planned moves on, so the people whose window now
    holds something (a release date or claim near enough for a money step, a pharmacy plan, a Jobcentre
    meeting, a pending planned row to check) are planned again (`calendar_candidates`);
  * new content: journeys content reloaded with other money steps or bank holidays re-plans the same people.
At start, and once a night (NIGHTLY_CHECK_AT), the full sweep (`sweep`) plans everyone who could have a
planned message. In a healthy system it changes nothing; the number of rows it changed is logged, and a
figure above 0 means a write that did not mark its person (a bug to find). `signpost reminders plan` runs
it by hand.

Safe to run again and again, and from several dispatchers at once:
  * every planned message has a unique `dedupe_key`, and rows are inserted with ON CONFLICT DO
    NOTHING, so two sweeps never make two rows;
  * a pending row whose plan changed (a pick-up time, the day's steps) is updated in place;
  * a pending row that no longer applies (the step is done, the plan changed, the release date
    moved, the person paused or blocked us) is cancelled with a reason starting PLAN_DROPPED, and
    only such rows come back to pending if they apply again while their time is still ahead. A
    row cancelled by a person or an admin stays cancelled.
Only pending rows are touched, and every write re-checks `state = 'pending'`, so a row a
dispatcher has claimed meanwhile is left to the dispatcher. People with nothing to change cost
reads only.
"""

from __future__ import annotations

import logging
import time as monotonic_time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from bot import i18n
from bot.reminders.planning import PLANNED_KINDS, Planned, day_of_key, plan_person
from casefile import outbox, plan_marks
from casefile.db import among, begin_write
from casefile.models import (
    APPOINTMENT_OVER,
    Appointment,
    BenefitClaim,
    ChatLink,
    JourneyPosition,
    OutboxMessage,
    Person,
    PharmacyPlan,
    table_of,
)
from casefile.people import build_person_views
from casefile.reminder_rules import ReminderPolicy
from journeys import money
from journeys.live import JourneyContent, LiveJourneys
from journeys.person_facts import BOOKED_STEPS

log = logging.getLogger(__name__)
TELEGRAM = "telegram"
DEFAULT_DAYS = 2
MAX_DAYS = 60  # how far ahead an earlier, longer plan is re-checked; rows beyond are left for later
# How often the dispatcher asks the planner for a round: a marked change is planned within this.
CHANGES_EVERY_SECONDS = 5.0
NIGHTLY_CHECK_AT = time(3, 0)  # London: the full sweep, after the day's window has moved and before 08:00
MARKS_READ = 1000  # marks read at a time
PLAN_DROPPED = "no longer planned"
# The dispatcher's note, in a row's payload, of the times it could not word the row and since when; and the
# start of its last_error when its last try stopped there. Re-planning keeps the note and the wait.
WORDING_FAILURES = "wording_failures"
WORDING_FAILED_SINCE = "wording_failed_since"
COULD_NOT_WORD = "could not word it: "
CREATED_BY = "system:planner"
_TABLE = table_of(OutboxMessage)
_UPCOMING = 20  # appointments read per person: as many as the dispatcher's full view holds
# The appointments a plan hangs on: a Jobcentre meeting books a money step (the rest are the dispatcher's).
_PLANNED_FROM_APPOINTMENTS = frozenset(BOOKED_STEPS)
SWEEP_BATCH = 2000  # people read together: five queries a batch instead of a few a person


@dataclass
class PlanStats:
    people: int = 0
    created: int = 0
    updated: int = 0
    reopened: int = 0
    cancelled: int = 0
    problems: list[str] = field(default_factory=list)
    what: str = "full sweep"  # which round: "full sweep", "changes", "new day", "new content", "nightly check"

    @property
    def rows_changed(self) -> int:
        return self.created + self.updated + self.reopened + self.cancelled

    def line(self) -> str:
        return (f"Looked at {self.people} people: {self.created} new, {self.updated} changed, "
                f"{self.reopened} back on, {self.cancelled} cancelled.")


@dataclass(frozen=True)
class _Existing:
    id: int
    key: str
    state: str
    due_at: datetime
    payload: dict[str, Any]
    last_error: str | None


def _insert(dialect: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(OutboxMessage).on_conflict_do_nothing(index_elements=[OutboxMessage.dedupe_key])


class Planner:
    def __init__(self, sessions: sessionmaker[Session], content: Path | LiveJourneys, *,
                 policy: ReminderPolicy, days: int = DEFAULT_DAYS,
                 every_seconds: float = CHANGES_EVERY_SECONDS, nightly_at: time = NIGHTLY_CHECK_AT) -> None:
        self.sessions = sessions
        self.content = content if isinstance(content, LiveJourneys) else LiveJourneys(content)
        self.days = days
        self.policy = policy
        self.every_seconds = every_seconds
        self.nightly_at = nightly_at
        self._last_round: float | None = None
        self._planned_day: date | None = None  # the London day the calendar was last planned for
        self._planned_with: JourneyContent | None = None  # the content it was planned with
        self._checked_night: date | None = None  # the London day of the last full sweep after nightly_at

    def due(self) -> bool:
        """True at the first call and then once `every_seconds` have passed since the last round."""
        return self._last_round is None or monotonic_time.monotonic() - self._last_round >= self.every_seconds

    def work(self, now: datetime) -> list[PlanStats]:
        """One round: at the first, the full sweep; then what changed, a new day, new content, the nightly check."""
        self._last_round = monotonic_time.monotonic()
        local = now.astimezone(i18n.LONDON)
        if self._planned_day is None:  # just started: what changed while stopped is not known, so everyone
            rounds = [self.sweep(now)]
            if local.time() >= self.nightly_at:
                self._checked_night = local.date()
            return rounds
        rounds = []
        content = self.content.current()
        if local.date() != self._planned_day:
            rounds.append(self.plan_calendar(now, "new day"))
        elif not _same_plan_content(content, self._planned_with):
            rounds.append(self.plan_calendar(now, "new content", also=self._planned_with))
        rounds.append(self.plan_changes(now))
        if local.time() >= self.nightly_at and self._checked_night != local.date():
            self._checked_night = local.date()
            check = self.sweep(now)
            check.what = "nightly check"
            rounds.append(check)
        return rounds

    def sweep(self, now: datetime, *, days: int | None = None) -> PlanStats:
        """Bring every planned row in line with the case file as it is `now`."""
        self._last_round = monotonic_time.monotonic()
        content = self.content.current()
        with self.sessions() as session:
            marks = plan_marks.marked(session.connection(), None)  # made before the sweep: it plans them all
            people = self._candidates(session, now.astimezone(i18n.LONDON).date())
            session.rollback()
        stats = self._plan_all(sorted({*people, *(person_id for person_id, _at in marks)}), now, days, "full sweep")
        self._clear(marks)
        self._planned_day, self._planned_with = now.astimezone(i18n.LONDON).date(), content
        return stats

    def _clear(self, marks: list[tuple[int, datetime]]) -> None:
        if not marks:
            return
        with self.sessions() as session:
            begin_write(session)
            plan_marks.clear(session.connection(), marks)
            session.commit()

    def plan_changes(self, now: datetime) -> PlanStats:
        """Plan the people whose files changed (their marks), then clear the marks not renewed meanwhile."""
        stats = PlanStats(what="changes")
        while True:
            with self.sessions() as session:
                marks = plan_marks.marked(session.connection(), MARKS_READ)
                session.rollback()
            if not marks:
                return stats
            for start in range(0, len(marks), SWEEP_BATCH):
                self._plan_batch([person_id for person_id, _at in marks[start:start + SWEEP_BATCH]], now, stats, None)
            self._clear(marks)
            if len(marks) < MARKS_READ:
                return stats

    def plan_calendar(self, now: datetime, what: str, *, also: JourneyContent | None = None) -> PlanStats:
        """Plan the people whose planned messages hang on the calendar: after midnight, or new content.

        `also`: content planned with before, whose money steps may have reached further than the new ones.
        """
        content = self.content.current()
        today = now.astimezone(i18n.LONDON).date()
        spans = calendar_spans(content.money, today, self.days)
        if also is not None:
            spans += calendar_spans(also.money, today, self.days)
        with self.sessions() as session:
            people = calendar_candidates(session, today, self.days, spans)
            session.rollback()
        stats = self._plan_all(people, now, None, what)
        self._planned_day, self._planned_with = today, content
        return stats

    def _plan_all(self, people: list[int], now: datetime, days: int | None, what: str) -> PlanStats:
        stats = PlanStats(what=what)
        for start in range(0, len(people), SWEEP_BATCH):
            self._plan_batch(people[start:start + SWEEP_BATCH], now, stats, days)
        return stats

    @staticmethod
    def _candidates(session: Session, today: date) -> list[int]:
        """People who may need planned rows, and people who have pending ones (to check them).

        The filter is what planning itself needs (plan_person plans nothing without it): an open file with
        an active chat, messages not paused and reminders on, and a release date (the release day and every
        money step hang on it) or a pharmacy plan whose prescription has not ended. It reads the files, not
        the marks, so the sweep stays a check of the planning from changes: a write that forgot to mark its
        person is still planned, and every pending planned row is checked whoever it belongs to, so one a
        change should have cancelled (a pause, a chat gone, a release date taken away) is cancelled here.
        """
        with_release = select(JourneyPosition.person_id).where(JourneyPosition.release_date.is_not(None))
        with_pharmacy = select(PharmacyPlan.person_id).where(
            or_(PharmacyPlan.script_end.is_(None), PharmacyPlan.script_end >= today))
        wanted = or_(
            and_(Person.id.in_(_linked()), Person.closed_at.is_(None), Person.paused.is_(False),
                 Person.reminders_on.is_(True), or_(Person.id.in_(with_release), Person.id.in_(with_pharmacy))),
            Person.id.in_(_with_pending_rows()),
        )
        return list(session.scalars(select(Person.id).where(wanted).order_by(Person.id)))

    def plan_one(self, person_id: int, now: datetime, stats: PlanStats | None = None, *,
                 days: int | None = None) -> PlanStats:
        """Plan one person's rows (reads first; writes only when something changes)."""
        stats = stats or PlanStats()
        self._plan_batch([person_id], now, stats, days)
        return stats

    def _plan_batch(self, person_ids: list[int], now: datetime, stats: PlanStats, days: int | None) -> None:
        """Read a batch of people at once, then write each one's changes in its own transaction."""
        with self.sessions() as session:
            try:
                changes = self._changes_for(session, person_ids, now, days, stats)
            except Exception as exc:  # a read failed: go one by one, so only the odd file is left out
                session.rollback()
                if len(person_ids) > 1:
                    for person_id in person_ids:
                        self._plan_batch([person_id], now, stats, days)
                    return
                self._failed(person_ids[0], exc, stats)
                stats.people += 1
                return
            stats.people += len(person_ids)
            session.rollback()
            for person_id, person_changes in changes.items():
                try:
                    begin_write(session)
                    self._apply(session, person_id, person_changes, now, stats)
                    session.commit()
                except Exception as exc:  # one odd file must not stop everyone else's reminders
                    session.rollback()
                    self._failed(person_id, exc, stats)

    def _changes_for(self, session: Session, person_ids: list[int], now: datetime, days: int | None,
                     stats: PlanStats) -> dict[int, dict[str, list[Any]]]:
        """What must change for each of these people; people with nothing to change are left out."""
        policy = self.policy
        today = now.astimezone(i18n.LONDON).date()
        existing = self._existing(session, person_ids)
        views = build_person_views(session, _open_and_linked(session, person_ids), today, now, _UPCOMING, 0,
                                   with_team=False, appointment_kinds=_PLANNED_FROM_APPOINTMENTS)
        content = self.content.current()
        changes: dict[int, dict[str, list[Any]]] = {}
        for person_id in person_ids:
            rows = existing.get(person_id, [])
            # Re-check every pending row, even one planned further ahead by an earlier `--days`.
            furthest = max((day for row in rows if row.state == outbox.PENDING
                            if (day := day_of_key(row.key)) is not None), default=today)
            window = max(days or self.days, min((furthest - today).days + 1, MAX_DAYS))
            view = views.get(person_id)
            try:
                plan = [] if view is None else plan_person(view, content, today, window, now, policy)
            except Exception as exc:  # one odd file must not stop everyone else's reminders
                self._failed(person_id, exc, stats)
                continue
            person_changes = _changes(plan, rows, now, today + timedelta(days=window))
            if any(person_changes.values()):
                changes[person_id] = person_changes
        return changes

    @staticmethod
    def _failed(person_id: int, exc: Exception, stats: PlanStats) -> None:
        log.error("planning reminders for person %s failed", person_id, exc_info=exc)
        stats.problems.append(f"person {person_id}: {type(exc).__name__}")

    @staticmethod
    def _existing(session: Session, person_ids: list[int]) -> dict[int, list[_Existing]]:
        rows = session.execute(
            select(OutboxMessage.person_id, OutboxMessage.id, OutboxMessage.dedupe_key, OutboxMessage.state,
                   OutboxMessage.due_at, OutboxMessage.payload, OutboxMessage.last_error)
            .where(among(OutboxMessage.person_id, person_ids, session.get_bind().dialect.name),
                   OutboxMessage.kind.in_(PLANNED_KINDS),
                   OutboxMessage.dedupe_key.is_not(None))
        ).all()
        existing: dict[int, list[_Existing]] = {}
        for row in rows:
            existing.setdefault(row.person_id, []).append(
                _Existing(row.id, row.dedupe_key, row.state, row.due_at, dict(row.payload or {}), row.last_error))
        return existing

    @staticmethod
    def _apply(session: Session, person_id: int, changes: dict[str, list[Any]], now: datetime,
               stats: PlanStats) -> None:
        connection = session.connection()
        pending = _TABLE.c.state == outbox.PENDING
        if changes["create"]:
            result = connection.execute(_insert(connection.dialect.name).returning(_TABLE.c.id), [
                {"kind": item.kind, "person_id": person_id, "due_at": item.due_at, "state": outbox.PENDING,
                 "attempts": 0, "body": "", "payload": item.payload, "dedupe_key": item.key,
                 "created_by": CREATED_BY, "created_at": now}
                for item in changes["create"]
            ])
            stats.created += len(result.all())
        if changes["update"]:
            result = connection.execute(
                update(_TABLE).where(_TABLE.c.id == bindparam("row_id"), pending)
                .values(due_at=bindparam("new_due"), payload=bindparam("new_payload")),
                [{"row_id": row_id, "new_due": item.due_at, "new_payload": item.payload}
                 for row_id, item in changes["update"]])
            stats.updated += int(result.rowcount or 0)
        if changes["reopen"]:
            result = connection.execute(
                update(_TABLE).where(_TABLE.c.id == bindparam("row_id"), _TABLE.c.state == outbox.CANCELLED,
                                     _TABLE.c.last_error.like(f"{PLAN_DROPPED}%"))
                .values(state=outbox.PENDING, due_at=bindparam("new_due"), payload=bindparam("new_payload"),
                        attempts=0, last_error=None, claimed_by=None, lease_until=None),
                [{"row_id": row_id, "new_due": item.due_at, "new_payload": item.payload}
                 for row_id, item in changes["reopen"]])
            stats.reopened += int(result.rowcount or 0)
        if changes["cancel"]:
            result = connection.execute(
                update(_TABLE).where(_TABLE.c.id == bindparam("row_id"), pending)
                .values(state=outbox.CANCELLED, last_error=bindparam("why"), lease_until=None),
                [{"row_id": row_id, "why": why} for row_id, why in changes["cancel"]])
            stats.cancelled += int(result.rowcount or 0)


def _linked() -> Any:
    return select(ChatLink.person_id).where(ChatLink.channel == TELEGRAM, ChatLink.active.is_(True),
                                            ChatLink.person_id.is_not(None))


def _with_pending_rows() -> Any:
    return select(OutboxMessage.person_id).where(OutboxMessage.state == outbox.PENDING,
                                                 OutboxMessage.kind.in_(PLANNED_KINDS))


# A step kept to a working day moves back over a weekend and bank holidays (Christmas: up to four days).
WORKING_DAY_SLACK = 5


@dataclass(frozen=True)
class DateSpan:
    """Release (or claim) dates for which something can fall in the days planned: `first` to `last`."""

    anchor: str  # money.RELEASE or money.CLAIM
    first: date
    last: date


def calendar_spans(catalog: money.MoneyCatalog, today: date, days: int) -> list[DateSpan]:
    """For the days from `today` on: the release and claim dates that put a planned message in them.

    The release day itself, and each money step's start day (a release date plus its offset, or a claim date
    plus its months and offset, a month being 28 to 31 days, moved back up to WORKING_DAY_SLACK days to a
    working day). A file with no claim date counts its claim from the day the plan says to claim.
    """
    last_day = today + timedelta(days=max(days, 1))
    spans = [DateSpan(money.RELEASE, today, last_day)]
    claim_step = catalog.get(money.CLAIM_STEP)
    for step in catalog.steps:
        when = step.when
        slack = WORKING_DAY_SLACK if when.on_working_day else 0
        low = today - timedelta(days=when.first_day + 31 * when.months)
        high = last_day - timedelta(days=when.first_day + 28 * when.months) + timedelta(days=slack)
        spans.append(DateSpan(when.anchor, low, high))
        if when.anchor == money.CLAIM and claim_step is not None and claim_step.when.anchor == money.RELEASE:
            shift = timedelta(days=claim_step.when.first_day)
            spans.append(DateSpan(money.RELEASE, low - shift, high - shift))  # no claim date: the planned one
    return spans


def calendar_candidates(session: Session, today: date, days: int, spans: Iterable[DateSpan]) -> list[int]:
    """People whose planned messages may change because the days planned moved on (or the content did).

    Linked people with an open file and: a release or claim date in one of the `spans` (calendar_spans); a
    pharmacy plan (pick-ups are weekly); a Jobcentre meeting in the days planned (it is a money step's day);
    and anyone with a pending planned row, to check it.
    """
    last = today + timedelta(days=max(days, 1))
    starts, ends = london_midnight(today), london_midnight(last + timedelta(days=1))
    release = JourneyPosition.release_date
    near: list[Any] = []
    for span in spans:
        if span.anchor == money.RELEASE:
            near.append(Person.id.in_(select(JourneyPosition.person_id).where(release.between(span.first, span.last))))
        else:
            near.append(Person.id.in_(select(BenefitClaim.person_id).where(
                BenefitClaim.claimed_on.between(span.first, span.last))))
    with_pharmacy = select(PharmacyPlan.person_id).where(
        or_(PharmacyPlan.script_end.is_(None), PharmacyPlan.script_end >= today))
    meeting = select(Appointment.person_id).where(
        Appointment.kind.in_(tuple(BOOKED_STEPS)), Appointment.starts_at >= starts, Appointment.starts_at < ends,
        Appointment.status.not_in(APPOINTMENT_OVER))
    wanted = or_(
        and_(Person.id.in_(_linked()), Person.closed_at.is_(None),
             or_(*near, Person.id.in_(with_pharmacy), Person.id.in_(meeting))),
        Person.id.in_(_with_pending_rows()),
    )
    return list(session.scalars(select(Person.id).where(wanted).order_by(Person.id)))


def london_midnight(day: date) -> datetime:
    """Midnight at the start of a London day, as an aware time."""
    return datetime.combine(day, time(0, 0), tzinfo=i18n.LONDON)


def _same_plan_content(content: JourneyContent, before: JourneyContent | None) -> bool:
    """Whether reloaded content plans the same: only the money steps and the bank holidays are planned from."""
    if before is None or content is before:
        return True
    return content.money == before.money and content.holidays == before.holidays


def _open_and_linked(session: Session, person_ids: list[int]) -> set[int]:
    """Which of these people have an open file and an active Telegram chat: only they get planned messages."""
    return set(session.scalars(
        select(ChatLink.person_id).join(Person, Person.id == ChatLink.person_id)
        .where(among(ChatLink.person_id, person_ids, session.get_bind().dialect.name), ChatLink.channel == TELEGRAM, ChatLink.active.is_(True),
               Person.closed_at.is_(None))
    ))


def _same_time(old: datetime, new: datetime, now: datetime) -> bool:
    # A plan whose time has passed is due "now", which moves every sweep: both due counts as the same.
    return old == new or (old <= now and new <= now)


def _changes(plan: Iterable[Planned], existing: list[_Existing], now: datetime,
             window_end: date) -> dict[str, list[Any]]:
    """What to write so the rows match the plan. Rows for days from `window_end` on were not planned now."""
    by_key = {row.key: row for row in existing}
    planned_keys: set[str] = set()
    changes: dict[str, list[Any]] = {"create": [], "update": [], "reopen": [], "cancel": []}
    for item in plan:
        planned_keys.add(item.key)
        row = by_key.get(item.key)
        if row is None:
            changes["create"].append(item)
        elif row.state == outbox.PENDING:
            kept = {name: row.payload[name] for name in (WORDING_FAILURES, WORDING_FAILED_SINCE) if name in row.payload}
            wanted = replace(item, payload={**item.payload, **kept}) if kept else item
            # Waiting to be worded again: that wait is the dispatcher's, so a due plan does not cut it short.
            waiting = waiting_to_be_worded(row.payload, row.last_error) and item.due_at <= now
            if (not waiting and not _same_time(row.due_at, item.due_at, now)) or row.payload != wanted.payload:
                changes["update"].append((row.id, wanted))
        elif row.state == outbox.CANCELLED and (row.last_error or "").startswith(PLAN_DROPPED):
            changes["reopen"].append((row.id, item))  # planned again, so its time is still ahead
    for row in existing:
        day = day_of_key(row.key)
        beyond = day is not None and day >= window_end
        # One still waiting to be worded is the dispatcher's to give up, telling the lead it never went.
        if row.state == outbox.PENDING and row.key not in planned_keys and not beyond and not waiting_to_be_worded(
                row.payload, row.last_error):
            changes["cancel"].append((row.id, f"{PLAN_DROPPED}: {_why_dropped(row, now)}"))
    return changes


def waiting_to_be_worded(payload: dict[str, Any], last_error: str | None) -> bool:
    """The row's last try stopped at its wording (a later failure to send writes its own last_error)."""
    count = payload.get(WORDING_FAILURES)
    return isinstance(count, int) and count > 0 and (last_error or "").startswith(COULD_NOT_WORD)


def _why_dropped(row: _Existing, now: datetime) -> str:
    day = day_of_key(row.key)
    if day is not None and day < now.astimezone(i18n.LONDON).date():
        return "its day has passed"
    return "the plan changed, or messages are paused"
