"""Book an appointment, move the clock, and watch its reminders arrive over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reminder_helpers import NOW, Clock, Dispatch, book, make_world, outbox_rows, reminder_policy
from sqlalchemy.orm import Session, sessionmaker

from casefile import staff
from casefile.actors import StaffActor
from tests.support.telegram_standin import TelegramStandIn


def test_both_reminders_arrive_at_their_due_times_and_not_before(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, clock: Clock,
) -> None:
    world = make_world(session)
    start = datetime(2027, 6, 11, 9, 30, tzinfo=UTC)  # Friday 10:30 in London
    book(session, world, start)
    rows = outbox_rows(session, kind="appointment_reminder")
    assert [row.due_at for row in rows] == [start - timedelta(hours=24), start - timedelta(hours=2)]
    dispatch = Dispatch(session_factory, standin, clock)

    assert dispatch.once().sent == 0
    standin.assert_nothing_sent(world.person_chat, within=0.05)

    clock.set(start - timedelta(hours=24) - timedelta(seconds=1))
    assert dispatch.once().sent == 0
    clock.advance(seconds=1)
    assert dispatch.once().sent == 1
    day_before = standin.pop(world.person_chat)
    assert day_before.text is not None
    assert day_before.text.startswith("Reminder: appointment tomorrow at 10:30.")
    assert "Lewisham probation office" in day_before.text
    assert day_before.callback_data_for("I'll be there").startswith("appt:yes:")

    clock.set(start - timedelta(hours=2))
    assert dispatch.once().sent == 1
    same_day = standin.pop(world.person_chat)
    assert same_day.text is not None and same_day.text.startswith("Reminder: appointment today at 10:30.")
    sent = outbox_rows(session, kind="appointment_reminder")
    assert {row.state for row in sent} == {"sent"}
    assert all(row.telegram_message_id for row in sent)
    assert dispatch.once().sent == 0


def test_moving_an_appointment_retimes_its_reminders_and_the_old_time_never_fires(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, clock: Clock,
) -> None:
    world = make_world(session)
    old_start = datetime(2027, 6, 11, 9, 30, tzinfo=UTC)
    appointment_id = book(session, world, old_start)
    new_start = old_start + timedelta(days=2, hours=4)  # Sunday 14:30
    staff.move_appointment(session, StaffActor(world.worker_id), appointment_id, new_start, 1,
                           policy=reminder_policy(), now=NOW)

    rows = outbox_rows(session, appointment_id=appointment_id)
    assert [(row.state, row.ref_starts_at) for row in rows if row.state == "pending"] == [
        ("pending", new_start), ("pending", new_start)]
    assert {row.state for row in rows if row.ref_starts_at == old_start} == {"cancelled"}

    dispatch = Dispatch(session_factory, standin, clock)
    clock.set(old_start - timedelta(hours=2))
    assert dispatch.once().sent == 0
    standin.assert_nothing_sent(world.person_chat, within=0.05)
    clock.set(new_start - timedelta(hours=2))
    stats = dispatch.once()
    # The 24h and the 2h reminder for the new time are both due: only the later one is worth sending.
    assert (stats.sent, stats.cancelled) == (1, 1)
    text = standin.pop(world.person_chat).text or ""
    assert text.startswith("Reminder: appointment today at 14:30.")


def test_a_reminder_claimed_before_a_move_is_checked_again_and_not_sent(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, clock: Clock,
) -> None:
    world = make_world(session)
    start = datetime(2027, 6, 11, 9, 30, tzinfo=UTC)
    appointment_id = book(session, world, start)
    clock.set(start - timedelta(hours=2))
    dispatch = Dispatch(session_factory, standin, clock)
    from reminder_helpers import CONTENT

    from bot.reminders.compose import Composer
    from bot.reminders.dispatcher import Dispatcher

    claimer = Dispatcher(session_factory, sender=None, composer=Composer(CONTENT), name="claimer",  # type: ignore[arg-type]
                         policy=reminder_policy(), clock=clock)
    claimed = claimer.claim(clock.now)
    assert len(claimed) == 2
    # The worker moves it while those rows are claimed (in flight).
    staff.move_appointment(session, StaffActor(world.worker_id), appointment_id, start + timedelta(days=7), 1,
                           policy=reminder_policy(), now=clock.now)
    batch = claimer.prepare(claimed, clock.now)
    assert batch.jobs == [] and "the appointment moved" in batch.skipped.values()
    assert dispatch.once().sent == 0


def test_cancelled_appointment_sends_nothing(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, clock: Clock,
) -> None:
    world = make_world(session)
    start = datetime(2027, 6, 11, 9, 30, tzinfo=UTC)
    appointment_id = book(session, world, start)
    staff.cancel_appointment(session, StaffActor(world.worker_id), appointment_id, 1, "Office shut", now=NOW)
    assert {row.state for row in outbox_rows(session, kind="appointment_reminder")} == {"cancelled"}
    clock.set(start - timedelta(hours=1))
    assert Dispatch(session_factory, standin, clock).once().sent == 0
