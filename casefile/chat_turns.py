"""One chat's updates answered one at a time and in order, whichever `signpost serve` process gets them.

Behind one webhook address, consecutive updates of a chat can reach different processes. Each process
answers a chat correctly because the chat's state is in the database (casefile/chat_state.py); these
two things keep the answers in order and single:

- while an update is handled, its process holds a PostgreSQL advisory lock on the chat (on a
  connection of its own, `try_hold_chat`), so another process with the chat's next update waits for it;
- the newest update handled for each chat is kept (`handled_updates`); an update with that number or an
  older one is not answered again. Telegram sends an update again when its webhook did not answer
  (a process stopped while handling it), and by then another process may have answered a newer one.

On SQLite there is one process (it cannot share a case file across machines), so its own per-chat
order (bot/channels/telegram_webhook.py) is enough and `try_hold_chat` always succeeds.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, select, text
from sqlalchemy.orm import Session

from casefile.db import begin_write, rows_changed, upsert_insert
from casefile.models import HandledUpdate, table_of

# A chat quiet this long has no update Telegram could still send again: its row can go.
HANDLED_LIFETIME = timedelta(days=1)


def _key(channel: str, chat_id: str) -> str:
    return f"chat:{channel}:{chat_id}"


def try_hold_chat(connection: Connection, channel: str, chat_id: str) -> bool:
    """Take the chat's turn if no other process has it, and keep it until `let_chat_go` (an autocommit
    connection of its own). Never waits: a thread blocked in the database waiting for another process
    could be the thread that process's update needs, so the caller waits between tries instead."""
    if connection.dialect.name != "postgresql":
        return True
    return bool(connection.execute(text("SELECT pg_try_advisory_lock(hashtextextended(:key, 0))"),
                                   {"key": _key(channel, chat_id)}).scalar())


def let_chat_go(connection: Connection, channel: str, chat_id: str) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_unlock(hashtextextended(:key, 0))"),
                           {"key": _key(channel, chat_id)})


def is_new(session: Session, channel: str, chat_id: str, update_id: int) -> bool:
    """Whether `update_id` is newer than the last update handled for the chat."""
    last = session.scalars(select(HandledUpdate.update_id).where(
        HandledUpdate.channel == channel, HandledUpdate.chat_id == chat_id)).first()
    return last is None or update_id > last


def mark_handled(session: Session, channel: str, chat_id: str, update_id: int, now: datetime) -> None:
    begin_write(session)
    table = table_of(HandledUpdate)
    insert = upsert_insert(session.get_bind().dialect.name)(table)
    session.execute(insert.values(channel=channel, chat_id=chat_id, update_id=update_id, handled_at=now)
                    .on_conflict_do_update(index_elements=["channel", "chat_id"],
                                           set_={"update_id": update_id, "handled_at": now}))
    session.commit()


def forget_quiet_chats(session: Session, now: datetime) -> int:
    """Delete the rows of chats quiet for HANDLED_LIFETIME; how many went."""
    begin_write(session)
    gone = session.execute(delete(HandledUpdate).where(HandledUpdate.handled_at < now - HANDLED_LIFETIME))
    session.commit()
    return rows_changed(gone)
