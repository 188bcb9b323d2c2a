"""A person's whole file as readable JSON: the answer to a subject access request.

Every table that holds something about the person is included, with the audit events about them
and every case update. Dates are ISO (YYYY-MM-DD); each moment is given in UTC and, beside it, on
the London clock, so the person can read it as they lived it. Link codes are listed without their
hashes: those are a security measure, not information about the person.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casefile.actors import Actor, SystemActor, actor_label
from casefile.clock import LONDON
from casefile.errors import NotFound
from casefile.models import (
    Agency,
    Appointment,
    Assignment,
    AuditEvent,
    Base,
    BenefitClaim,
    CaseUpdate,
    ChatLink,
    JourneyPosition,
    LicenceCondition,
    LinkCode,
    Person,
    PharmacyPlan,
    Worker,
)
from casefile.unit import unit_of_work

EXPORT_FORMAT = 1
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Tables the export lays out itself; any other table with a person_id is added whole.
_COVERED = frozenset({
    "journey_positions", "licence_conditions", "assignments", "appointments", "benefit_claims",
    "pharmacy_plans", "case_updates", "chat_links", "link_codes", "audit_events",
})
ABOUT = (
    "Everything Signpost holds about this person, made for a subject access request. "
    "Times are in UTC, with the same moment on the London clock beside them (the _london fields)."
)


def export_person(session: Session, actor: Actor, person_ref: str, *, now: datetime | None = None
                  ) -> dict[str, Any]:
    """The person's whole file as a JSON-ready dict. The export itself is audited as a read.

    Signpost's own tools may export any file, closed ones too; a worker only someone they are the lead
    professional for (a subject access request goes through the lead, who sees the whole file).
    """
    with unit_of_work(session, actor, "read.export", "person", now=now) as unit:
        person = session.scalars(select(Person).where(Person.ref == person_ref.strip())).first()
        if person is None:
            raise NotFound(f'There is no person with reference "{person_ref.strip()}".')
        if isinstance(actor, SystemActor):
            # A closed file can still be exported, to show what was kept; require_person refuses it.
            unit.person_id = person.id
        else:
            unit.require_person(person.id, lead_only=True)
        unit.subject_id = person.id
        document = _document(session, person, unit.now, actor)
        unit.detail = "subject access export"
        return document


def export_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _document(session: Session, person: Person, now: datetime, actor: Actor) -> dict[str, Any]:
    person_id = person.id
    return {
        "export": {
            "format": EXPORT_FORMAT,
            "about": ABOUT,
            "person_ref": person.ref,
            **_moment("made_at", now),
            "made_by": actor_label(actor),
        },
        "person": _row(person, exclude=("id",)),
        "journey": _one(session, select(JourneyPosition).where(JourneyPosition.person_id == person_id),
                        exclude=("person_id",)),
        "licence_conditions": _all(
            session,
            select(LicenceCondition).where(LicenceCondition.person_id == person_id)
            .order_by(LicenceCondition.position, LicenceCondition.id),
            exclude=("person_id",),
        ),
        "team": _team(session, person_id),
        "appointments": _appointments(session, person_id),
        "benefit_claims": _all(
            session,
            select(BenefitClaim).where(BenefitClaim.person_id == person_id).order_by(BenefitClaim.id),
            exclude=("person_id",),
        ),
        "pharmacy_plan": _pharmacy(session, person_id),
        "case_updates": _case_updates(session, person_id),
        "chat_links": _all(
            session, select(ChatLink).where(ChatLink.person_id == person_id).order_by(ChatLink.id),
            exclude=("person_id", "worker_id"),
        ),
        "link_codes": _all(
            session, select(LinkCode).where(LinkCode.person_id == person_id).order_by(LinkCode.id),
            exclude=("person_id", "worker_id", "code_hash"),
        ),
        "audit_events": _all(
            session, select(AuditEvent).where(AuditEvent.person_id == person_id)
            .order_by(AuditEvent.at, AuditEvent.id),
            exclude=("person_id",),
        ),
        **_other_tables(session, person_id),
    }


def _other_tables(session: Session, person_id: int) -> dict[str, list[dict[str, Any]]]:
    """Any other table with rows about the person (the reminders outbox, or one added later), whole."""
    found: dict[str, list[dict[str, Any]]] = {}
    for table in Base.metadata.sorted_tables:
        if "person_id" not in table.c or table.name in _COVERED:
            continue
        query = select(table).where(table.c.person_id == person_id).order_by(*table.primary_key)
        rows = session.execute(query)
        found[table.name] = [_values(row._asdict(), exclude=("person_id",)) for row in rows]
    return found


def _team(session: Session, person_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Assignment, Worker, Agency)
        .join(Worker, Worker.id == Assignment.worker_id)
        .join(Agency, Agency.id == Worker.agency_id)
        .where(Assignment.person_id == person_id)
        .order_by(Assignment.started_at, Assignment.id)
    ).all()
    return [
        {
            **_row(assignment, exclude=("person_id", "source_agency_id")),
            "worker": _row(worker, exclude=("agency_id",)),
            "agency": _row(agency),
        }
        for assignment, worker, agency in rows
    ]


def _appointments(session: Session, person_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Appointment, Worker.name, Agency.short_name)
        .outerjoin(Worker, Worker.id == Appointment.worker_id)
        .outerjoin(Agency, Agency.id == Appointment.source_agency_id)
        .where(Appointment.person_id == person_id)
        .order_by(Appointment.starts_at, Appointment.id)
    ).all()
    return [
        {**_row(appointment, exclude=("person_id", "source_agency_id")), "worker_name": worker_name,
         "from_agency": source_agency}
        for appointment, worker_name, source_agency in rows
    ]


def _pharmacy(session: Session, person_id: int) -> dict[str, Any] | None:
    query = select(PharmacyPlan).where(PharmacyPlan.person_id == person_id)
    plan = _one(session, query, exclude=("person_id",))
    if plan is not None:
        plan["open_days_named"] = [WEEKDAYS[day] for day in plan["open_days"] or ()]
        plan["pickup_days_named"] = [WEEKDAYS[day] for day in plan["pickup_days"] or ()]
    return plan


def _case_updates(session: Session, person_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(CaseUpdate, Worker.name, Agency.name)
        .outerjoin(Worker, Worker.id == CaseUpdate.worker_id)
        .outerjoin(Agency, Agency.id == CaseUpdate.agency_id)
        .where(CaseUpdate.person_id == person_id)
        .order_by(CaseUpdate.at, CaseUpdate.id)
    ).all()
    return [
        {**_row(update, exclude=("person_id",)), "worker_name": worker_name, "agency_name": agency_name}
        for update, worker_name, agency_name in rows
    ]


def _one(session: Session, query: Any, *, exclude: tuple[str, ...] = ()) -> dict[str, Any] | None:
    record = session.scalars(query).first()
    return None if record is None else _row(record, exclude=exclude)


def _all(session: Session, query: Any, *, exclude: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    return [_row(record, exclude=exclude) for record in session.scalars(query)]


def _row(record: Any, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every column of `record`, in table order, as JSON values; each moment also on the London clock."""
    return _values({column.key: getattr(record, column.key) for column in record.__table__.columns},
                   exclude=exclude)


def _values(values: Mapping[str, Any], *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in values.items():
        if name in exclude:
            continue
        if isinstance(value, datetime):
            result.update(_moment(name, value))
        else:
            result[name] = _plain(value)
    return result


def _moment(name: str, value: datetime) -> dict[str, str]:
    return {name: value.isoformat(), f"{name}_london": value.astimezone(LONDON).isoformat()}


def _plain(value: Any) -> Any:
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value
