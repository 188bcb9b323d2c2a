"""Forgetting a person: everything goes but the bare audit trail, and the closed file takes nothing more."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from factories import NOW, POLICY, SYSTEM, make_appointment, make_person, make_worker
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from casefile import linking, outbox, people, staff
from casefile.actors import PersonActor, StaffActor, SystemActor
from casefile.erasure import FORGOTTEN_NAME, forget_person
from casefile.errors import InvalidInput, LinkCodeInvalid, NotFound, PermissionDenied
from casefile.export import export_person
from casefile.linking import CodeHasher
from casefile.models import AuditEvent, Base, LinkAttempt, OutboxMessage, Person

CHEAP = CodeHasher(n=2, r=1, p=1)
CLI = SystemActor("cli")
LATER = NOW + timedelta(days=1)
CLOSED = "This file has been closed, so nothing can be added to it or changed."


def rows_about(engine: Engine, person_id: int) -> dict[str, int]:
    """How many rows each table holds about the person (tables with a person_id column)."""
    counts: dict[str, int] = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if "person_id" in table.c:
                counts[table.name] = connection.execute(
                    select(func.count()).select_from(table).where(table.c.person_id == person_id)
                ).scalar_one()
    return counts


def linked_person(session: Session):
    officer = make_worker(session, name="Dee")
    person = make_person(session, name="Ash", lead=officer, stage="on_licence")
    staff.set_licence_conditions(session, SYSTEM, person.id, [("Official words.", "Plain words.")], now=NOW)
    make_appointment(session, person, officer)
    staff.update_benefit_claim(session, SYSTEM, person.id, None, steps_done=["bank_account"], now=NOW)
    staff.update_pharmacy_plan(session, SYSTEM, person.id, None, pharmacy_name="Test Pharmacy", now=NOW)
    people.set_contact_preferences(session, PersonActor(person.id), person.id, quiet_from=time(22),
                                   quiet_until=time(7), voice_notes=True, now=NOW)
    code = linking.issue_link_code(session, SYSTEM, person_id=person.id, now=NOW, hasher=CHEAP)
    with pytest.raises(LinkCodeInvalid):
        linking.redeem_link_code(session, "telegram", 77, "WRNG-CODE", NOW, hasher=CHEAP)
    linking.redeem_link_code(session, "telegram", 77, code, NOW, hasher=CHEAP)
    spare = linking.issue_link_code(session, SYSTEM, person_id=person.id, now=NOW, hasher=CHEAP)
    return person, officer, spare


def test_forgetting_removes_everything_but_the_bare_audit_trail(engine: Engine, session: Session) -> None:
    person, _officer, _spare = linked_person(session)
    other = make_person(session, name="Bo")
    other_before = rows_about(engine, other.id)
    events_before = rows_about(engine, person.id)["audit_events"]

    report = forget_person(session, CLI, person.ref, now=LATER)

    left = rows_about(engine, person.id)
    assert {name: count for name, count in left.items() if count} == {"audit_events": events_before + 1}
    removed = {table: count for table, count in report.removed.items() if count}
    assert {table: removed.pop(table) for table in ("chat_links", "link_codes", "appointments", "assignments",
                                                     "licence_conditions", "benefit_claims", "pharmacy_plans",
                                                     "journey_positions")} == {
        "chat_links": 1, "link_codes": 2, "appointments": 1, "assignments": 1, "licence_conditions": 1,
        "benefit_claims": 1, "pharmacy_plans": 1, "journey_positions": 1}
    assert removed.pop("case_updates") >= 5
    # The appointment's reminders, when the reminder rules made some; and the mark for the planner that the
    # person's last changes left, if no planner has read it yet.
    assert set(removed) <= {"outbox", "planning_marks"}
    assert report.audit_events_kept == events_before
    assert report.summary() == (f'The file for "{person.ref}" is closed. {sum(report.removed.values())} records '
                                f"were removed. {events_before} audit events were kept, without their text.")
    session.rollback()
    closed = session.get(Person, person.id)
    assert closed is not None
    assert (closed.ref, closed.preferred_name, closed.closed_at, closed.paused, closed.reminders_on) == (
        person.ref, FORGOTTEN_NAME, LATER, True, False)
    assert (closed.quiet_from, closed.quiet_until, closed.voice_notes, closed.created_at) == (None, None, False, NOW)
    details = session.scalars(select(AuditEvent.detail).where(AuditEvent.person_id == person.id,
                                                              AuditEvent.action != "write.person.forget")).all()
    assert set(details) == {""}
    forget_event = session.scalars(select(AuditEvent).where(AuditEvent.action == "write.person.forget")).one()
    assert (forget_event.actor_name, forget_event.outcome) == ("system:cli", "ok")
    assert "appointments 1" in forget_event.detail  # counts only, no words from the file
    # The wrong-code count of the person's chat went with it; everyone else is untouched.
    assert session.scalars(select(LinkAttempt)).all() == []
    assert rows_about(engine, other.id) == other_before


def test_notices_to_workers_about_the_person_go_too(engine: Engine, session: Session) -> None:
    person, officer, _spare = linked_person(session)
    other = make_person(session, name="Bo")
    outbox.add_worker_notice(session, officer.id, person.id, "cant_make_it", NOW, extra={"reason": "I am ill"})
    outbox.add_worker_notice(session, officer.id, other.id, "cant_make_it", NOW, extra={"reason": "Bus strike"})
    session.commit()
    forget_person(session, CLI, person.ref, now=LATER)
    session.rollback()
    left = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "worker_notice")).all()
    assert [notice.payload["reason"] for notice in left] == ["Bus strike"]


def test_a_closed_file_takes_no_chat_no_codes_and_no_records(session: Session) -> None:
    person, officer, spare = linked_person(session)
    forget_person(session, CLI, person.ref, now=LATER)

    assert linking.chat_link_for(session, "telegram", 77) is None
    with pytest.raises(LinkCodeInvalid):  # codes issued before are gone
        linking.redeem_link_code(session, "telegram", 78, spare, LATER, hasher=CHEAP)
    with pytest.raises(PermissionDenied, match=CLOSED):
        linking.issue_link_code(session, SYSTEM, person_id=person.id, now=LATER, hasher=CHEAP)
    with pytest.raises(PermissionDenied, match=CLOSED):
        staff.book_appointment(session, SYSTEM, person.id, LATER + timedelta(days=1), 30, "Office", "", "probation",
                               "", policy=POLICY, now=LATER)
    with pytest.raises(PermissionDenied, match=CLOSED):
        people.set_language(session, PersonActor(person.id), person.id, "cy", now=LATER)
    with pytest.raises(PermissionDenied):  # the team went with the file
        staff.person_file(session, StaffActor(officer.id), person.id, LATER.date(), LATER)


def test_forgetting_is_for_signposts_own_tools_and_happens_once(session: Session) -> None:
    person, officer, _spare = linked_person(session)
    with pytest.raises(PermissionDenied):
        forget_person(session, StaffActor(officer.id), person.ref, now=LATER)
    with pytest.raises(NotFound, match='There is no person with reference "P-NOBODY".'):
        forget_person(session, CLI, "P-NOBODY", now=LATER)
    forget_person(session, CLI, person.ref, now=LATER)
    with pytest.raises(InvalidInput, match=f'The file for "{person.ref}" was closed already, on 2027-06-10.'):
        forget_person(session, CLI, person.ref, now=LATER + timedelta(hours=1))


def test_the_export_of_a_closed_file_shows_what_was_kept(session: Session) -> None:
    person, _officer, _spare = linked_person(session)
    forget_person(session, CLI, person.ref, now=LATER)
    document = export_person(session, CLI, person.ref, now=LATER + timedelta(minutes=1))
    assert document["person"]["closed_at"] == LATER.isoformat()
    assert document["person"]["preferred_name"] == FORGOTTEN_NAME
    empty = ("journey", "pharmacy_plan")
    lists = ("licence_conditions", "team", "appointments", "benefit_claims", "case_updates", "chat_links",
             "link_codes")
    assert all(document[name] is None for name in empty) and all(document[name] == [] for name in lists)
    kept = document["audit_events"]
    assert {event["detail"] for event in kept if event["action"] != "write.person.forget"} == {""}
    assert (kept[-1]["action"], kept[-1]["at"]) == (
        "write.person.forget", datetime(2027, 6, 10, 8, 30, tzinfo=UTC).isoformat())
