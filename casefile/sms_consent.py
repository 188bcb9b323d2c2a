"""Text-message consent: which numbers said STOP, which had the first text, a worker's request to add a
number (confirmed only by the person's reply), the texts already handled, and each person's SMS choices.

Nothing here keeps what a text said. A number is linked only by a ChatLink (channel "sms", chat_id the
E.164 number), made when the person texts back a code: a release-pack link code (casefile.linking) or
the confirmation code their worker's request sent them. STOP is kept per number, even for a number no
one is linked to, so nothing is sent to it until it says START; every channel Signpost sends on
unasked asks `casefile.linking.message_channels` or `reminder_channels`, which leave a stopped number out.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from casefile import audit, outbox
from casefile.actors import Actor, StaffActor, SystemActor
from casefile.db import begin_write, rows_changed, upsert_insert
from casefile.errors import InvalidInput
from casefile.linking import CodeHasher
from casefile.models import CHANNEL_CHOICES, CaseUpdate, ChatLink, Person, SmsInbound, SmsNumber, table_of
from casefile.unit import aware_now, unit_of_work

SMS = "sms"
CONFIRM_DIGITS = 6
CONFIRM_LIFETIME = timedelta(days=2)
# Notify keeps received texts for 7 days: ids older than that cannot come again, so they are let go.
HANDLED_KEPT = timedelta(days=8)
WRONG_NUMBER_EVENT = "sms_wrong_number"
_UK_MOBILE = re.compile(r"^(?:\+?44|0)(7\d{9})$")
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")
_SYSTEM = SystemActor(f"chat:{SMS}")


def normalise_number(text: str) -> str | None:
    """'07700 900123', '447700900123' or '+44 7700 900123' -> '+447700900123'; None when it is not a mobile
    number. Notify gives received numbers without the plus; workers type them the British way."""
    compact = re.sub(r"[\s().-]", "", (text or "").replace("(0)", ""))
    uk = _UK_MOBILE.match(compact)
    if uk:
        return f"+44{uk.group(1)}"
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not compact.startswith("+") and compact.isdigit():
        compact = "+" + compact
    return compact if _E164.match(compact) else None


def _number_row(session: Session, number: str, now: datetime) -> SmsNumber:
    row = session.get(SmsNumber, number)
    if row is None:
        row = SmsNumber(phone_number=number, created_at=now)
        session.add(row)
        session.flush()
    return row


# -- received texts, handled once -------------------------------------------------------------------
def claim_inbound(session: Session, notification_id: str, received_at: datetime, now: datetime) -> bool:
    """Mark one received text as handled; False when it already was (Notify may call twice, and the
    catch-up at start may meet a text the callback already answered). Commits."""
    begin_write(session)
    try:
        insert = upsert_insert(session.get_bind().dialect.name)(table_of(SmsInbound))
        # RETURNING says whether this call wrote the row (an INSERT's row count is not reliable on PostgreSQL).
        claimed = session.execute(
            insert.values(notification_id=notification_id[:64], received_at=aware_now(received_at), handled_at=now)
            .on_conflict_do_nothing(index_elements=["notification_id"])
            .returning(table_of(SmsInbound).c.notification_id)
        ).first() is not None
        session.execute(delete(SmsInbound).where(SmsInbound.handled_at < now - HANDLED_KEPT))
        session.commit()
        return claimed
    except BaseException:
        session.rollback()
        raise


def last_received_at(session: Session) -> datetime | None:
    """When the newest handled text arrived: the catch-up at start reads only texts newer than this."""
    return session.scalar(select(func.max(SmsInbound.received_at)))


def was_handled(session: Session, notification_id: str) -> bool:
    return session.get(SmsInbound, notification_id[:64]) is not None


# -- STOP, START and the first text -----------------------------------------------------------------
def is_stopped(session: Session, number: str) -> bool:
    return session.scalar(select(SmsNumber.stopped_at).where(SmsNumber.phone_number == number)) is not None


def set_stopped(session: Session, number: str, stopped: bool, now: datetime) -> bool:
    """STOP or START for one number; True when that changed something (so STOP is confirmed once).
    Reminders already waiting are not sent to a stopped number: the dispatcher asks
    `reminder_channels` just before each send, and a person with no channel left has the row cancelled."""
    begin_write(session)
    try:
        row = _number_row(session, number, now)
        changed = (row.stopped_at is None) == stopped
        if changed:
            row.stopped_at = now if stopped else None
            link = session.scalars(select(ChatLink).where(ChatLink.channel == SMS, ChatLink.chat_id == number)).first()
            audit.record(session, _SYSTEM, "write.sms.stopped" if stopped else "write.sms.started", "chat_link",
                         person_id=link.person_id if link else None, now=now)
        session.commit()
        return changed
    except BaseException:
        session.rollback()
        raise


def needs_introduction(session: Session, number: str) -> bool:
    """Whether this number has not had the first text yet (what Signpost is, and how to stop)."""
    return session.scalar(select(SmsNumber.introduced_at).where(SmsNumber.phone_number == number)) is None


def mark_introduced(session: Session, number: str, now: datetime) -> None:
    begin_write(session)
    try:
        row = _number_row(session, number, now)
        if row.introduced_at is None:
            row.introduced_at = now
        session.commit()
    except BaseException:
        session.rollback()
        raise


# -- a worker adds a number; the person's reply confirms it -----------------------------------------
def new_confirmation_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(CONFIRM_DIGITS))


def offer_number(session: Session, actor: StaffActor, person_id: int, number_text: str, *,
                 now: datetime | None = None) -> str:
    """A worker gives the person's mobile number. Nothing is linked: `signpost serve` texts the number a
    code (`codes_to_text`), and only the person's reply with it links the number. Returns the number in
    E.164. The code is made by the process that texts it, so it is never stored, only its hash."""
    number = normalise_number(number_text)
    if number is None:
        raise InvalidInput("That does not look like a mobile number. Type it like 07700 900123.")
    with unit_of_work(session, actor, "write.sms.offer_number", "person", now=now) as unit:
        unit.require_person(person_id, staff_only=True)
        unit.subject_id = person_id
        link = session.scalars(select(ChatLink).where(ChatLink.channel == SMS, ChatLink.chat_id == number)).first()
        if link is not None and link.person_id != person_id:
            raise InvalidInput("That number is already linked to someone else's file.")
        if link is not None:
            raise InvalidInput("That number is already linked to this file.")
        row = _number_row(session, number, unit.now)
        if row.stopped_at is not None:
            raise InvalidInput("That number has said STOP. The person can text START to turn messages back on.")
        row.pending_person_id, row.pending_worker_id = person_id, actor.worker_id
        row.pending_code_hash = None  # a new code is texted
        row.pending_expires_at = unit.now + CONFIRM_LIFETIME
        unit.record_change("sms.number_offered", "person", person_id, {}, {}, summary=(
            "A mobile number was added. Signpost texts it a code; it is linked only when the person sends it back."))
    return number


@dataclass(frozen=True)
class CodeToText:
    number: str
    code: str
    language: str


def codes_to_text(session: Session, now: datetime, *, hasher: CodeHasher) -> list[CodeToText]:
    """Numbers a worker added that have not been texted their code yet: a code for each, its hash kept.
    Taken with a conditional update, so with several servers each number gets one code. Commits."""
    begin_write(session)
    try:
        waiting = session.execute(
            select(SmsNumber.phone_number, Person.language)
            .join(Person, Person.id == SmsNumber.pending_person_id)
            .where(SmsNumber.pending_code_hash.is_(None), SmsNumber.pending_expires_at > now,
                   SmsNumber.stopped_at.is_(None))
        ).all()
        found: list[CodeToText] = []
        for number, language in waiting:
            code = new_confirmation_code()
            taken = session.execute(
                update(SmsNumber).where(SmsNumber.phone_number == number, SmsNumber.pending_code_hash.is_(None))
                .values(pending_code_hash=hasher.hash(code)).execution_options(synchronize_session=False))
            if rows_changed(taken):
                found.append(CodeToText(number, code, language or "en"))
        session.commit()
        return found
    except BaseException:
        session.rollback()
        raise


def code_not_texted(session: Session, number: str) -> None:
    """Texting the code failed: it is made and texted again on the next round. Commits."""
    begin_write(session)
    session.execute(update(SmsNumber).where(SmsNumber.phone_number == number).values(pending_code_hash=None)
                    .execution_options(synchronize_session=False))
    session.commit()


def confirm_number(session: Session, number: str, code_text: str, now: datetime, *,
                   hasher: CodeHasher) -> int | None:
    """The person texted back the code their worker's request sent: link the number to their file.
    Returns the person's id, or None when this number has no such code waiting. Commits."""
    code = re.sub(r"\s", "", code_text or "")
    if len(code) != CONFIRM_DIGITS or not code.isdigit():
        return None
    row = session.get(SmsNumber, number)
    if (row is None or row.pending_person_id is None or row.pending_code_hash is None
            or row.pending_expires_at is None or row.pending_expires_at <= now):
        return None
    if not secrets.compare_digest(row.pending_code_hash, hasher.hash(code)):
        return None
    person_id = row.pending_person_id
    begin_write(session)
    try:
        link = session.scalars(select(ChatLink).where(ChatLink.channel == SMS, ChatLink.chat_id == number)).first()
        if link is None:
            link = ChatLink(channel=SMS, chat_id=number, linked_at=now)
            session.add(link)
        link.person_id, link.worker_id, link.linked_at, link.active = person_id, None, now, True
        row.pending_person_id = row.pending_worker_id = None
        row.pending_code_hash = row.pending_expires_at = None
        audit.record(session, _SYSTEM, "write.chat_link", "chat_link", person_id=person_id,
                     detail="linked by the person's reply to a confirmation code", now=now)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return person_id


