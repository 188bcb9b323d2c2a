"""Text messages in `signpost serve`: the Notify client, the SMS channel and its callback served by uvicorn.

All the wiring is here, in one place: `sms_service(settings, conversation)` gives None when the Notify
settings are not set, else an `SmsService` whose `routes` can be mounted on any Starlette app and whose
`start` serves them on SIGNPOST_SMS_LISTEN (host:port) and then catches up with texts missed while down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Route

from bot.channels.notify_client import NotifyClient
from bot.channels.sms import SmsChannel, inbound_routes
from bot.conversation.core import Conversation
from bot.settings import Settings

log = logging.getLogger(__name__)
STOP_SECONDS = 10.0
CODES_EVERY_SECONDS = 5.0  # how soon a number a worker added in the console is texted its code


class SmsService:
    """The SMS channel's callback server and catch-up, started and stopped with the bot."""

    def __init__(self, channel: SmsChannel, client: NotifyClient, callback_token: str, listen: str, *,
                 codes_every: float = CODES_EVERY_SECONDS) -> None:
        self.channel = channel
        self.codes_every = codes_every
        self._stop = asyncio.Event()
        self._codes: asyncio.Task[None] | None = None
        self.client = client
        self.routes: list[Route] = inbound_routes(channel, callback_token)
        host, _, port = listen.rpartition(":")
        self.host, self.port = host or "127.0.0.1", int(port or 8444)
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        config = uvicorn.Config(Starlette(routes=self.routes), host=self.host, port=self.port, log_level="warning",
                                lifespan="off")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve(), name="signpost-sms-callback")
        while not self._server.started and not self._task.done():
            await asyncio.sleep(0.02)
        if self._task.done():
            self._task.result()  # the port was taken, say: fail the start with the reason
        log.info("taking Notify's received texts on %s:%d", self.host, self.port)
        try:
            await self.channel.catch_up()
        except Exception:  # Notify down at start: texts the callback brings are still answered
            log.exception("could not read Notify's list of received texts to catch up")
        self._stop.clear()
        self._codes = asyncio.create_task(self._text_codes(), name="signpost-sms-codes")

    async def _text_codes(self) -> None:
        """Numbers workers add in the console (another process) are texted their code from here."""
        while not self._stop.is_set():
            try:
                await self.channel.text_codes()
            except Exception:
                log.exception("could not text the confirmation codes; trying again shortly")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.codes_every)

    @property
    def bound_port(self) -> int:
        """The port actually listened on (when SIGNPOST_SMS_LISTEN asked for port 0, in tests)."""
        assert self._server is not None and self._server.servers, "started first"
        return int(self._server.servers[0].sockets[0].getsockname()[1])

    async def stop(self) -> None:
        self._stop.set()
        if self._codes is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._codes, STOP_SECONDS)
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._task, STOP_SECONDS)
        self.client.close()


def sms_service(settings: Settings, conversation: Conversation) -> SmsService | None:
    """The SMS channel when the Notify API key, template and callback token are all set; else None."""
    if not (settings.notify_api_key and settings.notify_template_id and settings.notify_callback_token):
        return None
    client = NotifyClient(settings.notify_api_key, settings.notify_template_id, base_url=settings.notify_base_url,
                          sender_id=settings.notify_sender_id)
    channel = SmsChannel(conversation, client, hasher=settings.link_hasher)
    return SmsService(channel, client, settings.notify_callback_token, settings.sms_listen)
