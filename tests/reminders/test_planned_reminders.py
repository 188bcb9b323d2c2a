"""Release-day, money-step and pharmacy reminders: planned by the sweep, checked again and sent over real HTTP."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

import pytest
from reminder_helpers import (
    CONTENT,
    NOW,
    Clock,
    Dispatch,
    World,
    book,
    drain,
    make_world,
    outbox_rows,
    reminder_policy,
    run,
    standin_pacer,
)
from sqlalchemy.orm import Session, sessionmaker

from bot.cli import main
from bot.reminders import planner as planner_module
from bot.reminders.compose import Composer
from bot.reminders.dispatcher import Dispatcher, DispatchSettings
from bot.reminders.planner import PLAN_DROPPED, Planner
from bot.reminders.sender import TelegramSender, make_bot
from casefile import people, records
from casefile.actors import PersonActor, StaffActor
from casefile.models import JourneyPosition, Person
from tests.support.telegram_standin import TelegramStandIn

EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]
NOT_SUNDAY = [0, 1, 2, 3, 4, 5]
DISCREET_WORDS = ("pharmacy", "Pharmacy", "methadone", "prison", "Prison", "probation", "Probation", "drug",
                  "Boots", "carchar", "fferyllfa")


def set_release(session: Session, world: World, day: date, *, now: datetime = NOW) -> None:
    position = session.get(JourneyPosition, world.person_id, populate_existing=True)
    records.update_journey(session, StaffActor(world.worker_id), world.person_id,
                           position.version if position else None, now=now,
                           **({} if position else {"stage": "in_prison"}), release_date=day)


def set_pharmacy(session: Session, world: World, *, open_days: list[int], pickup: time = time(10, 0),
                 now: datetime = NOW) -> None:
    records.update_pharmacy_plan(
        session, StaffActor(world.worker_id), world.person_id, None, now=now,
        pharmacy_name="Boots, Lewisham High Street", address="1 High Street", open_days=open_days,
        opens_at=time(9, 0), closes_at=time(18, 0), pickup_days=EVERY_DAY, pickup_time=pickup,
        dose_mode="supervised")


def test_release_day_message_arrives_at_0800_on_release_day_in_the_persons_language(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, clock: Clock,
) -> None:
    welsh = make_world(session, number=1, language="cy")
    english = make_world(session, number=2)
    release = date(2027, 6, 11)  # a Friday
    set_release(session, welsh, release)
    set_release(session, english, release)
    book(session, english, datetime(2027, 6, 11, 13, 0, tzinfo=UTC), now=NOW)  # 14:00 on release day
    clock.set(datetime(2027, 6, 10, 19, 0, tzinfo=UTC))  # Thursday 20:00: the day before
    dispatch = Dispatch(session_factory, standin, clock, plan=True)
    dispatch.once()
    drain(standin)  # the appointment's day-before reminder, not what this test is about
    [row] = outbox_rows(session, kind="release_day", person_id=welsh.person_id)
    assert row.due_at == datetime(2027, 6, 11, 7, 0, tzinfo=UTC)  # 08:00 British Summer Time

    clock.set(row.due_at - timedelta(seconds=1))
    assert dispatch.once().sent == 0
    clock.set(row.due_at)
    assert dispatch.once().sent == 2
    cymraeg = standin.pop(welsh.person_chat).text or ""
    assert cymraeg.startswith("Bore da. Heddiw yw diwrnod eich rhyddhau.")
    assert "Hawlio Credyd Cynhwysol" in cymraeg  # the day's money step, in Welsh
    text = standin.pop(english.person_chat).text or ""
    assert text.startswith("Good morning. Today is your release day.")
    assert "At 14:00, see Dee 2 at Lewisham probation office." in text
    assert "Claim Universal Credit" in text and "Money from the prison" in text
    assert dispatch.once().sent == 0  # sent once; the sweep does not make it again


def test_a_money_step_on_its_start_day_and_not_after_it_is_marked_done(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, clock: Clock,
) -> None:
    sent_to = make_world(session, number=1)
    done_by = make_world(session, number=2)
    for world in (sent_to, done_by):
        set_release(session, world, date(2027, 6, 8))  # yesterday: the Jobcentre meeting step starts today
    planner = Planner(session_factory, CONTENT, policy=reminder_policy())
    planner.sweep(NOW)
    rows = outbox_rows(session, kind="money_step")
    assert [(row.person_id, row.dedupe_key, row.due_at) for row in rows] == [
        (sent_to.person_id, f"money:{sent_to.person_id}:jobcentre_interview:2027-06-09",
         datetime(2027, 6, 9, 9, 0, tzinfo=UTC)),
        (done_by.person_id, f"money:{done_by.person_id}:jobcentre_interview:2027-06-09",
         datetime(2027, 6, 9, 9, 0, tzinfo=UTC)),
    ]
    # Marked done after the sweep and before its time: the dispatcher checks again and does not send it.
    records.update_benefit_claim(session, StaffActor(done_by.worker_id), done_by.person_id, None,
                                 claimed_on=date(2027, 6, 8), steps_done=["claim_online", "jobcentre_interview"],
                                 now=NOW)
    dispatch = Dispatch(session_factory, standin, clock)
    clock.set(datetime(2027, 6, 9, 8, 59, tzinfo=UTC))
    assert dispatch.once().sent == 0
    clock.set(datetime(2027, 6, 9, 9, 0, tzinfo=UTC))
    stats = dispatch.once()
    assert (stats.sent, stats.cancelled) == (1, 1)
    text = standin.pop(sent_to.person_chat).text or ""
    assert text.startswith("Money reminder for today:") and "Go to your first Jobcentre meeting" in text
    standin.assert_nothing_sent(done_by.person_chat, within=0.05)
    [dropped] = outbox_rows(session, person_id=done_by.person_id, kind="money_step")
    assert dropped.state == "cancelled" and (dropped.last_error or "").startswith(PLAN_DROPPED)
    # Planning again leaves it cancelled, and the sent one is not made again.
    stats = planner.sweep(clock.now)
    assert stats.created == 0 and stats.reopened == 0
    assert [row.state for row in outbox_rows(session, kind="money_step")] == ["sent", "cancelled"]


def test_pharmacy_pick_up_an_hour_before_and_a_notice_before_a_sunday_closure(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, clock: Clock,
) -> None:
    world = make_world(session)
    set_pharmacy(session, world, open_days=NOT_SUNDAY)  # shut on Sundays; a dose every day at 10:00
    clock.set(datetime(2027, 6, 11, 19, 0, tzinfo=UTC))  # Friday 20:00: Friday's pick-up is over
    dispatch = Dispatch(session_factory, standin, clock, plan=True)
    assert dispatch.once().sent == 0
    saturday = {row.dedupe_key: row.due_at for row in outbox_rows(session)}
    assert saturday == {
        f"pharmacy:{world.person_id}:2027-06-12:change": datetime(2027, 6, 12, 7, 0, tzinfo=UTC),  # 08:00
        f"pharmacy:{world.person_id}:2027-06-12:pickup": datetime(2027, 6, 12, 8, 0, tzinfo=UTC),  # 09:00
    }
    clock.set(datetime(2027, 6, 12, 7, 0, tzinfo=UTC))
    assert dispatch.once().sent == 1
    notice = standin.pop(world.person_chat).text or ""
    assert notice.startswith("Tomorrow the pharmacy is shut.")
    assert "Collect tomorrow's dose today, at 10:00, and take it home." in notice
    clock.set(datetime(2027, 6, 12, 8, 0, tzinfo=UTC))
    assert dispatch.once().sent == 1
    pickup = standin.pop(world.person_chat).text or ""
    assert pickup.startswith("Reminder: pick up from the pharmacy today at 10:00.")
    assert "Boots, Lewisham High Street" in pickup
    # Sunday: shut, so no pick-up reminder at all; Monday's comes an hour before.
    clock.set(datetime(2027, 6, 13, 12, 0, tzinfo=UTC))
    dispatch.once()
    standin.assert_nothing_sent(world.person_chat, within=0.05)
    assert [row.dedupe_key for row in outbox_rows(session, state="pending")] == [
        f"pharmacy:{world.person_id}:2027-06-14:pickup"]


def test_notice_before_a_bank_holiday_and_discreet_wording_for_every_kind(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, clock: Clock,
) -> None:
    plain = make_world(session, number=1)
    discreet = make_world(session, number=2, discreet=True)
    for world in (plain, discreet):
        set_pharmacy(session, world, open_days=EVERY_DAY)  # open every day, but not on bank holidays
        set_release(session, world, date(2027, 8, 29))  # a Sunday; Monday 30 August is a bank holiday
    clock.set(datetime(2027, 8, 29, 6, 0, tzinfo=UTC))  # Sunday 07:00 London
    dispatch = Dispatch(session_factory, standin, clock, plan=True)
    sent: dict[int, list[str]] = {plain.person_chat: [], discreet.person_chat: []}
    for hour in (7, 8, 9):  # 08:00 release day and the notice; 09:00 the pick-up; 10:00 nothing more
        clock.set(datetime(2027, 8, 29, hour, 0, tzinfo=UTC))
        dispatch.once()
        for message in drain(standin):
            sent[int(message.chat_id)].append(message.text or "")
    plain_texts = "\n---\n".join(sent[plain.person_chat])
    assert "Tomorrow is a bank holiday, and the pharmacy is shut." in plain_texts
    assert "Today is your release day" in plain_texts and "pick up from the pharmacy: Boots" in plain_texts
    assert len(sent[plain.person_chat]) == len(sent[discreet.person_chat]) == 3
    kinds = {row.kind for row in outbox_rows(session, person_id=discreet.person_id, state="sent")}
    assert kinds == {"release_day", "pharmacy_change", "pharmacy_pickup"}
    for text in sent[discreet.person_chat]:
        for word in DISCREET_WORDS:
            assert word not in text, (word, text)
    assert "Reminder: pick-up today at 10:00." in sent[discreet.person_chat]
    # Money steps, later that week, are discreet too.
    clock.set(datetime(2027, 8, 30, 9, 0, tzinfo=UTC))  # Monday 10:00: the Jobcentre meeting step starts
    dispatch.once()
    money = [m.text or "" for m in drain(standin) if int(m.chat_id) == discreet.person_chat]
    assert money == ["Reminder: you have a money step to do today. Tap Money to see it."]


def test_planning_again_and_again_makes_no_duplicates(
    db_url: str, session: Session, session_factory: sessionmaker[Session], capsys: pytest.CaptureFixture[str],
) -> None:
    world = make_world(session)
    set_release(session, world, date(2027, 6, 10))
    set_pharmacy(session, world, open_days=NOT_SUNDAY)
    planner = Planner(session_factory, CONTENT, policy=reminder_policy())
    first = planner.sweep(NOW, days=7)
    keys = sorted(row.dedupe_key or "" for row in outbox_rows(session))
    assert first.created == len(keys) > 8 and len(set(keys)) == len(keys)
    for _again in range(2):
        stats = planner.sweep(NOW)  # a shorter window still checks the rows planned further ahead
        assert (stats.created, stats.updated, stats.cancelled, stats.reopened) == (0, 0, 0, 0)
    # Two planners at once, as with two dispatchers: the unique key keeps one row per message.
    Planner(session_factory, CONTENT, policy=reminder_policy()).plan_one(world.person_id, NOW, days=7)
    assert sorted(row.dedupe_key or "" for row in outbox_rows(session)) == keys
    status = main(["reminders", "plan", "--days", "3", "--database-url", db_url])
    out = capsys.readouterr().out
    assert status == 0 and out.startswith("Looked at 1 people:")


def test_a_moved_release_date_cancels_the_old_message_and_moving_it_back_restores_it(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, clock: Clock,
) -> None:
    world = make_world(session)
    set_release(session, world, date(2027, 6, 10))
    planner = Planner(session_factory, CONTENT, policy=reminder_policy())
    planner.sweep(NOW)
    [old] = outbox_rows(session, kind="release_day")
    assert old.state == "pending" and old.dedupe_key == f"release:{world.person_id}:2027-06-10"
    set_release(session, world, date(2027, 7, 1))
    stats = planner.sweep(NOW)
    assert stats.cancelled == 1
    [dropped] = outbox_rows(session, kind="release_day")
    assert dropped.state == "cancelled" and (dropped.last_error or "").startswith(PLAN_DROPPED)
    clock.set(old.due_at)
    assert Dispatch(session_factory, standin, clock).once().sent == 0
    standin.assert_nothing_sent(world.person_chat, within=0.05)
    # Moved back while the morning is still ahead: the same row is planned again, not a second one.
    set_release(session, world, date(2027, 6, 10))
    assert planner.sweep(NOW).reopened == 1
    [back] = outbox_rows(session, kind="release_day")
    assert (back.id, back.state, back.due_at) == (old.id, "pending", old.due_at)


def test_paused_people_get_nothing_planned_until_they_start_again(
    session: Session, session_factory: sessionmaker[Session],
) -> None:
    world = make_world(session)
    set_pharmacy(session, world, open_days=EVERY_DAY)
    planner = Planner(session_factory, CONTENT, policy=reminder_policy())
    assert planner.sweep(NOW).created == 2  # today's and tomorrow's pick-ups
    people.set_paused(session, PersonActor(world.person_id), world.person_id, True, now=NOW)
    assert planner.sweep(NOW).cancelled == 2
    people.set_paused(session, PersonActor(world.person_id), world.person_id, False, now=NOW)
    assert planner.sweep(NOW).reopened == 2
    assert {row.state for row in outbox_rows(session)} == {"pending"}


def test_the_running_dispatcher_plans_again_every_few_minutes(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, clock: Clock,
) -> None:
    world = make_world(session)

    async def go() -> str:
        bot = make_bot(standin.token, f"http://127.0.0.1:{standin.port}")
        async with bot:
            composer = Composer(CONTENT)
            planner = Planner(session_factory, composer.journeys, policy=reminder_policy(), every_seconds=0.2)
            dispatcher = Dispatcher(session_factory, TelegramSender(bot, standin_pacer()), composer,
                                    policy=reminder_policy(), clock=clock, planner=planner,
                                    settings=DispatchSettings(poll_seconds=0.05))
            stop = asyncio.Event()
            running = asyncio.create_task(dispatcher.run(stop))
            await asyncio.sleep(0.3)  # the first sweep found nothing to plan
            # A pharmacy plan added while it runs: today's 10:00 pick-up (it is 09:30) is reminded at once.
            await asyncio.to_thread(set_pharmacy, session, world, open_days=EVERY_DAY)
            message = await standin.pop_async(world.person_chat, timeout=5)
            stop.set()
            await running
            return message.text or ""

    assert run(go()).startswith("Reminder: pick up from the pharmacy today at 10:00.")


def test_a_sweep_reads_people_in_batches_and_one_odd_file_stops_nobody_else(
    session: Session, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    worlds = [make_world(session, number=number) for number in range(1, 8)]
    for world in worlds:
        set_pharmacy(session, world, open_days=EVERY_DAY)
    odd = worlds[3].person_id
    real_plan_person = planner_module.plan_person

    def plan_person(view, *args, **kwargs):  # type: ignore[no-untyped-def]
        if view.person.id == odd:
            raise ValueError("a pharmacy plan this code cannot read")
        return real_plan_person(view, *args, **kwargs)

    monkeypatch.setattr(planner_module, "SWEEP_BATCH", 3)
    monkeypatch.setattr(planner_module, "plan_person", plan_person)
    planner = Planner(session_factory, CONTENT, policy=reminder_policy())
    stats = planner.sweep(NOW)
    assert stats.people == 7 and stats.created == 12  # today's and tomorrow's pick-ups for six people
    assert stats.problems == [f"person {odd}: ValueError"]
    assert f"planning reminders for person {odd} failed" in caplog.text
    assert {row.person_id for row in outbox_rows(session)} == {w.person_id for w in worlds} - {odd}
    monkeypatch.setattr(planner_module, "plan_person", real_plan_person)
    again = planner.sweep(NOW)
    assert (again.people, again.created, again.updated, again.cancelled, again.problems) == (7, 2, 0, 0, [])


def test_a_closed_file_has_its_planned_messages_cancelled(
    session: Session, session_factory: sessionmaker[Session],
) -> None:
    world = make_world(session)
    set_pharmacy(session, world, open_days=EVERY_DAY)
    planner = Planner(session_factory, CONTENT, policy=reminder_policy())
    assert planner.sweep(NOW).created == 2
    session.get_one(Person, world.person_id).closed_at = NOW
    session.commit()
    assert planner.sweep(NOW).cancelled == 2
    assert {row.state for row in outbox_rows(session)} == {"cancelled"}
