"""The staff side of the case file: a worker's caseload, a person's file, and every staff write.

A worker sees and changes only the people they are assigned to. The lead professional may also
change the team and the licence conditions. Anything else is refused with PermissionDenied, and
the attempt is audited. Appointment, journey, money and pharmacy writes live in their own modules
and are re-exported here, so `casefile.staff` is the one place staff tools import from.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.orm import Session, aliased

from casefile import audit, notes
from casefile.actors import Actor, StaffActor
from casefile.appointments import (
    book_appointment,
    cancel_appointment,
    move_appointment,
    set_appointment_status,
)
from casefile.errors import InvalidInput, NotFound
from casefile.health_access import sees_health_details
from casefile.models import (
    APPOINTMENT_OVER,
    Appointment,
    Assignment,
    CaseUpdate,
    JourneyPosition,
    Person,
    Worker,
)
from casefile.notes import NoteView
from casefile.people import build_person_view, team_of
from casefile.records import (
    set_licence_conditions,
    update_benefit_claim,
    update_journey,
    update_pharmacy_plan,
)
from casefile.unit import apply_changes, aware_now, unit_of_work
from casefile.views import BookingTeam, CaseloadRow, CaseloadUpdate, ComingAppointment, DiaryEntry, PersonView

__all__ = [
    "add_case_update",
    "assign_worker",
    "book_appointment",
    "cancel_appointment",
    "caseload",
    "caseload_appointment",
    "caseload_person",
    "caseload_updates",
    "coming_appointments",
    "end_assignment",
    "move_appointment",
    "person_file",
    "set_appointment_status",
    "set_licence_conditions",
    "worker_name",
    "update_benefit_claim",
    "update_journey",
    "update_pharmacy_plan",
]

SUMMARY_LIMIT = 2000


def _caseload_statement() -> Select[Any]:
    """The worker's current people with their stage, next appointment and unseen-update count: one query.

    Each person's next appointment is found through ix_appointments_person_start, stopping at the first
    (a window over all their appointments was slower on SQLite). Built once, with bound parameters:
    building the statements was a good part of what a caseload cost.
    """
    following = aliased(Appointment, name="following")
    next_id = (
        select(following.id)
        .where(
            following.person_id == Assignment.person_id,
            following.starts_at >= bindparam("now"),
            following.status.not_in(APPOINTMENT_OVER),
        )
        .order_by(following.starts_at, following.id)
        .limit(1)
        .correlate(Assignment)
        .scalar_subquery()
    )
    unseen = (
        select(func.count())
        .where(CaseUpdate.person_id == Assignment.person_id, CaseUpdate.tell_person.is_(True),
               CaseUpdate.seen_at.is_(None))
        .correlate(Assignment)
        .scalar_subquery()
    )
    return (
        select(
            Assignment.person_id, Person.ref, Person.preferred_name, JourneyPosition.stage, Assignment.is_lead,
            Assignment.role, Appointment.id, Appointment.starts_at, Appointment.status, unseen,
        )
        .join(Person, Person.id == Assignment.person_id)
        .outerjoin(JourneyPosition, JourneyPosition.person_id == Person.id)
        .outerjoin(Appointment, Appointment.id == next_id)
        .where(Assignment.worker_id == bindparam("worker_id"), Assignment.ended_at.is_(None))
        .order_by(Person.preferred_name, Person.id)
    )


_CASELOAD = _caseload_statement()
_WORKER_EXISTS = select(Worker.id).where(Worker.id == bindparam("worker_id"))


def caseload(session: Session, worker_id: int, today: date, now: datetime) -> list[CaseloadRow]:
    """The worker's people, with stage, next appointment and unseen updates. One query, audited."""
    now = aware_now(now)
    actor = StaffActor(worker_id)
    with unit_of_work(session, actor, "read.caseload", "caseload", now=now, write=False,
                      audit_success=False) as unit:
        unit.subject_id = worker_id
        found = session.connection().execute(_CASELOAD, {"worker_id": worker_id, "now": now}).all()
        # Only an empty caseload needs asking whether the worker is there at all.
        if not found and session.execute(_WORKER_EXISTS, {"worker_id": worker_id}).first() is None:
            raise NotFound("Sorry, we could not find that worker.")
        rows = [
            CaseloadRow(
                person_id=person_id,
                ref=ref,
                preferred_name=name,
                stage=stage,
                is_lead=bool(is_lead),
                assignment_role=role,
                next_appointment_id=next_id,
                next_appointment_at=next_at,
                next_appointment_status=next_status,
                unseen_updates=int(unseen or 0),
            )
            for person_id, ref, name, stage, is_lead, role, next_id, next_at, next_status, unseen in found
        ]
        audit.record_read(session, actor, "read.caseload", "caseload", subject_id=worker_id,
                          detail=f"{len(rows)} people", now=now)
        return rows


