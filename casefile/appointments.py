"""Appointment writes. Each change goes through exactly one function here.

That is deliberate: reminders must be re-timed in the same transaction as the appointment changes,
and these four functions plus `respond` are the only places to do it (see `casefile.outbox`). A write
that may plan reminders takes the service's ReminderPolicy (made from the settings) as `policy`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from casefile import outbox
from casefile.actors import Actor, PersonActor, StaffActor, actor_label
from casefile.clock import EARLIEST_YEAR, LATEST_YEAR, OUT_OF_RANGE
from casefile.errors import InvalidInput, NotFound, PermissionDenied
from casefile.models import APPOINTMENT_KINDS, APPOINTMENT_OVER, APPOINTMENT_STATUSES, Appointment, Worker
from casefile.reminder_rules import ReminderPolicy
from casefile.unit import Unit, apply_changes, check_version, unit_of_work

MAX_MINUTES = 1440
_TEXT_LIMITS = {"place": 200, "address": 400, "kind": 40}


def book_appointment(
    session: Session,
    actor: Actor,
    person_id: int,
    start: datetime,
    minutes: int,
    place: str,
    address: str,
    kind: str,
    bring: str,
    worker_id: int | None = None,
    *,
    policy: ReminderPolicy,
    now: datetime | None = None,
    tell_person: bool = True,
) -> Appointment:
    """Book a new appointment. A worker booking with no `worker_id` books it with themself."""
    start = _aware(start)
    minutes = _check_minutes(minutes)
    texts = _check_text(place=place or "", address=address or "", kind=kind or "")
    place, address, kind = texts["place"], texts["address"], texts["kind"]
    if not place or not kind:
        raise InvalidInput("Please say where the appointment is and what it is for.")
    if kind not in APPOINTMENT_KINDS:
        raise InvalidInput(f'"{kind}" is not a kind of appointment. Choose one of: {", ".join(APPOINTMENT_KINDS)}.')
    with unit_of_work(session, actor, "write.appointment.book", "appointment", now=now) as unit:
        unit.require_person(person_id, staff_only=True)
        if worker_id is None and isinstance(actor, StaffActor):
            worker_id = actor.worker_id
        if worker_id is not None and session.get(Worker, worker_id) is None:
            raise NotFound("Sorry, we could not find that worker.")
        appointment = Appointment(
            person_id=person_id,
            worker_id=worker_id,
            starts_at=start,
            minutes=minutes,
            place=place,
            address=address,
            kind=kind,
            bring=(bring or "").strip(),
            status="booked",
            created_at=unit.now,
            updated_at=unit.now,
        )
        session.add(appointment)
        session.flush()
        unit.subject_id = appointment.id
        after = {
            "starts_at": start, "minutes": minutes, "place": place, "address": address,
            "kind": kind, "bring": appointment.bring, "worker_id": worker_id, "status": "booked",
        }
        unit.record_change(
            "appointment.booked", "appointment", appointment.id, {}, after,
            summary="You have a new appointment.", tell_person=tell_person,
        )
        outbox.appointment_written(session, appointment, "booked", unit.now, actor=actor_label(actor), policy=policy)
        return appointment


def move_appointment(
    session: Session,
    actor: Actor,
    appointment_id: int,
    new_start: datetime,
    expected_version: int,
    place: str | None = None,
    address: str | None = None,
    minutes: int | None = None,
    *,
    policy: ReminderPolicy,
    now: datetime | None = None,
    tell_person: bool = True,
    person_id: int | None = None,
) -> Appointment:
    """Move an appointment to a new time (and optionally place, address or length).

    With `person_id` (the person a page or command is about), an appointment of anyone else is NotFound.
    """
    changes: dict[str, object] = {"starts_at": _aware(new_start), "status": "moved", "status_reason": None}
    if minutes is not None:
        changes["minutes"] = _check_minutes(minutes)
    changes.update(_check_text(place=place, address=address))
    if changes.get("place") == "":
        raise InvalidInput("Please say where the appointment is.")
    with unit_of_work(session, actor, "write.appointment.move", "appointment", now=now) as unit:
        appointment = _load(unit, appointment_id, expected_version, person_id=person_id)
        if appointment.status == "cancelled":
            raise InvalidInput("This appointment was cancelled. Please book a new one instead.")
        return _change(unit, appointment, changes, "appointment.moved", "Your appointment has changed.",
                       tell_person, policy)


def cancel_appointment(
    session: Session,
    actor: Actor,
    appointment_id: int,
    expected_version: int,
    reason: str | None = None,
    *,
    now: datetime | None = None,
    tell_person: bool = True,
    person_id: int | None = None,
) -> Appointment:
    """Cancel an appointment. It stays on the record with the status cancelled (no reminders to plan)."""
    return _set_status(session, actor, appointment_id, "cancelled", expected_version, reason, now, tell_person,
                       person_id, None)


def set_appointment_status(
    session: Session,
    actor: Actor,
    appointment_id: int,
    status: str,
    expected_version: int,
    reason: str | None = None,
    *,
    policy: ReminderPolicy,
    now: datetime | None = None,
    tell_person: bool | None = None,
    person_id: int | None = None,
) -> Appointment:
    """Set the status (booked, confirmed, can't make it, moved, attended, missed, cancelled).

    The person is told about cancellations by default; other status changes are for staff. With
    `person_id` (the person a page or command is about), an appointment of anyone else is NotFound.
    """
    return _set_status(session, actor, appointment_id, status, expected_version, reason, now, tell_person,
                       person_id, policy)


def _set_status(
    session: Session, actor: Actor, appointment_id: int, status: str, expected_version: int,
    reason: str | None, now: datetime | None, tell_person: bool | None, person_id: int | None,
    policy: ReminderPolicy | None,
) -> Appointment:
    if status not in APPOINTMENT_STATUSES:
        raise InvalidInput(f"Unknown appointment status {status!r}.")
    if isinstance(actor, PersonActor):
        raise PermissionDenied("Please answer the appointment message instead.")
    tell = status == "cancelled" if tell_person is None else tell_person
    summary = "Your appointment has been cancelled." if status == "cancelled" else ""
    with unit_of_work(session, actor, f"write.appointment.{status}", "appointment", now=now) as unit:
        appointment = _load(unit, appointment_id, expected_version, person_id=person_id)
        _check_status_change(appointment, status, reason, unit.now)
        changes = {"status": status, "status_reason": _reason(reason)}
        return _change(unit, appointment, changes, f"appointment.{status}", summary, tell, policy)


OUTCOMES = frozenset({"attended", "missed"})
CORRECTION_WINDOW = timedelta(days=1)


def _check_status_change(appointment: Appointment, status: str, reason: str | None, now: datetime) -> None:
    """Refuse a change the appointment's own story does not allow, whichever surface asks.

    An outcome before the appointment has begun would tell the person "Missed it?" days early and stop
    their reminders; a cancelled appointment must not come back as attended. A recorded outcome can be
    corrected, with the reason, for a day after it was recorded; after that the record stands.
    """
    if appointment.status == status:
        return
    if appointment.status == "cancelled":
        raise InvalidInput("This appointment was cancelled, so it cannot be changed. Book a new one instead.")
    if status in OUTCOMES and appointment.starts_at > now:
        raise InvalidInput("This appointment has not started yet. Mark it attended or missed once it has begun.")
    if appointment.status in OUTCOMES:
        if status not in OUTCOMES:
            raise InvalidInput(f"This appointment is already marked {appointment.status}. "
                               "You can only correct it to attended or missed.")
        if not (reason or "").strip():
            raise InvalidInput("Please say why the outcome was wrong, so the record shows it.")
        if appointment.updated_at + CORRECTION_WINDOW < now:
            raise InvalidInput("An outcome can be corrected only within a day. Add a case note instead.")


def respond(
    session: Session,
    actor: PersonActor,
    appointment_id: int,
    confirmed: bool,
    reason: str | None,
    expected_version: int | None,
    *,
    now: datetime | None = None,
) -> Appointment:
    """The person's own answer; see `people.respond_to_appointment`."""
    if not isinstance(actor, PersonActor):
        raise PermissionDenied("Staff change appointments with set_appointment_status.")
    status = "confirmed" if confirmed else "cant_make_it"
    with unit_of_work(session, actor, f"write.appointment.{status}", "appointment", now=now) as unit:
        appointment = _load(unit, appointment_id, expected_version, version_required=False, staff_only=False)
        if appointment.status in APPOINTMENT_OVER:
            raise InvalidInput("This appointment is not going ahead, so there is nothing to answer.")
        if appointment.starts_at + timedelta(minutes=appointment.minutes) <= unit.now:
            raise InvalidInput("This appointment has already happened.")
        changes = {"status": status, "status_reason": None if confirmed else _reason(reason)}
        return _change(unit, appointment, changes, f"appointment.{status}", "", False, None)


def _load(unit: Unit, appointment_id: int, expected_version: int | None, *, version_required: bool = True,
          staff_only: bool = True, person_id: int | None = None) -> Appointment:
    unit.subject_id = appointment_id
    appointment = unit.session.get(Appointment, appointment_id, populate_existing=True)
    if appointment is None or (person_id is not None and appointment.person_id != person_id):
        raise NotFound("Sorry, we could not find that appointment.")
    unit.require_person(appointment.person_id, staff_only=staff_only)
    if isinstance(unit.actor, StaffActor):
        _require_own_agency(unit, appointment)
    if version_required or expected_version is not None:
        check_version(appointment, expected_version)
    return appointment


OTHER_AGENCY = "This appointment is with another agency. Ask the lead professional to change it."


def may_change(*, is_lead: bool, worker_agency_id: int | None, appointment_agency_id: int | None) -> bool:
    """A team member changes their own agency's appointments; the lead professional can change any.

    The Lewisham model: partners update the shared file through the lead, so a housing worker cannot move,
    cancel or mark a probation appointment (a missed one can mean a breach). The case file refuses with this
    rule and the console's pages show the buttons with it, so the two cannot drift apart.
    `appointment_agency_id`: see `appointment_agency`.
    """
    return is_lead or (worker_agency_id is not None and worker_agency_id == appointment_agency_id)


def appointment_agency(owner_agency_id: int | None, source_agency_id: int | None) -> int | None:
    """Whose appointment it is: the agency of the worker it is with, else the agency whose feed sent it."""
    return owner_agency_id if owner_agency_id is not None else source_agency_id


def _require_own_agency(unit: Unit, appointment: Appointment) -> None:
    worker = unit.worker
    owner = unit.session.get(Worker, appointment.worker_id) if appointment.worker_id is not None else None
    agency_id = appointment_agency(owner.agency_id if owner is not None else None, appointment.source_agency_id)
    if not may_change(is_lead=unit.is_lead, worker_agency_id=worker.agency_id if worker else None,
                      appointment_agency_id=agency_id):
        raise PermissionDenied(OTHER_AGENCY)


def _change(
    unit: Unit, appointment: Appointment, changes: Mapping[str, object], kind: str, summary: str, tell: bool,
    policy: ReminderPolicy | None,
) -> Appointment:
    before, after = apply_changes(appointment, changes)
    if before:
        appointment.updated_at = unit.now
        unit.record_change(kind, "appointment", appointment.id, before, after, summary=summary,
                           tell_person=tell)
        # Flushing here makes the version check happen now: UPDATE ... WHERE version = the one we read.
        unit.session.flush()
        # Reminders change in this same transaction: re-timed on a move, cancelled when it is off.
        event = kind.partition(".")[2]
        if event == "moved" and "starts_at" not in before:
            event = "moved_in_place"
        outbox.appointment_written(unit.session, appointment, event, unit.now, actor=actor_label(unit.actor),
                                   policy=policy, reason=appointment.status_reason)
    return appointment


def _aware(moment: datetime) -> datetime:
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput("Appointment times must say which time zone they are in.")
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise InvalidInput(f"The appointment's date {OUT_OF_RANGE}")
    return moment


def _check_minutes(minutes: int) -> int:
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 0 < minutes <= MAX_MINUTES:
        raise InvalidInput("An appointment must last between 1 minute and 24 hours.")
    return minutes


def _check_text(**fields: str | None) -> dict[str, str]:
    checked: dict[str, str] = {}
    for name, value in fields.items():
        if value is None:
            continue
        value = value.strip()
        if len(value) > _TEXT_LIMITS[name]:
            raise InvalidInput(f"The {name} is too long (at most {_TEXT_LIMITS[name]} letters).")
        checked[name] = value
    return checked


def _reason(reason: str | None) -> str | None:
    text = (reason or "").strip()
    return text[:500] or None
