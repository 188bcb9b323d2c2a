"""How long the case file keeps what it no longer needs, and the prune that forgets it in small batches.

Kept (the settings SIGNPOST_KEEP_*_DAYS in bot/settings.py; the README says why each default):
  * finished messages (sent, failed or cancelled outbox rows): deleted this long after their time;
  * their details (the words of a worker's message, Telegram's message id, the last error): cleared sooner,
    leaving the bare record that a message of that kind went to that person at that time;
  * case updates (what changed in a file, shown to the person and their workers): deleted after this;
  * audit events (who read or wrote what): kept longest, and never for less time than anything they describe.
Pending and claimed messages are never touched, whatever their age.

`prune` deletes (or clears) at most `batch` rows a transaction and commits each, so a running dispatcher,
chat or console waits for one short batch at most, never for the whole prune. `signpost db prune` runs
it by hand; the dispatcher runs it once a day (bot/reminders/dispatcher.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, literal_column, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from casefile.db import begin_write
from casefile.models import (
    DETAILS_KEPT_WHERE,
    OUTBOX_FINISHED_STATES,
    AuditEvent,
    CaseUpdate,
    OutboxMessage,
    table_of,
)

DEFAULT_BATCH = 1000
_OUTBOX = table_of(OutboxMessage)


@dataclass(frozen=True)
class Retention:
    """Days each kind of row is kept. The audit trail is kept at least as long as the longest of the others."""

    sent_reminders_days: int
    message_details_days: int
    case_updates_days: int
    audit_days: int

    @property
    def audit_kept_days(self) -> int:
        return max(self.audit_days, self.sent_reminders_days, self.message_details_days, self.case_updates_days)


@dataclass
class PruneStats:
    reminders: int = 0  # finished outbox rows deleted
    details: int = 0  # finished outbox rows whose details were cleared
    case_updates: int = 0
    audit_events: int = 0
    batches: int = 0
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return self.reminders + self.details + self.case_updates + self.audit_events

    def line(self) -> str:
        return (f"Pruned {self.reminders} finished messages, cleared the details of {self.details}, "
                f"deleted {self.case_updates} case updates and {self.audit_events} audit events, "
                f"in {self.batches} batches ({self.seconds:.1f} s).")


def prune(sessions: sessionmaker[Session], retention: Retention, now: datetime, *, batch: int = DEFAULT_BATCH,
          pause: float = 0.0) -> PruneStats:
    """Forget what the settings say is kept no longer, `batch` rows a transaction, `pause` seconds between."""
    started = time.perf_counter()
    stats = PruneStats()
    finished = OutboxMessage.state.in_([literal_column(f"'{state}'") for state in OUTBOX_FINISHED_STATES])
    details_cutoff = now - timedelta(days=retention.message_details_days)
    steps: list[tuple[str, Callable[[Any], Any]]] = [
        ("reminders", lambda ids: delete(_OUTBOX).where(_OUTBOX.c.id.in_(ids))),
        ("details", lambda ids: update(_OUTBOX).where(_OUTBOX.c.id.in_(ids))
         .values(body="", telegram_message_id=None, last_error=None)),
        ("case_updates", lambda ids: delete(table_of(CaseUpdate)).where(table_of(CaseUpdate).c.id.in_(ids))),
        ("audit_events", lambda ids: delete(table_of(AuditEvent)).where(table_of(AuditEvent).c.id.in_(ids))),
    ]
    chosen = {
        "reminders": select(OutboxMessage.id).where(
            finished, OutboxMessage.due_at < now - timedelta(days=retention.sent_reminders_days)),
        # Written as the partial index ix_outbox_details_kept is, so each batch reads only rows still to clear.
        "details": select(OutboxMessage.id).where(text(DETAILS_KEPT_WHERE),
                                                  OutboxMessage.due_at < details_cutoff),
        "case_updates": select(CaseUpdate.id).where(
            CaseUpdate.at < now - timedelta(days=retention.case_updates_days)),
        "audit_events": select(AuditEvent.id).where(
            AuditEvent.at < now - timedelta(days=retention.audit_kept_days)),
    }
    for name, statement in steps:
        while True:
            with sessions() as session:
                begin_write(session)
                query = chosen[name].limit(batch)
                if session.get_bind().dialect.name == "postgresql":
                    query = query.with_for_update(skip_locked=True)  # two dispatchers pruning at once share the work
                ids = list(session.scalars(query))
                if ids:
                    session.execute(statement(ids))
                session.commit()
            if not ids:
                break
            stats.batches += 1
            setattr(stats, name, getattr(stats, name) + len(ids))
            if len(ids) < batch:
                break
            if pause:
                time.sleep(pause)
    stats.seconds = time.perf_counter() - started
    return stats
