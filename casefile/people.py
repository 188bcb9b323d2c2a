"""The person's side of the case file: their view, and the few things they change themselves.

`person_view` answers everything the chat needs in six queries, however big the database is:
the person with their journey and pharmacy plan, licence conditions, team, appointments,
benefit claims, and unseen updates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Any, TypeVar

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from casefile import appointments as _appointments
from casefile.actors import Actor, PersonActor, StaffActor
from casefile.db import among, rows_changed
from casefile.errors import InvalidInput, NotFound, PermissionDenied
from casefile.models import (
    Agency,
    Appointment,
    Assignment,
    BenefitClaim,
    CaseUpdate,
    JourneyPosition,
    LicenceCondition,
    Person,
    PharmacyPlan,
    Worker,
)
from casefile.unit import NOT_YOURS, Unit, apply_changes, aware_now, unit_of_work
from casefile.views import (
    AppointmentView,
    BenefitClaimView,
    KeyDates,
    LicenceConditionView,
    PersonInfo,
    PersonView,
    PharmacyPlanView,
    TeamMember,
    UpdateView,
)

T = TypeVar("T")

UPCOMING_LIMIT = 20
UNSEEN_LIMIT = 20
# Appointments last at most a day, so any appointment not yet over started in the last 24 hours or later.
_LONGEST_APPOINTMENT = timedelta(minutes=1440)
# Room for appointments that started in the last day and are already over, dropped after the query.
_RECENTLY_ENDED_ALLOWANCE = 10

SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "cy", "pl")
CONTACT_PREFERENCES: frozenset[str] = frozenset(
    {"reminders_on", "remind_day_before", "remind_hours_before", "voice_notes", "quiet_from", "quiet_until"}
)


def person_view(
    session: Session,
    person_id: int,
    today: date,
    now: datetime,
    *,
    actor: Actor | None = None,
    upcoming_limit: int = UPCOMING_LIMIT,
    unseen_limit: int = UNSEEN_LIMIT,
) -> PersonView:
    """Everything the chat needs for one person.

    Without `actor` the caller has already decided who this chat is (see `linking.chat_link_for`).
    With a PersonActor for someone else it raises PermissionDenied and the attempt is audited;
    a StaffActor must be on the person's team, and the read is audited.
    """
    now = aware_now(now)
    if actor is None:
        return build_person_view(session, person_id, today, now, upcoming_limit, unseen_limit)
    with unit_of_work(
        session, actor, "read.person_view", "person", now=now, write=False,
        audit_success=isinstance(actor, StaffActor),
    ) as unit:
        unit.require_person(person_id)
        unit.subject_id = person_id
        return build_person_view(session, person_id, today, now, upcoming_limit, unseen_limit)


# The six statements are built once, with bound parameters: building a SELECT with the ORM costs more
# than running it (bench/casefile.py: about 2 ms of a 3 ms view on SQLite went on building them).
_PERSON_ROW = (
    select(Person, JourneyPosition, PharmacyPlan)
    .outerjoin(JourneyPosition, JourneyPosition.person_id == Person.id)
    .outerjoin(PharmacyPlan, PharmacyPlan.person_id == Person.id)
    .where(Person.id == bindparam("person_id"))
)
_CONDITIONS = (
    select(LicenceCondition)
    .where(LicenceCondition.person_id == bindparam("person_id"))
    .order_by(LicenceCondition.position, LicenceCondition.id)
)
_TEAM = (
    select(Assignment, Worker, Agency)
    .join(Worker, Worker.id == Assignment.worker_id)
    .join(Agency, Agency.id == Worker.agency_id)
    .where(Assignment.person_id == bindparam("person_id"), Assignment.ended_at.is_(None))
    .order_by(Assignment.is_lead.desc(), Assignment.started_at, Assignment.id)
)
_APPOINTMENTS = (
    select(Appointment, Worker.name, Agency.name, Agency.short_name)
    .outerjoin(Worker, Worker.id == Appointment.worker_id)
    .outerjoin(Agency, Agency.id == Worker.agency_id)
    .where(Appointment.person_id == bindparam("person_id"), Appointment.starts_at >= bindparam("since"))
    .order_by(Appointment.starts_at, Appointment.id)
    .limit(bindparam("appointment_limit"))
)
_CLAIMS = select(BenefitClaim).where(BenefitClaim.person_id == bindparam("person_id")).order_by(BenefitClaim.id)
_UNSEEN_UPDATES = (
    select(CaseUpdate, Worker.name, Agency.name, Agency.short_name)
    .outerjoin(Worker, Worker.id == CaseUpdate.worker_id)
    .outerjoin(Agency, Agency.id == CaseUpdate.agency_id)
    .where(
        CaseUpdate.person_id == bindparam("person_id"),
        CaseUpdate.tell_person.is_(True),
        CaseUpdate.seen_at.is_(None),
    )
    .order_by(CaseUpdate.at.desc(), CaseUpdate.id.desc())
    .limit(bindparam("update_limit"))
)


def build_person_view(
    session: Session, person_id: int, today: date, now: datetime, upcoming_limit: int, unseen_limit: int
) -> PersonView:
    """The six queries. No permission check here: callers do that first."""
    about = {"person_id": person_id}
    row = session.execute(_PERSON_ROW, about).first()
    if row is None:
        raise NotFound("Sorry, we could not find that person.")
    person, journey, pharmacy = row
    appointment_rows = session.execute(_APPOINTMENTS, {
        **about, "since": now - _LONGEST_APPOINTMENT,
        "appointment_limit": upcoming_limit + _RECENTLY_ENDED_ALLOWANCE,
    }).all()
    return _assemble_view(
        person, journey, pharmacy, today, now, upcoming_limit,
        conditions=session.scalars(_CONDITIONS, about).all(),
        team_rows=session.execute(_TEAM, about).all(),
        appointment_rows=appointment_rows,
        claims=session.scalars(_CLAIMS, about).all(),
        update_rows=session.execute(_UNSEEN_UPDATES, {**about, "update_limit": unseen_limit}).all(),
    )


def team_of(session: Session, person_id: int) -> tuple[TeamMember, ...]:
    """The person's current team, lead first. No permission check here: callers do that first."""
    return tuple(_team_member(*row) for row in session.execute(_TEAM, {"person_id": person_id}).all())


