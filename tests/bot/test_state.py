"""The chat's state as the database keeps it, and a restart in the middle of a flow, on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from conversation_helpers import Chat, make_conversation
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation import state as chat_states
from bot.conversation.state import ChatState, Flow, Waiting, state_from_json, state_to_json
from casefile.chat_state import STATE_LIFETIME
from casefile.models import Appointment, SavedChatState
from tests.reminders.reminder_helpers import NOW, make_world


def test_a_chat_at_the_start_keeps_nothing() -> None:
    assert state_to_json(ChatState()) is None
    assert state_from_json(None) == ChatState()


def test_a_half_done_booking_comes_back_whole() -> None:
    flow = Flow(action="book", step="place", person_id=7, day=date(2027, 6, 11),
                start=datetime(2027, 6, 11, 9, 30, tzinfo=UTC), minutes=120, extra={"old_start": "x"})
    saved = ChatState(waiting=Waiting.WORD, language="cy", unknown_term="zorblax", worker_flow=flow)
    assert state_from_json(state_to_json(saved)) == saved


def test_a_row_this_version_cannot_read_is_a_fresh_start() -> None:
    assert state_from_json('{"waiting": "dancing"}') == ChatState()
    assert state_from_json("not json") == ChatState()
    assert state_from_json('{"worker_flow": {"action": "book"}}') == ChatState()  # a flow with no step


def test_each_chat_has_its_own_state(session: Session) -> None:
    chat_states.save(session, "telegram", "1", ChatState(waiting=Waiting.CODE), NOW)
    session.commit()
    assert chat_states.load(session, "telegram", "1", NOW).waiting is Waiting.CODE
    assert chat_states.load(session, "telegram", "2", NOW) == ChatState()
    assert chat_states.load(session, "terminal", "1", NOW) == ChatState()


def test_saving_again_replaces_and_back_at_the_start_deletes(session: Session) -> None:
    chat_states.save(session, "telegram", "1", ChatState(language="pl"), NOW)
    chat_states.save(session, "telegram", "1", ChatState(language="cy"), NOW + timedelta(minutes=1))
    session.commit()
    assert chat_states.load(session, "telegram", "1", NOW).language == "cy"
    chat_states.save(session, "telegram", "1", ChatState(), NOW + timedelta(minutes=2))
    session.commit()
    assert session.scalar(select(func.count()).select_from(SavedChatState)) == 0


def test_state_runs_out_and_is_swept(session: Session) -> None:
    chat_states.save(session, "telegram", "1", ChatState(waiting=Waiting.FORGET), NOW)
    session.commit()
    later = NOW + STATE_LIFETIME
    assert chat_states.load(session, "telegram", "1", later - timedelta(seconds=1)).waiting is Waiting.FORGET
    assert chat_states.load(session, "telegram", "1", later) == ChatState()
    chat_states.save(session, "telegram", "2", ChatState(language="pl"), later)  # any write sweeps
    session.commit()
    assert session.scalars(select(SavedChatState.chat_id)).all() == ["2"]


def worker_chat(sessions: sessionmaker[Session], chat_id: int, now: datetime = NOW) -> Chat:
    return Chat(make_conversation(sessions, now), str(chat_id))


def test_a_restart_in_the_middle_of_a_guided_booking_keeps_the_flow(
    session: Session, session_factory: sessionmaker[Session],
) -> None:
    world = make_world(session)
    before = worker_chat(session_factory, world.worker_chat)
    before.push("/book")
    before.press_label("Sam 1 (P-1)")
    before.press("w:d:20270611")
    before.press_label("10:30")
    before.press_label("2 hours")
    assert "Where is it?" in before.text
    after = worker_chat(session_factory, world.worker_chat)  # a new process: nothing in memory
    after.push("Lewisham probation office, 2nd floor")
    assert "What is the address?" in after.text
    after.push("1 Lewisham High Street, SE13 6AA")
    after.press("w:k:probation")
    after.push("Your licence letter")
    assert "Friday 11 June 2027, 10:30" in after.text and "How long: 2 hours" in after.text
    yes = next(button.data for reply in after.last for row in reply.buttons for button in row
               if button.label == "Yes, do it")
    third = worker_chat(session_factory, world.worker_chat)  # and another restart before the yes
    third.press(yes)
    assert "Booked for Sam 1" in third.text
    with session_factory() as check:
        booked = check.scalars(select(Appointment)).one()
        assert (booked.place, booked.minutes, booked.bring) == ("Lewisham probation office, 2nd floor", 120,
                                                                "Your licence letter")
        assert check.scalar(select(func.count()).select_from(SavedChatState)) == 0  # done: nothing kept


def test_listen_works_after_a_restart_and_only_in_its_own_chat(
    session: Session, session_factory: sessionmaker[Session],
) -> None:
    world = make_world(session)
    person = Chat(make_conversation(session_factory, NOW), str(world.person_chat))
    person.push("what is a licence")
    answer = person.text
    listen = next(data for data in person.button_data() if data.startswith("listen:"))
    restarted = Chat(make_conversation(session_factory, NOW + timedelta(hours=1)), str(world.person_chat))
    assert restarted.press(listen)[0].voice_text == answer
    stranger = Chat(make_conversation(session_factory, NOW), "424242")
    stranger.press(listen)
    assert stranger.last[0].voice_text is None
    next_day = Chat(make_conversation(session_factory, NOW + timedelta(days=1, minutes=1)), str(world.person_chat))
    next_day.press(listen)
    assert next_day.last[0].voice_text is None and "that button is old" in next_day.text
