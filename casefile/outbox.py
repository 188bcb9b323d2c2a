"""The outbox rows that run inside case-file transactions: no Telegram here, only rows.

`appointment_written` is called by every appointment write (book, move, status change, the
person's own answer) before its transaction commits, so reminders are created, re-timed or
cancelled together with the appointment: a reminder for an old time can never be left pending.
The dispatcher (bot/reminders) sends the rows; it checks them again at send time. When reminders
go is the ReminderPolicy the caller passes in, made from the settings (bot/settings.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from casefile import audit, linking
from casefile.actors import Actor, StaffActor, SystemActor, actor_label
from casefile.db import rows_changed
from casefile.errors import InvalidInput, NotFound
from casefile.models import Appointment, Assignment, CaseUpdate, ChatLink, OutboxMessage, Person
from casefile.reminder_rules import (
    PersonChoices,
    ReminderPolicy,
    appointment_reminders,
    not_before_quiet_end,
)
from casefile.unit import unit_of_work

PENDING = "pending"
CLAIMED = "claimed"
SENT = "sent"
FAILED = "failed"
CANCELLED = "cancelled"
OPEN_STATES = (PENDING, CLAIMED)
_NOT_GOING_AHEAD = frozenset({"cancelled", "attended", "missed"})
WORKER_MESSAGE_LIMIT = 1000
NOT_LINKED = "This person has not linked a chat yet, so a message cannot reach them. Print a link card for them."


def choices_of(person: Person) -> PersonChoices:
    return PersonChoices(
        reminders_on=person.reminders_on,
        remind_day_before=person.remind_day_before,
        remind_hours_before=person.remind_hours_before,
        quiet_from=person.quiet_from,
        quiet_until=person.quiet_until,
    )


def appointment_written(
    session: Session,
    appointment: Appointment,
    event: str,
    now: datetime,
    *,
    actor: str = "system:reminders",
    policy: ReminderPolicy | None,
    reason: str | None = None,
) -> None:
    """Keep the appointment's reminders in step with it. Call before the transaction commits.

    `event` is the appointment.<event> kind: booked, moved, confirmed, cant_make_it, cancelled,
    attended, missed (or any other status). Moving cancels the old reminders and plans new ones.
    `policy` may be None only for an event that plans nothing: a cancellation or the person's answer.
    """
    if event in ("booked", "moved"):
        cancel_for_appointment(session, appointment.id, "the appointment moved" if event == "moved" else None)
        schedule_appointment(session, appointment, now, actor=actor, policy=_needed(policy, event))
    elif appointment.status in _NOT_GOING_AHEAD:
        cancel_for_appointment(session, appointment.id, f"the appointment is {appointment.status}")
        if appointment.status == "missed":
            _missed_follow_up(session, appointment, now, actor, _needed(policy, event))
    if event in ("confirmed", "cant_make_it") and actor.startswith("person:"):
        notify_worker_of_answer(session, appointment, event, reason, now)


def _needed(policy: ReminderPolicy | None, event: str) -> ReminderPolicy:
    if policy is None:
        raise TypeError(f"An appointment write that is {event} plans reminders, so it needs the reminder policy.")
    return policy


def schedule_appointment(
    session: Session, appointment: Appointment, now: datetime, *, actor: str = "system:reminders",
    policy: ReminderPolicy, person: Person | None = None,
) -> list[OutboxMessage]:
    """Pending reminder rows for one appointment at its current start time."""
    person = person or session.get(Person, appointment.person_id)
    if person is None or appointment.status in _NOT_GOING_AHEAD:
        return []
    rows = [
        OutboxMessage(
            kind="appointment_reminder", person_id=appointment.person_id, appointment_id=appointment.id,
            offset_minutes=planned.offset_minutes, ref_starts_at=appointment.starts_at, due_at=planned.due_at,
            state=PENDING, attempts=0, body="", payload={}, created_by=actor, created_at=now,
        )
        for planned in appointment_reminders(policy, appointment.kind, appointment.starts_at, now, choices_of(person))
    ]
    session.add_all(rows)
    return rows


def cancel_for_appointment(session: Session, appointment_id: int, why: str | None) -> int:
    """Cancel the appointment's reminders that have not gone yet. Returns how many."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.appointment_id == appointment_id,
            OutboxMessage.kind == "appointment_reminder",
            OutboxMessage.state == PENDING,
        )
        .values(state=CANCELLED, last_error=why)
        .execution_options(synchronize_session=False)
    )
    return rows_changed(result)


