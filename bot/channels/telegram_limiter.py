"""PTB's rate-limiter hook, taking each reply from the send budget every process shares.

With one process, PTB's own AIORateLimiter paces replies (bot/channels/telegram.py). With several,
their replies and reminders together must stay within the bot's limits, so each message a reply sends
first takes its turn from a SendPacer (bot/reminders/pacing.py's SharedPacer: the budget in
PostgreSQL, with the per-chat gap). Only the calls Telegram counts as messages wait; a button's
"answered" or a "recording..." hint goes at once. A RetryAfter (429) holds every process back for the
time Telegram said, then the same request is tried again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.reminders.pacing import SendPacer

log = logging.getLogger(__name__)
# The Bot API methods Telegram's flood limits count: messages that reach a chat.
COUNTED_METHODS = frozenset({"sendMessage", "sendPhoto", "sendVoice", "sendDocument", "sendAudio", "sendVideo",
                             "sendAnimation", "sendSticker", "sendMediaGroup", "sendLocation", "copyMessage",
                             "forwardMessage"})
Result = bool | dict[str, Any] | list[dict[str, Any]]


class BudgetRateLimiter(BaseRateLimiter[int]):
    def __init__(self, pacer: SendPacer, max_retries: int = 5) -> None:
        self.pacer = pacer
        self.max_retries = max_retries
        self.retry_after_count = 0

    async def initialize(self) -> None:
        """Nothing to open: the pacer's database engine belongs to the process."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        chat_id = data.get("chat_id")
        counted = chat_id is not None and endpoint in COUNTED_METHODS
        tries = (rate_limit_args or self.max_retries) + 1
        for attempt in range(tries):
            try:
                if not counted:
                    return await callback(*args, **kwargs)
                async with self.pacer.turn(str(chat_id)):
                    return await callback(*args, **kwargs)
            except RetryAfter as flood:
                self.retry_after_count += 1
                if attempt == tries - 1:
                    raise
                wait = flood.retry_after
                seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                log.warning("Telegram asked us to wait %.0f s (%s)", seconds, endpoint)
                self.pacer.pause(seconds)
                if not counted:
                    await asyncio.sleep(seconds)
        raise AssertionError("unreachable: the last try returns or raises")
