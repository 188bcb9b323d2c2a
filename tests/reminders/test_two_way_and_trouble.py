"""Answers to reminders reach the worker; limits, retries, blocked chats and failures are handled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reminder_helpers import (
    CONTENT,
    NOW,
    Clock,
    Dispatch,
    book,
    chat_settings,
    make_world,
    outbox_rows,
    reminder_policy,
)
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.core import Conversation
from bot.messages import Incoming
from bot.reminders.dispatcher import DispatchSettings
from bot.reminders.pacing import Pacer
from casefile import outbox
from casefile.actors import StaffActor
from casefile.models import Appointment, CaseUpdate, ChatLink
from glossary.live import LiveGlossary
from tests.support.telegram_standin import TelegramStandIn

START = datetime(2027, 6, 11, 9, 30, tzinfo=UTC)  # Friday 10:30 in London


def test_ill_be_there_confirms_and_the_worker_sees_it_in_their_chat(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, clock: Clock,
) -> None:
    world = make_world(session)
    appointment_id = book(session, world, START)
    dispatch = Dispatch(session_factory, standin, clock)
    clock.set(START - timedelta(hours=24))
    assert dispatch.once().sent == 1
    reminder = standin.pop(world.person_chat)

    # The person taps "I'll be there" on the reminder: the conversation core handles the button.
    conversation = Conversation(CONTENT, session_factory, LiveGlossary(CONTENT), clock=clock, **chat_settings())
    replies = conversation.handle(Incoming("telegram", str(world.person_chat),
                                           button=reminder.callback_data_for("I'll be there")))
    assert "I have told your worker you will be there" in replies[0].text
    with session_factory() as check:
        assert check.get(Appointment, appointment_id).status == "confirmed"

    assert dispatch.once().sent == 1  # the notice to the worker goes at once
    notice = standin.pop(world.worker_chat)
    assert notice.text is not None and notice.text.startswith("Sam 1 (P-1) says they will be there.")

    # "I can't make it" on the next reminder asks why, records it, and the worker hears that too.
    clock.set(START - timedelta(hours=2))
    assert dispatch.once().sent == 1
    second = standin.pop(world.person_chat)
    asked = conversation.handle(Incoming("telegram", str(world.person_chat),
                                         button=second.callback_data_for("I can't make it")))
    why = next(b.data for row in asked[0].buttons for b in row if b.label == "No way to get there")
    told = conversation.handle(Incoming("telegram", str(world.person_chat), button=why))
    assert "What happens next" in told[0].text
    assert dispatch.once().sent == 1
    worker_text = standin.pop(world.worker_chat).text or ""
    assert "cannot make it" in worker_text and "No way to get there" in worker_text


def test_discreet_and_welsh_reminders(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, clock: Clock,
) -> None:
    world = make_world(session, discreet=True, language="cy")
    book(session, world, START)
    clock.set(START - timedelta(hours=24))
    Dispatch(session_factory, standin, clock).once()
    text = standin.pop(world.person_chat).text or ""
    assert text.startswith("Reminder: appointment tomorrow at 10:30.") or "10:30" in text
    for word in ("probation", "Probation", "Lewisham", "prison", "pharmacy"):
        assert word not in text


def test_quiet_hours_move_reminders_to_an_edge_before_the_appointment(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, clock: Clock,
) -> None:
    world = make_world(session)
    # 08:30 London on Friday: the 2h reminder (06:30) is in quiet hours; 08:00 still comes first.
    early = datetime(2027, 6, 11, 7, 30, tzinfo=UTC)
    first = book(session, world, early)
    # 08:00 London on Saturday: 06:00 is quiet and 08:00 is not before it, so 21:00 the evening before.
    earliest = datetime(2027, 6, 12, 7, 0, tzinfo=UTC)
    second = book(session, world, earliest)
    due = {a: [row.due_at for row in outbox_rows(session, appointment_id=a)] for a in (first, second)}
    assert due[first] == [early - timedelta(hours=24), datetime(2027, 6, 11, 7, 0, tzinfo=UTC)]
    assert due[second] == [earliest - timedelta(hours=24), datetime(2027, 6, 11, 20, 0, tzinfo=UTC)]
    clock.set(datetime(2027, 6, 11, 5, 30, tzinfo=UTC))  # 06:30 London: nothing goes in the night
    dispatch = Dispatch(session_factory, standin, clock)
    assert dispatch.once().sent == 1  # only the 24h one for Friday, due yesterday morning
    standin.pop(world.person_chat)
    clock.set(datetime(2027, 6, 11, 7, 0, tzinfo=UTC))  # 08:00: Friday's 2h one and Saturday's 24h one
    assert dispatch.once().sent == 2


def test_a_bank_holiday_appointment_is_reminded_like_any_other(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, clock: Clock,
) -> None:
    world = make_world(session)
    # Monday 30 August 2027 is the summer bank holiday; some services open (a crisis clinic, say).
    holiday = datetime(2027, 8, 30, 10, 0, tzinfo=UTC)
    book(session, world, holiday, kind="health", place="Crisis clinic")
    clock.set(holiday - timedelta(hours=24))
    assert Dispatch(session_factory, standin, clock).once().sent == 1
    assert "Reminder: appointment tomorrow at 11:00." in (standin.pop(world.person_chat).text or "")


def test_limits_enforced_everything_delivered_with_almost_no_429s(
    session: Session, session_factory: sessionmaker[Session], clock: Clock,
) -> None:
    worlds = [make_world(session, number=n) for n in range(1, 61)]
    for world in worlds:
        book(session, world, START)
        book(session, world, START + timedelta(minutes=30))
    clock.set(START - timedelta(hours=2))
    with TelegramStandIn(enforce_limits=True) as standin:
        dispatch = Dispatch(session_factory, standin, clock, settings=DispatchSettings(batch=200), pacer=Pacer())
        stats = dispatch.once()
        count_429 = standin.count_429
        delivered = len(standin.sent)
    # 120 reminders to 60 chats at 29.5 a second: about four seconds, with no flood errors.
    assert stats.sent == 120 and delivered == 120
    assert count_429 <= 1


def test_network_trouble_is_retried_with_backoff_then_fails_and_tells_the_lead(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, clock: Clock,
) -> None:
    world = make_world(session)
    row = outbox.queue_worker_message(session, StaffActor(world.worker_id), world.person_id, "See you soon.",
                                      policy=reminder_policy(), now=NOW)
    settings = DispatchSettings(max_attempts=3, poll_seconds=0.01)
    dispatch = Dispatch(session_factory, standin, clock, settings=settings)
    standin.fail_next("sendMessage", status=502, times=3)
    assert dispatch.once().retried == 1
    [again] = outbox_rows(session, id=row.id)
    assert (again.state, again.attempts, again.due_at, again.last_error)[:3] == ("pending", 1, NOW + timedelta(seconds=30))
    assert dispatch.once().claimed == 0  # not before its backoff
    clock.advance(seconds=30)
    assert dispatch.once().retried == 1
    clock.advance(seconds=60)
    stats = dispatch.once()
    assert stats.failed == 1
    [failed] = outbox_rows(session, id=row.id)
    assert failed.state == "failed" and failed.attempts == 3 and "Bad Gateway" in (failed.last_error or "")
    assert dispatch.once().sent == 1  # the notice to the lead
    assert "could not be sent after 3 tries" in (standin.pop(world.worker_chat).text or "")
    with session_factory() as check:
        assert check.scalars(select(CaseUpdate.kind).where(CaseUpdate.kind == "reminder.failed")).one()


def test_a_person_who_blocked_the_bot_is_marked_inactive_and_the_lead_is_told(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, clock: Clock,
) -> None:
    world = make_world(session)
    book(session, world, START)
    book(session, world, START + timedelta(days=1))
    standin.block_chat(world.person_chat, notify=False)
    clock.set(START + timedelta(hours=1))  # the second appointment's 24h reminder is due
    dispatch = Dispatch(session_factory, standin, clock)
    stats = dispatch.once()
    assert stats.blocked == 1
    with session_factory() as check:
        link = check.scalars(select(ChatLink).where(ChatLink.person_id == world.person_id)).one()
        assert link.active is False
    assert dispatch.once().sent == 1
    assert "has blocked Signpost" in (standin.pop(world.worker_chat).text or "")
    clock.advance(hours=22)  # the next reminder: no chat to send to, so it is cancelled, not tried
    assert dispatch.once().sent == 0
    assert standin.calls_to("sendMessage")[-1].params["chat_id"] == world.worker_chat
