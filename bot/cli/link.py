"""`signpost link-code`: a one-time code that links someone's chat to their case file.

    signpost link-code P-7KQ4MX2T            # for a person (their reference), e.g. for the release pack
    signpost link-code --worker W-LEW-014    # for a key worker's own chat
    signpost link-code P-7KQ4MX2T --days 3   # runs out sooner than the usual SIGNPOST_LINK_CODE_DAYS

The code is shown once and only a hash of it is kept. A new code replaces any older unused one.
Exit status: 0 a code was made, 1 it could not be (unknown person, outdated database...), 2 bad usage.
"""

from __future__ import annotations

import argparse
from typing import TextIO

from bot.cli.db import CommandFailed, case_file, reports_failures
from bot.i18n import long_datetime
from bot.settings import Settings
from casefile import linking
from casefile.actors import SystemActor
from casefile.directory import find_person, find_worker

MADE, NOT_MADE, BAD_USAGE = 0, 1, 2


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "link-code",
        help="Make a one-time code that links a person's (or a worker's) chat to the case file.",
        description="Make a one-time link code. It is shown once, works once, and runs out after "
        "SIGNPOST_LINK_CODE_DAYS days (14 unless set).",
    )
    parser.add_argument("person", nargs="?", metavar="PERSON", help="the person's reference, like P-7KQ4MX2T")
    parser.add_argument("--worker", metavar="WORKER", help="make the code for this worker reference instead")
    parser.add_argument("--days", type=int, metavar="N", help="days until the code runs out (1 to 90)")
    parser.add_argument("--database-url", metavar="URL", help="use this database instead of DATABASE_URL")
    parser.set_defaults(func=_link_code)


@reports_failures
def _link_code(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if (args.person is None) == (args.worker is None):
        print("Give a person's reference, or --worker and a worker's reference (not both).", file=err)
        return BAD_USAGE
    settings = Settings.from_env()
    days = args.days if args.days is not None else settings.link_code_days
    # case_file's own failures (no database, a CasefileError) exit with 1, which is NOT_MADE here too.
    with case_file(args.database_url) as sessions, sessions() as session:
        if args.person is not None:
            person = find_person(session, args.person)
            if person is None:
                raise CommandFailed(f"No person has the reference {args.person}.", NOT_MADE)
            who = f"{person.preferred_name} ({person.ref})"
            issued = linking.issue_code(session, SystemActor("cli"), person_id=person.id, days=days,
                                        hasher=settings.link_hasher)
        else:
            worker = find_worker(session, args.worker)
            if worker is None:
                raise CommandFailed(f"No worker has the reference {args.worker}.", NOT_MADE)
            who = f"{worker.name} ({worker.ref})"
            issued = linking.issue_code(session, SystemActor("cli"), worker_id=worker.id, days=days,
                                        hasher=settings.link_hasher)
    print(f"Link code for {who}:", file=out)
    print(f"    {issued.code}", file=out)
    print(f"It works once, and runs out on {long_datetime(issued.expires_at, 'en')} (London time).", file=out)
    print("It is not stored anywhere, so it cannot be shown again. Any older code for them no longer works.",
          file=out)
    return MADE

