"""When reminders are due: offsets before an appointment, per kind, and quiet hours on the London clock.

Pure functions, no database, so the appointment transaction (casefile) and the dispatcher (bot) agree.

The service's rules (offsets before an appointment, per kind, quiet hours, the missed follow-up) come
from the settings (bot/settings.py reads SIGNPOST_REMINDER_OFFSETS, SIGNPOST_REMINDER_KIND_OFFSETS,
SIGNPOST_QUIET_HOURS and SIGNPOST_MISSED_FOLLOW_UP with the parse_* functions here, and writes their
defaults): whoever writes an appointment passes the ReminderPolicy in. Nothing here reads the environment.

Quiet hours, thought through. The quiet window is the time strictly between its two edges: a
message at 21:00:00 or at 08:00:00 exactly is allowed, anything in between is held. A reminder
that falls inside the window moves to an edge:
  * to the end of the window (08:00) when that is still before the appointment starts, because a
    reminder closer to the appointment is more useful ("2h before" at 06:30 for a 10:00 start
    goes at 08:00);
  * otherwise to the start of the window (21:00 the evening before), the last moment before the
    quiet hours that still comes before the appointment ("2h before" at 06:30 for an 08:00 start
    goes at 21:00 the evening before, because 08:00 would be too late).
Messages that are not tied to a start time (a worker's message, a missed-appointment follow-up)
always move to the end of the window. Edges are found on the London wall clock with zoneinfo,
so the spring and autumn clock changes are handled: 08:00 is 08:00 local whatever the offset.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from casefile.clock import LONDON

_DURATION = re.compile(r"^\s*(\d{1,4})\s*([dhm])\s*$", re.IGNORECASE | re.ASCII)
_UNITS = {"d": 1440, "h": 60, "m": 1}
_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$", re.ASCII)
MAX_OFFSET = timedelta(days=14)


class RuleError(ValueError):
    """A reminder setting that cannot be read; the message says which and how to write it."""


@dataclass(frozen=True)
class QuietHours:
    start: time  # e.g. 21:00, on the London clock
    end: time  # e.g. 08:00

    def contains(self, moment: datetime) -> bool:
        """True when `moment` is strictly inside the window (the edges themselves are allowed)."""
        local = moment.astimezone(LONDON)
        clock = local.time().replace(tzinfo=None)
        if self.start == self.end:
            return False
        if self.start < self.end:  # a window within one day, e.g. 13:00-14:00
            return self.start < clock < self.end
        return clock > self.start or clock < self.end

    def _edges_around(self, moment: datetime) -> tuple[datetime, datetime]:
        """The start and end (aware UTC) of the quiet window that contains `moment`."""
        local = moment.astimezone(LONDON)
        day = local.date()
        clock = local.time().replace(tzinfo=None)
        # After midnight in an overnight window, the window began the evening before.
        start_day = day if self.start < self.end or clock > self.start else day - timedelta(days=1)
        end_day = start_day if self.start < self.end else start_day + timedelta(days=1)
        return _london(start_day, self.start), _london(end_day, self.end)

    def place(self, due: datetime, before: datetime | None = None) -> datetime:
        """Where a message due at `due` may go: `due` itself, or an edge of the quiet window."""
        due = due.astimezone(UTC)
        if not self.contains(due):
            return due
        start_edge, end_edge = self._edges_around(due)
        if before is None or end_edge < before:
            return end_edge
        return start_edge


def _london(day: object, clock: time) -> datetime:
    """The UTC moment of a London wall-clock time. A time skipped in spring is read as after the change."""
    local = datetime.combine(day, clock, tzinfo=LONDON)  # type: ignore[arg-type]
    # zoneinfo maps a skipped time (01:30 on the spring change) with fold=0 to the earlier offset;
    # round-tripping through UTC lands it on the real clock just after the change.
    return local.astimezone(UTC)


@dataclass(frozen=True)
class ReminderPolicy:
    """The service's reminder rules, from the settings (no defaults here: bot/settings.py has them)."""

    offsets: tuple[timedelta, ...]
    kind_offsets: Mapping[str, tuple[timedelta, ...]]
    quiet: QuietHours
    missed_follow_up: timedelta

    def offsets_for(self, kind: str) -> tuple[timedelta, ...]:
        return self.kind_offsets.get(kind.strip().casefold(), self.offsets)


