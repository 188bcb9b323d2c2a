"""The case file keeps each chat's state and Listen answers, for that chat only and for a day at most."""

from __future__ import annotations

from datetime import timedelta

from factories import NOW
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from test_erasure import CLI, LATER, linked_person

from casefile import chat_state
from casefile.chat_state import ANSWER_LIFETIME
from casefile.erasure import forget_person
from casefile.models import SavedChatState, SpokenAnswer


def test_an_answer_is_spoken_only_in_its_own_chat_and_while_it_lasts(session: Session) -> None:
    chat_state.keep_answer(session, "telegram", "1", "tok", "Your licence ends soon.", "en", NOW)
    session.commit()
    assert chat_state.answer_for(session, "telegram", "1", "tok", NOW) == ("Your licence ends soon.", "en")
    assert chat_state.answer_for(session, "telegram", "2", "tok", NOW) is None
    assert chat_state.answer_for(session, "terminal", "1", "tok", NOW) is None
    assert chat_state.answer_for(session, "telegram", "1", "forged", NOW) is None
    assert chat_state.answer_for(session, "telegram", "1", "tok", NOW + ANSWER_LIFETIME) is None


def test_old_answers_are_swept_as_new_ones_come(session: Session) -> None:
    chat_state.keep_answer(session, "telegram", "1", "old", "a", "en", NOW)
    chat_state.keep_answer(session, "telegram", "2", "new", "b", "cy", NOW + ANSWER_LIFETIME)
    session.commit()
    assert session.scalars(select(SpokenAnswer.token)).all() == ["new"]


def test_forgetting_a_chat_drops_its_state_and_answers_only(session: Session) -> None:
    for chat in ("1", "2"):
        chat_state.save_state(session, "telegram", chat, '{"language": "cy"}', NOW)
        chat_state.keep_answer(session, "telegram", chat, f"tok{chat}", "text", "cy", NOW)
    chat_state.forget_chat(session, "telegram", "1")
    session.commit()
    assert chat_state.load_state(session, "telegram", "1", NOW) is None
    assert chat_state.answer_for(session, "telegram", "1", "tok1", NOW) is None
    assert chat_state.load_state(session, "telegram", "2", NOW) == '{"language": "cy"}'
    assert chat_state.answer_for(session, "telegram", "2", "tok2", NOW) == ("text", "cy")


def test_forgetting_a_person_drops_what_their_chat_was_keeping(session: Session) -> None:
    person, _officer, _spare = linked_person(session)  # linked in telegram chat 77
    chat_state.save_state(session, "telegram", "77", '{"waiting": "word"}', LATER - timedelta(hours=1))
    chat_state.keep_answer(session, "telegram", "77", "tok", "Your meeting is on Friday.", "en", LATER)
    chat_state.save_state(session, "telegram", "78", '{"language": "pl"}', LATER)
    session.commit()
    forget_person(session, CLI, person.ref, now=LATER)
    session.commit()
    assert session.scalars(select(SavedChatState.chat_id)).all() == ["78"]
    assert session.scalar(select(func.count()).select_from(SpokenAnswer)) == 0


def test_a_state_kept_only_if_none_is_kept_once_until_it_runs_out(session: Session) -> None:
    assert chat_state.save_state_if_none(session, "telegram", "-100", "told", NOW) is True
    assert chat_state.save_state_if_none(session, "telegram", "-100", "again", NOW + timedelta(hours=1)) is False
    assert chat_state.load_state(session, "telegram", "-100", NOW + timedelta(hours=1)) == "told"
    later = NOW + chat_state.STATE_LIFETIME + timedelta(seconds=1)
    assert chat_state.save_state_if_none(session, "telegram", "-100", "next day", later) is True
    assert chat_state.load_state(session, "telegram", "-100", later) == "next day"
