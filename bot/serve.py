"""`signpost serve` put together: the Telegram channel, voice notes and the reminder dispatcher in one process.

In the style of python-telegram-bot's examples (the rules-bot): what the bot shares between updates
is started in the application's post_init and closed in its post_shutdown, and both hooks are
written out here, in the order things must happen. Reminders go out from the same process through
the application's own Bot, so PTB's rate limiter counts replies and reminders together against
Telegram's overall limit, while the dispatcher's Pacer adds the one-a-second-per-chat rule. Several
serve processes may run at once: the dispatcher's claims have leases. With SIGNPOST_METRICS_LISTEN
set, /healthz and /metrics are served in the same event loop from the start (bot/metrics_listener.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.channels.sms_callbacks import CallbackServer, listen_address
from bot.channels.sms_receipts import receipt_routes
from bot.channels.sms_serve import SmsService, sms_service
from bot.channels.telegram import TelegramChannel, TelegramOptions
from bot.conversation.core import Conversation
from bot.metrics_listener import MetricsListener
from bot.reminders.dispatcher import Dispatcher
from bot.reminders.runner import build_dispatcher, send_timeouts, sms_sender_for
from bot.reminders.sender import paced_sender
from bot.settings import Settings
from bot.voice import VoiceNotes

log = logging.getLogger(__name__)
DISPATCHER_STOP_SECONDS = 30


def telegram_options(settings: Settings) -> TelegramOptions:
    assert settings.telegram_token, "a token is checked for before this is called"
    host, _, port = settings.webhook_listen.rpartition(":")
    return TelegramOptions(
        token=settings.telegram_token, api_url=settings.telegram_api_url, webhook_url=settings.webhook_url,
        webhook_secret=settings.webhook_secret, webhook_listen=host or "127.0.0.1", webhook_port=int(port or 8443),
        rate_per_second=settings.telegram_rate, send_timeout=settings.telegram_send_timeout,
    )


RESTART_FIRST_SECONDS = 1.0
RESTART_MOST_SECONDS = 60.0


class DispatcherTask:
    """The reminder dispatcher running as a task beside the bot's updates."""

    def __init__(self) -> None:
        self._stop = asyncio.Event()
        self._task: asyncio.Task[object] | None = None

    def start(self, dispatcher: Dispatcher) -> None:
        self._task = asyncio.create_task(self._supervise(dispatcher), name="signpost-reminders")
        log.info("reminder dispatcher %s started", dispatcher.name)

    async def _supervise(self, dispatcher: Dispatcher) -> None:
        """Keep the dispatcher running for as long as the bot does: if it ever stops by itself, say so and
        start it again, so the bot never goes on answering while no reminder is sent."""
        wait = RESTART_FIRST_SECONDS
        while not self._stop.is_set():
            try:
                await dispatcher.run(self._stop)
            except Exception:
                log.exception("the reminder dispatcher %s stopped with an error; starting it again in %.0f s",
                              dispatcher.name, wait)
            else:
                if self._stop.is_set():
                    return
                log.error("the reminder dispatcher %s stopped by itself; starting it again in %.0f s",
                          dispatcher.name, wait)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), wait)
            wait = min(wait * 2, RESTART_MOST_SECONDS)

    async def stop(self) -> None:
        if self._task is None:
            return
        self._stop.set()
        try:
            await asyncio.wait_for(self._task, timeout=DISPATCHER_STOP_SECONDS)
        except TimeoutError:
            self._task.cancel()  # its claimed rows are sent by the next dispatcher when the lease ends
        except Exception:
            log.exception("the reminder dispatcher stopped with an error")


def sms_callback_server(settings: Settings, conversation: Conversation, sms: SmsService | None) -> CallbackServer | None:
    """Notify's callbacks (delivery receipts, and received texts when `sms` takes them), when a callback token
    says which callbacks are Notify's."""
    if not settings.notify_callback_token:
        log.warning("SIGNPOST_NOTIFY_CALLBACK_TOKEN is not set, so Notify's delivery receipts are not taken")
        return None
    host, port = listen_address(settings.notify_callback_listen)
    routes = [*receipt_routes(conversation.sessions, settings.notify_callback_token), *(sms.routes if sms else ())]
    return CallbackServer(routes, host, port)


def build_serve(settings: Settings, conversation: Conversation, voice: VoiceNotes | None) -> TelegramChannel:
    """The Telegram channel whose start and stop also run voice, the command menu and the dispatcher."""
    reminders = DispatcherTask()
    listener = (MetricsListener(conversation.sessions, settings.metrics_listen, settings.metrics_token)
                if settings.metrics_listen else None)
    texts = sms_sender_for(settings)
    # The conversation by text (bot/channels/sms.py): its received-text route joins the callback server.
    sms = sms_service(settings, conversation, texts) if texts is not None else None
    callbacks = sms_callback_server(settings, conversation, sms) if texts is not None else None

    async def post_init() -> None:
        if listener is not None:  # first, so /healthz answers while the rest starts
            await listener.start()
        await channel.set_commands()
        if voice is not None:
            await voice.start()
        if callbacks is not None:
            await callbacks.start()
        if sms is not None:
            await sms.start()  # once received texts can come in: then the ones missed while down
        sender = paced_sender(channel.application.bot, settings.send_per_second, send_timeouts(settings))
        reminders.start(build_dispatcher(settings, conversation.sessions, sender, journeys=conversation.journeys,
                                         sms_sender=texts))

    async def post_shutdown() -> None:
        await reminders.stop()
        if sms is not None:
            await sms.stop()
        if callbacks is not None:
            await callbacks.stop()
        if texts is not None:
            texts.close()
        if voice is not None:
            voice.close()
        if listener is not None:
            await listener.stop()

    channel = TelegramChannel(conversation, voice, telegram_options(settings),
                              post_init=post_init, post_shutdown=post_shutdown)
    return channel
