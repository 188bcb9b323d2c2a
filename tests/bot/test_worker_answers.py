"""The key worker's side of the chat, through the conversation core, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from conversation_helpers import Chat, make_conversation
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from casefile import audit
from casefile.actors import StaffActor
from casefile.models import Appointment, OutboxMessage
from tests.reminders.reminder_helpers import NOW, book, make_world


def worker_chat(sessions: sessionmaker[Session], chat_id: int) -> Chat:
    return Chat(make_conversation(sessions, NOW), str(chat_id))


def test_caseload_lists_only_the_workers_own_people(session: Session, session_factory: sessionmaker[Session]) -> None:
    mine = make_world(session, number=1)
    make_world(session, number=2)
    book(session, mine, datetime(2027, 6, 10, 13, 0, tzinfo=UTC))
    chat = worker_chat(session_factory, mine.worker_chat)
    chat.push("/caseload")
    assert "Sam 1 (P-1)" in chat.text and "Sam 2" not in chat.text
    assert "Thursday 10 June 2027, 14:00" in chat.text and "not yet confirmed" in chat.text


def test_book_with_buttons_reads_back_then_books_and_schedules_reminders(
    session: Session, session_factory: sessionmaker[Session],
) -> None:
    world = make_world(session)
    chat = worker_chat(session_factory, world.worker_chat)
    chat.push("/book")
    chat.press_label("Sam 1 (P-1)")
    labels = [b.label for r in chat.last for row in r.buttons for b in row]
    assert labels[0] == "Wed 09 Jun" and len([x for x in labels if x != "Stop"]) == 14
    chat.press("w:d:20270611")
    chat.press_label("10:30")
    assert "How long is it?" in chat.text
    assert [b.label for r in chat.last for row in r.buttons for b in row] == ["30 min", "1 hour", "2 hours", "Stop"]
    chat.press_label("2 hours")
    chat.push("Lewisham probation office, 2nd floor")
    assert "What is the address?" in chat.text
    chat.push("1 Lewisham High Street, SE13 6AA")
    chat.press("w:k:probation")
    chat.push("Your licence letter")
    assert "Please check this booking" in chat.text and "Friday 11 June 2027, 10:30" in chat.text
    assert "How long: 2 hours" in chat.text and "Address: 1 Lewisham High Street, SE13 6AA" in chat.text
    with session_factory() as check:
        assert check.scalars(select(Appointment)).first() is None  # nothing saved before the yes
    chat.press_label("Yes, do it")
    assert "Booked for Sam 1" in chat.text and "Reminders will go" in chat.text
    with session_factory() as check:
        appointment = check.scalars(select(Appointment)).one()
        assert (appointment.place, appointment.address, appointment.minutes, appointment.bring,
                appointment.worker_id) == ("Lewisham probation office, 2nd floor", "1 Lewisham High Street, SE13 6AA",
                                           120, "Your licence letter", world.worker_id)
        reminders = check.scalars(select(OutboxMessage).where(OutboxMessage.state == "pending")).all()
        assert len(reminders) == 2


def test_forged_person_button_is_refused_and_audited(session: Session, session_factory: sessionmaker[Session]) -> None:
    mine = make_world(session, number=1)
    other = make_world(session, number=2)
    chat = worker_chat(session_factory, mine.worker_chat)
    chat.push("/message")
    chat.press(f"w:p:{other.person_id}")  # not offered: someone else's person
    assert "not on your caseload" in chat.text
    chat.push("/book")
    chat.press("w:p:999999")  # nobody at all: the same answer, so nothing is learned
    assert "not on your caseload" in chat.text
    with session_factory() as check:
        denied = [e for e in audit.audit_trail(check, actor=StaffActor(mine.worker_id)) if e.outcome == "denied"]
        assert {e.person_id for e in denied} == {other.person_id, 999999}
        assert check.scalars(select(OutboxMessage).where(OutboxMessage.kind == "worker_message")).first() is None


def test_forged_appointment_button_is_refused(session: Session, session_factory: sessionmaker[Session]) -> None:
    mine = make_world(session, number=1)
    other = make_world(session, number=2)
    theirs = book(session, other, datetime(2027, 6, 10, 13, 0, tzinfo=UTC))
    chat = worker_chat(session_factory, mine.worker_chat)
    chat.push("/cancel")  # no appointments on my caseload: nothing to choose
    chat.push("/move")
    chat.press(f"w:a:{theirs}")
    assert "That button has run out" in chat.text or "not on your caseload" in chat.text
    with session_factory() as check:
        assert check.get(Appointment, theirs).status == "booked"


def test_message_is_checked_then_sent_as_the_worker_chose(session: Session, session_factory: sessionmaker[Session]) -> None:
    world = make_world(session)
    chat = worker_chat(session_factory, world.worker_chat)
    chat.push("/message")
    chat.press_label("Sam 1 (P-1)")
    chat.push("Your OASys review is on Friday.")
    assert "OASys (Offender Assessment System)" in chat.text
    chat.push("We will talk about your plan on Friday at 10.")  # a plainer version: no notes, sent
    assert "Your message to Sam 1 will go" in chat.text
    with session_factory() as check:
        row = check.scalars(select(OutboxMessage).where(OutboxMessage.kind == "worker_message")).one()
        assert row.body == "We will talk about your plan on Friday at 10." and row.person_id == world.person_id


def test_cancel_and_updates(session: Session, session_factory: sessionmaker[Session]) -> None:
    world = make_world(session)
    appointment_id = book(session, world, datetime(2027, 6, 10, 13, 0, tzinfo=UTC))
    chat = worker_chat(session_factory, world.worker_chat)
    chat.push("/cancel")
    chat.press(f"w:a:{appointment_id}")
    assert "cancel this appointment?" in chat.text
    chat.press_label("Yes, do it")
    assert "Cancelled" in chat.text
    chat.push("/updates")
    assert "appointment cancelled" in chat.text and "appointment booked" in chat.text
    with session_factory() as check:
        assert check.get(Appointment, appointment_id).status == "cancelled"
        states = set(check.scalars(select(OutboxMessage.state).where(OutboxMessage.appointment_id == appointment_id)))
        assert states == {"cancelled"}


def test_book_address_same_as_place_or_skipped_and_a_forged_length_is_refused(
    session: Session, session_factory: sessionmaker[Session],
) -> None:
    world = make_world(session)
    chat = worker_chat(session_factory, world.worker_chat)
    for choice, read_back in (("Same as place", "Address: as the place says"), ("Skip", "Address: none given")):
        chat.push("/book")
        chat.press_label("Sam 1 (P-1)")
        chat.press("w:d:20270611")
        chat.press_label("11:00")
        chat.press("w:m:45")  # not one of the lengths offered: the button has run out
        assert "That button has run out" in chat.text
        chat.push("/book")
        chat.press_label("Sam 1 (P-1)")
        chat.press("w:d:20270611")
        chat.press_label("11:00")
        chat.press_label("30 min")
        chat.push("Jobcentre Plus, 200 Rushey Green, SE6 4JF")
        chat.press_label(choice)
        chat.press("w:k:jobcentre")
        chat.press_label("Nothing")
        assert read_back in chat.text and "How long: 30 min" in chat.text
        chat.press_label("Yes, do it")
    with session_factory() as check:
        booked = check.scalars(select(Appointment).order_by(Appointment.id)).all()
        assert [(a.minutes, a.address, a.place) for a in booked] == [
            (30, "", "Jobcentre Plus, 200 Rushey Green, SE6 4JF")] * 2