def build_person_views(
    session: Session, person_ids: Iterable[int], today: date, now: datetime, upcoming_limit: int,
    unseen_limit: int, *, with_team: bool = True, appointment_kinds: frozenset[str] | None = None,
) -> dict[int, PersonView]:
    """`build_person_view` for many people in six queries in all, for sweeps over the whole case file.

    People who do not exist are left out. No permission check here: callers do that first. The
    per-person limits are applied here rather than in SQL, so the rows read are every appointment
    not yet over and every unseen update of these people (a handful each in practice). Without
    `with_team` the views leave out the team and the licence conditions, two queries and most of the
    rows fewer, for the reminder planner, which plans from neither.

    With `appointment_kinds` (the reminder planner) the read is lean: plain column reads instead of
    records, and the views hold only those kinds of the appointments the full view would hold, each
    without who it is with (`planning_views`).
    """
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    if appointment_kinds is not None:
        if with_team or unseen_limit:
            raise ValueError("the lean read leaves out the team and the updates")
        return planning_views(session, ids, today, now, upcoming_limit, appointment_kinds)
    rows = session.execute(
        select(Person, JourneyPosition, PharmacyPlan)
        .outerjoin(JourneyPosition, JourneyPosition.person_id == Person.id)
        .outerjoin(PharmacyPlan, PharmacyPlan.person_id == Person.id)
        .where(Person.id.in_(ids))
    ).all()
    conditions: dict[int, list[LicenceCondition]] = {}
    team: dict[int, list[Any]] = {}
    if with_team:
        conditions = _by_person(session.scalars(
            select(LicenceCondition).where(LicenceCondition.person_id.in_(ids))
            .order_by(LicenceCondition.position, LicenceCondition.id)
        ), lambda condition: condition.person_id)
        team = _by_person(session.execute(
            select(Assignment, Worker, Agency).join(Worker, Worker.id == Assignment.worker_id)
            .join(Agency, Agency.id == Worker.agency_id)
            .where(Assignment.person_id.in_(ids), Assignment.ended_at.is_(None))
            .order_by(Assignment.is_lead.desc(), Assignment.started_at, Assignment.id)
        ), lambda row: row[0].person_id)
    appointments = _by_person(session.execute(
        select(Appointment, Worker.name, Agency.name, Agency.short_name)
        .outerjoin(Worker, Worker.id == Appointment.worker_id)
        .outerjoin(Agency, Agency.id == Worker.agency_id)
        .where(Appointment.person_id.in_(ids), Appointment.starts_at >= now - _LONGEST_APPOINTMENT)
        .order_by(Appointment.starts_at, Appointment.id)
    ), lambda row: row[0].person_id)
    claims = _by_person(session.scalars(
        select(BenefitClaim).where(BenefitClaim.person_id.in_(ids)).order_by(BenefitClaim.id)
    ), lambda claim: claim.person_id)
    updates: dict[int, list[Any]] = {}
    if unseen_limit > 0:
        updates = _by_person(session.execute(
            select(CaseUpdate, Worker.name, Agency.name, Agency.short_name)
            .outerjoin(Worker, Worker.id == CaseUpdate.worker_id)
            .outerjoin(Agency, Agency.id == CaseUpdate.agency_id)
            .where(CaseUpdate.person_id.in_(ids), CaseUpdate.tell_person.is_(True), CaseUpdate.seen_at.is_(None))
            .order_by(CaseUpdate.at.desc(), CaseUpdate.id.desc())
        ), lambda row: row[0].person_id)
    return {
        person.id: _assemble_view(
            person, journey, pharmacy, today, now, upcoming_limit,
            conditions=conditions.get(person.id, []),
            team_rows=team.get(person.id, []),
            appointment_rows=appointments.get(person.id, [])[:upcoming_limit + _RECENTLY_ENDED_ALLOWANCE],
            claims=claims.get(person.id, []),
            update_rows=updates.get(person.id, [])[:unseen_limit],
        )
        for person, journey, pharmacy in rows
    }


