"""A person whose case file is in Wales is told Wales's rules: the glossary's `wales:` text, in English
and in Welsh; a person in England, or not linked, gets the entry as written; and an England-only entry
with no Welsh version says it is how it works in England."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.core import Conversation
from glossary.live import LiveGlossary
from tests.bot.conversation_helpers import (
    CONTENT,
    SETTINGS,
    Chat,
    make_case,
    shared_journeys,
    shared_questions,
)
from tests.casefile.factories import NOW
from tests.glossary.fixtures_check.helpers import content_with

ONLY_SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
ENGLAND_TEXT = "Some services must tell the council if you may become homeless."
WALES_TEXT = "In Wales the council must help you if you may become homeless."
ENGLAND_NOTE = "This is how it works in England. It may be different in Wales"


@pytest.fixture
def conversation(session_factory: sessionmaker[Session], tmp_path: Path) -> Conversation:
    # The templates and catalogs are the shipped ones; the glossary is the small fixture with a Wales variant.
    glossary = LiveGlossary(content_with("wales_variant", tmp_path / "content"))
    return Conversation(CONTENT, session_factory, glossary, clock=lambda: NOW, journeys=shared_journeys(),
                        reminder_policy=SETTINGS.reminder_policy, link_hasher=SETTINGS.link_hasher,
                        questions=shared_questions())


def linked_chat(conversation: Conversation, session_factory: sessionmaker[Session], *, name: str,
                nation: str | None, language: str = "en") -> Chat:
    with session_factory() as session:
        case = make_case(session, name=name, language=language, nation=nation)
    chat = Chat(conversation, chat_id=f"chat-{name}", language_hint=language)
    chat.push("/start")
    chat.push(case.code)
    return chat


@ONLY_SQLITE
def test_a_person_in_wales_reads_the_wales_text(conversation: Conversation,
                                                session_factory: sessionmaker[Session]) -> None:
    chat = linked_chat(conversation, session_factory, name="Rhys", nation="wales")
    chat.push("what does duty to refer mean")
    assert WALES_TEXT in chat.text
    assert ENGLAND_TEXT not in chat.text
    assert ENGLAND_NOTE not in chat.text


@ONLY_SQLITE
def test_a_welsh_speaker_in_wales_reads_the_wales_text_in_welsh(conversation: Conversation,
                                                                session_factory: sessionmaker[Session]) -> None:
    chat = linked_chat(conversation, session_factory, name="Eleri", nation="wales", language="cy")
    chat.push("duty to refer")
    assert "Esboniad Cymru." in chat.text
    assert "Esboniad Lloegr." not in chat.text


@ONLY_SQLITE
def test_a_person_in_england_and_one_not_linked_read_the_entry_as_written(
        conversation: Conversation, session_factory: sessionmaker[Session]) -> None:
    england = linked_chat(conversation, session_factory, name="Sam", nation="england")
    england.push("what does duty to refer mean")
    assert ENGLAND_TEXT in england.text and WALES_TEXT not in england.text
    stranger = Chat(conversation, chat_id="not-linked")
    stranger.push("/start")
    stranger.push("what does duty to refer mean")
    assert ENGLAND_TEXT in stranger.text and WALES_TEXT not in stranger.text
    stranger.push("what does talking therapies mean")
    assert ENGLAND_NOTE not in stranger.text


@ONLY_SQLITE
def test_an_england_only_entry_tells_a_person_in_wales_it_is_englands_way(
        conversation: Conversation, session_factory: sessionmaker[Session]) -> None:
    chat = linked_chat(conversation, session_factory, name="Owain", nation="wales")
    chat.push("what does talking therapies mean")
    assert "Free help to talk about how you feel." in chat.text
    assert ENGLAND_NOTE in chat.text
    welsh = linked_chat(conversation, session_factory, name="Nia", nation="wales", language="cy")
    welsh.push("talking therapies")
    assert "Help am ddim i siarad." in welsh.text
    assert "Dyma sut mae'n gweithio yn Lloegr." in welsh.text
    england = linked_chat(conversation, session_factory, name="Jo", nation="england")
    england.push("what does talking therapies mean")
    assert ENGLAND_NOTE not in england.text
