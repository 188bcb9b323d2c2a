"""The conversation by text in `signpost serve`: the SMS channel, its received-text route, its catch-up.

All the wiring is here, in one place. `sms_service(settings, conversation, texts)` gives None when the
Notify settings are not set, else an `SmsService` whose `routes` join whichever Starlette app takes
Notify's callbacks (bot/channels/sms_callbacks.py in `signpost serve`), and whose `start`, once that app
listens, answers the texts missed while Signpost was down and then texts the confirmation codes for
numbers workers add in the console (another process), every few seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from starlette.routing import Route

from bot.channels.sms import SmsChannel, inbound_routes
from bot.conversation.core import Conversation
from bot.reminders.sender_sms import SmsSender
from bot.settings import Settings

log = logging.getLogger(__name__)
STOP_SECONDS = 10.0
CODES_EVERY_SECONDS = 5.0  # how soon a number a worker added in the console is texted its code


class SmsService:
    """The SMS channel's route, catch-up and confirmation codes, started and stopped with the bot."""

    def __init__(self, channel: SmsChannel, callback_token: str, *, codes_every: float = CODES_EVERY_SECONDS) -> None:
        self.channel = channel
        self.routes: list[Route] = inbound_routes(channel, callback_token)
        self.codes_every = codes_every
        self._stop = asyncio.Event()
        self._codes: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Call once the routes are served: catch up, then keep texting confirmation codes."""
        try:
            await self.channel.catch_up()
        except Exception:  # Notify down at start: texts the callback brings are still answered
            log.exception("could not read Notify's list of received texts to catch up")
        self._stop.clear()
        self._codes = asyncio.create_task(self._text_codes(), name="signpost-sms-codes")

    async def _text_codes(self) -> None:
        while not self._stop.is_set():
            try:
                await self.channel.text_codes()
            except Exception:
                log.exception("could not text the confirmation codes; trying again shortly")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.codes_every)

    async def stop(self) -> None:
        self._stop.set()
        if self._codes is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._codes, STOP_SECONDS)
            self._codes = None


def sms_service(settings: Settings, conversation: Conversation, texts: SmsSender) -> SmsService | None:
    """The SMS channel when the callback token is set (without it no received text could be trusted).
    `texts` is the dispatcher's sender, so replies and reminders keep to Notify's limits together."""
    if not settings.notify_callback_token:
        return None
    channel = SmsChannel(conversation, texts, hasher=settings.link_hasher)
    return SmsService(channel, settings.notify_callback_token)
