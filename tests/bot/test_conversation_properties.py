"""Whatever arrives, the core answers: a reply, never an exception, never over Telegram's limit."""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.conversation.core import Conversation
from bot.messages import MAX_BUTTON_DATA_BYTES, MAX_MESSAGE_LENGTH, Incoming
from casefile import db
from tests.bot.conversation_helpers import make_case, make_conversation

ANY_TEXT = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(categories=("Cc", "Cf", "Zs", "So")), max_size=50),  # control, RTL marks, emoji
    st.text(min_size=4000, max_size=9000),
    st.sampled_from(["", " ", "\u202eCPS\u202c", "\x00", "/start " + "9" * 500, "/" * 50, "🙂" * 2000,
                     "مرحبا OASys", "ROTL\n\nHDC\t\tMAPPA"]),
)


@pytest.fixture(scope="module")
def conversation(tmp_path_factory: pytest.TempPathFactory) -> Conversation:
    """One SQLite case file for the whole property: the database is not what it tests."""
    url = f"sqlite:///{tmp_path_factory.mktemp('property') / 'signpost.db'}"
    db.upgrade(url)
    engine, sessions = db.open_database(url)
    with sessions() as session:
        make_case(session, name="Prop")
    yield make_conversation(sessions)
    engine.dispose()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=ANY_TEXT, button=st.one_of(st.none(), st.text(max_size=80)), hint=st.one_of(st.none(), st.text(max_size=8)))
def test_any_message_gets_a_reply_within_the_limits(
    conversation: Conversation, caplog: pytest.LogCaptureFixture,
    text: str, button: str | None, hint: str | None,
) -> None:
    with caplog.at_level(logging.ERROR):
        replies = conversation.handle(Incoming("telegram", "4242", text=text, button=button, language_hint=hint))
    assert replies, "every message gets at least one reply"
    for reply in replies:
        assert len(reply.text) <= MAX_MESSAGE_LENGTH
        assert reply.text or reply.voice_text or reply.photo_png
        for row in reply.buttons:
            for b in row:
                assert len(b.data.encode()) <= MAX_BUTTON_DATA_BYTES
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "the core hit an unexpected error"
