"""The SMS channel served for real: its callback routes on uvicorn, replies to the Notify stand-in.

`SmsHarness.text(number, message)` is a person texting Signpost: the stand-in keeps the text and posts
it to the callback with the bearer token, as Notify does, and the call returns the texts Signpost sent
back to that number in answer (the callback answers after the replies have gone).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.notify_client import NotifyClient
from bot.channels.sms import INBOUND_PATH, SmsChannel
from bot.channels.sms_callbacks import CallbackServer
from bot.channels.sms_serve import SmsService
from bot.reminders.sender_sms import SmsSender
from bot.reminders.sms_pacing import SmsLimits, SmsPacer
from tests.bot.conversation_helpers import SETTINGS, make_conversation
from tests.support.notify_standin import NotifyStandIn, SentSms

T = TypeVar("T")
# Far faster than Notify allows, so tests do not wait.
FAST = SmsLimits(per_minute=600_000.0, per_day=100_000, burst=100, rate_limited_pause=0.05)


@dataclass
class SmsHarness:
    notify: NotifyStandIn
    sessions: sessionmaker[Session]
    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)
    service: SmsService | None = None
    server: CallbackServer | None = None
    client: NotifyClient | None = None
    _thread: threading.Thread | None = None

    def __post_init__(self) -> None:
        self._thread = threading.Thread(target=self.loop.run_forever, name="sms-harness", daemon=True)
        self._thread.start()

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout=60)

    def start(self) -> SmsService:
        """Start `signpost serve`'s SMS side as serve does: the callback server on a free port, then the
        catch-up."""
        self.client = NotifyClient(self.notify.api_key, self.notify.template_id, base_url=self.notify.base_url,
                                   sender_id=self.notify.sender_id)
        texts = SmsSender(self.client, SmsPacer(FAST))
        channel = SmsChannel(make_conversation(self.sessions), texts, hasher=SETTINGS.link_hasher)
        # Codes for numbers workers added are texted when a test asks (`channel.text_codes()`), not on a timer.
        self.service = SmsService(channel, self.notify.callback_token, codes_every=3600)
        self.server = CallbackServer(self.service.routes, "127.0.0.1", 0)
        self.run(self.server.start())
        self.run(self.service.start())
        return self.service

    def stop(self) -> None:
        if self.service is not None:
            self.run(self.service.stop())
            self.service = None
        if self.server is not None:
            self.run(self.server.stop())
            self.server = None
        if self.client is not None:
            self.client.close()
            self.client = None

    def close(self) -> None:
        self.stop()
        self.loop.call_soon_threadsafe(self.loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.loop.close()

    @property
    def url(self) -> str:
        assert self.server is not None, "started first"
        return f"{self.server.url}{INBOUND_PATH}"

    def text(self, number: str, message: str, *, token: str | None = None) -> list[str]:
        """A person texts `message` from `number`; the bodies of the texts sent back in answer."""
        before = len(self.notify.sent)
        text = self.notify.receive(number, message)  # kept for Notify's list too, as Notify does
        # A generous timeout: the callback answers after the replies have gone, on a machine under load.
        response = httpx.post(self.url, json=self.notify.inbound_payload(text), timeout=30,
                              headers={"Authorization": f"Bearer {self.notify.callback_token if token is None else token}"})
        assert response.status_code == (401 if token is not None else 204), response.text
        return [sms.body for sms in self.notify.sent[before:] if _same(sms, number)]

    def post(self, payload: dict[str, Any], token: str) -> httpx.Response:
        return httpx.post(self.url, json=payload, headers={"Authorization": f"Bearer {token}"}, timeout=30)

    def sent_to(self, number: str) -> list[SentSms]:
        return [sms for sms in self.notify.sent if _same(sms, number)]


def _same(sms: SentSms, number: str) -> bool:
    digits = "".join(ch for ch in number if ch.isdigit())
    mine = "".join(ch for ch in sms.phone_number if ch.isdigit())
    return mine[-10:] == digits[-10:]
