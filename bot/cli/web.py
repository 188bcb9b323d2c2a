"""`signpost web` serves the staff console; `signpost staff add|list` manages its accounts.

    signpost web [--host 127.0.0.1 --port 8000] [--workers N]
    signpost staff add dana@example.org --role worker --worker DEMO-W-PS-1   # prints a one-time sign-in link
    signpost staff add ed@example.org --role editor --password-stdin < password.txt
    signpost staff list
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TextIO

from bot.cli.db import case_file, reports_failures

OK, PROBLEM, BAD_USAGE = 0, 1, 2


def register(subparsers: argparse._SubParsersAction) -> None:
    web = subparsers.add_parser("web", help="Serve the staff console (a web page for workers, editors and admins).",
                                description="The staff console, on this computer only unless you say otherwise.")
    web.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    web.add_argument("--port", type=int, default=8000, help="port to listen on (8000)")
    web.add_argument("--database-url", metavar="URL", help="use this database instead of DATABASE_URL")
    web.add_argument("--workers", type=int, metavar="N",
                     help="processes to serve with (SIGNPOST_WEB_WORKERS, else one for each CPU core)")
    web.set_defaults(func=_serve)

    staff = subparsers.add_parser("staff", help="Staff console accounts: add one, or list them.",
                                  description="Accounts for the staff console.")
    commands = staff.add_subparsers(dest="staff_command", metavar="COMMAND", title="commands")
    add = commands.add_parser("add", help="Add an account and print a one-time sign-in link (or read a password).")
    add.add_argument("email", metavar="EMAIL")
    add.add_argument("--role", required=True, choices=("worker", "editor", "admin"), help="what they may do")
    add.add_argument("--worker", metavar="REF", help="for a worker: their worker reference")
    add.add_argument("--password-stdin", action="store_true",
                     help="read a password from standard input instead of printing a sign-in link")
    add.add_argument("--base-url", help="the console's address, for the link (SIGNPOST_PUBLIC_URL)")
    add.add_argument("--database-url", metavar="URL", help="use this database instead of DATABASE_URL")
    add.set_defaults(func=_add)
    listing = commands.add_parser("list", help="List the staff console accounts.")
    listing.add_argument("--database-url", metavar="URL", help="use this database instead of DATABASE_URL")
    listing.set_defaults(func=_list)
    staff.set_defaults(func=lambda _args: (staff.print_help(), BAD_USAGE)[1])


@reports_failures
def _serve(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import dataclasses
    import logging
    import os
    import secrets

    import uvicorn
    from sqlalchemy.exc import SQLAlchemyError
    from starlette.applications import Starlette

    from bot.cli.startup import database_unreachable, keep_trying
    from bot.logs import configure_logging
    from bot.settings import Settings
    from casefile.errors import CasefileError
    from console.app import create_app
    from glossary.live import ContentCheckFailed

    settings = Settings.from_env()
    configure_logging(settings.log_format, level=logging.WARNING)
    if args.database_url:
        settings = dataclasses.replace(settings, database_url=args.database_url)
    workers = args.workers if args.workers is not None else settings.web_workers
    if workers < 1:
        print("Please give --workers a number of 1 or more.", file=err)
        return BAD_USAGE
    if workers > 1 and not settings.web_secret:
        # Every process must sign sessions with the same secret, or a sign-in works in one process only.
        print("SIGNPOST_WEB_SECRET is not set: everyone is signed out when the console restarts.", file=err)
        settings = dataclasses.replace(settings, web_secret=secrets.token_urlsafe(32))

    def open_console() -> Starlette:
        try:
            return create_app(settings)  # checks the database and the content before anything listens
        except SQLAlchemyError as problem:
            raise database_unreachable(settings.database_url, problem) from problem

    try:
        app = keep_trying(open_console, err=err)  # a database not there yet is waited for (bot/cli/startup.py)
    except CasefileError as problem:
        print(problem.message, file=err)
        return PROBLEM
    except ContentCheckFailed as failed:
        print(f"The content has errors, so the console cannot start: {failed}", file=err)
        return PROBLEM
    print(f"Staff console on http://{args.host}:{args.port} with {workers} "
          f"{'process' if workers == 1 else 'processes'} (press Ctrl+C to stop).", file=out)
    if workers == 1:
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning", log_config=None, proxy_headers=False)
        return OK
    # Each worker process builds its own app from the environment (uvicorn starts them afresh), so the
    # settings chosen here go there. This process only watches over them.
    app.state.ctx.engine.dispose()
    os.environ["DATABASE_URL"] = settings.database_url
    os.environ["SIGNPOST_WEB_SECRET"] = settings.web_secret or ""
    uvicorn.run("console.app:app_from_environment", factory=True, workers=workers, host=args.host, port=args.port,
                log_level="warning", log_config=None, proxy_headers=False)
    return OK


@reports_failures
def _add(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO | None = None) -> int:
    from bot.settings import Settings
    from casefile.actors import SystemActor
    from console import accounts
    from console.security import password_hasher

    stdin = stdin or sys.stdin
    password = None
    if args.password_stdin:
        password = stdin.readline().rstrip("\r\n")
    with case_file(args.database_url) as sessions, sessions() as session:
        now = datetime.now(UTC)
        account = accounts.add_account(session, SystemActor("cli"), args.email, args.role, worker_ref=args.worker,
                                       password=password, hasher=password_hasher(), now=now)
        token = None if password else accounts.issue_sign_in_link(session, SystemActor("cli"), account.id, now=now)
    print(f"Added {account.email} as {account.role}.", file=out)
    if token:
        print(f"One-time sign-in link (works once, for {accounts.SIGN_IN_LINK_MINUTES} minutes):", file=out)
        base_url = args.base_url or Settings.from_env().public_url
        print(f"  {base_url.rstrip('/')}/sign-in/link?token={token}", file=out)
    else:
        print("They can sign in with the password now.", file=out)
    return OK


@reports_failures
def _list(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from console import accounts

    with case_file(args.database_url) as sessions, sessions() as session:
        rows = accounts.list_accounts(session)
    if not rows:
        print("No staff accounts yet. Add one with: signpost staff add EMAIL --role admin", file=out)
        return OK
    for account, ref, _name in rows:
        state = "" if account.active else "  (switched off)"
        last = account.last_sign_in_at.strftime("%Y-%m-%d %H:%M") if account.last_sign_in_at else "never"
        print(f"{account.email:<36} {account.role:<7} {ref or '-':<16} last sign-in {last}{state}", file=out)
    return OK
