"""Several processes sending as one bot: two `signpost serve` and two `signpost reminders run` on PostgreSQL.

Run: .venv/bin/python -m bench.multiprocess [--quick] [--scale N]
Against the Telegram stand-in with Telegram's limits enforced (30 a second overall, 1 a second to a
chat), 5,000 reminders due now and 2,000 replies (200 chats sending "/start" 10 times each, every
update of a chat to the other serve process than the one before), one serve process killed (-9) when
40% of the messages have gone. Prints what was sent, 429s, lost, copies (beside those in flight at
the kill) and sends a second beside the target of 29.5 (SIGNPOST_SEND_PER_SECOND's default, the
ceiling the shared budget paces to). --scale N multiplies the limits (and the processes' budget) by N,
as tests/reminders/test_multiprocess.py does with 10; --quick sends a tenth as much.

Also measured in the same run: the shared budget's cost for one send (casefile/send_budget.py: one
statement reserves the moment, one notes the answer) against the named floor of a primary-key read
of one row on the same database, and against the 34 ms a send may take at 29.5 a second.
Nothing is asserted; PostgreSQL must be reachable at 127.0.0.1:5432.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from casefile import db, send_budget
from casefile.send_budget import BudgetLimits
from tests.support.multiprocess import Fleet, Limits, refusals, run_load
from tests.support.postgres import create_postgres_database, drop_postgres_database, postgres_url
from tests.support.telegram_standin import TelegramStandIn

TARGET_PER_SECOND = 29.5
STATEMENTS = 2_000


def statement_costs(url: str) -> tuple[float, float]:
    """Median milliseconds of the shared budget's work for one send (reserve, then note the answer), and of
    one primary-key read (the floor)."""
    engine = db.make_coordination_engine(url)
    limits = BudgetLimits(per_second=1e9, per_chat_gap=0.0)  # never waits: the statement alone
    try:
        with engine.connect() as connection:
            send_budget.open_budget(connection, "bench")
            reserve, read = [], []
            for n in range(STATEMENTS):
                started = time.perf_counter()
                send_budget.reserve(connection, "bench", str(n), limits)
                send_budget.sent(connection, "bench", str(n), limits.per_chat_gap)
                reserve.append(time.perf_counter() - started)
                started = time.perf_counter()
                connection.execute(text("SELECT next_slot FROM send_budgets WHERE name = 'bench'")).scalar()
                read.append(time.perf_counter() - started)
        return statistics.median(reserve) * 1000, statistics.median(read) * 1000
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a tenth of the messages")
    parser.add_argument("--scale", type=int, default=1, help="multiply Telegram's limits by this (1)")
    parser.add_argument("--no-kill", action="store_true", help="kill no process")
    args = parser.parse_args()
    people, reply_chats = (100, 20) if args.quick else (1000, 200)
    limits = Limits(overall=30 * args.scale, per_chat=args.scale)
    name = create_postgres_database()
    url = postgres_url(name)
    try:
        db.upgrade(url)
        reserve_ms, read_ms = statement_costs(url)
        print(f"The shared budget's work for one send (two statements): {reserve_ms:.2f} ms median "
              f"(floor, a primary-key read: {read_ms:.2f} ms; {reserve_ms / read_ms:.1f}x the floor; "
              f"{reserve_ms / (1000 / TARGET_PER_SECOND) * 100:.1f}% of the time one send may take at "
              f"{TARGET_PER_SECOND:g} a second)")
        engine, sessions = db.open_database(url)
        with tempfile.TemporaryDirectory() as folder, \
                TelegramStandIn(enforce_limits=True, limits=limits.standin()) as standin:
            # A claimed batch can wait its turn for a while at 30 a second; claims are renewed meanwhile,
            # and a killed process's claims are free again after this.
            fleet = Fleet(url, standin, Path(folder), limits, extra_env={"SIGNPOST_REMINDER_LEASE_SECONDS": "15"})
            fleet.serve("serve-a")
            serve_b = fleet.serve("serve-b")
            fleet.dispatcher("dispatch-1")
            fleet.dispatcher("dispatch-2")
            try:
                fleet.wait_listening()
                result = asyncio.run(run_load(fleet, sessions, people=people, per_person=5,
                                              reply_chats=reply_chats, per_chat=10,
                                              kill=None if args.no_kill else serve_b,
                                              most_seconds=1200))
            finally:
                fleet.stop()
            engine.dispose()
            per_chat, overall, shortest = refusals(standin)
        target = TARGET_PER_SECOND * args.scale
        print(f"Limits: {limits.overall} a second overall, {limits.per_chat} a second to a chat; "
              f"2 serve + 2 dispatcher processes, serve-b killed at 40%")
        print(f"Sent: {result.sent} ({result.reminders} reminders, {result.replies} replies x "
              f"{result.per_update} message(s), 1 calibration update)")
        print(f"429s: {result.count_429} (target 0): {per_chat} within a second of the chat's last message, "
              f"{overall} not; shortest gap between two messages one chat took: {shortest:.3f} s")
        print(f"Lost: reminders {result.reminder_lost}, replies {result.reply_lost} (target 0)")
        print(f"Copies: reminders {result.reminder_copies} (in flight at the kill: {result.rows_in_flight}), "
              f"replies {result.reply_copies} (updates in flight at the kill: {result.updates_in_flight})")
        print(f"Sends a second: {result.per_second:.1f} over {result.seconds:.1f} s "
              f"(target {target:g}; {result.per_second / target:.2f}x the target)")
    finally:
        drop_postgres_database(name)


if __name__ == "__main__":
    main()
