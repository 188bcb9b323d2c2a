"""Durability: a dispatcher killed mid-batch loses nothing; two dispatchers never send a row twice.

Real dispatcher processes (`signpost reminders run`) against the stand-in over HTTP, on the real clock.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from reminder_helpers import due_now_in_bulk, empty_postgres
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import REPO_ROOT
from casefile import db
from casefile.models import OutboxMessage
from tests.support.telegram_standin import TelegramStandIn

BATCH = 20


@pytest.fixture(autouse=True)
def one_due_reminder_per_appointment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNPOST_REMINDER_OFFSETS", "90m")
    monkeypatch.setenv("SIGNPOST_QUIET_HOURS", "00:00-00:00")  # equal edges: no quiet hours on the real clock


# On PostgreSQL the dispatchers share one send budget at Telegram's limits; this stand-in enforces none,
# so they are told it allows ten times as much, and the test takes seconds.
STANDIN_LIMITS = {"SIGNPOST_TELEGRAM_LIMITS": "300,10", "SIGNPOST_SEND_PER_SECOND": "295"}


def start_dispatcher(db_url: str, standin: TelegramStandIn, name: str, lease_seconds: int = 2,
                     batch: int = BATCH, content_dir: Path | None = None,
                     limits: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **(limits or {}),
        "DATABASE_URL": db_url,
        "TELEGRAM_BOT_TOKEN": standin.token,
        "SIGNPOST_TELEGRAM_API_URL": f"http://127.0.0.1:{standin.port}",
        "SIGNPOST_REMINDER_LEASE_SECONDS": str(lease_seconds),
    }
    if content_dir is not None:
        env["SIGNPOST_CONTENT_DIR"] = str(content_dir)
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "reminders", "run", "--batch", str(batch), "--name", name],
        cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


def sent_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).where(OutboxMessage.state == "sent")) or 0)


def wait_until(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(0.05)


def stop(process: subprocess.Popen[bytes]) -> str:
    process.send_signal(signal.SIGTERM)
    _out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err.decode()
    return err.decode()


def deliveries(standin: TelegramStandIn) -> Counter[tuple[str, str]]:
    return Counter((str(message.chat_id), message.text or "") for message in standin.sent)


def test_sigkill_mid_batch_then_restart_sends_every_reminder(
    db_url: str, session: Session, session_factory: sessionmaker[Session],
) -> None:
    due_now_in_bulk(session, people=50, per_person=10, real_now=datetime.now(UTC))
    # A little latency per request, so the kill lands while a batch is in flight.
    with TelegramStandIn(latency=0.01) as standin:
        first = start_dispatcher(db_url, standin, "first")
        try:
            standin.wait_for("sendMessage", count=150, timeout=30)
        finally:
            first.kill()  # SIGKILL: no clean-up, its claimed rows stay claimed until the lease ends
            first.wait(timeout=10)
        assert first.returncode == -signal.SIGKILL
        sent_before = sent_count(session_factory)
        assert sent_before < 500, "the first dispatcher finished before the kill; nothing was tested"

        second = start_dispatcher(db_url, standin, "second")
        try:
            wait_until(lambda: sent_count(session_factory) == 500, 60, "all 500 reminders marked sent")
        finally:
            stop(second)
        seen = deliveries(standin)
    assert len(seen) == 500  # every reminder arrived
    twice = sum(count - 1 for count in seen.values())
    print(f"\nSIGKILL after {sent_before} marked sent: {twice} reminder(s) sent twice (at most {BATCH} in flight)")
    assert twice <= BATCH


@pytest.fixture
def postgres_url(_postgresql_database: str) -> Iterator[str]:
    """The session's PostgreSQL database, emptied: this test is about PostgreSQL only."""
    engine = db.make_engine(_postgresql_database)
    try:
        empty_postgres(engine)
    finally:
        engine.dispose()
    yield _postgresql_database


@pytest.mark.postgres
def test_two_dispatcher_processes_on_postgresql_send_each_reminder_once(postgres_url: str) -> None:
    engine = db.make_engine(postgres_url)
    session_factory = db.session_factory(engine)
    try:
        with session_factory() as session:
            due_now_in_bulk(session, people=300, per_person=2, real_now=datetime.now(UTC))
        _two_dispatchers(postgres_url, session_factory)
    finally:
        engine.dispose()


def _two_dispatchers(db_url: str, session_factory: sessionmaker[Session]) -> None:
    with TelegramStandIn() as standin:
        processes = [start_dispatcher(db_url, standin, name, lease_seconds=60, batch=100, limits=STANDIN_LIMITS)
                     for name in ("alpha", "beta")]
        try:
            wait_until(lambda: sent_count(session_factory) == 600, 90, "all 600 reminders marked sent")
        finally:
            for process in processes:
                stop(process)
        seen = deliveries(standin)
    assert len(seen) == 600 and set(seen.values()) == {1}
    with session_factory() as check:
        by_dispatcher = dict(check.execute(select(OutboxMessage.claimed_by, func.count())
                                           .group_by(OutboxMessage.claimed_by)).all())
    assert set(by_dispatcher) == {"alpha", "beta"}, by_dispatcher  # both really took part
