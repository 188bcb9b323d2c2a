"""Staff console accounts: add, list, sign in by password or one-time link. Every change is audited.

A worker account acts on the case file as `StaffActor(worker_id)`, so the service layer's caseload
rules apply unchanged. Editors and admins have no Worker row; they are audited as the system actor
`console:<account id>`.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from sqlalchemy import Connection, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from casefile import audit
from casefile.actors import Actor, StaffActor, SystemActor
from casefile.db import begin_write
from casefile.errors import CasefileError, InvalidInput, NotFound, PermissionDenied
from casefile.models import STAFF_ROLES, SignInToken, StaffAccount, Worker
from console.security import hash_password, hash_token, password_problem, verify_password

LOCK_AFTER_FAILURES = 5
LOCK_MINUTES = 15
SIGN_IN_LINK_MINUTES = 30
_EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[^@\s<>\"']{1,189}\.[^@\s<>\"']{1,60}$")


class SignInRefused(CasefileError):
    default_message = "That email address or password is not right. Please try again."
    unknown_email = False  # no account has this address (the page answers it as it would a real account)


class AccountLocked(CasefileError):
    def __init__(self, until: datetime) -> None:
        self.until = until
        super().__init__(
            "Too many wrong passwords. Please wait 15 minutes and try again, or ask an admin for a sign-in link."
        )


@dataclass(frozen=True)
class Principal:
    """Who is signed in, as the pages need it."""

    account_id: int
    email: str
    role: str
    worker_id: int | None
    worker_name: str | None
    sessions_valid_after: datetime | None
    must_change_password: bool = False
    second_factor: bool = False  # a TOTP app is set up (console/second_factor.py); admins must have one

    @property
    def actor(self) -> Actor:
        if self.worker_id is not None:
            return StaffActor(self.worker_id)
        return SystemActor(f"console:{self.account_id}")

    @property
    def own_worker_id(self) -> int:
        """The worker a worker's account acts as (pages for the worker role only)."""
        # add_account gives every worker account its worker, so this refuses only a broken account.
        if self.worker_id is None:
            raise PermissionDenied("This account is not linked to a worker.")
        return self.worker_id

    @property
    def display_name(self) -> str:
        return self.worker_name or self.email


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def check_email(email: str) -> str:
    email = normalise_email(email)
    if not _EMAIL.match(email):
        raise InvalidInput("Please write a whole email address, like name@example.org.")
    return email


def add_account(
    session: Session, actor: Actor, email: str, role: str, *, worker_ref: str | None = None,
    password: str | None = None, temporary: bool = False, hasher: PasswordHasher, now: datetime,
) -> StaffAccount:
    """Add a staff account. A worker account needs the worker's reference.

    `temporary`: the password is one an admin chose, which works only to choose the person's own.
    """
    email = check_email(email)
    if role not in STAFF_ROLES:
        raise InvalidInput(f"The role must be one of: {', '.join(STAFF_ROLES)}.")
    if password is not None and (problem := password_problem(password, known_words=(email,))):
        raise InvalidInput(problem)
    begin_write(session)
    try:
        worker_id = None
        if worker_ref:
            worker = session.scalars(select(Worker).where(Worker.ref == worker_ref.strip())).first()
            if worker is None:
                raise NotFound("No worker has that reference.")
            worker_id = worker.id
        if role == "worker" and worker_id is None:
            raise InvalidInput("A worker account needs the worker's reference (--worker REF).")
        account = StaffAccount(
            email=email, role=role, worker_id=worker_id, active=True, created_at=now, failed_sign_ins=0,
            password_hash=hash_password(hasher, password) if password else None,
            must_change_password=bool(password) and temporary,
        )
        session.add(account)
        session.flush()
        audit.record(session, actor, "write.staff_account.add", "staff_account", subject_id=account.id,
                     detail=f"{email} as {role}", now=now)
        session.commit()
    except IntegrityError:
        session.rollback()
        raise InvalidInput("There is already an account with that email address, or for that worker.") from None
    except BaseException:
        session.rollback()
        raise
    return account


def list_accounts(session: Session) -> list[tuple[StaffAccount, str | None, str | None]]:
    """Every account with its worker's reference and name, by email."""
    rows = session.execute(
        select(StaffAccount, Worker.ref, Worker.name)
        .outerjoin(Worker, Worker.id == StaffAccount.worker_id)
        .order_by(StaffAccount.email)
    ).all()
    return [(account, ref, name) for account, ref, name in rows]


def find_account(session: Session, email: str, *, for_update: bool = False) -> StaffAccount | None:
    query = select(StaffAccount).where(StaffAccount.email == normalise_email(email))
    return session.scalars(query.with_for_update() if for_update else query).first()


