"""Rendering pages, and the guard every page goes through: session, role, CSRF, then the handler.

`page(roles=...)` wraps an endpoint. It loads the session from the cookie (or starts an anonymous
one), sends people who are not signed in to the sign-in page, answers 403 (and audits it) for a
role that may not see the page, checks the CSRF token on every POST, and signs the cookie again so
the session's idle timer starts over. Handlers get `request.state.user` (a Principal).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import secrets
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, MutableHeaders
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from casefile import audit
from casefile.errors import CasefileError, NotFound, PermissionDenied
from console.accounts import Principal, load_principal
from console.context import WebContext
from console.security import CSRF_FIELD, SESSION_COOKIE, SessionData

logger = logging.getLogger(__name__)
Endpoint = Callable[[Request], Awaitable[Response]]
FORBIDDEN_WORDS = "Sorry, you cannot see this page. It is not part of your job in Signpost."
MAX_FORM_BYTES = 1024 * 1024

NAVIGATION: dict[str, tuple[tuple[str, str], ...]] = {
    "worker": (("/caseload", "Your caseload"), ("/diary", "Your week"), ("/outcomes", "Outcomes")),
    "editor": (("/content", "Glossary"), ("/content/journeys", "Journeys"), ("/content/gaps", "Gaps")),
    "admin": (("/admin/accounts", "Staff accounts"), ("/admin/import", "Import a feed"), ("/outcomes", "Outcomes")),
}


def context_of(request: Request) -> WebContext:
    ctx: WebContext = request.app.state.ctx
    return ctx


def render(request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    ctx = context_of(request)
    session: SessionData | None = getattr(request.state, "session", None)
    user: Principal | None = getattr(request.state, "user", None)
    nonce = getattr(request.state, "csp_nonce", None) or secrets.token_urlsafe(12)
    request.state.csp_nonce = nonce
    path = request.url.path
    navigation = [
        {"href": href, "text": text, "active": path == href or path.startswith(href + "/")}
        for href, text in (NAVIGATION.get(user.role, ()) if user else ())
    ]
    html = ctx.templates.get_template(template).render(
        request=request, user=user, csrf_token=ctx.codec.csrf_token(session) if session else "",
        csrf_field=CSRF_FIELD, navigation=navigation, cspNonce=nonce, **values,
    )
    return HTMLResponse(html, status_code=status_code)


def forbidden(request: Request, message: str = FORBIDDEN_WORDS) -> HTMLResponse:
    return render(request, "errors/forbidden.html", status_code=403, message=message)


def not_found(request: Request, message: str = "Sorry, we could not find that page.") -> HTMLResponse:
    return render(request, "errors/not_found.html", status_code=404, message=message)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


async def read_form(request: Request, max_part_size: int = MAX_FORM_BYTES) -> FormData:
    """The posted form (parsed once per request, then cached)."""
    cached: FormData | None = getattr(request.state, "form", None)
    if cached is None:
        cached = await request.form(max_files=1, max_fields=200, max_part_size=max_part_size)
        request.state.form = cached
    return cached


def text_field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def load_session(request: Request) -> SessionData:
    ctx = context_of(request)
    data = ctx.codec.load(request.cookies.get(SESSION_COOKIE), now=ctx.now().timestamp())
    return data or ctx.codec.new()


def set_session_cookie(request: Request, response: Response, data: SessionData) -> None:
    ctx = context_of(request)
    response.set_cookie(
        SESSION_COOKIE, ctx.codec.dump(data), max_age=ctx.codec.idle, httponly=True, samesite="lax",
        secure=request.url.scheme == "https", path="/",
    )


HSTS = "max-age=31536000; includeSubDomains"
CHANGE_PASSWORD = "/account/password"
# An admin's temporary password opens only these: choosing one's own password, and leaving.
PASSWORD_CHANGE_PATHS = frozenset({CHANGE_PASSWORD, "/sign-out"})
SECOND_FACTOR = "/account/second-factor"
# An admin with no second factor yet may only set one up, or leave.
SECOND_FACTOR_PATHS = frozenset({SECOND_FACTOR, "/sign-out"})


def security_headers(request: Request, response: Response) -> None:
    nonce = getattr(request.state, "csp_nonce", None) or secrets.token_urlsafe(12)
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
    response.headers["Cache-Control"] = "no-store"  # case files must not sit in a shared or back-button cache
    for name, value in _common_headers(request.url.scheme == "https"):
        response.headers[name] = value


def _common_headers(https: bool) -> list[tuple[str, str]]:
    headers = [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"),
               ("X-Frame-Options", "DENY")]
    if https:  # HSTS only means something over HTTPS (and browsers ignore it over plain HTTP)
        headers.append(("Strict-Transport-Security", HSTS))
    return headers


class StaticWithHeaders:
    """Static files (styles, scripts, fonts) with the same security headers as the pages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _common_headers(https):
                    headers[name] = value
                headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _principal(request: Request, data: SessionData) -> Principal | None:
    account_id = data.account_id
    if account_id is None:
        return None
    ctx = context_of(request)

    def load() -> Principal | None:
        # One statement on a bare connection: no ORM session. On PostgreSQL without BEGIN and ROLLBACK
        # around it (autocommit), which are two more round trips to the server for a single read.
        with ctx.engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection.execution_options(isolation_level="AUTOCOMMIT")
            return load_principal(connection, account_id)

    user = await run_in_threadpool(load)
    if user is None:
        return None
    if user.sessions_valid_after is not None and data.signed_in_at < user.sessions_valid_after.timestamp():
        return None
    return user


