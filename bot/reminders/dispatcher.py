"""The dispatcher: claim due outbox rows with a lease, send them, mark them. Safe to run several at once.

Claiming (rows whose lease ran out first, then pending rows by due time: casefile/outbox.py due_filters)
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

Channels: a reminder is one outbox row however many channels it goes on. At send time it goes to each
of the person's active message links, newest per channel (Telegram, and SMS when Notify is set up), one
job per channel, each worded for its channel. The row keeps every channel's outcome (Telegram's message
id; Notify's id, delivery state and fragments) and, in its payload, which channels already took it
(SENT_ON): a retry sends only to the channels that have not, so a Notify outage never repeats the
Telegram copy, and the planner, cancelling, the console and the attendance report still see one
reminder. A row is sent once any channel took it and nothing is left to try; it fails only when no
channel did. A channel that is gone (blocked on Telegram, a number Notify cannot text) stops its link
and tells the lead professional, whatever the other channels did.

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
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot import i18n, text
from bot.conversation import state as chat_states
from bot.reminders.compose import SMS, TELEGRAM, Composed, Composer, discreet_for
from bot.reminders.planner import (
    COULD_NOT_WORD,
    PLAN_DROPPED,
    WORDING_FAILED_SINCE,
    WORDING_FAILURES,
    Planner,
    waiting_to_be_worded,
)
from bot.reminders.planning import PLANNED_KINDS, day_of_key, plan_person
from bot.reminders.sender import MessageSender, Outcome, SendResult, TextSender
from bot.settings import default_of
from casefile import linking, outbox, plan_marks
from casefile.db import begin_write
from casefile.models import (
    APPOINTMENT_OVER,
    MESSAGE_CHANNELS,
    Agency,
    Appointment,
    ChatLink,
    OutboxMessage,
    Person,
    Worker,
    table_of,
)
from casefile.people import appointment_view, build_person_views
from casefile.reminder_rules import ReminderPolicy
from casefile.retention import Retention, prune
from casefile.sms_consent import WRONG_NUMBER_EVENT
from casefile.urgent import URGENT_EVENT
from casefile.views import AppointmentView, PersonView

log = logging.getLogger(__name__)
# In a row's payload: the channels that already took it (or are gone), so a retry skips them; and for a
# text, what each numbered reply means (the button data, in order), for the SMS channel's inbound side.
SENT_ON = "sent_on"
SMS_CHOICES = "sms_choices"
# A planned message whose time moved later than this is put back for the planner to re-time.
PLANNED_SLACK = timedelta(minutes=1)
_NO_PLAN = f"{PLAN_DROPPED}: the case file has no plan for it"
_NO_LONGER_APPLIES = f"{PLAN_DROPPED}: it no longer applies"
# Why a planned row is dropped that, for a row still waiting to be worded, means it never went in time.
_TOO_LATE_FOR_A_PLAN = (_NO_PLAN, _NO_LONGER_APPLIES)
_TABLE = table_of(OutboxMessage)
_NOTICE_EVENTS = frozenset({"confirmed", "cant_make_it", "blocked", "failed", URGENT_EVENT, WRONG_NUMBER_EVENT})
# Why a row is not sent again: every channel it still had took it on an earlier try (or is gone).
_ALREADY_SENT = "every channel left already took it"
PRUNE_AT = time(3, 30)  # London: once a day, after the planner's nightly check and long before 08:00
PRUNE_BATCH = 500  # rows a transaction: each holds a SQLite writer up for milliseconds only
PRUNE_PAUSE_SECONDS = 0.05  # between batches, so claims and marks get in


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
    """One claimed row, checked and worded for one channel, ready to go there."""

    row_id: int
    chat_id: str  # a Telegram chat id, or a phone number in E.164 for "sms"
    message: Composed
    person_id: int | None  # the person it is for (None for a notice to a worker)
    attempts: int
    channel: str = TELEGRAM
    payload: dict[str, Any] = field(default_factory=dict)  # the row's, as claimed

    @property
    def sent_on(self) -> tuple[str, ...]:
        return tuple(self.payload.get(SENT_ON) or ())


def sms_reference(row_id: int) -> str:
    """Notify's `reference` for a text: the outbox row, which says nothing about the person."""
    return f"outbox-{row_id}"


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
    already_sent: list[int] = field(default_factory=list)  # every channel left took it on an earlier try
    unworded: list[Unworded] = field(default_factory=list)
    # People whose planned row was dropped here (its time moved, it no longer applies): planned again at once.
    replan: set[int] = field(default_factory=set)


