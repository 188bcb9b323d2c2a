"""Keeping within GOV.UK Notify's limits before a text leaves: so many a minute, and so many a day.

Notify allows 3,000 requests a minute for one API key, and each service has a daily limit of text
messages. Minute by minute this is a token bucket like the Telegram Pacer's (bot/reminders/pacing.py),
with a small burst, at SIGNPOST_SMS_PER_MINUTE. The day is counted by the London calendar day, as
Notify resets its limits at midnight UK time: once SIGNPOST_SMS_PER_DAY texts went today, `acquire`
says how long until tomorrow instead of letting one more go. A 429 from Notify pauses every send,
the wait doubling while Notify keeps saying so.

The daily count is this process's own: several dispatchers at once share Notify's real limit, which
Notify enforces with its own 429 (read as the day's limit by bot/channels/notify_client.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.settings import default_of
from casefile.clock import LONDON


@dataclass(frozen=True)
class SmsLimits:
    per_minute: float = default_of("sms_per_minute")
    per_day: int = default_of("sms_per_day")
    burst: int = 10
    # After a 429 for the minute's limit, nothing goes for this long, doubling while 429s go on.
    rate_limited_pause: float = 2.0
    most_pause: float = 60.0


def seconds_to_london_midnight(now: datetime) -> float:
    local = now.astimezone(LONDON)
    tomorrow = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), tzinfo=LONDON)
    # In UTC: between two times in one zone Python subtracts wall clocks, an hour out on the clocks' change days.
    return max(1.0, (tomorrow.astimezone(UTC) - now.astimezone(UTC)).total_seconds())


class SmsPacer:
    """Waits until one more text may go. One event loop only; no locks needed."""

    def __init__(self, limits: SmsLimits | None = None, *, clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.limits = limits or SmsLimits()
        self._clock = clock
        self._wall_clock = wall_clock
        self._tokens = float(self.limits.burst)
        self._updated = clock()
        self._paused_until = 0.0
        self._pause = self.limits.rate_limited_pause
        self._day: date | None = None
        self.sent_today = 0

    @property
    def per_second(self) -> float:
        return self.limits.per_minute / 60.0

    def _refill(self, now: float) -> None:
        self._tokens = min(float(self.limits.burst), self._tokens + (now - self._updated) * self.per_second)
        self._updated = now

    def day_full(self) -> float | None:
        """Seconds until the London day turns, when today's texts are used up; else None."""
        wall = self._wall_clock()
        today = wall.astimezone(LONDON).date()
        if today != self._day:
            self._day, self.sent_today = today, 0
        if self.sent_today >= self.limits.per_day:
            return seconds_to_london_midnight(wall)
        return None

    async def acquire(self) -> float | None:
        """Wait for a turn, and count it; or, with today's texts used up, the seconds until tomorrow."""
        while True:
            full = self.day_full()
            if full is not None:
                return full
            now = self._clock()
            self._refill(now)
            wait = max(0.0 if self._tokens >= 1.0 else (1.0 - self._tokens) / self.per_second,
                       self._paused_until - now)
            if wait <= 0:
                self._tokens -= 1.0
                self.sent_today += 1
                return None
            await asyncio.sleep(wait)

    def rate_limited(self) -> float:
        """Notify said 429 for the minute: pause every send, longer each time in a row. Returns the pause."""
        pause = self._pause
        self._paused_until = max(self._paused_until, self._clock() + pause)
        self._pause = min(pause * 2, self.limits.most_pause)
        return pause

    def went_through(self) -> None:
        """A send Notify took: the next 429 starts from the shortest pause again."""
        self._pause = self.limits.rate_limited_pause

    def give_back(self) -> None:
        """A turn that sent nothing (Notify refused before counting it): it does not count against today."""
        self.sent_today = max(0, self.sent_today - 1)

    def day_used_up(self) -> float:
        """Notify said today's limit is used: no more texts until the London day turns."""
        wall = self._wall_clock()
        self._day, self.sent_today = wall.astimezone(LONDON).date(), self.limits.per_day
        return seconds_to_london_midnight(wall)