def pending_numbers(session: Session, person_id: int, now: datetime) -> list[str]:
    """Numbers a worker added for this person that still wait for the person's reply. Caller checks access."""
    return list(session.connection().scalars(_PENDING, {"person_id": person_id, "now": now}))


def wrong_number(session: Session, number: str, now: datetime) -> int | None:
    """"Wrong number" or "not me": unlink the number (and any confirmation waiting for it), note it on the
    file and tell the lead professional. Returns the person's id it was linked to, if any. Commits."""
    begin_write(session)
    try:
        link = session.scalars(select(ChatLink).where(ChatLink.channel == SMS, ChatLink.chat_id == number)).first()
        row = session.get(SmsNumber, number)
        person_id = link.person_id if link is not None else (row.pending_person_id if row is not None else None)
        if row is not None:
            row.pending_person_id = row.pending_worker_id = None
            row.pending_code_hash = row.pending_expires_at = None
        if link is not None:
            session.delete(link)
        if person_id is not None:
            audit.record(session, _SYSTEM, "write.chat_unlink", "chat_link", person_id=person_id,
                         detail="the number said it was the wrong number", now=now)
            session.add(CaseUpdate(
                person_id=person_id, worker_id=None, agency_id=None, actor=f"system:chat:{SMS}", at=now,
                kind="sms.wrong_number", subject="person", subject_id=person_id, field="", before={}, after={},
                summary="The mobile number on the file answered that it is the wrong number. It is no longer "
                        "linked: please check the person's number.", tell_person=False))
            lead = outbox.lead_of(session, person_id)
            if lead is not None:
                outbox.add_worker_notice(session, lead, person_id, WRONG_NUMBER_EVENT, now)
        session.commit()
        return person_id
    except BaseException:
        session.rollback()
        raise


