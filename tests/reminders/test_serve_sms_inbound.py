"""`signpost serve` with Notify set up takes received texts on its callback server: a reminder texted by
the dispatcher is answered with "1", the reply goes back through Notify, and the appointment is confirmed."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from reminder_helpers import CONTENT, chat_settings, due_now_in_bulk
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.sms import INBOUND_PATH
from bot.conversation import state as chat_states
from bot.conversation.core import Conversation
from bot.serve import build_serve
from bot.settings import Settings
from casefile.models import Appointment, ChatLink
from glossary.live import LiveGlossary
from tests.support.notify_standin import NotifyStandIn
from tests.support.telegram_standin import TelegramStandIn

PHONE = "+447700900556"


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


def test_serve_answers_a_texted_reminder_through_its_callback_server(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, notify: NotifyStandIn,
) -> None:
    due_now_in_bulk(session, people=1, per_person=1, real_now=datetime.now(UTC))
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

    async def scenario() -> list[str]:
        app = channel.application
        await app.initialize()
        assert app.post_init is not None and app.post_shutdown is not None
        await app.post_init(app)
        try:
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
        finally:
            await app.post_shutdown(app)
            await app.shutdown()

    replies = asyncio.run(asyncio.wait_for(scenario(), 90))
    assert any("told your worker you will be there" in body for body in replies), replies
    with session_factory() as check:
        assert check.scalars(select(Appointment.status)).one() == "confirmed"
