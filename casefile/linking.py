"""Link codes and chat links: how a Telegram (or terminal) chat comes to belong to a person or a worker.

A key worker or the release pack hands over a one-time code such as `K7QM-4XTR`. The code is shown
once and only its scrypt hash is kept. It runs out after 14 days (by default), works once, and a
chat that gets five codes wrong in an hour is locked out for an hour, so guessing cannot work:
8 characters from 31 give about 8.5 × 10¹¹ codes.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, and_, bindparam, case, delete, literal, null, or_, select, update
from sqlalchemy.orm import Session

from casefile import audit, plan_marks
from casefile.actors import Actor, StaffActor, SystemActor, actor_label
from casefile.db import begin_write, rows_changed, upsert_insert
from casefile.errors import (
    ChatLocked,
    InvalidInput,
    LinkCodeExpired,
    LinkCodeInvalid,
    LinkCodeUsed,
    NotFound,
    PermissionDenied,
)
from casefile.models import MESSAGE_CHANNELS, ChatLink, LinkAttempt, LinkCode, Person, SmsNumber, Worker
from casefile.types import UTCDateTime
from casefile.unit import aware_now, unit_of_work

# No 0/O, 1/I/L: nothing that reads as something else on a printed release pack.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
DEFAULT_DAYS = 14
MAX_DAYS = 90
LOCK_AFTER_FAILURES = 5
LOCK_FOR = timedelta(hours=1)
FAILURE_WINDOW = timedelta(hours=1)
_SEPARATORS = str.maketrans("", "", " -_.\t")

# Built once: redeeming runs for every guess, so it avoids rebuilding statements each time.
_ONE_ROW = select(literal(1).label("one")).subquery("one_row")
_LOCKED_UNTIL = (
    select(LinkAttempt.locked_until)
    .where(LinkAttempt.channel == bindparam("b_channel"), LinkAttempt.chat_id == bindparam("b_chat"))
    .scalar_subquery()
)
# The chat's lock and the code (if there is one) in a single round trip.
_LOCK_AND_CODE = select(
    _LOCKED_UNTIL.label("locked_until"), LinkCode.id, LinkCode.person_id, LinkCode.worker_id,
    LinkCode.expires_at, LinkCode.used_at, LinkCode.revoked_at,
).select_from(_ONE_ROW.outerjoin(LinkCode, LinkCode.code_hash == bindparam("b_code_hash")))
# One row of _LOCK_AND_CODE: the chat's lock, then the code's id, person_id, worker_id, expires_at, used_at
# and revoked_at (all None when no code matched).
_FoundCode = Row[datetime | None, int, int | None, int | None, datetime, datetime | None, datetime | None]
_COUNT_CODE_ATTEMPT = (
    update(LinkCode).where(LinkCode.id == bindparam("b_code_id")).values(attempts=LinkCode.attempts + 1)
)
# Using the code is conditional, so two chats racing with the same code cannot both have it.
_USE_CODE = (
    update(LinkCode)
    .where(LinkCode.id == bindparam("b_code_id"), LinkCode.used_at.is_(None), LinkCode.revoked_at.is_(None),
           LinkCode.expires_at > bindparam("b_now", type_=UTCDateTime()))
    .values(used_at=bindparam("b_used_at", type_=UTCDateTime()))
)
_LOCK_CHAT = (
    update(LinkAttempt)
    .where(LinkAttempt.channel == bindparam("b_channel"), LinkAttempt.chat_id == bindparam("b_chat"))
    .values(locked_until=bindparam("b_until", type_=UTCDateTime()))
)


def _failure_upsert(dialect_name: str) -> Any:
    """Count one wrong code for a chat in one atomic statement, starting a new window when the old one
    (or an old lock) has run out. Returns the new count and any lock another request set meanwhile."""
    insert = upsert_insert(dialect_name)
    now = bindparam("b_now", type_=UTCDateTime())
    old_lock_over = and_(LinkAttempt.locked_until.is_not(None), LinkAttempt.locked_until <= now)
    window_over = and_(LinkAttempt.locked_until.is_(None),
                       LinkAttempt.window_start <= bindparam("b_window_cutoff", type_=UTCDateTime()))
    start_again = or_(old_lock_over, window_over)
    statement = insert(LinkAttempt).values(
        channel=bindparam("b_channel"), chat_id=bindparam("b_chat"), failures=1, window_start=now,
    )
    return statement.on_conflict_do_update(
        index_elements=[LinkAttempt.channel, LinkAttempt.chat_id],
        set_={
            "failures": case((start_again, 1), else_=LinkAttempt.failures + 1),
            "window_start": case((start_again, now), else_=LinkAttempt.window_start),
            "locked_until": case((start_again, null()), else_=LinkAttempt.locked_until),
        },
    ).returning(LinkAttempt.failures, LinkAttempt.locked_until)


_FAILURE_UPSERT = {name: _failure_upsert(name) for name in ("postgresql", "sqlite")}


@dataclass(frozen=True)
class CodeHasher:
    """scrypt with a fixed salt and an optional pepper, so a code's hash can be looked up directly.

    The default cost makes each guess against a stolen database take tens of milliseconds, far too
    slow to try every code. Tests may pass a cheaper hasher; the code path is the same. The pepper
    is the installation's SIGNPOST_LINK_CODE_PEPPER: `Settings.link_hasher` (bot/settings.py) makes the
    hasher every code is issued and redeemed with, and the callers pass it in.
    """

    n: int = 2**14
    r: int = 8
    p: int = 1
    pepper: str = field(default="", repr=False)

    def hash(self, normalised_code: str) -> str:
        salt = b"signpost-link-code\x00" + self.pepper.encode()
        digest = hashlib.scrypt(
            normalised_code.encode(), salt=salt, n=self.n, r=self.r, p=self.p, maxmem=64 * 1024 * 1024, dklen=32
        )
        return digest.hex()


def new_code(length: int = CODE_LENGTH) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalise_code(text: str) -> str | None:
    """'k7qm 4xtr' or 'K7QM-4XTR' -> 'K7QM4XTR'; None when it cannot be a code at all."""
    code = (text or "").translate(_SEPARATORS).upper()
    if len(code) != CODE_LENGTH or any(char not in ALPHABET for char in code):
        return None
    return code


def display_code(code: str) -> str:
    """Grouped in fours for reading aloud and copying: K7QM-4XTR."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


