"""Everything a person's page shows, read after `staff.person_file` has checked (and audited) the access.

The service layer's PersonView holds the file; this adds what only staff see: each appointment's
reminders and their delivery state, recent past appointments to mark attended or missed, the case
updates with who made them, queued worker messages, the money and pharmacy steps (journeys), and any
request for help now from the chat that nobody on the team has marked seen yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import Session

from casefile import linking, notes, sms_consent, staff
from casefile.actors import StaffActor
from casefile.appointments import appointment_agency, may_change
from casefile.clock import LONDON
from casefile.health_access import sees_health_details
from casefile.models import Agency, Appointment, CaseUpdate, OutboxMessage, Worker
from casefile.views import AppointmentView, PersonView
from console.urgent_panel import UrgentLine, open_requests
from journeys import money, pharmacy
from journeys.live import JourneyContent
from journeys.person_facts import claim_facts, pharmacy_facts

RECENT_DAYS = 30
UPDATES_SHOWN = 30
MESSAGES_SHOWN = 10
PHARMACY_DAYS = 7
_FINISHED = frozenset({"cancelled", "attended", "missed"})


@dataclass(frozen=True)
class ReminderLine:
    kind: str
    due_at: datetime
    state: str  # pending, claimed, sent, failed, cancelled
    sent_at: datetime | None
    offset_minutes: int | None
    problem: str | None
    sms_state: str | None = None  # by text: what Notify's last delivery receipt said (casefile.models.SMS_STATES)


@dataclass(frozen=True)
class AppointmentLine:
    view: AppointmentView
    reminders: tuple[ReminderLine, ...]
    worker_id: int | None
    changeable: bool = False  # the viewer may move, cancel or mark it (the case file's may_change)

    @property
    def finished(self) -> bool:
        return self.view.status in _FINISHED


@dataclass(frozen=True)
class UpdateLine:
    at: datetime
    kind: str
    words: str  # what changed, in a sentence (update_words)
    who: str


@dataclass(frozen=True)
class MessageLine:
    body: str
    due_at: datetime
    state: str
    sent_at: datetime | None
    from_worker: str | None


@dataclass(frozen=True)
class PersonPage:
    view: PersonView
    upcoming: tuple[AppointmentLine, ...]
    recent: tuple[AppointmentLine, ...]  # started in the last 30 days and over: to mark attended or missed
    updates: tuple[UpdateLine, ...]
    messages: tuple[MessageLine, ...]
    money_steps: tuple[money.MoneyStep, ...] | None
    pharmacy: pharmacy.PharmacyAnswer | None
    viewer_is_lead: bool
    viewer_worker_id: int
    urgent: tuple[UrgentLine, ...] = ()  # "Tell my worker now" requests not seen yet, oldest first
    linked_channels: tuple[str, ...] = ()  # where a message can reach the person now; empty: not linked yet
    sms: sms_consent.SmsSummary | None = None  # text messages: numbers, stopped, waiting, channel choice, discreet
    notes: tuple[notes.NoteView, ...] = ()  # newest first
    sees_health: bool = True  # pharmacy and health details: the lead and the health or drug worker only


# The statements are built once, with bound parameters, and select plain columns: building statements and
# ORM objects was much of what a page cost. They run on the session's connection (the same transaction),
# which skips the ORM's execution layer: these rows are plain tuples anyway. Five queries after the person's file, four when no worker has
# written to them.
# The recent past, and the upcoming ones again for who each is with (the file's view does not say): an
# AppointmentView's columns in its order, then the worker's id.
_RECENT_AND_UPCOMING = (
    select(Appointment.id, Appointment.starts_at, Appointment.minutes, Appointment.place, Appointment.address,
           Appointment.kind, Appointment.bring, Appointment.status, Appointment.status_reason, Worker.name,
           Agency.name, Agency.short_name, Appointment.version, Appointment.worker_id, Worker.agency_id,
           Appointment.source_agency_id)
    .outerjoin(Worker, Worker.id == Appointment.worker_id)
    .outerjoin(Agency, Agency.id == Worker.agency_id)
    .where(
        Appointment.person_id == bindparam("person_id"),
        or_(
            and_(Appointment.starts_at >= bindparam("since"), Appointment.starts_at < bindparam("now")),
            Appointment.id.in_(bindparam("upcoming_ids", expanding=True)),
        ),
    )
    .order_by(Appointment.starts_at.desc(), Appointment.id.desc())
)
_REMINDERS = (
    select(OutboxMessage.appointment_id, OutboxMessage.kind, OutboxMessage.due_at, OutboxMessage.state,
           OutboxMessage.sent_at, OutboxMessage.offset_minutes, OutboxMessage.last_error, OutboxMessage.sms_state)
    .where(OutboxMessage.appointment_id.in_(bindparam("appointment_ids", expanding=True)))
    .order_by(OutboxMessage.due_at, OutboxMessage.id)
)
_UPDATES = (
    select(CaseUpdate.at, CaseUpdate.kind, CaseUpdate.summary, CaseUpdate.actor, CaseUpdate.before,
           CaseUpdate.after, Worker.name, Agency.short_name)
    .outerjoin(Worker, Worker.id == CaseUpdate.worker_id)
    .outerjoin(Agency, Agency.id == CaseUpdate.agency_id)
    .where(CaseUpdate.person_id == bindparam("person_id"))
    .order_by(CaseUpdate.at.desc(), CaseUpdate.id.desc())
    .limit(UPDATES_SHOWN)
)
_MESSAGES = (
    select(OutboxMessage.body, OutboxMessage.due_at, OutboxMessage.state, OutboxMessage.sent_at,
           OutboxMessage.payload)
    .where(OutboxMessage.person_id == bindparam("person_id"), OutboxMessage.kind == "worker_message")
    .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    .limit(MESSAGES_SHOWN)
)
_WORKER_NAMES = select(Worker.id, Worker.name).where(Worker.id.in_(bindparam("worker_ids", expanding=True)))
_WORKER_AGENCY = select(Worker.agency_id).where(Worker.id == bindparam("worker_id"))


def load_person_page(session: Session, actor: StaffActor, person_id: int, today: date, now: datetime,
                     journeys: JourneyContent) -> PersonPage:
    # The permission check, and the audit of the file and its notes in one write.
    view, notes_read = staff.person_file_and_notes(session, actor, person_id, today, now)
    upcoming_ids = [a.id for a in view.appointments]
    rows = session.connection().execute(_RECENT_AND_UPCOMING, {
        "person_id": person_id, "since": now - timedelta(days=RECENT_DAYS), "now": now, "upcoming_ids": upcoming_ids,
    }).all()
    upcoming = set(upcoming_ids)
    workers: dict[int, int | None] = {}
    agencies: dict[int, int | None] = {}
    recent_views: list[AppointmentView] = []
    for (appointment_id, starts_at, minutes, place, address, kind, bring, status, status_reason, worker_name,
         agency_name, agency_short_name, version, worker_id, owner_agency_id, source_agency_id) in rows:
        workers[appointment_id] = worker_id
        agencies[appointment_id] = appointment_agency(owner_agency_id, source_agency_id)
        if appointment_id not in upcoming and starts_at < now:
            recent_views.append(AppointmentView(appointment_id, starts_at, minutes, place, address, kind, bring,
                                                status, status_reason, worker_name, agency_name, agency_short_name,
                                                version))
    reminders: dict[int, list[ReminderLine]] = {}
    if workers:
        for (reminded_id, kind, due_at, state, sent_at, offset_minutes, problem, sms_state) in (
                session.connection().execute(_REMINDERS, {"appointment_ids": list(workers)})):
            reminders.setdefault(reminded_id or 0, []).append(
                ReminderLine(kind, due_at, state, sent_at, offset_minutes, problem, sms_state))

    viewer_is_lead = any(m.is_lead and m.worker_id == actor.worker_id for m in view.team)
    viewer_agency = session.connection().execute(_WORKER_AGENCY, {"worker_id": actor.worker_id}).scalar()

    def line(appointment: AppointmentView) -> AppointmentLine:
        return AppointmentLine(appointment, tuple(reminders.get(appointment.id, ())), workers.get(appointment.id),
                               may_change(is_lead=viewer_is_lead, worker_agency_id=viewer_agency,
                                          appointment_agency_id=agencies.get(appointment.id)))

    updates, messages = _updates(session, person_id), _messages(session, person_id)
    linked_channels = linking.message_channels(session, person_id)
    sms = sms_consent.summary(session, person_id, now)
    # Last of the reads: its unit of work ends the transaction the reads above share (one transaction for
    # them all), and audits what it found before the page is shown.
    urgent = open_requests(session, actor.worker_id, now, journeys.help_now, person_id=person_id)
    return PersonPage(
        view=view,
        upcoming=tuple(line(a) for a in view.appointments),
        recent=tuple(line(a) for a in recent_views),
        updates=updates,
        messages=messages,
        money_steps=_money(view, today, journeys),
        pharmacy=_pharmacy(view, today, journeys),
        viewer_is_lead=viewer_is_lead,
        viewer_worker_id=actor.worker_id,
        urgent=urgent,
        linked_channels=linked_channels,
        sms=sms,
        notes=tuple(notes_read),
        sees_health=any(sees_health_details(m.is_lead, m.assignment_role) for m in view.team
                        if m.worker_id == actor.worker_id),
    )


def _who(actor: str, worker: str | None, agency: str | None) -> str:
    if worker:
        return f"{worker} ({agency})" if agency else worker
    kind, _, name = actor.partition(":")
    if kind == "person":
        return "The person, in the chat"
    if name.startswith("import:"):
        return f"Signpost, from the {name.removeprefix('import:')} feed"
    if agency:
        return f"Signpost, for {agency}"
    return "Signpost"


def _updates(session: Session, person_id: int) -> tuple[UpdateLine, ...]:
    rows = session.connection().execute(_UPDATES, {"person_id": person_id})
    return tuple(UpdateLine(at, kind, update_words(kind, before or {}, after or {}, summary),
                            _who(actor, worker, agency))
                 for at, kind, summary, actor, before, after, worker, agency in rows)


def _when(value: object) -> str:
    """An ISO time from a case update, as a worker reads it: "Tue 9 Jun 10:00" (London)."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    local = moment.astimezone(LONDON)
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def _words(value: object) -> str:
    return str(value).replace("_", " ") if value not in (None, "") else "nothing"