# What the lean read takes of each table: the fields of the views, read as plain rows (no records).
_PERSON_COLUMNS = (Person.id, Person.ref, Person.preferred_name, Person.language, Person.discreet, Person.paused,
                   Person.reminders_on, Person.remind_day_before, Person.remind_hours_before, Person.voice_notes,
                   Person.quiet_from, Person.quiet_until, Person.version)
_JOURNEY_COLUMNS = (JourneyPosition.person_id, JourneyPosition.stage, JourneyPosition.prison,
                    JourneyPosition.version, JourneyPosition.sentence_date, JourneyPosition.release_date,
                    JourneyPosition.release_confirmed, JourneyPosition.hdc_eligibility_date,
                    JourneyPosition.licence_end, JourneyPosition.top_up_end, JourneyPosition.community_order_end)
_PHARMACY_COLUMNS = (PharmacyPlan.person_id, PharmacyPlan.pharmacy_name, PharmacyPlan.address,
                     PharmacyPlan.open_days, PharmacyPlan.opens_at, PharmacyPlan.closes_at, PharmacyPlan.pickup_days,
                     PharmacyPlan.pickup_time, PharmacyPlan.dose_mode, PharmacyPlan.script_start,
                     PharmacyPlan.script_end, PharmacyPlan.prescriber_contact, PharmacyPlan.missed_in_a_row,
                     PharmacyPlan.version)
