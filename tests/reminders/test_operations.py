"""Operating `signpost serve`: its metrics listener answers /healthz and /metrics while it sends reminders and
replies to the Telegram stand-in, and its JSON logs of the whole flow name nobody and quote nothing.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from prometheus_client import REGISTRY
from reminder_helpers import CONTENT, Clock, Dispatch, book, chat_settings, due_now_in_bulk, make_world
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.core import Conversation
from bot.logs import configure_logging
from bot.serve import build_serve
from bot.settings import Settings
from casefile import staff
from casefile.actors import SystemActor
from casefile.models import ChatLink, Person, Worker
from glossary.live import LiveGlossary
from tests.support.telegram_standin import TelegramStandIn

WORKER_CHAT = 424243
PERSON_NAME, WORKER_NAME, WORKER_PHONE = "Zebedee Quartermaine", "Ottoline Prendergast", "07700 900456"
PERSON_REF = "X123456"  # the form of a probation case reference (CRN)
TYPED = "what does MAPPA mean, I am at 14 Acacia Avenue"
TELEGRAM_FIRST_NAME = "Zebedoo"


@pytest.fixture(autouse=True)
def due_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNPOST_REMINDER_OFFSETS", "90m")
    monkeypatch.setenv("SIGNPOST_QUIET_HOURS", "00:00-00:00")


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """The process's logging as `signpost serve` sets it with SIGNPOST_LOG_FORMAT=json, put back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    configure_logging("json", stream=stream)
    yield stream
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def counted(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_serve_answers_health_and_metrics_and_its_json_logs_hold_no_personal_data(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, json_logs: io.StringIO,
) -> None:
    [person_chat] = due_now_in_bulk(session, people=1, per_person=1, real_now=datetime.now(UTC))
    session.execute(update(Person).values(preferred_name=PERSON_NAME, ref=PERSON_REF))
    session.execute(update(Worker).values(name=WORKER_NAME, contact=WORKER_PHONE))
    worker_id = session.scalars(select(Worker.id)).one()
    session.add(ChatLink(channel="telegram", chat_id=str(WORKER_CHAT), worker_id=worker_id, linked_at=datetime.now(UTC)))
    session.commit()
    person_id = session.scalars(select(Person.id)).one()
    staff.assign_worker(session, SystemActor("tests"), person_id, worker_id, "Probation officer", True)

    port = free_port()
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": standin.token, "SIGNPOST_CONTENT_DIR": str(CONTENT),
                                  "SIGNPOST_TELEGRAM_API_URL": f"http://127.0.0.1:{standin.port}",
                                  "SIGNPOST_METRICS_LISTEN": f"127.0.0.1:{port}", "SIGNPOST_LOG_FORMAT": "json"})
    conversation = Conversation(CONTENT, session_factory, LiveGlossary(CONTENT), **chat_settings())
    channel = build_serve(settings, conversation, None)
    sent_before = counted("signpost_messages_sent_total", channel="telegram")
    replies_before = counted("signpost_reply_seconds_count", channel="telegram")

    async def scenario() -> tuple[httpx.Response, httpx.Response]:
        app = channel.application
        await app.initialize()
        assert app.post_init is not None and app.post_shutdown is not None and app.updater is not None
        await app.post_init(app)
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        await app.start()
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
                health = await client.get("/healthz")
                reminder = await standin.pop_async(person_chat, timeout=10)
                await asyncio.to_thread(standin.press_button, reminder, "I'll be there")
                assert "I have told your worker" in ((await standin.pop_async(person_chat, timeout=10)).text or "")
                assert "says they will be there" in ((await standin.pop_async(WORKER_CHAT, timeout=10)).text or "")
                await asyncio.to_thread(standin.push_message, person_chat, TYPED, first_name=TELEGRAM_FIRST_NAME)
                answer = await standin.pop_async(person_chat, timeout=10)
                assert "MAPPA" in (answer.text or "")
                page = await client.get("/metrics")
        finally:
            await app.updater.stop()
            await app.stop()
            await app.post_shutdown(app)
            await app.shutdown()
        return health, page

    health, page = asyncio.run(asyncio.wait_for(scenario(), 60))
    assert (health.status_code, health.json()["status"]) == (200, "ok")
    assert page.status_code == 200
    # Every message the stand-in took was counted, and the two answers (the button, the question) were timed.
    delivered = len([call for call in standin.calls if call.method.startswith("send")
                     and call.method != "sendChatAction"])
    assert delivered == 4
    assert counted("signpost_messages_sent_total", channel="telegram") - sent_before == delivered
    assert counted("signpost_reply_seconds_count", channel="telegram") - replies_before == 2
    assert 'signpost_outbox_messages{state="pending"}' in page.text

    lines = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    assert len(lines) >= 3
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    loggers = {line["logger"] for line in lines}
    assert {"bot.metrics_listener", "bot.serve", "bot.reminders.dispatcher"} <= loggers
    logged = json_logs.getvalue()
    for private in (PERSON_NAME, PERSON_REF, WORKER_NAME, WORKER_PHONE, TYPED, "Acacia", TELEGRAM_FIRST_NAME,
                    standin.token, str(person_chat)):
        assert private not in logged, private
        assert private not in page.text, private