def forget_person(session: Session, person_id: int) -> None:
    """A file being forgotten: any number waiting for this person's confirmation goes. Part of the caller's
    unit. (A number's STOP stays: it is about the phone, not the file.)"""
    session.execute(update(SmsNumber).where(SmsNumber.pending_person_id == person_id).values(
        pending_person_id=None, pending_worker_id=None, pending_code_hash=None, pending_expires_at=None))


# -- the person's choices: discreet texts, and where reminders go -----------------------------------
def set_sms_discreet(session: Session, actor: Actor, person_id: int, discreet: bool, *,
                     now: datetime | None = None) -> None:
    """Discreet texts (on unless turned off): no words like probation, prison or methadone in any text."""
    _change(session, actor, person_id, "sms_discreet", bool(discreet), now)


def set_channel_choice(session: Session, actor: Actor, person_id: int, choice: str, *,
                       now: datetime | None = None) -> None:
    """Telegram, SMS or both: where reminders and workers' messages go."""
    if choice not in CHANNEL_CHOICES:
        raise InvalidInput("Choose Telegram, text messages, or both.")
    _change(session, actor, person_id, "channel_choice", choice, now)


def _change(session: Session, actor: Actor, person_id: int, field: str, value: object,
            now: datetime | None) -> None:
    with unit_of_work(session, actor, f"write.person.{field}", "person", now=now) as unit:
        unit.require_person(person_id)
        unit.subject_id = person_id
        person = session.get(Person, person_id)
        assert person is not None  # require_person found it
        before = getattr(person, field)
        if before == value:
            return
        setattr(person, field, value)
        unit.record_change(f"person.{field}", "person", person_id, {field: before}, {field: value})


def sms_discreet(session: Session, person_id: int) -> bool:
    """Whether this person's texts are discreet (True for anyone not found: the safe side)."""
    found = session.scalar(select(Person.sms_discreet).where(Person.id == person_id))
    return True if found is None else bool(found)


@dataclass(frozen=True)
class SmsSummary:
    """What the console shows about a person's texts. Numbers are shown by their last digits only."""

    numbers: tuple[tuple[str, bool], ...]  # (the number's last 4 digits, stopped)
    waiting: tuple[str, ...]  # last 4 digits of numbers waiting for the person's reply
    channel_choice: str
    discreet: bool


# The summary's reads, built once with bound parameters and reading plain columns (no ORM objects): the
# person's page asks for it every time.
_CHOICES = select(Person.channel_choice, Person.sms_discreet).where(Person.id == bindparam("person_id"))
_SMS_LINKED = (
    select(ChatLink.chat_id, SmsNumber.stopped_at)
    .outerjoin(SmsNumber, SmsNumber.phone_number == ChatLink.chat_id)
    .where(ChatLink.person_id == bindparam("person_id"), ChatLink.channel == SMS).order_by(ChatLink.chat_id)
)
_PENDING = select(SmsNumber.phone_number).where(SmsNumber.pending_person_id == bindparam("person_id"),
                                                SmsNumber.pending_expires_at > bindparam("now"))


def summary(session: Session, person_id: int, now: datetime) -> SmsSummary:
    """The person's text-message numbers, choice and discreet mode. Caller checks access (the page did)."""
    about = {"person_id": person_id}
    choices = session.connection().execute(_CHOICES, about).first()
    linked = session.connection().execute(_SMS_LINKED, about).all()
    return SmsSummary(
        numbers=tuple((number[-4:], stopped is not None) for number, stopped in linked),
        waiting=tuple(number[-4:] for number in pending_numbers(session, person_id, now)),
        channel_choice=choices.channel_choice if choices is not None else "both",
        discreet=bool(choices.sms_discreet) if choices is not None else True,
    )
