"""A send budget every process shares, kept in PostgreSQL; and, where none can be shared, a sending lease.

Telegram's limits (about 30 messages a second for the bot, one a second to a chat) hold for all of a
bot's processes together. So each send first reserves its moment here, in one statement:

- the budget's row (`send_budgets`) keeps the next free slot. A send takes the later of that slot and
  "now, less a small burst"; the slot moves on by 1/rate. Every process's sends queue on this one row,
  so together they never go faster than the rate (a generic cell rate algorithm: the slot is the
  theoretical arrival time, the burst its tolerance);
- the chat's row (`send_budget_chats`) keeps when that chat may next hear from the bot. A send to a
  chat not ready yet takes no slot (taking one for later would leave it unused now, and push others
  back): it is told how long until the chat is ready, and asks again then. A send that takes a slot
  holds the chat (its next moment goes `hold` past the slot) until Telegram has answered it (`sent`),
  and the chat's next message goes the per-chat gap after that answer. So one chat has one message
  in flight across every process, and a request that left late (a busy machine) cannot bring the next
  one too close behind it. A process that dies mid-send holds the chat only until `hold` runs out.

The statement answers how many seconds to wait (before sending, or before asking again), worked out on
the database's clock,
so processes on machines whose clocks differ still agree. It runs in autocommit: the row lock is held
only for the statement (bench/multiprocess.py measures its cost per send).

Whether the chat is ready is read as the statement's snapshot saw it; the chat's row is then updated
as it is now (ON CONFLICT sees the newest version). Only when two processes send to one chat in the
same instant can the second be told to go a little after its overall slot, to keep the chat's gap.

Without PostgreSQL (SQLite) processes cannot share a budget this way: one process holds the sending
lease (`sending_leases`) and only it sends reminders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, select, text
from sqlalchemy.orm import Session

from casefile.db import begin_write, upsert_insert
from casefile.models import SendingLease, table_of

TELEGRAM = "telegram"
# A chat's row is only needed while its next moment is near; older ones are swept now and then.
CHAT_ROW_LIFETIME_SECONDS = 60.0

_RESERVE = text("""
WITH moment AS (
    SELECT extract(epoch FROM clock_timestamp()) AS now
), chat AS (
    SELECT next_at FROM send_budget_chats WHERE budget = :name AND chat_id = :chat_id
), overall AS (
    UPDATE send_budgets AS budget
    SET next_slot = greatest(budget.next_slot, (SELECT now FROM moment) - :tolerance) + :interval
    WHERE budget.name = :name AND coalesce((SELECT next_at FROM chat), 0) <= (SELECT now FROM moment)
    RETURNING budget.next_slot - :interval AS at
), taken AS (
    INSERT INTO send_budget_chats (budget, chat_id, next_at)
    SELECT :name, :chat_id, at + :hold FROM overall
    ON CONFLICT (budget, chat_id) DO UPDATE
    SET next_at = greatest(send_budget_chats.next_at, excluded.next_at - :hold) + :hold
    RETURNING next_at - :hold AS at
)
SELECT (SELECT at FROM taken) - extract(epoch FROM clock_timestamp()) AS wait,
       (SELECT next_at FROM chat) - (SELECT now FROM moment) AS chat_wait
""")
_PAUSE = text("""
UPDATE send_budgets SET next_slot = greatest(next_slot, extract(epoch FROM clock_timestamp()) + :seconds)
WHERE name = :name
""")
_SENT = text("""
UPDATE send_budget_chats SET next_at = extract(epoch FROM clock_timestamp()) + :gap
WHERE budget = :name AND chat_id = :chat_id
""")
_OPEN = text("""
INSERT INTO send_budgets (name, next_slot) VALUES (:name, 0) ON CONFLICT (name) DO NOTHING
""")
_SWEEP = text("""
DELETE FROM send_budget_chats WHERE budget = :name AND next_at < extract(epoch FROM clock_timestamp()) - :age
""")


@dataclass(frozen=True)
class BudgetLimits:
    """How fast one budget sends: `per_second` overall, with a burst of `burst`, and `per_chat_gap` s to a chat
    after the last send to it was answered; a send not answered within `hold` s frees its chat all the same."""

    per_second: float
    per_chat_gap: float
    burst: int = 5
    hold: float = 10.0

    @property
    def interval(self) -> float:
        return 1.0 / self.per_second

    @property
    def tolerance(self) -> float:
        return (self.burst - 1) * self.interval


def open_budget(connection: Connection, name: str) -> None:
    """Make the budget's row if no process has yet (autocommit connection)."""
    connection.execute(_OPEN, {"name": name})


@dataclass(frozen=True)
class Reservation:
    """A send reserved `wait` seconds from now; or, when the chat is not ready, none: ask again in `chat_wait`."""

    wait: float | None
    chat_wait: float = 0.0


def reserve(connection: Connection, name: str, chat_id: str, limits: BudgetLimits) -> Reservation:
    """Reserve one send to `chat_id`, if the chat may hear from the bot now."""
    wait, chat_wait = connection.execute(_RESERVE, {
        "name": name, "chat_id": chat_id, "interval": limits.interval, "tolerance": limits.tolerance,
        "hold": limits.hold,
    }).one()
    if wait is not None:
        return Reservation(float(wait))
    if chat_wait is not None and chat_wait > 0:
        return Reservation(None, float(chat_wait))
    # Neither: the budget's row is missing (a database restored without it, say). Make it and reserve again.
    open_budget(connection, name)
    return reserve(connection, name, chat_id, limits)


def sent(connection: Connection, name: str, chat_id: str, gap: float) -> None:
    """A send to `chat_id` was answered: the chat is free again `gap` seconds from now."""
    connection.execute(_SENT, {"name": name, "chat_id": chat_id, "gap": gap})


def pause(connection: Connection, name: str, seconds: float) -> None:
    """Telegram said wait (HTTP 429): no process sends on this budget for `seconds`."""
    connection.execute(_PAUSE, {"name": name, "seconds": seconds})


def sweep_chats(connection: Connection, name: str) -> None:
    connection.execute(_SWEEP, {"name": name, "age": CHAT_ROW_LIFETIME_SECONDS})


# -- the sending lease --------------------------------------------------------------------------------
def hold_lease(session: Session, name: str, holder: str, now: datetime, lasts: timedelta) -> str:
    """Take or renew the lease `name` for `holder` if it is free, ran out, or is `holder`'s already.

    Returns who holds it now (so `holder` when taken). One statement, so two processes never both get it.
    """
    begin_write(session)
    table = table_of(SendingLease)
    insert = upsert_insert(session.get_bind().dialect.name)(table)
    session.execute(
        insert.values(name=name, holder=holder, expires_at=now + lasts).on_conflict_do_update(
            index_elements=["name"],
            set_={"holder": holder, "expires_at": now + lasts},
            where=(table.c.holder == holder) | (table.c.expires_at < now),
        )
    )
    current = session.scalars(select(SendingLease.holder).where(SendingLease.name == name)).one()
    session.commit()
    return current


def release_lease(session: Session, name: str, holder: str) -> None:
    """A clean stop: the lease is free at once, for another process to take."""
    begin_write(session)
    session.execute(delete(SendingLease).where(SendingLease.name == name, SendingLease.holder == holder))
    session.commit()
