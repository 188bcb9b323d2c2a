"""`signpost reminders run|plan|list|cancel`: the dispatcher, the planning sweep, and what is waiting.

    signpost reminders run                 # send due reminders until stopped (Ctrl-C or SIGTERM)
    signpost reminders run --once          # send what is due now, then stop
    signpost reminders plan --days 7       # plan release-day, money and pharmacy reminders (run does it too)
    signpost reminders list --state pending --person P-7KQ4MX2T
    signpost reminders cancel 42
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from typing import TYPE_CHECKING, TextIO

from sqlalchemy import select

from bot.cli.db import case_file, reports_failures, whole_number
from bot.settings import Settings
from casefile.clock import LONDON
from casefile.models import OUTBOX_STATES, OutboxMessage, Person, Worker

if TYPE_CHECKING:  # the dispatcher loads only when it runs: the other commands start without it
    from sqlalchemy.orm import Session, sessionmaker

    from bot.reminders.dispatcher import DispatchStats

OK, PROBLEM, BAD_USAGE = 0, 1, 2


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("reminders", help="Send reminders (the dispatcher), list them or cancel one.",
                                   description="The reminder outbox: send due reminders, list them, cancel one.")
    commands = parser.add_subparsers(dest="reminders_command", metavar="COMMAND", title="commands")

    run = commands.add_parser("run", help="Send due reminders to Telegram; keeps running unless --once.")
    run.add_argument("--once", action="store_true", help="send what is due now, then stop")
    run.add_argument("--batch", type=whole_number(1, 10_000), default=100, metavar="N", help="reminders claimed at a time (100)")
    run.add_argument("--name", help="this dispatcher's name in the outbox (default host:pid:random)")
    run.add_argument("--database-url", metavar="URL", help="use this database instead of DATABASE_URL")
    run.set_defaults(func=_run)

    listing = commands.add_parser("list", help="List reminders, soonest first.")
    listing.add_argument("--person", metavar="REF", help="only this person's")
    listing.add_argument("--state", choices=OUTBOX_STATES, help="only in this state")
    listing.add_argument("--limit", type=whole_number(1, 100_000), default=50, metavar="N", help="at most N rows (50)")
    listing.add_argument("--database-url", metavar="URL", help="use this database instead of DATABASE_URL")
    listing.set_defaults(func=_list)

    plan = commands.add_parser("plan", help="Plan release-day, money and pharmacy reminders for the next days.")
    plan.add_argument("--days", type=whole_number(1, 366), default=2, metavar="N", help="how many days ahead, today first (2)")
    plan.add_argument("--database-url", metavar="URL", help="use this database instead of DATABASE_URL")
    plan.set_defaults(func=_plan)

    cancel = commands.add_parser("cancel", help="Cancel one pending reminder by its number.")
    cancel.add_argument("id", type=whole_number(1, 2**63 - 1), metavar="ID", help="the reminder's number, from `signpost reminders list`")
    cancel.add_argument("--database-url", metavar="URL", help="use this database instead of DATABASE_URL")
    cancel.set_defaults(func=_cancel)
    parser.set_defaults(func=lambda _args: (parser.print_help(), BAD_USAGE)[1])


@reports_failures
def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from bot.cli.startup import Unreachable, keep_trying, telegram_ready
    from bot.logs import configure_logging
    from bot.metrics_listener import CannotListen
    from bot.reminders.sender import TelegramRefused

    settings = Settings.from_env()
    # Until stopped it logs what it does; --once, run by hand or from cron, says only what went wrong.
    configure_logging(settings.log_format, level=logging.WARNING if args.once else logging.INFO)
    if not settings.telegram_token:
        print("TELEGRAM_BOT_TOKEN is not set. Get a token from BotFather and set it, then try again.", file=err)
        return BAD_USAGE
    if args.batch < 1:
        print("--batch must be 1 or more.", file=err)
        return BAD_USAGE
    # Run until stopped, it waits for the database and Telegram to be there; with --once it says why and stops.
    with case_file(args.database_url, wait=not args.once) as sessions:
        try:
            token = settings.telegram_token
            if args.once:
                telegram_ready(token, settings.telegram_api_url)
            else:
                keep_trying(lambda: telegram_ready(token, settings.telegram_api_url), err=err)
        except Unreachable as down:
            print(down, file=err)
            return PROBLEM
        except TelegramRefused as refused:
            print(refused, file=err)
            return BAD_USAGE
        try:
            stats = asyncio.run(_dispatch(settings, sessions, args))
        except CannotListen as problem:
            print(problem, file=err)
            return BAD_USAGE
    print(f"Sent {stats.sent}, cancelled {stats.cancelled}, to retry {stats.retried}, failed {stats.failed}, "
          f"blocked {stats.blocked}.", file=out)
    return OK


async def _dispatch(settings: Settings, sessions: sessionmaker[Session], args: argparse.Namespace) -> DispatchStats:
    from bot.metrics_listener import metrics_listener
    from bot.reminders.runner import dispatcher_for

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stop.set)
    async with (metrics_listener(sessions, settings.metrics_listen, settings.metrics_token),
                dispatcher_for(settings, sessions, batch=args.batch, name=args.name) as sending):
        if sending.lease is not None:
            _say_who_sends()
        return await sending.run(stop, once=args.once)


def _say_who_sends() -> None:
    """The sending lease's one line (which process sends the reminders) on stderr, where nothing else logs."""
    lease_log = logging.getLogger("bot.reminders.lease")
    if not logging.getLogger().handlers and not lease_log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        lease_log.addHandler(handler)
        lease_log.setLevel(logging.INFO)


