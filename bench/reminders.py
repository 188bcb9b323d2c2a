"""Reminders: scheduling cost, dispatcher throughput, and the sustained rate within Telegram's limits.

Run: .venv/bin/python -m bench.reminders [--quick]
Prints figures beside the issue's targets, and ratios against baselines measured in the same run:
  1. Scheduling reminders for 100,000 appointments (SQLite), against inserting the same appointments
     with no reminders.
  2. Dispatcher throughput against an unthrottled stand-in (in its own process) on SQLite and
     PostgreSQL: reminders/s end to end, and our own work per reminder (claim, check, word, mark)
     against the target of at most 1 ms. Two senders: the product's PTB sender with its Pacer set
     to the stand-in's (absent) limits, at 64 in flight (the named baseline), and the benchmark's
     lean keep-alive sender (bench/lean_sender.py), which takes the transport nearly out of the
     figure. Bare sends of each, with no database, in the same run, show what the transport alone
     allows, so the dispatcher's own cost per reminder is the difference.
  3. Sustained rate with limits enforced over 60 s to 60 chats (target at least 29/s, zero 429s).
Nothing is asserted; PostgreSQL is skipped with a note if it is not reachable.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from bench.lean_sender import BotApiSender
from bot.reminders.compose import Composer
from bot.reminders.dispatcher import Dispatcher, DispatchSettings
from bot.reminders.pacing import PaceLimits, Pacer
from bot.reminders.sender import TelegramSender, make_bot
from bot.settings import REPO_ROOT, Settings
from casefile import db, outbox
from casefile.models import Agency, Appointment, ChatLink, Person, Worker
from tests.support.telegram_standin import DEFAULT_TOKEN, TelegramStandIn

CONTENT = REPO_ROOT / "content"
# The documented defaults (24h,2h before; quiet 21:00-08:00), whatever the shell has set.
POLICY = Settings.built_in().reminder_policy
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/"


def fresh_sqlite(folder: Path, name: str) -> str:
    url = f"sqlite:///{folder / name}"
    db.upgrade(url)
    return url


def fresh_postgres() -> tuple[str, str] | None:
    try:
        import psycopg

        name = f"signpost_bench_{secrets.token_hex(4)}"
        with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True,
                             connect_timeout=3) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # noqa: BLE001 - a benchmark note, not a failure
        print(f"  PostgreSQL not reachable ({type(exc).__name__}): skipped")
        return None
    url = PG + name
    db.upgrade(url)
    return url, name


def drop_postgres(name: str) -> None:
    import psycopg

    with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def people_and_worker(session: Session, count: int, first_chat: int, now: datetime) -> tuple[int, list[int]]:
    agency = Agency(name="Bench Probation", short_name=f"B{first_chat}")
    session.add(agency)
    session.flush()
    worker = Worker(ref=f"W-B{first_chat}", agency_id=agency.id, name="Dee", role="Probation officer")
    session.add(worker)
    ids = []
    for number in range(count):
        person = Person(ref=f"P-B{first_chat + number}", preferred_name=f"Sam {number}", created_at=now)
        session.add(person)
        session.flush()
        ids.append(person.id)
        session.add(ChatLink(channel="telegram", chat_id=str(first_chat + number), person_id=person.id,
                             linked_at=now))
    session.flush()
    return worker.id, ids


# -- 1. scheduling -------------------------------------------------------------------------------------
def bench_scheduling(folder: Path, total: int) -> None:
    print(f"\n1. Scheduling reminders for {total:,} appointments (SQLite, 24h and 2h, quiet hours on)")
    now = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)
    timings = {}
    for with_reminders in (False, True):
        sessions = db.session_factory(db.make_engine(fresh_sqlite(folder, f"schedule-{with_reminders}.db")))
        with sessions() as session:
            worker_id, person_ids = people_and_worker(session, 1000, 1, now)
            session.commit()
            started = time.perf_counter()
            people = {p.id: p for p in session.query(Person)}
            for number in range(total):
                person_id = person_ids[number % len(person_ids)]
                appointment = Appointment(
                    person_id=person_id, worker_id=worker_id,
                    starts_at=now + timedelta(days=1 + number % 60, minutes=30 * (number % 20)),
                    minutes=60, place="Office", address="", kind="probation", bring="", status="booked",
                    created_at=now, updated_at=now)
                session.add(appointment)
                if with_reminders:
                    session.flush()
                    outbox.schedule_appointment(session, appointment, now, policy=POLICY, person=people[person_id])
                else:
                    session.flush()  # the same one-by-one flush, so only the reminders differ
                if number % 5000 == 4999:
                    session.commit()
            session.commit()
            timings[with_reminders] = time.perf_counter() - started
    base, ours = timings[False], timings[True]
    print(f"  appointments only (baseline): {base:6.1f} s")
    print(f"  appointments + reminders:     {ours:6.1f} s  ({ours / base:.2f}x baseline; "
          f"reminders add {(ours - base) / total * 1e6:.0f} µs per appointment)")


# -- 2. throughput -------------------------------------------------------------------------------------
class StandInProcess:
    """The stand-in in its own process, so its work does not share our interpreter's lock."""

    def __init__(self) -> None:
        code = ("import sys,time;from tests.support.telegram_standin import TelegramStandIn;"
                "s=TelegramStandIn().start();print(s.port,flush=True);sys.stdin.read();s.stop()")
        self.process = subprocess.Popen([sys.executable, "-c", code], cwd=REPO_ROOT, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        self.url = f"http://127.0.0.1:{int(self.process.stdout.readline())}"

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=10)


