"""The second factor for staff: a 6-digit code from an authenticator app (TOTP, RFC 6238, with pyotp).

Optional for workers and editors, required for admins (the console sends an admin without one to set it up
before anything else). Setting up: a new secret is kept as pending and shown once, as text and as a QR code;
the first right code confirms it, and after that no page shows it again. Signing in: after the password (or a
one-time link) the console asks for a code. A code is right for its own 30-second step and one step either
side (pyotp's valid_window=1, for a phone's clock a little out), and works once: the step of the last code
used is kept, and only a later step is taken. If someone loses their phone, an admin resets the second factor
(accounts.change_account), audited as that admin.
"""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp
from markupsafe import Markup
from sqlalchemy.orm import Session

from casefile import audit
from casefile.actors import SystemActor
from casefile.db import begin_write
from casefile.errors import CasefileError, InvalidInput, NotFound
from casefile.models import StaffAccount
from console.accounts import Principal, principal_of
from console.linkcard import qr_svg

ISSUER = "Signpost"
VALID_WINDOW = 1  # steps either side of now that are still taken (pyotp's valid_window)
CODE_MINUTES = 5  # how long after the password the code may be typed
WRONG_CODE = "That code is not right. Type the 6 numbers your authenticator app shows now."


class CodeRefused(CasefileError):
    default_message = WRONG_CODE


def new_secret() -> str:
    return pyotp.random_base32()  # 32 base32 letters: 160 random bits, as RFC 4226 recommends


def set_up_uri(secret: str, email: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code (or from the text)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def set_up_qr(secret: str, email: str) -> Markup:
    return qr_svg(set_up_uri(secret, email), title="QR code for your authenticator app",
                  description="Scan it with your authenticator app to add Signpost. The key is written below it.")


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def matching_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step `code` belongs to, if it is right for now (one step either side) and later than
    `last_step`; None otherwise. pyotp's own verify says only yes or no, and a code must work once."""
    typed = "".join((code or "").split())
    if len(typed) != 6 or not typed.isascii() or not typed.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    found = None
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        # Every candidate is compared, in constant time, so timing says nothing about which step matched.
        if hmac.compare_digest(totp.generate_otp(step), typed) and (last_step is None or step > last_step):
            found = step
    return found


def pending_secret(session: Session, account_id: int, *, now: datetime) -> str:
    """The secret being set up for the account, made now if there is none. Refused once set up."""
    begin_write(session)
    try:
        account = session.get(StaffAccount, account_id, with_for_update=True)
        if account is None or not account.active:
            raise NotFound("There is no such account.")
        if account.totp_secret is not None:
            raise InvalidInput("Your second factor is set up already.")
        if account.totp_pending_secret is None:
            account.totp_pending_secret = new_secret()
            audit.record(session, principal_of(session, account).actor, "write.staff_account.second_factor_start",
                         "staff_account", subject_id=account.id, now=now)
        secret = account.totp_pending_secret
        session.commit()
        return secret
    except BaseException:
        session.rollback()
        raise


def confirm_set_up(session: Session, account_id: int, code: str, *, now: datetime) -> Principal:
    """The first right code from the app turns the pending secret into the account's second factor."""
    begin_write(session)
    try:
        account = session.get(StaffAccount, account_id, with_for_update=True)
        if account is None or not account.active or account.totp_pending_secret is None:
            raise NotFound("There is no second factor being set up. Start again.")
        actor = principal_of(session, account).actor
        step = matching_step(account.totp_pending_secret, code, now, None)
        if step is None:
            audit.record(session, actor, "write.staff_account.second_factor_set_up", "staff_account",
                         subject_id=account.id, outcome=audit.DENIED, detail="wrong code", now=now)
            session.commit()
            raise CodeRefused()
        account.totp_secret, account.totp_pending_secret = account.totp_pending_secret, None
        account.totp_last_step, account.totp_set_up_at = step, now
        # Sessions opened before now (on another computer, with only the password) end.
        account.sessions_valid_after = now
        audit.record(session, actor, "write.staff_account.second_factor_set_up", "staff_account",
                     subject_id=account.id, now=now)
        session.commit()
        return principal_of(session, account)
    except BaseException:
        session.rollback()
        raise


def sign_in_with_code(session: Session, account_id: int, code: str, *, now: datetime) -> Principal:
    """The second step of signing in. CodeRefused, audited, for a wrong or used code."""
    begin_write(session)
    try:
        # Locked until the commit, so one code sent twice at once still works only once.
        account = session.get(StaffAccount, account_id, with_for_update=True)
        if account is None or not account.active or account.totp_secret is None:
            raise NotFound("There is no such account.")
        step = matching_step(account.totp_secret, code, now, account.totp_last_step)
        if step is None:
            audit.record(session, SystemActor("console"), "sign_in.code", "staff_account", subject_id=account.id,
                         outcome=audit.DENIED, detail="wrong or used code", now=now)
            session.commit()
            raise CodeRefused()
        account.totp_last_step = step
        account.last_sign_in_at = now
        audit.record(session, SystemActor("console"), "sign_in.code", "staff_account", subject_id=account.id, now=now)
        session.commit()
        return principal_of(session, account)
    except BaseException:
        session.rollback()
        raise
