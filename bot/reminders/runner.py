"""Putting a dispatcher together from the settings: for `signpost reminders run` and `signpost serve`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker
from telegram import Bot

from bot.reminders.compose import Composer
from bot.reminders.dispatcher import Dispatcher, DispatchSettings
from bot.reminders.pacing import PaceLimits, Pacer
from bot.reminders.sender import TelegramSender, make_bot
from bot.settings import Settings


def dispatch_settings(settings: Settings, batch: int = 100) -> DispatchSettings:
    return DispatchSettings(batch=batch, lease=timedelta(seconds=settings.reminder_lease_seconds),
                            max_attempts=settings.reminder_max_attempts)


def build_dispatcher(settings: Settings, sessions: sessionmaker[Session], bot: Bot, *, batch: int = 100,
                     name: str | None = None) -> Dispatcher:
    # Above Telegram's 30 a second only makes sense against a local stand-in: then no pacing at all.
    pacer = Pacer(PaceLimits(per_second=settings.send_per_second)) if settings.send_per_second <= 30 else None
    return Dispatcher(sessions, TelegramSender(bot, pacer), Composer(settings.content_dir),
                      settings=dispatch_settings(settings, batch), name=name)


@asynccontextmanager
async def dispatcher_for(settings: Settings, sessions: sessionmaker[Session], *, batch: int = 100,
                         name: str | None = None) -> AsyncIterator[Dispatcher]:
    """A dispatcher with its own Bot, opened and closed around the block."""
    assert settings.telegram_token, "a token is checked for before this is called"
    bot = make_bot(settings.telegram_token, settings.telegram_api_url)
    async with bot:
        yield build_dispatcher(settings, sessions, bot, batch=batch, name=name)