def issue_sign_in_link(session: Session, actor: Actor, account_id: int, *, now: datetime,
                       minutes: int = SIGN_IN_LINK_MINUTES) -> str:
    """A one-time sign-in token for the account, shown once. Older unused tokens stop working."""
    begin_write(session)
    try:
        account = session.get(StaffAccount, account_id)
        if account is None or not account.active:
            raise NotFound("There is no such account.")
        for older in session.scalars(select(SignInToken).where(SignInToken.account_id == account_id,
                                                               SignInToken.used_at.is_(None))):
            older.used_at = now
        token = secrets.token_urlsafe(32)
        session.add(SignInToken(token_hash=hash_token(token), account_id=account_id, created_at=now,
                                expires_at=now + timedelta(minutes=minutes)))
        audit.record(session, actor, "write.sign_in_link.issue", "staff_account", subject_id=account_id, now=now)
        session.commit()
        return token
    except BaseException:
        session.rollback()
        raise


def set_temporary_password(session: Session, actor: Actor, account_id: int, password: str, *,
                           hasher: PasswordHasher, now: datetime) -> StaffAccount:
    """An admin's reset: a password that works only to choose a new one. Ends the account's sessions and links."""
    begin_write(session)
    try:
        account = session.get(StaffAccount, account_id)
        if account is None:
            raise NotFound("There is no such account.")
        if (problem := password_problem(password, known_words=(account.email,))):
            raise InvalidInput(problem)
        account.password_hash = hash_password(hasher, password)
        account.must_change_password = True
        account.sessions_valid_after = now
        account.failed_sign_ins, account.locked_until = 0, None
        for link in session.scalars(select(SignInToken).where(SignInToken.account_id == account_id,
                                                              SignInToken.used_at.is_(None))):
            link.used_at = now
        audit.record(session, actor, "write.staff_account.temporary_password", "staff_account",
                     subject_id=account.id, now=now)
        session.commit()
        return account
    except BaseException:
        session.rollback()
        raise


ACCOUNT_CHANGES = ("disable", "enable", "unlock", "role", "reset_second_factor")


def change_account(session: Session, actor: Actor, account_id: int, change: str, *, role: str | None = None,
                   acting_account_id: int, now: datetime) -> StaffAccount:
    """An admin switches an account off or on, unlocks it, or changes its role. Audited as the admin."""
    if change not in ACCOUNT_CHANGES:
        raise InvalidInput("Choose what to change.")
    begin_write(session)
    try:
        account = session.get(StaffAccount, account_id, with_for_update=True)
        if account is None:
            raise NotFound("There is no such account.")
        if account_id == acting_account_id and change in ("disable", "role"):
            # An admin who switched themself off, or stopped being an admin, could lock everyone out.
            raise InvalidInput("You cannot switch off your own account or change your own role. Ask another admin.")
        if account_id == acting_account_id and change == "reset_second_factor":
            raise InvalidInput("You cannot reset your own second factor. Ask another admin.")
        detail = change
        if change == "disable":
            account.active = False
            account.sessions_valid_after = now
        elif change == "enable":
            account.active = True
        elif change == "unlock":
            account.failed_sign_ins, account.locked_until = 0, None
        elif change == "reset_second_factor":
            # Someone lost their phone: they sign in with their password alone and set up a new app
            # (an admin is sent to set it up at once). Their sessions end, so a stolen one goes too.
            if account.totp_secret is None and account.totp_pending_secret is None:
                raise InvalidInput(f"{account.email} has no second factor to reset.")
            account.totp_secret = account.totp_pending_secret = None
            account.totp_last_step = account.totp_set_up_at = None
            account.sessions_valid_after = now
        else:
            if role not in STAFF_ROLES:
                raise InvalidInput(f"The role must be one of: {', '.join(STAFF_ROLES)}.")
            if role == "worker" and account.worker_id is None:
                raise InvalidInput("Only an account made for a worker's record can be a worker account.")
            detail = f"role {account.role} -> {role}"
            account.role = role
            account.sessions_valid_after = now  # pages already open must not keep the old role's powers
        audit.record(session, actor, f"write.staff_account.{change}", "staff_account", subject_id=account.id,
                     detail=detail, now=now)
        session.commit()
        return account
    except BaseException:
        session.rollback()
        raise


def change_own_password(session: Session, account_id: int, current: str, new: str, *,
                        hasher: PasswordHasher, now: datetime) -> Principal:
    """The signed-in person chooses their own password; audited as them. Other sessions end."""
    begin_write(session)
    try:
        account = session.get(StaffAccount, account_id, with_for_update=True)
        if account is None or not account.active:
            raise NotFound("There is no such account.")
        if not verify_password(hasher, account.password_hash, current):
            raise InvalidInput("Your current password is not right. Please try again.")
        if new == current:
            raise InvalidInput("Please choose a password that is not the one you have now.")
        if (problem := password_problem(new, known_words=(account.email,))):
            raise InvalidInput(problem)
        account.password_hash = hash_password(hasher, new)
        account.must_change_password = False
        account.sessions_valid_after = now
        principal = principal_of(session, account)
        audit.record(session, principal.actor, "write.staff_account.own_password", "staff_account",
                     subject_id=account.id, now=now)
        session.commit()
        return principal
    except BaseException:
        session.rollback()
        raise


