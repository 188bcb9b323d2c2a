"""The planner's lean read (casefile.people.planning_views) plans exactly what each person's full view plans."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from reminder_helpers import CONTENT, NOW, World, book, make_world, outbox_rows, reminder_policy
from sqlalchemy import delete, insert, update
from sqlalchemy.orm import Session, sessionmaker

from bot import i18n
from bot.reminders import planner as planner_module
from bot.reminders.planner import Planner
from bot.reminders.planning import Planned, plan_person
from casefile import appointments, people, records
from casefile.actors import PersonActor, StaffActor
from casefile.models import JourneyPosition, Person, PlanningMark
from casefile.views import PersonView
from journeys.live import LiveJourneys

TODAY = date(2027, 6, 9)  # NOW's London day, a Wednesday
EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]
NOT_SUNDAY = [0, 1, 2, 3, 4, 5]
WINDOWS = (1, 3, 40)
LATER = (NOW, datetime(2027, 6, 9, 16, 45, tzinfo=UTC), datetime(2027, 6, 10, 22, 30, tzinfo=UTC))


def released(session: Session, world: World, day: date) -> None:
    position = session.get(JourneyPosition, world.person_id, populate_existing=True)
    records.update_journey(session, StaffActor(world.worker_id), world.person_id,
                           position.version if position else None, now=NOW,
                           **({} if position else {"stage": "in_prison"}), release_date=day)


def pharmacy(session: Session, world: World, open_days: list[int], **changes: Any) -> None:
    records.update_pharmacy_plan(
        session, StaffActor(world.worker_id), world.person_id, None, now=NOW,
        **{"pharmacy_name": "Boots, Lewisham High Street", "address": "1 High Street", "open_days": open_days,
           "opens_at": time(9, 0), "closes_at": time(18, 0), "pickup_days": EVERY_DAY, "pickup_time": time(10, 0),
           "dose_mode": "supervised", **changes})


def claimed(session: Session, world: World, on: date, done: list[str]) -> None:
    records.update_benefit_claim(session, StaffActor(world.worker_id), world.person_id, None, claimed_on=on,
                                 steps_done=done, now=NOW)


def varied_people(session: Session) -> list[World]:
    """People whose files plan every kind of message, and people whose files plan none."""
    worlds = [make_world(session, number=number, language="cy" if number == 9 else "en", discreet=number == 9,
                         link_person=number != 10) for number in range(1, 14)]
    one, two, three, four, five, six, seven, eight, nine, ten, _eleven, twelve, thirteen = worlds
    released(session, one, TODAY)
    pharmacy(session, one, EVERY_DAY)
    released(session, two, date(2027, 6, 1))
    claimed(session, two, date(2027, 6, 2), ["claim_online"])
    released(session, three, date(2027, 5, 10))
    claimed(session, three, date(2027, 5, 12), ["claim_online", "verify_identity", "jobcentre_interview"])
    # A Jobcentre meeting behind more than the view's 20 appointments is not in it, so it plans nothing.
    released(session, four, date(2027, 6, 10))
    for hour in range(25):
        book(session, four, datetime(2027, 6, 11, 7, 0, tzinfo=UTC) + timedelta(hours=hour))
    book(session, four, datetime(2027, 6, 14, 9, 0, tzinfo=UTC), kind="jobcentre", place="Lewisham Jobcentre")
    released(session, five, date(2027, 6, 8))
    meeting = book(session, five, datetime(2027, 6, 15, 9, 0, tzinfo=UTC), kind="jobcentre",
                   place="Lewisham Jobcentre")
    appointments.cancel_appointment(session, StaffActor(five.worker_id), meeting, 1, "moved", now=NOW)
    book(session, five, datetime(2027, 6, 16, 13, 0, tzinfo=UTC), kind="jobcentre", place="Lewisham Jobcentre")
    released(session, six, TODAY)
    people.set_paused(session, PersonActor(six.person_id), six.person_id, True, now=NOW)
    pharmacy(session, seven, EVERY_DAY)
    people.set_contact_preferences(session, PersonActor(seven.person_id), seven.person_id, now=NOW,
                                   reminders_on=False)
    released(session, eight, date(2027, 6, 10))
    pharmacy(session, eight, NOT_SUNDAY, pickup_time=time(9, 0))
    people.set_contact_preferences(session, PersonActor(eight.person_id), eight.person_id, now=NOW,
                                   quiet_from=time(21, 0), quiet_until=time(9, 30))
    pharmacy(session, nine, NOT_SUNDAY, dose_mode="take_away")
    released(session, nine, date(2027, 6, 12))
    released(session, ten, TODAY)  # no chat linked
    pharmacy(session, twelve, EVERY_DAY, script_start=date(2027, 5, 1), script_end=date(2027, 6, 8))
    pharmacy(session, thirteen, EVERY_DAY, opens_at=None)  # a plan with no opening hours makes no schedule
    released(session, thirteen, date(2027, 6, 20))
    return worlds


def plan_of(view: PersonView | None, start: date, days: int, now: datetime) -> list[Planned]:
    assert view is not None
    return plan_person(view, LiveJourneys(CONTENT).current(), start, days, now, reminder_policy())


def test_the_lean_read_plans_what_each_persons_full_view_plans(session: Session) -> None:
    worlds = varied_people(session)
    ids = [world.person_id for world in worlds]
    kinds = frozenset(planner_module.BOOKED_STEPS)
    planned_kinds: set[str] = set()
    for now in LATER:
        today = now.astimezone(i18n.LONDON).date()
        lean = people.build_person_views(session, ids, today, now, 20, 0, with_team=False, appointment_kinds=kinds)
        assert sorted(lean) == sorted(ids)
        for person_id in ids:
            full = people.person_view(session, person_id, today, now)  # the one-person read the chat uses
            for days in WINDOWS:
                expected = plan_of(full, today, days, now)
                assert plan_of(lean[person_id], today, days, now) == expected, (person_id, now, days)
                planned_kinds.update(item.kind for item in expected)
            assert lean[person_id].person == full.person and lean[person_id].dates == full.dates
            assert lean[person_id].pharmacy_plan == full.pharmacy_plan
            assert lean[person_id].benefit_claims == full.benefit_claims
    assert planned_kinds == {"release_day", "money_step", "pharmacy_pickup", "pharmacy_change"}


def test_the_sweep_writes_each_linked_persons_own_plan(
    session: Session, session_factory: sessionmaker[Session],
) -> None:
    worlds = varied_people(session)
    session.commit()
    stats = Planner(session_factory, CONTENT, policy=reminder_policy()).sweep(NOW, days=40)
    expected = set()
    for world in worlds:
        if world.person_id == worlds[9].person_id:  # no chat linked: nothing planned
            continue
        view = people.person_view(session, world.person_id, TODAY, NOW)
        expected |= {(item.person_id, item.key, item.kind, item.due_at, repr(item.payload))
                     for item in plan_of(view, TODAY, 40, NOW)}
    rows = {(row.person_id, row.dedupe_key, row.kind, row.due_at, repr(row.payload))
            for row in outbox_rows(session, state="pending") if row.dedupe_key and ":" in row.dedupe_key
            and row.kind in {"release_day", "money_step", "pharmacy_pickup", "pharmacy_change"}}
    assert rows == expected and stats.created == len(expected) > 20
    assert not stats.problems


def test_the_sweep_still_catches_writes_that_marked_nobody(
    session: Session, session_factory: sessionmaker[Session],
) -> None:
    """Its filter reads the files, not the marks: a pause or a new release date written round the case file
    (no mark) is planned by the next sweep, though the paused person no longer passes the filter."""
    paused, moved = make_world(session, number=1), make_world(session, number=2)
    released(session, paused, TODAY)
    session.commit()
    planner = Planner(session_factory, CONTENT, policy=reminder_policy())
    first = planner.sweep(NOW).created
    assert first >= 1
    session.execute(update(Person).where(Person.id == paused.person_id).values(paused=True))
    session.execute(insert(JourneyPosition).values(person_id=moved.person_id, stage="in_prison", version=1,
                                                   updated_at=NOW, release_date=date(2027, 6, 10)))
    session.execute(delete(PlanningMark))
    session.commit()
    stats = planner.sweep(NOW)
    assert (stats.people, stats.cancelled) == (2, first) and stats.created >= 1
    assert {row.state for row in outbox_rows(session, person_id=paused.person_id)} == {"cancelled"}
    assert {(row.dedupe_key, row.state) for row in outbox_rows(session, kind="release_day")} == {
        (f"release:{paused.person_id}:2027-06-09", "cancelled"), (f"release:{moved.person_id}:2027-06-10", "pending")}
