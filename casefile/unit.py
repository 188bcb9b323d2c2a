"""One unit of work on the case file: permission, version check, case update and audit, one transaction.

Every service function runs its body inside `unit_of_work`. On success the audit event is added and
everything commits together. A refusal, a missing record or a version conflict rolls the work back,
records the attempt in the audit trail on its own, and raises the plain-English error.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

# safe_text checks every record's text before each flush; plan_marks marks who the planner must plan again.
from casefile import audit, plan_marks, safe_text  # noqa: F401
from casefile.actors import Actor, PersonActor, StaffActor, SystemActor, actor_label
from casefile.db import begin_write, casefile_error_for
from casefile.errors import ConflictError, InvalidInput, NotFound, PermissionDenied
from casefile.models import Assignment, CaseUpdate, Person, Worker

NOT_ON_CASELOAD = "Sorry, this person is not on your caseload, so you cannot see or change their file."
NOT_YOURS = "Sorry, you can only see and change your own details."
LEAD_ONLY = "Only the lead professional for this person can do this."
STAFF_ONLY = "Your key worker looks after this part of your file. Please ask them to change it."
FILE_CLOSED = "This file has been closed, so nothing can be added to it or changed."

# Whether a worker is on a person's team, built once with bound parameters: every staff read and write
# asks it, and building the statement cost more than running it.
_ON_TEAM = (
    select(Assignment.is_lead, Worker, Assignment.role)
    .join(Worker, Worker.id == Assignment.worker_id)
    .where(
        Assignment.worker_id == bindparam("worker_id"),
        Assignment.person_id == bindparam("person_id"),
        Assignment.ended_at.is_(None),
        Worker.active.is_(True),
    )
)


@dataclass
class Unit:
    """What a service function knows about the work in hand; filled in as it goes."""

    session: Session
    actor: Actor
    action: str
    subject: str
    now: datetime
    person_id: int | None = None
    subject_id: int | None = None
    detail: str = ""
    worker: Worker | None = None  # the acting worker, for staff actors
    is_lead: bool = False
    assignment_role: str = ""  # the acting worker's role for this person, as the lead wrote it
    updates: list[CaseUpdate] = field(default_factory=list)

    def require_person(self, person_id: int, *, lead_only: bool = False, staff_only: bool = False) -> None:
        """Allow the actor to work on this person's file, or raise PermissionDenied / NotFound.

        `staff_only`: the person may not do this to their own file (book appointments, change dates...).
        """
        self.person_id = person_id
        actor = self.actor
        if isinstance(actor, StaffActor):
            row = self.session.execute(_ON_TEAM, {"worker_id": actor.worker_id, "person_id": person_id}).first()
            # A person who does not exist looks the same as one not on the caseload: no probing.
            if row is None:
                raise PermissionDenied(NOT_ON_CASELOAD)
            self.is_lead, self.worker, self.assignment_role = bool(row[0]), row[1], row[2]
            if lead_only and not self.is_lead:
                raise PermissionDenied(LEAD_ONLY)
            return
        if isinstance(actor, PersonActor):
            if actor.person_id != person_id:
                raise PermissionDenied(NOT_YOURS)
            if lead_only or staff_only:
                raise PermissionDenied(STAFF_ONLY)
        person = self.session.get(Person, person_id)
        if person is None:
            raise NotFound("Sorry, we could not find that person.")
        # A forgotten file (casefile.erasure) takes no new codes, chats or records. Staff lose their
        # assignments when a file is closed, so the staff branch above refuses them already.
        if person.closed_at is not None:
            raise PermissionDenied(FILE_CLOSED)

    def require_system(self) -> None:
        if not isinstance(self.actor, SystemActor):
            raise PermissionDenied("Only Signpost's own tools can do this.")

    def record_change(
        self,
        kind: str,
        subject: str,
        subject_id: int | None,
        before: Mapping[str, Any],
        after: Mapping[str, Any],
        *,
        summary: str = "",
        tell_person: bool = False,
    ) -> CaseUpdate:
        """Write the case update for this change (who, which agency, when, before and after)."""
        if self.person_id is None:  # pragma: no cover - a programming error, caught by tests
            raise RuntimeError("record_change before require_person")
        update = CaseUpdate(
            person_id=self.person_id,
            worker_id=self.worker.id if self.worker else None,
            agency_id=self.worker.agency_id if self.worker else None,
            actor=actor_label(self.actor),
            at=self.now,
            kind=kind,
            subject=subject,
            subject_id=subject_id,
            field=",".join(sorted(set(before) | set(after)))[:300],
            before={key: jsonable(value) for key, value in before.items()},
            after={key: jsonable(value) for key, value in after.items()},
            summary=summary,
            tell_person=tell_person,
        )
        self.session.add(update)
        self.updates.append(update)
        return update


def jsonable(value: Any) -> Any:
    """Case-update values as JSON: dates and times as ISO text, sets as sorted lists."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(jsonable(item) for item in value)
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return value


def apply_changes(record: Any, changes: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Set the fields on `record`; return (before, after) for the ones that really changed."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name, value in changes.items():
        old = getattr(record, name)
        if old != value:
            before[name], after[name] = old, value
            setattr(record, name, value)
    return before, after


def check_version(record: Any, expected_version: int | None) -> None:
    """The caller edited what they saw at `expected_version`; anything newer means someone got there first."""
    if expected_version is None or record.version != expected_version:
        raise ConflictError()


def aware_now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None or now.utcoffset() is None:
        raise InvalidInput("Times must say which time zone they are in.")
    return now.astimezone(UTC)


@contextmanager
def unit_of_work(
    session: Session,
    actor: Actor,
    action: str,
    subject: str,
    *,
    now: datetime | None = None,
    write: bool = True,
    audit_success: bool = True,
) -> Iterator[Unit]:
    unit = Unit(session=session, actor=actor, action=action, subject=subject, now=aware_now(now))
    try:
        if write or audit_success:
            # The audit row is a write too; on SQLite, take the write lock before reading (see db.WRITE_OPTION).
            begin_write(session)
        yield unit
        if audit_success:
            audit.record(
                session, actor, action, unit.subject,
                subject_id=unit.subject_id, person_id=unit.person_id, detail=unit.detail, now=unit.now,
            )
        session.commit()
    except PermissionDenied as exc:
        _record_failure(unit, audit.DENIED, exc.message)
        raise
    except NotFound as exc:
        _record_failure(unit, audit.NOT_FOUND, exc.message)
        raise
    except ConflictError as exc:
        _record_failure(unit, audit.CONFLICT, exc.message)
        raise
    except (StaleDataError, IntegrityError) as exc:
        # Someone else's change landed between our read and our write (or a second lead at once).
        _record_failure(unit, audit.CONFLICT, type(exc).__name__)
        raise ConflictError() from exc
    except OperationalError as exc:
        # Another process kept the write lock past the busy timeout, or the disk is full: nothing was saved,
        # and the caller says so in plain words. Anything else is not ours to explain.
        session.rollback()
        plain = casefile_error_for(exc)
        if plain is None:
            raise
        raise plain from exc
    except BaseException:
        session.rollback()
        raise


def _record_failure(unit: Unit, outcome: str, detail: str) -> None:
    audit.record_separately(
        unit.session, unit.actor, unit.action, unit.subject,
        subject_id=unit.subject_id, person_id=unit.person_id, outcome=outcome, detail=detail, now=unit.now,
    )
