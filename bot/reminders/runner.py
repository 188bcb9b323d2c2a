"""Putting a dispatcher together from the settings: for `signpost reminders run` and `signpost serve` (bot/serve.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.reminders.compose import Composer
from bot.reminders.dispatcher import Dispatcher, DispatchSettings, DispatchStats
from bot.reminders.lease import SendingLease, run_holding_lease
from bot.reminders.pacing import SharedPacer, pace_limits
from bot.reminders.planner import Planner
from bot.reminders.sender import MessageSender, SendTimeouts, make_bot, paced_sender
from bot.reminders.sender_sms import SmsSender, notify_sender
from bot.settings import Settings
from casefile.db import make_coordination_engine
from casefile.send_budget import TELEGRAM
from journeys.live import LiveJourneys


def dispatch_settings(settings: Settings, batch: int = 100) -> DispatchSettings:
    return DispatchSettings(batch=batch, lease=timedelta(seconds=settings.reminder_lease_seconds),
                            max_attempts=settings.reminder_max_attempts)


def send_timeouts(settings: Settings) -> SendTimeouts:
    return SendTimeouts(answer=settings.telegram_send_timeout)


def sms_sender_for(settings: Settings) -> SmsSender | None:
    """Texts through Notify, paced by the settings; None when Notify is not set up (no key or template)."""
    if not (settings.notify_api_key and settings.notify_template_id):
        return None
    from bot.channels.notify_client import NotifyClient

    client = NotifyClient(settings.notify_api_key, settings.notify_template_id, base_url=settings.notify_base_url,
                          sender_id=settings.notify_sender_id)
    return notify_sender(client, settings.sms_per_minute, settings.sms_per_day)


def shares_budget(settings: Settings, engine: Engine) -> bool:
    """Whether this process takes its sends from the budget every process shares (PostgreSQL only)."""
    return settings.send_budget == "database" and engine.dialect.name == "postgresql"


def shared_pacer(settings: Settings, coordination: Engine) -> SharedPacer:
    """The Telegram budget in the case file, on the process's autocommit engine (casefile/db.py)."""
    return SharedPacer(coordination, TELEGRAM, pace_limits(settings))


def sending_lease(settings: Settings, sessions: sessionmaker[Session], dispatcher: Dispatcher) -> SendingLease:
    return SendingLease(sessions, dispatcher.name, timedelta(seconds=settings.reminder_lease_seconds))


@dataclass(frozen=True)
class ReminderSending:
    """A dispatcher, and the lease it sends under when processes cannot share a budget (None: they can)."""

    dispatcher: Dispatcher
    lease: SendingLease | None

    @property
    def name(self) -> str:
        return self.dispatcher.name

    async def run(self, stop: asyncio.Event, *, once: bool = False) -> DispatchStats:
        if self.lease is None:
            return await self.dispatcher.run(stop, once=once)
        return await run_holding_lease(self.dispatcher, self.lease, stop, once=once)


def build_dispatcher(settings: Settings, sessions: sessionmaker[Session], sender: MessageSender, *,
                     batch: int = 100, name: str | None = None, journeys: LiveJourneys | None = None,
                     sms_sender: SmsSender | None = None) -> Dispatcher:
    """A dispatcher sending through `sender` (bot/reminders/sender.py's paced_sender), and texts through
    `sms_sender` (sms_sender_for) when there is one.

    `journeys` is the process's one live journeys content (`signpost serve` shares the conversation's).
    """
    composer = Composer(settings.content_dir, journeys)
    # Release-day, money and pharmacy rows are planned by the dispatcher itself: everyone at start and each night,
    # and in between whoever's file changed (bot/reminders/planner.py).
    planner = Planner(sessions, composer.journeys, policy=settings.reminder_policy)
    return Dispatcher(sessions, sender, composer, policy=settings.reminder_policy,
                      settings=dispatch_settings(settings, batch), name=name, planner=planner, sms_sender=sms_sender,
                      retention=settings.retention)


@asynccontextmanager
async def dispatcher_for(settings: Settings, sessions: sessionmaker[Session], *, batch: int = 100,
                         name: str | None = None) -> AsyncIterator[ReminderSending]:
    """A dispatcher with its own Bot (and Notify client), opened and closed around the block
    (`signpost reminders run`)."""
    assert settings.telegram_token, "a token is checked for before this is called"
    timeouts = send_timeouts(settings)
    bot = make_bot(settings.telegram_token, settings.telegram_api_url, timeouts=timeouts)
    engine = sessions.kw["bind"]
    pacer = shared_pacer(settings, make_coordination_engine(engine.url)) if shares_budget(settings, engine) else None
    texts = sms_sender_for(settings)
    try:
        async with bot:
            dispatcher = build_dispatcher(settings, sessions, paced_sender(bot, pacer or pace_limits(settings),
                                                                           timeouts), batch=batch, name=name,
                                          sms_sender=texts)
            yield ReminderSending(dispatcher, None if pacer else sending_lease(settings, sessions, dispatcher))
    finally:
        if texts is not None:
            texts.close()
        if pacer is not None:
            pacer.engine.dispose()