@dataclass(frozen=True)
class IssuedCode:
    code: str  # grouped for display, like K7QM-4XTR; shown once, never stored
    expires_at: datetime
    link_code_id: int


def issue_link_code(
    session: Session,
    actor: Actor,
    person_id: int | None = None,
    worker_id: int | None = None,
    days: int = DEFAULT_DAYS,
    *,
    now: datetime | None = None,
    hasher: CodeHasher,
) -> str:
    """A new one-time code for a person (or a worker), shown once. Older unused codes stop working."""
    return issue_code(session, actor, person_id, worker_id, days, now=now, hasher=hasher).code


def issue_code(
    session: Session,
    actor: Actor,
    person_id: int | None = None,
    worker_id: int | None = None,
    days: int = DEFAULT_DAYS,
    *,
    now: datetime | None = None,
    hasher: CodeHasher,
) -> IssuedCode:
    """Like `issue_link_code`, with when the code runs out (for the command line and staff tools)."""
    if (person_id is None) == (worker_id is None):
        raise InvalidInput("A link code is for one person or one worker.")
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"A link code can last from 1 to {MAX_DAYS} days.")
    with unit_of_work(session, actor, "write.link_code.issue", "link_code", now=now) as unit:
        if person_id is not None:
            unit.require_person(person_id, staff_only=True)
            owner = LinkCode.person_id == person_id
        else:
            if not (isinstance(actor, SystemActor)
                    or (isinstance(actor, StaffActor) and actor.worker_id == worker_id)):
                raise PermissionDenied("Only Signpost's own tools can make a code for another worker.")
            if session.get(Worker, worker_id) is None:
                raise NotFound("Sorry, we could not find that worker.")
            owner = LinkCode.worker_id == worker_id
        for older in session.scalars(
            select(LinkCode).where(owner, LinkCode.used_at.is_(None), LinkCode.revoked_at.is_(None))
        ):
            older.revoked_at = unit.now
        code = new_code()
        row = LinkCode(
            code_hash=hasher.hash(code),
            person_id=person_id,
            worker_id=worker_id,
            issued_by=actor_label(actor),
            created_at=unit.now,
            expires_at=unit.now + timedelta(days=days),
        )
        session.add(row)
        session.flush()
        unit.subject_id = row.id
        unit.detail = f"expires {row.expires_at.isoformat()}"
        if person_id is not None:
            unit.record_change("link_code.issued", "link_code", row.id, {}, {"expires_at": row.expires_at})
        return IssuedCode(code=display_code(code), expires_at=row.expires_at, link_code_id=row.id)


