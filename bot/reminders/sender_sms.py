"""The GOV.UK Notify side of sending one text message: paced, 429s waited out, answers as the dispatcher's outcomes.

The dispatcher hears the same outcomes as from Telegram (bot/reminders/sender.py):
  sent       Notify took it, with its id (its delivery receipt names it later).
  retry      a 5xx or no connection: the text did not go. The dispatcher tries again after 30 s,
             doubling. With `wait`, not before then: today's limit is used up, so tomorrow.
  uncertain  no answer in time: it may have gone, so the next try waits (dispatcher's uncertain_wait).
  blocked    Notify will never text this number (it is not a mobile number): the link stops and the
             lead professional is told, as when a person blocks the bot on Telegram.
  refused    Notify refused for another reason (a wrong key or template): the row fails, the lead is told.
A 429 for the minute's limit is waited out here, every send pausing, and the same text tried again,
up to RATE_LIMITED_TRIES times, as the Telegram sender does with RetryAfter.
"""

from __future__ import annotations

import logging

from bot.channels.notify_client import NotifyClient, SmsOutcome, SmsSendResult
from bot.reminders.sender import Outcome, SendResult
from bot.reminders.sms_pacing import SmsLimits, SmsPacer

log = logging.getLogger(__name__)
RATE_LIMITED_TRIES = 4
# Notify's words for a number it will never text; anything else it refuses is a setup problem.
_NOT_A_MOBILE = ("phone_number", "not a uk mobile", "not a valid", "too long", "too short", "international")


class SmsSender:
    """Sends through Notify, each text waiting its turn from the SmsPacer (Notify's minute and day limits)."""

    def __init__(self, client: NotifyClient, pacer: SmsPacer) -> None:
        self.client = client
        self.pacer = pacer
        self.rate_limited_count = 0
        self.uncertain_count = 0

    async def send_sms(self, phone_number: str, text: str, reference: str) -> SendResult:
        """Text `text` to `phone_number` (E.164); `reference` is an id with no personal data in it."""
        for _try in range(RATE_LIMITED_TRIES):
            tomorrow = await self.pacer.acquire()
            if tomorrow is not None:
                return SendResult(Outcome.RETRY, error="today's text message limit is used up (SIGNPOST_SMS_PER_DAY)",
                                  wait=tomorrow)
            result = await self.client.send_sms(phone_number, text, reference)
            if result.outcome is SmsOutcome.RATE_LIMITED:
                self.rate_limited_count += 1
                self.pacer.give_back()
                if result.daily:
                    wait = self.pacer.day_used_up()
                    log.warning("Notify says today's text message limit is used up; texts wait %.0f s", wait)
                    return SendResult(Outcome.RETRY, error=result.error, wait=wait)
                log.warning("Notify asked us to slow down (429); every text waits %.1f s", self.pacer.rate_limited())
                continue
            self.pacer.went_through()
            return self._outcome(result)
        return SendResult(Outcome.RETRY, error="Notify kept saying too many requests (429)")

    def _outcome(self, result: SmsSendResult) -> SendResult:
        if result.outcome is SmsOutcome.SENT:
            return SendResult(Outcome.SENT, notify_id=result.notification_id)
        if result.outcome is SmsOutcome.UNCERTAIN:
            self.uncertain_count += 1
            return SendResult(Outcome.UNCERTAIN, error=result.error)
        if result.outcome is SmsOutcome.REFUSED:
            self.pacer.give_back()
            said = (result.error or "").lower()
            if said.startswith("400") and any(words in said for words in _NOT_A_MOBILE):
                return SendResult(Outcome.BLOCKED, error=f"number cannot get texts: {result.error}"[:500])
            return SendResult(Outcome.REFUSED, error=f"refused: {result.error}"[:500])
        self.pacer.give_back()  # a 5xx or no connection: Notify did not count it either
        return SendResult(Outcome.RETRY, error=result.error)

    def close(self) -> None:
        self.client.close()


def notify_sender(client: NotifyClient, per_minute: float, per_day: int) -> SmsSender:
    """How reminders leave by text: through `client`, at most `per_minute` and `per_day`."""
    return SmsSender(client, SmsPacer(SmsLimits(per_minute=per_minute, per_day=per_day)))
