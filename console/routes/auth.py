"""Signing in (password or one-time link, then the second factor's code when one is set up) and out, setting up
the second factor, and the start page for each role."""

from __future__ import annotations

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from casefile.errors import CasefileError
from casefile.models import StaffAccount
from console import accounts, second_factor
from console.accounts import AccountLocked, Principal, SignInRefused
from console.pages import (
    SECOND_FACTOR,
    await_code,
    context_of,
    page,
    read_form,
    redirect,
    render,
    safe_next,
    sign_in_as,
    sign_out,
    text_field,
)
from console.security import SessionData

HOME = {"worker": "/caseload", "editor": "/content", "admin": "/admin/accounts"}
THROTTLED = ("Too many sign-in tries from this computer. Please wait {minutes} minutes and try again, "
             "or ask an admin for a sign-in link.")
CODE_LOCKED = ("Too many wrong tries. Please wait 15 minutes, then sign in again. "
               "If your authenticator app has stopped working, ask an admin to reset your second factor.")
CODE_PAGE = "/sign-in/code"


@page(roles=None)
async def home(request: Request) -> Response:
    user: Principal = request.state.user
    return redirect(HOME.get(user.role, "/sign-in"))


@page(anonymous=True)
async def sign_in_form(request: Request) -> Response:
    if request.state.user is not None:
        return redirect(HOME[request.state.user.role])
    return render(request, "auth/sign_in.html", title="Sign in", next=request.query_params.get("next", ""),
                  values={}, errors={})


@page(anonymous=True)
async def sign_in(request: Request) -> Response:
    form = await read_form(request)
    email, password, next_page = text_field(form, "email"), text_field(form, "password"), text_field(form, "next")
    client = request.client.host if request.client else "unknown"
    errors: dict[str, str] = {}
    if not email.strip():
        errors["email"] = "Enter your email address"
    if not password:
        errors["password"] = "Enter your password"
    if not errors:
        try:
            user = await run_in_threadpool(_password_sign_in, request, client, email, password)
        except Throttled as throttled:
            errors["email"] = THROTTLED.format(minutes=max(1, round(throttled.seconds / 60)))
        except (SignInRefused, AccountLocked) as refused:
            errors["email"] = refused.message
        else:
            return _signed_in(request, user, next_page)
    return render(request, "auth/sign_in.html", status_code=400 if "password" in errors or "email" in errors else 200,
                  title="Sign in", next=next_page, values={"email": email}, errors=errors,
                  error_list=[{"text": text, "href": f"#{field}"} for field, text in errors.items()])


class Throttled(Exception):
    """Too many failed sign-ins from this address lately; `seconds` until it may try again."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds


def _password_sign_in(request: Request, client: str, email: str, password: str) -> Principal:
    ctx = context_of(request)
    now = ctx.now()
    try:
        with ctx.sessions() as session:
            return accounts.sign_in_with_password(session, email, password, hasher=ctx.hasher, now=now)
    except AccountLocked:
        ctx.throttle.failed(client, now)
        raise
    except SignInRefused as refused:
        ctx.throttle.failed(client, now, email=accounts.normalise_email(email))
        if refused.unknown_email and (until := ctx.throttle.email_locked_until(
                accounts.normalise_email(email), now, after=accounts.LOCK_AFTER_FAILURES,
                minutes=accounts.LOCK_MINUTES)):
            raise AccountLocked(until) from None
        if (wait := ctx.throttle.blocked_for(client, now)) > 0:
            raise Throttled(wait) from None
        raise


@page(anonymous=True)
async def link_form(request: Request) -> Response:
    # A GET never uses the link up: mail scanners open links before people do. The button POSTs.
    return render(request, "auth/sign_in_link.html", title="Sign in with your link",
                  token=request.query_params.get("token", ""), problem=None)


@page(anonymous=True)
async def link_sign_in(request: Request) -> Response:
    ctx = context_of(request)
    form = await read_form(request)
    token = text_field(form, "token")

    def use() -> Principal:
        # No address limit here: a link's 256 random bits cannot be guessed, and a busy office behind one
        # address must still get in with the links an admin's operator gave out.
        with ctx.sessions() as session:
            return accounts.sign_in_with_link(session, token, now=ctx.now())

    try:
        user = await run_in_threadpool(use)
    except SignInRefused as refused:
        return render(request, "auth/sign_in_link.html", status_code=400, title="Sign in with your link", token="",
                      problem=refused.message)
    return _signed_in(request, user, "")


def _signed_in(request: Request, user: Principal, next_page: str) -> Response:
    """The first step was right: signed in, or asked for the second factor's code first."""
    target = safe_next(next_page, HOME[user.role])
    if user.second_factor:
        await_code(request, user)
        return redirect(f"{CODE_PAGE}?next={quote(target, safe='')}")
    sign_in_as(request, user)
    return redirect(target)


