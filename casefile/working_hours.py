"""A worker's hours as staff write them ("Monday to Friday, 9am to 5pm"), read well enough to say who
on a person's team is working now.

Staff type hours as free text, so only the common shapes are read: days (a day, "Monday to Friday",
"weekdays", "every day", a list) then a time range (9am to 5pm, 09:00-17:00, 9.30am-4pm). Anything
else is "not known", and the chat then says nothing about who is working rather than guess.
"""

from __future__ import annotations

import re
from datetime import time

from casefile.services import WeeklyOpening

_DAYS = {"monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2, "thursday": 3,
         "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5, "sunday": 6, "sun": 6}
_GROUPS = {"weekdays": tuple(range(5)), "every day": tuple(range(7)), "daily": tuple(range(7)),
           "weekends": (5, 6), "7 days": tuple(range(7))}
_TIME = r"(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?"
_RANGE = re.compile(_TIME + r"\s*(?:to|-|–|until)\s*" + _TIME)


def _clock(hour: str, minute: str | None, half: str | None) -> time | None:
    value, minutes = int(hour), int(minute or 0)
    if half == "pm" and value < 12:
        value += 12
    if half == "am" and value == 12:
        value = 0
    return time(value, minutes) if 0 <= value < 24 and 0 <= minutes < 60 else None


def _days(text: str) -> tuple[int, ...] | None:
    text = " ".join(text.replace(",", " ").replace("&", " and ").split())
    for group, days in _GROUPS.items():
        if text == group:
            return days
    span = re.fullmatch(r"(\w+)\s*(?:to|-|–)\s*(\w+)", text)
    if span and span.group(1) in _DAYS and span.group(2) in _DAYS:
        start, end = _DAYS[span.group(1)], _DAYS[span.group(2)]
        return tuple((start + offset) % 7 for offset in range((end - start) % 7 + 1))
    words = [word for word in text.split() if word != "and"]
    if words and all(word in _DAYS for word in words):
        return tuple(sorted({_DAYS[word] for word in words}))
    return None


def read_working_hours(hours: str) -> tuple[WeeklyOpening, ...] | None:
    """The weekly hours in `hours`, or None when they are not in a shape this can read."""
    text = (hours or "").casefold().strip().rstrip(".")
    found = _RANGE.search(text)
    if not found:
        return None
    days = _days(text[: found.start()].strip(" ,:;"))
    opens, closes = _clock(*found.group(1, 2, 3)), _clock(*found.group(4, 5, 6))
    if days is None or opens is None or closes is None or opens == closes:
        return None
    return tuple(WeeklyOpening(day, opens, closes) for day in days)
