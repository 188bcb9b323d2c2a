"""Two `signpost serve` and two `signpost reminders run` processes on PostgreSQL, sending as one bot.

Real subprocesses against the Telegram stand-in with its limits enforced. The limits are ten times
Telegram's (300 a second overall, 10 a second to a chat) and the processes are told so
(SIGNPOST_TELEGRAM_LIMITS), so the same code runs in seconds; bench/multiprocess.py runs the full
5,000 reminders and 2,000 replies at Telegram's own 30 a second.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from casefile import db
from tests.reminders.reminder_helpers import make_world
from tests.support.multiprocess import Fleet, Limits, WebhookFanOut, outbox_states, run_load
from tests.support.postgres import create_postgres_database, drop_postgres_database, postgres_url
from tests.support.telegram_standin import TelegramStandIn
from tests.support.telegram_standin.standin_objects import SentMessage

pytestmark = pytest.mark.postgres
LIMITS = Limits(overall=300, per_chat=10)
PEOPLE, PER_PERSON = 150, 4  # 600 reminders
REPLY_CHATS, PER_CHAT = 40, 5  # 200 replies
REMINDER_CHAT = 700_000
LEASE_SECONDS = 5  # claimed rows of a killed process are sent by another this soon


@dataclass
class Running:
    fleet: Fleet
    standin: TelegramStandIn
    sessions: sessionmaker[Session]


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    name = create_postgres_database()
    url = postgres_url(name)
    db.upgrade(url)
    engine, sessions = db.open_database(url)
    folder = tmp_path_factory.mktemp("multiprocess")
    try:
        with TelegramStandIn(enforce_limits=True, limits=LIMITS.standin()) as standin:
            fleet = Fleet(url, standin, Path(folder), LIMITS,
                          extra_env={"SIGNPOST_REMINDER_LEASE_SECONDS": str(LEASE_SECONDS)})
            fleet.serve("serve-a")
            fleet.serve("serve-b")
            fleet.dispatcher("dispatch-1")
            fleet.dispatcher("dispatch-2")
            try:
                fleet.wait_listening()
                yield Running(fleet, standin, sessions)
            finally:
                fleet.stop()
            for process in fleet.processes:
                assert "Traceback" not in process.output(), fleet.logs()
    finally:
        engine.dispose()
        drop_postgres_database(name)


def _newest(standin: TelegramStandIn, chat: int) -> SentMessage:
    """What the bot said last to `chat` (a webhook answered, so its replies have been sent)."""
    taken = [standin.pop(chat, timeout=5)]
    while True:
        try:
            taken.append(standin.pop(chat, timeout=0))
        except AssertionError:
            return taken[-1]


def test_a_chat_whose_messages_alternate_between_processes_books_an_appointment(running: Running) -> None:
    standin = running.standin
    with running.sessions() as session:
        world = make_world(session, number=1)
    chat = world.worker_chat
    fleet = running.fleet
    answered: list[str] = []

    async def flow() -> SentMessage:
        fan = WebhookFanOut([p for p in fleet.processes if p.port is not None])
        try:
            async def say(update: dict[str, object]) -> SentMessage:
                answered.append(await fan.deliver(update, len(answered)))
                return _newest(standin, chat)

            reply = await say(standin.message_update(chat, "/book"))
            reply = await say(standin.callback_update(reply, "Sam 1 (P-1)"))
            days = [label for label in reply.button_labels if label != "Stop"]
            reply = await say(standin.callback_update(reply, days[1]))  # tomorrow
            times = [label for label in reply.button_labels if label != "Stop"]
            reply = await say(standin.callback_update(reply, "10:30" if "10:30" in times else times[0]))
            assert "How long is it?" in reply.plain_text
            reply = await say(standin.callback_update(reply, "2 hours"))
            reply = await say(standin.message_update(chat, "Lewisham probation office, 2nd floor"))
            assert "What is the address?" in reply.plain_text
            reply = await say(standin.message_update(chat, "1 Lewisham High Street, SE13 6AA"))
            reply = await say(standin.callback_update_for_data(reply, "w:k:probation"))
            reply = await say(standin.message_update(chat, "Your licence letter"))
            assert "Please check this booking" in reply.plain_text and "How long: 2 hours" in reply.plain_text
            return await say(standin.callback_update(reply, "Yes, do it"))
        finally:
            await fan.close()

    done = asyncio.run(asyncio.wait_for(flow(), 120))
    assert "Booked for Sam 1" in done.plain_text
    # Every step went to the other process than the step before.
    assert all(first != second for first, second in zip(answered, answered[1:], strict=False)), answered
    assert set(answered) == {"serve-a", "serve-b"}


def test_replies_and_reminders_of_four_processes_keep_the_limits_and_survive_a_kill(running: Running) -> None:
    fleet = running.fleet
    running.standin.reset()
    serve_b = next(p for p in fleet.processes if p.name == "serve-b")
    result = asyncio.run(asyncio.wait_for(run_load(
        fleet, running.sessions, people=PEOPLE, per_person=PER_PERSON, reply_chats=REPLY_CHATS, per_chat=PER_CHAT,
        kill=serve_b, first_chat=REMINDER_CHAT), 240))
    print(f"\n{result.line()}; limit {LIMITS.overall} a second")
    assert result.count_429 == 0, fleet.logs()
    assert result.reminder_lost == 0 and result.reply_lost == 0
    assert result.reminder_copies <= result.rows_in_flight
    assert result.reply_copies <= result.updates_in_flight * result.per_update
    assert outbox_states(running.sessions) == {"sent": PEOPLE * PER_PERSON}