def _awaited(request: Request) -> int | None:
    """The account whose code this session waits for, if its password was right in the last few minutes."""
    ctx = context_of(request)
    session: SessionData = request.state.session
    if session.awaiting_code is None or ctx.now().timestamp() - session.signed_in_at > second_factor.CODE_MINUTES * 60:
        return None
    return session.awaiting_code


@page(anonymous=True)
async def code_form(request: Request) -> Response:
    if _awaited(request) is None:
        return redirect("/sign-in")
    return render(request, "auth/sign_in_code.html", title="Type the code from your app",
                  next=request.query_params.get("next", ""), errors={}, locked=False)


class CodeLocked(Exception):
    """Too many wrong codes (or passwords) for this account lately."""


@page(anonymous=True)
async def code_sign_in(request: Request) -> Response:
    form = await read_form(request)
    code, next_page = text_field(form, "code"), text_field(form, "next")
    account_id = _awaited(request)
    if account_id is None:
        return redirect("/sign-in")
    client = request.client.host if request.client else "unknown"
    problem = None
    if not code.strip():
        problem = "Enter the 6 numbers from your authenticator app"
    else:
        try:
            user = await run_in_threadpool(_code_sign_in, request, client, account_id, code)
        except CodeLocked:
            sign_out(request)  # start again from the password, after the wait
            return render(request, "auth/sign_in_code.html", status_code=400, title="Type the code from your app",
                          next="", errors={"code": CODE_LOCKED}, locked=True,
                          error_list=[{"text": CODE_LOCKED, "href": "#code"}])
        except Throttled as throttled:
            problem = THROTTLED.format(minutes=max(1, round(throttled.seconds / 60)))
        except second_factor.CodeRefused as refused:
            problem = refused.message
        else:
            sign_in_as(request, user)
            return redirect(safe_next(next_page, HOME[user.role]))
    return render(request, "auth/sign_in_code.html", status_code=400, title="Type the code from your app",
                  next=next_page, errors={"code": problem}, locked=False,
                  error_list=[{"text": problem, "href": "#code"}])


def _code_sign_in(request: Request, client: str, account_id: int, code: str) -> Principal:
    """Wrong codes count toward the same limits as wrong passwords: per account (by its email) and per address."""
    ctx = context_of(request)
    now = ctx.now()
    with ctx.sessions() as session:
        account = session.get(StaffAccount, account_id)
        email = account.email if account is not None else ""

        def locked() -> bool:
            return ctx.throttle.email_locked_until(email, now, after=accounts.LOCK_AFTER_FAILURES,
                                                   minutes=accounts.LOCK_MINUTES) is not None

        if locked():
            raise CodeLocked()
        try:
            return second_factor.sign_in_with_code(session, account_id, code, now=now)
        except second_factor.CodeRefused:
            ctx.throttle.failed(client, now, email=email)
            if locked():
                raise CodeLocked() from None
            if (wait := ctx.throttle.blocked_for(client, now)) > 0:
                raise Throttled(wait) from None
            raise


@page(roles=None)
async def second_factor_page(request: Request) -> Response:
    return await _second_factor_page(request)


