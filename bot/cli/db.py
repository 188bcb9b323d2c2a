"""`signpost db`: bring the case-file database up to date, or say where it stands.

    signpost db upgrade     # make a new database, or update an old one, to this version's schema
    signpost db status      # which schema the database has, and whether it needs updating
    signpost db backup PATH / signpost db restore PATH   # bot/cli/db_backup.py
    signpost db prune       # forget what the SIGNPOST_KEEP_*_DAYS settings say is kept no longer

Every other command that uses the case file opens it with `case_file`, which refuses an outdated
database and says which command fixes it. Exit status: 0 fine, 1 the database needs attention.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TextIO

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.cli.startup import database_unreachable, keep_trying
from bot.settings import Settings
from casefile import db
from casefile.errors import CasefileError, SchemaOutdated
from casefile.retention import DEFAULT_BATCH, prune

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
    prune = commands.add_parser(
        "prune", help="Delete what the SIGNPOST_KEEP_*_DAYS settings say is kept no longer, in small batches.",
        description="Deletes finished messages, case updates and audit events older than the settings keep them, "
                    "and clears finished messages' details, a batch at a time, so everything else keeps running. "
                    "The dispatcher also runs this once a day.")
    prune.add_argument("--batch", type=whole_number(1, 100_000), default=DEFAULT_BATCH, metavar="N",
                       help=f"rows deleted in each short transaction ({DEFAULT_BATCH})")
    for sub in (upgrade, status, prune):
        sub.add_argument("--database-url", metavar="URL", help="use this database instead of DATABASE_URL")
    upgrade.set_defaults(func=_upgrade)
    status.set_defaults(func=_status)
    prune.set_defaults(func=_prune)
    from bot.cli import db_backup  # `db backup` and `db restore`; imported here, as it builds on this module

    db_backup.register(commands)
    parser.set_defaults(func=lambda _args: _usage(parser))


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argparse type for a whole number from `low` to `high`: anything else is bad use, said plainly."""

    def read(raw: str) -> int:
        text = raw.strip()
        digits = text.removeprefix("-")
        if not (digits.isascii() and digits.isdigit()) or len(digits) > len(str(high)) + 1 or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"{raw[:40]!r} is not a whole number from {low} to {high}")
        return int(text)

    read.__name__ = "whole number"  # what argparse calls the type in its own messages
    return read


def database_url(chosen: str | None = None) -> str:
    return chosen or Settings.from_env().database_url


class CommandFailed(Exception):
    """A command cannot go on: `message` is plain words for the person at the shell, `status` the exit status."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def reports_failures(command: Callable[..., int]) -> Callable[..., int]:
    """A subcommand `command(args, out, err, **extra) -> int`, callable as `func(args, out=None, err=None, **extra)`.

    `out` and `err` left out are the terminal; a CommandFailed becomes its message on `err` and its exit status.
    """

    @functools.wraps(command)
    def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None, **extra: Any) -> int:
        out = sys.stdout if out is None else out
        err = sys.stderr if err is None else err
        try:
            return command(args, out, err, **extra)
        except CommandFailed as failed:
            print(failed.message, file=err)
            return failed.status

    return run


@contextmanager
def case_file(chosen_url: str | None, *, unavailable_status: int = 1,
              wait: bool = False) -> Iterator[sessionmaker[Session]]:
    """Sessions on the case file (`chosen_url`, else DATABASE_URL), closed again after the block.

    Raises CommandFailed, with `unavailable_status`, when the database cannot be reached or its schema is not
    current, saying how to fix it; a CasefileError in the block becomes CommandFailed with its own message.
    With `wait` (a command that runs until stopped), a database that cannot be reached is waited for
    instead, one line on stderr each try (bot/cli/startup.py).
    """
    url = database_url(chosen_url)

    def open_it() -> tuple[Engine, sessionmaker[Session]]:
        try:
            return db.open_database(url, busy_seconds=Settings.from_env().sqlite_busy_seconds)
        except SQLAlchemyError as problem:
            if wait:
                raise database_unreachable(url, problem) from problem
            raise CommandFailed(_cannot_connect(url, problem), unavailable_status) from problem
        except OSError as problem:  # the SQLite file's folder cannot be made: waiting will not help
            raise CommandFailed(_cannot_connect(url, problem), unavailable_status) from problem

    try:
        engine, sessions = keep_trying(open_it)
    except SchemaOutdated as outdated:
        raise CommandFailed(outdated.message, unavailable_status) from outdated
    try:
        yield sessions
    except CasefileError as problem:
        raise CommandFailed(problem.message) from problem
    except OperationalError as problem:
        # Busy or full outside a unit of work (a read, a sweep): the same plain words the services give.
        plain = db.casefile_error_for(problem)
        raise CommandFailed(plain.message if plain else _cannot_connect(url, problem)) from problem
    finally:
        engine.dispose()


@reports_failures
def _upgrade(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    url = database_url(args.database_url)
    with _any_schema(url) as engine:
        before = db.current_revision(engine)
        db.upgrade(engine)
        after = db.current_revision(engine)
    where = db.redacted_url(url)
    if before == after:
        print(f"The database is already up to date ({after}): {where}", file=out)
    else:
        print(f"Updated the database from {before or 'empty'} to {after}: {where}", file=out)
    return OK


@reports_failures
def _status(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    url = database_url(args.database_url)
    with _any_schema(url) as engine:
        current = db.current_revision(engine)
        try:
            db.ensure_current(engine)
        except SchemaOutdated:
            print(f"Database: {db.redacted_url(url)}", file=out)
            print(f"Schema:   {current or 'empty'} (this Signpost expects {db.head_revision()})", file=out)
            raise
    print(f"Database: {db.redacted_url(url)}", file=out)
    print(f"Schema:   {current} (up to date)", file=out)
    return OK


@reports_failures
def _prune(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    settings = Settings.from_env()
    with case_file(args.database_url) as sessions:
        stats = prune(sessions, settings.retention, datetime.now(UTC), batch=args.batch)
    print(stats.line(), file=out)
    return OK


@contextmanager
def _any_schema(url: str) -> Iterator[Engine]:
    """An engine for `db upgrade` and `db status`: unlike `case_file`, they must work on an outdated schema."""
    try:
        engine = db.make_engine(url)
    except (SQLAlchemyError, OSError) as problem:  # a URL that is not one, a folder that cannot be made
        raise CommandFailed(_cannot_connect(url, problem), NEEDS_ATTENTION) from problem
    try:
        yield engine
    except (SQLAlchemyError, OSError) as problem:
        raise CommandFailed(_cannot_connect(url, problem), NEEDS_ATTENTION) from problem
    except SchemaOutdated as outdated:
        raise CommandFailed(outdated.message, NEEDS_ATTENTION) from outdated
    finally:
        engine.dispose()


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _cannot_connect(url: str, problem: Exception) -> str:
    first_line = (str(getattr(problem, "orig", None) or problem).strip().splitlines() or [type(problem).__name__])[0]
    return (
        f"Could not open the database {db.redacted_url(url)}.\n"
        f"Check DATABASE_URL and that the database server is running. ({first_line})"
    )
