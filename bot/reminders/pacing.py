"""Keeping within Telegram's flood limits before a request leaves, so 429s stay rare.

Telegram allows about 30 messages a second overall and one a second to any one chat. We pace a
little under both: a token bucket of `per_second` with a small burst overall (a full 30-message
burst would leave no slack for network jitter), and a minimum gap per chat slightly over a second.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.settings import default_of


@dataclass(frozen=True)
class PaceLimits:
    per_second: float = default_of("send_per_second")
    burst: int = 5
    per_chat_gap: float = 1.05  # seconds between two messages to one chat


class Pacer:
    """Waits until one more message may go to `chat_id`. One event loop only; no locks needed."""

    def __init__(self, limits: PaceLimits | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits or PaceLimits()
        self._clock = clock
        self._tokens = float(self.limits.burst)
        self._updated = clock()
        self._next_for_chat: dict[str, float] = {}
        self._paused_until = 0.0

    def _refill(self, now: float) -> None:
        self._tokens = min(float(self.limits.burst), self._tokens + (now - self._updated) * self.limits.per_second)
        self._updated = now

    def wait_needed(self, chat_id: str, now: float) -> float:
        self._refill(now)
        overall = 0.0 if self._tokens >= 1.0 else (1.0 - self._tokens) / self.limits.per_second
        chat = max(0.0, self._next_for_chat.get(chat_id, 0.0) - now)
        return max(overall, chat, self._paused_until - now)

    async def acquire(self, chat_id: str) -> None:
        while True:
            now = self._clock()
            wait = self.wait_needed(chat_id, now)
            if wait <= 0:
                self._tokens -= 1.0
                self._next_for_chat[chat_id] = now + self.limits.per_chat_gap
                if len(self._next_for_chat) > 50_000:
                    self._forget_old(now)
                return
            await asyncio.sleep(wait)

    def pause(self, seconds: float) -> None:
        """Telegram said RetryAfter: nothing goes out for `seconds`."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def _forget_old(self, now: float) -> None:
        self._next_for_chat = {chat: at for chat, at in self._next_for_chat.items() if at > now}
