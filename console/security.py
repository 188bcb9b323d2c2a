"""The console's locks: Argon2 passwords, a signed session cookie that runs out, CSRF tokens, sign-in limits.

The session lives in the cookie itself (signed with the console secret, so it cannot be forged or
edited). It names the account and a random nonce; the CSRF token is an HMAC of that nonce, so a
form only works inside the session that drew it. The cookie is signed again on every page, so a
session ends after `idle` without use, and always after `lifetime` from signing in.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker
from zxcvbn import zxcvbn

from casefile.models import SignInFailure

SESSION_COOKIE = "signpost_session"
CSRF_FIELD = "csrf_token"
IDLE_SECONDS = 30 * 60
LIFETIME_SECONDS = 8 * 60 * 60
MIN_PASSWORD_LENGTH = 12
STRONG_ENOUGH = 3  # zxcvbn's score: 3 is "safely unguessable" at 10^8 guesses (its authors' guidance)


def password_hasher(fast: bool = False) -> PasswordHasher:
    """Argon2id with the library's defaults; `fast` is for tests only (same code path, tiny cost)."""
    if fast:
        return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    return PasswordHasher()


def hash_password(hasher: PasswordHasher, password: str) -> str:
    return hasher.hash(password)


def verify_password(hasher: PasswordHasher, stored_hash: str | None, password: str) -> bool:
    """True when `password` matches. With no stored hash a dummy hash is checked, so timing gives nothing away."""
    target = stored_hash or _dummy_hash(hasher)
    try:
        matched = hasher.verify(target, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return bool(matched and stored_hash)


_DUMMY: dict[tuple[int, int, int], str] = {}


def _dummy_hash(hasher: PasswordHasher) -> str:
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    if key not in _DUMMY:
        _DUMMY[key] = hasher.hash(secrets.token_urlsafe(16))
    return _DUMMY[key]


def password_problem(password: str, *, known_words: tuple[str, ...] = ()) -> str | None:
    """A plain reason a new password will not do, or None. `known_words`: the email address, the name."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Please use a password of at least {MIN_PASSWORD_LENGTH} letters, numbers or spaces."
    if len(password) > 200:
        return "Please use a password of at most 200 characters."
    words = [part for word in known_words for part in re.split(r"[@.\s_-]+", word.lower()) if len(part) > 2]
    if zxcvbn(password, user_inputs=words)["score"] < STRONG_ENOUGH:
        return ("That password would be easy to guess. Try three or four words that mean something to you "
                "but not to others, like 'purple kettle runs late'.")
    return None


def hash_token(token: str) -> str:
    """Sign-in tokens carry 256 random bits, so a plain SHA-256 is enough to keep them unreadable."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SessionData:
    account_id: int | None  # None: not signed in yet (the nonce still guards the sign-in form)
    nonce: str
    signed_in_at: float  # seconds since the epoch; 0 when not signed in; when the password was right if awaiting
    # The password (or link) was right for this account and its second factor's code is awaited. Not signed
    # in: every page but the code page treats the session as signed out.
    awaiting_code: int | None = None


class SessionCodec:
    def __init__(self, secret: str, *, idle: int = IDLE_SECONDS, lifetime: int = LIFETIME_SECONDS) -> None:
        if len(secret) < 16:
            raise ValueError("the console secret must be at least 16 characters")
        self._secret = secret.encode()
        self._serializer = URLSafeTimedSerializer(secret, salt="signpost-web-session")
        self.idle = idle
        self.lifetime = lifetime

    def new(self, account_id: int | None = None, now: float | None = None, *,
            awaiting_code: int | None = None) -> SessionData:
        signed_in = (now or time.time()) if account_id is not None or awaiting_code is not None else 0.0
        return SessionData(None if awaiting_code is not None else account_id, secrets.token_urlsafe(18), signed_in,
                           awaiting_code)

    def dump(self, data: SessionData) -> str:
        return self._serializer.dumps([data.account_id, data.nonce, data.signed_in_at, data.awaiting_code])

    def load(self, cookie: str | None, now: float | None = None) -> SessionData | None:
        """The session in the cookie, or None if there is none, it was tampered with or it ran out."""
        if not cookie:
            return None
        try:
            account_id, nonce, signed_in_at, awaiting = self._serializer.loads(cookie, max_age=self.idle)
        except (BadSignature, SignatureExpired, ValueError, TypeError):
            return None
        if not isinstance(nonce, str) or not isinstance(signed_in_at, int | float):
            return None
        if awaiting is not None:
            if not isinstance(awaiting, int) or account_id is not None:
                return None
            return SessionData(None, nonce, float(signed_in_at), awaiting)
        if account_id is not None and (not isinstance(account_id, int)
                                       or (now or time.time()) - signed_in_at > self.lifetime):
            return None
        return SessionData(account_id, nonce, float(signed_in_at))

    def csrf_token(self, data: SessionData) -> str:
        return hmac.new(self._secret, b"csrf:" + data.nonce.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, data: SessionData, token: object) -> bool:
        return isinstance(token, str) and hmac.compare_digest(self.csrf_token(data), token)


class SignInThrottle:
    """Failed sign-ins in a sliding window, counted in the case-file database, per client address and per email.

    Every console process shares the counts, so the limits hold however many processes serve. Keys are HMACs
    under the console secret: no address or email address is stored.

    The per-address count slows one computer trying passwords on many accounts. It never keeps anyone out of
    their own account: a right password for an account that is not locked still signs in, and one-time links
    are never held back (their 256 random bits cannot be guessed). Behind a proxy that is not trusted every
    request seems to come from the proxy, so one person's typos must not lock out the whole office.
    A sign-in never clears the count: one good account must not wipe out the tries made on others.

    The per-email count gives an email address with no account the same "locked" answer an account gets,
    after the same number of tries, so the lock message does not tell a stranger which addresses exist.
    Each call is one short transaction: call it off the event loop.
    """

    def __init__(self, sessions: sessionmaker[Session], secret: str, limit: int = 10,
                 window_seconds: float = 15 * 60) -> None:
        self.sessions = sessions
        self.limit = limit
        self.window = timedelta(seconds=window_seconds)
        self._secret = secret.encode()

    def _key(self, kind: str, value: str) -> str:
        return hmac.new(self._secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    def _recent(self, key: str, now: datetime, count: int) -> list[datetime]:
        with self.sessions() as session:
            return list(session.scalars(
                select(SignInFailure.failed_at)
                .where(SignInFailure.client_key == key, SignInFailure.failed_at > now - self.window)
                .order_by(SignInFailure.failed_at.desc()).limit(count)
            ).all())

    def blocked_for(self, client: str, now: datetime) -> float:
        """Seconds until this client's wrong tries stop being answered with "too many tries"; 0 when not."""
        recent = self._recent(self._key("sign-in", client), now, self.limit)
        if len(recent) < self.limit:
            return 0.0
        # Free again once the oldest of the last `limit` failures leaves the window.
        return max(0.0, (recent[-1] + self.window - now).total_seconds())

    def email_locked_until(self, email: str, now: datetime, *, after: int, minutes: int) -> datetime | None:
        """When the lock on tries at `email` ends, if `after` tries failed within `minutes` of the last one."""
        recent = self._recent(self._key("email", email), now, after)
        if len(recent) < after or recent[0] + timedelta(minutes=minutes) <= now:
            return None
        return recent[0] + timedelta(minutes=minutes)

    def failed(self, client: str, now: datetime, *, email: str | None = None) -> None:
        with self.sessions.begin() as session:
            session.execute(delete(SignInFailure).where(SignInFailure.failed_at <= now - self.window))
            session.add(SignInFailure(client_key=self._key("sign-in", client), failed_at=now))
            if email is not None:
                session.add(SignInFailure(client_key=self._key("email", email), failed_at=now))
