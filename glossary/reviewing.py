"""Reading the `sources` and `reviewed` fields that every kind of editors' content carries.

The glossary, the questions library and the Help now numbers each say their own words about a problem
(a card "has no sources", the Help now numbers "were last checked"), but what counts as a source and a
review date is decided here once: public https addresses, and an ISO date no later than today.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

# Facts in the glossary and the questions library are checked against their sources once a year.
REVIEW_EVERY = timedelta(days=365)


class ReviewState(StrEnum):
    MISSING = "missing"  # no date, or one that cannot be read as a date
    FUTURE = "future"
    DUE = "due"  # older than the content's review rhythm
    CURRENT = "current"


@dataclass(frozen=True)
class ReviewDate:
    state: ReviewState
    day: date | None  # the date as written, when it could be read

    @property
    def usable(self) -> bool:
        """A date the content can be served with (a due review is only a warning)."""
        return self.day is not None and self.state is not ReviewState.FUTURE


def read_reviewed(raw: Any, today: date, every: timedelta = REVIEW_EVERY) -> ReviewDate:
    """What a `reviewed:` value says: a date (written 2026-12-06), and whether it is due again."""
    if isinstance(raw, str):
        with contextlib.suppress(ValueError):  # an unreadable date is MISSING below
            raw = date.fromisoformat(raw.strip())
    if not isinstance(raw, date):
        return ReviewDate(ReviewState.MISSING, None)
    if raw > today:
        return ReviewDate(ReviewState.FUTURE, raw)
    return ReviewDate(ReviewState.DUE if today - raw > every else ReviewState.CURRENT, raw)


def due_on(reviewed: date, every: timedelta = REVIEW_EVERY) -> date:
    """The first day a review is overdue (the day the checker starts warning)."""
    return reviewed + every + timedelta(days=1)


def is_web_address(value: Any) -> bool:
    """A public page's full address: https and a host."""
    if not isinstance(value, str):
        return False
    parts = urlsplit(value.strip())
    return parts.scheme == "https" and bool(parts.netloc)


def read_sources(raw: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(good https addresses, everything else written) from a `sources:` list (one address may stand alone)."""
    if raw is None:
        return (), ()
    items = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else [raw]
    good = tuple(item.strip() for item in items if is_web_address(item))
    bad = tuple(str(item) for item in items if not is_web_address(item))
    return good, bad
