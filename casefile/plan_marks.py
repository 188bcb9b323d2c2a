"""Marks for the planner: which people's planned messages must be planned again, written with the change.

The planner (bot/reminders/planner.py) plans release-day, money and pharmacy messages from a person's
file: their journey (release date), benefit claim, pharmacy plan, appointments, contact choices (paused,
quiet hours, reminders on), and whether they have an open file and an active chat. Every write to any
of those, and every case update, marks the person here in the same transaction, so the planner reads
only the people who changed (a few a minute) instead of all of them (a quarter of a million).

Writes through a session are marked by `mark_changed_people`, after each flush, from the records the
flush wrote: no service function has to remember it. The few writes that go round the session (bulk
feed imports, the dispatcher's "chat blocked") call `mark` themselves.

A mark says "planned as of before `marked_at` is stale". The planner reads marks, plans those people,
then deletes only the marks not renewed meanwhile (`marked_at` unchanged), so a change made while it
was planning is planned on its next round.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, event, inspect, select
from sqlalchemy.orm import Session

from casefile.db import upsert_insert
from casefile.models import (
    Appointment,
    BenefitClaim,
    CaseUpdate,
    ChatLink,
    JourneyPosition,
    Person,
    PharmacyPlan,
    PlanningMark,
    table_of,
)

_TABLE = table_of(PlanningMark)
# Records whose writes can change a person's planned messages, and so mark the person.
PLANNED_FROM: tuple[type[Any], ...] = (
    Person, JourneyPosition, BenefitClaim, PharmacyPlan, Appointment, ChatLink, CaseUpdate,
)


def mark(connection: Connection, person_ids: Iterable[int | None]) -> int:
    """Mark these people for planning (a newer time if already marked). Returns how many were marked.

    The time is the real time, whatever clock the caller runs on: it only orders marks and tells a renewed
    mark from the one the planner read.
    """
    wanted = sorted({person_id for person_id in person_ids if person_id is not None})
    if not wanted:
        return 0
    at = datetime.now(UTC)
    insert = upsert_insert(connection.dialect.name)(_TABLE)
    statement = insert.on_conflict_do_update(index_elements=[_TABLE.c.person_id],
                                             set_={"marked_at": insert.excluded.marked_at})
    connection.execute(statement, [{"person_id": person_id, "marked_at": at} for person_id in wanted])
    return len(wanted)


def marked(connection: Connection, limit: int | None) -> list[tuple[int, datetime]]:
    """Up to `limit` marks (None: all), oldest first: (person id, marked at)."""
    query = select(_TABLE.c.person_id, _TABLE.c.marked_at).order_by(_TABLE.c.marked_at, _TABLE.c.person_id)
    return [(row.person_id, row.marked_at) for row in connection.execute(query.limit(limit))]


def clear(connection: Connection, seen: Iterable[tuple[int, datetime]]) -> int:
    """Delete the marks the planner has acted on, unless a newer change renewed them meanwhile."""
    pairs = list(seen)
    if not pairs:
        return 0
    result = connection.execute(
        delete(_TABLE).where(_TABLE.c.person_id == bindparam("b_person"), _TABLE.c.marked_at == bindparam("b_at")),
        [{"b_person": person_id, "b_at": at} for person_id, at in pairs])
    return int(result.rowcount or 0)


def _person_of(record: Any) -> int | None:
    if isinstance(record, Person):
        return record.id
    return getattr(record, "person_id", None)


@event.listens_for(Session, "after_flush")
def mark_changed_people(session: Session, _context: Any) -> None:
    """Mark everyone whose planned messages this flush may have changed, inside the same transaction."""
    people: set[int | None] = set()
    for record in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(record, PLANNED_FROM):
            continue
        if record in session.dirty and not session.is_modified(record, include_collections=False):
            continue
        people.add(_person_of(record))
        if isinstance(record, (ChatLink, Appointment)):
            # A link moved from one person to another, or an appointment moved between files: both people.
            history = inspect(record).attrs["person_id"].history  # type: ignore[attr-defined]
            people.update(history.deleted or ())
    # A file deleted outright (the demo's reset) takes its marks with it (ON DELETE CASCADE); a file closed by
    # forgetting has had its messages deleted, and keeps nothing about the person, a mark included.
    people -= {record.id for record in session.deleted if isinstance(record, Person)}
    people -= {record.id for record in (*session.new, *session.dirty)
               if isinstance(record, Person) and record.closed_at is not None}
    if people - {None}:
        mark(session.connection(), people)
