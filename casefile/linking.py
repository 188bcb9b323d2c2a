"""Link codes and chat links: how a Telegram (or terminal) chat comes to belong to a person or a worker.

A key worker or the release pack hands over a one-time code such as `K7QM-4XTR`. The code is shown
once and only its scrypt hash is kept. It runs out after 14 days (by default), works once, and a
chat that gets five codes wrong in an hour is locked out for an hour, so guessing cannot work:
8 characters from 31 give about 8.5 × 10¹¹ codes.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from casefile import audit
from casefile.actors import Actor, StaffActor, SystemActor, actor_label
from casefile.db import begin_write
from casefile.errors import (
    ChatLocked,
    InvalidInput,
    LinkCodeExpired,
    LinkCodeInvalid,
    LinkCodeUsed,
    NotFound,
    PermissionDenied,
)
from casefile.models import ChatLink, LinkAttempt, LinkCode, Worker
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
_ATTEMPTS_FOR_CHAT = (
    select(LinkAttempt.failures, LinkAttempt.window_start, LinkAttempt.locked_until)
    .where(LinkAttempt.channel == bindparam("channel"), LinkAttempt.chat_id == bindparam("chat"))
    .with_for_update()
)
_CODE_BY_HASH = (
    select(LinkCode.id, LinkCode.person_id, LinkCode.worker_id, LinkCode.expires_at, LinkCode.used_at,
           LinkCode.revoked_at)
    .where(LinkCode.code_hash == bindparam("code_hash"))
    .with_for_update()
)
_COUNT_CODE_ATTEMPT = (
    update(LinkCode).where(LinkCode.id == bindparam("code_id")).values(attempts=LinkCode.attempts + 1)
)
_SET_ATTEMPTS = (
    update(LinkAttempt)
    .where(LinkAttempt.channel == bindparam("for_channel"), LinkAttempt.chat_id == bindparam("chat"))
    .values(failures=bindparam("new_failures"), window_start=bindparam("new_window_start"),
            locked_until=bindparam("new_locked_until"))
)


@dataclass(frozen=True)
class CodeHasher:
    """scrypt with a fixed salt and an optional pepper, so a code's hash can be looked up directly.

    The default cost makes each guess against a stolen database take tens of milliseconds, far too
    slow to try every code. Tests may pass a cheaper hasher; the code path is the same.
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


def default_hasher() -> CodeHasher:
    """The production hasher, with the pepper from SIGNPOST_LINK_CODE_PEPPER if it is set."""
    return CodeHasher(pepper=os.environ.get("SIGNPOST_LINK_CODE_PEPPER", ""))


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
    hasher: CodeHasher | None = None,
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
    hasher: CodeHasher | None = None,
) -> IssuedCode:
    """Like `issue_link_code`, with when the code runs out (for the command line and staff tools)."""
    if (person_id is None) == (worker_id is None):
        raise InvalidInput("A link code is for one person or one worker.")
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"A link code can last from 1 to {MAX_DAYS} days.")
    hasher = hasher or default_hasher()
    with unit_of_work(session, actor, "write.link_code.issue", "link_code", now=now) as unit:
        if person_id is not None:
            unit.require_person(person_id)
            owner = LinkCode.person_id == person_id
        else:
            if not (isinstance(actor, SystemActor) or actor == StaffActor(worker_id)):  # type: ignore[arg-type]
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
    hasher: CodeHasher | None = None,
) -> ChatLink:
    """Link this chat to whoever the code was for, or raise LinkCodeInvalid / ChatLocked.

    Every wrong, used or run-out code counts against the chat; the fifth in an hour locks it for an hour.
    Guesses are the common case here, so the failure path uses plain SQL statements and no ORM objects.
    """
    now = aware_now(now)
    chat = str(chat_id)
    normalised = normalise_code(code)
    # Hash before taking any lock: scrypt is the slow part.
    code_hash = (hasher or default_hasher()).hash(normalised) if normalised else None
    begin_write(session)
    try:
        connection = session.connection()
        attempts = connection.execute(_ATTEMPTS_FOR_CHAT, {"channel": channel, "chat": chat}).first()
        if attempts is not None and attempts.locked_until is not None and attempts.locked_until > now:
            raise ChatLocked(attempts.locked_until)
        found = None
        if code_hash is not None:
            found = connection.execute(_CODE_BY_HASH, {"code_hash": code_hash}).first()
        problem = _problem_with(found, now)
        if problem is not None:
            if found is not None:
                connection.execute(_COUNT_CODE_ATTEMPT, {"code_id": found.id})
            locked_until = _count_failure(session, attempts, channel, chat, now)
            session.commit()
            raise ChatLocked(locked_until) if locked_until else problem
        link = _link(session, found, channel, chat, now)
        session.commit()
        return link
    except BaseException:
        session.rollback()
        raise


def _problem_with(found: Row[Any] | None, now: datetime) -> LinkCodeInvalid | None:
    if found is None:
        return LinkCodeInvalid()
    if found.used_at is not None:
        return LinkCodeUsed()
    if found.revoked_at is not None or found.expires_at <= now:
        return LinkCodeExpired()
    return None


def _count_failure(
    session: Session, attempts: Row[Any] | None, channel: str, chat: str, now: datetime
) -> datetime | None:
    """Count a wrong code against the chat; returns the lock-out end if this one locked it."""
    connection = session.connection()
    if attempts is None:
        insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        first = insert(LinkAttempt).values(channel=channel, chat_id=chat, failures=1, window_start=now)
        # Another request from the same chat may have inserted the row a moment ago.
        connection.execute(first.on_conflict_do_update(
            index_elements=[LinkAttempt.channel, LinkAttempt.chat_id],
            set_={"failures": LinkAttempt.failures + 1},
        ))
        return None
    if attempts.window_start + FAILURE_WINDOW <= now or attempts.locked_until is not None:
        failures, window_start = 1, now
    else:
        failures, window_start = attempts.failures + 1, attempts.window_start
    locked_until = now + LOCK_FOR if failures >= LOCK_AFTER_FAILURES else None
    connection.execute(_SET_ATTEMPTS, {"for_channel": channel, "chat": chat, "new_failures": failures,
                                       "new_window_start": window_start, "new_locked_until": locked_until})
    if locked_until is not None:
        audit.record(session, SystemActor(f"chat:{channel}"), "link_code.locked", "chat", outcome=audit.DENIED,
                     detail=f"{LOCK_AFTER_FAILURES} wrong codes within an hour", now=now)
    return locked_until


def _link(session: Session, found: Row[Any], channel: str, chat: str, now: datetime) -> ChatLink:
    session.execute(update(LinkCode).where(LinkCode.id == found.id).values(used_at=now))
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
