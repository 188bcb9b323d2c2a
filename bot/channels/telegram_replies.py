"""Replies Telegram did not take, sent again with backoff: the person gets the answer once the API is back.

A reply (the answer to a message or to a button) that fails with a 5xx, a refused or broken
connection, or a 429 that PTB's limiter gave up on, did not arrive: it waits here and is sent again,
after 1 s, then 2 s, 4 s ... at most 30 s apart, for up to 15 minutes. A reply that got no answer in
the send timeout may have arrived ("uncertain"): it is sent again once only, after a pause, never at
once; so a person gets at most two copies, and only when Telegram did not answer.
Replies to one chat keep their order: while one waits, the later ones wait behind it.

Where they wait: in memory, not in the outbox. A reply answers what the person just said and is
worded from what the case file has already saved, so nothing the person did is lost with it; it is
only worth sending while the conversation is fresh (hence the 15 minutes); and keeping it in memory
puts none of the bot's answers (which can name appointments and workers) in the database. What
waits is bounded (per chat and overall, the oldest dropped with a log line), and on a clean stop every
waiting reply gets a last try. A process that crashes loses them, as it loses the update it was
answering; reminders, which must survive that, live in the outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum

from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.reminders.sender import delivery_uncertain

log = logging.getLogger(__name__)
Attempt = Callable[[], Awaitable[object]]
FIRST_WAIT_SECONDS = 1.0
MOST_WAIT_SECONDS = 30.0
UNCERTAIN_WAIT_SECONDS = 5.0
GIVE_UP_SECONDS = 15 * 60.0
MOST_PER_CHAT = 20
MOST_WAITING = 5_000
DRAIN_SECONDS = 10.0


class Trouble(Enum):
    NOT_SENT = "not sent"  # Telegram did not take it: safe to send again
    UNCERTAIN = "uncertain"  # no answer in time: it may have arrived


def trouble_of(error: BaseException) -> Trouble | None:
    """How a failed send failed, when sending it again later may work; None when it never will."""
    if isinstance(error, TimedOut):
        return Trouble.UNCERTAIN if delivery_uncertain(error) else Trouble.NOT_SENT
    if isinstance(error, BadRequest):  # Telegram refused this message: the same again would fail the same
        return None
    if isinstance(error, NetworkError | RetryAfter):  # PTB reports 5xx answers as NetworkError
        return Trouble.NOT_SENT
    return None


@dataclass
class _Waiting:
    attempt: Attempt
    what: str
    since: float
    uncertain: bool = False


class ReplyRetry:
    """Sends replies, and keeps the ones Telegram did not take to send again later (see the module)."""

    def __init__(self, *, first_wait: float = FIRST_WAIT_SECONDS, most_wait: float = MOST_WAIT_SECONDS,
                 uncertain_wait: float = UNCERTAIN_WAIT_SECONDS, give_up_after: float = GIVE_UP_SECONDS) -> None:
        self.first_wait = first_wait
        self.most_wait = most_wait
        self.uncertain_wait = uncertain_wait
        self.give_up_after = give_up_after
        self._waiting: dict[int, deque[_Waiting]] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._hurry = asyncio.Event()  # set while stopping: try every waiting reply now
        self.resent = 0
        self.dropped = 0
        self.uncertain = 0

    @property
    def waiting(self) -> int:
        return sum(len(queue) for queue in self._waiting.values())

    async def send(self, chat_id: int, attempt: Attempt, what: str) -> None:
        """Send now; if Telegram is in trouble, keep it to send later. Raises only what a retry cannot mend."""
        if chat_id in self._waiting:  # behind the replies already waiting for this chat, to keep the order
            self._keep(chat_id, _Waiting(attempt, what, time.monotonic()))
            return
        try:
            await attempt()
        except Exception as error:
            trouble = trouble_of(error)
            if trouble is None:
                raise
            log.warning("Telegram did not take %s (%s: %s); sending it again later", what, type(error).__name__,
                        error)
            if trouble is Trouble.UNCERTAIN:
                self.uncertain += 1
            self._keep(chat_id, _Waiting(attempt, what, time.monotonic(), uncertain=trouble is Trouble.UNCERTAIN))

    def _keep(self, chat_id: int, item: _Waiting) -> None:
        if self.waiting >= MOST_WAITING:
            log.error("too many replies waiting for Telegram (%d); dropped %s", MOST_WAITING, item.what)
            self.dropped += 1
            return
        queue = self._waiting.setdefault(chat_id, deque())
        queue.append(item)
        if len(queue) > MOST_PER_CHAT:
            oldest = queue.popleft()
            self.dropped += 1
            log.error("too many replies waiting for one chat; dropped the oldest, %s", oldest.what)
        if chat_id not in self._tasks:
            self._tasks[chat_id] = asyncio.create_task(self._resend(chat_id), name=f"signpost-reply-retry-{chat_id}")

    async def _pause(self, seconds: float) -> None:
        if self._hurry.is_set():  # stopping: short pauses, but never a busy loop against a failing API
            await asyncio.sleep(min(seconds, 0.5))
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._hurry.wait(), seconds)

    async def _resend(self, chat_id: int) -> None:
        queue = self._waiting[chat_id]
        wait = self.uncertain_wait if queue[0].uncertain else self.first_wait
        try:
            while queue:
                await self._pause(wait)
                item = queue[0]
                try:
                    await item.attempt()
                except Exception as error:
                    trouble = trouble_of(error)
                    gave_up = (trouble is None or (item.uncertain and trouble is Trouble.UNCERTAIN)
                               or time.monotonic() - item.since > self.give_up_after)
                    if gave_up:
                        queue.popleft()
                        self.dropped += 1
                        log.error("gave up sending %s to Telegram: %s: %s", item.what, type(error).__name__, error)
                        wait = self.first_wait
                        continue
                    if trouble is Trouble.UNCERTAIN:
                        item.uncertain = True
                        self.uncertain += 1
                    wait = max(min(wait * 2, self.most_wait), self.uncertain_wait if item.uncertain else 0.0)
                    continue
                queue.popleft()
                self.resent += 1
                log.info("sent %s after Telegram's trouble", item.what)
                wait = 0.0
        finally:
            self._waiting.pop(chat_id, None)
            self._tasks.pop(chat_id, None)

    async def drain(self, seconds: float = DRAIN_SECONDS) -> None:
        """On a clean stop: try every waiting reply now, for up to `seconds`; say what could not be sent."""
        if not self._tasks:
            return
        self._hurry.set()
        tasks = list(self._tasks.values())
        _done, pending = await asyncio.wait(tasks, timeout=seconds)
        left = self.waiting
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if left:
            self.dropped += left
            log.error("stopped with %d replies Telegram had not taken; they are not sent", left)
