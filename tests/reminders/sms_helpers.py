"""Shared pieces for the SMS reminder tests: a dispatcher with both senders, over real HTTP to both stand-ins."""

from __future__ import annotations

from dataclasses import dataclass, field

from reminder_helpers import CHEAP, CONTENT, NOW, SYSTEM, Clock, reminder_policy, standin_pacer
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.notify_client import NotifyClient
from bot.reminders.compose import Composer
from bot.reminders.dispatcher import Dispatcher, DispatchSettings, DispatchStats
from bot.reminders.sender import SendTimeouts, TelegramSender, make_bot
from bot.reminders.sender_sms import SmsSender
from bot.reminders.sms_pacing import SmsLimits, SmsPacer
from casefile import linking
from tests.support.notify_standin import NotifyStandIn
from tests.support.telegram_standin import TelegramStandIn

# Far faster than Notify allows, so tests do not wait; a 429 pauses only a moment.
STANDIN_SMS_LIMITS = SmsLimits(per_minute=600_000.0, per_day=100_000, burst=100, rate_limited_pause=0.05)


def link_sms(session: Session, number: str, *, person_id: int | None = None, worker_id: int | None = None) -> None:
    """Link a phone number the way a code sent back by text does."""
    code = linking.issue_link_code(session, SYSTEM, person_id=person_id, worker_id=worker_id, now=NOW,
                                   hasher=CHEAP)
    linking.redeem_link_code(session, "sms", number, code, NOW, hasher=CHEAP)


def notify_client(notify: NotifyStandIn) -> NotifyClient:
    return NotifyClient(notify.api_key, notify.template_id, base_url=notify.base_url, sender_id=notify.sender_id)


@dataclass
class SmsDispatch:
    """A real dispatcher: Telegram through PTB to its stand-in, texts through Notify's client to its stand-in."""

    sessions: sessionmaker[Session]
    telegram: TelegramStandIn
    notify: NotifyStandIn
    clock: Clock
    limits: SmsLimits = STANDIN_SMS_LIMITS
    settings: DispatchSettings = DispatchSettings(batch=50, poll_seconds=0.05)
    pacer: SmsPacer = field(init=False)

    def __post_init__(self) -> None:
        self.pacer = SmsPacer(self.limits, wall_clock=self.clock)

    async def once(self) -> DispatchStats:
        bot = make_bot(self.telegram.token, f"http://127.0.0.1:{self.telegram.port}", timeouts=SendTimeouts())
        texts = SmsSender(notify_client(self.notify), self.pacer)
        try:
            async with bot:
                dispatcher = Dispatcher(self.sessions, TelegramSender(bot, standin_pacer()), Composer(CONTENT),
                                        policy=reminder_policy(), settings=self.settings, name="sms-test",
                                        clock=self.clock, sms_sender=texts)
                return await dispatcher.run(once=True)
        finally:
            texts.close()
