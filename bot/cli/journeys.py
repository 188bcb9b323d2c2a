"""`signpost journeys holidays|picture`: look at journey content the way people will see it."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from bot.i18n import LANGUAGES, long_date
from bot.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    journeys = subparsers.add_parser(
        "journeys",
        help="Journey tools: bank holidays, and the journey picture for a stage.",
        description="See the bank holidays Signpost plans around, and draw the journey picture for a stage.",
    )
    commands = journeys.add_subparsers(dest="journeys_command", metavar="COMMAND", title="commands")
    journeys.set_defaults(func=lambda args: _help(journeys))

    holidays = commands.add_parser(
        "holidays",
        help="List the bank holidays in England and Wales for one or more years.",
        description="The bank holidays in England and Wales: the usual ones worked out by rule, plus the "
        "one-off changes in content/journeys/bank-holidays.yaml.",
    )
    holidays.add_argument("years", nargs="*", type=_year, metavar="YEAR",
                          help="Years to list (default: this year and next).")
    holidays.add_argument("--lang", choices=LANGUAGES, default="en", help="Language for the dates.")
    holidays.set_defaults(func=run_holidays)

    picture = commands.add_parser(
        "picture",
        help="Draw the journey picture (PNG) with 'You are here' at a stage.",
        description="Draw the journey picture that the chat sends, with 'You are here' at STAGE.",
    )
    picture.add_argument("stage", metavar="STAGE", help="A stage key, like on_licence or community_order.")
    picture.add_argument("--lang", choices=LANGUAGES, default="en", help="Language of the picture.")
    picture.add_argument("--out", type=Path, default=None, metavar="FILE",
                         help="Where to save it (default: signpost-journey-STAGE-LANG.png here).")
    picture.set_defaults(func=run_picture)


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _year(text: str) -> int:
    try:
        year = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'"{text}" is not a year, like 2027') from None
    if not 1978 <= year <= 2200:
        raise argparse.ArgumentTypeError("give a year from 1978 (when today's pattern began) to 2200")
    return year


def run_holidays(args: argparse.Namespace) -> int:
    from glossary.findings import ContentError
    from journeys.calendar import load_bank_holidays

    try:
        holidays = load_bank_holidays(Settings.from_env().content_dir)
    except ContentError as error:
        print(f"The bank holidays file has a problem: {error}", file=sys.stderr)
        return 1
    this_year = date.today().year
    for year in args.years or [this_year, this_year + 1]:
        print(f"{year}:")
        for day, name in holidays.in_year(year).items():
            print(f"  {long_date(day, args.lang)}  {name}")
    return 0


def run_picture(args: argparse.Namespace) -> int:
    from glossary.findings import ContentError
    from journeys.stages import STAGE_KEYS, load_stages
    from journeys.timeline import draw_timeline
    from journeys.where import JourneyFacts, where_am_i

    if args.stage not in STAGE_KEYS:
        print(f'"{args.stage}" is not a stage. Use one of: {", ".join(STAGE_KEYS)}.', file=sys.stderr)
        return 2
    try:
        stages = load_stages(Settings.from_env().content_dir)
    except ContentError as error:
        print(f"The stages file has a problem: {error}", file=sys.stderr)
        return 1
    # With no case file, every optional stage on the path is drawn so editors see them all.
    facts = JourneyFacts(stage=args.stage, hdc_eligibility=date.min, top_up_end=date.min)
    answer = where_am_i(facts, date.today(), stages, language=args.lang)
    png = draw_timeline(answer.timeline_stages, args.stage, args.lang, labels=answer.labels)
    out: Path = args.out or Path(f"signpost-journey-{args.stage}-{args.lang}.png")
    try:
        out.write_bytes(png)
    except OSError as error:
        print(f"Could not save the picture to {out}: {error.strerror}.", file=sys.stderr)
        return 1
    print(f"Saved {out} ({len(png) // 1024} KB).")
    return 0
