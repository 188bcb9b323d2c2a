"""The console's booking asks only for the team: who an appointment can be with, for a worker on that team."""

from __future__ import annotations

import pytest
from factories import NOW, assign, make_person, make_worker
from sqlalchemy import select
from sqlalchemy.orm import Session

from casefile import staff
from casefile.actors import StaffActor
from casefile.errors import PermissionDenied
from casefile.models import AuditEvent


def test_the_lead_may_book_for_anyone_on_the_team_and_the_others_only_for_themselves(session: Session) -> None:
    dee = make_worker(session, name="Dee")
    raj = make_worker(session, name="Raj")
    sam = make_person(session, name="Sam", lead=dee)
    assign(session, sam, raj, role="Housing worker")

    as_lead = staff.booking_team(session, StaffActor(dee.id), sam.id, now=NOW)
    assert as_lead.preferred_name == "Sam" and as_lead.asked_by_lead
    assert [m.name for m in as_lead.team] == ["Dee", "Raj"]  # lead first
    assert [m.name for m in as_lead.bookable_for(dee.id)] == ["Dee", "Raj"]

    as_helper = staff.booking_team(session, StaffActor(raj.id), sam.id, now=NOW)
    assert not as_helper.asked_by_lead and [m.name for m in as_helper.bookable_for(raj.id)] == ["Raj"]


def test_it_is_not_audited_as_a_read_of_the_file_but_a_refusal_is(session: Session) -> None:
    dee = make_worker(session, name="Dee")
    stranger = make_worker(session, name="Lou")
    sam = make_person(session, name="Sam", lead=dee)
    before = set(session.scalars(select(AuditEvent.id)))

    staff.booking_team(session, StaffActor(dee.id), sam.id, now=NOW)
    assert set(session.scalars(select(AuditEvent.id))) == before
    with pytest.raises(PermissionDenied):
        staff.booking_team(session, StaffActor(stranger.id), sam.id, now=NOW)
    denied = session.scalars(select(AuditEvent).where(AuditEvent.id.not_in(before))).one()
    assert denied.action == "read.booking_team" and denied.outcome == "denied"
