""""Tell my worker now": a person's urgent request for help, and the team seeing it.

The person says yes first. Only the kind of help and when are kept, never their words. The lead
professional (or, with no lead, everyone on the team) gets a notice at once, whatever the hour: worker
notices ignore quiet hours. The request stays at the top of the team's caseload until one of them marks
it seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from casefile import audit, outbox
from casefile.actors import PersonActor, StaffActor
from casefile.errors import InvalidInput, NotFound
from casefile.models import URGENT_KINDS, Assignment, Person, UrgentRequest
from casefile.people import team_of
from casefile.unit import unit_of_work

URGENT_EVENT = "urgent_help"


@dataclass(frozen=True)
class UrgentRaised:
    request_id: int
    told: tuple[str, ...]  # the names of the workers told, lead first; empty when the person has no team


@dataclass(frozen=True)
class OpenUrgent:
    request_id: int
    person_id: int
    ref: str
    preferred_name: str
    kind: str
    raised_at: datetime


def raise_urgent(session: Session, actor: PersonActor, person_id: int, kind: str, *,
                 now: datetime | None = None) -> UrgentRaised:
    """Record the person's request and tell their lead (or their whole team if there is no lead) now."""
    if kind not in URGENT_KINDS:
        raise InvalidInput("That is not a kind of help Signpost knows.")
    with unit_of_work(session, actor, "write.urgent_request", "urgent_request", now=now) as unit:
        unit.require_person(person_id)
        team = team_of(session, person_id)
        told = [member for member in team if member.is_lead] or list(team)
        request = UrgentRequest(person_id=person_id, kind=kind, raised_at=unit.now)
        session.add(request)
        session.flush()
        unit.subject_id = request.id
        unit.detail = kind
        for member in told:
            outbox.add_worker_notice(session, member.worker_id, person_id, URGENT_EVENT, unit.now,
                                     extra={"kind": kind})
        return UrgentRaised(request.id, tuple(member.name for member in told))


# Built once: every caseload and person's page asks.
_OPEN_URGENT = (
    select(UrgentRequest.id, UrgentRequest.person_id, Person.ref, Person.preferred_name, UrgentRequest.kind,
           UrgentRequest.raised_at)
    .join(Person, Person.id == UrgentRequest.person_id)
    .join(Assignment, Assignment.person_id == UrgentRequest.person_id)
    .where(Assignment.worker_id == bindparam("worker_id"), Assignment.ended_at.is_(None),
           UrgentRequest.seen_at.is_(None))
    .order_by(UrgentRequest.raised_at, UrgentRequest.id)
)


def open_urgent(session: Session, worker_id: int, *, now: datetime | None = None) -> list[OpenUrgent]:
    """Requests not yet seen from the worker's current people, oldest first. Audited as a caseload read."""
    actor = StaffActor(worker_id)
    with unit_of_work(session, actor, "read.urgent_requests", "caseload", now=now, write=False,
                      audit_success=False) as unit:
        unit.subject_id = worker_id
        found = session.connection().execute(_OPEN_URGENT, {"worker_id": worker_id}).all()
        rows = [OpenUrgent(*row) for row in found]
        if rows:
            audit.record_read(session, actor, "read.urgent_requests", "caseload", subject_id=worker_id,
                              detail=f"{len(rows)} open", now=unit.now)
        return rows


def mark_urgent_seen(session: Session, actor: StaffActor, request_id: int, *, now: datetime | None = None) -> None:
    """A worker on the person's team has seen the request; it leaves the top of everyone's caseload."""
    with unit_of_work(session, actor, "write.urgent_seen", "urgent_request", now=now) as unit:
        unit.subject_id = request_id
        request = session.get(UrgentRequest, request_id)
        unit.require_person(request.person_id if request is not None else -1)
        if request is None:
            raise NotFound("Sorry, we could not find that request.")
        if request.seen_at is None:
            request.seen_at = unit.now
            request.seen_by = actor.worker_id
