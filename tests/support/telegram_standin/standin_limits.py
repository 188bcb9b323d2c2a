"""Telegram's flood limits, as the stand-in enforces them when asked.

Telegram asks bots to send at most 30 messages a second overall, one a second to any one chat and
20 a minute to any one group, and answers HTTP 429 with `retry_after` when a bot goes faster.

Two models are offered. "token_bucket" (the default) allows a burst of the limit and then the
limit's rate; it is the model python-telegram-bot's AIORateLimiter (aiolimiter) paces by, so a
bot using it sees next to no 429s. "sliding_window" is stricter: never more than the limit in any window.
Any sender that respects the sliding window also passes the token bucket.

Both forgive a message that is early by at most `tolerance` seconds: requests reach the server a
little bunched up compared with when the client let them go (the first one also opens the
connection), and a bot pacing itself correctly should not be punished for that jitter.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Literal, Protocol

LimitModel = Literal["token_bucket", "sliding_window"]


@dataclass(frozen=True)
class RateLimits:
    overall_per_second: int = 30
    per_chat_per_second: int = 1
    per_group_per_minute: int = 20
    model: LimitModel = "token_bucket"
    tolerance: float = 0.25


class _Limiter(Protocol):
    def wait_needed(self, now: float) -> float: ...

    def take(self, now: float) -> None: ...


class _TokenBucket:
    def __init__(self, capacity: int, period: float) -> None:
        self._capacity = float(capacity)
        self._rate = capacity / period
        self._tokens = float(capacity)
        self._updated: float | None = None

    def _refill(self, now: float) -> None:
        if self._updated is not None:
            self._tokens = min(self._capacity, self._tokens + (now - self._updated) * self._rate)
        self._updated = now

    def wait_needed(self, now: float) -> float:
        self._refill(now)
        return max(0.0, (1.0 - self._tokens) / self._rate)

    def take(self, now: float) -> None:
        self._refill(now)
        self._tokens -= 1.0


class _SlidingWindow:
    def __init__(self, limit: int, period: float) -> None:
        self._limit = limit
        self._period = period
        self._sent: deque[float] = deque()

    def _forget_old(self, now: float) -> None:
        while self._sent and self._sent[0] <= now - self._period:
            self._sent.popleft()

    def wait_needed(self, now: float) -> float:
        self._forget_old(now)
        if len(self._sent) < self._limit:
            return 0.0
        return self._sent[len(self._sent) - self._limit] + self._period - now

    def take(self, now: float) -> None:
        self._sent.append(now)


class SendLimits:
    """Decides whether one more message may go out now; not thread-safe, the caller holds a lock."""

    def __init__(self, limits: RateLimits) -> None:
        self._limits = limits
        self._overall = self._new(limits.overall_per_second, 1.0)
        self._per_chat: dict[int | str, _Limiter] = {}

    def _new(self, limit: int, period: float) -> _Limiter:
        if self._limits.model == "sliding_window":
            return _SlidingWindow(limit, period)
        return _TokenBucket(limit, period)

    def _chat_limiter(self, chat_id: int | str) -> _Limiter:
        limiter = self._per_chat.get(chat_id)
        if limiter is None:
            is_group = isinstance(chat_id, int) and chat_id < 0
            if is_group:
                limiter = self._new(self._limits.per_group_per_minute, 60.0)
            else:
                limiter = self._new(self._limits.per_chat_per_second, 1.0)
            self._per_chat[chat_id] = limiter
        return limiter

    def try_send(self, chat_id: int | str, now: float) -> int:
        """0 when the message may go (and it is counted), else the whole seconds to wait, like Telegram."""
        chat = self._chat_limiter(chat_id)
        wait = max(self._overall.wait_needed(now), chat.wait_needed(now))
        if wait > self._limits.tolerance:
            return max(1, math.ceil(wait - 1e-9))  # 2.0000000001 s is still "retry after 2"
        self._overall.take(now)
        chat.take(now)
        return 0
