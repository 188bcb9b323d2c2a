"""Without a shared send budget (SQLite), exactly one process sends reminders, says so, and another takes over."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest
from reminder_helpers import CONTENT, STANDIN_PACE, due_now_in_bulk, reminder_policy
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.reminders.compose import Composer
from bot.reminders.dispatcher import Dispatcher, DispatchSettings
from bot.reminders.lease import SendingLease, run_holding_lease
from bot.reminders.pacing import Pacer
from bot.reminders.sender import TelegramSender, make_bot
from casefile.models import OutboxMessage
from tests.support.telegram_standin import TelegramStandIn


@pytest.fixture(autouse=True)
def due_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNPOST_REMINDER_OFFSETS", "90m")
    monkeypatch.setenv("SIGNPOST_QUIET_HOURS", "00:00-00:00")


def _dispatcher(sessions: sessionmaker[Session], sender: TelegramSender, name: str) -> Dispatcher:
    return Dispatcher(sessions, sender, Composer(CONTENT), policy=reminder_policy(),
                      settings=DispatchSettings(batch=20, poll_seconds=0.05), name=name)


def test_one_process_holds_the_lease_and_sends_and_another_takes_over(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    due_now_in_bulk(session, people=10, per_person=2, real_now=datetime.now(UTC))
    lasts = timedelta(seconds=0.6)

    async def scenario() -> None:
        async with make_bot(standin.token, standin.api_url) as bot:
            sender = TelegramSender(bot, Pacer(STANDIN_PACE))
            first, second = _dispatcher(session_factory, sender, "first"), _dispatcher(session_factory, sender, "second")
            first_stop, second_stop = asyncio.Event(), asyncio.Event()
            first_run = asyncio.create_task(run_holding_lease(
                first, SendingLease(session_factory, "first", lasts), first_stop))
            await asyncio.sleep(0.1)  # the first takes the lease before the second looks
            second_run = asyncio.create_task(run_holding_lease(
                second, SendingLease(session_factory, "second", lasts), second_stop))
            await standin.wait_for_async("sendMessage", count=20, timeout=20)
            await asyncio.sleep(0.3)
            assert not second_run.done()
            first_stop.set()  # a clean stop gives the lease back: the second takes over at its next look
            await first_run
            await asyncio.sleep(lasts.total_seconds())
            second_stop.set()
            await second_run

    with caplog.at_level(logging.INFO, logger="bot.reminders.lease"):
        asyncio.run(asyncio.wait_for(scenario(), 60))
    session.rollback()
    senders = set(session.scalars(select(OutboxMessage.claimed_by).where(OutboxMessage.state == "sent")))
    assert senders == {"first"}
    assert len(standin.calls_to("sendMessage")) == 20
    lines = [record.getMessage() for record in caplog.records]
    assert any(line.startswith("this process (first) sends the reminders") for line in lines)
    assert any(line.startswith("process first sends the reminders") and "this one does not" in line for line in lines)
    assert any(line.startswith("this process (second) sends the reminders") for line in lines)
