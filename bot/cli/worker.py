"""`signpost worker book|message`: a key worker's actions from the shell, for admins and scripts.

    signpost worker book --worker W-LEW-014 --person P-7KQ4MX2T --at "2026-12-01 10:30" \\
        --place "Lewisham probation office" --kind probation [--minutes 60 --bring "Your letter" --address ...]
    signpost worker message --worker W-LEW-014 --person P-7KQ4MX2T "See you on Tuesday at 10."

Both act as the worker: only people on their caseload, every action audited. Times are London times.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import TYPE_CHECKING, TextIO

from bot.cli.db import CommandFailed, case_file, reports_failures, whole_number
from bot.i18n import long_datetime
from casefile.clock import EARLIEST_YEAR, LATEST_YEAR, LONDON, OUT_OF_RANGE, london_to_utc, skipped_time

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from casefile.models import Person, Worker

OK, PROBLEM, BAD_USAGE = 0, 1, 2


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("worker", help="Book an appointment or send a message as a key worker.",
                                   description="A key worker's actions: only for people on their caseload.")
    commands = parser.add_subparsers(dest="worker_command", metavar="COMMAND", title="commands")

    book = commands.add_parser("book", help="Book an appointment and schedule its reminders.")
    book.add_argument("--worker", required=True, metavar="REF", help="the worker's reference")
    book.add_argument("--person", required=True, metavar="REF", help="the person's reference")
    book.add_argument("--at", required=True, metavar="'YYYY-MM-DD HH:MM'", help="start, London time")
    book.add_argument("--place", required=True, help="where, in words the person knows")
    book.add_argument("--kind", required=True, help="probation, housing, health, jobcentre...")
    book.add_argument("--minutes", type=whole_number(1, 1440), default=60, help="how long (60)")
    book.add_argument("--bring", default="", help="what to bring")
    book.add_argument("--address", default="", help="the full address")
    book.add_argument("--database-url", metavar="URL", help="use this database instead of DATABASE_URL")
    book.set_defaults(func=_book)

    message = commands.add_parser("message", help="Send one person a message (checked for jargon first).")
    message.add_argument("--worker", required=True, metavar="REF", help="the worker's reference")
    message.add_argument("--person", required=True, metavar="REF", help="the person's reference")
    message.add_argument("--anyway", action="store_true", help="send even if the check found hard words")
    message.add_argument("text", metavar="TEXT", help="the message, in plain words")
    message.add_argument("--database-url", metavar="URL", help="use this database instead of DATABASE_URL")
    message.set_defaults(func=_message)
    parser.set_defaults(func=lambda _args: (parser.print_help(), BAD_USAGE)[1])


def parse_london(text: str) -> datetime:
    """'2026-12-01 10:30' on the London clock, as an aware datetime, or CommandFailed (bad use) saying why not.

    The same rules as the feeds: a year from 1900 to 2100, and not a time the clocks skip in spring.
    """
    for pattern in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"):
        try:
            local = datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
        if not EARLIEST_YEAR <= local.year <= LATEST_YEAR:
            raise CommandFailed(f'"{text}" {OUT_OF_RANGE}', BAD_USAGE)
        moment = london_to_utc(local.date(), local.time())
        if moment is None:
            raise CommandFailed(skipped_time(local.date(), local.time()), BAD_USAGE)
        return moment.astimezone(LONDON)
    raise CommandFailed(f'"{text}" is not a time. Write it like "2026-12-01 10:30" (London time).', BAD_USAGE)


@reports_failures
def _book(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from bot.settings import Settings
    from casefile import outbox, staff
    from casefile.actors import StaffActor

    start = parse_london(args.at)
    with case_file(args.database_url) as sessions, sessions() as session:
        worker, person = _worker_and_person(session, args)
        appointment = staff.book_appointment(
            session, StaffActor(worker.id), person.id, start, args.minutes, args.place, args.address,
            args.kind, args.bring, policy=Settings.from_env().reminder_policy, now=None)
        reminders = [r for r in outbox.reminders_for(session, [appointment.id]) if r.state == "pending"]
    print(f"Booked appointment {appointment.id} for {person.ref}: {long_datetime(appointment.starts_at, 'en')}, "
          f"{appointment.place}.", file=out)
    for reminder in reminders:
        print(f"  reminder {reminder.id} goes {long_datetime(reminder.due_at, 'en')}", file=out)
    if not reminders:
        print("  No reminders: it is too soon, or the person has turned reminders off.", file=out)
    return OK


@reports_failures
def _message(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from bot.settings import Settings
    from casefile import outbox
    from casefile.actors import StaffActor
    from glossary.live import LiveGlossary
    from glossary.message_check import check_message
    from glossary.plain_language import read_plain_words

    settings = Settings.from_env()
    notes = check_message(LiveGlossary(settings.content_dir).index, args.text,
                          read_plain_words(settings.content_dir)[0])
    if notes and not args.anyway:
        print("Not sent. Please make it easier to read:", file=err)
        for note in notes:
            print(f"  - {note.advice}", file=err)
        print("Change the text, or add --anyway to send it as it is.", file=err)
        return PROBLEM
    with case_file(args.database_url) as sessions, sessions() as session:
        worker, person = _worker_and_person(session, args)
        row = outbox.queue_worker_message(session, StaffActor(worker.id), person.id, args.text,
                                          policy=settings.reminder_policy)
    print(f"Message {row.id} to {person.ref} goes {long_datetime(row.due_at, 'en')} (London time).", file=out)
    return OK


def _worker_and_person(session: Session, args: argparse.Namespace) -> tuple[Worker, Person]:
    from casefile.directory import find_person, find_worker

    worker, person = find_worker(session, args.worker), find_person(session, args.person)
    if worker is None or person is None:
        raise CommandFailed(f"No {'worker' if worker is None else 'person'} has that reference.", PROBLEM)
    return worker, person
