"""The send budget processes share in PostgreSQL, and the sending lease, straight against the database."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from casefile import db, send_budget
from casefile.send_budget import BudgetLimits
from tests.support.postgres import create_postgres_database, drop_postgres_database, postgres_url


@pytest.fixture(scope="module")
def coordination() -> Iterator[Engine]:
    name = create_postgres_database()
    url = postgres_url(name)
    db.upgrade(url)
    engine = db.make_coordination_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        drop_postgres_database(name)


@pytest.mark.postgres
def test_reservations_are_spaced_by_the_rate_after_a_small_burst(coordination: Engine) -> None:
    limits = BudgetLimits(per_second=10.0, per_chat_gap=1.0, burst=3)
    moments: list[float] = []
    with coordination.connect() as connection:
        send_budget.open_budget(connection, "spacing")
        for n in range(8):
            wait = send_budget.reserve(connection, "spacing", f"chat-{n}", limits).wait
            assert wait is not None
            moments.append(time.monotonic() + max(0.0, wait))  # when this send may go, on this clock
    start = moments[0]
    assert all(moment - start < 0.05 for moment in moments[:3]), moments  # the burst goes at once
    # Then one slot every 100 ms, each reserved ahead of time, whatever the statements' own speed.
    gaps = [later - earlier for earlier, later in zip(moments[3:], moments[4:], strict=False)]
    assert all(gap == pytest.approx(0.1, abs=0.03) for gap in gaps), gaps


@pytest.mark.postgres
def test_a_chat_is_held_until_its_send_is_answered_then_spaced_by_the_gap(coordination: Engine) -> None:
    limits = BudgetLimits(per_second=1000.0, per_chat_gap=0.5, burst=1, hold=5.0)
    with coordination.connect() as connection:
        send_budget.open_budget(connection, "chats")
        first = send_budget.reserve(connection, "chats", "42", limits)
        in_flight = send_budget.reserve(connection, "chats", "42", limits)
        other = send_budget.reserve(connection, "chats", "43", limits)
        send_budget.sent(connection, "chats", "42", limits.per_chat_gap)
        answered = send_budget.reserve(connection, "chats", "42", limits)
    assert first.wait is not None and first.wait <= 0.01
    assert in_flight.wait is None and 4.9 < in_flight.chat_wait <= 5.0  # held while the first is on its way
    # The other chat goes straight after the first: a chat not ready holds no slot.
    assert other.wait is not None and other.wait <= 0.01
    assert answered.wait is None and 0.4 < answered.chat_wait <= 0.5  # the gap, counted from the answer


@pytest.mark.postgres
def test_a_pause_holds_every_send_back(coordination: Engine) -> None:
    limits = BudgetLimits(per_second=1000.0, per_chat_gap=0.1, burst=1)
    with coordination.connect() as connection:
        send_budget.open_budget(connection, "paused")
        send_budget.pause(connection, "paused", 3.0)
        held = send_budget.reserve(connection, "paused", "7", limits)
    assert held.wait is not None and 2.9 < held.wait <= 3.0


@pytest.mark.postgres
def test_a_missing_budget_row_is_made_on_first_use(coordination: Engine) -> None:
    limits = BudgetLimits(per_second=10.0, per_chat_gap=1.0)
    with coordination.connect() as connection:
        assert send_budget.reserve(connection, "new-budget", "1", limits).wait is not None


def test_only_one_process_holds_the_sending_lease_until_it_runs_out(db_url: str) -> None:
    engine, sessions = db.open_database(db_url)
    now = datetime(2027, 6, 9, 8, 30, tzinfo=UTC)
    lasts = timedelta(seconds=60)
    try:
        with sessions() as session:
            assert send_budget.hold_lease(session, "lease-test", "first", now, lasts) == "first"
            assert send_budget.hold_lease(session, "lease-test", "second", now, lasts) == "first"
            assert send_budget.hold_lease(session, "lease-test", "first", now + lasts / 2, lasts) == "first"
            # The holder stopped renewing (killed): once its lease ran out another takes it.
            later = now + lasts / 2 + lasts + timedelta(seconds=1)
            assert send_budget.hold_lease(session, "lease-test", "second", later, lasts) == "second"
            send_budget.release_lease(session, "lease-test", "second")
            assert send_budget.hold_lease(session, "lease-test", "third", later, lasts) == "third"
    finally:
        engine.dispose()
