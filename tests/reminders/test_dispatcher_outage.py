"""The dispatcher under a database outage: a real `signpost reminders run` process, a real PostgreSQL that
refuses connections for a few seconds in the middle of sending, and a stand-in Bot API over HTTP.

Before, the first database error ended the dispatcher for good while the bot went on answering.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from reminder_helpers import due_now_in_bulk
from test_crash_and_concurrency import deliveries, sent_count, start_dispatcher, stop, wait_until

from casefile import db
from tests.support.postgres import (
    admin_connection,
    create_postgres_database,
    drop_postgres_database,
    postgres_url,
)
from tests.support.telegram_standin import TelegramStandIn

REMINDERS = 300


@pytest.fixture(autouse=True)
def one_due_reminder_per_appointment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNPOST_REMINDER_OFFSETS", "90m")
    monkeypatch.setenv("SIGNPOST_QUIET_HOURS", "00:00-00:00")  # equal edges: no quiet hours on the real clock


@pytest.fixture
def own_database() -> Iterator[tuple[str, str]]:
    """A PostgreSQL database of this test's own, since the test takes it away from everyone for a while."""
    name = create_postgres_database()
    url = postgres_url(name)
    db.upgrade(url)
    try:
        yield name, url
    finally:
        drop_postgres_database(name)


def outage(name: str, seconds: float) -> None:
    """Refuse new connections to the database and end the open ones, then let them back after `seconds`."""
    with admin_connection() as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
    time.sleep(seconds)
    with admin_connection() as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


@pytest.mark.postgres
def test_a_database_outage_mid_batch_stops_nothing(own_database: tuple[str, str]) -> None:
    name, url = own_database
    engine = db.make_engine(url)
    sessions = db.session_factory(engine)
    try:
        with sessions() as session:
            due_now_in_bulk(session, people=REMINDERS // 5, per_person=5, real_now=datetime.now(UTC))
        with TelegramStandIn() as standin:
            process = start_dispatcher(url, standin, "outage", lease_seconds=3, batch=20)
            try:
                wait_until(lambda: len(standin.sent) >= 40, 60, "the first reminders to go")
                engine.dispose()  # our own connections go with the outage too
                outage(name, 4.0)
                wait_until(lambda: sent_count(sessions) == REMINDERS, 120, "every reminder marked sent")
                assert process.poll() is None, "the dispatcher is still running"
            finally:
                log = stop(process)
            seen = deliveries(standin)
        assert len(seen) == REMINDERS  # every reminder reached its chat...
        assert sum(seen.values()) - REMINDERS <= 20  # ...and only those in flight at the cut went twice
        assert "trying again" in log and "sending again after" in log and "Traceback" not in log
    finally:
        engine.dispose()
