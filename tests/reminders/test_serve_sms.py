"""`signpost serve` with Notify set up: a due reminder goes by Telegram and by text, a delivery receipt comes
back on the callback server, and a texted "1" is answered through Notify and confirms the appointment."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import TypeVar

import pytest
from reminder_helpers import CONTENT, chat_settings, due_now_in_bulk
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.sms import INBOUND_PATH
from bot.channels.sms_receipts import RECEIPTS_PATH
from bot.channels.telegram import TelegramChannel
from bot.conversation import state as chat_states
from bot.conversation.core import Conversation
from bot.serve import build_serve
from bot.settings import Settings
from casefile.models import Appointment, ChatLink, OutboxMessage
from glossary.live import LiveGlossary
from tests.support.multiprocess import free_port
from tests.support.notify_standin import NotifyStandIn
from tests.support.telegram_standin import TelegramStandIn

PHONE = "+447700900555"
Result = TypeVar("Result")


@pytest.fixture(autouse=True)
def due_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNPOST_REMINDER_OFFSETS", "90m")
    monkeypatch.setenv("SIGNPOST_QUIET_HOURS", "00:00-00:00")


@pytest.fixture
def notify() -> Iterator[NotifyStandIn]:
    with NotifyStandIn() as server:
        yield server


def serve_with_a_texted_reminder(session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn,
                                 notify: NotifyStandIn) -> tuple[TelegramChannel, int, int]:
    """One reminder due now for a person linked on Telegram and by text, and `serve` built for both: the channel,
    the person's Telegram chat, and the port of Notify's callbacks."""
    [person_chat] = due_now_in_bulk(session, people=1, per_person=1, real_now=datetime.now(UTC))
    person_id = session.scalars(select(ChatLink.person_id).where(ChatLink.person_id.is_not(None))).one()
    session.add(ChatLink(channel="sms", chat_id=PHONE, person_id=person_id, linked_at=datetime.now(UTC)))
    session.commit()
    port = free_port()
    conversation = Conversation(CONTENT, session_factory, LiveGlossary(CONTENT), **chat_settings())
    settings = Settings.from_env({
        "TELEGRAM_BOT_TOKEN": standin.token, "SIGNPOST_CONTENT_DIR": str(CONTENT),
        "SIGNPOST_TELEGRAM_API_URL": f"http://127.0.0.1:{standin.port}",
        "SIGNPOST_NOTIFY_CALLBACK_LISTEN": f"127.0.0.1:{port}", **notify.settings_env()})
    return build_serve(settings, conversation, None), person_chat, port


def run_serving(channel: TelegramChannel, scenario: Callable[[], Awaitable[Result]], timeout: float) -> Result:
    """`scenario` while the channel's start-up hooks (dispatcher, callback server) run, then its shut-down."""
    async def serving() -> Result:
        app = channel.application
        await app.initialize()
        assert app.post_init is not None and app.post_shutdown is not None
        await app.post_init(app)
        try:
            return await scenario()
        finally:
            await app.post_shutdown(app)
            await app.shutdown()

    return asyncio.run(asyncio.wait_for(serving(), timeout))


def test_serve_texts_reminders_and_takes_notifys_delivery_receipts(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, notify: NotifyStandIn,
) -> None:
    channel, person_chat, port = serve_with_a_texted_reminder(session, session_factory, standin, notify)

    async def scenario() -> int:
        reminder = await standin.pop_async(person_chat, timeout=10)
        [text] = await notify.wait_for_sent_async(1, timeout=10)
        assert text.phone_number == PHONE and (reminder.text or "").startswith("Reminder: appointment")
        assert text.body.startswith("Reminder: appointment") and "Reply 1 for I'll be there" in text.body
        for _ in range(100):  # the row is marked sent just after the sends finish
            with session_factory() as check:
                if check.scalars(select(OutboxMessage.notify_id)).one() == text.id:
                    break
            await asyncio.sleep(0.05)
        answer = await notify.send_receipt_async(text.id, "delivered", url=f"http://127.0.0.1:{port}{RECEIPTS_PATH}")
        return answer.status_code

    assert run_serving(channel, scenario, 60) == 204
    with session_factory() as check:
        row = check.scalars(select(OutboxMessage)).one()
    assert (row.state, row.sms_state, row.sms_fragments) == ("sent", "delivered", 1)


def test_serve_answers_a_texted_reminder_through_its_callback_server(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, notify: NotifyStandIn,
) -> None:
    channel, _person_chat, port = serve_with_a_texted_reminder(session, session_factory, standin, notify)

    async def scenario() -> list[str]:
        [reminder] = await notify.wait_for_sent_async(1, timeout=20)
        assert reminder.phone_number == PHONE and "Reply 1 for" in reminder.body
        for _ in range(200):  # the dispatcher keeps the text's choices just after the send
            with session_factory() as check:
                if chat_states.load(check, "sms", PHONE, datetime.now(UTC)).choices:
                    break
            await asyncio.sleep(0.05)
        answer = await notify.send_inbound_async(PHONE, "1", url=f"http://127.0.0.1:{port}{INBOUND_PATH}")
        assert answer.status_code == 204
        return [sms.body for sms in notify.sent[1:]]

    replies = run_serving(channel, scenario, 90)
    assert any("told your worker you will be there" in body for body in replies), replies
    with session_factory() as check:
        assert check.scalars(select(Appointment.status)).one() == "confirmed"
