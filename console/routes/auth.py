"""Signing in (password or one-time link) and out, and the start page for each role."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from casefile.errors import CasefileError
from console import accounts
from console.accounts import AccountLocked, Principal, SignInRefused
from console.pages import (
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

HOME = {"worker": "/caseload", "editor": "/content", "admin": "/admin/accounts"}
THROTTLED = ("Too many sign-in tries from this computer. Please wait {minutes} minutes and try again, "
             "or ask an admin for a sign-in link.")


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
            sign_in_as(request, user)
            return redirect(safe_next(next_page, HOME[user.role]))
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
    sign_in_as(request, user)
    return redirect(HOME[user.role])


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
    Route("/account/password", password_form, methods=["GET"]),
    Route("/account/password", change_password, methods=["POST"]),
    Route("/sign-out", sign_out_now, methods=["POST"]),
]