def _missed_follow_up(
    session: Session, appointment: Appointment, now: datetime, actor: str, policy: ReminderPolicy
) -> None:
    person = session.get(Person, appointment.person_id)
    if person is None:
        return
    due = not_before_quiet_end(policy, now + policy.missed_follow_up, choices_of(person))
    session.add(OutboxMessage(
        kind="appointment_missed", person_id=appointment.person_id, appointment_id=appointment.id,
        ref_starts_at=appointment.starts_at, due_at=due, state=PENDING, attempts=0, body="", payload={},
        created_by=actor, created_at=now,
    ))


def responsible_worker(session: Session, appointment: Appointment) -> int | None:
    """Who hears about the person's answer: the appointment's worker if still on the team, else the lead."""
    current = session.execute(
        select(Assignment.worker_id, Assignment.is_lead)
        .where(Assignment.person_id == appointment.person_id, Assignment.ended_at.is_(None))
    ).all()
    on_team = {worker_id for worker_id, _lead in current}
    if appointment.worker_id is not None and appointment.worker_id in on_team:
        return appointment.worker_id
    return next((worker_id for worker_id, lead in current if lead), None)


def lead_of(session: Session, person_id: int) -> int | None:
    return session.scalars(
        select(Assignment.worker_id)
        .where(Assignment.person_id == person_id, Assignment.is_lead.is_(True), Assignment.ended_at.is_(None))
    ).first()


def notify_worker_of_answer(
    session: Session, appointment: Appointment, event: str, reason: str | None, now: datetime
) -> OutboxMessage | None:
    worker_id = responsible_worker(session, appointment)
    if worker_id is None:
        return None
    return add_worker_notice(session, worker_id, appointment.person_id, event, now,
                             appointment_id=appointment.id, extra={"reason": reason})


def add_worker_notice(
    session: Session, worker_id: int, person_id: int, event: str, now: datetime, *,
    appointment_id: int | None = None, extra: dict[str, Any] | None = None,
) -> OutboxMessage:
    """A message to a worker's linked chat about one of their people (sent at once: workers' hours vary)."""
    row = OutboxMessage(
        kind="worker_notice", worker_id=worker_id, appointment_id=appointment_id, due_at=now, state=PENDING,
        attempts=0, body="", payload={"event": event, "person_id": person_id, **(extra or {})},
        created_by="system:reminders", created_at=now,
    )
    session.add(row)
    return row


def tell_lead(session: Session, person_id: int, event: str, now: datetime, summary: str, *,
              actor: str = "system:reminders", **extra: Any) -> None:
    """A case update on the file, and a notice to the lead professional's chat if they have one."""
    session.add(CaseUpdate(
        person_id=person_id, worker_id=None, agency_id=None, actor=actor, at=now,
        kind=f"reminder.{event}", subject="outbox", subject_id=None, field="state", before={}, after={},
        summary=summary, tell_person=False,
    ))
    lead = lead_of(session, person_id)
    if lead is not None:
        add_worker_notice(session, lead, person_id, event, now, extra=extra)