_CLAIM_COLUMNS = (BenefitClaim.person_id, BenefitClaim.id, BenefitClaim.claim_type, BenefitClaim.claimed_on,
                  BenefitClaim.steps_done, BenefitClaim.expected_first_payment, BenefitClaim.advance_requested,
                  BenefitClaim.version)


def planning_views(session: Session, ids: Sequence[int], today: date, now: datetime, upcoming_limit: int,
                   appointment_kinds: frozenset[str]) -> dict[int, PersonView]:
    """The views the reminder planner plans from, for thousands of people at a time: one query a table.

    The person, journey, pharmacy plan and benefit claims are read whole (every field of their views), as
    plain rows rather than records, which costs a fraction. Appointments are read as a few columns: the
    same ones, in the same order and with the same limits, as the full view's, then only those of
    `appointment_kinds` are kept (the planner reads only Jobcentre meetings, a booked money step), without
    who they are with (worker and agency None) and with no place, address or things to bring: the
    planner's messages are worded later, from a full view. No team, licence conditions or updates.
    """
    connection = session.connection()  # plain rows: no ORM loading step
    dialect = connection.dialect.name
    rows: list[Any] = list(connection.execute(
        select(*_PERSON_COLUMNS, *_JOURNEY_COLUMNS, *_PHARMACY_COLUMNS)
        .outerjoin(JourneyPosition, JourneyPosition.person_id == Person.id)
        .outerjoin(PharmacyPlan, PharmacyPlan.person_id == Person.id)
        .where(among(Person.id, list(ids), dialect))
    ))
    since = now - _LONGEST_APPOINTMENT
    # Only people with an appointment of those kinds need their appointments read (to know whether it is
    # among the ones the full view holds): for most people, none are.
    with_kinds = (select(Appointment.person_id)
                  .where(among(Appointment.person_id, list(ids), dialect), Appointment.starts_at >= since,
                         Appointment.kind.in_(sorted(appointment_kinds))))
    appointments = _by_person(connection.execute(
        select(Appointment.person_id, Appointment.id, Appointment.starts_at, Appointment.minutes, Appointment.kind,
               Appointment.status, Appointment.version)
        .where(Appointment.person_id.in_(with_kinds), Appointment.starts_at >= since)
        .order_by(Appointment.starts_at, Appointment.id)
    ), lambda row: row[0])
    claims = _by_person(connection.execute(
        select(*_CLAIM_COLUMNS).where(among(BenefitClaim.person_id, list(ids), dialect)).order_by(BenefitClaim.id)
    ), lambda row: row[0])
    person_end = len(_PERSON_COLUMNS)
    journey_end = person_end + len(_JOURNEY_COLUMNS)
    views: dict[int, PersonView] = {}
    for row in rows:
        person = PersonInfo(*row[:person_end])
        journey, pharmacy = row[person_end:journey_end], row[journey_end:]
        has_journey = journey[0] is not None
        views[person.id] = PersonView(
            person=person, as_of=today, stage=journey[1], prison=journey[2],
            dates=KeyDates(*journey[4:]) if has_journey else KeyDates(),
            journey_version=journey[3], licence_conditions=(), team=(),
            appointments=_planning_appointments(appointments.get(person.id, []), now, upcoming_limit,
                                                appointment_kinds),
            benefit_claims=tuple(
                BenefitClaimView(id=claim_id, claim_type=claim_type, claimed_on=claimed_on,
                                 steps_done=frozenset(steps_done or ()), expected_first_payment=first_payment,
                                 advance_requested=advance_requested, version=version)
                for _person, claim_id, claim_type, claimed_on, steps_done, first_payment, advance_requested, version
                in claims.get(person.id, [])),
            pharmacy_plan=None if pharmacy[0] is None else _pharmacy_plan_of(pharmacy[1:]),
            unseen_updates=(),
        )
    return views


