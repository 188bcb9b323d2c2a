"""The one clock the service keeps: England and Wales wall time.

Appointments, pick-ups, quiet hours and the dates shown to people and staff are all on this clock,
so it is defined here once and every room imports it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
# Dates outside these years are typing slips (1800, 9999), wherever they come from: a feed, the console, the shell.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2100
OUT_OF_RANGE = "is too far in the past or the future to be right. Check the year."


def london_to_utc(day: date, clock: time) -> datetime | None:
    """The London wall-clock time as UTC, or None when that time is skipped as the clocks go forward.

    In the hour the clocks go back, a time happens twice; the first (summer time) one is used.
    """
    local = datetime.combine(day, clock, tzinfo=LONDON)
    moment = local.astimezone(UTC)
    if moment.astimezone(LONDON).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return moment


def skipped_time(day: date, clock: time) -> str:
    """Why a London time skipped by the clock change cannot be used, in plain words."""
    return (f"{clock:%H:%M} on {day:%Y-%m-%d} does not happen in London, because the clocks go forward "
            "that night. Check the time.")


def london_today() -> date:
    """Today's date on the England and Wales clock (content review dates are London days)."""
    return datetime.now(LONDON).date()