def chat_gone(session: Session, channel: str, chat_id: str, person_id: int | None, now: datetime, *,
              detail: str, summary: str, actor: str = "system:reminders") -> bool:
    """A chat messages can no longer reach (blocked on Telegram, a number Notify cannot text): the link
    stops, and the lead professional is told once. Returns False when the link had already stopped."""
    stopped = session.execute(
        update(ChatLink).where(ChatLink.channel == channel, ChatLink.chat_id == chat_id,
                               ChatLink.active.is_(True))
        .values(active=False).execution_options(synchronize_session=False))
    if not rows_changed(stopped):
        return False
    audit.record(session, SystemActor(actor.removeprefix("system:")), "write.chat_link.inactive", "chat_link",
                 person_id=person_id, detail=detail, now=now)
    if person_id is not None:
        tell_lead(session, person_id, "blocked", now, summary, actor=actor, by=channel)
    return True


def add_worker_message(
    session: Session, worker_id: int, person_id: int, text: str, now: datetime, *,
    policy: ReminderPolicy,
) -> OutboxMessage:
    """A worker's own words to one person, held until quiet hours end. Caller checks the caseload."""
    person = session.get(Person, person_id)
    choices = choices_of(person) if person is not None else None
    row = OutboxMessage(
        kind="worker_message", person_id=person_id, due_at=not_before_quiet_end(policy, now, choices),
        state=PENDING, attempts=0, body=text.strip()[:WORKER_MESSAGE_LIMIT], payload={"from_worker": worker_id},
        created_by=f"staff:{worker_id}", created_at=now,
    )
    session.add(row)
    return row


def due_filter(now: datetime) -> Any:
    """Rows a dispatcher may take: pending and due, or claimed by someone whose lease has run out."""
    return or_(
        and_(OutboxMessage.state == PENDING, OutboxMessage.due_at <= now),
        and_(OutboxMessage.state == CLAIMED, OutboxMessage.lease_until < now),
    )


def reminders_for(session: Session, appointment_ids: Iterable[int]) -> list[OutboxMessage]:
    ids = list(appointment_ids)
    return list(session.scalars(
        select(OutboxMessage).where(OutboxMessage.appointment_id.in_(ids)).order_by(OutboxMessage.due_at)
    ))


def queue_worker_message(
    session: Session, actor: StaffActor, person_id: int, text: str, *, policy: ReminderPolicy,
    now: datetime | None = None,
) -> OutboxMessage:
    """A worker's message to someone on their caseload, queued in the outbox. Refused (and audited) otherwise."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput("Please write the message.")
    if len(text) > WORKER_MESSAGE_LIMIT:
        raise InvalidInput(f"The message is too long (at most {WORKER_MESSAGE_LIMIT} letters).")
    with unit_of_work(session, actor, "write.worker_message", "outbox", now=now) as unit:
        unit.require_person(person_id)
        if not linking.message_channels(session, person_id):
            # Queued, it would only be cancelled later with nobody told: say so now instead.
            raise InvalidInput(NOT_LINKED)
        row = add_worker_message(session, actor.worker_id, person_id, text, unit.now, policy=policy)
        session.flush()
        unit.subject_id = row.id
        # On the file that a message went, not what it said: the words live only in the outbox row.
        unit.record_change("message.queued", "outbox", row.id, {}, {"due_at": row.due_at},
                           summary="A message from a worker was sent.")
        return row


def cancel_row(session: Session, actor: Actor, row_id: int, *, now: datetime | None = None) -> OutboxMessage:
    """Cancel one pending outbox row (an admin's or a worker's decision). Audited."""
    with unit_of_work(session, actor, "write.outbox.cancel", "outbox", now=now) as unit:
        unit.subject_id = row_id
        row = session.get(OutboxMessage, row_id, populate_existing=True)
        if row is None:
            raise NotFound("There is no reminder with that number.")
        if row.person_id is not None:
            unit.require_person(row.person_id)
        elif isinstance(actor, StaffActor) and actor.worker_id != row.worker_id:
            raise NotFound("There is no reminder with that number.")
        if row.state != PENDING:
            raise InvalidInput(f"That reminder is {row.state}, so it cannot be cancelled.")
        row.state, row.last_error = CANCELLED, f"cancelled by {actor_label(actor)}"
        session.flush()
        return row
