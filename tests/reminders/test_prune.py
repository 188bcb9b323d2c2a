"""Retention: `prune` forgets only what the settings say, in short batches, while a dispatcher sends."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from reminder_helpers import (
    CONTENT,
    NOW,
    Clock,
    World,
    make_world,
    outbox_rows,
    reminder_policy,
    run,
    standin_pacer,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.cli import main
from bot.reminders.compose import Composer
from bot.reminders.dispatcher import Dispatcher, DispatchSettings
from bot.reminders.sender import TelegramSender, make_bot
from bot.settings import Settings
from casefile import outbox
from casefile.actors import StaffActor
from casefile.models import AuditEvent, CaseUpdate, OutboxMessage
from casefile.retention import Retention, prune
from tests.support.telegram_standin import TelegramStandIn

KEEP = Retention(sent_reminders_days=400, message_details_days=30, case_updates_days=730, audit_days=2557)
BATCH = 7
OLD = 23  # rows of each kind past their time: more than three batches
MESSAGES = 40  # sent by the dispatcher while the prune runs


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def seed(session: Session, world: World) -> None:
    """Rows on each side of each limit (a day either side), and open rows far older than any limit."""
    def message(state: str, due: datetime, **extra: Any) -> OutboxMessage:
        return OutboxMessage(kind="appointment_reminder", person_id=world.person_id, due_at=due, state=state,
                             attempts=1, created_at=due, **extra)

    details = {"telegram_message_id": 4242, "body": "See you at 10.", "last_error": None}
    for number in range(OLD):
        session.add(message("sent", days_ago(401 + number), sent_at=days_ago(401 + number), **details))
        session.add(message("cancelled" if number % 2 else "failed", days_ago(402 + number),
                            last_error="the appointment moved"))
        session.add(message("sent", days_ago(31 + number), sent_at=days_ago(31 + number), **details))
        session.add(CaseUpdate(person_id=world.person_id, actor="system:test", at=days_ago(731 + number),
                               kind="journey.changed", subject="journey", field="release_date"))
        session.add(AuditEvent(at=days_ago(2558 + number), actor_kind="system", actor_name="test",
                               action="read.person", subject="person", person_id=world.person_id, outcome="ok"))
    session.add(message("sent", days_ago(29), sent_at=days_ago(29), **details))  # details still kept
    session.add(message("sent", days_ago(399), sent_at=days_ago(399)))  # the record still kept
    # Never finished: never pruned, whatever its age (its lease still runs, so no dispatcher takes it here).
    session.add(message("claimed", days_ago(900), claimed_by="elsewhere", lease_until=NOW + timedelta(days=1)))
    session.add(CaseUpdate(person_id=world.person_id, actor="system:test", at=days_ago(729), kind="journey.changed",
                           subject="journey", field="release_date"))
    session.add(AuditEvent(at=days_ago(2556), actor_kind="system", actor_name="test", action="read.person",
                           subject="person", person_id=world.person_id, outcome="ok"))
    session.commit()


def counts(session: Session) -> dict[str, int]:
    session.rollback()
    return {name: session.scalar(select(func.count()).select_from(model)) or 0
            for name, model in (("outbox", OutboxMessage), ("case_updates", CaseUpdate), ("audit", AuditEvent))}


def test_prune_removes_only_what_the_settings_say_in_batches_while_a_dispatcher_sends(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, clock: Clock,
) -> None:
    world = make_world(session)
    seed(session, world)
    for number in range(MESSAGES):
        outbox.queue_worker_message(session, StaffActor(world.worker_id), world.person_id, f"Message {number}.",
                                    policy=reminder_policy(), now=NOW)
    before = counts(session)

    async def go() -> Any:
        bot = make_bot(standin.token, f"http://127.0.0.1:{standin.port}")
        async with bot:
            dispatcher = Dispatcher(session_factory, TelegramSender(bot, standin_pacer()), Composer(CONTENT),
                                    policy=reminder_policy(), clock=clock,
                                    settings=DispatchSettings(batch=5, poll_seconds=0.02))
            stop = asyncio.Event()
            sending = asyncio.create_task(dispatcher.run(stop))
            await asyncio.sleep(0.05)  # the dispatcher is claiming and sending
            stats = await asyncio.to_thread(prune, session_factory, KEEP, NOW, batch=BATCH, pause=0.01)
            delivered = [await standin.pop_async(world.person_chat, timeout=10) for _ in range(MESSAGES)]
            stop.set()
            sent = await sending
            return stats, delivered, sent

    stats, delivered, sent = run(go())
    said = sorted((message.text or "").splitlines()[-1] for message in delivered)
    assert said == sorted(f"Message {n}." for n in range(MESSAGES))
    assert sent.sent == MESSAGES
    standin.assert_nothing_sent(world.person_chat, within=0.05)
    assert (stats.reminders, stats.details, stats.case_updates, stats.audit_events) == (2 * OLD, OLD, OLD, OLD)
    # At most 7 rows a transaction: 46 finished messages in 7 batches, then 4 batches (of 23) for each other kind.
    assert stats.batches == 7 + 4 + 4 + 4
    after = counts(session)
    assert after["outbox"] == before["outbox"] - 2 * OLD
    assert after["case_updates"] == before["case_updates"] - OLD
    rows = outbox_rows(session, kind="appointment_reminder")
    assert len(rows) == OLD + 3  # the 30-to-400-day sent ones, the 29- and 399-day ones, the open one
    assert {row.state for row in rows if row.due_at < days_ago(400)} == {"claimed"}
    for row in rows:
        if row.state == "sent" and row.due_at < days_ago(30):
            assert (row.body, row.telegram_message_id, row.last_error) == ("", None, None)
    assert [row.body for row in rows if row.due_at > days_ago(30)] == ["See you at 10."]
    session.rollback()
    assert session.scalar(select(func.min(CaseUpdate.at))) >= days_ago(730)
    assert session.scalar(select(func.min(AuditEvent.at))) >= days_ago(2557)
    assert all(row.state == "sent" for row in outbox_rows(session, kind="worker_message"))
    # Run again: nothing more to forget.
    assert prune(session_factory, KEEP, NOW, batch=BATCH).rows == 0


def test_audit_events_are_kept_at_least_as_long_as_anything_else() -> None:
    short_audit = Retention(sent_reminders_days=400, message_details_days=30, case_updates_days=730, audit_days=10)
    assert short_audit.audit_kept_days == 730
    assert Settings.from_env({"SIGNPOST_KEEP_AUDIT_DAYS": "3000"}).retention.audit_kept_days == 3000


def test_the_dispatcher_prunes_once_a_day_after_the_night_check(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn,
) -> None:
    world = make_world(session)
    seed(session, world)

    async def dispatch(at: datetime) -> None:
        bot = make_bot(standin.token, f"http://127.0.0.1:{standin.port}")
        async with bot:
            dispatcher = Dispatcher(session_factory, TelegramSender(bot, standin_pacer()), Composer(CONTENT),
                                    policy=reminder_policy(), clock=Clock(at), retention=KEEP,
                                    settings=DispatchSettings(poll_seconds=0.02))
            await dispatcher.run(once=True)

    before = counts(session)
    run(dispatch(datetime(2027, 6, 9, 1, 0, tzinfo=UTC)))  # 02:00 in London: not yet
    assert counts(session) == before
    run(dispatch(datetime(2027, 6, 9, 3, 0, tzinfo=UTC)))  # 04:00 in London: the day's prune
    assert counts(session)["outbox"] == before["outbox"] - 2 * OLD


def test_signpost_db_prune_uses_the_settings(
    session: Session, session_factory: sessionmaker[Session], db_url: str, capsys: Any, monkeypatch: Any,
) -> None:
    world = make_world(session)
    seed(session, world)
    # The command runs on the real clock, half a year before NOW: keep finished messages one day only, and every
    # case update. Then the sent and finished rows 215 days and more before today go; the rest stay.
    monkeypatch.setenv("SIGNPOST_KEEP_SENT_REMINDERS_DAYS", "1")
    monkeypatch.setenv("SIGNPOST_KEEP_CASE_UPDATES_DAYS", "100000")
    before = counts(session)
    assert main(["db", "prune", "--batch", "10", "--database-url", db_url]) == 0
    out = capsys.readouterr().out
    after = counts(session)
    assert after["outbox"] == before["outbox"] - (2 * OLD + 1)
    assert after["case_updates"] == before["case_updates"]
    assert out.startswith(f"Pruned {2 * OLD + 1} finished messages,") and "deleted 0 case updates" in out
