"""Where each chat is in the conversation, and the answers its Listen buttons speak, in the database.

Kept here rather than in a server's memory so that a restart keeps a person's half-done step and
several `signpost serve` processes behind one webhook see the same chat. The conversation owns what
the state means (bot.conversation.state); this module only keeps it, for a limited time:
- a chat's state lives `STATE_LIFETIME` after the chat last moved, then it is as if the chat started over;
- a Listen answer lives `ANSWER_LIFETIME` after it was given, then its button says it has run out.
Both are deleted when the chat is forgotten or its person's file is, and expired rows are swept as
new ones are written, so nothing kept here outlives its use.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from casefile.db import begin_write, upsert_insert
from casefile.models import SavedChatState, SpokenAnswer, table_of

STATE_LIFETIME = timedelta(hours=24)
ANSWER_LIFETIME = timedelta(hours=24)


def load_state(session: Session, channel: str, chat_id: str, now: datetime) -> str | None:
    """The chat's saved state (the conversation's JSON), or None when there is none or it ran out."""
    return session.scalars(
        select(SavedChatState.data).where(
            SavedChatState.channel == channel,
            SavedChatState.chat_id == chat_id,
            SavedChatState.expires_at > now,
        )
    ).first()


def save_state(session: Session, channel: str, chat_id: str, data: str | None, now: datetime) -> None:
    """Keep the chat's state; None (the chat is back at the start) deletes it. Part of the caller's unit."""
    begin_write(session)
    if data is None:
        session.execute(
            delete(SavedChatState).where(SavedChatState.channel == channel, SavedChatState.chat_id == chat_id)
        )
        return
    values = {"channel": channel, "chat_id": chat_id, "data": data, "updated_at": now,
              "expires_at": now + STATE_LIFETIME}
    # One statement whichever process gets there first: two servers may answer one chat at once.
    table = table_of(SavedChatState)
    insert = upsert_insert(session.get_bind().dialect.name)(table)
    session.execute(
        insert.values(values).on_conflict_do_update(
            index_elements=["channel", "chat_id"],
            set_={"data": data, "updated_at": now, "expires_at": values["expires_at"]},
        )
    )
    session.execute(delete(SavedChatState).where(SavedChatState.expires_at <= now))


def save_state_if_none(session: Session, channel: str, chat_id: str, data: str, now: datetime) -> bool:
    """Keep `data` as the chat's state only if it has none (or its state ran out); True if it was kept.

    One statement, so of several updates for one chat handled at once (several serve processes, or
    PTB's concurrent updates) exactly one is first. Part of the caller's unit."""
    begin_write(session)
    table = table_of(SavedChatState)
    expires_at = now + STATE_LIFETIME
    insert = upsert_insert(session.get_bind().dialect.name)(table)
    kept = session.execute(
        insert.values(channel=channel, chat_id=chat_id, data=data, updated_at=now, expires_at=expires_at)
        .on_conflict_do_update(index_elements=["channel", "chat_id"],
                               set_={"data": data, "updated_at": now, "expires_at": expires_at},
                               where=table.c.expires_at <= now)
        .returning(table.c.chat_id)
    ).first()
    return kept is not None


def keep_answer(session: Session, channel: str, chat_id: str, token: str, body: str, language: str,
                now: datetime) -> None:
    """Keep an answer for its Listen button, under the token the button carries."""
    begin_write(session)
    session.add(SpokenAnswer(token=token, channel=channel, chat_id=chat_id, language=language, body=body,
                             expires_at=now + ANSWER_LIFETIME))
    session.execute(delete(SpokenAnswer).where(SpokenAnswer.expires_at <= now))


def answer_for(session: Session, channel: str, chat_id: str, token: str, now: datetime) -> tuple[str, str] | None:
    """The text and language behind a Listen token, only in the chat it was given to and while it lasts."""
    found = session.execute(
        select(SpokenAnswer.body, SpokenAnswer.language).where(
            SpokenAnswer.token == token,
            SpokenAnswer.channel == channel,
            SpokenAnswer.chat_id == chat_id,
            SpokenAnswer.expires_at > now,
        )
    ).first()
    return None if found is None else (found.body, found.language)


def forget_chat(session: Session, channel: str, chat_id: str) -> None:
    """Drop the chat's state and every answer it was given. Part of the caller's unit."""
    begin_write(session)
    session.execute(delete(SavedChatState).where(SavedChatState.channel == channel, SavedChatState.chat_id == chat_id))
    session.execute(delete(SpokenAnswer).where(SpokenAnswer.channel == channel, SpokenAnswer.chat_id == chat_id))
