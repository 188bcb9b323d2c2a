"""The planning sweep: release-day, money and pharmacy messages checked for every linked person.

Run: .venv/bin/python -m bench.planner [--people N]
The dispatcher runs the sweep every ten minutes, so its cost grows with the whole case file. This
times a sweep over N linked people (each with a release date, a pharmacy plan and a few appointments),
on SQLite and PostgreSQL, once when every message is new and once when nothing has changed (the
usual case). Baseline in the same run: the same people planned one at a time (`Planner.plan_one`
for each), which is how the sweep read the case file before it read people in batches.
Nothing is asserted; PostgreSQL is skipped with a note if it is not reachable.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from bench.reminders import CONTENT, POLICY, drop_postgres, fresh_postgres, fresh_sqlite, people_and_worker
from bot.reminders.planner import Planner
from casefile import db
from casefile.models import Appointment, JourneyPosition, OutboxMessage, PharmacyPlan

NOW = datetime(2027, 6, 9, 8, 30, tzinfo=UTC)  # a Wednesday morning in London


def fill(session: Session, count: int) -> None:
    worker_id, person_ids = people_and_worker(session, count, 1, NOW)
    for number, person_id in enumerate(person_ids):
        session.add(JourneyPosition(person_id=person_id, stage="in_prison", prison="HMP Brixton",
                                    release_date=date(2027, 6, 10 + number % 5), updated_at=NOW))
        session.add(PharmacyPlan(person_id=person_id, pharmacy_name="High Street Pharmacy", address="2 High St",
                                 open_days=[0, 1, 2, 3, 4, 5], opens_at=clock_time(9), closes_at=clock_time(18),
                                 pickup_days=[0, 1, 2, 3, 4, 5, 6], pickup_time=clock_time(10)))
        for day in range(3):
            session.add(Appointment(person_id=person_id, worker_id=worker_id,
                                    starts_at=NOW + timedelta(days=day + 1, hours=number % 6), minutes=60,
                                    place="Office", address="", kind="probation", bring="", status="booked",
                                    created_at=NOW, updated_at=NOW))
    session.commit()


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def forget_planned(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        session.query(OutboxMessage).delete()
        session.commit()


def bench_database(label: str, url: str, count: int) -> None:
    engine = db.make_engine(url)
    sessions = db.session_factory(engine)
    with sessions() as session:
        fill(session, count)
    with sessions() as session:
        ids = Planner._candidates(session)
    planner = Planner(sessions, CONTENT, policy=POLICY)
    results: dict[str, tuple[float, float]] = {}
    for name, sweep in (
        ("one at a time (baseline)", lambda: [planner.plan_one(person_id, NOW) for person_id in ids]),
        ("batched sweep", lambda: planner.sweep(NOW)),
    ):
        forget_planned(sessions)
        first = timed(sweep)
        again = timed(sweep)
        results[name] = (first, again)
    engine.dispose()
    print(f"\n{label}: {len(ids):,} people to check")
    print(f"  {'':26} {'all new':>18} {'nothing changed':>18}")
    for name, (first, again) in results.items():
        print(f"  {name:26} {first * 1000 / len(ids):>12.2f} ms/p {again * 1000 / len(ids):>12.2f} ms/p")
    (base_first, base_again), (first, again) = results.values()
    print(f"  batched is {base_first / first:.1f}x faster when all is new, {base_again / again:.1f}x when nothing"
          f" changed; a sweep of 50,000 people would take about {again * 50_000 / len(ids):.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000, help="linked people in the case file (2,000)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        bench_database("SQLite", fresh_sqlite(Path(folder), "planner.db"), args.people)
    postgres = fresh_postgres()
    if postgres is not None:
        url, name = postgres
        try:
            bench_database("PostgreSQL", url, args.people)
        finally:
            drop_postgres(name)


if __name__ == "__main__":
    main()