def claim_queries(now: datetime, batch: int) -> list[Select[int]]:
    """The ids a claim takes, a query for each kind: rows whose lease ran out first (work a stopped dispatcher
    left), then pending rows, the oldest due first (bench/scale.py times them with millions of rows)."""
    return [select(OutboxMessage.id).where(due).order_by(OutboxMessage.due_at, OutboxMessage.id).limit(batch)
            for due in outbox.due_filters(now)]


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
        sms_sender: TextSender | None = None,
        settings: DispatchSettings | None = None,
        name: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        planner: Planner | None = None,
        retention: Retention | None = None,
    ) -> None:
        self.sessions = sessions
        self.planner = planner
        self.retention = retention  # with it, the dispatcher prunes the case file once a day (PRUNE_AT)
        self._pruned_on: date | None = None
        self.sender = sender
        self.sms_sender = sms_sender  # None: text messages are not set up (no Notify key), so none are sent
        self.composer = composer
        self.policy = policy  # the service's reminder rules (quiet hours), from the settings
        self.settings = settings or DispatchSettings()
        self.name = name or default_name()
        self.clock = clock

    # -- the loop -----------------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event | None = None, *, once: bool = False) -> DispatchStats:
        """Send everything due; with `once`, stop when nothing is due, else keep polling until `stop`."""
        total = DispatchStats()
        sweep: asyncio.Future[None] | None = None  # the planner's round running beside the sending
        pruning: asyncio.Future[None] | None = None  # the day's prune, beside both
        failures = 0
        if self.planner is not None and once:
            await asyncio.to_thread(self._plan)  # first, so what is due now goes out in this one run
        # Running on, the first round (the full sweep, minutes at national size) goes beside the sending, as later
        # rounds do: what was already due is in the outbox and goes out meanwhile.
        while stop is None or not stop.is_set():
            if self.planner is not None and (sweep is None or sweep.done()) and self.planner.due():
                # Later rounds run beside the sending: a long one (the nightly check) must not hold reminders back.
                sweep = asyncio.ensure_future(asyncio.to_thread(self._plan))
            if (pruning is None or pruning.done()) and self._prune_due(self.clock()):
                pruning = asyncio.ensure_future(asyncio.to_thread(self._prune))
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
        for running in (sweep, pruning):
            if running is not None:
                await running
        return total

    def _plan(self) -> None:
        """A planner round (the full sweep at start, then what changed); its trouble never stops sending."""
        assert self.planner is not None
        try:
            for stats in self.planner.work(self.clock()):
                if stats.what == "changes" and not stats.people:
                    continue  # nothing changed: nothing to say every few seconds
                if stats.what == "nightly check":
                    # A healthy system changes nothing here: every change was planned when it was made.
                    log.log(logging.WARNING if stats.rows_changed else logging.INFO,
                            "reminder plan, nightly check: %s It changed %d rows.", stats.line(), stats.rows_changed)
                else:
                    log.info("reminder plan, %s: %s", stats.what, stats.line())
        except Exception as error:
            # A busy or absent database: the marks stay, so the next round plans the same people. One plain line.
            cause = (str(error).strip().splitlines() or [type(error).__name__])[0][:300]
            log.error("reminder planning failed, sending goes on and planning tries again: %s: %s",
                      type(error).__name__, cause)
            log.debug("the error in full", exc_info=True)

    def _prune_due(self, now: datetime) -> bool:
        local = now.astimezone(i18n.LONDON)
        return self.retention is not None and local.time() >= PRUNE_AT and self._pruned_on != local.date()

    def _prune(self) -> None:
        """The day's prune, in short batches so sending goes on between them; its trouble never stops sending."""
        assert self.retention is not None
        now = self.clock()
        self._pruned_on = now.astimezone(i18n.LONDON).date()  # once a day, even if it failed: tomorrow tries again
        try:
            log.info("daily prune: %s", prune(self.sessions, self.retention, now, batch=PRUNE_BATCH,
                                              pause=PRUNE_PAUSE_SECONDS).line())
        except Exception as error:
            cause = (str(error).strip().splitlines() or [type(error).__name__])[0][:300]
            log.error("the daily prune failed, sending goes on and it runs again tomorrow: %s: %s",
                      type(error).__name__, cause)
            log.debug("the error in full", exc_info=True)

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

    async def _send_all(self, jobs: list[Job]) -> dict[tuple[int, str], SendResult]:
        """Up to `concurrency` at once, and the messages to any one chat in their order.

        Unpaced, each chat's messages go one after another (one in flight per chat). Paced, the
        sender's Pacer already spaces one chat's messages over a second apart, in the order they ask
        (they are started in order); chaining them too left the token bucket idle at the end of each
        batch (bench/reminders.py section 3: 26/s instead of 29.4/s), so then every job asks at once.
        Texts are always paced (the SmsPacer), so each asks at once too.
        """
        limit = asyncio.Semaphore(self.settings.concurrency)
        results: dict[tuple[int, str], SendResult] = {}
        groups: dict[tuple[str, str | int], list[Job]] = {}  # by channel and chat, or one job each when paced
        paced = getattr(self.sender, "pacer", None) is not None
        for job in jobs:
            one_each = paced or job.channel == SMS
            groups.setdefault((job.channel, job.row_id if one_each else job.chat_id), []).append(job)

        async def one_chat(chat_jobs: list[Job]) -> None:
            for job in chat_jobs:
                async with limit:
                    try:
                        results[job.row_id, job.channel] = await self._send(job)
                    except Exception as exc:  # a bug or an odd failure: try again later, never lose it
                        log.exception("sending outbox row %s by %s failed", job.row_id, job.channel)
                        results[job.row_id, job.channel] = SendResult(
                            Outcome.RETRY, error=f"{type(exc).__name__}: {exc}"[:500])

        await asyncio.gather(*(one_chat(chat_jobs) for chat_jobs in groups.values()))
        return results

    async def _send(self, job: Job) -> SendResult:
        if job.channel == SMS:
            assert self.sms_sender is not None, "no SMS job is made without an SMS sender"
            return await self.sms_sender.send_sms(job.chat_id, job.message.text, sms_reference(job.row_id))
        return await self.sender.send(job.chat_id, job.message.text, job.message.buttons)

    # -- claiming -----------------------------------------------------------------------------------
    def claim(self, now: datetime) -> list[int]:
        lease_until = now + self.settings.lease
        with self.sessions() as session:
            begin_write(session)
            values = {"state": outbox.CLAIMED, "claimed_by": self.name, "lease_until": lease_until}
            ids: list[int] = []
            for due in claim_queries(now, self.settings.batch):
                room = self.settings.batch - len(ids)
                if room <= 0:
                    break
                due = due.limit(room)
                if session.get_bind().dialect.name == "postgresql":
                    taken = list(session.scalars(due.with_for_update(skip_locked=True)))
                    if taken:
                        session.execute(update(_TABLE).where(_TABLE.c.id.in_(taken)).values(**values))
                else:
                    taken = list(session.scalars(
                        update(_TABLE).where(_TABLE.c.id.in_(due.scalar_subquery())).values(**values)
                        .returning(_TABLE.c.id)
                    ))
                ids += taken
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
                                                {r.worker_id for r in rows if r.worker_id},
                                                MESSAGE_CHANNELS if self.sms_sender is not None else (TELEGRAM,))
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
                if isinstance(job_or_reason, list):
                    batch.jobs.extend(job_or_reason)
                elif job_or_reason == _ALREADY_SENT:
                    batch.already_sent.append(row.id)
                elif waiting and job_or_reason in _TOO_LATE_FOR_A_PLAN:
                    batch.unworded.append(_given_up(row))  # a planned message whose time passed while unworded
                else:
                    batch.skipped[row.id] = job_or_reason
                    if row.kind in PLANNED_KINDS and row.person_id and job_or_reason.startswith(PLAN_DROPPED):
                        batch.replan.add(row.person_id)
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
        self, row: OutboxMessage, people: dict[int, Person], person_chats: dict[int, dict[str, str]],
        worker_chats: dict[int, dict[str, str]], appointments: dict[int, tuple[AppointmentView, str]],
        senders: dict[int, tuple[Worker, Agency]], views: dict[int, PersonView], now: datetime,
    ) -> list[Job] | str:
        """One job per channel the row still has to go on, or why it is not sent."""
        composer = self.composer
        done = set(row.payload.get(SENT_ON) or ())

        def jobs(chats: dict[str, str], person_id: int | None, word: Callable[[str], Composed]) -> list[Job] | str:
            left = {channel: chat for channel, chat in chats.items() if channel not in done}
            if not left and done:
                return _ALREADY_SENT
            return [Job(row.id, chat, word(channel), person_id, row.attempts, channel, row.payload)
                    for channel, chat in left.items()]

        if row.worker_id is not None:
            chats = worker_chats.get(row.worker_id)
            if not chats and not done:
                return "the worker has no linked chat"
            about = people.get(int(row.payload.get("person_id") or 0))
            name, ref = (about.preferred_name, about.ref) if about else ("Someone", "?")
            event = str(row.payload.get("event", ""))
            if event not in _NOTICE_EVENTS:
                return f"unknown notice {event!r}"
            return jobs(chats or {}, None,
                        lambda channel: self._worker_notice(row, name, ref, event, appointments, channel))

        person = people.get(row.person_id or 0)
        if person is None or getattr(person, "closed_at", None) is not None:
            return "the file is closed"
        if person.paused:
            return "the person paused messages"
        chats = person_chats.get(person.id)
        if not chats and not done:
            return "no active chat"
        chats = chats or {}
        language = person.language
        if row.kind == "worker_message":
            sender, agency = senders.get(int(row.payload.get("from_worker") or 0), (None, None))
            return jobs(chats, person.id, lambda channel: composer.worker_message(
                sender.name if sender else "Your worker", agency.name if agency else "", row.body, language,
                discreet_for(person.discreet, channel, sms_discreet=person.sms_discreet), channel=channel))
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
                return jobs(chats, person.id, lambda channel: composer.appointment(
                    view, language, discreet_for(person.discreet, channel, sms_discreet=person.sms_discreet), now, channel=channel))
            if view.status != "missed":
                return "the appointment is no longer marked missed"
            return jobs(chats, person.id, lambda channel: composer.missed(
                view, language, discreet_for(person.discreet, channel, sms_discreet=person.sms_discreet), contact, channel=channel))
        if row.kind in PLANNED_KINDS:
            return self._planned_jobs(row, views.get(person.id), now, lambda word: jobs(chats, person.id, word))
        return f"no wording yet for {row.kind}"

    def _worker_notice(self, row: OutboxMessage, name: str, ref: str, event: str,
                       appointments: dict[int, tuple[AppointmentView, str]], channel: str) -> Composed:
        composer = self.composer
        if event in ("confirmed", "cant_make_it"):
            found = appointments.get(row.appointment_id or 0)
            return composer.worker_answer(name, ref, event, row.payload.get("reason"), found[0] if found else None,
                                          channel=channel)
        if event == "blocked":
            return composer.worker_blocked(name, ref, by=str(row.payload.get("by") or TELEGRAM), channel=channel)
        if event == "failed":
            return composer.worker_failed(name, ref, int(row.payload.get("tries", 0)), channel=channel)
        if event == WRONG_NUMBER_EVENT:
            return composer.worker_wrong_number(name, ref, channel=channel)
        return composer.worker_urgent(name, ref, str(row.payload.get("kind", "")), channel=channel)

    def _planned_jobs(self, row: OutboxMessage, view: PersonView | None, now: datetime,
                      jobs: Callable[[Callable[[str], Composed]], list[Job] | str]) -> list[Job] | str:
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
        chosen, by_text = view.person.discreet, view.person.sms_discreet
        return jobs(lambda channel: self.composer.planned(item, view, now, channel=channel,
                                                         discreet=discreet_for(chosen, channel, sms_discreet=by_text)))

    # -- marking ------------------------------------------------------------------------------------
    def finish(self, batch: _Batch, results: dict[tuple[int, str], SendResult], now: datetime,
               stats: DispatchStats) -> None:
        mine = (_TABLE.c.id == bindparam("row_id")) & (_TABLE.c.claimed_by == self.name) & (
            _TABLE.c.state == outbox.CLAIMED)
        by_row: dict[int, list[tuple[Job, SendResult]]] = {}
        for job in batch.jobs:
            result = results.get((job.row_id, job.channel)) or SendResult(Outcome.RETRY, error="not sent")
            by_row.setdefault(job.row_id, []).append((job, result))
        # The common case, in one statement: every channel of the row took it. Earlier channels' ids stay.
        sent = [{"row_id": row_id, **_sent_values(outcomes)} for row_id, outcomes in by_row.items()
                if all(result.outcome is Outcome.SENT for _job, result in outcomes)]
        texts = [{"row_id": values["row_id"], "payload": values.pop("payload")} for values in sent
                 if "payload" in values]
        with self.sessions() as session:
            begin_write(session)
            connection = session.connection()
            if texts:  # before they are marked sent: `mine` takes only rows still claimed
                connection.execute(update(_TABLE).where(mine).values(payload=bindparam("payload")), texts)
            if sent:
                connection.execute(
                    update(_TABLE).where(mine).values(
                        state=outbox.SENT, sent_at=func.coalesce(_TABLE.c.sent_at, now), lease_until=None,
                        last_error=None, **{column: func.coalesce(bindparam(column), _TABLE.c[column])
                                            for column in _SENT_COLUMNS}),
                    [{column: values.get(column) for column in ("row_id", *_SENT_COLUMNS)} for values in sent],
                )
            # A text's numbered choices are kept in the chat state too, so a reply of "1" answers it whichever
            # process receives it (bot.channels.sms).
            for job in batch.jobs:
                took = results.get((job.row_id, job.channel))
                if job.channel == SMS and job.message.choices and took is not None and took.outcome is Outcome.SENT:
                    chat_states.remember_choices(session, SMS, job.chat_id,
                                                 tuple(button.data for button in job.message.choices), now)
            if batch.skipped:
                connection.execute(
                    update(_TABLE).where(mine).values(state=outbox.CANCELLED, lease_until=None,
                                                      last_error=bindparam("why")),
                    [{"row_id": row_id, "why": why} for row_id, why in batch.skipped.items()],
                )
            if batch.already_sent:
                connection.execute(update(_TABLE).where(mine).values(state=outbox.SENT, lease_until=None),
                                   [{"row_id": row_id} for row_id in batch.already_sent])
            plan_marks.mark(connection, batch.replan)
            stats.sent += len(sent) + len(batch.already_sent)
            stats.cancelled += len(batch.skipped)
            for unworded in batch.unworded:
                self._wording_failed(session, unworded, now, stats)
            for outcomes in by_row.values():
                if not all(result.outcome is Outcome.SENT for _job, result in outcomes):
                    self._trouble(session, outcomes, now, stats)
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
            outbox.tell_lead(session, unworded.person_id, "failed", now,
                       f"A message was not sent: Signpost tried {unworded.failures} times to write it, but a "
                       f"content file has a mistake ({unworded.problem[:200]}).", tries=unworded.failures)

    def _trouble(self, session: Session, outcomes: list[tuple[Job, SendResult]], now: datetime,
                 stats: DispatchStats) -> None:
        """A row that some channel did not take: try those again later, or mark it sent or failed."""
        connection = session.connection()
        first = outcomes[0][0]
        row_filter = (_TABLE.c.id == first.row_id) & (_TABLE.c.claimed_by == self.name) & (
            _TABLE.c.state == outbox.CLAIMED)
        tries = first.attempts + 1
        sent = [(job, result) for job, result in outcomes if result.outcome is Outcome.SENT]
        again = [(job, result) for job, result in outcomes if result.outcome in (Outcome.RETRY, Outcome.UNCERTAIN)]
        gone = [job for job, result in outcomes if result.outcome is Outcome.BLOCKED]
        refused = [job for job, result in outcomes if result.outcome is Outcome.REFUSED]
        error = "; ".join(result.error for _job, result in outcomes if result.error)[:500] or None
        values: dict[str, Any] = {"attempts": tries, "last_error": error, "lease_until": None}
        sent_values = _sent_values(sent)
        payload = {**first.payload, **sent_values.pop("payload", {})}
        values.update({column: sent_values[column] for column in _SENT_COLUMNS if sent_values.get(column)})
        if sent:
            values["sent_at"] = func.coalesce(_TABLE.c.sent_at, now)
        delivered = bool(sent) or bool(first.sent_on)
        if again and tries < self.settings.max_attempts:
            delay = min(self.settings.backoff * 2 ** (tries - 1), timedelta(hours=1))
            for job, result in again:
                if result.outcome is Outcome.UNCERTAIN:
                    delay = max(delay, self.settings.uncertain_wait)
                    stats.uncertain += 1
                    log.warning("outbox row %s: %s did not answer in time, so it may have arrived; "
                                "trying again in %.0f s", job.row_id, job.channel, delay.total_seconds())
                if result.wait is not None:
                    delay = max(delay, timedelta(seconds=result.wait))
            done = set(first.sent_on) | {job.channel for job, _result in sent} | {job.channel for job in gone + refused}
            if done:
                payload[SENT_ON] = sorted(done)
            updated = connection.execute(update(_TABLE).where(row_filter).values(
                state=outbox.PENDING, due_at=now + delay, claimed_by=None, payload=payload, **values))
            if updated.rowcount:
                stats.retried += 1
                self._chats_gone(session, gone, now)
            return
        failed_texts = [job for job, _result in again if job.channel == SMS] + [job for job in refused if job.channel == SMS]
        if failed_texts and not any(job.channel == SMS for job, _result in sent):
            values["sms_state"] = "refused" if any(job.channel == SMS for job in refused) else "failed"
        updated = connection.execute(update(_TABLE).where(row_filter).values(
            state=outbox.SENT if delivered else outbox.FAILED, payload=payload, **values))
        if not updated.rowcount:
            return  # someone else owns the row now
        self._chats_gone(session, gone, now)
        if delivered:
            stats.sent += 1
        elif gone and not again and not refused:
            stats.blocked += 1
        else:
            stats.failed += 1
            if first.person_id is not None:
                outbox.tell_lead(session, first.person_id, "failed", now,
                                 f"A message could not be sent after {tries} tries.", tries=tries)

    def _chats_gone(self, session: Session, gone: list[Job], now: datetime) -> None:
        for job in gone:
            if job.channel == SMS:
                outbox.chat_gone(session, SMS, job.chat_id, job.person_id, now,
                                 detail="Notify said it cannot text this number",
                                 summary="Texts cannot reach the person's phone number. Text reminders have stopped.")
            else:
                outbox.chat_gone(session, job.channel, job.chat_id, job.person_id, now,
                                 detail="Telegram said the bot is blocked",
                                 summary="The person blocked Signpost on Telegram. Reminders have stopped.")


