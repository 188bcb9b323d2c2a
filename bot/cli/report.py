"""`signpost report attendance`: are people coming to appointments, and does confirming a reminder go with it?

    signpost report attendance --from 2026-11-01 --to 2026-12-01 --agency LPS
    signpost report attendance --csv > attendance.csv

Dates are London dates; --to is not included. Without dates: the last 28 days up to today.
"""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, time, timedelta
from typing import TextIO

from bot.cli.db import case_file, reports_failures
from casefile.clock import LONDON

OK, PROBLEM, BAD_USAGE = 0, 1, 2
HEADERS = ("agency", "kind", "confirmed", "attended", "missed", "cancelled", "not recorded", "total",
           "reminded", "attended %")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("report", help="Reports for the partnership (attendance).",
                                   description="Reports on how appointments went.")
    commands = parser.add_subparsers(dest="report_command", metavar="COMMAND", title="commands")
    report = commands.add_parser("attendance", help="Attended, missed, cancelled by agency and kind, "
                                 "split by whether the reminder was confirmed.")
    report.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first day (London)")
    report.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="day after the last one (London)")
    report.add_argument("--agency", metavar="SHORT", help="only this agency (its short name)")
    report.add_argument("--csv", action="store_true", help="comma-separated values instead of a table")
    report.add_argument("--database-url", metavar="URL", help="use this database instead of DATABASE_URL")
    report.set_defaults(func=_attendance)
    parser.set_defaults(func=lambda _args: (parser.print_help(), BAD_USAGE)[1])


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text.strip()) if text else None


@reports_failures
def _attendance(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from casefile.attendance import attendance
    from casefile.spreadsheet import write_csv

    try:
        end_day = _day(args.end) or datetime.now(LONDON).date() + timedelta(days=1)
        start_day = _day(args.start) or end_day - timedelta(days=28)
    except ValueError:
        print("Write dates like 2026-11-01.", file=err)
        return BAD_USAGE
    if start_day >= end_day:
        print("--from must be before --to.", file=err)
        return BAD_USAGE
    with case_file(args.database_url) as sessions, sessions() as session:
        rows = attendance(session, datetime.combine(start_day, time(), LONDON),
                          datetime.combine(end_day, time(), LONDON), args.agency, now=datetime.now(UTC))
    table = [
        (row.agency, row.kind, "yes" if row.confirmed else "no", row.counts["attended"], row.counts["missed"],
         row.counts["cancelled"], row.counts["not_recorded"], row.total, row.reminded,
         "" if row.attended_share is None else f"{100 * row.attended_share:.0f}")
        for row in rows
    ]
    if args.csv:
        write_csv(out, HEADERS, table)
        return OK
    print(f"Appointments from {start_day} to {end_day - timedelta(days=1)} (London dates)"
          + (f", agency {args.agency}" if args.agency else "") + ":", file=out)
    if not table:
        print("None.", file=out)
        return OK
    widths = [max(len(str(cell)) for cell in column) for column in zip(HEADERS, *table, strict=False)]
    for line in (HEADERS, *table):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip(), file=out)
    return OK
