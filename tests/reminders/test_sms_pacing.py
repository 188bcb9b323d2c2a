"""bot/reminders/sms_pacing.py: Notify's minute and day limits, on a clock moved by hand."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.reminders.sms_pacing import SmsLimits, SmsPacer, seconds_to_london_midnight


class Ticks:
    """A monotonic clock that moves when the pacer sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_texts_keep_to_the_minutes_rate_after_the_burst() -> None:
    ticks = Ticks()
    pacer = SmsPacer(SmsLimits(per_minute=60.0, per_day=1000, burst=3), clock=ticks)
    waits: list[float] = []

    async def scenario() -> None:
        real_sleep = asyncio.sleep

        async def sleep(seconds: float) -> None:
            waits.append(seconds)
            ticks.now += seconds
            await real_sleep(0)

        asyncio.sleep = sleep  # type: ignore[assignment]
        try:
            for _ in range(6):
                assert await pacer.acquire() is None
        finally:
            asyncio.sleep = real_sleep  # type: ignore[assignment]

    asyncio.run(scenario())
    assert len(waits) == 3 and all(abs(wait - 1.0) < 1e-9 for wait in waits)  # 60 a minute: one a second
    assert ticks.now == 3.0 and pacer.sent_today == 6


def test_the_days_limit_counts_the_london_day_and_turns_at_midnight() -> None:
    wall = datetime(2027, 6, 9, 22, 30, tzinfo=UTC)  # 23:30 in London (BST)
    moments = {"now": wall}
    pacer = SmsPacer(SmsLimits(per_minute=6000.0, per_day=2, burst=10), wall_clock=lambda: moments["now"])

    async def three() -> list[float | None]:
        return [await pacer.acquire() for _ in range(3)]

    first = asyncio.run(three())
    assert first[:2] == [None, None] and first[2] == 30 * 60.0
    moments["now"] = wall + timedelta(minutes=31)  # 00:01 the next London day
    assert asyncio.run(three()) == [None, None, 23 * 3600 + 59 * 60.0]


def test_a_turn_that_sent_nothing_is_given_back_and_notifys_day_limit_closes_the_day() -> None:
    wall = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)
    pacer = SmsPacer(SmsLimits(per_minute=6000.0, per_day=5, burst=10), wall_clock=lambda: wall)
    assert asyncio.run(pacer.acquire()) is None
    pacer.give_back()
    assert pacer.sent_today == 0
    assert pacer.day_used_up() == 12 * 3600.0  # London is on UTC in January
    assert asyncio.run(pacer.acquire()) == 12 * 3600.0


def test_429s_in_a_row_pause_longer_each_time_until_one_goes_through() -> None:
    ticks = Ticks()
    pacer = SmsPacer(SmsLimits(rate_limited_pause=2.0, most_pause=5.0), clock=ticks)
    assert [pacer.rate_limited() for _ in range(3)] == [2.0, 4.0, 5.0]
    pacer.went_through()
    assert pacer.rate_limited() == 2.0


def test_seconds_to_london_midnight_across_the_clocks_going_back() -> None:
    # On 31 October 2027 the clocks go back at 02:00 BST: that London day is 25 hours long.
    assert seconds_to_london_midnight(datetime(2027, 10, 30, 22, 0, tzinfo=UTC)) == 3600.0
    assert seconds_to_london_midnight(datetime(2027, 10, 31, 0, 0, tzinfo=UTC)) == 24 * 3600.0  # from 01:00 BST
    assert seconds_to_london_midnight(datetime(2027, 10, 30, 23, 0, tzinfo=UTC)) == 25 * 3600.0  # from 00:00 BST
