"""/reminders in the chat: the person chooses Telegram, text messages or both, and reminders follow."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from casefile import linking
from casefile.models import ChatLink, Person
from tests.bot.conversation_helpers import Chat, make_case, make_conversation
from tests.casefile.factories import NOW


def test_the_person_chooses_where_reminders_go_in_the_chat(session: Session,
                                                         session_factory: sessionmaker[Session]) -> None:
    case = make_case(session)
    chat = Chat(make_conversation(session_factory), "777")
    chat.push(case.code)
    session.add(ChatLink(channel="sms", chat_id="+447700900123", person_id=case.person.id, linked_at=NOW))
    session.commit()
    assert linking.reminder_channels(session, case.person.id) == ("sms", "telegram")
    chat.push("/reminders")
    assert "Where should your reminders come?" in chat.text
    assert chat.button_data() == ["rem:telegram", "rem:sms", "rem:both"]
    chat.press("rem:sms")
    assert "by text" in chat.text
    session.rollback()
    session.expire_all()
    assert session.get(Person, case.person.id).channel_choice == "sms"  # type: ignore[union-attr]
    assert linking.reminder_channels(session, case.person.id) == ("sms",)
    chat.press("rem:pigeon")
    assert "rem:" not in " ".join(chat.button_data())
    session.rollback()
    session.expire_all()
    assert session.get(Person, case.person.id).channel_choice == "sms"  # type: ignore[union-attr]


def test_an_unlinked_chat_is_asked_for_its_code_first(session_factory: sessionmaker[Session]) -> None:
    chat = Chat(make_conversation(session_factory), "778")
    chat.push("/reminders")
    assert chat.button_data() and "rem:sms" not in chat.button_data()
