"""The audit trail: every read and write by staff, and every refused attempt by anyone.

Successful actions are recorded in the same transaction as the work, so there is never a change
without its audit row. Refusals and conflicts are recorded in a transaction of their own, after
the failed work has been rolled back, so the attempt is on record even though nothing changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from casefile.actors import Actor, actor_id, actor_kind, actor_label
from casefile.db import begin_write
from casefile.models import AuditEvent

OK = "ok"
DENIED = "denied"
CONFLICT = "conflict"
NOT_FOUND = "not_found"


@dataclass(frozen=True)
class Origin:
    """Where a staff action came from: the client's address and the console session it was made in."""

    client_address: str | None
    session_id: str | None


# Set by a surface around each request (the console's page guard), read by `record`: every audit row
# made while serving that request says where it came from, whichever service function writes it.
_origin: ContextVar[Origin | None] = ContextVar("audit_origin", default=None)


@contextmanager
def origin(client_address: str | None, session_id: str | None) -> Iterator[None]:
    token = _origin.set(Origin(client_address, session_id))
    try:
        yield
    finally:
        _origin.reset(token)


def record(
    session: Session,
    actor: Actor,
    action: str,
    subject: str,
    *,
    subject_id: int | None = None,
    person_id: int | None = None,
    outcome: str = OK,
    detail: str = "",
    now: datetime | None = None,
) -> AuditEvent:
    """Add an audit event to the session's current transaction."""
    came_from = _origin.get()
    event = AuditEvent(
        at=now or datetime.now(UTC),
        actor_kind=actor_kind(actor),
        actor_id=actor_id(actor),
        actor_name=actor_label(actor),
        action=action,
        subject=subject,
        subject_id=subject_id,
        person_id=person_id,
        outcome=outcome,
        detail=detail[:2000],
        client_address=came_from.client_address if came_from else None,
        session_id=came_from.session_id if came_from else None,
    )
    session.add(event)
    return event


def record_read(
    session: Session,
    actor: Actor,
    action: str,
    subject: str,
    *,
    subject_id: int | None = None,
    person_id: int | None = None,
    detail: str = "",
    now: datetime | None = None,
) -> AuditEvent:
    """Add the audit event for a read that has just finished; the caller's commit writes it.

    Call it after the last read. On PostgreSQL the row goes in the read's own transaction. SQLite has
    one write lock for the whole file, so a reader must not hold it while it reads: the read's
    transaction (a snapshot, no lock) ends here and the row gets a short write transaction of its own.
    Either way it is committed before the caller returns, so nothing is shown that is not on record.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.commit()
        begin_write(session)
    return record(session, actor, action, subject, subject_id=subject_id, person_id=person_id, detail=detail,
                  now=now)


def record_separately(
    session: Session,
    actor: Actor,
    action: str,
    subject: str,
    *,
    subject_id: int | None = None,
    person_id: int | None = None,
    outcome: str,
    detail: str = "",
    now: datetime | None = None,
) -> None:
    """Throw away the session's unfinished work, then record and commit one audit event on its own."""
    session.rollback()
    record(
        session, actor, action, subject,
        subject_id=subject_id, person_id=person_id, outcome=outcome, detail=detail, now=now,
    )
    session.commit()


def audit_trail(
    session: Session,
    *,
    person_id: int | None = None,
    actor: Actor | None = None,
    action_prefix: str | None = None,
    limit: int = 200,
) -> list[AuditEvent]:
    """Audit events, oldest first, filtered by person, actor and/or action."""
    query = select(AuditEvent)
    if person_id is not None:
        query = query.where(AuditEvent.person_id == person_id)
    if actor is not None:
        query = query.where(AuditEvent.actor_name == actor_label(actor))
    if action_prefix is not None:
        query = query.where(AuditEvent.action.startswith(action_prefix, autoescape=True))
    return list(session.scalars(query.order_by(AuditEvent.at, AuditEvent.id).limit(limit)))
