"""Keeping within Telegram's flood limits before a request leaves, so 429s stay rare.

Telegram allows about 30 messages a second overall and one a second to any one chat. We pace a
little under both: a token bucket of `per_second` with a small burst overall (a full 30-message
burst would leave no slack for network jitter), and a minimum gap per chat slightly over a second.

Two pacers do this. `Pacer` counts one process's sends. `SharedPacer` counts every process's, in a
budget kept in PostgreSQL (casefile/send_budget.py): with several dispatchers and `signpost serve`
processes, Telegram's limits are the bot's, not each process's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.settings import Settings, default_of
from casefile import send_budget
from casefile.send_budget import BudgetLimits, Reservation

log = logging.getLogger(__name__)
TELEGRAM_CHAT_GAP = 1.05  # seconds between two messages to one chat, where Telegram allows one a second


@dataclass(frozen=True)
class PaceLimits:
    per_second: float = default_of("send_per_second")
    burst: int = 5
    per_chat_gap: float = TELEGRAM_CHAT_GAP


class SendPacer(Protocol):
    """One message's turn to go to a chat (`async with pacer.turn(chat_id): send`); told when Telegram said wait.

    The turn lasts until the send is answered: the chat's next message is spaced from then, so a request
    that reached Telegram late does not bring the next one too close behind it.
    """

    def turn(self, chat_id: str) -> contextlib.AbstractAsyncContextManager[None]: ...

    def pause(self, seconds: float) -> None: ...


def pace_limits(settings: Settings) -> PaceLimits:
    """The settings' pace: SIGNPOST_SEND_PER_SECOND overall, a little over the per-chat limit's gap."""
    return PaceLimits(per_second=settings.send_per_second,
                      per_chat_gap=TELEGRAM_CHAT_GAP / settings.telegram_limits.per_chat)


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

    @contextlib.asynccontextmanager
    async def turn(self, chat_id: str) -> AsyncIterator[None]:
        await self.acquire(chat_id)
        try:
            yield
        finally:
            answered = self._clock() + self.limits.per_chat_gap
            self._next_for_chat[chat_id] = max(self._next_for_chat.get(chat_id, 0.0), answered)

    def pause(self, seconds: float) -> None:
        """Telegram said RetryAfter: nothing goes out for `seconds`."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def _forget_old(self, now: float) -> None:
        self._next_for_chat = {chat: at for chat, at in self._next_for_chat.items() if at > now}


@dataclass
class _Line:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class KeyedLines:
    """First come, first served, one at a time, per key (a chat), in one event loop; a key's lock goes
    when nobody waits on it, so a quarter of a million chats leave nothing behind."""

    def __init__(self) -> None:
        self._lines: dict[str, _Line] = {}

    @contextlib.asynccontextmanager
    async def turn(self, key: str) -> AsyncIterator[None]:
        line = self._lines.setdefault(key, _Line())
        line.users += 1
        try:
            async with line.lock:
                yield
        finally:
            line.users -= 1
            if not line.users:
                del self._lines[key]

    def __len__(self) -> int:
        return len(self._lines)


class SharedPacer:
    """The budget every process shares, in PostgreSQL: one statement reserves each send's moment.

    One chat's sends from this process reserve in the order they ask (a lock per chat, first come first
    served), so two reminders to one chat keep their order. If the database cannot be reached the send is
    paced by this process alone, with a log line, rather than held up: the case file being away stops
    claiming anyway, and Telegram's 429 is still waited out.
    """

    SWEEP_EVERY = 5_000  # reservations between two sweeps of chats' old rows

    def __init__(self, engine: Engine, name: str, limits: PaceLimits | None = None) -> None:
        self.engine = engine
        self.name = name
        self.limits = limits or PaceLimits()
        self.budget = BudgetLimits(self.limits.per_second, self.limits.per_chat_gap, self.limits.burst)
        self.fallback = Pacer(self.limits)
        self._chat_lines = KeyedLines()
        self._reserved = 0
        self._opened = False
        self._database_away = False

    def _reserve(self, chat_id: str) -> Reservation:
        with self.engine.connect() as connection:
            if not self._opened:
                send_budget.open_budget(connection, self.name)
                self._opened = True
            reservation = send_budget.reserve(connection, self.name, chat_id, self.budget)
            self._reserved += 1
            if self._reserved % self.SWEEP_EVERY == 0:
                send_budget.sweep_chats(connection, self.name)
            return reservation

    @contextlib.asynccontextmanager
    async def turn(self, chat_id: str) -> AsyncIterator[None]:
        """The chat's line is held until the send is answered, so this process's next message to the chat
        reserves after it; and the chat's next moment is moved on from the answer (casefile/send_budget.py)."""
        async with self._chat_lines.turn(chat_id):
            wait, shared = await self._reserve_or_fall_back(chat_id)
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                yield
            finally:
                if shared:
                    await asyncio.to_thread(self._answered, chat_id)

    def _answered(self, chat_id: str) -> None:
        try:
            with self.engine.connect() as connection:
                send_budget.sent(connection, self.name, chat_id, self.limits.per_chat_gap)
        except SQLAlchemyError as problem:  # the reservation's own gap still holds
            log.info("could not note a send to the shared budget: %s", type(problem).__name__)

    async def _reserve_or_fall_back(self, chat_id: str) -> tuple[float, bool]:
        """Seconds until the reserved moment (the chat's turn waited for first), and whether it was reserved
        in the shared budget (else this process paced it alone: the database is away)."""
        while True:
            try:
                reservation = await asyncio.to_thread(self._reserve, chat_id)
            except SQLAlchemyError as problem:
                if not self._database_away:
                    log.warning("the shared send budget %r is out of reach (%s: %s); this process paces itself "
                                "until it is back", self.name, type(problem).__name__,
                                (str(problem).strip().splitlines() or [""])[0][:200])
                    self._database_away = True
                await self.fallback.acquire(chat_id)
                return 0.0, False
            if self._database_away:
                log.info("the shared send budget %r is back", self.name)
                self._database_away = False
            if reservation.wait is not None:
                return reservation.wait, True
            await asyncio.sleep(reservation.chat_wait)  # the chat heard from the bot just now: its turn first

    def pause(self, seconds: float) -> None:
        """Telegram said wait: every process holds back (a short statement, so done on the spot)."""
        self.fallback.pause(seconds)
        try:
            with self.engine.connect() as connection:
                send_budget.pause(connection, self.name, seconds)
        except SQLAlchemyError:
            log.warning("could not tell the other processes to wait %.0f s: the shared budget is out of reach",
                        seconds)