def _pharmacy_plan_of(row: Sequence[Any]) -> PharmacyPlanView:
    (name, address, open_days, opens_at, closes_at, pickup_days, pickup_time, dose_mode, script_start, script_end,
     prescriber_contact, missed_in_a_row, version) = row
    return PharmacyPlanView(
        pharmacy_name=name, address=address, open_days=tuple(open_days or ()), opens_at=opens_at,
        closes_at=closes_at, pickup_days=tuple(pickup_days or ()), pickup_time=pickup_time, dose_mode=dose_mode,
        script_start=script_start, script_end=script_end, prescriber_contact=prescriber_contact,
        missed_in_a_row=missed_in_a_row, version=version)


def _planning_appointments(rows: Sequence[Any], now: datetime, upcoming_limit: int,
                           kinds: frozenset[str]) -> tuple[AppointmentView, ...]:
    # The full view's limits, in its order (see _assemble_view), then only the kinds asked for.
    if not rows:
        return ()
    read = rows[:upcoming_limit + _RECENTLY_ENDED_ALLOWANCE]
    upcoming = [row for row in read if row[2] + timedelta(minutes=row[3]) > now][:upcoming_limit]
    return tuple(
        AppointmentView(id=appointment_id, starts_at=starts_at, minutes=minutes, place="", address="", kind=kind,
                        bring="", status=status, status_reason=None, worker_name=None, agency_name=None,
                        agency_short_name=None, version=version)
        for _person, appointment_id, starts_at, minutes, kind, status, version in upcoming if kind in kinds)


def _by_person(items: Iterable[T], person_of: Callable[[T], int]) -> dict[int, list[T]]:
    grouped: dict[int, list[T]] = {}
    for item in items:
        grouped.setdefault(person_of(item), []).append(item)
    return grouped


def _assemble_view(
    person: Person, journey: JourneyPosition | None, pharmacy: PharmacyPlan | None, today: date, now: datetime,
    upcoming_limit: int, *, conditions: Sequence[LicenceCondition], team_rows: Sequence[Any],
    appointment_rows: Sequence[Any], claims: Sequence[BenefitClaim], update_rows: Sequence[Any],
) -> PersonView:
    upcoming = [
        appointment_view(appointment, worker_name, agency_name, agency_short)
        for appointment, worker_name, agency_name, agency_short in appointment_rows
    ]
    return PersonView(
        person=_person_info(person),
        as_of=today,
        stage=journey.stage if journey else None,
        prison=journey.prison if journey else None,
        dates=_key_dates(journey),
        journey_version=journey.version if journey else None,
        licence_conditions=tuple(
            LicenceConditionView(id=c.id, official=c.official_text, plain=c.plain_text) for c in conditions
        ),
        team=tuple(_team_member(a, w, agency) for a, w, agency in team_rows),
        appointments=tuple(a for a in upcoming if a.ends_at > now)[:upcoming_limit],
        benefit_claims=tuple(benefit_view(claim) for claim in claims),
        pharmacy_plan=pharmacy_view(pharmacy) if pharmacy else None,
        unseen_updates=tuple(_update_view(*update_row) for update_row in update_rows),
    )


def mark_updates_seen(session: Session, person_id: int, update_ids: Iterable[int], now: datetime) -> int:
    """The person has been shown these updates. Returns how many were newly marked.

    Updates about someone else are refused (and audited), never marked.
    """
    ids = sorted(set(update_ids))
    with unit_of_work(session, PersonActor(person_id), "write.updates_seen", "case_update", now=now) as unit:
        unit.require_person(person_id)
        if not ids:
            return 0
        owners = set(session.scalars(select(CaseUpdate.person_id).where(CaseUpdate.id.in_(ids))))
        if owners - {person_id}:
            raise PermissionDenied(NOT_YOURS)
        result = session.execute(
            update(CaseUpdate)
            .where(CaseUpdate.id.in_(ids), CaseUpdate.person_id == person_id, CaseUpdate.seen_at.is_(None))
            .values(seen_at=unit.now)
        )
        marked = rows_changed(result)
        unit.detail = f"{marked} marked seen"
        return marked