def test_429s_refusals_and_failures_are_counted_by_channel_as_telegram_answered(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, clock: Clock,
) -> None:
    start = datetime(2027, 6, 11, 9, 30, tzinfo=UTC)
    worlds = [make_world(session, number=n) for n in (1, 2, 3)]
    for world in worlds:
        book(session, world, start)
    standin.block_chat(worlds[1].person_chat, notify=False)
    standin.fail_next("sendMessage", status=429, times=1, retry_after=1)
    clock.set(start - timedelta(minutes=90))  # the reminders' time (SIGNPOST_REMINDER_OFFSETS=90m here)
    before = {(name, reason): counted(name, channel="telegram", **({"reason": reason} if reason else {}))
              for name, reason in COUNTERS}
    dispatch = Dispatch(session_factory, standin, clock)
    stats = dispatch.once()
    assert (stats.sent, stats.blocked) == (2, 1)
    assert dispatch.once().sent == 1  # the lead told of the block
    book(session, worlds[0], start + timedelta(days=1), now=clock.now)
    clock.advance(days=1)
    standin.fail_next("sendMessage", status=502, times=1)
    assert dispatch.once().retried == 1

    after = {(name, reason): counted(name, channel="telegram", **({"reason": reason} if reason else {}))
             for name, reason in COUNTERS}
    assert {key: after[key] - before[key] for key in COUNTERS} == {
        ("signpost_messages_sent_total", None): 3,
        ("signpost_rate_limited_total", None): standin.count_429,
        ("signpost_send_failures_total", "blocked"): 1,
        ("signpost_send_failures_total", "server_error"): 1,
    }
    assert standin.count_429 == 1


COUNTERS = (("signpost_messages_sent_total", None), ("signpost_rate_limited_total", None),
            ("signpost_send_failures_total", "blocked"), ("signpost_send_failures_total", "server_error"))


def test_reminders_run_serves_the_listener_while_it_runs_and_says_plainly_when_its_address_is_taken(
    db_url: str, session: Session, standin: TelegramStandIn, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], json_logs: io.StringIO,
) -> None:
    from bot.cli import main

    [chat] = due_now_in_bulk(session, people=1, per_person=1, real_now=datetime.now(UTC))
    for name, value in {"TELEGRAM_BOT_TOKEN": standin.token, "DATABASE_URL": db_url,
                        "SIGNPOST_TELEGRAM_API_URL": f"http://127.0.0.1:{standin.port}"}.items():
        monkeypatch.setenv(name, value)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        monkeypatch.setenv("SIGNPOST_METRICS_LISTEN", f"127.0.0.1:{taken.getsockname()[1]}")
        assert main(["reminders", "run", "--once"]) == 2
    said = capsys.readouterr()
    assert "Cannot listen on 127.0.0.1:" in said.err and "SIGNPOST_METRICS_LISTEN" in said.err
    assert "Traceback" not in said.err
    standin.assert_nothing_sent(chat, within=0.1)

    monkeypatch.setenv("SIGNPOST_METRICS_LISTEN", f"127.0.0.1:{free_port()}")
    assert main(["reminders", "run", "--once"]) == 0
    assert "Sent 1," in capsys.readouterr().out
    assert standin.pop(chat).text