_STATUS_WORDS = {"attended": "marked attended", "missed": "marked missed", "cancelled": "cancelled",
                 "confirmed": "confirmed by the person", "cant_make_it": "the person said they cannot make it",
                 "booked": "booked", "moved": "moved"}
_DATE_WORDS = {"release_date": "release date", "licence_end": "licence end", "sentence_date": "sentence date",
               "hdc_eligibility_date": "HDC (tag) eligibility date", "supervision_end": "supervision end",
               "community_order_end": "community order end", "parole_eligibility_date": "parole eligibility date"}


def update_words(kind: str, before: dict[str, Any], after: dict[str, Any], summary: str) -> str:
    """What changed, in a sentence a worker reads, never the database's field names."""
    subject, _, event = kind.partition(".")
    if subject == "appointment":
        parts = []
        if "starts_at" in before and "starts_at" in after:
            parts.append(f"from {_when(before['starts_at'])} to {_when(after['starts_at'])}")
        if "place" in after and "place" in before:
            parts.append(f"place {_words(before['place'])} to {_words(after['place'])}")
        if event == "booked":
            when = f" for {_when(after['starts_at'])}" if "starts_at" in after else ""
            return f"Appointment booked{when}."
        if event == "moved":
            return "Appointment moved " + (", ".join(parts) if parts else "") + "."
        said = _STATUS_WORDS.get(event, _words(event))
        reason = after.get("status_reason")
        return f"Appointment {said}" + (f': "{reason}"' if reason else "") + "."
    if kind == "journey.changed":
        changes = []
        for field_name in sorted(set(before) | set(after)):
            label = "stage" if field_name == "stage" else _DATE_WORDS.get(field_name, field_name.replace("_", " "))
            changes.append(f"{label} from {_words(before.get(field_name))} to {_words(after.get(field_name))}")
        return "Changed " + "; ".join(changes) + "." if changes else "Stage and dates saved."
    if kind == "note.added":
        return "Case note added" + (" and shared with the person." if after.get("shared") else ".")
    if kind == "licence_conditions.changed":
        return f"Licence conditions changed ({len(after.get('conditions') or [])} now)."
    if summary:
        return summary
    return kind.replace(".", " ").replace("_", " ").capitalize() + "."


