"""`signpost serve` with Notify set up: a due reminder goes by Telegram and by text, and a receipt comes back."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from reminder_helpers import CONTENT, chat_settings, due_now_in_bulk
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.sms_receipts import RECEIPTS_PATH
from bot.conversation.core import Conversation
from bot.serve import build_serve
from bot.settings import Settings
from casefile.models import ChatLink, OutboxMessage
from glossary.live import LiveGlossary
from tests.support.notify_standin import NotifyStandIn
from tests.support.telegram_standin import TelegramStandIn

PHONE = "+447700900555"


@pytest.fixture(autouse=True)
def due_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNPOST_REMINDER_OFFSETS", "90m")
    monkeypatch.setenv("SIGNPOST_QUIET_HOURS", "00:00-00:00")


@pytest.fixture
def notify() -> Iterator[NotifyStandIn]:
    with NotifyStandIn() as server:
        yield server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_texts_reminders_and_takes_notifys_delivery_receipts(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, notify: NotifyStandIn,
) -> None:
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
    channel = build_serve(settings, conversation, None)

    async def scenario() -> int:
        app = channel.application
        await app.initialize()
        assert app.post_init is not None and app.post_shutdown is not None
        await app.post_init(app)
        try:
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
        finally:
            await app.post_shutdown(app)
            await app.shutdown()

    assert asyncio.run(asyncio.wait_for(scenario(), 60)) == 204
    with session_factory() as check:
        row = check.scalars(select(OutboxMessage)).one()
    assert (row.state, row.sms_state, row.sms_fragments) == ("sent", "delivered", 1)
