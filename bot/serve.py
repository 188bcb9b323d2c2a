"""`signpost serve` put together: the Telegram channel, voice notes and the reminder dispatcher in one process.

In the style of python-telegram-bot's examples (the rules-bot): what the bot shares between updates
is started in the application's post_init and closed in its post_shutdown, and both hooks are
written out here, in the order things must happen. Reminders go out from the same process through
the application's own Bot, so PTB's rate limiter counts replies and reminders together against
Telegram's overall limit, while the dispatcher's Pacer adds the one-a-second-per-chat rule.

Several serve processes (and `signpost reminders run` processes) may run at once. On PostgreSQL they
share one send budget (casefile/send_budget.py): replies take their moment from it through PTB's
rate-limiter hook, reminders through the dispatcher's own Bot, so together they keep Telegram's
limits; the dispatcher's claims have leases. On SQLite (or SIGNPOST_SEND_BUDGET=local) each process
paces itself, and only the one holding the sending lease sends reminders (bot/reminders/lease.py).
With SIGNPOST_METRICS_LISTEN set, /healthz and /metrics are served in the same event loop from the
start (bot/metrics_listener.py). With GOV.UK Notify set up, texts go out and come in beside Telegram
(bot/channels/sms_serve.py), their callbacks on their own small server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Protocol

from starlette.routing import BaseRoute

from bot.channels.sms_callbacks import CallbackServer, listen_address
from bot.channels.sms_receipts import receipt_routes
from bot.channels.sms_serve import SmsService, sms_service
from bot.channels.telegram import TelegramChannel, TelegramOptions
from bot.channels.telegram_webhook import ChatTurns
from bot.conversation.core import Conversation
from bot.metrics_listener import MetricsListener
from bot.reminders.pacing import pace_limits
from bot.reminders.runner import (
    ReminderSending,
    build_dispatcher,
    send_timeouts,
    sending_lease,
    shared_pacer,
    shares_budget,
    sms_sender_for,
)
from bot.reminders.sender import TelegramSender, make_bot, paced_sender
from bot.settings import Settings
from bot.voice import VoiceNotes
from casefile.db import make_coordination_engine

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


class Sending(Protocol):
    """What sends the reminders (bot/reminders/runner.py's ReminderSending): it runs until told to stop."""

    @property
    def name(self) -> str: ...

    async def run(self, stop: asyncio.Event) -> object: ...


class DispatcherTask:
    """The reminder dispatcher running as a task beside the bot's updates."""

    def __init__(self) -> None:
        self._stop = asyncio.Event()
        self._task: asyncio.Task[object] | None = None

    def start(self, sending: Sending) -> None:
        self._task = asyncio.create_task(self._supervise(sending), name="signpost-reminders")
        log.info("reminder dispatcher %s started", sending.name)

    async def _supervise(self, sending: Sending) -> None:
        """Keep the dispatcher running for as long as the bot does: if it ever stops by itself, say so and
        start it again, so the bot never goes on answering while no reminder is sent."""
        wait = RESTART_FIRST_SECONDS
        while not self._stop.is_set():
            try:
                await sending.run(self._stop)
            except Exception:
                log.exception("the reminder dispatcher %s stopped with an error; starting it again in %.0f s",
                              sending.name, wait)
            else:
                if self._stop.is_set():
                    return
                log.error("the reminder dispatcher %s stopped by itself; starting it again in %.0f s",
                          sending.name, wait)
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


def build_serve(settings: Settings, conversation: Conversation, voice: VoiceNotes | None, *,
                routes: Sequence[BaseRoute] = ()) -> TelegramChannel:
    """The Telegram channel whose start and stop also run voice, the command menu and the dispatcher.

    `routes` go on the webhook server's app beside Telegram's (other channels' callbacks).
    """
    reminders = DispatcherTask()
    engine = conversation.sessions.kw["bind"]
    coordination = make_coordination_engine(engine.url) if engine.dialect.name == "postgresql" else None
    pacer = shared_pacer(settings, coordination) if coordination is not None and shares_budget(settings, engine) \
        else None
    timeouts = send_timeouts(settings)
    own_senders: list[TelegramSender] = []  # senders with a Bot of their own, shut down at the end
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
        if pacer is not None:
            # Reminders take their moments from the shared budget themselves: a Bot without PTB's limiter.
            assert settings.telegram_token, "a token is checked for before this is called"
            bot = make_bot(settings.telegram_token, settings.telegram_api_url, timeouts=timeouts)
            await bot.initialize()
            sender = paced_sender(bot, pacer, timeouts)
            own_senders.append(sender)
            dispatcher = build_dispatcher(settings, conversation.sessions, sender, journeys=conversation.journeys,
                                          sms_sender=texts)
            reminders.start(ReminderSending(dispatcher, None))
            log.info("replies and reminders take their turn from the send budget every process shares")
            return
        local = paced_sender(channel.application.bot, pace_limits(settings), timeouts)
        dispatcher = build_dispatcher(settings, conversation.sessions, local, journeys=conversation.journeys,
                                      sms_sender=texts)
        reminders.start(ReminderSending(dispatcher, sending_lease(settings, conversation.sessions, dispatcher)))

    async def post_shutdown() -> None:
        await reminders.stop()
        if sms is not None:
            await sms.stop()
        if callbacks is not None:
            await callbacks.stop()
        if texts is not None:
            texts.close()
        for own in own_senders:
            await own.bot.shutdown()
        if voice is not None:
            voice.close()
        if listener is not None:
            await listener.stop()
        if coordination is not None:
            coordination.dispose()

    channel = TelegramChannel(conversation, voice, telegram_options(settings), post_init=post_init,
                              post_shutdown=post_shutdown, pacer=pacer,
                              turns=ChatTurns(conversation.sessions, coordination), routes=routes)
    return channel