def due_reminders(sessions: sessionmaker[Session], count: int, chats: int, now: datetime) -> None:
    with sessions() as session:
        worker_id, person_ids = people_and_worker(session, chats, 10_000, now)
        for number in range(count):
            appointment = Appointment(
                person_id=person_ids[number % chats], worker_id=worker_id,
                starts_at=now + timedelta(hours=1, seconds=number), minutes=30, place="Office", address="",
                kind="probation", bring="", status="booked", created_at=now, updated_at=now)
            session.add(appointment)
            session.flush()
            session.add(outbox.OutboxMessage(
                kind="appointment_reminder", person_id=appointment.person_id, appointment_id=appointment.id,
                offset_minutes=60, ref_starts_at=appointment.starts_at, due_at=now, state="pending", attempts=0,
                body="", payload={}, created_by="bench", created_at=now))
        session.commit()


PTB_CONCURRENCY = 64
LEAN_CONNECTIONS = 16
# The stand-in in section 2 enforces nothing: pace so that only the transport and our work are measured.
UNTHROTTLED = PaceLimits(per_second=1_000_000.0, burst=1_000_000, per_chat_gap=0.0)


async def bare_sends(url: str, count: int, concurrency: int) -> float:
    bot = make_bot(DEFAULT_TOKEN, url)
    async with bot:
        limit = asyncio.Semaphore(concurrency)

        async def one(number: int) -> None:
            async with limit:
                await bot.send_message(chat_id=10_000 + number % 200, text=f"Reminder number {number}")

        started = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(count)))
        return time.perf_counter() - started


async def bare_lean_sends(url: str, count: int, connections: int) -> float:
    async with BotApiSender(url, DEFAULT_TOKEN, connections=connections) as sender:
        started = time.perf_counter()
        results = await asyncio.gather(*(sender.send(str(10_000 + n % 200), f"Reminder number {n}", ())
                                         for n in range(count)))
        elapsed = time.perf_counter() - started
    not_sent = [result for result in results if result.message_id is None]
    if not_sent:
        print(f"  ({len(not_sent)} bare lean sends did not go: {not_sent[0].error})")
    return elapsed


async def dispatch_all(sessions: sessionmaker[Session], url: str, concurrency: int,
                       lean: bool = False) -> tuple[float, float, int]:
    own = {"seconds": 0.0}
    originals = {name: getattr(Dispatcher, name) for name in ("claim", "prepare", "finish")}
    for name, original in originals.items():

        def timed(self, *args, _original=original, **kwargs):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            try:
                return _original(self, *args, **kwargs)
            finally:
                own["seconds"] += time.perf_counter() - started

        setattr(Dispatcher, name, timed)
    bot = make_bot(DEFAULT_TOKEN, url)
    try:
        async with bot, BotApiSender(url, DEFAULT_TOKEN, connections=concurrency) as lean_sender:
            sender = lean_sender if lean else TelegramSender(bot, Pacer(UNTHROTTLED))
            dispatcher = Dispatcher(sessions, sender, Composer(CONTENT), policy=POLICY,
                                    settings=DispatchSettings(batch=500, concurrency=concurrency), name="bench")
            started = time.perf_counter()
            stats = await dispatcher.run(once=True)
            return time.perf_counter() - started, own["seconds"], stats.sent
    finally:
        for name, original in originals.items():
            setattr(Dispatcher, name, original)


