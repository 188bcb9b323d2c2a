"""How the case file holds up at size: 50,000 people and 1,000,000 appointments, on SQLite and PostgreSQL.

Run: .venv/bin/python -m bench.casefile [--only sqlite|postgresql] [--people N] [--appointments N] [--rebuild]

Measures, on each database:
- queries per person view, for people with 1, 20 and 200 appointments (target: the same for all);
- p50 and p99 of `people.person_view` (the chat's read, a fresh session each time) and of
  `staff.caseload` for a worker with 60 people (audited, so it also writes and commits);
- the time to import a 50,000-row release-date feed (read the JSON file, check every row, apply)
  and to import it again (every row unchanged).
Beside each figure: a named floor measured in the same run on the same data, and the ratio to it.
Person view and caseload floor: one `SELECT` of the person's row by primary key in a fresh session.
Import floor: one bare executemany UPDATE of the same 50,000 journeys (no checks, no case updates,
no audit), rolled back. Targets from the issue: person view p99 at most 5 ms on SQLite; the import
under 15 seconds. Nothing is asserted.

The SQLite database is built once and kept under /tmp, keyed by schema revision and data shape, then
copied for each run (the import changes it). PostgreSQL gets a fresh `signpost_bench_*` database,
filled with COPY and dropped at the end.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import secrets
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import JSON, Engine, bindparam, event, insert, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from casefile import db, people, staff
from casefile.importing import import_feed, read_feed
from casefile.models import (
    Agency,
    Appointment,
    Assignment,
    BenefitClaim,
    CaseUpdate,
    JourneyPosition,
    LicenceCondition,
    Person,
    PharmacyPlan,
    Worker,
)

NOW = datetime(2027, 6, 9, 8, 30, tzinfo=UTC)
TODAY = NOW.date()
DATA_SHAPE = "v1"  # change when the generated data changes, so an old cached SQLite file is not reused
CASELOAD = 60
PROBES = (1, 20, 200)  # people 1, 2 and 3 have this many appointments
VIEW_SAMPLES = 3000
CASELOAD_SAMPLES = 400
CHUNK = 20_000
PG_ADMIN = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "dbname": "postgres"}
TARGET_VIEW_P99_MS = 5.0
TARGET_IMPORT_S = 15.0


# -- the data ---------------------------------------------------------------------------------------
def appointment_counts(people_count: int, appointments: int) -> list[int]:
    """Appointments per person: the probes first, the rest spread evenly."""
    rest = appointments - sum(PROBES)
    others = people_count - len(PROBES)
    base, extra = divmod(rest, others)
    return [*PROBES, *(base + (1 if index < extra else 0) for index in range(others))]


def tables(people_count: int, appointments: int) -> Iterator[tuple[Any, Iterable[dict[str, Any]]]]:
    """(model, rows) in foreign-key order. The same data every run: the random generator is seeded."""
    rng = random.Random(7)
    workers = -(-people_count // CASELOAD)  # probation workers, each with a caseload of 60
    housing = max(1, people_count // 200)
    yield Agency, [{"id": 1, "name": "Probation Service", "short_name": "PS", "contact": "020 7946 0100"},
                   {"id": 2, "name": "Housing (SHIP)", "short_name": "SHIP", "contact": "020 7946 0300"}]
    yield Worker, (
        {"id": number, "ref": f"W-{number:05d}", "agency_id": 1 if number <= workers else 2,
         "name": f"Worker {number}", "role": "Your probation officer" if number <= workers else
         "Helps you find somewhere to live", "helps_with": "Your plan", "contact": "07700 900000",
         "hours": "Monday to Friday, 9am to 5pm", "active": True}
        for number in range(1, workers + housing + 1)
    )
    yield Person, (
        {"id": pid, "ref": person_ref(pid), "preferred_name": f"Person {pid}", "language": "en", "discreet": False,
         "paused": False, "reminders_on": True, "remind_day_before": True, "remind_hours_before": 2,
         "voice_notes": False, "quiet_from": None, "quiet_until": None, "created_at": NOW - timedelta(days=90),
         "closed_at": None, "version": 1}
        for pid in range(1, people_count + 1)
    )
    yield JourneyPosition, (
        {"person_id": pid, "stage": "in_prison" if pid % 3 == 0 else "on_licence", "prison": "HMP Bench",
         "sentence_date": TODAY - timedelta(days=400), "release_date": TODAY + timedelta(days=pid % 300 - 100),
         "release_confirmed": pid % 2 == 0, "hdc_eligibility_date": None, "licence_end": None,
         "top_up_end": None, "community_order_end": None, "updated_at": NOW - timedelta(days=30), "version": 1}
        for pid in range(1, people_count + 1)
    )
    yield Assignment, (
        row for pid in range(1, people_count + 1) for row in (
            {"person_id": pid, "worker_id": (pid - 1) // CASELOAD + 1, "role": "Probation officer",
             "is_lead": True, "started_at": NOW - timedelta(days=90), "ended_at": None, "version": 1},
            {"person_id": pid, "worker_id": workers + 1 + pid % housing, "role": "Housing worker",
             "is_lead": False, "started_at": NOW - timedelta(days=60), "ended_at": None, "version": 1},
        )
    )
    yield LicenceCondition, (
        {"person_id": pid, "position": position, "official_text": f"Standard condition {position + 1}.",
         "plain_text": f"Plain words for rule {position + 1}.", "version": 1}
        for pid in range(1, people_count + 1) for position in range(3)
    )
    yield BenefitClaim, (
        {"person_id": pid, "claim_type": "universal_credit", "claimed_on": TODAY - timedelta(days=20),
         "steps_done": ["bank_account", "claim_online"], "expected_first_payment": TODAY + timedelta(days=15),
         "advance_requested": False, "version": 1}
        for pid in range(1, people_count + 1, 2)
    )
    yield PharmacyPlan, (
        {"person_id": pid, "pharmacy_name": "Bench Pharmacy", "address": "1 Test Street", "open_days": [0, 1, 2, 3, 4, 5],
         "opens_at": None, "closes_at": None, "pickup_days": [0, 1, 2, 3, 4, 5, 6], "pickup_time": None,
         "dose_mode": "supervised", "script_start": None, "script_end": None, "prescriber_contact": "",
         "missed_in_a_row": 0, "version": 1}
        for pid in range(1, people_count + 1, 5)
    )
    yield Appointment, _appointments(rng, appointment_counts(people_count, appointments), workers)
    yield CaseUpdate, (
        {"person_id": pid, "worker_id": None, "agency_id": 1, "actor": "system:bench",
         "at": NOW - timedelta(hours=number * 7 + pid % 5), "kind": "appointment.booked", "subject": "appointment",
         "subject_id": None, "field": "starts_at", "before": {}, "after": {"starts_at": "2027-06-10T09:00:00"},
         "summary": "You have a new appointment.", "tell_person": True,
         "seen_at": None if number == 0 else NOW - timedelta(hours=number)}
        for pid in range(1, people_count + 1) for number in range(4)
    )


def _appointments(rng: random.Random, counts: Sequence[int], workers: int) -> Iterator[dict[str, Any]]:
    start = NOW - timedelta(days=60)
    for pid, count in enumerate(counts, start=1):
        worker = (pid - 1) // CASELOAD + 1
        for _ in range(count):
            moment = start + timedelta(minutes=30 * rng.randrange(0, 120 * 48))
            yield {"person_id": pid, "worker_id": worker if worker <= workers else None, "starts_at": moment,
                   "minutes": 60, "place": "Bench office", "address": "1 Test Street", "kind": "probation",
                   "bring": "", "status": "booked", "status_reason": None, "created_at": start,
                   "updated_at": start, "version": 1}


def person_ref(pid: int) -> str:
    return f"P-{pid:06d}"


def chunked(rows: Iterable[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def fill_with_core(engine: Engine, people_count: int, appointments: int) -> None:
    """SQLite: Core insert() with executemany, one transaction per table."""
    for model, rows in tables(people_count, appointments):
        with engine.begin() as connection:
            for batch in chunked(rows):
                connection.execute(insert(model), batch)


def fill_with_copy(url: str, people_count: int, appointments: int) -> None:
    """PostgreSQL: COPY, then move the id sequences past the ids we chose, then ANALYZE."""
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as connection:
        for model, rows in tables(people_count, appointments):
            copy_rows(connection, model, rows)
        connection.commit()
        connection.autocommit = True
        connection.execute("ANALYZE")


def copy_rows(connection: psycopg.Connection[Any], model: Any, rows: Iterable[dict[str, Any]]) -> None:
    """COPY the rows into the model's table (every row has the first row's columns), then move its id sequence."""
    table = model.__table__
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return
    columns = list(first)
    json_columns = {name for name in columns if isinstance(table.c[name].type, JSON)}
    with connection.cursor() as cursor, cursor.copy(
        f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    ) as copy:
        for row in _chain(first, iterator):
            copy.write_row(tuple(json.dumps(row[name]) if name in json_columns else row[name]
                                 for name in columns))
    if "id" in table.c and table.c.id.primary_key:
        connection.execute(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                           f"COALESCE((SELECT max(id) FROM {table.name}), 1))")


def _chain(first: dict[str, Any], rest: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    yield first
    yield from rest


# -- the databases ----------------------------------------------------------------------------------
def sqlite_database(people_count: int, appointments: int, rebuild: bool, workdir: Path) -> tuple[str, float]:
    """A working copy of the cached SQLite database (built first if needed). Returns (url, build seconds)."""
    cache = Path(tempfile.gettempdir()) / (
        f"signpost_bench_casefile_{db.head_revision()}_{DATA_SHAPE}_{people_count}_{appointments}.db")
    built = 0.0
    if rebuild or not cache.exists():
        partial = cache.with_suffix(".building")
        for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            leftover.unlink(missing_ok=True)
        started = time.perf_counter()
        url = f"sqlite:///{partial}"
        db.upgrade(url)
        engine = db.make_engine(url)
        fill_with_core(engine, people_count, appointments)
        engine.dispose()
        raw = sqlite3.connect(partial, isolation_level=None)  # outside any transaction, as the checkpoint needs
        raw.execute("ANALYZE")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw.close()
        partial.replace(cache)
        built = time.perf_counter() - started
    working = workdir / "casefile.db"
    shutil.copyfile(cache, working)
    return f"sqlite:///{working}", built


def postgres_database(people_count: int, appointments: int) -> tuple[str, str, float]:
    name = f"signpost_bench_{secrets.token_hex(4)}"
    with psycopg.connect(**PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://{PG_ADMIN['user']}@{PG_ADMIN['host']}:{PG_ADMIN['port']}/{name}"
    started = time.perf_counter()
    db.upgrade(url)
    fill_with_copy(url, people_count, appointments)
    return name, url, time.perf_counter() - started


def drop_postgres(name: str) -> None:
    with psycopg.connect(**PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- the measurements -------------------------------------------------------------------------------
class QueryCounter:
    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        self.count += 1


def queries_per_view(engine: Engine, sessions: sessionmaker[Session]) -> list[int]:
    counter = QueryCounter(engine)
    found = []
    for pid, _appointments in enumerate(PROBES, start=1):
        with sessions() as session:
            session.connection()  # the BEGIN is not the view's
            counter.count = 0
            view = people.person_view(session, pid, TODAY, NOW)
            found.append(counter.count)
            assert view.person.id == pid
    event.remove(engine, "before_cursor_execute", counter._seen)
    return found


def timed(call: Callable[[], object], samples: int) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    for _ in range(min(100, samples)):
        call()  # warm the pool, caches and statement compilation
    gc.collect()
    timings = []
    for _ in range(samples):
        started = time.perf_counter_ns()
        call()
        timings.append(time.perf_counter_ns() - started)
    timings.sort()
    return statistics.median(timings) / 1e6, timings[min(len(timings) - 1, int(len(timings) * 0.99))] / 1e6


def person_view_timings(sessions: sessionmaker[Session], people_count: int) -> tuple[float, float]:
    rng = random.Random(11)

    def one() -> None:
        with sessions() as session:
            people.person_view(session, rng.randint(1, people_count), TODAY, NOW)

    return timed(one, VIEW_SAMPLES)


def floor_timings(sessions: sessionmaker[Session], people_count: int) -> tuple[float, float]:
    rng = random.Random(11)

    def one() -> None:
        with sessions() as session:
            session.execute(select(Person).where(Person.id == rng.randint(1, people_count))).first()

    return timed(one, VIEW_SAMPLES)


def caseload_timings(sessions: sessionmaker[Session], people_count: int) -> tuple[float, float, int]:
    workers = people_count // CASELOAD  # only full caseloads
    rng = random.Random(13)
    sizes = []

    def one() -> None:
        with sessions() as session:
            sizes.append(len(staff.caseload(session, rng.randint(1, workers), TODAY, NOW)))

    p50, p99 = timed(one, CASELOAD_SAMPLES)
    return p50, p99, min(sizes)


def write_feed(path: Path, people_count: int) -> int:
    rows = [{"person": person_ref(pid), "release_date": (TODAY + timedelta(days=pid % 300 - 93)).isoformat(),
             "confirmed": pid % 2 == 1, "prison": "HMP Bench"} for pid in range(1, people_count + 1)]
    path.write_text(json.dumps({"feed": "release_dates", "agency": "PS", "rows": rows}), encoding="utf-8")
    return len(rows)


def import_timing(engine: Engine, feed_path: Path) -> tuple[float, str]:
    started = time.perf_counter()
    result = import_feed(engine, read_feed(feed_path), policy=Settings.built_in().reminder_policy,
                         now=NOW + timedelta(hours=1))
    return time.perf_counter() - started, result.summary()


def import_floor(engine: Engine, people_count: int) -> float:
    """One bare executemany UPDATE of the same journeys, rolled back: what the writing alone costs."""
    rows = [{"b_id": pid, "b_date": TODAY + timedelta(days=pid % 300 - 80)} for pid in range(1, people_count + 1)]
    statement = (update(JourneyPosition).where(JourneyPosition.person_id == bindparam("b_id"))
                 .values(release_date=bindparam("b_date"), version=JourneyPosition.version + 1))
    started = time.perf_counter()
    with engine.connect() as connection:
        transaction = connection.begin()
        connection.execute(statement, rows)
        transaction.rollback()
    return time.perf_counter() - started


def measure(name: str, url: str, people_count: int, build_s: float, workdir: Path) -> dict[str, Any]:
    engine = db.make_engine(url)
    sessions = db.session_factory(engine)
    try:
        with engine.connect() as connection:
            appointments_count = connection.execute(text("SELECT count(*) FROM appointments")).scalar_one()
        figures: dict[str, Any] = {"database": name, "build_s": build_s, "appointments": appointments_count}
        figures["queries"] = queries_per_view(engine, sessions)
        figures["view"] = person_view_timings(sessions, people_count)
        figures["floor"] = floor_timings(sessions, people_count)
        figures["caseload"] = caseload_timings(sessions, people_count)
        feed_path = workdir / f"release_dates-{name}.json"
        figures["feed_rows"] = write_feed(feed_path, people_count)
        figures["import_floor_s"] = import_floor(engine, people_count)
        figures["import"] = import_timing(engine, feed_path)
        figures["reimport"] = import_timing(engine, feed_path)
        return figures
    finally:
        engine.dispose()


# -- the report -------------------------------------------------------------------------------------
def report(results: list[dict[str, Any]], people_count: int, load: tuple[float, float]) -> None:
    print(f"Load average (1 min) at the start and the end: {load[0]:.1f}, {load[1]:.1f} on {os.cpu_count()} cores; "
          "other work on the machine shows up in the p99s (compare the floor's p99).")
    print(f"Case file at size: {people_count:,} people, {results[0]['appointments']:,} appointments "
          f"(people 1, 2, 3 have {', '.join(map(str, PROBES))}); caseloads of {CASELOAD}.")
    print("Floor for the reads: one SELECT of the person's row by id in a fresh session. Floor for the import:")
    print("one bare executemany UPDATE of the same journeys (no checks, case updates or audit), rolled back.\n")
    rows = [["figure", *(r["database"] for r in results), "target"]]
    rows.append(["database built (s)", *(f"{r['build_s']:.1f}" if r["build_s"] else "cached" for r in results), ""])
    rows.append(["queries per person view (1 / 20 / 200 appts)",
                 *(" / ".join(map(str, r["queries"])) + (" equal" if len(set(r["queries"])) == 1 else " NOT EQUAL")
                   for r in results), "equal"])
    for label, key, index in (("person view p50 (ms)", "view", 0), ("person view p99 (ms)", "view", 1),
                              ("  floor p50 (ms)", "floor", 0), ("  floor p99 (ms)", "floor", 1),
                              ("caseload of 60 p50 (ms)", "caseload", 0), ("caseload of 60 p99 (ms)", "caseload", 1)):
        target = "<= 5 ms on SQLite" if label.startswith("person view p99") else ""
        rows.append([label, *(f"{r[key][index]:.2f}" for r in results), target])
    rows.append(["person view p99 / floor p99", *(f"{r['view'][1] / r['floor'][1]:.1f}x" for r in results), ""])
    rows.append(["caseload p99 / floor p99", *(f"{r['caseload'][1] / r['floor'][1]:.1f}x" for r in results), ""])
    rows.append([f"import {results[0]['feed_rows']:,} release dates (s)",
                 *(f"{r['import'][0]:.2f}" for r in results), "< 15 s"])
    rows.append(["  import again, all unchanged (s)", *(f"{r['reimport'][0]:.2f}" for r in results), ""])
    rows.append(["  floor: bare UPDATE (s)", *(f"{r['import_floor_s']:.2f}" for r in results), ""])
    rows.append(["import / floor", *(f"{r['import'][0] / r['import_floor_s']:.1f}x" for r in results), ""])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) if i == 0 else cell.rjust(width)
                        for i, (cell, width) in enumerate(zip(row, widths, strict=True))))
    print()
    for r in results:
        print(f"{r['database']}: import said \"{r['import'][1]}\"; again: \"{r['reimport'][1]}\"")
    sqlite = next((r for r in results if r["database"] == "SQLite"), None)
    if sqlite is not None:
        p99 = sqlite["view"][1]
        print(f"Target: person view p99 at most {TARGET_VIEW_P99_MS:g} ms on SQLite: {p99:.2f} ms, "
              f"{'met' if p99 <= TARGET_VIEW_P99_MS else 'MISSED'}")
    for r in results:
        seconds = r["import"][0]
        print(f"Target: import of {r['feed_rows']:,} rows under {TARGET_IMPORT_S:g} s on {r['database']}: "
              f"{seconds:.1f} s, {'met' if seconds < TARGET_IMPORT_S else 'MISSED'}")
        print(f"Target: queries per person view constant on {r['database']}: "
              f"{'met' if len(set(r['queries'])) == 1 else 'MISSED'} ({r['queries'][0]} each)")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--appointments", type=int, default=1_000_000)
    parser.add_argument("--rebuild", action="store_true", help="build the cached SQLite database again")
    args = parser.parse_args(argv)
    results = []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="signpost-bench-") as folder:
        workdir = Path(folder)
        if args.only in (None, "sqlite"):
            url, built = sqlite_database(args.people, args.appointments, args.rebuild, workdir)
            results.append(measure("SQLite", url, args.people, built, workdir))
        if args.only in (None, "postgresql"):
            name, url, built = postgres_database(args.people, args.appointments)
            try:
                results.append(measure("PostgreSQL", url, args.people, built, workdir))
            finally:
                drop_postgres(name)
    report(results, args.people, (load_before, os.getloadavg()[0]))


if __name__ == "__main__":
    main()
