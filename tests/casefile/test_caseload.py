"""The caseload query: each person's next appointment and unseen updates, and how its read is audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from factories import NOW, make_appointment, make_person, make_worker
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, event, select, update
from sqlalchemy.orm import Session, sessionmaker

from casefile import staff
from casefile.actors import StaffActor
from casefile.audit import audit_trail
from casefile.errors import NotFound
from casefile.models import Appointment, CaseUpdate

TODAY = NOW.date()
STATUSES = ("booked", "confirmed", "moved", "cant_make_it", "cancelled", "attended", "missed")


def _set_status(session: Session, appointment_id: int, status: str) -> None:
    session.execute(update(Appointment).where(Appointment.id == appointment_id).values(status=status))
    session.commit()


def test_the_next_appointment_is_the_first_still_going_ahead(session: Session) -> None:
    dee = make_worker(session, name="Dee")
    ash = make_person(session, name="Ash", lead=dee)
    past = make_appointment(session, ash, dee, start=NOW - timedelta(hours=3))
    called_off = make_appointment(session, ash, dee, start=NOW + timedelta(hours=1))
    went = make_appointment(session, ash, dee, start=NOW + timedelta(hours=2))
    same_time_first = make_appointment(session, ash, dee, start=NOW + timedelta(hours=5))
    make_appointment(session, ash, dee, start=NOW + timedelta(hours=5))
    _set_status(session, called_off.id, "cancelled")
    _set_status(session, went.id, "attended")
    _set_status(session, past.id, "confirmed")

    (row,) = staff.caseload(session, dee.id, TODAY, NOW)
    assert row.next_appointment_id == same_time_first.id  # a tie goes to the one booked first
    assert row.next_appointment_at == same_time_first.starts_at


def test_unseen_updates_count_only_those_for_the_person_not_yet_seen(session: Session) -> None:
    dee = make_worker(session, name="Dee")
    ash = make_person(session, name="Ash", lead=dee)
    bo = make_person(session, name="Bo", lead=dee)
    for appointment_start in (1, 2, 3):
        make_appointment(session, ash, dee, start=NOW + timedelta(days=appointment_start))
    updates = session.scalars(select(CaseUpdate).where(CaseUpdate.person_id == ash.id)).all()
    told = [u.id for u in updates if u.tell_person]
    session.execute(update(CaseUpdate).where(CaseUpdate.id == told[0]).values(seen_at=NOW))
    session.execute(update(CaseUpdate).where(CaseUpdate.person_id == bo.id).values(seen_at=NOW))
    session.commit()

    rows = {row.preferred_name: row for row in staff.caseload(session, dee.id, TODAY, NOW)}
    assert rows["Ash"].unseen_updates == len(told) - 1
    assert rows["Bo"].unseen_updates == 0
    assert rows["Bo"].next_appointment_id is None


def test_an_empty_caseload_and_an_unknown_worker(session: Session) -> None:
    dee = make_worker(session, name="Dee")
    assert staff.caseload(session, dee.id, TODAY, NOW) == []
    (read,) = audit_trail(session, actor=StaffActor(dee.id), action_prefix="read.caseload")
    assert read.outcome == "ok" and read.detail == "0 people"
    with pytest.raises(NotFound):
        staff.caseload(session, 987654, TODAY, NOW)
    (refused,) = audit_trail(session, actor=StaffActor(987654), action_prefix="read.caseload")
    assert refused.outcome == "not_found"


def _statements(engine: Engine) -> tuple[list[str], Any]:
    seen: list[str] = []

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(sql.split()[0] + (" IMMEDIATE" if "IMMEDIATE" in sql[:20] else ""))

    def commit(_conn: Any) -> None:
        seen.append("COMMIT")

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)

    def stop() -> None:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)

    return seen, stop


def test_the_read_is_on_record_before_the_caseload_comes_back_and_never_holds_the_sqlite_write_lock(
    engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as setup:
        dee = make_worker(setup, name="Dee")
        make_person(setup, name="Ash", lead=dee)
    seen, stop = _statements(engine)
    try:
        with session_factory() as session:
            staff.caseload(session, dee.id, TODAY, NOW)
    finally:
        stop()
    with session_factory() as other:  # another connection sees the row: it is committed
        (read,) = audit_trail(other, actor=StaffActor(dee.id), action_prefix="read.caseload")
    assert read.detail == "1 people"
    insert = seen.index("INSERT")
    assert seen[insert + 1] == "COMMIT"
    if engine.dialect.name == "sqlite":
        # The reading is done in a plain (deferred) transaction; only the audit row takes the write lock.
        assert seen[:seen.index("COMMIT")] == ["BEGIN", "SELECT"]
        assert seen[seen.index("COMMIT") + 1:] == ["BEGIN IMMEDIATE", "INSERT", "COMMIT"]
    else:
        assert seen == ["SELECT", "INSERT", "COMMIT"]  # one short transaction


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.tuples(st.integers(-48, 96), st.sampled_from(STATUSES)), max_size=5),
                min_size=1, max_size=3))
def test_the_next_appointment_matches_a_plain_reading_of_the_rule(
    session: Session, plans: list[list[tuple[int, str]]]
) -> None:
    """For any appointments: the earliest (then first booked) not yet started and not finished or called off."""
    worker = make_worker(session)
    expected: dict[int, int | None] = {}
    for plan in plans:
        person = make_person(session, lead=worker)
        candidates = []
        for hours, status in plan:
            appointment = make_appointment(session, person, worker, start=NOW + timedelta(hours=hours))
            if status != "booked":
                _set_status(session, appointment.id, status)
            if hours >= 0 and status not in ("cancelled", "attended", "missed"):
                candidates.append((appointment.starts_at, appointment.id))
        expected[person.id] = min(candidates)[1] if candidates else None
    rows = staff.caseload(session, worker.id, TODAY, NOW)
    assert {row.person_id: row.next_appointment_id for row in rows} == expected