def person_file(
    session: Session, actor: StaffActor, person_id: int, today: date, now: datetime
) -> PersonView:
    """One person's whole file, for a worker on their team (or Signpost itself). Audited."""
    return _person_file(session, actor, person_id, today, now, with_notes=False)[0]


def person_file_and_notes(
    session: Session, actor: StaffActor, person_id: int, today: date, now: datetime
) -> tuple[PersonView, list[NoteView]]:
    """`person_file` and the case notes (`notes.notes_for`) in one check of the team and one write of
    both audit events ("read.person_file" and "read.case_notes"), as the person's page shows them."""
    view, found = _person_file(session, actor, person_id, today, now, with_notes=True)
    assert found is not None
    return view, found


def _person_file(session: Session, actor: StaffActor, person_id: int, today: date, now: datetime, *,
                 with_notes: bool) -> tuple[PersonView, list[NoteView] | None]:
    now = aware_now(now)
    with unit_of_work(session, actor, "read.person_file", "person", now=now, write=False,
                      audit_success=False) as unit:
        unit.require_person(person_id)
        unit.subject_id = person_id
        view = build_person_view(session, person_id, today, now, upcoming_limit=50, unseen_limit=50)
        if not sees_health_details(unit.is_lead, unit.assignment_role):
            view = dataclasses.replace(view, pharmacy_plan=None)
        found = notes.read_notes(session, person_id) if with_notes else None
        # Recorded before the file is returned, without holding SQLite's write lock during the reads.
        audit.record_read(session, actor, "read.person_file", "person", subject_id=person_id,
                          person_id=person_id, now=now)
        if with_notes:  # in the same write as the file's event: record_read again would commit in between
            audit.record(session, actor, "read.case_notes", "person", subject_id=person_id, person_id=person_id,
                         now=now)
        return view, found


def coming_appointments(session: Session, worker_id: int, now: datetime, *, limit: int = 20
                        ) -> list[ComingAppointment]:
    """The appointments still going ahead for the worker's current people, soonest first. Audited."""
    now = aware_now(now)
    actor = StaffActor(worker_id)
    with unit_of_work(session, actor, "read.caseload_appointments", "caseload", now=now, write=False,
                      audit_success=False) as unit:
        unit.subject_id = worker_id
        found = session.execute(
            select(Appointment.id, Appointment.person_id, Person.preferred_name, Appointment.starts_at)
            .join(Person, Person.id == Appointment.person_id)
            .join(Assignment, Assignment.person_id == Appointment.person_id)
            .where(Assignment.worker_id == worker_id, Assignment.ended_at.is_(None),
                   Appointment.starts_at >= now, Appointment.status.not_in(APPOINTMENT_OVER))
            .order_by(Appointment.starts_at, Appointment.id).limit(limit)
        ).all()
        rows = [ComingAppointment(appointment_id, person_id, name, starts_at)
                for appointment_id, person_id, name, starts_at in found]
        audit.record_read(session, actor, "read.caseload_appointments", "caseload", subject_id=worker_id,
                          detail=f"{len(rows)} appointments", now=now)
        return rows


def diary(session: Session, worker_id: int, start: datetime, end: datetime, *, now: datetime | None = None
          ) -> list[DiaryEntry]:
    """Appointments in [start, end): the worker's own, and every one for the people they lead. Audited."""
    actor = StaffActor(worker_id)
    with unit_of_work(session, actor, "read.diary", "caseload", now=now, write=False, audit_success=False) as unit:
        unit.subject_id = worker_id
        current = (Assignment.worker_id == worker_id, Assignment.ended_at.is_(None))
        on_caseload = select(Assignment.person_id).where(*current)
        led = select(Assignment.person_id).where(*current, Assignment.is_lead.is_(True))
        found = session.execute(
            select(Appointment.id, Appointment.person_id, Person.preferred_name, Person.ref, Appointment.starts_at,
                   Appointment.minutes, Appointment.place, Appointment.kind, Appointment.status, Worker.name,
                   Appointment.worker_id)
            .join(Person, Person.id == Appointment.person_id)
            .outerjoin(Worker, Worker.id == Appointment.worker_id)
            .where(Appointment.starts_at >= start, Appointment.starts_at < end,
                   Appointment.person_id.in_(on_caseload.scalar_subquery()),
                   or_(Appointment.worker_id == worker_id, Appointment.person_id.in_(led.scalar_subquery())))
            .order_by(Appointment.starts_at, Appointment.id)
        ).all()
        rows = [DiaryEntry(*row[:10], mine=row[10] == worker_id) for row in found]
        audit.record_read(session, actor, "read.diary", "caseload", subject_id=worker_id,
                          detail=f"{start.date()} to {end.date()}: {len(rows)} appointments", now=unit.now)
        return rows