def bench_throughput(folder: Path, count: int) -> None:
    print(f"\n2. Dispatcher throughput, {count:,} due reminders to 200 chats, unthrottled stand-in "
          "(target: at least 1,000/s, so at most 1 ms of our own work each)")
    standin = StandInProcess()
    try:
        bare = asyncio.run(bare_sends(standin.url, count, PTB_CONCURRENCY))
        print(f"  transport alone, bare PTB send_message x{count:,} at {PTB_CONCURRENCY} in flight: "
              f"{count / bare:7.0f}/s")
        bare_lean = asyncio.run(bare_lean_sends(standin.url, count, LEAN_CONNECTIONS))
        print(f"  transport alone, bare lean sends x{count:,} on {LEAN_CONNECTIONS} connections:       "
              f"{count / bare_lean:7.0f}/s ({bare / bare_lean:.1f}x PTB)")
        for label in ("SQLite", "PostgreSQL"):
            rates: dict[str, float] = {}
            for sender_name, lean, concurrency in (("PTB Bot (baseline)", False, PTB_CONCURRENCY),
                                                   ("lean sender", True, LEAN_CONNECTIONS)):
                if label == "SQLite":
                    url, pg_name = fresh_sqlite(folder, f"throughput-{lean}.db"), None
                else:
                    postgres = fresh_postgres()
                    if postgres is None:
                        break
                    url, pg_name = postgres
                engine = db.make_engine(url)
                sessions = db.session_factory(engine)
                due_reminders(sessions, count, 200, datetime.now(UTC) - timedelta(minutes=1))
                elapsed, own, sent = asyncio.run(dispatch_all(sessions, standin.url, concurrency, lean))
                engine.dispose()
                if pg_name:
                    drop_postgres(pg_name)
                rates[sender_name] = sent / elapsed
                versus = (f"; {rates[sender_name] / rates['PTB Bot (baseline)']:.1f}x the baseline"
                          if lean and "PTB Bot (baseline)" in rates else "")
                print(f"  {label:10} {sender_name:19}: {sent / elapsed:7.0f}/s end to end "
                      f"({'meets' if sent / elapsed >= 1000 else 'misses'} 1,000/s{versus}); our own work "
                      f"{own / sent * 1000:.3f} ms per reminder "
                      f"({'meets' if own / sent <= 0.001 else 'misses'} the 1 ms target)")
    finally:
        standin.close()


# -- 3. sustained with limits --------------------------------------------------------------------------
def bench_limits(folder: Path, seconds: float) -> None:
    print(f"\n3. Sustained rate with Telegram's limits enforced, {seconds:.0f} s, 60 chats "
          "(target: at least 29/s, zero 429s)")
    sessions = db.session_factory(db.make_engine(fresh_sqlite(folder, "limits.db")))
    due_reminders(sessions, int(seconds * 32), 60, datetime.now(UTC) - timedelta(minutes=1))

    async def run(url: str) -> tuple[int, float]:
        bot = make_bot(DEFAULT_TOKEN, url)
        async with bot:
            dispatcher = Dispatcher(sessions, TelegramSender(bot, Pacer()), Composer(CONTENT), policy=POLICY,
                                    settings=DispatchSettings(batch=120), name="limits")
            stop = asyncio.Event()
            asyncio.get_running_loop().call_later(seconds, stop.set)
            started = time.perf_counter()
            stats = await dispatcher.run(stop)
            return stats.sent, time.perf_counter() - started

    with TelegramStandIn(enforce_limits=True) as standin:
        sent, elapsed = asyncio.run(run(f"http://127.0.0.1:{standin.port}"))
        print(f"  sent {sent} in {elapsed:.1f} s: {sent / elapsed:.1f}/s (target 29/s), "
              f"429s: {standin.count_429} (target 0)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller runs, for a smoke test")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder)
        bench_scheduling(path, 10_000 if args.quick else 100_000)
        bench_throughput(path, 1_000 if args.quick else 5_000)
        bench_limits(path, 10 if args.quick else 60)


if __name__ == "__main__":
    main()