async def audit_denied(request: Request, user: Principal, detail: str) -> None:
    ctx = context_of(request)

    def write() -> None:
        with ctx.sessions() as session:
            audit.record_separately(session, user.actor, "read.web.denied", "page", outcome=audit.DENIED,
                                    detail=detail[:500], now=ctx.now())

    await run_in_threadpool(write)


async def audit_page_read(request: Request, user: Principal) -> None:
    ctx = context_of(request)
    query = f"?{request.url.query}" if request.url.query else ""

    def write() -> None:
        with ctx.sessions() as session:
            audit.record_read(session, user.actor, "read.web.page", "page",
                              detail=f"{request.url.path}{query}"[:500], now=ctx.now())
            session.commit()

    await run_in_threadpool(write)


def page(*, roles: Iterable[str] | None = (), anonymous: bool = False,
         max_part_size: int = MAX_FORM_BYTES) -> Callable[[Endpoint], Endpoint]:
    """Guard an endpoint. `roles`: who may see it (empty: any signed-in staff). `anonymous`: sign-in pages."""
    allowed = frozenset(roles or ())

    def decorate(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            request.state.csp_nonce = secrets.token_urlsafe(12)
            data = load_session(request)
            request.state.session = data
            user = await _principal(request, data)
            if user is None and data.account_id is not None:
                data = context_of(request).codec.new()  # ran out or was ended: start again, signed out
                request.state.session = data
            request.state.user = user
            client = request.client.host if request.client else None
            with audit.origin(client, hashlib.sha256(b"session:" + data.nonce.encode()).hexdigest()[:32]):
                response = await _guarded_response(request, endpoint, data, user, allowed, anonymous, max_part_size)
            latest: SessionData = request.state.session  # sign-in and sign-out replace it
            set_session_cookie(request, response, latest)
            security_headers(request, response)
            return response

        return guarded

    return decorate


async def _guarded_response(request: Request, endpoint: Endpoint, data: SessionData, user: Principal | None,
                            allowed: frozenset[str], anonymous: bool, max_part_size: int) -> Response:
    if user is None and not anonymous:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return redirect(f"/sign-in?next={quote(target, safe='')}")
    if user is not None and user.must_change_password and request.url.path not in PASSWORD_CHANGE_PATHS:
        return redirect(CHANGE_PASSWORD)
    if (user is not None and user.role == "admin" and not user.second_factor
            and request.url.path not in SECOND_FACTOR_PATHS):
        return redirect(SECOND_FACTOR)
    if user is not None and allowed and user.role not in allowed:
        await audit_denied(request, user, f"{request.method} {request.url.path}: role {user.role}")
        return forbidden(request)
    if user is not None and user.worker_id is None and request.method == "GET":
        # Workers' reads are audited by the case file, person by person; an admin's or editor's page
        # (accounts, imports, the glossary gaps people typed) is recorded here.
        await audit_page_read(request, user)
    if request.method == "POST":
        try:
            form = await read_form(request, max_part_size)
        except Exception:  # a broken or oversized form: say so kindly
            return render(request, "errors/bad_request.html", status_code=400,
                          message="Sorry, that form could not be read. It may be too big. Please try again.")
        if not context_of(request).codec.csrf_ok(data, form.get(CSRF_FIELD)):
            if user is not None:
                await audit_denied(request, user, f"POST {request.url.path}: CSRF token missing or wrong")
            return render(request, "errors/forbidden.html", status_code=403,
                          message="This form has run out or did not come from Signpost. "
                                  "Please go back, reload the page and try again.")
    try:
        return await endpoint(request)
    except PermissionDenied as denied:
        # The service layer has audited the refusal already.
        return forbidden(request, denied.message)
    except NotFound as missing:
        return not_found(request, missing.message)
    except CasefileError as problem:
        logger.info("casefile problem on %s: %s", request.url.path, problem.message)
        return render(request, "errors/bad_request.html", status_code=400, message=problem.message)


def sign_in_as(request: Request, user: Principal) -> None:
    """Start a fresh session for `user` (a new nonce: no session fixation)."""
    ctx = context_of(request)
    request.state.session = ctx.codec.new(user.account_id, now=ctx.now().timestamp())
    request.state.user = user


def await_code(request: Request, user: Principal) -> None:
    """The password (or link) was right: a fresh session that waits for the second factor's code. Not signed in."""
    ctx = context_of(request)
    request.state.session = ctx.codec.new(now=ctx.now().timestamp(), awaiting_code=user.account_id)
    request.state.user = None


def sign_out(request: Request) -> None:
    request.state.session = context_of(request).codec.new()
    request.state.user = None


def safe_next(target: str | None, fallback: str) -> str:
    """Only a path on this site: never an address elsewhere (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return fallback
