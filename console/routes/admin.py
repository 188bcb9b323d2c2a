"""Admins: staff accounts (add one, give a temporary password) and agency feed imports.

An admin never sees anyone's sign-in link: with one they could act as that worker while the audit named
the worker. A temporary password works only to choose the person's own, so the person notices at once
if someone else used it first.

An import is checked first: the page lists every bad row with its number and reason, and nothing
is saved. Only a clean file shows the Apply button, and applying checks the whole file again.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from casefile import audit
from casefile.errors import CasefileError
from casefile.importing import FEED_KINDS, Feed, FeedFileError, ImportRefused, ImportResult, import_feed
from casefile.importing.source import WEB_FORM, parse_csv, parse_json
from casefile.models import STAFF_ROLES
from console import accounts
from console.accounts import Principal
from console.forms import FormCheck
from console.pages import context_of, page, read_form, render

MAX_FEED_BYTES = 5 * 1024 * 1024


@page(roles=("admin",))
async def accounts_page(request: Request) -> Response:
    return await _accounts(request)


async def _accounts(request: Request, *, check: FormCheck | None = None, done: str | None = None,
                    status_code: int = 200) -> Response:
    ctx = context_of(request)

    def load() -> list[Any]:
        with ctx.sessions() as session:
            return accounts.list_accounts(session)

    rows = await run_in_threadpool(load)
    values = {k: v for k, v in check.form.items() if isinstance(v, str) and k != "password"} if check else {
        "role": "worker"}
    return render(request, "admin/accounts.html", status_code=status_code, title="Staff accounts", rows=rows,
                  roles=STAFF_ROLES, values=values, errors=check.errors if check else {},
                  error_list=check.summary() if check and check.errors else None, done=done)


@page(roles=("admin",))
async def add_account(request: Request) -> Response:
    ctx = context_of(request)
    user: Principal = request.state.user
    check = FormCheck(await read_form(request))
    email = check.text("email", label="an email address", required=True, limit=254)
    role = check.text("role", label="a role", required=True)
    worker_ref = check.text("worker", label="the worker's reference", limit=40)
    password = check.text("password", label="a temporary password", required=True, limit=200)
    if role and role not in STAFF_ROLES:
        check.error("role", "Choose a role")
    if role == "worker" and not worker_ref:
        check.error("worker", "Enter the worker's reference, like DEMO-W-PS-1")
    if not check.ok:
        return await _accounts(request, check=check, status_code=400)

    def add() -> str:
        with ctx.sessions() as session:
            return accounts.add_account(session, user.actor, email, role, worker_ref=worker_ref or None,
                                        password=password, temporary=True, hasher=ctx.hasher, now=ctx.now()).email

    try:
        added_email = await run_in_threadpool(add)
    except CasefileError as problem:
        lowered = problem.message.lower()
        field = "worker" if "worker" in lowered else "password" if "password" in lowered else "email"
        check.error(field, problem.message)
        return await _accounts(request, check=check, status_code=400)
    return await _accounts(request, done=f"Account added for {added_email}. Tell them the temporary password "
                                         "in person or by phone: they choose their own when they first sign in.")


@page(roles=("admin",))
async def account_password(request: Request) -> Response:
    ctx = context_of(request)
    user: Principal = request.state.user
    account_id: int = request.path_params["account_id"]  # the route's :int converter turns away anything else
    check = FormCheck(await read_form(request))
    password = check.text(f"password-{account_id}", label="a temporary password", required=True, limit=200)
    if not check.ok:
        return await _accounts(request, check=check, status_code=400)

    def reset() -> str:
        with ctx.sessions() as session:
            return accounts.set_temporary_password(session, user.actor, account_id, password or "",
                                                   hasher=ctx.hasher, now=ctx.now()).email

    try:
        email = await run_in_threadpool(reset)
    except CasefileError as problem:
        check.error(f"password-{account_id}", problem.message)
        return await _accounts(request, check=check, status_code=400)
    return await _accounts(request, done=f"{email} has a temporary password and is signed out everywhere. "
                                         "Tell them in person or by phone: they choose their own when they sign in.")


@page(roles=("admin",))
async def account_change(request: Request) -> Response:
    ctx = context_of(request)
    user: Principal = request.state.user
    account_id: int = request.path_params["account_id"]  # the route's :int converter turns away anything else
    form = await read_form(request)
    change, _, role_text = str(form.get("change") or "").partition(":")
    role = role_text or None

    def apply() -> str:
        with ctx.sessions() as session:
            account = accounts.change_account(session, user.actor, account_id, change, role=role,
                                              acting_account_id=user.account_id, now=ctx.now())
            return account.email

    try:
        email = await run_in_threadpool(apply)
    except CasefileError as problem:
        check = FormCheck(form)
        check.error(f"change-{account_id}", problem.message)
        return await _accounts(request, check=check, status_code=400)
    said = {"disable": "is switched off and signed out everywhere", "enable": "is switched on again",
            "unlock": "is unlocked", "role": f"is now {role}",
            "reset_second_factor": "has no second factor now and is signed out everywhere. They set up a new one "
                                   "from their account (an admin is asked to at sign-in)"}[change]
    return await _accounts(request, done=f"{email} {said}.")


# What goes with a file, as `signpost casefile import` takes it: --feed, --agency and --agency-name.
CHOICES = ("kind", "agency", "agency_name")


@page(roles=("admin",))
async def import_form(request: Request) -> Response:
    return render(request, "admin/import.html", title="Import a feed", kinds=FEED_KINDS, problems=None,
                  result=None, payload=None, file_name=None, errors={}, applied=None, choices={})


def _parse(data: bytes, file_name: str, choices: dict[str, str]) -> Feed:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FeedFileError(f"{file_name} is not UTF-8 text. Save it as UTF-8 (CSV UTF-8 in a spreadsheet).") from None
    given = {name: choices.get(name) or None for name in CHOICES}
    if file_name.lower().endswith(".json") or (not file_name.lower().endswith(".csv") and text.lstrip().startswith("{")):
        return parse_json(text, file_name, **given, surface=WEB_FORM)
    return parse_csv(text, file_name, **given, surface=WEB_FORM)


@page(roles=("admin",), max_part_size=MAX_FEED_BYTES)
async def import_check(request: Request) -> Response:
    """Check an uploaded feed (nothing saved), or apply one that was checked: `step` says which."""
    ctx = context_of(request)
    user: Principal = request.state.user
    form = await read_form(request, MAX_FEED_BYTES)
    step = form.get("step")
    upload = form.get("feed")
    choices = {name: str(form.get(name) or "").strip()[:200] for name in CHOICES}
    if choices["kind"] and choices["kind"] not in FEED_KINDS:
        choices["kind"] = ""  # only the list's own choices: anything else reads as "what the file says"
    if step == "apply":
        file_name = str(form.get("file_name") or "feed")[:200]
        try:
            data = base64.b64decode(str(form.get("payload") or ""), validate=True)
        except (binascii.Error, ValueError):
            data = b""
    elif isinstance(upload, UploadFile) and upload.filename:
        file_name = upload.filename[:200]
        data = await upload.read(MAX_FEED_BYTES + 1)
    else:
        return render(request, "admin/import.html", status_code=400, title="Import a feed", kinds=FEED_KINDS,
                      problems=None, result=None, payload=None, file_name=None, applied=None, choices=choices,
                      errors={"feed": "Choose a feed file (CSV or JSON)"},
                      error_list=[{"text": "Choose a feed file (CSV or JSON)", "href": "#feed"}])
    if len(data) > MAX_FEED_BYTES:
        return _import_result(request, file_name, None, ["The file is bigger than 5 MB. Split it into smaller files."],
                              None, applied=False, choices=choices)
    apply = step == "apply"

    def run() -> ImportResult:
        feed = _parse(data, file_name, choices)
        result = import_feed(ctx.engine, feed, policy=ctx.settings.reminder_policy, now=ctx.now(), dry_run=not apply)
        with ctx.sessions() as session:
            audit.record(session, user.actor, "write.import" if apply else "read.import.check", "feed",
                         now=ctx.now(), detail=f"{file_name}: {result.summary()}")
            session.commit()
        return result

    try:
        result = await run_in_threadpool(run)
    except FeedFileError as problem:
        return _import_result(request, file_name, None, [problem.message], None, applied=False, choices=choices)
    except ImportRefused as refused:
        lines = [str(p) for p in refused.problems]
        return _import_result(request, file_name, refused.message, lines, None, applied=False, choices=choices)
    payload = None if apply else base64.b64encode(data).decode()
    return _import_result(request, file_name, None, None, result, applied=apply, payload=payload, choices=choices)


def _import_result(request: Request, file_name: str, headline: str | None, problems: list[str] | None,
                   result: ImportResult | None, *, applied: bool, choices: dict[str, str],
                   payload: str | None = None) -> Response:
    return render(request, "admin/import.html", status_code=400 if problems else 200, title="Import a feed",
                  kinds=FEED_KINDS, headline=headline, problems=problems, result=result, payload=payload,
                  file_name=file_name, errors={}, applied=applied, choices=choices)


routes = [
    Route("/admin/accounts", accounts_page, methods=["GET"]),
    Route("/admin/accounts", add_account, methods=["POST"]),
    Route("/admin/accounts/{account_id:int}/password", account_password, methods=["POST"]),
    Route("/admin/accounts/{account_id:int}/change", account_change, methods=["POST"]),
    Route("/admin/import", import_form, methods=["GET"]),
    Route("/admin/import", import_check, methods=["POST"]),
]
