"""The shared case file: one record per person, collected once and used by every agency.

Tables only; every read and write by the chat or by staff goes through the service modules
(`people`, `staff`, `linking`, `gaps`), which check permission, versions and write the audit trail.
Records that several agencies may change at once carry a `version`, bumped on every update, so
that an edit made on stale information fails instead of silently overwriting someone else's.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from casefile.types import UTCDateTime

# Stable constraint names, so migrations can refer to them on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Keys into the journeys/ content: where a person is in the criminal-justice system.
STAGES: tuple[str, ...] = (
    "in_court",
    "on_remand",
    "in_prison",
    "release_day",
    "hdc",
    "on_licence",
    "recalled",
    "post_sentence_supervision",
    "community_order",
    "sentence_ended",
)

# What an appointment is for: the one list the chat, the console, the feeds and the database all use.
APPOINTMENT_KINDS: tuple[str, ...] = (
    "probation",
    "housing",
    "health",
    "drugs_alcohol",
    "jobcentre",
    "unpaid_work",
    "mentor",
    "other",
)
# Statuses after which an appointment is not going ahead: no reminders, no moving, not "coming up".
APPOINTMENT_OVER: frozenset[str] = frozenset({"cancelled", "attended", "missed"})
APPOINTMENT_STATUSES: tuple[str, ...] = (
    "booked",
    "confirmed",
    "cant_make_it",
    "moved",
    "attended",
    "missed",
    "cancelled",
)

BENEFIT_TYPES: tuple[str, ...] = ("universal_credit",)

# Money steps are keys from content/journeys/money.yaml (bank_account, claim_online, ...). Editors may
# add steps, so the case file checks only their shape, not a fixed list.
STEP_KEY_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"

DOSE_MODES: tuple[str, ...] = ("supervised", "take_away")

CHANNELS_MAX = 20
# Channels Signpost can send to unasked (reminders, a worker's message); a terminal chat only answers.
# An "sms" chat link's chat_id is the phone number in E.164 (+447700900123).
MESSAGE_CHANNELS: tuple[str, ...] = ("telegram", "sms")
# Which channels a person wants their reminders on (casefile.linking.reminder_channels reads it).
CHANNEL_CHOICES: tuple[str, ...] = ("both", "telegram", "sms")
# Where a text message is: Notify's own statuses (from its delivery receipts), and "refused" when Notify
# would not take it or "failed" when every try was used. Not a CHECK constraint: Notify may add statuses.
SMS_STATES: tuple[str, ...] = ("sending", "delivered", "permanent-failure", "temporary-failure",
                               "technical-failure", "refused", "failed")


def _sql_list(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


# Where a person's probation is; the facts that differ (local welfare, housing law) follow it.
NATIONS: tuple[str, ...] = ("england", "wales")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Agency(Base):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(40), unique=True)
    contact: Mapped[str | None] = mapped_column(String(300))

    workers: Mapped[list[Worker]] = relationship(back_populates="agency")


class Worker(Base):
    """A key worker. Until staff accounts exist, this row is also the staff identity."""

    __tablename__ = "workers"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(40), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200))  # in plain words: "Your probation officer"
    helps_with: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(String(300), default="")
    hours: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    agency: Mapped[Agency] = relationship(back_populates="workers")


class Person(Base):
    """Someone Signpost helps. `ref` is pseudonymous: no real names or prison numbers are needed."""

    __tablename__ = "people"
    __table_args__ = (
        CheckConstraint("remind_hours_before >= 0 AND remind_hours_before <= 72", name="remind_hours_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(40), unique=True)
    preferred_name: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(8), default="en")
    # "england" or "wales" (NATIONS): where their probation is, so the chat gives that nation's rules;
    # None when not known.
    nation: Mapped[str | None] = mapped_column(String(8))
    # Discreet: anything that may show on a locked screen avoids words like probation, prison, methadone.
    discreet: Mapped[bool] = mapped_column(Boolean, default=False)
    # Paused by /stop: no messages are sent until the person starts again.
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    # Discreet on text messages, on unless the person or their worker turns it off: a text shows on the
    # lock screen and on a shared phone. (`discreet` above is the Telegram chat's choice.)
    sms_discreet: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    # Where reminders go: CHANNEL_CHOICES.
    channel_choice: Mapped[str] = mapped_column(String(10), default="both", server_default=text("'both'"))
    # Contact preferences, read by the reminders.
    reminders_on: Mapped[bool] = mapped_column(Boolean, default=True)
    remind_day_before: Mapped[bool] = mapped_column(Boolean, default=True)
    remind_hours_before: Mapped[int] = mapped_column(Integer, default=2)
    voice_notes: Mapped[bool] = mapped_column(Boolean, default=False)
    quiet_from: Mapped[time | None] = mapped_column(Time)
    quiet_until: Mapped[time | None] = mapped_column(Time)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set by `signpost casefile forget`: the file is closed and only the bare audit trail is kept.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    journey: Mapped[JourneyPosition | None] = relationship(back_populates="person", uselist=False)
    pharmacy_plan: Mapped[PharmacyPlan | None] = relationship(back_populates="person", uselist=False)


class Assignment(Base):
    """A worker on a person's team. `ended_at` set means they have left the team (kept for the record)."""

    __tablename__ = "assignments"
    __table_args__ = (
        # Exactly one lead professional per person: the database refuses a second current lead.
        Index(
            "uq_assignments_one_lead",
            "person_id",
            unique=True,
            sqlite_where=text("is_lead AND ended_at IS NULL"),
            postgresql_where=text("is_lead AND ended_at IS NULL"),
        ),
        Index(
            "uq_assignments_current_worker",
            "person_id",
            "worker_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        # An agency feed names each row by its own reference, so a re-import finds the same row.
        Index("uq_assignments_source", "source_agency_id", "source_ref", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id", ondelete="RESTRICT"), index=True)
    role: Mapped[str] = mapped_column(String(200))  # their role for this person, e.g. "Probation officer"
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"))
    source_ref: Mapped[str | None] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    worker: Mapped[Worker] = relationship()


class CaseNote(Base):
    """A worker's short note on a person's file, seen by the person's team. Shown to the person only if
    `shared` (then it is also a case update they are told about). Deleted with the person."""

    __tablename__ = "case_notes"
    __table_args__ = (Index("ix_case_notes_person_at", "person_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id", ondelete="SET NULL"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class JourneyPosition(Base):
    """Where the person is now, and the dates that matter. One row per person."""

    __tablename__ = "journey_positions"
    __table_args__ = (CheckConstraint(f"stage IN ({_sql_list(STAGES)})", name="stage_known"),)

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    stage: Mapped[str] = mapped_column(String(40))
    prison: Mapped[str | None] = mapped_column(String(200))
    sentence_date: Mapped[date | None] = mapped_column(Date)
    release_date: Mapped[date | None] = mapped_column(Date)
    release_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    hdc_eligibility_date: Mapped[date | None] = mapped_column(Date)
    licence_end: Mapped[date | None] = mapped_column(Date)
    top_up_end: Mapped[date | None] = mapped_column(Date)
    community_order_end: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    person: Mapped[Person] = relationship(back_populates="journey")


class LicenceCondition(Base):
    __tablename__ = "licence_conditions"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    official_text: Mapped[str] = mapped_column(Text)
    plain_text: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Appointment(Base):
    __tablename__ = "appointments"
    __table_args__ = (
        CheckConstraint(f"status IN ({_sql_list(APPOINTMENT_STATUSES)})", name="status_known"),
        CheckConstraint(f"kind IN ({_sql_list(APPOINTMENT_KINDS)})", name="kind_known"),
        CheckConstraint("minutes > 0 AND minutes <= 1440", name="minutes_range"),
        Index("ix_appointments_person_start", "person_id", "starts_at"),
        Index("uq_appointments_source", "source_agency_id", "source_ref", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id", ondelete="SET NULL"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    minutes: Mapped[int] = mapped_column(Integer, default=60)
    place: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(400), default="")
    kind: Mapped[str] = mapped_column(String(40))  # one of APPOINTMENT_KINDS
    bring: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="booked")
    status_reason: Mapped[str | None] = mapped_column(Text)  # the person's words for "can't make it"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The agency and its own reference for this appointment, when it came in through a feed.
    source_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"))
    source_ref: Mapped[str | None] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    worker: Mapped[Worker | None] = relationship()


class BenefitClaim(Base):
    __tablename__ = "benefit_claims"
    __table_args__ = (
        UniqueConstraint("person_id", "claim_type", name="uq_benefit_claims_person_type"),
        CheckConstraint(f"claim_type IN ({_sql_list(BENEFIT_TYPES)})", name="claim_type_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    claim_type: Mapped[str] = mapped_column(String(40), default="universal_credit")
    claimed_on: Mapped[date | None] = mapped_column(Date)
    steps_done: Mapped[list[str]] = mapped_column(JSON, default=list)
    expected_first_payment: Mapped[date | None] = mapped_column(Date)
    advance_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class PharmacyPlan(Base):
    """Where and when the person collects their prescription. No medicine names: discreet by design."""

    __tablename__ = "pharmacy_plans"
    __table_args__ = (
        CheckConstraint(f"dose_mode IN ({_sql_list(DOSE_MODES)})", name="dose_mode_known"),
        CheckConstraint("missed_in_a_row >= 0", name="missed_not_negative"),
    )

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    pharmacy_name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(400), default="")
    open_days: Mapped[list[int]] = mapped_column(JSON, default=list)  # 0 = Monday ... 6 = Sunday
    opens_at: Mapped[time | None] = mapped_column(Time)
    closes_at: Mapped[time | None] = mapped_column(Time)
    pickup_days: Mapped[list[int]] = mapped_column(JSON, default=list)
    pickup_time: Mapped[time | None] = mapped_column(Time)  # London clock
    dose_mode: Mapped[str] = mapped_column(String(20), default="supervised")
    script_start: Mapped[date | None] = mapped_column(Date)
    script_end: Mapped[date | None] = mapped_column(Date)
    prescriber_contact: Mapped[str] = mapped_column(String(300), default="")
    missed_in_a_row: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    person: Mapped[Person] = relationship(back_populates="pharmacy_plan")


class CaseUpdate(Base):
    """A change to the case file: who made it, what it was before and after, and whether to tell the person."""

    __tablename__ = "case_updates"
    __table_args__ = (
        Index("ix_case_updates_person_at", "person_id", "at"),
        Index("ix_case_updates_at", "at"),  # for pruning by age (casefile/retention.py)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id", ondelete="SET NULL"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(100))  # "staff:12", "person:3", "system:import"
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(60))  # e.g. appointment.moved, journey.changed, note
    subject: Mapped[str] = mapped_column(String(40))  # table the change was made to
    subject_id: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(300))  # the changed fields, comma separated
    before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    summary: Mapped[str] = mapped_column(Text, default="")
    tell_person: Mapped[bool] = mapped_column(Boolean, default=False)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    worker: Mapped[Worker | None] = relationship()
    agency: Mapped[Agency | None] = relationship()


class ChatLink(Base):
    """Which person or worker a chat belongs to. One owner per chat."""

    __tablename__ = "chat_links"
    __table_args__ = (
        UniqueConstraint("channel", "chat_id", name="uq_chat_links_channel_chat"),
        CheckConstraint("(person_id IS NULL) <> (worker_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(CHANNELS_MAX))
    chat_id: Mapped[str] = mapped_column(String(100))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"), index=True)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # False once Telegram said the person blocked the bot: reminders stop until they link again.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))


class SmsNumber(Base):
    """A mobile number Signpost has met: whether it said STOP, whether it had the first text (what
    Signpost is), and a confirmation a worker started for it. Never the messages.

    A number is linked only by a ChatLink (channel "sms"), made when the person texts a link code or the
    confirmation code a worker's request sent them. A number that said STOP keeps its row (without a
    person) so that nothing is sent to it again until it says START.
    """

    __tablename__ = "sms_numbers"

    phone_number: Mapped[str] = mapped_column(String(20), primary_key=True)  # E.164: +447700900123
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    introduced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the first text went
    # A worker added this number for a person: a code was texted, and only its hash is kept.
    pending_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    pending_worker_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id", ondelete="SET NULL"))
    pending_code_hash: Mapped[str | None] = mapped_column(String(128))
    pending_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SmsInbound(Base):
    """Which received texts were handled (Notify's id and when it arrived), never what they said: so the
    same text is answered once, and a restart catches up from the newest one handled."""

    __tablename__ = "sms_inbound"

    notification_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LinkCode(Base):
    """A one-time code to link a chat. Only a hash of the code is kept; the code itself is shown once."""

    __tablename__ = "link_codes"
    __table_args__ = (CheckConstraint("(person_id IS NULL) <> (worker_id IS NULL)", name="one_owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(128), unique=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"), index=True)
    issued_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a newer code replaced it
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # tries to use it after it stopped working


class LinkAttempt(Base):
    """Wrong link codes from one chat, so that a chat guessing codes is locked out for a while."""

    __tablename__ = "link_attempts"
    __table_args__ = (UniqueConstraint("channel", "chat_id", name="uq_link_attempts_channel_chat"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(CHANNELS_MAX))
    chat_id: Mapped[str] = mapped_column(String(100))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditEvent(Base):
    """Every read and write by staff (and every refused one). Never updated, never shown to the person."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_person_at", "person_id", "at"),
        Index("ix_audit_events_actor", "actor_kind", "actor_id"),
        Index("ix_audit_events_at", "at"),  # for pruning by age (casefile/retention.py)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_kind: Mapped[str] = mapped_column(String(20))  # staff, person, system
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    # No foreign key: the audit trail outlives the records it describes.
    person_id: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(20))  # ok, denied, conflict, not_found
    detail: Mapped[str] = mapped_column(Text, default="")
    # For staff console requests: the client's address (from a trusted proxy's X-Forwarded-For) and a
    # hash of the session, so one sitting's actions can be followed without storing the session itself.
    client_address: Mapped[str | None] = mapped_column(String(64))
    session_id: Mapped[str | None] = mapped_column(String(32))


class EditorQuestion(Base):
    """A question Signpost could not answer, sent to the editors with the person's yes. Never who asked."""

    __tablename__ = "editor_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(500))
    language: Mapped[str] = mapped_column(String(8))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class UnknownTerm(Base):
    """Words people asked about that the glossary did not know. Only the word, never who asked."""

    __tablename__ = "unknown_terms"
    __table_args__ = (UniqueConstraint("term", "language", name="uq_unknown_terms_term_language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(80))
    language: Mapped[str] = mapped_column(String(8))
    count: Mapped[int] = mapped_column(Integer, default=0)
    first_asked: Mapped[datetime] = mapped_column(UTCDateTime)
    last_asked: Mapped[datetime] = mapped_column(UTCDateTime)


OUTBOX_STATES: tuple[str, ...] = ("pending", "claimed", "sent", "failed", "cancelled")
OUTBOX_FINISHED_STATES: tuple[str, ...] = ("sent", "failed", "cancelled")
CLAIMED_WHERE = "state = 'claimed'"
DETAILS_KEPT_WHERE = (f"state IN ({_sql_list(OUTBOX_FINISHED_STATES)}) AND "
                      "(body <> '' OR telegram_message_id IS NOT NULL OR last_error IS NOT NULL)")
OUTBOX_KINDS: tuple[str, ...] = (
    "appointment_reminder",  # before an appointment, at each offset
    "appointment_missed",  # "Missed it? Here is what to do"
    "release_day",  # the morning of release day
    "money_step",  # a step of the benefit plan, on its day
    "pharmacy_pickup",  # an hour before a pick-up
    "pharmacy_change",  # the day before a weekend or bank-holiday change
    "worker_message",  # a key worker's own words to one person
    "worker_notice",  # to a worker: an answer, a failed reminder, a blocked chat
)


class OutboxMessage(Base):
    """One message to send later: a reminder to a person or a notice to a worker.

    Written in the same transaction as the change that makes it (an appointment booked, moved or
    cancelled), so a reminder is never lost and never left behind for an old time. Dispatchers
    claim due rows with a lease; a crashed dispatcher's rows are claimed again when the lease ends.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(f"state IN ({_sql_list(OUTBOX_STATES)})", name="state_known"),
        CheckConstraint(f"kind IN ({_sql_list(OUTBOX_KINDS)})", name="kind_known"),
        CheckConstraint("(person_id IS NULL) <> (worker_id IS NULL)", name="one_recipient"),
        Index("ix_outbox_state_due", "state", "due_at"),
        Index("ix_outbox_appointment", "appointment_id"),
        Index("ix_outbox_person_due", "person_id", "due_at"),
        # The dispatcher's claim (casefile/outbox.py due_filters): pending rows by due time read ix_outbox_state_due
        # in order; claimed rows by lease read this partial index of claimed rows only, so claiming reads its batch,
        # however many sent rows the table keeps or how many are due at once.
        Index("ix_outbox_claimed_lease", "lease_until", postgresql_where=text(CLAIMED_WHERE),
              sqlite_where=text(CLAIMED_WHERE)),
        # Finished rows whose message details (words, Telegram's id, the last error) are still kept, by age:
        # what the nightly prune clears (casefile/retention.py).
        Index("ix_outbox_details_kept", "due_at", postgresql_where=text(DETAILS_KEPT_WHERE),
              sqlite_where=text(DETAILS_KEPT_WHERE)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"), index=True)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id", ondelete="CASCADE"))
    # For appointment reminders: minutes before the start, and the start the reminder was made for.
    offset_minutes: Mapped[int | None] = mapped_column(Integer)
    ref_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # The text message copy (issue 13): Notify's id (its delivery receipts name it), where it is
    # (SMS_STATES) and the fragments it cost (what Notify charges for).
    notify_id: Mapped[str | None] = mapped_column(String(36), index=True)
    sms_state: Mapped[str | None] = mapped_column(String(20))
    sms_fragments: Mapped[int | None] = mapped_column(Integer)
    # Only a worker's message keeps its words here: the one text actually sent.
    body: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Planned reminders (release day, money, pharmacy) are made by a sweep; the key makes it idempotent.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_by: Mapped[str] = mapped_column(String(100), default="system:reminders")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PlanningMark(Base):
    """A person whose planned messages (release day, money, pharmacy) must be planned again.

    Written in the same transaction as the change (casefile/plan_marks.py), so the planner
    (bot/reminders/planner.py) reads only the people who changed, never everyone. The planner deletes
    a mark once it has planned the person as they were at `marked_at` or later.
    """

    __tablename__ = "planning_marks"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


STAFF_ROLES: tuple[str, ...] = ("worker", "editor", "admin")


class StaffAccount(Base):
    """Someone who signs in to the staff console (console/). A worker account acts as its Worker row.

    Only an Argon2 hash of the password is kept. `sessions_valid_after` ends every session issued
    before it (signing out ends them all); failed sign-ins lock the account for a while.
    """

    __tablename__ = "staff_accounts"
    __table_args__ = (
        CheckConstraint(f"role IN ({_sql_list(STAFF_ROLES)})", name="role_known"),
        CheckConstraint("role <> 'worker' OR worker_id IS NOT NULL", name="worker_has_worker"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    role: Mapped[str] = mapped_column(String(20))
    worker_id: Mapped[int | None] = mapped_column(
        ForeignKey("workers.id", ondelete="RESTRICT"), unique=True
    )
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # Set by an admin's temporary password: until the person chooses their own, it opens only that page.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sessions_valid_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The second factor (TOTP, console/second_factor.py). The secret must be readable to check a code, so it
    # is kept as it is (base32); no page shows it once set up. `totp_pending_secret` is one being set up,
    # until its first code confirms it. `totp_last_step`: the 30-second step of the last code used, so a
    # code works once.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_pending_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    totp_set_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    worker: Mapped[Worker | None] = relationship()


class SignInToken(Base):
    """A one-time sign-in link. Only a SHA-256 of the token is kept (the token has 256 random bits)."""

    __tablename__ = "sign_in_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SignInFailure(Base):
    """A failed console sign-in, kept for the per-address limit that all console processes share.

    `client_key` is an HMAC of the client's address under the console secret, so no address is stored.
    Rows older than the limit's window are deleted as new failures come in.
    """

    __tablename__ = "sign_in_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_key: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_sign_in_failures_client_at", "client_key", "failed_at"),)


class SavedChatState(Base):
    """Where one chat is in the conversation, so a restart or another server process carries on.

    `data` is the conversation's own JSON (bot.conversation.state): the question the chat is waiting
    on, a language chosen before linking, the term nobody could explain, a key worker's half-done
    booking. Never the messages themselves. A row goes when the chat is back at the start, when the
    chat is forgotten, and when `expires_at` passes.
    """

    __tablename__ = "chat_states"

    channel: Mapped[str] = mapped_column(String(CHANNELS_MAX), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    data: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class SpokenAnswer(Base):
    """An answer the chat gave, kept for a while so its Listen button can speak it, in that chat only."""

    __tablename__ = "spoken_answers"
    __table_args__ = (Index("ix_spoken_answers_chat", "channel", "chat_id"),)

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(CHANNELS_MAX))
    chat_id: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)



class HandledUpdate(Base):
    """The newest Telegram update handled for a chat, so a redelivered or overtaken one is not answered twice.

    Several `signpost serve` processes may take one chat's updates in turn (bot/channels/telegram_webhook.py).
    Holds an update number only, never what was said; rows go a day after the chat last wrote.
    """

    __tablename__ = "handled_updates"

    channel: Mapped[str] = mapped_column(String(CHANNELS_MAX), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger)
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class SendBudget(Base):
    """One send budget shared by every process on PostgreSQL (casefile/send_budget.py): "telegram", "notify".

    `next_slot` is the next free moment to send, in seconds since 1970 on the database's clock.
    """

    __tablename__ = "send_budgets"

    name: Mapped[str] = mapped_column(String(CHANNELS_MAX), primary_key=True)
    next_slot: Mapped[float] = mapped_column(Double)


class SendBudgetChat(Base):
    """When a budget may next send to one chat (Telegram: one message a second to a chat)."""

    __tablename__ = "send_budget_chats"

    budget: Mapped[str] = mapped_column(String(CHANNELS_MAX), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    next_at: Mapped[float] = mapped_column(Double, index=True)


class SendingLease(Base):
    """Which process sends reminders when processes cannot share a budget (SQLite, or a local budget)."""

    __tablename__ = "sending_leases"

    name: Mapped[str] = mapped_column(String(CHANNELS_MAX), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

# The directory of local services (casefile/services.py), in the shape of Open Referral UK: organisations
# run services; a service has categories, places, phone numbers, weekly opening hours and holiday changes.
# The whole directory is replaced at once by an import, so these rows carry no versions.
SERVICE_CATEGORIES: tuple[str, ...] = (
    "housing",
    "food",
    "money",
    "drugs_alcohol",
    "mental_health",
    "id_documents",
    "legal",
    "health",
)


class ServiceOrganisation(Base):
    """Who runs one or more services. `ref` is the organisation's id in the file it came from."""

    __tablename__ = "service_organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    email: Mapped[str] = mapped_column(String(254), default="")


class Service(Base):
    """One local service people can go to or call. `source` is the file it was imported from."""

    __tablename__ = "services"
    __table_args__ = (
        CheckConstraint("minimum_age IS NULL OR minimum_age >= 0", name="minimum_age_not_negative"),
        CheckConstraint("maximum_age IS NULL OR maximum_age >= 0", name="maximum_age_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(100), unique=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("service_organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(300), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    # Who the service is for, in the publisher's words ("Adults living in Lewisham").
    eligibility: Mapped[str] = mapped_column(Text, default="")
    minimum_age: Mapped[int | None] = mapped_column(Integer)
    maximum_age: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)

    organisation: Mapped[ServiceOrganisation] = relationship()


class ServiceCategory(Base):
    __tablename__ = "service_categories"
    __table_args__ = (CheckConstraint(f"category IN ({_sql_list(SERVICE_CATEGORIES)})", name="category_known"),)

    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[str] = mapped_column(String(40), primary_key=True)


class ServiceLocation(Base):
    """A place where a service is given (Open Referral's location with its physical address)."""

    __tablename__ = "service_locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    ref: Mapped[str] = mapped_column(String(100), default="")
    name: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(400), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")


class ServiceContact(Base):
    """A phone number to call for a service, with who answers it when the file says."""

    __tablename__ = "service_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40))


class ServiceSchedule(Base):
    """One weekly opening: on `weekday` (0 = Monday) from `opens_at` to `closes_at`, London wall-clock times.

    `closes_at` at or before `opens_at` means the opening runs past midnight into the next day; equal
    times mean 24 hours. `bank_holidays`: this opening happens on bank holidays too (otherwise not).
    `valid_from` and `valid_to` (both included) bound the days the opening may start on.
    """

    __tablename__ = "service_schedules"
    __table_args__ = (
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_range"),
        CheckConstraint("valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from", name="valid_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("service_locations.id", ondelete="SET NULL"))
    weekday: Mapped[int] = mapped_column(Integer)
    opens_at: Mapped[time] = mapped_column(Time)
    closes_at: Mapped[time] = mapped_column(Time)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    bank_holidays: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text, default="")


class ServiceHoliday(Base):
    """Days from `starts_on` to `ends_on` (both included) that are not as usual: closed, or other hours.

    Open Referral's holiday schedule. Not closed: on those days the service opens only from `opens_at`
    to `closes_at` (past midnight when `closes_at` is not later), whatever its weekly hours say.
    """

    __tablename__ = "service_holidays"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="day_order"),
        CheckConstraint("closed OR (opens_at IS NOT NULL AND closes_at IS NOT NULL)", name="hours_when_open"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    closed: Mapped[bool] = mapped_column(Boolean, default=True)
    opens_at: Mapped[time | None] = mapped_column(Time)
    closes_at: Mapped[time | None] = mapped_column(Time)
    description: Mapped[str] = mapped_column(Text, default="")


# What kind of help a person asked for with "Tell my worker now" (the keys of content/help-now's kinds).
URGENT_KINDS: tuple[str, ...] = ("suicide", "overdose", "relapse", "no_bed", "no_food", "violence", "medical",
                                 "other")


class UrgentRequest(Base):
    """A person asked, with their yes, for their worker to know now that they need help.

    Only the kind of help and when: never the person's words. It stays at the top of the caseload
    until a worker on the team marks it seen.
    """

    __tablename__ = "urgent_requests"
    __table_args__ = (CheckConstraint(f"kind IN ({_sql_list(URGENT_KINDS)})", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seen_by: Mapped[int | None] = mapped_column(ForeignKey("workers.id", ondelete="SET NULL"))


def table_of(model: type[Base]) -> Table:
    """The Table behind a mapped class, for Core statements (bulk writes, the outbox's claims)."""
    # A model's __table__ is typed as any FromClause; the metadata holds it as the Table it is.
    return Base.metadata.tables[model.__tablename__]
