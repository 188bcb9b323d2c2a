"""The one clock the service keeps: England and Wales wall time.

Appointments, pick-ups, quiet hours and the dates shown to people and staff are all on this clock,
so it is defined here once and every room imports it.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def london_today() -> date:
    """Today's date on the England and Wales clock (content review dates are London days)."""
    return datetime.now(LONDON).date()
