"""Putting a dispatcher together from the settings: for `signpost reminders run` and `signpost serve`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker
from telegram import Bot
from telegram.ext import Application

from bot.reminders.compose import Composer
from bot.reminders.dispatcher import Dispatcher, DispatchSettings
from bot.reminders.pacing import PaceLimits, Pacer
from bot.reminders.planner import Planner
from bot.reminders.sender import TelegramSender, make_bot
from bot.settings import Settings

log = logging.getLogger(__name__)


def dispatch_settings(settings: Settings, batch: int = 100) -> DispatchSettings:
    return DispatchSettings(batch=batch, lease=timedelta(seconds=settings.reminder_lease_seconds),
                            max_attempts=settings.reminder_max_attempts)


def build_dispatcher(settings: Settings, sessions: sessionmaker[Session], bot: Bot, *, batch: int = 100,
                     name: str | None = None) -> Dispatcher:
    """A dispatcher sending through `bot`, paced at SIGNPOST_SEND_PER_SECOND (held to Telegram's 30)."""
    pacer = Pacer(PaceLimits(per_second=settings.send_per_second))
    composer = Composer(settings.content_dir)
    # Release-day, money and pharmacy rows are planned by the dispatcher itself: at start, then every 10 minutes.
    planner = Planner(sessions, composer.journeys)
    return Dispatcher(sessions, TelegramSender(bot, pacer), composer, settings=dispatch_settings(settings, batch),
                      name=name, planner=planner)


@asynccontextmanager
async def dispatcher_for(settings: Settings, sessions: sessionmaker[Session], *, batch: int = 100,
                         name: str | None = None) -> AsyncIterator[Dispatcher]:
    """A dispatcher with its own Bot, opened and closed around the block (`signpost reminders run`)."""
    assert settings.telegram_token, "a token is checked for before this is called"
    bot = make_bot(settings.telegram_token, settings.telegram_api_url)
    async with bot:
        yield build_dispatcher(settings, sessions, bot, batch=batch, name=name)


class ServeReminders:
    """The dispatcher as a task inside `signpost serve`: started in post_init, stopped in post_shutdown.

    It sends through the application's own Bot, so its AIORateLimiter counts replies and reminders
    together against Telegram's overall limit; our Pacer adds the one-a-second-per-chat rule.
    """

    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        self.settings = settings
        self.sessions = sessions
        self._stop: asyncio.Event | None = None
        self._task: asyncio.Task[object] | None = None

    async def start(self, application: Application) -> None:  # type: ignore[type-arg]
        self._stop = asyncio.Event()
        dispatcher = build_dispatcher(self.settings, self.sessions, application.bot)
        self._task = asyncio.create_task(dispatcher.run(self._stop), name="signpost-reminders")
        log.info("reminder dispatcher %s started", dispatcher.name)

    async def stop(self, application: Application) -> None:  # type: ignore[type-arg]
        if self._stop is None or self._task is None:
            return
        self._stop.set()
        try:
            await asyncio.wait_for(self._task, timeout=30)
        except TimeoutError:
            self._task.cancel()  # its claimed rows are sent by the next dispatcher when the lease ends
        except Exception:
            log.exception("the reminder dispatcher stopped with an error")

    def attach(self, application: Application) -> None:  # type: ignore[type-arg]
        """Run alongside the application: after its own post_init, before its own post_shutdown."""
        first_init, last_shutdown = application.post_init, application.post_shutdown

        async def post_init(app: Application) -> None:  # type: ignore[type-arg]
            if first_init is not None:
                await first_init(app)
            await self.start(app)

        async def post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
            await self.stop(app)
            if last_shutdown is not None:
                await last_shutdown(app)

        application.post_init = post_init
        application.post_shutdown = post_shutdown
