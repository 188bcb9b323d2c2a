"""Reading form fields the GOV.UK way: every problem is kept by field, for the summary and beside the field."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

from starlette.datastructures import FormData

from casefile.clock import EARLIEST_YEAR, LATEST_YEAR, LONDON, OUT_OF_RANGE, london_to_utc, skipped_time
from casefile.safe_text import control_problem

_CLOCK = re.compile(r"^\s*(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?\s*$", re.IGNORECASE)


@dataclass
class FormCheck:
    """The values read so far and the problems found, in field order."""

    form: FormData
    errors: dict[str, str] = field(default_factory=dict)
    # Which element the error summary links to (a date input's first box, not the fieldset).
    anchors: dict[str, str] = field(default_factory=dict)

    def text(self, name: str, *, label: str, required: bool = False, limit: int = 1000) -> str:
        value = self.form.get(name)
        text = value.strip() if isinstance(value, str) else ""
        if required and not text:
            self.error(name, f"Enter {label}")
        elif len(text) > limit:
            self.error(name, f"{label[0].upper()}{label[1:]} must be {limit} characters or fewer")
        elif why := control_problem(text):
            self.error(name, f"{label[0].upper()}{label[1:]} {why}")
        return text

    def whole_number(self, name: str, *, label: str, low: int, high: int, default: int | None = None) -> int | None:
        raw = self.text(name, label=label)
        if not raw and default is not None:
            return default
        if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(high)) or not low <= int(raw) <= high:
            self.error(name, f"{label[0].upper()}{label[1:]} must be a whole number from {low} to {high}")
            return None
        return int(raw)

    def day(self, name: str, *, label: str) -> date | None:
        parts = [self.text(f"{name}-{part}", label=label) for part in ("day", "month", "year")]
        self.anchors[name] = f"{name}-day"
        if not all(parts):
            self.error(name, f"Enter {label}, with a day, month and year")
            return None
        try:
            if not all(part.isascii() and part.isdigit() and len(part) <= 4 for part in parts):
                raise ValueError(parts)
            found = date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            self.error(name, f"{label[0].upper()}{label[1:]} must be a real date, like 27 3 2027")
            return None
        if not EARLIEST_YEAR <= found.year <= LATEST_YEAR:
            self.error(name, f"{label[0].upper()}{label[1:]} {OUT_OF_RANGE}")
            return None
        return found

    def optional_day(self, name: str, *, label: str) -> date | None:
        """A date that may be left empty (all three boxes): None then, and no problem."""
        parts = [self.text(f"{name}-{part}", label=label) for part in ("day", "month", "year")]
        if not any(parts):
            self.anchors[name] = f"{name}-day"
            return None
        return self.day(name, label=label)

    def clock(self, name: str, *, label: str) -> time | None:
        raw = self.text(name, label=label, required=True)
        if not raw:
            return None
        found = _CLOCK.match(raw) if raw.isascii() else None
        if found:
            hour, minute, half = int(found.group(1)), int(found.group(2) or 0), (found.group(3) or "").lower()
            if half:
                hour = (hour % 12) + (12 if half == "pm" else 0) if 1 <= hour <= 12 else 99
            if hour <= 23 and minute <= 59:
                return time(hour, minute)
        self.error(name, f"Enter {label} like 14:30 or 2:30pm")
        return None

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> list[dict[str, str]]:
        return [{"text": message, "href": f"#{self.anchors.get(name, name)}"} for name, message in self.errors.items()]


def london_moment(day: date, clock: time) -> datetime | None:
    """A wall-clock time in London as an aware moment; None for a time the clocks skip in spring.

    In the autumn hour that happens twice, the first (summer time) one is used, as the feeds do.
    """
    moment = london_to_utc(day, clock)
    return None if moment is None else moment.astimezone(LONDON)


def skipped_problem(check: FormCheck, name: str, day: date | None, clock: time | None) -> datetime | None:
    """The moment `day` and `clock` name in London, or None with a plain problem on `name` if the clocks skip it."""
    if day is None or clock is None:
        return None
    moment = london_moment(day, clock)
    if moment is None:
        check.error(name, skipped_time(day, clock))
    return moment


def date_parts(moment: datetime | None) -> dict[str, str]:
    if moment is None:
        return {}
    local = moment.astimezone(LONDON)
    return {"day": str(local.day), "month": str(local.month), "year": str(local.year),
            "time": local.strftime("%H:%M")}