def caseload_updates(session: Session, worker_id: int, since: datetime, kinds: Collection[str], *,
                     now: datetime | None = None, limit: int = 15) -> list[CaseloadUpdate]:
    """The latest updates of these kinds since `since` on the worker's current people, newest first. Audited."""
    actor = StaffActor(worker_id)
    with unit_of_work(session, actor, "read.caseload_updates", "caseload", now=now, write=False,
                      audit_success=False) as unit:
        unit.subject_id = worker_id
        mine = select(Assignment.person_id).where(Assignment.worker_id == worker_id, Assignment.ended_at.is_(None))
        found = session.execute(
            select(Person.preferred_name, Person.ref, CaseUpdate.kind, CaseUpdate.at, CaseUpdate.after)
            .join(Person, Person.id == CaseUpdate.person_id)
            .where(CaseUpdate.person_id.in_(mine.scalar_subquery()), CaseUpdate.at >= since,
                   CaseUpdate.kind.in_(tuple(kinds)))
            .order_by(CaseUpdate.at.desc(), CaseUpdate.id.desc()).limit(limit)
        ).all()
        rows = [CaseloadUpdate(name, ref, kind, at, (after or {}).get("status_reason"))
                for name, ref, kind, at, after in found]
        audit.record_read(session, actor, "read.caseload_updates", "caseload", subject_id=worker_id,
                          detail=f"{len(rows)} updates", now=unit.now)
        return rows


def caseload_person(session: Session, actor: StaffActor, person_id: int, *, now: datetime | None = None
                    ) -> tuple[str, str]:
    """The name and reference of someone on the worker's caseload; anyone else is refused and audited."""
    with unit_of_work(session, actor, "read.person_name", "person", now=now, write=False,
                      audit_success=False) as unit:
        unit.require_person(person_id)
        unit.subject_id = person_id
        found = session.execute(select(Person.preferred_name, Person.ref).where(Person.id == person_id)).first()
        if found is None:
            raise NotFound("Sorry, we could not find that person.")
        return found.preferred_name, found.ref


def caseload_appointment(session: Session, actor: StaffActor, appointment_id: int, *,
                         now: datetime | None = None) -> Appointment:
    """An appointment still going ahead for someone on the worker's caseload.

    A missing appointment is refused like someone else's, so a forged id learns nothing; one that is
    over (cancelled, attended...) is refused with a plain reason.
    """
    with unit_of_work(session, actor, "read.appointment", "appointment", now=now, write=False,
                      audit_success=False) as unit:
        unit.subject_id = appointment_id
        appointment = session.get(Appointment, appointment_id)
        unit.require_person(appointment.person_id if appointment is not None else -1)
        assert appointment is not None
        if appointment.status in APPOINTMENT_OVER:
            raise InvalidInput("That appointment is not going ahead any more.")
        return appointment


def worker_name(session: Session, worker_id: int) -> str:
    """The worker's own name, to greet them with; empty if they are not there."""
    return session.scalar(select(Worker.name).where(Worker.id == worker_id)) or ""


def booking_team(session: Session, actor: StaffActor, person_id: int, *,
                 now: datetime | None = None) -> BookingTeam:
    """The team an appointment can be booked with, for a worker who may book for this person.

    Not the whole file, so not audited as a read of it; a refused try is audited like any other.
    """
    with unit_of_work(session, actor, "read.booking_team", "person", now=now, write=False,
                      audit_success=False) as unit:
        unit.require_person(person_id, staff_only=True)
        unit.subject_id = person_id
        name = session.scalar(select(Person.preferred_name).where(Person.id == person_id))
        if name is None:
            raise NotFound("Sorry, we could not find that person.")
        team = team_of(session, person_id)
        asked_by_lead = any(m.is_lead and m.worker_id == actor.worker_id for m in team)
        return BookingTeam(person_id=person_id, preferred_name=name, team=team, asked_by_lead=asked_by_lead)


