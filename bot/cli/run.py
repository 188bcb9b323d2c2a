"""`signpost run`: what the README's run command starts.

On first start it makes the database and adds the fictional demo people; then it opens the chat
in this terminal as the demo person DEMO-1, so a new user sees Signpost as a person would.
"""

from __future__ import annotations

import argparse
import sys

from bot.settings import Settings

DEMO_PERSON = "DEMO-1"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="Start Signpost on its built-in defaults (what './dev run' does): demo data, then the chat.",
        description="Prepare the database, add the demo people on first start, and chat as DEMO-1.",
    )
    parser.add_argument("--lang", choices=("en", "cy", "pl"), default=None, help="Language to start in.")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from bot.cli.chat import run_chat
    from bot.cli.demo import run_demo_data
    from casefile import db, directory

    settings = Settings.from_env()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = db.make_engine(settings.database_url)
    try:
        revision = db.current_revision(engine)
        ready = revision == db.head_revision()
        if ready:
            with db.session_factory(engine)() as session:
                ready = directory.find_person(session, DEMO_PERSON) is not None
    finally:
        engine.dispose()
    if not ready:
        if revision is None:
            print("First start: making the database and the demo people (all made up).")
        else:
            print("Updating the database to this version, and checking the demo people (all made up).")
        status = run_demo_data(argparse.Namespace(today=None))
        if status != 0:
            return status
    if sys.stdin.isatty():
        print(f"\nYou are chatting as the demo person {DEMO_PERSON}. Type a number to press a button, "
              "or type a question. /quit to leave.\n")
    return run_chat(argparse.Namespace(person=DEMO_PERSON, lang=args.lang))
