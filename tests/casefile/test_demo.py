"""Demo data: four fictional people as the issue describes them, dated from `today`, safe to run again."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from feeds_helpers import table_counts
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from casefile import demo, linking
from casefile.actors import SystemActor
from casefile.erasure import forget_person
from casefile.linking import CodeHasher
from casefile.models import Person
from casefile.people import person_view
from casefile.views import PersonView

CHEAP = CodeHasher(n=2, r=1, p=1)
POLICY = Settings.built_in().reminder_policy
WEDNESDAY = date(2027, 6, 9)
NOW = datetime(2027, 6, 9, 8, 0, tzinfo=UTC)  # 9am in London


def views(sessions: sessionmaker[Session], today: date = WEDNESDAY, now: datetime = NOW) -> dict[str, PersonView]:
    with sessions() as session:
        found = session.scalars(select(Person).where(Person.ref.startswith("DEMO-")).order_by(Person.ref)).all()
        return {person.ref: person_view(session, person.id, today, now) for person in found}


@pytest.fixture
def seeded(session_factory: sessionmaker[Session]) -> list[demo.DemoResult]:
    return demo.seed_demo(session_factory, WEDNESDAY, NOW, policy=POLICY, hasher=CHEAP)


def test_four_people_each_with_two_to_four_workers_from_different_agencies_and_one_lead(
    seeded: list[demo.DemoResult], session_factory: sessionmaker[Session]
) -> None:
    assert [(r.ref, r.name, r.status) for r in seeded] == [
        ("DEMO-1", "Alex", "made"), ("DEMO-2", "Jordan", "made"), ("DEMO-3", "Casey", "made"),
        ("DEMO-4", "Robin", "made")]
    for ref, view in views(session_factory).items():
        agencies = [member.agency_short_name for member in view.team]
        assert 2 <= len(view.team) <= 4 and len(set(agencies)) == len(agencies), ref
        assert sum(member.is_lead for member in view.team) == 1, ref
        assert all(member.role and member.helps_with and member.contact and member.hours for member in view.team)
        upcoming = [a.starts_at for a in view.appointments]
        assert upcoming and all(NOW < start < NOW + timedelta(days=14) for start in upcoming), ref


def test_alex_leaves_prison_this_friday_with_no_claim_and_a_pharmacy_shut_on_sunday(
    seeded: list[demo.DemoResult], session_factory: sessionmaker[Session]
) -> None:
    alex = views(session_factory)["DEMO-1"]
    assert (alex.stage, alex.dates.release_date, alex.dates.release_confirmed) == (
        "in_prison", date(2027, 6, 11), True)
    assert alex.benefit_claim is None
    assert alex.pharmacy_plan is not None and 6 not in alex.pharmacy_plan.open_days
    assert 6 in alex.pharmacy_plan.pickup_days  # so the Sunday dose has to be collected on Saturday
    assert [(c.official != c.plain) for c in alex.licence_conditions] == [True] * 4
    first = alex.appointments[0]
    # 2pm on Friday in London is 1pm UTC in June.
    assert (first.starts_at, first.kind) == (datetime(2027, 6, 11, 13, 0, tzinfo=UTC), "probation")


def test_jordan_is_on_licence_with_daily_methadone_and_a_moved_appointment_to_hear_about(
    seeded: list[demo.DemoResult], session_factory: sessionmaker[Session]
) -> None:
    jordan = views(session_factory)["DEMO-2"]
    assert jordan.stage == "on_licence"
    plan = jordan.pharmacy_plan
    assert plan is not None and (plan.pickup_days, plan.dose_mode) == (tuple(range(7)), "supervised")
    moved = next(a for a in jordan.appointments if a.kind == "probation")
    assert (moved.status, moved.starts_at) == ("moved", datetime(2027, 6, 11, 13, 30, tzinfo=UTC))
    (news,) = jordan.unseen_updates
    assert (news.kind, news.summary) == ("appointment.moved", "Your appointment has changed.")
    claim = jordan.benefit_claim
    assert claim is not None and claim.steps_done == {"bank_account", "claim_online", "verify_identity"}


def test_casey_has_unpaid_work_and_robin_is_ten_weeks_from_an_unconfirmed_release(
    seeded: list[demo.DemoResult], session_factory: sessionmaker[Session]
) -> None:
    people = views(session_factory)
    casey, robin = people["DEMO-3"], people["DEMO-4"]
    assert casey.stage == "community_order" and casey.dates.community_order_end is not None
    unpaid = next(a for a in casey.appointments if a.kind == "unpaid_work")
    assert unpaid.starts_at == datetime(2027, 6, 12, 7, 30, tzinfo=UTC)  # Saturday, 8:30am London
    assert (robin.stage, robin.dates.release_date, robin.dates.release_confirmed) == (
        "in_prison", WEDNESDAY + timedelta(weeks=10), False)


def test_running_again_the_same_day_changes_nothing_but_the_link_codes(
    seeded: list[demo.DemoResult], engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    before = table_counts(engine)
    again = demo.seed_demo(session_factory, WEDNESDAY, NOW + timedelta(hours=2), policy=POLICY, hasher=CHEAP)
    assert [r.status for r in again] == ["kept"] * 4
    after = table_counts(engine)
    assert after["link_codes"] == before["link_codes"] + 4
    same = ("people", "appointments", "assignments", "workers", "agencies", "journey_positions",
            "licence_conditions", "benefit_claims", "pharmacy_plans")
    assert {name: after[name] for name in same} == {name: before[name] for name in same}
    # The new code works and links a chat; the first one was replaced by it.
    with session_factory() as session:
        with pytest.raises(linking.LinkCodeExpired):
            linking.redeem_link_code(session, "telegram", 1, seeded[0].link_code or "", NOW, hasher=CHEAP)
        link = linking.redeem_link_code(session, "telegram", 2, again[0].link_code or "", NOW, hasher=CHEAP)
        assert session.get(Person, link.person_id).ref == "DEMO-1"  # type: ignore[union-attr]


def test_on_a_later_day_the_demo_is_made_again_for_that_day(
    seeded: list[demo.DemoResult], engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    counts = table_counts(engine)
    monday = date(2027, 6, 14)
    later = demo.seed_demo(session_factory, monday, demo.demo_now(monday), policy=POLICY, hasher=CHEAP)
    assert [r.status for r in later] == ["remade"] * 4
    after = table_counts(engine)
    assert (after["people"], after["appointments"], after["workers"]) == (
        counts["people"], counts["appointments"], counts["workers"])
    alex = views(session_factory, monday, demo.demo_now(monday))["DEMO-1"]
    assert alex.dates.release_date == date(2027, 6, 18)


def test_a_forgotten_demo_person_stays_closed(
    seeded: list[demo.DemoResult], session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        forget_person(session, SystemActor("tests"), "DEMO-3", now=NOW)
    again = demo.seed_demo(session_factory, WEDNESDAY, NOW, policy=POLICY, hasher=CHEAP)
    assert [(r.ref, r.status, r.link_code) for r in again if r.ref == "DEMO-3"] == [("DEMO-3", "closed", None)]


@pytest.mark.parametrize(("today", "friday"), [
    (date(2027, 6, 7), date(2027, 6, 11)),  # Monday
    (date(2027, 6, 11), date(2027, 6, 11)),  # Friday: today
    (date(2027, 6, 12), date(2027, 6, 18)),  # Saturday: the coming one
])
def test_this_friday(today: date, friday: date) -> None:
    assert demo.this_friday(today) == friday
    assert demo.next_weekday(today, today.weekday()) == today + timedelta(days=7)


def test_the_demo_clock_is_now_today_and_nine_in_the_morning_on_another_day() -> None:
    real = datetime(2027, 6, 9, 15, 45, tzinfo=UTC)
    assert demo.demo_now(date(2027, 6, 9), real) == real
    assert demo.demo_now(date(2027, 1, 4), real) == datetime(2027, 1, 4, 9, 0, tzinfo=UTC)  # winter: GMT
