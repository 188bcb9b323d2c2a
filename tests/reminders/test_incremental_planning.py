"""The planner works from what changed: marked files, a new day, new content; the nightly sweep finds nothing new."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from reminder_helpers import CONTENT, NOW, World, make_world, outbox_rows, reminder_policy
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from test_planned_reminders import EVERY_DAY, set_pharmacy, set_release

from bot.reminders import planner as planner_module
from bot.reminders.planner import Planner, PlanStats
from casefile import people, records
from casefile.actors import PersonActor, StaffActor
from casefile.models import PharmacyPlan, PlanningMark
from journeys.live import LiveJourneys

NEXT_MIDNIGHT = datetime(2027, 6, 9, 23, 5, tzinfo=UTC)  # 00:05 on Thursday 10 June in London
NEXT_NIGHT_CHECK = datetime(2027, 6, 10, 2, 0, tzinfo=UTC)  # 03:00 in London


@pytest.fixture
def read_people(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Every person whose file the planner reads, in order (it reads files only through build_person_views)."""
    seen: list[int] = []
    real = planner_module.build_person_views

    def build(session: Session, person_ids: Any, *args: Any, **kwargs: Any) -> Any:
        seen.extend(sorted(person_ids))
        return real(session, person_ids, *args, **kwargs)

    monkeypatch.setattr(planner_module, "build_person_views", build)
    yield seen


def rounds_by_name(rounds: list[PlanStats]) -> dict[str, PlanStats]:
    return {stats.what: stats for stats in rounds}


def marks(session: Session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(PlanningMark)) or 0


def pickup_rows(session: Session, world: World) -> list[tuple[str | None, str, datetime]]:
    return [(row.dedupe_key, row.state, row.due_at) for row in outbox_rows(session, person_id=world.person_id)
            if row.kind == "pharmacy_pickup"]


def change_pharmacy(session: Session, world: World, **changes: Any) -> None:
    """A worker edits the pharmacy plan they see (its version), through the case file's service."""
    session.rollback()
    plan = session.get(PharmacyPlan, world.person_id, populate_existing=True)
    assert plan is not None
    records.update_pharmacy_plan(session, StaffActor(world.worker_id), world.person_id, plan.version, now=NOW,
                                 **changes)


def test_a_change_to_one_person_replans_only_that_person(
    session: Session, session_factory: sessionmaker[Session], read_people: list[int],
) -> None:
    worlds = [make_world(session, number=number) for number in range(1, 6)]
    for world in worlds:
        set_pharmacy(session, world, open_days=EVERY_DAY)
    planner = Planner(session_factory, CONTENT, policy=reminder_policy())
    [start] = planner.work(NOW)
    assert start.what == "full sweep" and start.people == 5 and start.created == 10  # today's and tomorrow's
    assert marks(session) == 0  # the sweep planned every marked person, so it cleared their marks

    read_people.clear()
    assert rounds_by_name(planner.work(NOW))["changes"].people == 0  # nothing changed: no file is read
    assert read_people == []

    changed = worlds[2]
    change_pharmacy(session, changed, pickup_time=time(11, 0))  # a worker moves the pick-up
    assert marks(session) == 1
    stats = rounds_by_name(planner.work(NOW))["changes"]
    assert read_people == [changed.person_id]
    assert (stats.people, stats.updated, stats.created, stats.cancelled) == (1, 2, 0, 0)
    assert [due for _key, _state, due in pickup_rows(session, changed)] == [
        datetime(2027, 6, 9, 9, 0, tzinfo=UTC), datetime(2027, 6, 10, 9, 0, tzinfo=UTC)]  # 10:00 London: an hour before
    assert marks(session) == 0

    # The person's own choice, through the chat's service: pausing cancels their planned messages at once.
    read_people.clear()
    paused = worlds[0]
    people.set_paused(session, PersonActor(paused.person_id), paused.person_id, True, now=NOW)
    stats = rounds_by_name(planner.work(NOW))["changes"]
    assert read_people == [paused.person_id] and stats.cancelled == 2
    assert {state for _key, state, _due in pickup_rows(session, paused)} == {"cancelled"}
    for world in (worlds[1], worlds[3], worlds[4]):
        assert {state for _key, state, _due in pickup_rows(session, world)} == {"pending"}