_SENT_COLUMNS = ("telegram_message_id", "notify_id", "sms_state", "sms_fragments")


def _sent_values(outcomes: Iterable[tuple[Job, SendResult]]) -> dict[str, Any]:
    """What the channels that took a row leave on it: their ids, a text's state and fragments, its choices."""
    values: dict[str, Any] = {}
    for job, result in outcomes:
        if result.outcome is not Outcome.SENT:
            continue
        if job.channel == SMS:
            values.update(notify_id=result.notify_id, sms_state="sending", sms_fragments=job.message.fragments)
            if job.message.choices:
                values["payload"] = {**job.payload, SMS_CHOICES: [button.data for button in job.message.choices]}
        else:
            values["telegram_message_id"] = result.message_id
    return values


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


def _chats(session: Session, person_ids: Iterable[int], worker_ids: Iterable[int],
           channels: tuple[str, ...]) -> tuple[dict[int, dict[str, str]], dict[int, dict[str, str]]]:
    """Each owner's active chats on `channels`: channel -> chat id (a phone number for "sms")."""
    person_ids, worker_ids = set(person_ids), set(worker_ids)
    person_chats: dict[int, dict[str, str]] = {}
    worker_chats: dict[int, dict[str, str]] = {}
    if not person_ids and not worker_ids:
        return person_chats, worker_chats
    owner = ChatLink.person_id.in_(person_ids) | ChatLink.worker_id.in_(worker_ids)
    for link in session.scalars(
        select(ChatLink).where(ChatLink.channel.in_(channels), ChatLink.active.is_(True), owner)
        .order_by(ChatLink.linked_at)
    ):
        # The newest link on each channel wins when someone linked more than one chat there.
        if link.person_id is not None:
            person_chats.setdefault(link.person_id, {})[link.channel] = link.chat_id
        elif link.worker_id is not None:
            worker_chats.setdefault(link.worker_id, {})[link.channel] = link.chat_id
    # A person's messages go only where they chose (Telegram, texts or both), never to a number that said STOP.
    wanted = linking.reminder_channels_for(session, list(person_chats))
    person_chats = {person_id: kept for person_id, chats in person_chats.items()
                    if (kept := {channel: chat for channel, chat in chats.items()
                                 if channel in wanted.get(person_id, ())})}
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