def sign_in_with_password(session: Session, email: str, password: str, *, hasher: PasswordHasher,
                          now: datetime) -> Principal:
    """The account if the password is right; SignInRefused or AccountLocked otherwise. Audited either way."""
    begin_write(session)
    try:
        # The row stays locked until the commit (PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the file),
        # so guesses sent at once, to any console process, each count: none is lost between read and write.
        account = find_account(session, email, for_update=True)
        if account is not None and account.locked_until is not None and account.locked_until > now:
            verify_password(hasher, None, password)  # same work as a real check
            audit.record(session, SystemActor("console"), "sign_in.password", "staff_account",
                         subject_id=account.id, outcome=audit.DENIED, detail="locked", now=now)
            session.commit()
            raise AccountLocked(account.locked_until)
        good = verify_password(hasher, account.password_hash if account and account.active else None, password)
        if account is None or not good:
            detail = "unknown email" if account is None else "wrong password"
            if account is not None:
                account.failed_sign_ins += 1
                if account.failed_sign_ins >= LOCK_AFTER_FAILURES:
                    account.locked_until = now + timedelta(minutes=LOCK_MINUTES)
                    account.failed_sign_ins = 0
                    detail += ", account locked"
            audit.record(session, SystemActor("console"), "sign_in.password", "staff_account",
                         subject_id=account.id if account else None, outcome=audit.DENIED, detail=detail, now=now)
            session.commit()
            if account is not None and account.locked_until is not None and account.locked_until > now:
                raise AccountLocked(account.locked_until)
            refused = SignInRefused()
            refused.unknown_email = account is None
            raise refused
        if hasher.check_needs_rehash(account.password_hash or ""):
            account.password_hash = hash_password(hasher, password)
        account.failed_sign_ins, account.locked_until, account.last_sign_in_at = 0, None, now
        audit.record(session, SystemActor("console"), "sign_in.password", "staff_account",
                     subject_id=account.id, now=now)
        session.commit()
        return principal_of(session, account)
    except BaseException:
        session.rollback()
        raise


def sign_in_with_link(session: Session, token: str, *, now: datetime) -> Principal:
    """Use a one-time sign-in token. It works once, before it runs out."""
    begin_write(session)
    try:
        # Locked until the commit, so a link opened twice at once still works only once.
        row = session.scalars(select(SignInToken).where(SignInToken.token_hash == hash_token(token or ""))
                              .with_for_update()).first()
        account = session.get(StaffAccount, row.account_id) if row is not None else None
        if row is None or row.used_at is not None or row.expires_at <= now or account is None or not account.active:
            audit.record(session, SystemActor("console"), "sign_in.link", "staff_account",
                         subject_id=row.account_id if row else None, outcome=audit.DENIED,
                         detail="unknown, used or expired link", now=now)
            session.commit()
            raise SignInRefused("That sign-in link has been used or has run out. Please ask an admin for a new one.")
        row.used_at = now
        account.last_sign_in_at = now
        account.failed_sign_ins, account.locked_until = 0, None
        audit.record(session, SystemActor("console"), "sign_in.link", "staff_account", subject_id=account.id, now=now)
        session.commit()
        return principal_of(session, account)
    except BaseException:
        session.rollback()
        raise


def sign_out_everywhere(session: Session, account_id: int, *, now: datetime) -> None:
    """Sessions issued before now stop working: a copied cookie is useless after signing out."""
    begin_write(session)
    try:
        account = session.get(StaffAccount, account_id)
        if account is not None:
            account.sessions_valid_after = now
            audit.record(session, SystemActor("console"), "sign_out", "staff_account", subject_id=account_id, now=now)
        session.commit()
    except BaseException:
        session.rollback()
        raise


# Every page asks this, so it is one statement built once, selecting plain columns (no ORM objects).
_PRINCIPAL = (
    select(StaffAccount.id, StaffAccount.email, StaffAccount.role, StaffAccount.worker_id, Worker.name,
           StaffAccount.sessions_valid_after, StaffAccount.active, Worker.active, StaffAccount.must_change_password,
           StaffAccount.totp_secret.is_not(None))
    .outerjoin(Worker, Worker.id == StaffAccount.worker_id)
    .where(StaffAccount.id == bindparam("account_id"))
)


def load_principal(session: Session | Connection, account_id: int) -> Principal | None:
    """The signed-in account for a session cookie; None if it is gone or switched off (or its worker is)."""
    row = session.execute(_PRINCIPAL, {"account_id": account_id}).first()
    if row is None:
        return None
    (account, email, role, worker_id, worker_name, valid_after, account_active, worker_active, must_change,
     second_factor) = row
    principal = Principal(account, email, role, worker_id, worker_name, valid_after, bool(must_change),
                          bool(second_factor))
    if not account_active or (principal.worker_id is not None and not worker_active):
        return None
    return principal


def principal_of(session: Session, account: StaffAccount) -> Principal:
    worker = session.get(Worker, account.worker_id) if account.worker_id else None
    return Principal(account.id, account.email, account.role, account.worker_id, worker.name if worker else None,
                     account.sessions_valid_after, account.must_change_password, account.totp_secret is not None)