def test_a_new_day_plans_only_the_people_whose_days_moved_on(
    session: Session, session_factory: sessionmaker[Session], read_people: list[int],
) -> None:
    pharmacy = make_world(session, number=1)
    set_pharmacy(session, pharmacy, open_days=EVERY_DAY)
    released_long_ago = make_world(session, number=2)
    set_release(session, released_long_ago, date(2026, 1, 5))
    released_friday = make_world(session, number=3)
    set_release(session, released_friday, date(2027, 6, 11))  # the day after tomorrow: in Thursday's window
    make_world(session, number=4)  # nothing planned from the calendar
    planner = Planner(session_factory, CONTENT, policy=reminder_policy())
    planner.work(NOW)
    assert outbox_rows(session, kind="release_day") == []  # Friday is not in Wednesday's two days

    read_people.clear()
    rounds = rounds_by_name(planner.work(NEXT_MIDNIGHT))
    day = rounds["new day"]
    assert sorted(set(read_people)) == sorted([pharmacy.person_id, released_friday.person_id])
    assert day.people == 2
    [release_row] = outbox_rows(session, kind="release_day")
    assert release_row.dedupe_key == f"release:{released_friday.person_id}:2027-06-11"
    keys = [key for key, _state, _due in pickup_rows(session, pharmacy)]
    assert f"pharmacy:{pharmacy.person_id}:2027-06-11:pickup" in keys
    # Wednesday's pick-up reminder, never sent (no dispatcher ran here), is dropped: its day has passed.
    [wednesday] = [row for row in outbox_rows(session, person_id=pharmacy.person_id)
                   if row.dedupe_key == f"pharmacy:{pharmacy.person_id}:2027-06-09:pickup"]
    assert wednesday.state == "cancelled" and "its day has passed" in (wednesday.last_error or "")

    # The nightly check at 03:00 reads everyone and finds nothing the new day left out.
    read_people.clear()
    check = rounds_by_name(planner.work(NEXT_NIGHT_CHECK))["nightly check"]
    assert check.rows_changed == 0 and check.people == 3  # the three with a release date or a pharmacy plan
    # Once a night only.
    assert "nightly check" not in rounds_by_name(planner.work(NEXT_NIGHT_CHECK))


def test_new_money_steps_in_the_content_replan_the_people_they_touch(
    session: Session, session_factory: sessionmaker[Session], read_people: list[int], tmp_path: Path,
) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    live = LiveJourneys(content)
    released = make_world(session, number=1)
    set_release(session, released, date(2027, 6, 8))  # yesterday: the first Jobcentre meeting step starts today
    unrelated = make_world(session, number=2)
    set_release(session, unrelated, date(2026, 1, 5))
    planner = Planner(session_factory, live, policy=reminder_policy())
    planner.work(NOW)
    [today] = outbox_rows(session, kind="money_step")
    assert today.dedupe_key == f"money:{released.person_id}:jobcentre_interview:2027-06-09"

    money_file = content / "journeys" / "money.yaml"
    text = money_file.read_text(encoding="utf-8")
    assert 'key: jobcentre_interview\n    when: {day: "1..7"}' in text
    money_file.write_text(text.replace('key: jobcentre_interview\n    when: {day: "1..7"}',
                                       'key: jobcentre_interview\n    when: {day: "2..7"}'), encoding="utf-8")
    assert live.reload()
    read_people.clear()
    rounds = rounds_by_name(planner.work(NOW))
    assert rounds["new content"].people == 1 and read_people == [released.person_id]
    by_key = {row.dedupe_key: row.state for row in outbox_rows(session, kind="money_step")}
    assert by_key == {f"money:{released.person_id}:jobcentre_interview:2027-06-09": "cancelled",
                      f"money:{released.person_id}:jobcentre_interview:2027-06-10": "pending"}
    # Content reloaded again with the same steps: nothing to plan.
    assert live.reload() is False or "new content" not in rounds_by_name(planner.work(NOW))


def test_the_nightly_sweep_finds_nothing_new_when_planning_kept_up(
    session: Session, session_factory: sessionmaker[Session],
) -> None:
    worlds = [make_world(session, number=number) for number in range(1, 7)]
    planner = Planner(session_factory, CONTENT, policy=reminder_policy())
    planner.work(NOW)
    # A day of changes from every surface, each planned by the round after it, never by a sweep.
    set_pharmacy(session, worlds[0], open_days=EVERY_DAY)
    set_release(session, worlds[1], date(2027, 6, 10))
    planner.work(NOW)
    set_release(session, worlds[1], date(2027, 6, 16))  # moved: tomorrow's release-day message is dropped
    records.update_benefit_claim(session, StaffActor(worlds[2].worker_id), worlds[2].person_id, None,
                                 claimed_on=date(2027, 6, 8), steps_done=["claim_online"], now=NOW)
    set_release(session, worlds[2], date(2027, 6, 8))
    planner.work(NOW)
    set_pharmacy(session, worlds[3], open_days=EVERY_DAY)
    planner.work(NOW)
    change_pharmacy(session, worlds[3], open_days=[0, 1, 2, 3, 4, 5])  # shut on Sundays from now on
    people.set_contact_preferences(session, PersonActor(worlds[0].person_id), worlds[0].person_id,
                                   quiet_from=time(7, 0), quiet_until=time(10, 30))
    set_pharmacy(session, worlds[4], open_days=EVERY_DAY)
    people.set_paused(session, PersonActor(worlds[4].person_id), worlds[4].person_id, True, now=NOW)
    planner.work(NOW)
    set_release(session, worlds[5], date(2027, 6, 11))
    rows_before = len(outbox_rows(session))
    planner.work(NEXT_MIDNIGHT)  # the new day, and the last change
    assert len(outbox_rows(session)) > rows_before

    check = rounds_by_name(planner.work(NEXT_NIGHT_CHECK))["nightly check"]
    assert check.people >= 5 and check.problems == []
    assert (check.created, check.updated, check.reopened, check.cancelled) == (0, 0, 0, 0)
