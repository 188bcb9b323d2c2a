"""`signpost demo-data`: four made-up people, a fresh link code for each, and the demo services.

    signpost demo-data                     # as of today (makes the database first if there is none)
    signpost demo-data --today 2027-06-09  # as if today were that day

Running it twice changes nothing but the link codes. Exit status: 0 done, 2 could not run.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.cli.db import database_url
from bot.settings import Settings
from casefile import db
from casefile.errors import CasefileError

DONE, CANNOT_RUN = 0, 2
DEMO_SERVICES = Path("services") / "lewisham-demo.yaml"  # in the content folder


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo-data",
        help="Add four made-up people with teams and appointments, and print a link code for each.",
        description="Add (or bring up to date) four fictional people at different points, with their "
        "workers, dates and appointments in the coming days. Safe to run again.",
    )
    parser.add_argument("--today", type=_day, metavar="YYYY-MM-DD", help="make the demo as if today were this day")
    parser.set_defaults(func=run_demo_data)


def run_demo_data(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    from casefile.clock import LONDON
    from casefile.demo import DEMO_STAFF_PASSWORD, demo_now, seed_demo, seed_demo_staff
    from console.security import password_hasher

    out, err = out or sys.stdout, err or sys.stderr
    settings = Settings.from_env()
    url = database_url()
    today = args.today or datetime.now(UTC).astimezone(LONDON).date()
    engine = db.make_engine(url)
    try:
        before = db.current_revision(engine)
        if before != db.head_revision():
            # Demo data is for trying Signpost out: make (or update) the database rather than stop.
            db.upgrade(engine)
            print(f"Made the case-file database ready: {db.redacted_url(url)}", file=out)
        db.ensure_current(engine)
        results = seed_demo(db.session_factory(engine), today, demo_now(today), policy=settings.reminder_policy,
                            hasher=settings.link_hasher, link_code_days=settings.link_code_days)
        staff_accounts = seed_demo_staff(db.session_factory(engine), demo_now(today), password_hasher().hash)
        services_said = _demo_services(db.session_factory(engine), settings.content_dir, demo_now(today), err)
    except CasefileError as problem:
        print(problem.message, file=err)
        return CANNOT_RUN
    except SQLAlchemyError as problem:
        reason = str(getattr(problem, "orig", None) or problem).strip().splitlines()[0]
        print(f"Cannot use the database at {db.redacted_url(url)}: {reason}", file=err)
        return CANNOT_RUN
    finally:
        engine.dispose()
    print(f"Demo people for {today:%A} {today.day} {today:%B %Y} (all made up):", file=out)
    width = max(len(result.name) for result in results)
    for result in results:
        code = f"link code {result.link_code}" if result.link_code else "file closed, no code"
        print(f"  {result.ref}  {result.name:<{width}}  {result.status:<6}  {code}  ({result.situation})", file=out)
    print(f"Link codes work once, for {settings.link_code_days} days. Try: signpost chat --as DEMO-1", file=out)
    print(f"Staff console accounts (password {DEMO_STAFF_PASSWORD}; start it with: signpost web):", file=out)
    for account in staff_accounts:
        print(f"  {account.email:<30}  {account.about}", file=out)
    if services_said:
        print(f"{services_said} Try: signpost services list --open-now", file=out)
    return DONE


def _demo_services(sessions: sessionmaker[Session], content_dir: Path, now: datetime, err: TextIO) -> str | None:
    """The demo services from the editors' file, into the directory unless it holds a real one; what happened."""
    from bot.services_yaml import read_services_yaml
    from casefile.demo import seed_demo_services
    from casefile.importing.common import ImportRefused
    from casefile.importing.run import refused_report
    from casefile.importing.source import FeedFileError

    try:
        demo_directory = read_services_yaml(content_dir / DEMO_SERVICES)
    except FeedFileError as problem:
        print(f"The demo services were not added: {problem.message}", file=err)
        return None
    except ImportRefused as refused:
        print("The demo services were not added:", file=err)
        for line in refused_report(refused):
            print(f"  {line}", file=err)
        return None
    return seed_demo_services(sessions, demo_directory, now)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'"{text}" is not a date. Use YYYY-MM-DD, for example 2027-06-09.') from None
