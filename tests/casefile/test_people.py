"""The person's view and the things a person changes themselves."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, time, timedelta

import pytest
from factories import NOW, POLICY, SYSTEM, assign, make_agency, make_appointment, make_person, make_worker
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from casefile import people, staff
from casefile.actors import PersonActor, StaffActor
from casefile.audit import audit_trail
from casefile.errors import ConflictError, InvalidInput, NotFound, PermissionDenied
from casefile.models import Appointment, CaseUpdate, Person

TODAY = NOW.date()


@contextmanager
def counting_statements(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith("BEGIN"):  # SQLite's own transaction start
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _full_person(session: Session, tag: str = "") -> tuple[int, int]:
    """A person with a team, journey, licence, money, pharmacy and updates. Returns (person id, lead id)."""
    probation = make_agency(session, f"PS{tag}", "Probation Service")
    housing = make_agency(session, f"HOUSE{tag}", "Lewisham Housing Help")
    lead = make_worker(session, probation, name="Dee Okafor", role="Your probation officer")
    helper = make_worker(session, housing, name="Raj Patel", role="Helps you find somewhere to live")
    person = make_person(session, name="Jay", lead=lead)
    assign(session, person, helper, role="Housing worker")
    staff.update_journey(session, StaffActor(lead.id), person.id, None, stage="on_licence",
                         release_date=date(2027, 6, 1), release_confirmed=True, licence_end=date(2028, 6, 1),
                         top_up_end=date(2029, 6, 1), prison="HMP Brixton", now=NOW)
    staff.set_licence_conditions(session, StaffActor(lead.id), person.id, [
        ("Reside permanently at an address approved by the supervising officer.",
         "Live where your probation officer agreed."),
        ("Be of good behaviour and not behave in a way which undermines the purpose of the licence period.",
         "Stay out of trouble."),
    ], now=NOW)
    staff.update_benefit_claim(session, StaffActor(helper.id), person.id, None, now=NOW,
                               claimed_on=date(2027, 6, 2), steps_done=["bank_account", "claim_online"],
                               advance_requested=True)
    staff.update_pharmacy_plan(session, StaffActor(lead.id), person.id, None, now=NOW,
                               pharmacy_name="High Street Pharmacy", address="2 High Street",
                               open_days=[0, 1, 2, 3, 4, 5], opens_at=time(9), closes_at=time(18),
                               pickup_days=[0, 2, 4], pickup_time=time(10), dose_mode="supervised",
                               script_start=date(2027, 6, 1), script_end=date(2027, 7, 1))
    make_appointment(session, person, helper, start=NOW + timedelta(days=2), kind="housing")
    return person.id, lead.id


def test_person_view_has_everything_the_chat_needs(session: Session) -> None:
    person_id, lead_id = _full_person(session)
    view = people.person_view(session, person_id, TODAY, NOW)

    assert view.person.preferred_name == "Jay"
    assert view.stage == "on_licence" and view.prison == "HMP Brixton"
    assert view.dates.release_date == date(2027, 6, 1) and view.dates.release_confirmed
    assert view.dates.top_up_end == date(2029, 6, 1)
    assert [c.plain for c in view.licence_conditions] == ["Live where your probation officer agreed.",
                                                          "Stay out of trouble."]
    assert view.lead is not None and view.lead.worker_id == lead_id
    assert view.lead.agency_short_name == "PS" and view.lead.assignment_role == "Probation officer"
    assert {m.name for m in view.team} == {"Dee Okafor", "Raj Patel"}
    assert view.team[0].is_lead  # the lead comes first
    (appointment,) = view.appointments
    assert appointment.kind == "housing" and appointment.agency_short_name == "HOUSE"
    assert appointment.starts_at.tzinfo is not None
    assert view.next_appointment == appointment
    claim = view.benefit_claim
    assert claim is not None and claim.steps_done == {"bank_account", "claim_online"}
    assert claim.advance_requested
    assert view.pharmacy_plan is not None and view.pharmacy_plan.pickup_days == (0, 2, 4)
    kinds = {update.kind for update in view.unseen_updates}
    assert {"appointment.booked", "journey.changed", "team.changed", "licence_conditions.changed"} <= kinds
    # Money and pharmacy changes are for staff unless they choose to tell the person.
    assert "pharmacy_plan.changed" not in kinds


def test_person_view_takes_the_same_few_queries_with_1_or_50_appointments(
    session: Session, engine: Engine
) -> None:
    person_id, _ = _full_person(session)
    other_id, _ = _full_person(session, tag="2")
    other = session.get_one(Person, other_id)
    for hour in range(49):
        make_appointment(session, other, start=NOW + timedelta(hours=hour + 3))
    session.expunge_all()

    with counting_statements(engine) as one:
        small = people.person_view(session, person_id, TODAY, NOW)
    with counting_statements(engine) as fifty:
        big = people.person_view(session, other_id, TODAY, NOW, upcoming_limit=60)
    assert len(small.appointments) == 1 and len(big.appointments) == 50
    queries = [s for s in one if s.lstrip().upper().startswith("SELECT")]
    assert len(one) == len(fifty) == len(queries)
    assert len(queries) <= 6


def test_many_views_at_once_match_one_at_a_time_in_six_queries(session: Session, engine: Engine) -> None:
    full_id, _ = _full_person(session)
    busy_id, _ = _full_person(session, tag="2")
    busy = session.get_one(Person, busy_id)
    for hour in range(30):  # more than the limit, and one already over
        make_appointment(session, busy, start=NOW + timedelta(hours=hour - 3))
    bare_id = make_person(session, name="Bo").id
    session.expunge_all()

    with counting_statements(engine) as statements:
        views = people.build_person_views(session, [busy_id, 424242, full_id, bare_id, full_id], TODAY, NOW, 5, 3)
    assert len(statements) <= 6
    assert set(views) == {full_id, busy_id, bare_id}  # someone who does not exist is left out
    for person_id, view in views.items():
        assert view == people.build_person_view(session, person_id, TODAY, NOW, 5, 3)
    assert len(views[busy_id].appointments) == 5 and len(views[full_id].unseen_updates) == 3
    assert views[bare_id].team == () and views[bare_id].pharmacy_plan is None
    assert people.build_person_views(session, [], TODAY, NOW, 5, 3) == {}


def test_appointments_already_over_are_left_out(session: Session) -> None:
    person = make_person(session)
    make_appointment(session, person, start=NOW - timedelta(hours=3), minutes=60)
    going_on = make_appointment(session, person, start=NOW - timedelta(minutes=30), minutes=60)
    view = people.person_view(session, person.id, TODAY, NOW)
    assert [a.id for a in view.appointments] == [going_on.id]


def test_unknown_person_is_not_found(session: Session) -> None:
    with pytest.raises(NotFound):
        people.person_view(session, 424242, TODAY, NOW)


def test_a_person_cannot_read_someone_elses_view(session: Session) -> None:
    mine = make_person(session, name="Ash")
    theirs = make_person(session, name="Bo")
    assert people.person_view(session, mine.id, TODAY, NOW, actor=PersonActor(mine.id)).person.id == mine.id
    with pytest.raises(PermissionDenied) as refused:
        people.person_view(session, theirs.id, TODAY, NOW, actor=PersonActor(mine.id))
    assert "your own" in refused.value.message
    (event_row,) = audit_trail(session, actor=PersonActor(mine.id))
    assert event_row.outcome == "denied" and event_row.person_id == theirs.id


def test_marking_updates_seen(session: Session) -> None:
    person = make_person(session)
    other = make_person(session, name="Kim")
    make_appointment(session, person)
    theirs = make_appointment(session, other)
    view = people.person_view(session, person.id, TODAY, NOW)
    ids = [u.id for u in view.unseen_updates]
    assert ids
    assert people.mark_updates_seen(session, person.id, ids, NOW) == len(ids)
    assert people.mark_updates_seen(session, person.id, ids, NOW) == 0
    assert people.person_view(session, person.id, TODAY, NOW).unseen_updates == ()

    their_update = session.scalars(
        select(CaseUpdate.id).where(CaseUpdate.subject_id == theirs.id, CaseUpdate.subject == "appointment")
    ).one()
    with pytest.raises(PermissionDenied):
        people.mark_updates_seen(session, person.id, [their_update], NOW)
    assert len(people.person_view(session, other.id, TODAY, NOW).unseen_updates) == 1


def test_language_discreet_and_pause(session: Session) -> None:
    person = make_person(session)
    me = PersonActor(person.id)
    people.set_language(session, me, person.id, "cy", now=NOW)
    people.set_discreet(session, me, person.id, True, now=NOW)
    version = people.set_paused(session, me, person.id, True, now=NOW)
    info = people.person_view(session, person.id, TODAY, NOW).person
    assert (info.language, info.discreet, info.paused, info.version) == ("cy", True, True, version)
    assert version == 4  # created at 1, then three changes
    with pytest.raises(InvalidInput, match="English"):
        people.set_language(session, me, person.id, "fr", now=NOW)
    with pytest.raises(PermissionDenied):
        people.set_paused(session, me, make_person(session, name="Lee").id, True, now=NOW)
    people.set_contact_preferences(session, me, person.id, remind_hours_before=4, voice_notes=True, now=NOW)
    assert people.person_view(session, person.id, TODAY, NOW).person.remind_hours_before == 4
    with pytest.raises(InvalidInput):
        people.set_contact_preferences(session, me, person.id, remind_hours_before=500, now=NOW)


def test_a_person_answers_their_own_appointment_only(session: Session) -> None:
    worker = make_worker(session)
    ash = make_person(session, name="Ash", lead=worker)
    bo = make_person(session, name="Bo", lead=worker)
    mine = make_appointment(session, ash, worker)
    theirs = make_appointment(session, bo, worker)

    booked_version = mine.version
    answered = people.respond_to_appointment(session, PersonActor(ash.id), mine.id, True, None, booked_version,
                                             now=NOW)
    assert answered.status == "confirmed" and answered.version == booked_version + 1

    with pytest.raises(PermissionDenied):
        people.respond_to_appointment(session, PersonActor(ash.id), theirs.id, False, "bus", None, now=NOW)
    session.expire_all()
    assert session.get_one(Appointment, theirs.id).status == "booked"
    denied = [e for e in audit_trail(session, actor=PersonActor(ash.id)) if e.outcome == "denied"]
    assert [(e.subject_id, e.person_id) for e in denied] == [(theirs.id, bo.id)]

    # An answer to a version the person never saw (it moved since) is refused.
    seen_version = answered.version
    moved_version = staff.move_appointment(session, StaffActor(worker.id), mine.id, NOW + timedelta(days=3),
                                           seen_version, policy=POLICY, now=NOW).version
    with pytest.raises(ConflictError):
        people.respond_to_appointment(session, PersonActor(ash.id), mine.id, False, "work", seen_version,
                                      now=NOW)
    cannot = people.respond_to_appointment(session, PersonActor(ash.id), mine.id, False, "  I start work  ",
                                           moved_version, now=NOW)
    assert (cannot.status, cannot.status_reason) == ("cant_make_it", "I start work")


def test_staff_changes_reach_the_person_view(session: Session) -> None:
    worker = make_worker(session)
    person = make_person(session, lead=worker)
    staff.add_case_update(session, StaffActor(worker.id), person.id, "Your housing form was sent.",
                          tell_person=True, now=NOW)
    staff.add_case_update(session, SYSTEM, person.id, "Internal note for staff only.", now=NOW)
    summaries = [u.summary for u in people.person_view(session, person.id, TODAY, NOW).unseen_updates]
    assert "Your housing form was sent." in summaries
    assert "Internal note for staff only." not in summaries


def test_a_person_cannot_do_staff_things_to_their_own_file(session: Session) -> None:
    from casefile import linking

    worker = make_worker(session)
    person = make_person(session, lead=worker)
    appointment = make_appointment(session, person, worker)
    me = PersonActor(person.id)
    attempts = [
        lambda: staff.book_appointment(session, me, person.id, NOW + timedelta(days=1), 30, "Home", "",
                                       "probation", "", policy=POLICY, now=NOW),
        lambda: staff.move_appointment(session, me, appointment.id, NOW + timedelta(days=4), 1, policy=POLICY,
                                       now=NOW),
        lambda: staff.update_journey(session, me, person.id, None, stage="sentence_ended", now=NOW),
        lambda: staff.update_benefit_claim(session, me, person.id, None, advance_requested=True, now=NOW),
        lambda: staff.add_case_update(session, me, person.id, "I am fine", now=NOW),
        lambda: staff.assign_worker(session, me, person.id, worker.id, "Friend", True, now=NOW),
        lambda: linking.issue_link_code(session, me, person_id=person.id, now=NOW, hasher=linking.CodeHasher()),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied, match="key worker"):
            attempt()
    denied = [e for e in audit_trail(session, actor=me) if e.outcome == "denied"]
    assert len(denied) == len(attempts)
    assert people.person_view(session, person.id, TODAY, NOW).stage is None


def test_the_lead_cannot_be_stepped_down_without_a_new_lead(session: Session) -> None:
    worker = make_worker(session)
    person = make_person(session, lead=worker)
    with pytest.raises(InvalidInput, match="new lead"):
        staff.assign_worker(session, SYSTEM, person.id, worker.id, "Probation officer", False, now=NOW)
    assert people.person_view(session, person.id, TODAY, NOW).lead is not None