async def _second_factor_page(request: Request, *, problem: str | None = None, status_code: int = 200) -> Response:
    ctx = context_of(request)
    user: Principal = request.state.user
    if user.second_factor:
        return render(request, "auth/second_factor.html", title="Your second factor", set_up=True, secret=None,
                      qr=None, errors={})

    def pending() -> str:
        with ctx.sessions() as session:
            return second_factor.pending_secret(session, user.account_id, now=ctx.now())

    secret = await run_in_threadpool(pending)
    return render(request, "auth/second_factor.html", status_code=status_code, title="Set up your second factor",
                  set_up=False, secret=second_factor.grouped(secret), qr=second_factor.set_up_qr(secret, user.email),
                  uri=second_factor.set_up_uri(secret, user.email), required=user.role == "admin",
                  errors={"code": problem} if problem else {},
                  error_list=[{"text": problem, "href": "#code"}] if problem else None)


@page(roles=None)
async def confirm_second_factor(request: Request) -> Response:
    ctx = context_of(request)
    user: Principal = request.state.user
    code = text_field(await read_form(request), "code")
    if not code.strip():
        return await _second_factor_page(request, problem="Enter the 6 numbers from your authenticator app",
                                         status_code=400)

    def confirm() -> Principal:
        with ctx.sessions() as session:
            return second_factor.confirm_set_up(session, user.account_id, code, now=ctx.now())

    try:
        confirmed = await run_in_threadpool(confirm)
    except second_factor.CodeRefused as refused:
        return await _second_factor_page(request, problem=refused.message, status_code=400)
    sign_in_as(request, confirmed)  # other sessions ended; this one goes on
    return redirect(f"{SECOND_FACTOR}?done=1")


@page(roles=None)
async def password_form(request: Request) -> Response:
    user: Principal = request.state.user
    return render(request, "auth/change_password.html", title="Change your password",
                  must_change=user.must_change_password, errors={})


@page(roles=None)
async def change_password(request: Request) -> Response:
    ctx = context_of(request)
    user: Principal = request.state.user
    form = await read_form(request)
    current, new, again = text_field(form, "current"), text_field(form, "new"), text_field(form, "again")
    errors: dict[str, str] = {}
    if not current:
        errors["current"] = "Enter the password you have now"
    if not new:
        errors["new"] = "Enter a new password"
    elif new != again:
        errors["again"] = "The two new passwords are not the same. Type it again in both boxes"
    if not errors:
        def change() -> Principal:
            with ctx.sessions() as session:
                return accounts.change_own_password(session, user.account_id, current, new, hasher=ctx.hasher,
                                                    now=ctx.now())

        try:
            changed = await run_in_threadpool(change)
        except CasefileError as problem:
            errors["current" if "current password" in problem.message else "new"] = problem.message
        else:
            sign_in_as(request, changed)  # the other sessions ended; this one goes on
            return redirect(HOME[changed.role])
    return render(request, "auth/change_password.html", status_code=400, title="Change your password",
                  must_change=user.must_change_password, errors=errors,
                  error_list=[{"text": text, "href": f"#{field}"} for field, text in errors.items()])


@page(roles=None)
async def sign_out_now(request: Request) -> Response:
    ctx = context_of(request)
    user: Principal = request.state.user

    def end() -> None:
        with ctx.sessions() as session:
            accounts.sign_out_everywhere(session, user.account_id, now=ctx.now())

    await run_in_threadpool(end)
    sign_out(request)
    return render(request, "auth/signed_out.html", title="You have signed out")


routes = [
    Route("/", home, methods=["GET"]),
    Route("/sign-in", sign_in_form, methods=["GET"]),
    Route("/sign-in", sign_in, methods=["POST"]),
    Route("/sign-in/link", link_form, methods=["GET"]),
    Route("/sign-in/link", link_sign_in, methods=["POST"]),
    Route(CODE_PAGE, code_form, methods=["GET"]),
    Route(CODE_PAGE, code_sign_in, methods=["POST"]),
    Route(SECOND_FACTOR, second_factor_page, methods=["GET"]),
    Route(SECOND_FACTOR, confirm_second_factor, methods=["POST"]),
    Route("/account/password", password_form, methods=["GET"]),
    Route("/account/password", change_password, methods=["POST"]),
    Route("/sign-out", sign_out_now, methods=["POST"]),
]