def _messages(session: Session, person_id: int) -> tuple[MessageLine, ...]:
    rows = session.connection().execute(_MESSAGES, {"person_id": person_id}).all()
    senders = [_from_worker(row.payload) for row in rows]
    ids = sorted({sender for sender in senders if sender is not None})
    names: dict[int, str] = dict(session.connection().execute(_WORKER_NAMES, {"worker_ids": ids}).all()) if ids else {}
    return tuple(MessageLine(row.body, row.due_at, row.state, row.sent_at,
                             names.get(sender) if sender is not None else None)
                 for row, sender in zip(rows, senders, strict=True))


def _from_worker(payload: object) -> int | None:
    """The worker who wrote a worker message, from its payload; None when it names none."""
    sender = payload.get("from_worker") if isinstance(payload, dict) else None
    return sender if isinstance(sender, int) else None


def _money(view: PersonView, today: date, content: JourneyContent) -> tuple[money.MoneyStep, ...] | None:
    release_day = view.dates.release_date
    if release_day is None:
        return None
    return tuple(money.money_plan(release_day, claim_facts(view), today, catalog=content.money,
                                  language="en", holidays=content.holidays))


def _pharmacy(view: PersonView, today: date, content: JourneyContent) -> pharmacy.PharmacyAnswer | None:
    facts = pharmacy_facts(view)
    if facts is None:
        return None
    return pharmacy.pharmacy_answer(facts, today, content.holidays, days=PHARMACY_DAYS)
