"""Why a person on the caseload needs a look: every reason, in the order the page shows them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from casefile import staff
from casefile.models import Appointment, OutboxMessage
from console.routes.caseload import attention_notes, load_caseload
from tests.casefile.factories import NOW, SYSTEM, make_appointment, make_person, make_worker


def test_every_reason_is_listed_in_order_and_only_for_that_person(session: Session) -> None:
    dee = make_worker(session, name="Dee")
    ash = make_person(session, name="Zed", lead=dee)
    bo = make_person(session, name="Al", lead=dee)
    staff.update_pharmacy_plan(session, SYSTEM, ash.id, None, pharmacy_name="Hill Pharmacy", missed_in_a_row=1,
                               now=NOW)
    missed = [make_appointment(session, ash, dee, start=NOW - timedelta(days=days)) for days in (2, 3)]
    make_appointment(session, ash, dee, start=NOW - timedelta(days=4))  # not marked either way
    make_appointment(session, ash, dee, start=NOW - timedelta(days=20))  # too long ago to count
    make_appointment(session, ash, dee, start=NOW - timedelta(minutes=30))  # may still be going on
    soon = make_appointment(session, ash, dee, start=NOW + timedelta(days=2))
    session.execute(update(Appointment).where(Appointment.id.in_([a.id for a in missed])).values(status="missed"))
    reminder = session.scalars(select(OutboxMessage.id).where(OutboxMessage.appointment_id == soon.id)).first()
    session.execute(update(OutboxMessage).where(OutboxMessage.id == reminder).values(state="failed"))
    session.commit()

    notes = attention_notes(session, [ash.id, bo.id], NOW)
    assert notes == {
        ash.id: ["Missed 1 pharmacy pick-up in a row", "Missed 2 appointments in the last 2 weeks",
                 "1 past appointment not marked attended or missed", "1 reminder could not be sent"],
        bo.id: [],
    }
    lines = load_caseload(session, dee.id, NOW, NOW.date())
    assert [line.row.preferred_name for line in lines] == ["Zed", "Al"]  # needing attention first, then by name
    assert attention_notes(session, [], NOW) == {}