def set_language(
    session: Session, actor: Actor, person_id: int, language: str, *, now: datetime | None = None
) -> int:
    """Change the language Signpost talks in. Returns the person's new version."""
    if language not in SUPPORTED_LANGUAGES:
        raise InvalidInput("Sorry, Signpost can talk in English, Welsh (Cymraeg) or Polish (Polski).")
    return _change_person(session, actor, person_id, {"language": language}, "person.language", now)


def set_discreet(
    session: Session, actor: Actor, person_id: int, discreet: bool, *, now: datetime | None = None
) -> int:
    """Discreet mode: messages that may show on a locked screen avoid tell-tale words."""
    return _change_person(session, actor, person_id, {"discreet": bool(discreet)}, "person.discreet", now)


def set_paused(
    session: Session, actor: Actor, person_id: int, paused: bool, *, now: datetime | None = None
) -> int:
    """Pause (/stop) or restart all messages to the person."""
    return _change_person(session, actor, person_id, {"paused": bool(paused)}, "person.paused", now)


def set_contact_preferences(
    session: Session, actor: Actor, person_id: int, *, now: datetime | None = None, **preferences: object
) -> int:
    """Reminder settings: reminders_on, remind_day_before, remind_hours_before, voice_notes, quiet hours."""
    unknown = set(preferences) - CONTACT_PREFERENCES
    if unknown:
        raise InvalidInput(f"Unknown contact preference: {', '.join(sorted(unknown))}.")
    hours = preferences.get("remind_hours_before")
    if hours is not None and (not isinstance(hours, int) or not 0 <= hours <= 72):
        raise InvalidInput("Reminders can come between 0 and 72 hours before an appointment.")
    return _change_person(session, actor, person_id, dict(preferences), "person.contact_preferences", now)


def respond_to_appointment(
    session: Session,
    actor: PersonActor,
    appointment_id: int,
    confirmed: bool,
    reason: str | None,
    expected_version: int | None,
    *,
    now: datetime | None = None,
) -> Appointment:
    """The person's answer: "I'll be there" (confirmed) or "I can't make it" (with their reason).

    Pass the version the person was shown, so an answer to an appointment that has since moved is
    refused with ConflictError rather than confirming a time they never saw.
    """
    return _appointments.respond(session, actor, appointment_id, confirmed, reason, expected_version, now=now)


def nation_of(session: Session, person_id: int) -> str | None:
    """Where the person's probation is ("england" or "wales"), or None when the case file does not say."""
    return session.scalar(select(Person.nation).where(Person.id == person_id))


def _change_person(
    session: Session, actor: Actor, person_id: int, changes: dict[str, object], kind: str, now: datetime | None
) -> int:
    with unit_of_work(session, actor, f"write.{kind}", "person", now=now) as unit:
        unit.require_person(person_id)
        unit.subject_id = person_id
        person = _load_person(unit, person_id)
        before, after = apply_changes(person, changes)
        if before:
            unit.record_change(kind, "person", person_id, before, after)
            session.flush()
        return person.version


def _load_person(unit: Unit, person_id: int) -> Person:
    person = unit.session.get(Person, person_id, populate_existing=True)
    if person is None:
        raise NotFound("Sorry, we could not find that person.")
    return person


def _person_info(person: Person) -> PersonInfo:
    return PersonInfo(
        id=person.id,
        ref=person.ref,
        preferred_name=person.preferred_name,
        language=person.language,
        discreet=person.discreet,
        paused=person.paused,
        reminders_on=person.reminders_on,
        remind_day_before=person.remind_day_before,
        remind_hours_before=person.remind_hours_before,
        voice_notes=person.voice_notes,
        quiet_from=person.quiet_from,
        quiet_until=person.quiet_until,
        version=person.version,
        sms_discreet=person.sms_discreet,
    )


