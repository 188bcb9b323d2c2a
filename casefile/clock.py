"""The one clock the service keeps: England and Wales wall time.

Appointments, pick-ups, quiet hours and the dates shown to people and staff are all on this clock,
so it is defined here once and every room imports it.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
