"""/healthz and /metrics: what they answer on a healthy case file, and on one that is away, stuck or outdated."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.health import health_routes
from bot.metrics import OutboxCollector, metrics_routes
from bot.metrics_listener import CannotListen, MetricsListener, metrics_listener
from bot.settings import Settings
from casefile import db
from casefile.models import OutboxMessage
from console.app import create_app
from tests.casefile.factories import make_person
from tests.console.console_helpers import FAST_HASHER, shared_glossary
from tests.support.postgres import (
    POSTGRES_HOST,
    POSTGRES_PORT,
    POSTGRES_USER,
    create_postgres_database,
    drop_postgres_database,
    postgres_url,
)

NOW = datetime(2027, 6, 9, 8, 30, tzinfo=UTC)
TOKEN = "metrics-token-for-the-tests-0123456789"


def health_client(sessions: sessionmaker[Session], timeout: float = 2.0) -> TestClient:
    return TestClient(Starlette(routes=health_routes(sessions, timeout=timeout)))


def console(engine: Engine, db_url: str, **env: str) -> TestClient:
    settings = Settings.from_env({"DATABASE_URL": db_url, "SIGNPOST_WEB_SECRET": "x" * 32, **env})
    return TestClient(create_app(settings, engine=engine, hasher=FAST_HASHER, glossary=shared_glossary()))


def test_the_console_answers_healthz_and_serves_metrics_only_with_its_token(engine: Engine, db_url: str) -> None:
    with console(engine, db_url) as client:
        answer = client.get("/healthz")
        assert (answer.status_code, answer.json()) == (200, {"status": "ok", "checks": {"database": "ok"}})
        assert client.get("/metrics").status_code == 404  # no token set: not served at all
    with console(engine, db_url, SIGNPOST_METRICS_TOKEN=TOKEN) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer not-the-token"}).status_code == 401
        page = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/plain")
        for name in ("signpost_database_up 1.0", 'signpost_outbox_messages{state="pending"} 0.0',
                     "signpost_outbox_due 0.0", "signpost_outbox_overdue 0.0", "# TYPE signpost_messages_sent_total",
                     "# TYPE signpost_reply_seconds histogram", "# TYPE signpost_rate_limited_total"):
            assert name in page.text


def outbox_row(person_id: int, state: str, due_at: datetime, lease_until: datetime | None = None) -> OutboxMessage:
    return OutboxMessage(kind="appointment_reminder", person_id=person_id, due_at=due_at, state=state,
                         lease_until=lease_until, claimed_by="d1" if state == "claimed" else None, created_at=NOW)


def test_queue_due_and_overdue_are_read_from_the_outbox_and_kept_for_a_few_seconds(
    session: Session, session_factory: sessionmaker[Session],
) -> None:
    person = make_person(session)
    session.add_all([
        outbox_row(person.id, "pending", NOW - timedelta(seconds=10)),  # due
        outbox_row(person.id, "pending", NOW - timedelta(minutes=20)),  # due, and overdue
        outbox_row(person.id, "pending", NOW + timedelta(hours=1)),  # not yet
        outbox_row(person.id, "claimed", NOW - timedelta(minutes=1), lease_until=NOW + timedelta(seconds=30)),
        outbox_row(person.id, "claimed", NOW - timedelta(minutes=9), lease_until=NOW - timedelta(seconds=5)),
        outbox_row(person.id, "sent", NOW - timedelta(days=1)),
        outbox_row(person.id, "failed", NOW - timedelta(days=1)),
    ])
    session.commit()
    collector = OutboxCollector(session_factory, cache_seconds=60, clock=lambda: NOW)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    value = registry.get_sample_value
    assert value("signpost_outbox_messages", {"state": "pending"}) == 3
    assert value("signpost_outbox_messages", {"state": "claimed"}) == 2
    # Due: what a dispatcher may take now (pending and due, or claimed with the lease run out).
    assert value("signpost_outbox_due") == 3
    assert value("signpost_outbox_overdue") == 2  # due more than 5 minutes ago, not sent: 20 and 9 minutes
    assert value("signpost_outbox_oldest_due_seconds") == pytest.approx(20 * 60)
    assert value("signpost_database_up") == 1

    session.add(outbox_row(person.id, "pending", NOW - timedelta(seconds=1)))
    session.commit()
    assert value("signpost_outbox_messages", {"state": "pending"}) == 3  # the cached figures
    assert collector.queries == 1
    collector.cache_seconds = 0
    assert value("signpost_outbox_messages", {"state": "pending"}) == 4
    assert collector.queries == 2


def test_healthz_says_which_check_failed_without_the_errors_words(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on: the database server is away
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    away = db.session_factory(db.make_engine(f"postgresql+psycopg://postgres:secret@127.0.0.1:{port}/signpost"))
    answer = health_client(away).get("/healthz")
    assert answer.status_code == 503
    assert answer.json() == {"status": "failing", "checks": {"database": "cannot read the database (OperationalError)"}}

    outdated = tmp_path / "outdated.db"
    with sqlite3.connect(outdated) as made:
        made.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        made.execute("INSERT INTO alembic_version VALUES ('0009_older')")
    answer = health_client(db.session_factory(db.make_engine(f"sqlite:///{outdated}"))).get("/healthz")
    assert answer.status_code == 503
    assert "the schema is 0009_older" in answer.json()["checks"]["database"]
    assert "signpost db upgrade" in answer.json()["checks"]["database"]


@pytest.mark.postgres
def test_healthz_gives_a_stuck_database_its_time_limit_and_starts_no_second_wait() -> None:
    name = create_postgres_database()
    engine = db.make_engine(postgres_url(name))
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
            connection.exec_driver_sql(f"INSERT INTO alembic_version VALUES ('{db.head_revision()}')")
        client = health_client(db.session_factory(engine), timeout=0.3)
        assert client.get("/healthz").status_code == 200
        with psycopg.connect(host=POSTGRES_HOST, port=POSTGRES_PORT, user=POSTGRES_USER, dbname=name) as locker:
            locker.execute("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE")  # held until the block ends
            first = client.get("/healthz")
            second = client.get("/healthz")
        assert (first.status_code, first.json()["checks"]["database"]) == (
            503, "the database did not answer within 0.3 s")
        assert (second.status_code, second.json()["checks"]["database"]) == (
            503, "the last check has not finished (more than 0.3 s)")
        for _try in range(50):  # the stuck read finishes once the lock goes; then all is well again
            if client.get("/healthz").status_code == 200:
                break
            threading.Event().wait(0.05)
        assert client.get("/healthz").json() == {"status": "ok", "checks": {"database": "ok"}}
    finally:
        engine.dispose()
        drop_postgres_database(name)


def test_metrics_on_their_own_route_ask_for_the_token_when_one_is_set(session_factory: sessionmaker[Session]) -> None:
    open_page = TestClient(Starlette(routes=metrics_routes(session_factory, None))).get("/metrics")
    assert open_page.status_code == 200 and "signpost_outbox_due" in open_page.text
    guarded = TestClient(Starlette(routes=metrics_routes(session_factory, TOKEN)))
    assert guarded.get("/metrics").status_code == 401
    assert guarded.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_the_metrics_listener_serves_in_the_loop_it_is_started_in_and_says_at_once_when_its_port_is_taken(
    session_factory: sessionmaker[Session],
) -> None:
    async def scenario() -> None:
        async with metrics_listener(session_factory, ("127.0.0.1", 0), TOKEN) as listener:
            assert isinstance(listener, MetricsListener)
            base = f"http://127.0.0.1:{listener.port}"
            async with httpx.AsyncClient(base_url=base, timeout=10) as client:
                assert (await client.get("/healthz")).json()["status"] == "ok"
                assert (await client.get("/metrics")).status_code == 401
                page = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
                assert "signpost_outbox_due" in page.text
            with pytest.raises(CannotListen, match=f"Cannot listen on 127.0.0.1:{listener.port} .*SIGNPOST_METRICS_LISTEN"):
                await MetricsListener(session_factory, ("127.0.0.1", listener.port), None).start()
            port = listener.port
        with socket.socket() as probe:  # stopped: the port is free again
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(("127.0.0.1", port))
        async with metrics_listener(session_factory, None, None) as nothing:
            assert nothing is None

    asyncio.run(asyncio.wait_for(scenario(), 30))