def _key_dates(journey: JourneyPosition | None) -> KeyDates:
    if journey is None:
        return KeyDates()
    return KeyDates(
        sentence_date=journey.sentence_date,
        release_date=journey.release_date,
        release_confirmed=journey.release_confirmed,
        hdc_eligibility_date=journey.hdc_eligibility_date,
        licence_end=journey.licence_end,
        top_up_end=journey.top_up_end,
        community_order_end=journey.community_order_end,
    )


def _team_member(assignment: Assignment, worker: Worker, agency: Agency) -> TeamMember:
    return TeamMember(
        worker_id=worker.id,
        name=worker.name,
        agency_name=agency.name,
        agency_short_name=agency.short_name,
        role=worker.role,
        helps_with=worker.helps_with,
        contact=worker.contact,
        hours=worker.hours,
        is_lead=assignment.is_lead,
        assignment_role=assignment.role,
    )


def appointment_view(
    appointment: Appointment, worker_name: str | None, agency_name: str | None, agency_short: str | None
) -> AppointmentView:
    return AppointmentView(
        id=appointment.id,
        starts_at=appointment.starts_at,
        minutes=appointment.minutes,
        place=appointment.place,
        address=appointment.address,
        kind=appointment.kind,
        bring=appointment.bring,
        status=appointment.status,
        status_reason=appointment.status_reason,
        worker_name=worker_name,
        agency_name=agency_name,
        agency_short_name=agency_short,
        version=appointment.version,
    )


def benefit_view(claim: BenefitClaim) -> BenefitClaimView:
    return BenefitClaimView(
        id=claim.id,
        claim_type=claim.claim_type,
        claimed_on=claim.claimed_on,
        steps_done=frozenset(claim.steps_done or ()),
        expected_first_payment=claim.expected_first_payment,
        advance_requested=claim.advance_requested,
        version=claim.version,
    )


def pharmacy_view(plan: PharmacyPlan) -> PharmacyPlanView:
    return PharmacyPlanView(
        pharmacy_name=plan.pharmacy_name,
        address=plan.address,
        open_days=tuple(plan.open_days or ()),
        opens_at=plan.opens_at,
        closes_at=plan.closes_at,
        pickup_days=tuple(plan.pickup_days or ()),
        pickup_time=plan.pickup_time,
        dose_mode=plan.dose_mode,
        script_start=plan.script_start,
        script_end=plan.script_end,
        prescriber_contact=plan.prescriber_contact,
        missed_in_a_row=plan.missed_in_a_row,
        version=plan.version,
    )


def _update_view(
    update_row: CaseUpdate, worker_name: str | None, agency_name: str | None, agency_short: str | None
) -> UpdateView:
    return UpdateView(
        id=update_row.id,
        at=update_row.at,
        kind=update_row.kind,
        summary=update_row.summary,
        field=update_row.field,
        before=MappingProxyType(dict(update_row.before or {})),
        after=MappingProxyType(dict(update_row.after or {})),
        worker_name=worker_name,
        agency_name=agency_name,
        agency_short_name=agency_short,
    )


def ask_lead(session: Session, actor: PersonActor, person_id: int, term: str, *,
             now: datetime | None = None) -> None:
    """The person asks their lead professional to explain a word Signpost could not.

    Only the word goes on the file, as a note for staff; never the rest of what the person typed.
    """
    term = " ".join((term or "").split())[:80]
    if not term:
        raise InvalidInput("Please say which word you want explained.")
    with unit_of_work(session, actor, "write.ask_lead", "case_update", now=now) as unit:
        unit.require_person(person_id)
        summary = f'Asked Signpost what "{term}" means. Signpost could not explain it yet: please explain it.'
        update = unit.record_change("question", "note", None, {}, {}, summary=summary)
        session.flush()
        unit.subject_id = update.id
