"""`signpost serve` runs the dispatcher too: a due reminder arrives, its button is answered, the worker hears."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from reminder_helpers import CONTENT, chat_settings, due_now_in_bulk
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.core import Conversation
from bot.serve import build_serve
from bot.settings import Settings
from casefile import staff
from casefile.actors import SystemActor
from casefile.models import ChatLink, Worker
from glossary.live import LiveGlossary
from tests.support.telegram_standin import TelegramStandIn

WORKER_CHAT = 424242


@pytest.fixture(autouse=True)
def due_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNPOST_REMINDER_OFFSETS", "90m")
    monkeypatch.setenv("SIGNPOST_QUIET_HOURS", "00:00-00:00")


def test_serve_sends_reminders_and_passes_answers_to_the_worker(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn,
) -> None:
    [person_chat] = due_now_in_bulk(session, people=1, per_person=1, real_now=datetime.now(UTC))
    worker_id = session.scalars(select(Worker.id)).one()
    session.add(ChatLink(channel="telegram", chat_id=str(WORKER_CHAT), worker_id=worker_id,
                         linked_at=datetime.now(UTC)))
    session.commit()
    person_id = session.scalars(select(ChatLink.person_id).where(ChatLink.person_id.is_not(None))).one()
    staff.assign_worker(session, SystemActor("tests"), person_id, worker_id, "Probation officer", True)

    conversation = Conversation(CONTENT, session_factory, LiveGlossary(CONTENT), **chat_settings())
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": standin.token, "SIGNPOST_CONTENT_DIR": str(CONTENT),
                                  "SIGNPOST_TELEGRAM_API_URL": f"http://127.0.0.1:{standin.port}"})
    channel = build_serve(settings, conversation, None)

    async def scenario() -> None:
        app = channel.application
        await app.initialize()
        assert app.post_init is not None and app.post_shutdown is not None
        await app.post_init(app)
        assert {c["command"] for c in standin.commands()} >= {"start", "menu", "stop"}
        assert standin.commands("cy")  # the menu is set in each language too
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        await app.start()
        try:
            reminder = await standin.pop_async(person_chat, timeout=10)
            # The appointment is minutes away on the real clock, which may just have passed midnight in London.
            assert (reminder.text or "").startswith(("Reminder: appointment today at", "Reminder: appointment tomorrow at"))
            await asyncio.to_thread(standin.press_button, reminder, "I'll be there")
            confirmed = await standin.pop_async(person_chat, timeout=10)
            assert "I have told your worker you will be there" in (confirmed.text or "")
            notice = await standin.pop_async(WORKER_CHAT, timeout=10)
            assert "says they will be there" in (notice.text or "")
        finally:
            await app.updater.stop()
            await app.stop()
            await app.post_shutdown(app)
            await app.shutdown()

    asyncio.run(asyncio.wait_for(scenario(), 60))


def test_serve_starts_the_dispatcher_again_if_it_ever_stops(monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    import asyncio

    from bot import serve

    monkeypatch.setattr(serve, "RESTART_FIRST_SECONDS", 0.01)

    class Flaky:
        """Stands in for a Dispatcher whose loop dies twice (a bug, say), then runs until told to stop."""

        name = "flaky"
        runs = 0

        async def run(self, stop: asyncio.Event) -> None:
            self.runs += 1
            if self.runs == 1:
                raise RuntimeError("a bug in the loop")
            if self.runs == 2:
                return  # stopped by itself, without being asked
            await stop.wait()

    async def scenario() -> int:
        task = serve.DispatcherTask()
        flaky = Flaky()
        task.start(flaky)
        for _ in range(200):
            if flaky.runs >= 3:
                break
            await asyncio.sleep(0.01)
        await task.stop()
        return flaky.runs

    assert asyncio.run(scenario()) == 3
    assert "stopped with an error; starting it again" in caplog.text
    assert "stopped by itself; starting it again" in caplog.text
