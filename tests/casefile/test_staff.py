"""Caseloads, permissions, versions and the record every staff write leaves behind."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from factories import NOW, POLICY, SYSTEM, assign, make_agency, make_appointment, make_person, make_worker
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from casefile import staff
from casefile.actors import StaffActor
from casefile.audit import audit_trail
from casefile.errors import ConflictError, InvalidInput, NotFound, PermissionDenied
from casefile.models import Appointment, Assignment, AuditEvent, CaseUpdate, JourneyPosition

TODAY = NOW.date()


def test_caseload_lists_only_the_workers_people(session: Session) -> None:
    dee = make_worker(session, name="Dee")
    raj = make_worker(session, name="Raj")
    ash = make_person(session, name="Ash", lead=dee, stage="on_licence")
    bo = make_person(session, name="Bo", lead=raj, stage="in_prison")
    cal = make_person(session, name="Cal", lead=raj)
    assign(session, cal, dee, role="Housing worker")
    soon = make_appointment(session, ash, dee, start=NOW + timedelta(hours=2))
    make_appointment(session, ash, dee, start=NOW + timedelta(days=5))
    make_appointment(session, ash, dee, start=NOW - timedelta(days=1))
    make_appointment(session, bo, raj)

    rows = staff.caseload(session, dee.id, TODAY, NOW)
    assert [(r.preferred_name, r.is_lead, r.stage) for r in rows] == [("Ash", True, "on_licence"),
                                                                     ("Cal", False, None)]
    ash_row = rows[0]
    assert ash_row.next_appointment_id == soon.id and ash_row.next_appointment_status == "booked"
    assert ash_row.next_appointment_at == soon.starts_at and ash_row.next_appointment_at.tzinfo is not None
    assert ash_row.unseen_updates >= 3  # three bookings, the journey and the team change
    assert rows[1].next_appointment_id is None
    (read,) = audit_trail(session, actor=StaffActor(dee.id), action_prefix="read.caseload")
    assert read.outcome == "ok" and read.detail == "2 people"
    assert bo.id not in {r.person_id for r in rows}


def test_a_worker_outside_the_caseload_is_refused_and_audited(session: Session) -> None:
    dee = make_worker(session, name="Dee")
    stranger = make_worker(session, name="Stranger")
    person = make_person(session, lead=dee)
    appointment = make_appointment(session, person, dee)
    outsider = StaffActor(stranger.id)

    attempts = [
        lambda: staff.person_file(session, outsider, person.id, TODAY, NOW),
        lambda: staff.book_appointment(session, outsider, person.id, NOW + timedelta(days=1), 30, "Office",
                                       "", "probation", "", policy=POLICY, now=NOW),
        lambda: staff.move_appointment(session, outsider, appointment.id, NOW + timedelta(days=2),
                                       appointment.version, policy=POLICY, now=NOW),
        lambda: staff.cancel_appointment(session, outsider, appointment.id, appointment.version, now=NOW),
        lambda: staff.update_journey(session, outsider, person.id, None, stage="on_licence", now=NOW),
        lambda: staff.add_case_update(session, outsider, person.id, "Hello", now=NOW),
        lambda: staff.assign_worker(session, outsider, person.id, stranger.id, "Friend", True, now=NOW),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied) as refused:
            attempt()
        assert "not on your caseload" in refused.value.message

    denied = [e for e in audit_trail(session, actor=outsider) if e.outcome == "denied"]
    assert len(denied) == len(attempts)
    assert all(e.person_id == person.id for e in denied)
    session.expire_all()
    assert session.get_one(Appointment, appointment.id).status == "booked"
    assert session.get(JourneyPosition, person.id) is None
    assert session.scalars(select(CaseUpdate).where(CaseUpdate.worker_id == stranger.id)).all() == []


def test_a_person_who_does_not_exist_looks_the_same_as_one_not_on_the_caseload(session: Session) -> None:
    worker = make_worker(session)
    with pytest.raises(PermissionDenied, match="not on your caseload"):
        staff.person_file(session, StaffActor(worker.id), 987654, TODAY, NOW)


def test_every_write_bumps_the_version_and_leaves_a_case_update_and_an_audit_event(session: Session) -> None:
    agency = make_agency(session, "PS", "Probation Service")
    dee = make_worker(session, agency, name="Dee")
    person = make_person(session, lead=dee)
    me = StaffActor(dee.id)
    appointment = staff.book_appointment(session, me, person.id, NOW + timedelta(days=1), 45, "Office",
                                         "1 High St", "probation", "Your letter", policy=POLICY,
                                         now=NOW)
    assert appointment.version == 1 and appointment.worker_id == dee.id
    new_start = NOW + timedelta(days=2)
    moved = staff.move_appointment(session, me, appointment.id, new_start, 1, place="Library", policy=POLICY,
                                   now=NOW)
    assert (moved.version, moved.status, moved.place) == (2, "moved", "Library")
    done = staff.set_appointment_status(session, me, appointment.id, "attended", 2, policy=POLICY,
                                        now=new_start + timedelta(hours=1))
    assert done.version == 3

    updates = session.scalars(
        select(CaseUpdate).where(CaseUpdate.subject == "appointment").order_by(CaseUpdate.id)
    ).all()
    assert [u.kind for u in updates] == ["appointment.booked", "appointment.moved", "appointment.attended"]
    move = updates[1]
    assert (move.worker_id, move.agency_id, move.actor) == (dee.id, agency.id, f"staff:{dee.id}")
    assert move.field == "place,starts_at,status"
    assert move.before["place"] == "Office" and move.after["place"] == "Library"
    assert move.after["starts_at"] == new_start.isoformat()
    assert move.tell_person and not updates[2].tell_person
    actions = [e.action for e in audit_trail(session, actor=me)]
    assert actions == ["write.appointment.book", "write.appointment.move", "write.appointment.attended"]


def test_a_stale_version_is_a_conflict_and_changes_nothing(session: Session) -> None:
    dee = make_worker(session)
    person = make_person(session, lead=dee)
    appointment = make_appointment(session, person, dee)
    me = StaffActor(dee.id)
    staff.move_appointment(session, me, appointment.id, NOW + timedelta(days=3), 1, policy=POLICY, now=NOW)
    with pytest.raises(ConflictError) as conflict:
        staff.cancel_appointment(session, me, appointment.id, 1, "Ill", now=NOW)
    assert "Someone else changed this" in conflict.value.message
    session.expire_all()
    stored = session.get_one(Appointment, appointment.id)
    assert (stored.status, stored.version) == ("moved", 2)
    (event_row,) = [e for e in audit_trail(session, actor=me) if e.outcome == "conflict"]
    assert event_row.action == "write.appointment.cancelled" and event_row.subject_id == appointment.id


def test_only_one_lead_per_person_in_the_database_itself(session: Session) -> None:
    dee = make_worker(session)
    raj = make_worker(session)
    person = make_person(session, lead=dee)
    session.add(Assignment(person_id=person.id, worker_id=raj.id, role="Also lead", is_lead=True,
                           started_at=NOW))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    # An ended lead does not count: the index covers current assignments only.
    lead = session.scalars(select(Assignment).where(Assignment.person_id == person.id)).one()
    lead.ended_at = NOW
    session.add(Assignment(person_id=person.id, worker_id=raj.id, role="New lead", is_lead=True,
                           started_at=NOW))
    session.commit()


def test_making_someone_lead_steps_the_old_lead_down(session: Session) -> None:
    dee = make_worker(session, name="Dee")
    raj = make_worker(session, name="Raj")
    person = make_person(session, lead=dee)
    assign(session, person, raj, role="Housing worker")
    # Raj is on the team but not lead: he cannot change the team or the licence.
    with pytest.raises(PermissionDenied, match="lead professional"):
        staff.assign_worker(session, StaffActor(raj.id), person.id, raj.id, "Lead", True, now=NOW)
    with pytest.raises(PermissionDenied, match="lead professional"):
        staff.set_licence_conditions(session, StaffActor(raj.id), person.id, [("a", "b")], now=NOW)
    staff.assign_worker(session, StaffActor(dee.id), person.id, raj.id, "Probation officer", True, now=NOW)
    team = staff.person_file(session, StaffActor(raj.id), person.id, TODAY, NOW).team
    assert [(m.name, m.is_lead) for m in team] == [("Raj", True), ("Dee", False)]
    with pytest.raises(InvalidInput, match="new lead"):
        staff.end_assignment(session, StaffActor(raj.id), person.id, raj.id, now=NOW)
    staff.end_assignment(session, StaffActor(raj.id), person.id, dee.id, now=NOW)
    with pytest.raises(PermissionDenied):
        staff.person_file(session, StaffActor(dee.id), person.id, TODAY, NOW)
    with pytest.raises(NotFound):
        staff.assign_worker(session, SYSTEM, person.id, 99999, "Ghost", False, now=NOW)


def test_journey_money_and_pharmacy_records_are_versioned(session: Session) -> None:
    dee = make_worker(session)
    person = make_person(session, lead=dee)
    me = StaffActor(dee.id)
    with pytest.raises(InvalidInput, match="stage"):
        staff.update_journey(session, me, person.id, None, prison="HMP Brixton", now=NOW)
    position = staff.update_journey(session, me, person.id, None, stage="in_prison", prison="HMP Brixton",
                                    release_date=date(2027, 9, 1), now=NOW)
    assert position.version == 1
    with pytest.raises(ConflictError):
        staff.update_journey(session, me, person.id, None, stage="release_day", now=NOW)
    with pytest.raises(InvalidInput, match="must be one of"):
        staff.update_journey(session, me, person.id, 1, stage="on_the_moon", now=NOW)
    with pytest.raises(InvalidInput, match="must be a date"):
        staff.update_journey(session, me, person.id, 1, release_date="next week", now=NOW)
    with pytest.raises(InvalidInput, match="cannot be changed"):
        staff.update_journey(session, me, person.id, 1, version=5, now=NOW)
    position = staff.update_journey(session, me, person.id, 1, release_confirmed=True, now=NOW)
    assert position.version == 2 and position.release_confirmed

    claim = staff.update_benefit_claim(session, me, person.id, None, claimed_on=date(2027, 9, 2), now=NOW)
    claim = staff.update_benefit_claim(session, me, person.id, claim.version,
                                       steps_done=["claim_online", "bank_account"], now=NOW)
    assert claim.steps_done == ["bank_account", "claim_online"] and claim.version == 2
    with pytest.raises(InvalidInput, match="step keys"):
        staff.update_benefit_claim(session, me, person.id, 2, steps_done="bank_account", now=NOW)

    with pytest.raises(InvalidInput, match="pharmacy name"):
        staff.update_pharmacy_plan(session, me, person.id, None, dose_mode="supervised", now=NOW)
    plan = staff.update_pharmacy_plan(session, me, person.id, None, pharmacy_name="Boots", now=NOW)
    plan = staff.update_pharmacy_plan(session, me, person.id, plan.version, missed_in_a_row=2, now=NOW)
    assert plan.version == 2 and plan.missed_in_a_row == 2
    with pytest.raises(InvalidInput, match="days of the week"):
        staff.update_pharmacy_plan(session, me, person.id, 2, pickup_days=[7], now=NOW)
    with pytest.raises(ConflictError):
        staff.update_pharmacy_plan(session, me, person.id, 1, missed_in_a_row=0, now=NOW)


def test_bad_appointment_details_get_a_kind_message_and_save_nothing(session: Session) -> None:
    dee = make_worker(session)
    person = make_person(session, lead=dee)
    me = StaffActor(dee.id)
    naive = NOW.replace(tzinfo=None)
    cases = [
        (dict(start=naive), "time zone"),
        (dict(minutes=0), "between 1 minute and 24 hours"),
        (dict(place="  "), "where the appointment is"),
        (dict(place="x" * 300), "too long"),
    ]
    for override, message in cases:
        details = dict(start=NOW + timedelta(days=1), minutes=30, place="Office", address="", kind="probation",
                       bring="")
        details.update(override)
        with pytest.raises(InvalidInput, match=message):
            staff.book_appointment(session, me, person.id, **details, policy=POLICY, now=NOW)  # type: ignore[arg-type]
    assert session.scalars(select(Appointment)).all() == []
    with pytest.raises(InvalidInput, match="status"):
        staff.set_appointment_status(session, me, 1, "vanished", 1, policy=POLICY, now=NOW)
    with pytest.raises(NotFound):
        staff.set_appointment_status(session, me, 424242, "missed", 1, policy=POLICY, now=NOW)
    assert session.scalars(select(AuditEvent).where(AuditEvent.outcome == "not_found")).one().subject_id == 424242