@reports_failures
def _plan(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from datetime import UTC, datetime

    from bot.reminders.planner import Planner

    if not 1 <= args.days <= 60:
        print("--days must be from 1 to 60.", file=err)
        return BAD_USAGE
    with case_file(args.database_url) as sessions:
        settings = Settings.from_env()
        stats = Planner(sessions, settings.content_dir, policy=settings.reminder_policy,
                        days=args.days).sweep(datetime.now(UTC))
    print(stats.line(), file=out)
    for problem in stats.problems:
        print(f"Could not plan for {problem} (see the log).", file=err)
    return PROBLEM if stats.problems else OK


@reports_failures
def _list(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    query = (
        select(OutboxMessage, Person.ref, Worker.ref)
        .outerjoin(Person, Person.id == OutboxMessage.person_id)
        .outerjoin(Worker, Worker.id == OutboxMessage.worker_id)
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(max(1, args.limit))
    )
    if args.person:
        query = query.where(Person.ref == args.person.strip())
    if args.state:
        query = query.where(OutboxMessage.state == args.state)
    with case_file(args.database_url) as sessions, sessions() as session:
        rows = session.execute(query).all()
    if not rows:
        print("No reminders match.", file=out)
        return OK
    print(f"{'id':>7}  {'due (London)':16}  {'state':9}  {'kind':20}  {'for':14}  note", file=out)
    for row, person_ref, worker_ref in rows:
        due = row.due_at.astimezone(LONDON).strftime("%Y-%m-%d %H:%M")
        who = person_ref or f"worker {worker_ref}"
        note = row.last_error or (f"{row.offset_minutes // 60}h before" if row.offset_minutes else "")
        if row.sms_state:
            note = f"{note}; text {row.sms_state}" if note else f"text {row.sms_state}"
        print(f"{row.id:>7}  {due:16}  {row.state:9}  {row.kind:20}  {who:14}  {note}", file=out)
    return OK


@reports_failures
def _cancel(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from casefile import outbox
    from casefile.actors import SystemActor

    with case_file(args.database_url) as sessions, sessions() as session:
        outbox.cancel_row(session, SystemActor("cli"), args.id)
    print(f"Reminder {args.id} is cancelled.", file=out)
    return OK