def redeem_link_code(
    session: Session,
    channel: str,
    chat_id: str | int,
    code: str,
    now: datetime,
    *,
    hasher: CodeHasher,
) -> ChatLink:
    """Link this chat to whoever the code was for, or raise LinkCodeInvalid / ChatLocked.

    Every wrong, used or run-out code counts against the chat; the fifth in an hour locks it for an hour.
    Guesses are the common case here, so the failure path uses plain SQL statements and no ORM objects.
    """
    now = aware_now(now)
    chat = str(chat_id)
    normalised = normalise_code(code)
    # Hash before taking any lock: scrypt is the slow part.
    code_hash = hasher.hash(normalised) if normalised else None
    begin_write(session)
    try:
        connection = session.connection()
        found = connection.execute(
            _LOCK_AND_CODE, {"b_channel": channel, "b_chat": chat, "b_code_hash": code_hash or ""}
        ).one()
        if found.locked_until is not None and found.locked_until > now:
            raise ChatLocked(found.locked_until)
        problem = _problem_with(found, now)
        if problem is None and not _use_code(session, found.id, now):
            problem = LinkCodeUsed()  # another chat used it a moment ago
        if problem is not None:
            if found.id is not None:
                connection.execute(_COUNT_CODE_ATTEMPT, {"b_code_id": found.id})
            locked_until = _count_failure(session, channel, chat, now)
            session.commit()
            raise ChatLocked(locked_until) if locked_until else problem
        link = _link(session, found, channel, chat, now)
        session.commit()
        return link
    except BaseException:
        session.rollback()
        raise


def _problem_with(found: _FoundCode, now: datetime) -> LinkCodeInvalid | None:
    if found.id is None:
        return LinkCodeInvalid()
    if found.used_at is not None:
        return LinkCodeUsed()
    if found.revoked_at is not None or found.expires_at <= now:
        return LinkCodeExpired()
    return None


def _use_code(session: Session, code_id: int, now: datetime) -> bool:
    result = session.connection().execute(_USE_CODE, {"b_code_id": code_id, "b_now": now, "b_used_at": now})
    return bool(result.rowcount == 1)


def _count_failure(session: Session, channel: str, chat: str, now: datetime) -> datetime | None:
    """Count a wrong code against the chat; returns when the lock-out ends if the chat is now locked."""
    connection = session.connection()
    counted = connection.execute(
        _FAILURE_UPSERT[connection.dialect.name],
        {"b_channel": channel, "b_chat": chat, "b_now": now, "b_window_cutoff": now - FAILURE_WINDOW},
    ).one()
    if counted.locked_until is not None and counted.locked_until > now:
        return counted.locked_until  # locked by another request from this chat just now
    if counted.failures < LOCK_AFTER_FAILURES:
        return None
    until = now + LOCK_FOR
    connection.execute(_LOCK_CHAT, {"b_channel": channel, "b_chat": chat, "b_until": until})
    audit.record(session, SystemActor(f"chat:{channel}"), "link_code.locked", "chat", outcome=audit.DENIED,
                 detail=f"{LOCK_AFTER_FAILURES} wrong codes within an hour", now=now)
    return until


def _link(session: Session, found: _FoundCode, channel: str, chat: str, now: datetime) -> ChatLink:
    link = session.scalars(
        select(ChatLink).where(ChatLink.channel == channel, ChatLink.chat_id == chat)
    ).first()
    if link is None:
        link = ChatLink(channel=channel, chat_id=chat, linked_at=now)
        session.add(link)
    link.person_id, link.worker_id, link.linked_at = found.person_id, found.worker_id, now
    session.execute(delete(LinkAttempt).where(LinkAttempt.channel == channel, LinkAttempt.chat_id == chat))
    audit.record(session, SystemActor(f"chat:{channel}"), "write.chat_link", "chat_link",
                 subject_id=found.id, person_id=found.person_id, detail="linked with a code", now=now)
    session.flush()
    return link


def chat_link_for(session: Session, channel: str, chat_id: str | int) -> ChatLink | None:
    """Who this chat belongs to: a ChatLink with person_id or worker_id set, or None if not linked."""
    return session.scalars(
        select(ChatLink).where(ChatLink.channel == channel, ChatLink.chat_id == str(chat_id))
    ).first()


def unlink_chat(
    session: Session, channel: str, chat_id: str | int, *, actor: Actor | None = None,
    now: datetime | None = None,
) -> bool:
    """Forget which person or worker this chat belongs to. Returns False if it was not linked."""
    now = aware_now(now)
    begin_write(session)
    try:
        link = chat_link_for(session, channel, chat_id)
        if link is None:
            session.rollback()
            return False
        audit.record(session, actor or SystemActor(f"chat:{channel}"), "write.chat_unlink", "chat_link",
                     subject_id=link.id, person_id=link.person_id, now=now)
        session.delete(link)
        session.commit()
        return True
    except BaseException:
        session.rollback()
        raise


