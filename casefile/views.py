"""Read-only snapshots of the case file, as the chat and the staff console see them.

They are plain frozen dataclasses, detached from the database session, so callers can keep them
after the session closes and cannot change the record through them by accident.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

_NOT_GOING_AHEAD = frozenset({"cancelled", "attended", "missed"})


@dataclass(frozen=True)
class PersonInfo:
    id: int
    ref: str
    preferred_name: str
    language: str
    discreet: bool
    paused: bool
    reminders_on: bool
    remind_day_before: bool
    remind_hours_before: int
    voice_notes: bool
    quiet_from: time | None
    quiet_until: time | None
    version: int
    sms_discreet: bool = True  # texts are discreet unless the person or their worker turned it off


@dataclass(frozen=True)
class KeyDates:
    sentence_date: date | None = None
    release_date: date | None = None
    release_confirmed: bool = False
    hdc_eligibility_date: date | None = None
    licence_end: date | None = None
    top_up_end: date | None = None
    community_order_end: date | None = None


@dataclass(frozen=True)
class LicenceConditionView:
    id: int
    official: str
    plain: str


@dataclass(frozen=True)
class TeamMember:
    worker_id: int
    name: str
    agency_name: str
    agency_short_name: str
    role: str
    helps_with: str
    contact: str
    hours: str
    is_lead: bool
    assignment_role: str


@dataclass(frozen=True)
class BookingTeam:
    """Who an appointment for the person can be with: their team, and whether the asking worker leads it."""

    person_id: int
    preferred_name: str
    team: tuple[TeamMember, ...]
    asked_by_lead: bool

    def bookable_for(self, worker_id: int) -> tuple[TeamMember, ...]:
        """The lead may book for anyone on the team; the others only for themselves."""
        return tuple(m for m in self.team if self.asked_by_lead or m.worker_id == worker_id)


@dataclass(frozen=True)
class AppointmentView:
    id: int
    starts_at: datetime  # aware, UTC; show it on the London clock
    minutes: int
    place: str
    address: str
    kind: str
    bring: str
    status: str
    status_reason: str | None
    worker_name: str | None
    agency_name: str | None
    agency_short_name: str | None
    version: int

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)


@dataclass(frozen=True)
class BenefitClaimView:
    id: int
    claim_type: str
    claimed_on: date | None
    steps_done: frozenset[str]
    expected_first_payment: date | None
    advance_requested: bool
    version: int


@dataclass(frozen=True)
class PharmacyPlanView:
    pharmacy_name: str
    address: str
    open_days: tuple[int, ...]  # 0 = Monday ... 6 = Sunday
    opens_at: time | None
    closes_at: time | None
    pickup_days: tuple[int, ...]
    pickup_time: time | None
    dose_mode: str  # supervised or take_away
    script_start: date | None
    script_end: date | None
    prescriber_contact: str
    missed_in_a_row: int
    version: int


@dataclass(frozen=True)
class UpdateView:
    id: int
    at: datetime
    kind: str
    summary: str
    field: str
    before: Mapping[str, Any]
    after: Mapping[str, Any]
    worker_name: str | None
    agency_name: str | None
    agency_short_name: str | None


@dataclass(frozen=True)
class PersonView:
    """Everything the chat needs to talk to one person about their situation."""

    person: PersonInfo
    as_of: date
    stage: str | None
    prison: str | None
    dates: KeyDates
    journey_version: int | None
    licence_conditions: tuple[LicenceConditionView, ...]
    team: tuple[TeamMember, ...]
    appointments: tuple[AppointmentView, ...]  # not yet over, soonest first
    benefit_claims: tuple[BenefitClaimView, ...]
    pharmacy_plan: PharmacyPlanView | None
    unseen_updates: tuple[UpdateView, ...]  # newest first

    @property
    def lead(self) -> TeamMember | None:
        return next((member for member in self.team if member.is_lead), None)

    @property
    def benefit_claim(self) -> BenefitClaimView | None:
        """The Universal Credit claim if there is one, else the first claim."""
        claims = sorted(self.benefit_claims, key=lambda claim: claim.claim_type != "universal_credit")
        return claims[0] if claims else None

    @property
    def next_appointment(self) -> AppointmentView | None:
        """The soonest appointment still going ahead (a "can't make it" stays until staff move it)."""
        return next((a for a in self.appointments if a.status not in _NOT_GOING_AHEAD), None)


@dataclass(frozen=True)
class ComingAppointment:
    """An appointment still going ahead for someone on a worker's caseload: what a chat button names."""

    appointment_id: int
    person_id: int
    preferred_name: str
    starts_at: datetime


@dataclass(frozen=True)
class DiaryEntry:
    """One appointment in a worker's week: theirs, or (for a lead) anyone's with a person they lead."""

    appointment_id: int
    person_id: int
    preferred_name: str
    person_ref: str
    starts_at: datetime
    minutes: int
    place: str
    kind: str
    status: str
    worker_name: str | None
    mine: bool


@dataclass(frozen=True)
class CaseloadUpdate:
    """A recent change on someone on a worker's caseload, with the person's name and reference."""

    preferred_name: str
    ref: str
    kind: str
    at: datetime
    status_reason: str | None


@dataclass(frozen=True)
class CaseloadRow:
    person_id: int
    ref: str
    preferred_name: str
    stage: str | None
    is_lead: bool
    assignment_role: str
    next_appointment_id: int | None
    next_appointment_at: datetime | None
    next_appointment_status: str | None
    unseen_updates: int
