"""The dispatcher: claim due outbox rows with a lease, send them, mark them. Safe to run several at once.

Claiming
  PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED, then set state='claimed', claimed_by, lease_until
  in the same transaction: two dispatchers never take the same row.
  SQLite: one UPDATE ... WHERE id IN (SELECT ... LIMIT n) RETURNING id inside BEGIN IMMEDIATE;
  SQLite lets one writer in at a time, so this is equally safe.
A dispatcher that dies leaves its rows 'claimed'; when their lease runs out any dispatcher takes
them again. So a crash can repeat at most the rows that were in flight, and loses none.

Every row is checked again just before sending: an appointment that moved, was cancelled or is
over, a person who paused messages or whose chat is gone, all cancel the row instead of sending.
Marking is fenced on `claimed_by`, so a dispatcher whose lease was taken over cannot overwrite
the newer owner's result.

Delivery rule: at least once, with a bound on copies. A reminder is never dropped for want of an
answer from Telegram: it is tried until Telegram takes it or SIGNPOST_REMINDER_MAX_ATTEMPTS tries
are used (then the lead professional is told). A second copy can only come from a try whose outcome
we cannot know: a send that Telegram took but did not answer within SIGNPOST_TELEGRAM_SEND_TIMEOUT
("uncertain"), or a dispatcher that stopped with the row in flight. A 5xx or a refused connection is
not one (the message did not go). An uncertain send is counted (DispatchStats.uncertain, the row's
last_error), never sent again at once, only after `uncertain_wait` or the backoff if longer; so at
most one copy per uncertain try, and a reminder goes out at most SIGNPOST_REMINDER_MAX_ATTEMPTS
times. A slow Telegram (answers within the timeout, even after several seconds) makes no copies.

A row that cannot be worded (a template or catalog an editor broke, or any error while wording it) is
never cancelled: it goes back to pending and is tried again later, when the templates' and catalogs'
keep-last-good (bot/text.py, bot/i18n.py) or the editor's fix lets it be worded. Its count of wording
failures is kept in its payload (the planner keeps it too). Only if it still could not be worded by its
time (an appointment reminder: the appointment's start; a planned message: when its plan says it is too
late; anything else: a day after it first failed) is it marked failed, and the lead professional told
once, the way they hear of a message that could not be delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot import i18n, text
from bot.reminders.compose import Composed, Composer
from bot.reminders.planner import (
    COULD_NOT_WORD,
    PLAN_DROPPED,
    WORDING_FAILED_SINCE,
    WORDING_FAILURES,
    Planner,
    waiting_to_be_worded,
)
from bot.reminders.planning import PLANNED_KINDS, day_of_key, plan_person
from bot.reminders.sender import MessageSender, Outcome, SendResult
from bot.settings import default_of
from casefile import audit, outbox
from casefile.actors import SystemActor
from casefile.db import begin_write
from casefile.models import (
    APPOINTMENT_OVER,
    Agency,
    Appointment,
    CaseUpdate,
    ChatLink,
    OutboxMessage,
    Person,
    Worker,
    table_of,
)
from casefile.people import appointment_view, build_person_views
from casefile.reminder_rules import ReminderPolicy
from casefile.urgent import URGENT_EVENT
from casefile.views import AppointmentView, PersonView

log = logging.getLogger(__name__)
TELEGRAM = "telegram"
# A planned message whose time moved later than this is put back for the planner to re-time.
PLANNED_SLACK = timedelta(minutes=1)
SYSTEM = SystemActor("reminders")
_NO_PLAN = f"{PLAN_DROPPED}: the case file has no plan for it"
_NO_LONGER_APPLIES = f"{PLAN_DROPPED}: it no longer applies"
# Why a planned row is dropped that, for a row still waiting to be worded, means it never went in time.
_TOO_LATE_FOR_A_PLAN = (_NO_PLAN, _NO_LONGER_APPLIES)
_TABLE = table_of(OutboxMessage)


@dataclass(frozen=True)
class DispatchSettings:
    batch: int = 100
    lease: timedelta = timedelta(seconds=default_of("reminder_lease_seconds"))
    max_attempts: int = default_of("reminder_max_attempts")
    backoff: timedelta = timedelta(seconds=30)  # doubled after each failed try, at most an hour
    # A send that got no answer may have arrived: the next try waits at least this long, so Telegram has
    # time to recover and the person is not sent a second copy straight after the first.
    uncertain_wait: timedelta = timedelta(minutes=5)
    concurrency: int = 64
    poll_seconds: float = 1.0
    # After a database or network error the dispatcher waits, doubling up to this, and tries again.
    most_backoff_seconds: float = 60.0
    # A row that could not be worded is tried again after `backoff`, doubling up to this (and never
    # later than its own time), so an editor's fix reaches it within minutes.
    most_wording_wait: timedelta = timedelta(minutes=15)
    # How long a row with no appointment time keeps being tried after it first could not be worded.
    wording_window: timedelta = timedelta(days=1)


@dataclass
class DispatchStats:
    claimed: int = 0
    sent: int = 0
    cancelled: int = 0
    retried: int = 0
    failed: int = 0
    blocked: int = 0
    batches: int = 0
    uncertain: int = 0  # of `retried`: sends that got no answer in time, so may have arrived

    def add(self, other: DispatchStats) -> None:
        for name in ("claimed", "sent", "cancelled", "retried", "failed", "blocked", "batches", "uncertain"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class Job:
    """One claimed row, checked and worded, ready to go."""

    row_id: int
    chat_id: str
    message: Composed
    person_id: int | None  # the person it is for (None for a notice to a worker)
    attempts: int


@dataclass(frozen=True)
class Unworded:
    """A claimed row that could not be worded: tried again at `retry_at`, or given up (None)."""

    row_id: int
    person_id: int | None  # the person it is for (None for a notice to a worker)
    problem: str  # `file:line: what is wrong`, for the row's last_error and the log
    payload: dict[str, Any]
    failures: int
    retry_at: datetime | None


@dataclass
class _Batch:
    jobs: list[Job] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)  # row id -> why it was not sent
    unworded: list[Unworded] = field(default_factory=list)


def default_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Dispatcher:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        sender: MessageSender,
        composer: Composer,
        *,
        policy: ReminderPolicy,
        settings: DispatchSettings | None = None,
        name: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        planner: Planner | None = None,
    ) -> None:
        self.sessions = sessions
        self.planner = planner
        self.sender = sender
        self.composer = composer
        self.policy = policy  # the service's reminder rules (quiet hours), from the settings
        self.settings = settings or DispatchSettings()
        self.name = name or default_name()
        self.clock = clock

    # -- the loop -----------------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event | None = None, *, once: bool = False) -> DispatchStats:
        """Send everything due; with `once`, stop when nothing is due, else keep polling until `stop`."""
        total = DispatchStats()
        sweep: asyncio.Future[None] | None = None
        failures = 0
        if self.planner is not None:
            await asyncio.to_thread(self._plan)  # at start, so what is due now goes out in this run
        while stop is None or not stop.is_set():
            if self.planner is not None and (sweep is None or sweep.done()) and self.planner.due():
                # Later sweeps run beside the sending: a long one must not hold reminders back.
                sweep = asyncio.ensure_future(asyncio.to_thread(self._plan))
            try:
                stats = await self.run_once()
            except Exception as error:
                # A database that went away, "database is locked", a full disk, the network: never the end of
                # reminders. Claimed rows stay claimed until their lease runs out, then any dispatcher sends them.
                failures += 1
                wait = min(self.settings.poll_seconds * 2 ** failures, self.settings.most_backoff_seconds)
                # One plain line for the operator, not a traceback: the cause is the last line of the error.
                cause = (str(error).strip().splitlines() or [type(error).__name__])[0][:300]
                log.error("reminder dispatcher %s: sending failed (%d in a row): %s: %s; trying again in %.1f s",
                          self.name, failures, type(error).__name__, cause, wait)
                log.debug("the error in full", exc_info=True)
                if stop is None:
                    await asyncio.sleep(wait)
                else:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), wait)
                continue
            if failures:
                log.warning("reminder dispatcher %s: sending again after %d failures", self.name, failures)
                failures = 0
            total.add(stats)
            if stats.claimed >= self.settings.batch:
                continue  # more may be waiting: no pause
            if once:
                break
            if stop is None:
                await asyncio.sleep(self.settings.poll_seconds)
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.settings.poll_seconds)
        if sweep is not None:
            await sweep
        return total

    def _plan(self) -> None:
        """The planning sweep, at start and then every few minutes; its trouble never stops sending."""
        assert self.planner is not None
        try:
            stats = self.planner.sweep(self.clock())
            log.info("reminder plan: %s", stats.line())
        except Exception:
            log.exception("the reminder planning sweep failed; sending goes on")

    async def run_once(self) -> DispatchStats:
        now = self.clock()
        ids = await asyncio.to_thread(self.claim, now)
        stats = DispatchStats(claimed=len(ids), batches=1 if ids else 0)
        if not ids:
            return stats
        batch = await asyncio.to_thread(self.prepare, ids, now)
        keeper = asyncio.ensure_future(self._keep_claims([job.row_id for job in batch.jobs]))
        try:
            results = await self._send_all(batch.jobs)
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
        await asyncio.to_thread(self.finish, batch, results, self.clock(), stats)
        return stats

    async def _keep_claims(self, ids: list[int]) -> None:
        """While a batch waits its turn to send, renew its claims a few times a lease.

        With several processes sharing one send budget, a batch can wait longer than a lease for its
        moments (bot/reminders/pacing.py's SharedPacer); without renewing, another dispatcher would take
        rows still on their way and send them again. A dispatcher that dies stops renewing, so its rows
        are free one lease later, as before.
        """
        every = self.settings.lease.total_seconds() / 3
        while ids:
            await asyncio.sleep(every)
            try:
                await asyncio.to_thread(self._renew_claims, ids)
            except Exception as error:  # the next renewal, or the lease running out, deals with it
                log.warning("reminder dispatcher %s: could not renew its claims: %s", self.name,
                            type(error).__name__)

    def _renew_claims(self, ids: list[int]) -> None:
        with self.sessions() as session:
            begin_write(session)
            session.execute(update(_TABLE).where(
                _TABLE.c.id.in_(ids), _TABLE.c.claimed_by == self.name, _TABLE.c.state == outbox.CLAIMED,
            ).values(lease_until=self.clock() + self.settings.lease))
            session.commit()

    async def _send_all(self, jobs: list[Job]) -> dict[int, SendResult]:
        """Up to `concurrency` at once, and the messages to any one chat in their order.

        Unpaced, each chat's messages go one after another (one in flight per chat). Paced, the
        sender's Pacer already spaces one chat's messages over a second apart, in the order they ask
        (they are started in order); chaining them too left the token bucket idle at the end of each
        batch (bench/reminders.py section 3: 26/s instead of 29.4/s), so then every job asks at once.
        """
        limit = asyncio.Semaphore(self.settings.concurrency)
        results: dict[int, SendResult] = {}
        groups: dict[str | int, list[Job]] = {}  # by chat, or one job each when paced
        paced = getattr(self.sender, "pacer", None) is not None
        for job in jobs:
            groups.setdefault(job.row_id if paced else job.chat_id, []).append(job)

        async def one_chat(chat_jobs: list[Job]) -> None:
            for job in chat_jobs:
                async with limit:
                    try:
                        results[job.row_id] = await self.sender.send(job.chat_id, job.message.text,
                                                                     job.message.buttons)
                    except Exception as exc:  # a bug or an odd failure: try again later, never lose it
                        log.exception("sending outbox row %s failed", job.row_id)
                        results[job.row_id] = SendResult(Outcome.RETRY, error=f"{type(exc).__name__}: {exc}"[:500])

        await asyncio.gather(*(one_chat(chat_jobs) for chat_jobs in groups.values()))
        return results

    # -- claiming -----------------------------------------------------------------------------------
    def claim(self, now: datetime) -> list[int]:
        lease_until = now + self.settings.lease
        with self.sessions() as session:
            begin_write(session)
            due = (
                select(OutboxMessage.id)
                .where(outbox.due_filter(now))
                .order_by(OutboxMessage.due_at, OutboxMessage.id)
                .limit(self.settings.batch)
            )
            values = {"state": outbox.CLAIMED, "claimed_by": self.name, "lease_until": lease_until}
            if session.get_bind().dialect.name == "postgresql":
                ids = list(session.scalars(due.with_for_update(skip_locked=True)))
                if ids:
                    session.execute(update(_TABLE).where(_TABLE.c.id.in_(ids)).values(**values))
            else:
                ids = list(session.scalars(
                    update(_TABLE).where(_TABLE.c.id.in_(due.scalar_subquery())).values(**values)
                    .returning(_TABLE.c.id)
                ))
            session.commit()
            return ids

    # -- checking and wording -----------------------------------------------------------------------
    def prepare(self, ids: list[int], now: datetime) -> _Batch:
        batch = _Batch()
        with self.sessions() as session:
            rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))
                                        .order_by(OutboxMessage.due_at, OutboxMessage.id)))
            people_ids = {r.person_id for r in rows if r.person_id} | {
                int(r.payload["person_id"]) for r in rows if r.worker_id and r.payload.get("person_id")}
            worker_ids = {r.worker_id for r in rows if r.worker_id} | {
                int(r.payload["from_worker"]) for r in rows if r.payload.get("from_worker")}
            people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(people_ids)))}
            person_chats, worker_chats = _chats(session, {r.person_id for r in rows if r.person_id},
                                                {r.worker_id for r in rows if r.worker_id})
            appointments = _appointments(session, {r.appointment_id for r in rows if r.appointment_id})
            views = _views(session, {r.person_id for r in rows if r.kind in PLANNED_KINDS and r.person_id
                                     and r.person_id in person_chats}, now)
            senders = {
                worker.id: (worker, agency)
                for worker, agency in session.execute(
                    select(Worker, Agency).join(Agency, Agency.id == Worker.agency_id).where(Worker.id.in_(worker_ids))
                )
            }
            # After a pause (or a move) two reminders for one appointment can be due together: send the later.
            latest: dict[int, int] = {}
            for row in rows:
                if row.kind == "appointment_reminder" and row.appointment_id is not None:
                    latest[row.appointment_id] = row.id
            for row in rows:
                if row.kind == "appointment_reminder" and latest.get(row.appointment_id or 0) != row.id:
                    batch.skipped[row.id] = "a later reminder for the same appointment went instead"
                    continue
                waiting = waiting_to_be_worded(row.payload, row.last_error)
                if waiting and now >= self._wording_deadline(row, _wording_failed_since(row, now)):
                    batch.unworded.append(_given_up(row))  # its time came before it could be worded
                    continue
                try:
                    job_or_reason = self._check(row, people, person_chats, worker_chats, appointments, senders,
                                                views, now)
                except Exception as exc:  # bad content or data: keep the row, try again later, never cancel it
                    log.debug("outbox row %s could not be worded", row.id, exc_info=True)
                    batch.unworded.append(self._unworded(row, text.wording_problem(exc), now))
                    continue
                if isinstance(job_or_reason, Job):
                    batch.jobs.append(job_or_reason)
                elif waiting and job_or_reason in _TOO_LATE_FOR_A_PLAN:
                    batch.unworded.append(_given_up(row))  # a planned message whose time passed while unworded
                else:
                    batch.skipped[row.id] = job_or_reason
        _log_unworded(batch.unworded)
        return batch

    def _wording_deadline(self, row: OutboxMessage, since: datetime) -> datetime:
        """When a row that cannot be worded is given up: a reminder is no use once its appointment starts."""
        if row.kind == "appointment_reminder" and row.ref_starts_at is not None:
            return row.ref_starts_at
        return since + self.settings.wording_window

    def _unworded(self, row: OutboxMessage, problem: str, now: datetime) -> Unworded:
        failures = _wording_failures(row) + 1
        since = _wording_failed_since(row, now)
        payload = {**row.payload, WORDING_FAILURES: failures, WORDING_FAILED_SINCE: since.isoformat()}
        deadline = self._wording_deadline(row, since)
        retry_at: datetime | None = None
        if now < deadline:
            wait = min(self.settings.backoff * 2 ** (failures - 1), self.settings.most_wording_wait)
            retry_at = min(now + wait, deadline)  # one last try at its time, when it is given up
        return Unworded(row.id, row.person_id, problem[:500], payload, failures, retry_at)

    def _check(
        self, row: OutboxMessage, people: dict[int, Person], person_chats: dict[int, str],
        worker_chats: dict[int, str], appointments: dict[int, tuple[AppointmentView, str]],
        senders: dict[int, tuple[Worker, Agency]], views: dict[int, PersonView], now: datetime,
    ) -> Job | str:
        composer = self.composer
        if row.worker_id is not None:
            chat = worker_chats.get(row.worker_id)
            if chat is None:
                return "the worker has no linked chat"
            about = people.get(int(row.payload.get("person_id") or 0))
            name, ref = (about.preferred_name, about.ref) if about else ("Someone", "?")
            event = str(row.payload.get("event", ""))
            if event in ("confirmed", "cant_make_it"):
                found = appointments.get(row.appointment_id or 0)
                message = composer.worker_answer(name, ref, event, row.payload.get("reason"),
                                                 found[0] if found else None)
            elif event == "blocked":
                message = composer.worker_blocked(name, ref)
            elif event == "failed":
                message = composer.worker_failed(name, ref, int(row.payload.get("tries", 0)))
            elif event == URGENT_EVENT:
                message = composer.worker_urgent(name, ref, str(row.payload.get("kind", "")))
            else:
                return f"unknown notice {event!r}"
            return Job(row.id, chat, message, None, row.attempts)

        person = people.get(row.person_id or 0)
        if person is None or getattr(person, "closed_at", None) is not None:
            return "the file is closed"
        if person.paused:
            return "the person paused messages"
        chat = person_chats.get(person.id)
        if chat is None:
            return "no active Telegram chat"
        language, discreet = person.language, person.discreet
        if row.kind == "worker_message":
            sender, agency = senders.get(int(row.payload.get("from_worker") or 0), (None, None))
            message = composer.worker_message(sender.name if sender else "Your worker",
                                              agency.name if agency else "", row.body, language, discreet)
            return Job(row.id, chat, message, person.id, row.attempts)
        if row.kind in ("appointment_reminder", "appointment_missed"):
            found = appointments.get(row.appointment_id or 0)
            if found is None:
                return "the appointment is gone"
            view, contact = found
            if row.ref_starts_at is None or view.starts_at != row.ref_starts_at:
                return "the appointment moved"
            if row.kind == "appointment_reminder":
                if not person.reminders_on:
                    return "the person turned reminders off"
                if view.status in APPOINTMENT_OVER:
                    return f"the appointment is {view.status}"
                if view.starts_at <= now:
                    return "the appointment has started"
                return Job(row.id, chat, composer.appointment(view, language, discreet, now), person.id, row.attempts)
            if view.status != "missed":
                return "the appointment is no longer marked missed"
            return Job(row.id, chat, composer.missed(view, language, discreet, contact), person.id, row.attempts)
        if row.kind in PLANNED_KINDS:
            return self._planned_job(row, views.get(person.id), chat, now)
        return f"no wording yet for {row.kind}"

    def _planned_job(self, row: OutboxMessage, view: PersonView | None, chat: str, now: datetime) -> Job | str:
        """Plan the row's day again from the case file as it is now: a step done or a plan changed stops it."""
        day = day_of_key(row.dedupe_key or "")
        if view is None or day is None:
            return _NO_PLAN
        plan = plan_person(view, self.composer.journeys.current(), day, 1, now, self.policy)
        item = next((planned for planned in plan if planned.key == row.dedupe_key), None)
        if item is None:
            return _NO_LONGER_APPLIES
        if item.due_at > now + PLANNED_SLACK:
            return f"{PLAN_DROPPED}: its time moved"  # the next sweep opens it again at the new time
        return Job(row.id, chat, self.composer.planned(item, view, now), view.person.id, row.attempts)

    # -- marking ------------------------------------------------------------------------------------
    def finish(self, batch: _Batch, results: dict[int, SendResult], now: datetime, stats: DispatchStats) -> None:
        mine = (_TABLE.c.id == bindparam("row_id")) & (_TABLE.c.claimed_by == self.name) & (
            _TABLE.c.state == outbox.CLAIMED)
        sent = [{"row_id": job.row_id, "message_id": results[job.row_id].message_id}
                for job in batch.jobs if results.get(job.row_id) and results[job.row_id].outcome is Outcome.SENT]
        with self.sessions() as session:
            begin_write(session)
            connection = session.connection()
            if sent:
                connection.execute(
                    update(_TABLE).where(mine).values(
                        state=outbox.SENT, sent_at=now, telegram_message_id=bindparam("message_id"),
                        lease_until=None, last_error=None),
                    sent,
                )
            if batch.skipped:
                connection.execute(
                    update(_TABLE).where(mine).values(state=outbox.CANCELLED, lease_until=None,
                                                      last_error=bindparam("why")),
                    [{"row_id": row_id, "why": why} for row_id, why in batch.skipped.items()],
                )
            stats.sent += len(sent)
            stats.cancelled += len(batch.skipped)
            for unworded in batch.unworded:
                self._wording_failed(session, unworded, now, stats)
            blocked_chats: set[str] = set()
            for job in batch.jobs:
                result = results.get(job.row_id) or SendResult(Outcome.RETRY, error="not sent")
                if result.outcome is Outcome.SENT:
                    continue
                self._trouble(session, job, result, now, stats, blocked_chats)
            session.commit()

    def _wording_failed(self, session: Session, unworded: Unworded, now: datetime, stats: DispatchStats) -> None:
        """Back to pending for another try with the last good content; or, its time come, failed and the lead told."""
        connection = session.connection()
        row_filter = (_TABLE.c.id == unworded.row_id) & (_TABLE.c.claimed_by == self.name) & (
            _TABLE.c.state == outbox.CLAIMED)
        last_error = f"{COULD_NOT_WORD}{unworded.problem}"[:500]
        if unworded.retry_at is not None:
            connection.execute(update(_TABLE).where(row_filter).values(
                state=outbox.PENDING, due_at=unworded.retry_at, last_error=last_error, payload=unworded.payload,
                claimed_by=None, lease_until=None))
            stats.retried += 1
            return
        updated = connection.execute(update(_TABLE).where(row_filter).values(
            state=outbox.FAILED, last_error=last_error, payload=unworded.payload, lease_until=None))
        if not updated.rowcount:
            return  # someone else owns the row now
        stats.failed += 1
        log.error("outbox row %s could still not be worded when its time came, so it was not sent: %s",
                  unworded.row_id, unworded.problem)
        if unworded.person_id is not None:
            _tell_lead(session, unworded.person_id, "failed", now,
                       f"A message was not sent: Signpost tried {unworded.failures} times to write it, but a "
                       f"content file has a mistake ({unworded.problem[:200]}).", tries=unworded.failures)

    def _trouble(self, session: Session, job: Job, result: SendResult, now: datetime, stats: DispatchStats,
                 blocked_chats: set[str]) -> None:
        connection = session.connection()
        row_filter = (_TABLE.c.id == job.row_id) & (_TABLE.c.claimed_by == self.name) & (
            _TABLE.c.state == outbox.CLAIMED)
        tries = job.attempts + 1
        if result.outcome in (Outcome.RETRY, Outcome.UNCERTAIN) and tries < self.settings.max_attempts:
            delay = min(self.settings.backoff * 2 ** (tries - 1), timedelta(hours=1))
            if result.outcome is Outcome.UNCERTAIN:
                delay = max(delay, self.settings.uncertain_wait)
                stats.uncertain += 1
                log.warning("outbox row %s: Telegram did not answer in time, so it may have arrived; "
                            "trying again in %.0f s", job.row_id, delay.total_seconds())
            connection.execute(update(_TABLE).where(row_filter).values(
                state=outbox.PENDING, attempts=tries, last_error=result.error, due_at=now + delay,
                claimed_by=None, lease_until=None))
            stats.retried += 1
            return
        updated = connection.execute(update(_TABLE).where(row_filter).values(
            state=outbox.FAILED, attempts=tries, last_error=result.error, lease_until=None))
        if not updated.rowcount:
            return  # someone else owns the row now
        if result.outcome is Outcome.BLOCKED:
            stats.blocked += 1
            if job.chat_id not in blocked_chats:
                blocked_chats.add(job.chat_id)
                self._chat_blocked(session, job, now)
            return
        stats.failed += 1
        if job.person_id is not None:
            _tell_lead(session, job.person_id, "failed", now, f"A message could not be sent after {tries} tries.",
                       tries=tries)

    def _chat_blocked(self, session: Session, job: Job, now: datetime) -> None:
        connection = session.connection()
        links = table_of(ChatLink)
        connection.execute(update(links).where(links.c.channel == TELEGRAM, links.c.chat_id == job.chat_id)
                           .values(active=False))
        audit.record(session, SYSTEM, "write.chat_link.inactive", "chat_link", person_id=job.person_id,
                     detail="Telegram said the bot is blocked", now=now)
        if job.person_id is not None:
            _tell_lead(session, job.person_id, "blocked", now,
                       "The person blocked Signpost on Telegram. Reminders have stopped.")


def _wording_failures(row: OutboxMessage) -> int:
    count = row.payload.get(WORDING_FAILURES)
    return count if isinstance(count, int) else 0


def _given_up(row: OutboxMessage) -> Unworded:
    """A row whose time came while it still could not be worded: marked failed, and the lead told."""
    problem = (row.last_error or "").removeprefix(COULD_NOT_WORD)
    return Unworded(row.id, row.person_id, problem, row.payload, _wording_failures(row), None)


def _log_unworded(unworded: list[Unworded]) -> None:
    """One line per problem, not one per row: a broken template can hold up thousands of reminders."""
    by_problem: dict[str, list[Unworded]] = {}
    for item in unworded:
        if item.retry_at is not None:
            by_problem.setdefault(item.problem, []).append(item)
    for problem, items in by_problem.items():
        ids = ", ".join(str(item.row_id) for item in items[:5]) + (", ..." if len(items) > 5 else "")
        first = min(item.retry_at for item in items if item.retry_at is not None)
        log.error("%d outbox %s (%s) could not be worded, so %s tried again later, from %s UTC: %s", len(items),
                  "row" if len(items) == 1 else "rows", ids, "it is" if len(items) == 1 else "they are",
                  f"{first:%Y-%m-%d %H:%M:%S}", problem)


def _wording_failed_since(row: OutboxMessage, now: datetime) -> datetime:
    since = row.payload.get(WORDING_FAILED_SINCE)
    return datetime.fromisoformat(since) if isinstance(since, str) else now


def _tell_lead(session: Session, person_id: int, event: str, now: datetime, summary: str, **extra: Any) -> None:
    """A case update on the file, and a notice to the lead professional's chat if they have one."""
    session.add(CaseUpdate(
        person_id=person_id, worker_id=None, agency_id=None, actor="system:reminders", at=now,
        kind=f"reminder.{event}", subject="outbox", subject_id=None, field="state", before={}, after={},
        summary=summary, tell_person=False,
    ))
    lead = outbox.lead_of(session, person_id)
    if lead is not None:
        outbox.add_worker_notice(session, lead, person_id, event, now, extra=extra)


def _chats(session: Session, person_ids: Iterable[int], worker_ids: Iterable[int]) -> tuple[dict[int, str], dict[int, str]]:
    person_ids, worker_ids = set(person_ids), set(worker_ids)
    person_chats: dict[int, str] = {}
    worker_chats: dict[int, str] = {}
    if not person_ids and not worker_ids:
        return person_chats, worker_chats
    owner = ChatLink.person_id.in_(person_ids) | ChatLink.worker_id.in_(worker_ids)
    for link in session.scalars(
        select(ChatLink).where(ChatLink.channel == TELEGRAM, ChatLink.active.is_(True), owner)
        .order_by(ChatLink.linked_at)
    ):
        # The newest link wins when someone linked more than one Telegram chat.
        if link.person_id is not None:
            person_chats[link.person_id] = link.chat_id
        elif link.worker_id is not None:
            worker_chats[link.worker_id] = link.chat_id
    return person_chats, worker_chats


def _views(session: Session, person_ids: Iterable[int], now: datetime) -> dict[int, PersonView]:
    today = now.astimezone(i18n.LONDON).date()
    return build_person_views(session, person_ids, today, now, 20, 0)


def _appointments(session: Session, ids: Iterable[int]) -> dict[int, tuple[AppointmentView, str]]:
    ids = set(ids)
    if not ids:
        return {}
    found: dict[int, tuple[AppointmentView, str]] = {}
    for appointment, worker_name, contact, agency_name, agency_short in session.execute(
        select(Appointment, Worker.name, Worker.contact, Agency.name, Agency.short_name)
        .outerjoin(Worker, Worker.id == Appointment.worker_id)
        .outerjoin(Agency, Agency.id == Worker.agency_id)
        .where(Appointment.id.in_(ids))
    ):
        found[appointment.id] = (appointment_view(appointment, worker_name, agency_name, agency_short), contact or "")
    return found