@dataclass(frozen=True)
class ChatOwner:
    """Who a chat belongs to, and the language to talk in: what every incoming message needs first."""

    person_id: int | None
    worker_id: int | None
    language: str | None  # the person's chosen language; None for a worker's chat
    active: bool = True  # False after Telegram said the bot was blocked; the chat writing again ends that


# Built once: it runs for every incoming message.
_CHAT_OWNER = (
    select(ChatLink.person_id, ChatLink.worker_id, Person.language, ChatLink.active)
    .outerjoin(Person, Person.id == ChatLink.person_id)
    .where(ChatLink.channel == bindparam("channel"), ChatLink.chat_id == bindparam("chat_id"))
)


# A chat Signpost may send to unasked: linked, not blocked, and (a text-message number) not stopped.
_REACHABLE = (
    ChatLink.active.is_(True) & ChatLink.channel.in_(MESSAGE_CHANNELS)
    & ~select(SmsNumber.phone_number).where(SmsNumber.phone_number == ChatLink.chat_id, ChatLink.channel == "sms",
                                            SmsNumber.stopped_at.is_not(None)).exists()
)


# Built once, with bound parameters: building a statement cost more than running it (a page asks each time).
_CHANNELS_OF = (select(ChatLink.channel).distinct().where(ChatLink.person_id == bindparam("person_id"), _REACHABLE)
                .order_by(ChatLink.channel))
_PEOPLE_REACHABLE = select(ChatLink.person_id).distinct().where(
    ChatLink.person_id.in_(bindparam("person_ids", expanding=True)), _REACHABLE)


def message_channels(session: Session, person_id: int) -> tuple[str, ...]:
    """The channels a message can reach this person on now (linked, not blocked, not stopped). Caller checks
    access."""
    return tuple(session.connection().scalars(_CHANNELS_OF, {"person_id": person_id}))


def people_with_message_channels(session: Session, person_ids: list[int]) -> set[int]:
    """Which of these people a message can reach now. Caller checks access (a caseload it has just shown)."""
    if not person_ids:
        return set()
    return set(session.connection().scalars(_PEOPLE_REACHABLE, {"person_ids": person_ids}))


def reminder_channels(session: Session, person_id: int) -> tuple[str, ...]:
    """Where this person's reminders and workers' messages go now: the channels they chose (Telegram, SMS or
    both) that can reach them (linked, not blocked, a number not stopped). Empty: send nothing."""
    return reminder_channels_for(session, [person_id]).get(person_id, ())


def reminder_channels_for(session: Session, person_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """`reminder_channels` for many people in one query (the dispatcher's batch); people with none are left out."""
    if not person_ids:
        return {}
    found: dict[int, list[str]] = {}
    rows = session.execute(
        select(ChatLink.person_id, ChatLink.channel, Person.channel_choice).distinct()
        .join(Person, Person.id == ChatLink.person_id)
        .where(ChatLink.person_id.in_(person_ids), _REACHABLE)
        .order_by(ChatLink.person_id, ChatLink.channel)
    )
    for person_id, channel, choice in rows:
        if person_id is not None and (choice in (None, "both") or choice == channel):
            found.setdefault(person_id, []).append(channel)
    return {person_id: tuple(channels) for person_id, channels in found.items()}


def chat_owner(session: Session, channel: str, chat_id: str | int) -> ChatOwner | None:
    """The owner of a linked chat in one query (the chat link and the person's language), or None."""
    row = session.execute(_CHAT_OWNER, {"channel": channel, "chat_id": str(chat_id)}).first()
    if row is None:
        return None
    return ChatOwner(row.person_id, row.worker_id, row.language, bool(row.active))


def reactivate_if_needed(
    session: Session, channel: str, chat_id: str | int, owner: ChatOwner, *, now: datetime | None = None,
) -> bool:
    """A chat marked inactive (the bot was blocked) has written again: messages may go to it again.

    Costs nothing for an active chat. Otherwise it ends the session's current (reading) transaction
    and makes the change in its own writing one, audited; returns True when it turned the link back on.
    """
    if owner.active:
        return False
    now = aware_now(now)
    session.commit()
    begin_write(session)
    try:
        changed = rows_changed(session.execute(
            update(ChatLink)
            .where(ChatLink.channel == channel, ChatLink.chat_id == str(chat_id), ChatLink.active.is_(False))
            .values(active=True)
            .execution_options(synchronize_session=False)
        ))
        if changed:
            plan_marks.mark(session.connection(), [owner.person_id])
            audit.record(session, SystemActor(f"chat:{channel}"), "write.chat_link.active", "chat_link",
                         person_id=owner.person_id, detail="the chat wrote again after a block", now=now)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return bool(changed)
