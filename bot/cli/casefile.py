"""`signpost casefile import|export|forget`: agency feeds in, a person's file out, and closing a file.

    signpost casefile import release_dates-hmp.csv --agency HMP   # check every row, then all or nothing
    signpost casefile import appointments.json --dry-run          # check only; nothing is saved
    signpost casefile export DEMO-1 -o demo-1.json                # a subject access request
    signpost casefile forget DEMO-1 --yes                         # remove the file, keep the bare audit

Exit status: 0 done; 1 refused (bad rows or file, unknown person, a closed file); 2 could not run
(the database is missing, out of date or cannot be reached, or --yes was left off). The formats and
what `forget` keeps are in docs/feeds.md.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TextIO

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.cli.db import case_file, reports_failures
from bot.settings import Settings
from casefile.actors import SystemActor
from casefile.errors import CasefileError

# REFUSED is 1 so that a CasefileError left to case_file (an unknown person, a closed file) exits with it.
DONE, REFUSED, CANNOT_RUN = 0, 1, 2
CLI = SystemActor("cli")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "casefile",
        help="Import agency feeds, export a person's file, or forget a person.",
        description="Work on the shared case file from the shell. Formats: docs/feeds.md.",
    )
    commands = parser.add_subparsers(dest="casefile_command", metavar="COMMAND", title="commands")
    parser.set_defaults(func=lambda _args: _usage(parser))

    feed = commands.add_parser(
        "import",
        help="Import an agency feed (JSON or CSV): every row is checked, then all are saved or none.",
        description="Import release dates, appointments, workers, assignments or people from an agency. "
        "Every row is checked first; if any row is wrong, each one is listed and nothing is saved.",
    )
    feed.add_argument("file", type=Path, metavar="FILE", help="the feed, a .json or .csv file")
    feed.add_argument("--dry-run", action="store_true", help="check the file and say what would change")
    feed.add_argument("--feed", choices=_feed_kinds(), help="the feed type, for a CSV file")
    feed.add_argument("--agency", metavar="SHORT", help="short name of the agency that sent it, e.g. PS")
    feed.add_argument("--agency-name", metavar="NAME",
                      help="full name, to add an agency Signpost does not know")
    feed.set_defaults(func=run_import)

    export = commands.add_parser(
        "export",
        help="Write one person's whole file as readable JSON (a subject access request).",
        description="Everything Signpost holds about one person, as JSON. The export is audited.",
    )
    export.add_argument("person", metavar="PERSON", help="the person's reference, e.g. DEMO-1")
    export.add_argument("-o", "--output", type=Path, metavar="FILE",
                        help="write to FILE (default: the screen)")
    export.set_defaults(func=run_export)

    forget = commands.add_parser(
        "forget",
        help="Remove a person's chats, contact details and records, and close their file.",
        description="Remove everything Signpost holds about a person except the bare audit trail, and close "
        "the file so it takes no new chats or records. This cannot be undone.",
    )
    forget.add_argument("person", metavar="PERSON", help="the person's reference, e.g. DEMO-1")
    forget.add_argument("--yes", action="store_true", help="yes, really remove it (required)")
    forget.set_defaults(func=run_forget)


@reports_failures
def run_import(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from casefile.importing import FeedFileError, ImportRefused, import_feed, read_feed, refused_report

    try:
        feed = read_feed(args.file, kind=args.feed, agency=args.agency, agency_name=args.agency_name)
    except FeedFileError as problem:
        print(problem.message, file=err)
        print("Nothing was saved.", file=err)
        return REFUSED
    with case_file(None, unavailable_status=CANNOT_RUN) as sessions, sessions() as session:
        try:
            # The import runs its own all-or-nothing transaction on a connection, so it takes the engine.
            bind = session.get_bind()
            engine = bind if isinstance(bind, Engine) else bind.engine
            result = import_feed(engine, feed, policy=Settings.from_env().reminder_policy, dry_run=args.dry_run)
        except ImportRefused as refused:
            for line in refused_report(refused):
                print(line, file=err)
            return REFUSED
        except CasefileError as problem:
            print(problem.message, file=err)
            print("Nothing was saved.", file=err)
            return REFUSED
        except SQLAlchemyError as problem:
            print(_database_refused(problem), file=err)
            print("Nothing was saved.", file=err)
            return CANNOT_RUN
    if result.agency_added:
        verb = "would be added" if result.dry_run else "was added"
        print(f'The agency "{result.agency}" {verb}.', file=out)
    print(result.summary(), file=out)
    return DONE


@reports_failures
def run_export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from casefile.export import export_json, export_person

    with case_file(None, unavailable_status=CANNOT_RUN) as sessions, sessions() as session:
        try:
            document = export_person(session, CLI, args.person)
        except SQLAlchemyError as problem:
            print(_database_refused(problem), file=err)
            return CANNOT_RUN
    text = export_json(document)
    if args.output is None:
        out.write(text)
        return DONE
    try:
        _write_private(args.output, text)
    except OSError as error:
        print(f"{args.output} cannot be written: {error.strerror or error}.", file=err)
        return REFUSED
    print(f"Wrote the file for {args.person} to {args.output}. It is private: keep it safe.", file=out)
    return DONE


@reports_failures
def run_forget(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from casefile.erasure import forget_person

    if not args.yes:
        print(
            f"This removes everything Signpost holds about {args.person} except the bare audit trail, "
            "and closes the file. It cannot be undone. To go ahead, add --yes.",
            file=err,
        )
        return CANNOT_RUN
    with case_file(None, unavailable_status=CANNOT_RUN) as sessions, sessions() as session:
        try:
            report = forget_person(session, CLI, args.person)
        except SQLAlchemyError as problem:
            print(_database_refused(problem), file=err)
            print("Nothing was changed.", file=err)
            return CANNOT_RUN
    print(report.summary(), file=out)
    return DONE


def _database_refused(problem: SQLAlchemyError) -> str:
    """One plain line for a database failure (a lost connection, a full disk), not a traceback."""
    reason = str(getattr(problem, "orig", None) or problem).strip().splitlines()
    return f"The database stopped the work: {reason[0] if reason else type(problem).__name__}."


def _write_private(path: Path, text: str) -> None:
    """Only the owner may read the file: it holds someone's criminal-justice and health details."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


def _feed_kinds() -> tuple[str, ...]:
    from casefile.importing.fields import FEED_KINDS

    return FEED_KINDS


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return CANNOT_RUN
