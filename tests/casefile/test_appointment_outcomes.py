"""An outcome only for an appointment that has begun and is still on, and a day to correct a mistake.

Issue 12: a crafted request marked a future appointment missed (the person was told "Missed it?" days
early and its reminders stopped) and revived a cancelled one as attended. The rule is in the case file,
so the console, the worker chat and the command line all get it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casefile import staff
from casefile.actors import StaffActor
from casefile.errors import InvalidInput, PermissionDenied
from casefile.models import Appointment, AuditEvent, OutboxMessage
from tests.casefile.factories import (
    NOW,
    POLICY,
    assign,
    make_agency,
    make_appointment,
    make_person,
    make_worker,
)


def _booked(session: Session) -> tuple[StaffActor, Appointment]:
    lead = make_worker(session, make_agency(session, "PS"), name="Dee")
    person = make_person(session, lead=lead)
    return StaffActor(lead.id), make_appointment(session, person, lead, start=NOW + timedelta(days=2))


def _outbox_kinds(session: Session, appointment: Appointment) -> list[tuple[str, str]]:
    rows = session.execute(select(OutboxMessage.kind, OutboxMessage.state)
                           .where(OutboxMessage.appointment_id == appointment.id).order_by(OutboxMessage.id)).all()
    return [(kind, state) for kind, state in rows]


@pytest.mark.parametrize("outcome", ["missed", "attended"])
def test_an_appointment_that_has_not_begun_cannot_have_an_outcome(session: Session, outcome: str) -> None:
    me, appointment = _booked(session)
    reminders_before = _outbox_kinds(session, appointment)
    with pytest.raises(InvalidInput, match="has not started yet"):
        staff.set_appointment_status(session, me, appointment.id, outcome, 1, policy=POLICY, now=NOW)
    session.expire_all()
    kept = session.get(Appointment, appointment.id)
    assert kept is not None and (kept.status, kept.version) == ("booked", 1)
    assert _outbox_kinds(session, appointment) == reminders_before  # no "Missed it?", no reminder cancelled
    assert session.scalar(select(func.count()).select_from(OutboxMessage)
                          .where(OutboxMessage.kind == "appointment_missed")) == 0


def test_a_cancelled_appointment_cannot_come_back_as_attended(session: Session) -> None:
    me, appointment = _booked(session)
    staff.cancel_appointment(session, me, appointment.id, 1, "Office closed", now=NOW)
    after_it = appointment.starts_at + timedelta(hours=2)
    for status in ("attended", "missed", "booked", "confirmed"):
        with pytest.raises(InvalidInput, match="was cancelled"):
            staff.set_appointment_status(session, me, appointment.id, status, 2, policy=POLICY, now=after_it)
    session.expire_all()
    assert session.get(Appointment, appointment.id).status == "cancelled"  # type: ignore[union-attr]


def test_an_outcome_can_be_corrected_within_a_day_with_a_reason(session: Session) -> None:
    me, appointment = _booked(session)
    marked_at = appointment.starts_at + timedelta(hours=1)
    staff.set_appointment_status(session, me, appointment.id, "missed", 1, policy=POLICY, now=marked_at)
    with pytest.raises(InvalidInput, match="say why"):
        staff.set_appointment_status(session, me, appointment.id, "attended", 2, policy=POLICY,
                                     now=marked_at + timedelta(hours=3))
    with pytest.raises(InvalidInput, match="only correct it to attended or missed"):
        staff.set_appointment_status(session, me, appointment.id, "booked", 2, "oops", policy=POLICY,
                                     now=marked_at + timedelta(hours=3))
    fixed = staff.set_appointment_status(session, me, appointment.id, "attended", 2, "Signed in at reception late",
                                         policy=POLICY, now=marked_at + timedelta(hours=3))
    assert (fixed.status, fixed.version) == ("attended", 3)
    with pytest.raises(InvalidInput, match="only within a day"):
        staff.set_appointment_status(session, me, appointment.id, "missed", 3, "Changed my mind", policy=POLICY,
                                     now=marked_at + timedelta(days=2))


def test_an_outcome_once_the_appointment_has_begun_is_recorded(session: Session) -> None:
    me, appointment = _booked(session)
    done = staff.set_appointment_status(session, me, appointment.id, "attended", 1, policy=POLICY,
                                        now=appointment.starts_at + timedelta(minutes=5))
    assert done.status == "attended"


def test_a_team_member_changes_only_their_own_agency_s_appointments_and_the_lead_any(session: Session) -> None:
    probation, housing = make_agency(session, "PS"), make_agency(session, "HOUSE")
    lead = make_worker(session, probation, name="Lee Lead")
    officer = make_worker(session, probation, name="Pat Probation")
    housing_worker = make_worker(session, housing, name="Hal Housing")
    person = make_person(session, lead=lead)
    assign(session, person, officer)
    assign(session, person, housing_worker, role="Housing worker")
    probation_appointment = make_appointment(session, person, officer, start=NOW + timedelta(days=2))
    housing_appointment = make_appointment(session, person, housing_worker, start=NOW + timedelta(days=3),
                                           kind="housing")
    after = NOW + timedelta(days=4)
    hal = StaffActor(housing_worker.id)
    with pytest.raises(PermissionDenied, match="another agency"):
        staff.set_appointment_status(session, hal, probation_appointment.id, "missed", 1, policy=POLICY, now=after)
    with pytest.raises(PermissionDenied, match="another agency"):
        staff.cancel_appointment(session, hal, probation_appointment.id, 1, now=NOW)
    with pytest.raises(PermissionDenied, match="another agency"):
        staff.move_appointment(session, hal, probation_appointment.id, NOW + timedelta(days=5), 1, policy=POLICY,
                               now=NOW)
    session.expire_all()
    assert session.get(Appointment, probation_appointment.id).status == "booked"  # type: ignore[union-attr]
    denied = session.scalars(select(AuditEvent).where(AuditEvent.outcome == "denied",
                                                      AuditEvent.actor_name == f"staff:{housing_worker.id}")).all()
    assert len(denied) == 3
    # Their own agency's appointment, yes; a colleague in the same agency, yes; the lead, any.
    staff.set_appointment_status(session, hal, housing_appointment.id, "attended", 1, policy=POLICY, now=after)
    staff.set_appointment_status(session, StaffActor(officer.id), probation_appointment.id, "missed", 1,
                                 policy=POLICY, now=after)
    staff.set_appointment_status(session, StaffActor(lead.id), probation_appointment.id, "attended", 2,
                                 "Came in the afternoon", policy=POLICY, now=after)
