"""`signpost services import|list`: the directory of local services behind "Places open now".

    signpost services import lewisham.json            # Open Referral UK JSON: replaces the whole directory
    signpost services import content/services/lewisham-demo.yaml --dry-run   # editors' YAML, check only
    signpost services list                            # every service, its place, phone and hours
    signpost services list --open-now                 # open now (London clock, bank holidays), then the rest
    signpost services list --open-now --at "2027-06-04 19:30" --category food

Exit status: 0 done; 1 refused (a bad file: every problem is listed and nothing is saved);
2 could not run (the database is missing, out of date or cannot be reached; the bank holidays file is broken).
The YAML format and how Open Referral files are read: content/services/SCHEMA.md.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot.cli.db import case_file, reports_failures
from bot.settings import Settings
from casefile.actors import SystemActor
from casefile.clock import LONDON
from casefile.models import SERVICE_CATEGORIES
from casefile.services import IsBankHoliday, Phone

DONE, REFUSED, CANNOT_RUN = 0, 1, 2
CLI = SystemActor("cli")
JSON_SUFFIXES = (".json",)
YAML_SUFFIXES = (".yaml", ".yml")
LEFT_OUT_SHOWN = 10


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "services",
        help="The directory of local services: import it (Open Referral UK JSON or YAML), list what is open.",
        description="The local services behind Places open now. Formats: content/services/SCHEMA.md.",
    )
    commands = parser.add_subparsers(dest="services_command", metavar="COMMAND", title="commands")
    parser.set_defaults(func=lambda _args: _usage(parser))

    importing = commands.add_parser(
        "import",
        help="Replace the whole directory with a file: Open Referral UK .json, or the editors' .yaml.",
        description="Read every service in FILE and check it. If anything is wrong, each problem is listed and "
        "nothing is saved; otherwise the file becomes the whole directory, in one go.",
    )
    importing.add_argument("file", type=Path, metavar="FILE", help="a .json (Open Referral UK) or .yaml file")
    importing.add_argument("--dry-run", action="store_true", help="check the file only; nothing is saved")
    importing.set_defaults(func=run_import)

    listing = commands.add_parser(
        "list",
        help="List the services, or with --open-now what is open now and when the rest open.",
        description="Every service in the directory, with its place, phone and hours. With --open-now: those "
        "open now and until when, then the others by when they next open (London clock, bank holidays).",
    )
    listing.add_argument("--open-now", action="store_true", help="say what is open now, and when the rest open")
    listing.add_argument("--category", choices=SERVICE_CATEGORIES, help="only services in this category")
    listing.add_argument("--at", type=_london_time, metavar='"YYYY-MM-DD HH:MM"',
                         help="as if it were this London time (with --open-now)")
    listing.set_defaults(func=run_list)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return CANNOT_RUN


def _london_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'"{text}" is not a date and time. Use "YYYY-MM-DD HH:MM", for example "2027-06-04 19:30".') from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=LONDON)
    return moment


@reports_failures
def run_import(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from bot.services_yaml import read_services_yaml
    from casefile.importing.common import ImportRefused
    from casefile.importing.open_referral import read_open_referral
    from casefile.importing.run import refused_report
    from casefile.importing.source import FeedFileError
    from casefile.services import replace_directory

    path: Path = args.file
    suffix = path.suffix.lower()
    if suffix not in JSON_SUFFIXES + YAML_SUFFIXES:
        print(f"Signpost reads services from a .json file (Open Referral UK) or a .yaml file, not {path.name}.",
              file=err)
        print("Nothing was saved.", file=err)
        return REFUSED
    try:
        directory = read_open_referral(path) if suffix in JSON_SUFFIXES else read_services_yaml(path)
    except FeedFileError as problem:
        print(problem.message, file=err)
        print("Nothing was saved.", file=err)
        return REFUSED
    except ImportRefused as refused:
        for line in refused_report(refused):
            print(line, file=err)
        return REFUSED
    for left_out in directory.left_out[:LEFT_OUT_SHOWN]:
        print(f'Left out "{left_out.name or left_out.ref}" ({left_out.ref}): {left_out.reason}.', file=out)
    if len(directory.left_out) > LEFT_OUT_SHOWN:
        print(f"... and {len(directory.left_out) - LEFT_OUT_SHOWN} more left out.", file=out)
    if args.dry_run:
        count = len(directory.services)
        print(f"Checked {path.name}: {count} service{'' if count == 1 else 's'}, all fine. "
              "Nothing was saved (dry run).", file=out)
        return DONE
    with case_file(None, unavailable_status=CANNOT_RUN) as sessions, sessions() as session:
        result = replace_directory(session, CLI, directory)
    print(result.summary(), file=out)
    return DONE


@reports_failures
def run_list(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from casefile.services import list_services, open_now

    if args.at is not None and not args.open_now:
        print("--at goes with --open-now: say what is open at that time.", file=err)
        return CANNOT_RUN
    with case_file(None, unavailable_status=CANNOT_RUN) as sessions, sessions() as session:
        if not args.open_now:
            services = list_services(session, args.category)
            if not services:
                print(_empty(args.category), file=out)
                return DONE
            for service in services:
                print(f"{service.name} ({', '.join(service.categories)})", file=out)
                details = [service.place.text() if service.place else "", _phones(service.phones)]
                details += service.hours_text() or ["Opening hours not known: call first"]
                for line in details:
                    if line:
                        print(f"    {line}", file=out)
            return DONE
        is_bank_holiday = _bank_holidays(err)
        if is_bank_holiday is None:
            return CANNOT_RUN
        at = args.at or datetime.now(LONDON)
        answer = open_now(session, at, is_bank_holiday, category=args.category)
    if not answer.services:
        print(_empty(args.category), file=out)
        return DONE
    local = answer.at
    print(f"At {local:%A} {local.day} {local:%B %Y}, {local:%H:%M} (London):", file=out)
    if answer.nothing_open:
        print("Nothing in the directory is open now.", file=out)
    else:
        print("Open now:", file=out)
        for item in answer.open:
            print(f"    {item.service.name}: {item.text()}. {_phones(item.service.phones)}".rstrip(), file=out)
    if answer.closed:
        print("Closed now:", file=out)
        for item in answer.closed:
            print(f"    {item.service.name}: {item.text()}. {_phones(item.service.phones)}".rstrip(), file=out)
    return DONE


def _phones(phones: Sequence[Phone]) -> str:
    return f"Call {phones[0].phone}." if phones else ""


def _empty(category: str | None) -> str:
    if category:
        return f"The services directory has no {category} services."
    return "The services directory is empty. Add services with: signpost services import FILE"


def _bank_holidays(err: TextIO) -> IsBankHoliday | None:
    from glossary.findings import ContentError
    from journeys.calendar import load_bank_holidays

    try:
        return load_bank_holidays(Settings.from_env().content_dir).is_holiday
    except ContentError as error:
        print(f"The bank holidays file has a problem, so Signpost cannot say what is open: {error}", file=err)
        return None
