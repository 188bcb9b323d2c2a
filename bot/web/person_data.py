"""Everything a person's page shows, read after `staff.person_file` has checked (and audited) the access.

The service layer's PersonView holds the file; this adds what only staff see: each appointment's
reminders and their delivery state, recent past appointments to mark attended or missed, the case
updates with who made them, queued worker messages, and the money and pharmacy steps (journeys).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.conversation.journey_answers import JourneyContent, JourneyContentCache, pharmacy_facts
from casefile import outbox, staff
from casefile.actors import StaffActor
from casefile.models import Agency, Appointment, CaseUpdate, OutboxMessage, Worker
from casefile.people import appointment_view
from casefile.views import AppointmentView, PersonView
from journeys import money, pharmacy

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


@dataclass(frozen=True)
class AppointmentLine:
    view: AppointmentView
    reminders: tuple[ReminderLine, ...]
    worker_id: int | None

    @property
    def finished(self) -> bool:
        return self.view.status in _FINISHED


@dataclass(frozen=True)
class UpdateLine:
    at: datetime
    kind: str
    summary: str
    who: str
    fields: str


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


def load_person_page(session: Session, actor: StaffActor, person_id: int, today: date, now: datetime,
                     journeys: JourneyContentCache) -> PersonPage:
    view = staff.person_file(session, actor, person_id, today, now)  # permission check and audit
    upcoming_ids = {a.id for a in view.appointments}
    past_rows = session.execute(
        select(Appointment, Worker.name, Agency.name, Agency.short_name)
        .outerjoin(Worker, Worker.id == Appointment.worker_id)
        .outerjoin(Agency, Agency.id == Worker.agency_id)
        .where(Appointment.person_id == person_id, Appointment.starts_at >= now - timedelta(days=RECENT_DAYS),
               Appointment.starts_at < now)
        .order_by(Appointment.starts_at.desc())
    ).all()
    recent_views = [appointment_view(row[0], row[1], row[2], row[3]) for row in past_rows
                    if row[0].id not in upcoming_ids]
    workers = dict(session.execute(
        select(Appointment.id, Appointment.worker_id)
        .where(Appointment.id.in_(upcoming_ids | {v.id for v in recent_views}))
    ).all())
    reminders: dict[int, list[ReminderLine]] = {}
    for row in outbox.reminders_for(session, list(workers)):
        reminders.setdefault(row.appointment_id or 0, []).append(
            ReminderLine(row.kind, row.due_at, row.state, row.sent_at, row.offset_minutes, row.last_error))

    def line(appointment: AppointmentView) -> AppointmentLine:
        return AppointmentLine(appointment, tuple(reminders.get(appointment.id, ())), workers.get(appointment.id))

    journeys_now = journeys.current()
    return PersonPage(
        view=view,
        upcoming=tuple(line(a) for a in view.appointments),
        recent=tuple(line(a) for a in recent_views),
        updates=_updates(session, person_id),
        messages=_messages(session, person_id),
        money_steps=_money(view, today, journeys_now),
        pharmacy=_pharmacy(view, today, journeys_now),
        viewer_is_lead=any(m.is_lead and m.worker_id == actor.worker_id for m in view.team),
        viewer_worker_id=actor.worker_id,
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
    rows = session.execute(
        select(CaseUpdate, Worker.name, Agency.short_name)
        .outerjoin(Worker, Worker.id == CaseUpdate.worker_id)
        .outerjoin(Agency, Agency.id == CaseUpdate.agency_id)
        .where(CaseUpdate.person_id == person_id)
        .order_by(CaseUpdate.at.desc(), CaseUpdate.id.desc())
        .limit(UPDATES_SHOWN)
    ).all()
    return tuple(UpdateLine(update.at, update.kind, update.summary, _who(update.actor, worker, agency), update.field)
                 for update, worker, agency in rows)


def _messages(session: Session, person_id: int) -> tuple[MessageLine, ...]:
    rows = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.person_id == person_id, OutboxMessage.kind == "worker_message")
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(MESSAGES_SHOWN)
    ).all()
    ids = {row.payload.get("from_worker") for row in rows if isinstance(row.payload, dict)}
    names = dict(session.execute(select(Worker.id, Worker.name).where(Worker.id.in_(
        [i for i in ids if isinstance(i, int)]))).all())
    return tuple(MessageLine(row.body, row.due_at, row.state, row.sent_at,
                             names.get(row.payload.get("from_worker")) if isinstance(row.payload, dict) else None)
                 for row in rows)


def _money(view: PersonView, today: date, content: JourneyContent) -> tuple[money.MoneyStep, ...] | None:
    release_day = view.dates.release_date
    if release_day is None:
        return None
    claim = view.benefit_claim
    facts = money.ClaimFacts(claim.claimed_on, frozenset(claim.steps_done)) if claim is not None else None
    return tuple(money.money_plan(release_day, facts, today, catalog=content.money,
                                  language="en", holidays=content.holidays))


def _pharmacy(view: PersonView, today: date, content: JourneyContent) -> pharmacy.PharmacyAnswer | None:
    facts = pharmacy_facts(view)
    if facts is None:
        return None
    return pharmacy.pharmacy_answer(facts, today, content.holidays, days=PHARMACY_DAYS)
