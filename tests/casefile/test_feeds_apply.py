"""Feed imports applied through the services: appointments booked, moved and cancelled; workers and
teams; new people. Each change leaves its case update and audit event, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from factories import NOW
from feeds_helpers import people, probation, run, table_counts
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from casefile import directory, staff
from casefile.actors import SystemActor
from casefile.erasure import forget_person
from casefile.importing import ImportRefused
from casefile.models import Appointment, Assignment, AuditEvent, CaseUpdate, Person, Worker


def problems(engine: Engine, kind: str, rows: list, **options) -> list[str]:
    before = table_counts(engine)
    with pytest.raises(ImportRefused) as caught:
        run(engine, kind, rows, **options)
    assert table_counts(engine) == before
    return [str(problem) for problem in caught.value.problems]


APPOINTMENT = {"ref": "APT-1", "person": "P-1", "date": "2027-06-14", "time": "10:30", "minutes": "45",
               "place": "Lewisham office", "address": "1 High Street, London SE13 0AA", "kind": "probation",
               "bring": "Your licence"}


def appointment(session: Session, ref: str = "APT-1") -> Appointment:
    session.rollback()  # end any read transaction: its snapshot would hide the import's commits
    found = session.scalars(select(Appointment).where(Appointment.source_ref == ref)).first()
    assert found is not None
    return found


def updates(session: Session, person_id: int) -> list[CaseUpdate]:
    session.rollback()
    return list(session.scalars(select(CaseUpdate).where(CaseUpdate.person_id == person_id)
                                .order_by(CaseUpdate.id)))


def test_a_new_appointment_is_booked_through_the_service_on_the_london_clock(
    engine: Engine, session: Session
) -> None:
    agency = probation(session)
    (p1,) = people(session, "P-1")
    winter = {**APPOINTMENT, "ref": "APT-2", "date": "2027-12-06", "time": "10:30"}
    assert run(engine, "appointments", [APPOINTMENT, winter]).summary() == (
        "Imported 2 rows: 2 new, 0 changed, 0 unchanged.")
    summer_row, winter_row = appointment(session, "APT-1"), appointment(session, "APT-2")
    # 10:30 in London is 09:30 UTC in June (summer time) and 10:30 UTC in December.
    assert summer_row.starts_at == datetime(2027, 6, 14, 9, 30, tzinfo=UTC)
    assert winter_row.starts_at == datetime(2027, 12, 6, 10, 30, tzinfo=UTC)
    assert (summer_row.minutes, summer_row.place, summer_row.kind, summer_row.bring, summer_row.status) == (
        45, "Lewisham office", "probation", "Your licence", "booked")
    assert (summer_row.source_agency_id, summer_row.version) == (agency.id, 1)
    booked = updates(session, p1.id)
    assert [(u.kind, u.tell_person, u.agency_id, u.actor) for u in booked] == [
        ("appointment.booked", True, agency.id, "system:import:PS")] * 2
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.actor_name == "system:import:PS")
                              .order_by(AuditEvent.id)).all()
    assert actions == ["write.appointment.book", "write.appointment.book", "import.appointments"]


def test_appointments_move_and_cancel_in_place_and_a_second_run_changes_nothing(
    engine: Engine, session: Session
) -> None:
    probation(session)
    (p1,) = people(session, "P-1")
    other = {**APPOINTMENT, "ref": "APT-2", "date": "2027-06-15"}
    run(engine, "appointments", [APPOINTMENT, other])
    first_id = appointment(session).id
    moved = {**APPOINTMENT, "time": "14:00", "place": "Deptford office"}
    cancelled = {**other, "status": "cancelled"}
    assert run(engine, "appointments", [moved, cancelled]).summary() == (
        "Imported 2 rows: 0 new, 2 changed, 0 unchanged.")
    counts = table_counts(engine)
    assert run(engine, "appointments", [moved, cancelled]).summary() == (
        "Imported 2 rows: 0 new, 0 changed, 2 unchanged.")
    assert table_counts(engine) == {**counts, "audit_events": counts["audit_events"] + 1}

    row = appointment(session)
    assert (row.id, row.starts_at, row.place, row.status, row.version) == (
        first_id, datetime(2027, 6, 14, 13, 0, tzinfo=UTC), "Deptford office", "moved", 2)
    assert appointment(session, "APT-2").status == "cancelled"
    news = [(u.kind, u.tell_person, u.summary) for u in updates(session, p1.id)[2:]]
    assert news == [("appointment.moved", True, "Your appointment has changed."),
                    ("appointment.cancelled", True, "Your appointment has been cancelled.")]


def test_appointments_in_the_past_are_kept_but_not_news(engine: Engine, session: Session) -> None:
    probation(session)
    (p1,) = people(session, "P-1")
    last_week = {**APPOINTMENT, "date": (NOW - timedelta(days=7)).date().isoformat()}
    run(engine, "appointments", [last_week])
    assert [(u.kind, u.tell_person) for u in updates(session, p1.id)] == [("appointment.booked", False)]


def test_changes_a_feed_cannot_make_are_refused_with_the_way_out(engine: Engine, session: Session) -> None:
    probation(session)
    people(session, "P-1", "P-2")
    other = {**APPOINTMENT, "ref": "APT-2"}
    # Cancelling an appointment Signpost never had leaves nothing to do.
    run(engine, "appointments", [APPOINTMENT, {**other, "status": "cancelled"}])
    assert session.scalars(select(Appointment).where(Appointment.source_ref == "APT-2")).first() is None
    run(engine, "appointments", [other])
    run(engine, "appointments", [{**other, "status": "cancelled"}])
    assert problems(engine, "appointments", [
        {**APPOINTMENT, "kind": "housing"},
        {**other, "time": "16:00"},
    ]) == [
        'row 1: appointment "APT-1" cannot change its kind, worker or what to bring. Cancel it and send it '
        "again with a new reference.",
        'row 2: appointment "APT-2" was cancelled, so it cannot change now. Give the new time a new reference.',
    ]
    assert problems(engine, "appointments", [{**APPOINTMENT, "person": "P-2"}]) == [
        'row 1: appointment "APT-1" is for a different person in Signpost. A reference cannot move to another '
        "person."
    ]


def test_workers_are_added_updated_and_kept_to_their_own_agency(engine: Engine, session: Session) -> None:
    probation(session)
    directory.add_agency(session, SystemActor("tests"), "Jobcentre Plus", "JCP", now=NOW)
    rows = [
        {"ref": "W-1", "name": "Dee", "role": "Your probation officer", "contact": "07700 900001",
         "hours": "Monday to Friday"},
        {"ref": "W-2", "name": "Raj", "role": "Your probation officer", "active": "no"},
    ]
    assert run(engine, "workers", rows).summary() == "Imported 2 rows: 2 new, 0 changed, 0 unchanged."
    assert run(engine, "workers", rows).summary() == "Imported 2 rows: 0 new, 0 changed, 2 unchanged."
    rows[0] = {**rows[0], "contact": "07700 900009"}
    assert run(engine, "workers", rows).summary() == "Imported 2 rows: 0 new, 1 changed, 1 unchanged."
    session.rollback()
    dee = session.scalars(select(Worker).where(Worker.ref == "W-1")).one()
    raj = session.scalars(select(Worker).where(Worker.ref == "W-2")).one()
    assert (dee.contact, dee.hours, raj.active) == ("07700 900009", "Monday to Friday", False)
    audit_row = session.scalars(select(AuditEvent).where(AuditEvent.action == "write.worker.update")
                                .order_by(AuditEvent.id.desc())).first()
    assert audit_row is not None and audit_row.detail == "changed: contact"
    assert problems(engine, "workers", [rows[0]], agency="JCP") == [
        'row 1: worker "W-1" belongs to another agency (PS). An agency can only send its own workers.'
    ]


def test_assignments_build_the_team_with_one_lead_and_tell_the_person(engine: Engine, session: Session) -> None:
    agency = probation(session)
    (p1,) = people(session, "P-1")
    run(engine, "workers", [{"ref": "W-1", "name": "Dee", "role": "Your probation officer"},
                            {"ref": "W-2", "name": "Raj", "role": "Your probation officer"}])
    team = [{"ref": "AS-1", "person": "P-1", "worker": "W-1", "role": "Probation officer", "lead": "yes"},
            {"ref": "AS-2", "person": "P-1", "worker": "W-2", "role": "Cover officer"}]
    assert run(engine, "assignments", team).summary() == "Imported 2 rows: 2 new, 0 changed, 0 unchanged."
    assert run(engine, "assignments", team).summary() == "Imported 2 rows: 0 new, 0 changed, 2 unchanged."
    news = [(u.kind, u.tell_person, u.summary, u.agency_id) for u in updates(session, p1.id)]
    assert news == [("team.changed", True, "Dee is now on your team.", agency.id),
                    ("team.changed", True, "Raj is now on your team.", agency.id)]

    swapped = [{**team[1], "lead": "yes"}, {**team[0], "lead": "no"}]
    assert run(engine, "assignments", swapped).summary() == "Imported 2 rows: 0 new, 2 changed, 0 unchanged."
    session.rollback()
    current = session.scalars(select(Assignment).where(Assignment.person_id == p1.id,
                                                       Assignment.ended_at.is_(None))).all()
    assert {(a.source_ref, a.is_lead) for a in current} == {("AS-1", False), ("AS-2", True)}

    ended = [{**team[0], "ended": "yes"}]
    assert run(engine, "assignments", ended).summary() == "Imported 1 row: 0 new, 1 changed, 0 unchanged."
    assert problems(engine, "assignments", [{**team[0], "lead": "no"}]) == [
        'row 1: assignment "AS-1" has ended. Use a new reference to put the worker back on the team.'
    ]


def test_a_service_refusal_part_way_rolls_back_the_rows_before_it(engine: Engine, session: Session) -> None:
    probation(session)
    people(session, "P-1", "P-2")
    run(engine, "workers", [{"ref": "W-1", "name": "Dee", "role": "Your probation officer"}])
    run(engine, "assignments", [{"ref": "AS-1", "person": "P-1", "worker": "W-1", "role": "Officer", "lead": "yes"}])
    rows = [
        {"ref": "AS-2", "person": "P-2", "worker": "W-1", "role": "Officer", "lead": "yes"},
        {"ref": "AS-1", "person": "P-1", "worker": "W-1", "role": "Officer", "lead": "yes", "ended": "yes"},
    ]
    assert problems(engine, "assignments", rows) == ["row 2: Please choose a new lead professional first."]


def test_people_are_added_once_and_a_closed_file_takes_nothing_more(engine: Engine, session: Session) -> None:
    probation(session)
    rows = [{"ref": "P-10", "preferred_name": "Ash"}, {"ref": "P-11", "preferred_name": "Bo", "language": "cy"}]
    assert run(engine, "people", rows).summary() == "Imported 2 rows: 2 new, 0 changed, 0 unchanged."
    rows[1] = {**rows[1], "preferred_name": "Bobby"}
    # The name a person likes and their language are theirs to change: a feed never overwrites them.
    assert run(engine, "people", rows).summary() == "Imported 2 rows: 0 new, 0 changed, 2 unchanged."
    assert session.scalars(select(Person.preferred_name).where(Person.ref == "P-11")).one() == "Bo"

    forget_person(session, SystemActor("tests"), "P-10", now=NOW)
    closed = 'the file for "P-10" is closed, so nothing can be added to it.'
    assert problems(engine, "people", rows[:1]) == [f"row 1: {closed}"]
    assert problems(engine, "release_dates", [{"person": "P-10", "release_date": "2027-07-02"}]) == [
        f"row 1: {closed}"]
    assert problems(engine, "appointments", [{**APPOINTMENT, "person": "P-10"}]) == [f"row 1: {closed}"]


def test_a_worker_already_on_the_team_is_tagged_not_added_twice(engine: Engine, session: Session) -> None:
    probation(session)
    (p1,) = people(session, "P-1")
    run(engine, "workers", [{"ref": "W-1", "name": "Dee", "role": "Your probation officer"}])
    worker = session.scalars(select(Worker).where(Worker.ref == "W-1")).one()
    staff.assign_worker(session, SystemActor("tests"), p1.id, worker.id, "Officer", True, now=NOW)
    row = {"ref": "AS-1", "person": "P-1", "worker": "W-1", "role": "Officer", "lead": "yes"}
    run(engine, "assignments", [row])
    session.rollback()
    (only,) = session.scalars(select(Assignment).where(Assignment.person_id == p1.id)).all()
    assert only.source_ref == "AS-1"
    assert run(engine, "assignments", [row]).summary() == "Imported 1 row: 0 new, 0 changed, 1 unchanged."