def assign_worker(
    session: Session,
    actor: Actor,
    person_id: int,
    worker_id: int,
    role: str,
    lead: bool,
    *,
    now: datetime | None = None,
    tell_person: bool = True,
) -> Assignment:
    """Put a worker on the person's team (or change their role). Lead professional or Signpost only.

    Making someone lead takes the lead from whoever had it, in the same transaction.
    """
    role = (role or "").strip()
    if not role or len(role) > 200:
        raise InvalidInput("Please describe the worker's role in a few plain words.")
    with unit_of_work(session, actor, "write.assignment", "assignment", now=now) as unit:
        unit.require_person(person_id, lead_only=True)
        worker = session.get(Worker, worker_id)
        if worker is None or not worker.active:
            raise NotFound("Sorry, we could not find that worker.")
        current = session.scalars(
            select(Assignment)
            .where(Assignment.person_id == person_id, Assignment.ended_at.is_(None))
            .execution_options(populate_existing=True)
        ).all()
        if lead:
            for other in current:
                if other.is_lead and other.worker_id != worker_id:
                    other.is_lead = False
                    unit.record_change("team.lead_changed", "assignment", other.id,
                                       {"is_lead": True}, {"is_lead": False},
                                       summary=f"{worker.name} is now your lead professional: the one person "
                                               "who keeps your plan together.", tell_person=tell_person)
            # The old lead must be stepped down before the new one is stepped up: one lead at a time.
            session.flush()
        assignment = next((a for a in current if a.worker_id == worker_id), None)
        if assignment is None:
            assignment = Assignment(person_id=person_id, worker_id=worker_id, role=role, is_lead=lead,
                                    started_at=unit.now)
            session.add(assignment)
            session.flush()
            before: dict[str, Any] = {}
            after = {"worker_id": worker_id, "role": role, "is_lead": lead}
        else:
            if assignment.is_lead and not lead:
                raise InvalidInput("Please choose a new lead professional first.")
            before, after = apply_changes(assignment, {"role": role, "is_lead": lead})
        unit.subject_id = assignment.id
        if after:
            unit.record_change("team.changed", "assignment", assignment.id, before, after,
                               summary=f"{worker.name} is now on your team.", tell_person=tell_person)
        session.flush()
        return assignment


def end_assignment(
    session: Session, actor: Actor, person_id: int, worker_id: int, *, now: datetime | None = None
) -> Assignment:
    """Take a worker off the person's team. The lead cannot be removed until someone else is lead."""
    with unit_of_work(session, actor, "write.assignment.end", "assignment", now=now) as unit:
        unit.require_person(person_id, lead_only=True)
        assignment = session.scalars(
            select(Assignment)
            .where(Assignment.person_id == person_id, Assignment.worker_id == worker_id,
                   Assignment.ended_at.is_(None))
            .execution_options(populate_existing=True)
        ).first()
        if assignment is None:
            raise NotFound("That worker is not on this person's team.")
        if assignment.is_lead:
            raise InvalidInput("Please choose a new lead professional first.")
        unit.subject_id = assignment.id
        assignment.ended_at = unit.now
        leaving = session.get(Worker, worker_id)
        unit.record_change("team.left", "assignment", assignment.id, {"worker_id": worker_id}, {},
                           summary=f"{leaving.name if leaving else 'A worker'} is no longer on your team.",
                           tell_person=True)
        session.flush()
        return assignment


def add_case_update(
    session: Session,
    actor: Actor,
    person_id: int,
    summary: str,
    *,
    tell_person: bool = False,
    kind: str = "note",
    now: datetime | None = None,
) -> CaseUpdate:
    """A note on the file. With tell_person the chat passes `summary` on, so write it for the person."""
    summary = (summary or "").strip()
    if not summary:
        raise InvalidInput("Please write the update.")
    if len(summary) > SUMMARY_LIMIT:
        raise InvalidInput(f"The update is too long (at most {SUMMARY_LIMIT} letters).")
    with unit_of_work(session, actor, "write.case_update", "case_update", now=now) as unit:
        unit.require_person(person_id, staff_only=True)
        update = unit.record_change(kind, "note", None, {}, {}, summary=summary, tell_person=tell_person)
        session.flush()
        unit.subject_id = update.id
        return update

