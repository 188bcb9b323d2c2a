"""Two agencies change the same appointment at the same moment: one wins, one is told, nothing is lost."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from factories import NOW, POLICY, assign, make_agency, make_appointment, make_person, make_worker
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from casefile import db, staff
from casefile.actors import StaffActor
from casefile.audit import audit_trail
from casefile.errors import ConflictError
from casefile.models import Appointment, CaseUpdate


def _two_agencies(session: Session) -> tuple[StaffActor, StaffActor, int]:
    probation = make_worker(session, make_agency(session), name="Dee (probation)")
    housing = make_worker(session, make_agency(session), name="Raj (housing)")
    # Raj is the lead professional, so may change the probation appointment too (a team member may change
    # only their own agency's appointments); Dee's is the appointment's own agency.
    person = make_person(session, lead=housing)
    assign(session, person, probation, role="Probation officer")
    appointment = make_appointment(session, person, probation)
    return StaffActor(probation.id), StaffActor(housing.id), appointment.id


def _moves(actors: dict[str, StaffActor], appointment_id: int, wanted: dict[str, tuple[str, Any]]
           ) -> dict[str, Callable[[Session], Any]]:
    """Each agency moves the appointment they both saw at version 1 to their own place and time."""
    def move(name: str) -> Callable[[Session], Any]:
        place, start = wanted[name]
        return lambda session: staff.move_appointment(session, actors[name], appointment_id, start, 1,
                                                      place=place, policy=POLICY, now=NOW)
    return {name: move(name) for name in actors}


def _race(factory: sessionmaker[Session], moves: dict[str, Callable[[Session], Any]]) -> dict[str, Any]:
    """Run each move in its own thread and session, all released at once by a barrier."""
    barrier = threading.Barrier(len(moves))
    results: dict[str, Any] = {}

    def run(name: str, move: Callable[[Session], Any]) -> None:
        with factory() as session:
            barrier.wait(timeout=10)
            try:
                results[name] = move(session)
            except ConflictError as conflict:
                results[name] = conflict

    threads = [threading.Thread(target=run, args=item, name=item[0]) for item in moves.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert set(results) == set(moves)
    return results


def _check_one_winner(session: Session, results: dict[str, Any], appointment_id: int,
                      wanted: dict[str, tuple[str, Any]], actors: dict[str, StaffActor]) -> ConflictError:
    winners = [name for name, result in results.items() if not isinstance(result, ConflictError)]
    losers = [name for name, result in results.items() if isinstance(result, ConflictError)]
    assert len(winners) == 1 and len(losers) == 1, results
    winner, loser = winners[0], losers[0]

    session.expire_all()
    final = session.get_one(Appointment, appointment_id)
    place, start = wanted[winner]
    assert (final.place, final.starts_at, final.version) == (place, start, 2)

    moves = session.scalars(
        select(CaseUpdate).where(CaseUpdate.subject_id == appointment_id, CaseUpdate.kind == "appointment.moved")
    ).all()
    assert [(u.actor, u.after["place"]) for u in moves] == [(f"staff:{actors[winner].worker_id}", place)]

    trail = [e for e in audit_trail(session, action_prefix="write.appointment.move")
             if e.subject_id == appointment_id]
    assert sorted((e.actor_name, e.outcome) for e in trail) == sorted([
        (f"staff:{actors[winner].worker_id}", "ok"),
        (f"staff:{actors[loser].worker_id}", "conflict"),
    ])
    conflict: ConflictError = results[loser]
    return conflict


def test_two_agencies_move_the_same_appointment_at_once(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    for round_number in range(3):
        probation, housing, appointment_id = _two_agencies(session)
        wanted = {
            "probation": ("Probation office", NOW + timedelta(days=2, hours=round_number)),
            "housing": ("Housing office", NOW + timedelta(days=3, hours=round_number)),
        }
        actors = {"probation": probation, "housing": housing}
        results = _race(session_factory, _moves(actors, appointment_id, wanted))
        _check_one_winner(session, results, appointment_id, wanted, actors)


@pytest.mark.postgres
def test_on_postgresql_both_read_before_either_writes(_postgresql_database: str) -> None:
    """Force the hardest interleaving: both see version 1, then both try to write it.

    The version check in Python passes for both, so only `UPDATE ... WHERE version = 1` can stop the
    second one. PostgreSQL makes it wait for the first to commit, then it finds no row to change.
    """
    engine: Engine = db.make_engine(_postgresql_database)
    factory = db.session_factory(engine)
    both_have_read = threading.Barrier(2)

    def hold_update_until_both_read(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith("UPDATE appointments") and threading.current_thread().name in actors:
            both_have_read.wait(timeout=10)

    try:
        with factory() as session:
            probation, housing, appointment_id = _two_agencies(session)
            actors = {"probation": probation, "housing": housing}
            wanted = {"probation": ("Probation office", NOW + timedelta(days=2)),
                      "housing": ("Housing office", NOW + timedelta(days=3))}
            event.listen(engine, "before_cursor_execute", hold_update_until_both_read)
            results = _race(factory, _moves(actors, appointment_id, wanted))
            event.remove(engine, "before_cursor_execute", hold_update_until_both_read)
            conflict = _check_one_winner(session, results, appointment_id, wanted, actors)
            # It was the database's version check that caught it, not the one in Python.
            assert isinstance(conflict.__cause__, StaleDataError)
    finally:
        engine.dispose()
