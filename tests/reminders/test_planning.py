"""The pure planning rules: times on the London clock, quiet hours, keys, and the wording they lead to."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from reminder_helpers import CONTENT

from bot.reminders.compose import Composer
from bot.reminders.planning import PHARMACY_CHANGE, PHARMACY_PICKUP, day_of_key, plan_person
from bot.settings import Settings
from casefile.views import KeyDates, PersonInfo, PersonView, PharmacyPlanView
from journeys.live import load_journeys

JOURNEYS = load_journeys(CONTENT)
POLICY = Settings.built_in().reminder_policy


def view(*, pickup: time, open_days: tuple[int, ...] = (0, 1, 2, 3, 4, 5), discreet: bool = False,
         quiet: tuple[time, time] | None = None, paused: bool = False) -> PersonView:
    info = PersonInfo(id=7, ref="P-7", preferred_name="Sam", language="en", discreet=discreet, paused=paused,
                      reminders_on=True, remind_day_before=True, remind_hours_before=2, voice_notes=False,
                      quiet_from=quiet[0] if quiet else None, quiet_until=quiet[1] if quiet else None, version=1)
    plan = PharmacyPlanView(pharmacy_name="Boots", address="", open_days=open_days, opens_at=time(7, 0),
                            closes_at=time(18, 0), pickup_days=(0, 1, 2, 3, 4, 5, 6), pickup_time=pickup,
                            dose_mode="supervised", script_start=None, script_end=None, prescriber_contact="",
                            missed_in_a_row=0, version=1)
    return PersonView(person=info, as_of=date(2027, 6, 11), stage="on_licence", prison=None, dates=KeyDates(),
                      journey_version=None, licence_conditions=(), team=(), appointments=(), benefit_claims=(),
                      pharmacy_plan=plan, unseen_updates=())


def test_an_early_pick_up_is_reminded_at_the_edge_of_quiet_hours_and_says_tomorrow() -> None:
    # Saturday 12 June 2027, pick-up at 08:00: an hour before is 07:00, inside quiet hours (21:00-08:00),
    # and 08:00 itself is too late, so the reminder goes at 21:00 on Friday.
    friday_evening = datetime(2027, 6, 11, 18, 0, tzinfo=UTC)
    person = view(pickup=time(8, 0))
    plan = plan_person(person, JOURNEYS, date(2027, 6, 12), 1, friday_evening, POLICY)
    due = {item.kind: item.due_at for item in plan}
    assert due == {PHARMACY_PICKUP: datetime(2027, 6, 11, 20, 0, tzinfo=UTC),
                   PHARMACY_CHANGE: datetime(2027, 6, 11, 20, 0, tzinfo=UTC)}
    composer = Composer(CONTENT)
    words = {item.kind: composer.planned(item, person, due[item.kind]).text for item in plan}
    assert words[PHARMACY_PICKUP].startswith("Reminder: pick up from the pharmacy tomorrow at 08:00.")
    assert "Tomorrow at 08:00, collect 1 extra dose to take home." in words[PHARMACY_CHANGE]


def test_the_persons_own_quiet_hours_and_a_paused_person() -> None:
    # Their quiet hours end at 10:00: a 10:30 pick-up is reminded at 10:00, not 09:30.
    person = view(pickup=time(10, 30), quiet=(time(22, 0), time(10, 0)))
    plan = plan_person(person, JOURNEYS, date(2027, 6, 10), 1,
                       datetime(2027, 6, 9, 12, 0, tzinfo=UTC), POLICY)
    assert [(item.key, item.due_at) for item in plan] == [
        ("pharmacy:7:2027-06-10:pickup", datetime(2027, 6, 10, 9, 0, tzinfo=UTC))]
    assert day_of_key(plan[0].key) == date(2027, 6, 10)
    paused = view(pickup=time(10, 30), paused=True)
    assert plan_person(paused, JOURNEYS, date(2027, 6, 10), 3,
                       datetime(2027, 6, 9, 12, 0, tzinfo=UTC), POLICY) == []


def test_a_pick_up_whose_time_has_passed_is_not_planned_and_one_coming_soon_is_due_now() -> None:
    person = view(pickup=time(10, 0), open_days=(0, 1, 2, 3, 4, 5, 6))
    at_0945 = datetime(2027, 6, 10, 8, 45, tzinfo=UTC)
    [soon] = plan_person(person, JOURNEYS, date(2027, 6, 10), 1, at_0945, POLICY)
    assert soon.due_at == at_0945
    at_1001 = datetime(2027, 6, 10, 9, 1, tzinfo=UTC)
    assert plan_person(person, JOURNEYS, date(2027, 6, 10), 1, at_1001, POLICY) == []
