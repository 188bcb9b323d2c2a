"""The subject access export: every table about the person, readable, with London times, and audited."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

import pytest
from factories import NOW, SYSTEM, make_appointment, make_person, make_worker
from sqlalchemy import select
from sqlalchemy.orm import Session

from casefile import linking, staff
from casefile.actors import StaffActor, SystemActor
from casefile.errors import NotFound, PermissionDenied
from casefile.export import export_json, export_person
from casefile.linking import CodeHasher
from casefile.models import AuditEvent, Base

CHEAP = CodeHasher(n=2, r=1, p=1)
CLI = SystemActor("cli")


def full_file(session: Session):
    """A person with something in every table the export covers."""
    officer = make_worker(session, name="Dee", role="Your probation officer")
    person = make_person(session, name="Ash", lead=officer, stage="on_licence")
    staff.set_licence_conditions(session, SYSTEM, person.id, [("Reside at an approved address.",
                                                                "Live where you have been told to.")], now=NOW)
    make_appointment(session, person, officer, start=datetime(2027, 6, 14, 9, 30, tzinfo=UTC))
    staff.update_benefit_claim(session, SYSTEM, person.id, None, claimed_on=date(2027, 6, 1),
                               steps_done=["bank_account"], now=NOW)
    staff.update_pharmacy_plan(session, SYSTEM, person.id, None, pharmacy_name="Test Pharmacy", open_days=[0, 1],
                               pickup_days=[0], opens_at=time(9), closes_at=time(17), now=NOW)
    code = linking.issue_link_code(session, SYSTEM, person_id=person.id, now=NOW, hasher=CHEAP)
    linking.redeem_link_code(session, "telegram", 4242, code, NOW + timedelta(minutes=5), hasher=CHEAP)
    return person, officer


def test_the_export_holds_every_table_about_the_person_in_readable_json(session: Session) -> None:
    person, officer = full_file(session)
    made_at = NOW + timedelta(hours=1)
    document = export_person(session, CLI, person.ref, now=made_at)

    assert list(document)[:12] == ["export", "person", "journey", "licence_conditions", "team", "appointments",
                                   "benefit_claims", "pharmacy_plan", "case_updates", "chat_links", "link_codes",
                                   "audit_events"]
    # Every other table about the person follows whole, under its own name (the reminders outbox...).
    others = {table.name for table in Base.metadata.sorted_tables if "person_id" in table.c} - {
        "journey_positions", "licence_conditions", "assignments", "appointments", "benefit_claims",
        "pharmacy_plans", "case_updates", "chat_links", "link_codes", "audit_events"}
    assert set(list(document)[12:]) == others and "outbox" in others
    assert document["export"]["made_at"] == "2027-06-09T09:30:00+00:00"
    assert document["export"]["made_at_london"] == "2027-06-09T10:30:00+01:00"  # summer time
    assert document["person"]["preferred_name"] == "Ash" and document["person"]["ref"] == person.ref
    assert document["journey"]["stage"] == "on_licence"
    assert document["licence_conditions"][0]["plain_text"] == "Live where you have been told to."
    (member,) = document["team"]
    assert (member["is_lead"], member["worker"]["name"], member["agency"]["short_name"]) == (
        True, "Dee", officer.agency.short_name)
    (appointment,) = document["appointments"]
    assert (appointment["starts_at"], appointment["starts_at_london"], appointment["worker_name"]) == (
        "2027-06-14T09:30:00+00:00", "2027-06-14T10:30:00+01:00", "Dee")
    assert document["benefit_claims"][0]["claimed_on"] == "2027-06-01"
    assert document["pharmacy_plan"]["opens_at"] == "09:00:00"
    assert document["pharmacy_plan"]["open_days_named"] == ["Monday", "Tuesday"]
    kinds = [update["kind"] for update in document["case_updates"]]
    assert {"journey.changed", "team.changed", "appointment.booked", "link_code.issued"} <= set(kinds)
    assert document["chat_links"][0]["chat_id"] == "4242"
    (code,) = document["link_codes"]
    assert "code_hash" not in code and code["used_at"] is not None
    actions = [event["action"] for event in document["audit_events"]]
    assert "write.chat_link" in actions and "write.person.add" in actions
    # Indented, and it reads back the same.
    text = export_json(document)
    assert text.startswith('{\n  "export": {\n') and json.loads(text) == document


def test_the_export_is_audited_as_a_read(session: Session) -> None:
    person, _officer = full_file(session)
    export_person(session, CLI, person.ref, now=NOW)
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "read.export")).one()
    assert (event.actor_name, event.person_id, event.outcome, event.detail) == (
        "system:cli", person.id, "ok", "subject access export")


def test_a_worker_may_export_only_people_on_their_team(session: Session) -> None:
    person, officer = full_file(session)
    stranger = make_worker(session, name="Stranger")
    assert export_person(session, StaffActor(officer.id), person.ref, now=NOW)["person"]["ref"] == person.ref
    with pytest.raises(PermissionDenied):
        export_person(session, StaffActor(stranger.id), person.ref, now=NOW)
    refused = session.scalars(select(AuditEvent).where(AuditEvent.action == "read.export",
                                                       AuditEvent.outcome == "denied")).one()
    assert refused.actor_name == f"staff:{stranger.id}"


def test_an_unknown_reference_is_said_plainly(session: Session) -> None:
    with pytest.raises(NotFound, match='There is no person with reference "P-NOBODY".'):
        export_person(session, CLI, " P-NOBODY ", now=NOW)
