"""`signpost db`: bring the case-file database up to date, or say where it stands.

    signpost db upgrade     # make a new database, or update an old one, to this version's schema
    signpost db status      # which schema the database has, and whether it needs updating

Every other command that uses the case file calls `open_case_file`, which refuses an outdated
database and says which command fixes it. Exit status: 0 fine, 1 the database needs attention.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from casefile import db
from casefile.errors import SchemaOutdated

OK, NEEDS_ATTENTION = 0, 1


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "db",
        help="Update the case-file database, or show whether it needs updating.",
        description="The case-file database (DATABASE_URL; SQLite in the data folder by default).",
    )
    commands = parser.add_subparsers(dest="db_command", metavar="SUBCOMMAND", title="subcommands")
    upgrade = commands.add_parser("upgrade", help="Create or update the database to the current schema.")
    status = commands.add_parser("status", help="Show the database's schema version and whether it is current.")
    for sub in (upgrade, status):
        sub.add_argument("--database-url", metavar="URL", help="use this database instead of DATABASE_URL")
    upgrade.set_defaults(func=_upgrade)
    status.set_defaults(func=_status)
    parser.set_defaults(func=lambda _args: _usage(parser))


def database_url(chosen: str | None = None) -> str:
    return chosen or Settings.from_env().database_url


def open_case_file(url: str, err: TextIO | None = None) -> tuple[Engine, sessionmaker[Session]] | None:
    """Engine and sessions for a command, or None after telling the user what is wrong and how to fix it."""
    err = err or sys.stderr
    try:
        return db.open_database(url)
    except SchemaOutdated as outdated:
        print(outdated.message, file=err)
    except SQLAlchemyError as problem:
        print(_cannot_connect(url, problem), file=err)
    return None


def _upgrade(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    url = database_url(args.database_url)
    engine = db.make_engine(url)
    try:
        before = db.current_revision(engine)
        db.upgrade(engine)
        after = db.current_revision(engine)
    except SQLAlchemyError as problem:
        print(_cannot_connect(url, problem), file=err)
        return NEEDS_ATTENTION
    except SchemaOutdated as outdated:  # pragma: no cover - only for a database from the future
        print(outdated.message, file=err)
        return NEEDS_ATTENTION
    finally:
        engine.dispose()
    where = db.redacted_url(url)
    if before == after:
        print(f"The database is already up to date ({after}): {where}", file=out)
    else:
        print(f"Updated the database from {before or 'empty'} to {after}: {where}", file=out)
    return OK


def _status(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    url = database_url(args.database_url)
    engine = db.make_engine(url)
    try:
        current = db.current_revision(engine)
        db.ensure_current(engine)
    except SchemaOutdated as outdated:
        print(f"Database: {db.redacted_url(url)}", file=out)
        print(f"Schema:   {current or 'empty'} (this Signpost expects {db.head_revision()})", file=out)
        print(outdated.message, file=err)
        return NEEDS_ATTENTION
    except SQLAlchemyError as problem:
        print(_cannot_connect(url, problem), file=err)
        return NEEDS_ATTENTION
    finally:
        engine.dispose()
    print(f"Database: {db.redacted_url(url)}", file=out)
    print(f"Schema:   {current} (up to date)", file=out)
    return OK


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _cannot_connect(url: str, problem: SQLAlchemyError) -> str:
    first_line = str(getattr(problem, "orig", None) or problem).strip().splitlines()[0]
    return (
        f"Could not open the database {db.redacted_url(url)}.\n"
        f"Check DATABASE_URL and that the database server is running. ({first_line})"
    )