@dataclass(frozen=True)
class PersonChoices:
    """The person's own reminder choices from their file."""

    reminders_on: bool = True
    remind_day_before: bool = True
    remind_hours_before: int = 2
    quiet_from: time | None = None
    quiet_until: time | None = None


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text)
    if match is None:
        raise RuleError(f"{text.strip()!r} is not a length of time. Write it like 24h, 90m or 2d.")
    minutes = int(match.group(1)) * _UNITS[match.group(2).lower()]
    return timedelta(minutes=minutes)


def parse_offsets(text: str) -> tuple[timedelta, ...]:
    """'24h,2h' -> (24 h, 2 h), longest first, no repeats. An empty text means no reminders."""
    offsets = {parse_duration(part) for part in text.split(",") if part.strip()}
    for offset in offsets:
        if offset > MAX_OFFSET:
            raise RuleError("A reminder can go at most 14 days before an appointment.")
    return tuple(sorted(offsets, reverse=True))


def parse_kind_offsets(text: str) -> dict[str, tuple[timedelta, ...]]:
    """'health=48h,2h;jobcentre=1d' -> {'health': (48 h, 2 h), 'jobcentre': (24 h,)}."""
    result: dict[str, tuple[timedelta, ...]] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        kind, sep, offsets = part.partition("=")
        if not sep or not kind.strip():
            raise RuleError(f"{part.strip()!r} should look like kind=24h,2h.")
        result[kind.strip().casefold()] = parse_offsets(offsets)
    return result


def parse_clock(text: str) -> time:
    match = _CLOCK.match(text)
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise RuleError(f"{text.strip()!r} is not a time of day. Write it like 21:00.")
    return time(int(match.group(1)), int(match.group(2)))


def parse_quiet_hours(text: str) -> QuietHours:
    start, sep, end = text.partition("-")
    if not sep:
        raise RuleError(f"{text.strip()!r} should look like 21:00-08:00.")
    return QuietHours(parse_clock(start), parse_clock(end))


@dataclass(frozen=True)
class PlannedReminder:
    offset_minutes: int
    due_at: datetime  # aware UTC, already placed outside quiet hours


def quiet_for(policy: ReminderPolicy, choices: PersonChoices) -> QuietHours:
    """The person's own quiet hours when they set both ends, else the service's."""
    if choices.quiet_from is not None and choices.quiet_until is not None:
        return QuietHours(choices.quiet_from, choices.quiet_until)
    return policy.quiet


def appointment_reminders(
    policy: ReminderPolicy, kind: str, starts_at: datetime, now: datetime, choices: PersonChoices
) -> list[PlannedReminder]:
    """The reminders for an appointment starting at `starts_at`, booked or moved at `now`.

    Offsets of a day or more are "day before" reminders and follow `remind_day_before`; shorter ones
    follow `remind_hours_before` (0 turns them off). A reminder whose time has already passed is
    dropped, and two reminders that land on the same moment after quiet hours become one.
    """
    if not choices.reminders_on:
        return []
    quiet = quiet_for(policy, choices)
    planned: dict[datetime, PlannedReminder] = {}
    for offset in policy.offsets_for(kind):
        if offset >= timedelta(hours=24) and not choices.remind_day_before:
            continue
        if offset < timedelta(hours=24) and choices.remind_hours_before == 0:
            continue
        due = quiet.place(starts_at - offset, before=starts_at)
        if due <= now or due >= starts_at:
            continue
        planned.setdefault(due, PlannedReminder(int(offset.total_seconds() // 60), due))
    return sorted(planned.values(), key=lambda reminder: reminder.due_at)


def not_before_quiet_end(policy: ReminderPolicy, due: datetime, choices: PersonChoices | None = None) -> datetime:
    """A message with no start time to beat: held to the end of quiet hours if it falls inside them."""
    quiet = quiet_for(policy, choices) if choices is not None else policy.quiet
    return quiet.place(due)
