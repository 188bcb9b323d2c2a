"""The Telegram side of sending one message: PTB's Bot, always paced, RetryAfter and error kinds.

The dispatcher needs to know only five outcomes: sent (with the message id), blocked (the person
blocked the bot or the chat is gone), try again later (Telegram's 5xx, a refused or failed
connection: the message did not go), uncertain (Telegram took the request but no answer came in
time: it may have been delivered), or a permanent refusal. RetryAfter (HTTP 429) is waited out here
and the same message tried again.

Timeouts follow how Telegram behaves: sendMessage usually answers within a second, but under load it
can take several, and a request it has taken is delivered whether or not we wait for the answer. So
a send waits `SendTimeouts.answer` (SIGNPOST_TELEGRAM_SEND_TIMEOUT, 20 s by default) for its answer,
far above PTB's 5 s, and only a send that gets no answer in that time is uncertain. Connecting and
waiting for a free connection have their own, shorter limits: running out of those means the
request never left, so it is a plain "try again".
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from http import HTTPStatus
from typing import Protocol

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram._utils.types import ODVInput
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import HTTPXRequest, RequestData

from bot import metrics
from bot.messages import Button
from bot.reminders.pacing import PaceLimits, Pacer, SendPacer
from bot.settings import default_of

log = logging.getLogger(__name__)
RETRY_AFTER_TRIES = 4
_GONE_CHAT = ("chat not found", "user is deactivated", "bot was kicked", "peer_id_invalid")


class Outcome(StrEnum):
    SENT = "sent"
    BLOCKED = "blocked"
    RETRY = "retry"
    UNCERTAIN = "uncertain"  # sent, but no answer came in time: Telegram may have delivered it
    REFUSED = "refused"


@dataclass(frozen=True)
class SendTimeouts:
    """Seconds a send may take, by stage (PTB's HTTPXRequest timeouts).

    `answer` is the read and write timeout of a send: past it the message may have been delivered.
    `connect` and `pool` are the time to open a connection and to get one from the pool: past those
    the request was never sent.
    """

    answer: float = default_of("telegram_send_timeout")
    connect: float = 10.0
    pool: float = 10.0

    def request(self, pool_size: int) -> HTTPXRequest:
        return MeteredRequest(connection_pool_size=pool_size, read_timeout=self.answer, write_timeout=self.answer,
                              connect_timeout=self.connect, pool_timeout=self.pool)


class MeteredRequest(HTTPXRequest):
    """PTB's HTTP request, counting each message sent, 429 and failure for the metrics (bot/metrics.py).

    Every Bot's requests pass here, replies' and reminders' alike, so one place counts them all,
    as Telegram answered: a 429 that PTB's limiter or the sender then waits out still counts once.
    """

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: ODVInput[float] = HTTPXRequest.DEFAULT_NONE,
                         write_timeout: ODVInput[float] = HTTPXRequest.DEFAULT_NONE,
                         connect_timeout: ODVInput[float] = HTTPXRequest.DEFAULT_NONE,
                         pool_timeout: ODVInput[float] = HTTPXRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        sending = endpoint.startswith("send") and endpoint != "sendChatAction"
        try:
            code, payload = await super().do_request(url, method, request_data, read_timeout, write_timeout,
                                                     connect_timeout, pool_timeout)
        except TimedOut:
            if sending:
                metrics.send_failed(metrics.TELEGRAM, "timeout")
            raise
        except NetworkError:
            if sending:
                metrics.send_failed(metrics.TELEGRAM, "network")
            raise
        if sending:
            if code == HTTPStatus.OK:
                metrics.message_sent(metrics.TELEGRAM)
            elif code == HTTPStatus.TOO_MANY_REQUESTS:
                metrics.rate_limited(metrics.TELEGRAM)
            elif code == HTTPStatus.FORBIDDEN:
                metrics.send_failed(metrics.TELEGRAM, "blocked")
            elif code >= HTTPStatus.INTERNAL_SERVER_ERROR:
                metrics.send_failed(metrics.TELEGRAM, "server_error")
            else:
                metrics.send_failed(metrics.TELEGRAM, "refused")
        return code, payload


def delivery_uncertain(error: TimedOut) -> bool:
    """True when a timed-out request may have reached Telegram: a late answer, not a connection never made."""
    return not isinstance(error.__cause__, httpx.ConnectTimeout | httpx.PoolTimeout)


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    message_id: int | None = None  # Telegram's id for the message sent
    error: str | None = None
    notify_id: str | None = None  # Notify's id for a text sent (bot/reminders/sender_sms.py)
    wait: float | None = None  # seconds the channel said to wait before the next try (a day's limit used)


class MessageSender(Protocol):
    async def send(self, chat_id: str, text: str, buttons: tuple[tuple[Button, ...], ...]) -> SendResult: ...


class TextSender(Protocol):
    """Text messages (bot/reminders/sender_sms.py): `reference` is an id with no personal data in it."""

    async def send_sms(self, phone_number: str, text: str, reference: str) -> SendResult: ...


def markup(buttons: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(button.label, callback_data=button.data) for button in row] for row in buttons]
    )


def make_bot(token: str, api_url: str | None = None, *, pool_size: int = 64,
             timeouts: SendTimeouts | None = None) -> Bot:
    """A plain PTB Bot for the dispatcher (no rate limiter of its own: the Pacer does that)."""
    request = (timeouts or SendTimeouts()).request(pool_size)
    if api_url:
        base = api_url.rstrip("/")
        return Bot(token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot", request=request)
    return Bot(token, request=request)


class TelegramUnreachable(Exception):
    """Telegram (or the Bot API server set) could not be reached; the message is one plain line."""


class TelegramRefused(Exception):
    """Telegram answered but will not have this bot (a wrong token); trying again will not help."""


def reach_telegram(token: str, api_url: str | None) -> None:
    """Ask Telegram who the bot is, on an event loop of its own, before anything starts.

    Raises TelegramUnreachable or TelegramRefused, each with a plain message, instead of PTB's traceback.
    """
    where = api_url or "https://api.telegram.org"

    async def ask() -> None:
        async with make_bot(token, api_url, pool_size=1, timeouts=SendTimeouts(answer=10.0, connect=5.0, pool=5.0)):
            pass  # initialising the Bot asks Telegram for the bot's own details (getMe)

    loop = asyncio.new_event_loop()  # not set as the current loop: PTB's run_polling makes its own
    try:
        loop.run_until_complete(ask())
    except InvalidToken as refused:
        raise TelegramRefused(f"Telegram at {where} refused the bot token ({refused.message}). "
                              "Check TELEGRAM_BOT_TOKEN.") from refused
    except TelegramError as problem:
        if isinstance(problem.__cause__, httpx.ConnectError):
            why = "nothing answers there (the connection was refused or failed)"
        elif isinstance(problem, TimedOut):
            why = "it did not answer in time"
        else:
            why = problem.message or type(problem).__name__
        raise TelegramUnreachable(f"Cannot reach Telegram at {where}: {why}.") from problem
    finally:
        loop.close()


def paced_sender(bot: Bot, pace: PaceLimits | SendPacer, timeouts: SendTimeouts | None = None) -> TelegramSender:
    """How reminders leave: through `bot`, paced by this process alone (PaceLimits) or by a shared pacer."""
    pacer = Pacer(pace) if isinstance(pace, PaceLimits) else pace
    return TelegramSender(bot, pacer, timeouts)


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramSender:
    """Sends through a PTB Bot, each message waiting its turn from the pacer (Telegram's flood limits)."""

    def __init__(self, bot: Bot, pacer: SendPacer, timeouts: SendTimeouts | None = None) -> None:
        self.bot = bot
        self.pacer = pacer
        # Given with each send, so the Bot's own defaults (PTB's 5 s in `signpost serve`) never apply.
        self.timeouts = timeouts or SendTimeouts()
        self.retry_after_count = 0
        self.uncertain_count = 0

    async def send(self, chat_id: str, text: str, buttons: tuple[tuple[Button, ...], ...]) -> SendResult:
        for _try in range(RETRY_AFTER_TRIES):
            try:
                async with self.pacer.turn(chat_id):
                    message = await self.bot.send_message(
                        chat_id=chat_id, text=text, reply_markup=markup(buttons), read_timeout=self.timeouts.answer,
                        write_timeout=self.timeouts.answer, connect_timeout=self.timeouts.connect,
                        pool_timeout=self.timeouts.pool)
            except RetryAfter as flood:
                self.retry_after_count += 1
                wait = _seconds(flood.retry_after)
                log.warning("Telegram asked us to wait %.0f s", wait)
                self.pacer.pause(wait)
                continue
            except Forbidden as refused:
                return SendResult(Outcome.BLOCKED, error=f"blocked: {refused.message}"[:500])
            except BadRequest as bad:
                lowered = bad.message.lower()
                if any(gone in lowered for gone in _GONE_CHAT):
                    return SendResult(Outcome.BLOCKED, error=f"chat gone: {bad.message}"[:500])
                return SendResult(Outcome.REFUSED, error=f"refused: {bad.message}"[:500])
            except TimedOut as late:
                if delivery_uncertain(late):
                    self.uncertain_count += 1
                    return SendResult(Outcome.UNCERTAIN, error=f"uncertain: no answer in {self.timeouts.answer:g} s")
                return SendResult(Outcome.RETRY, error=f"TimedOut: {late.message}"[:500])
            except NetworkError as trouble:
                # PTB reports 5xx answers as NetworkError too: both are worth another try later.
                return SendResult(Outcome.RETRY, error=f"{type(trouble).__name__}: {trouble.message}"[:500])
            except TelegramError as other:
                return SendResult(Outcome.RETRY, error=f"{type(other).__name__}: {other.message}"[:500])
            return SendResult(Outcome.SENT, message_id=message.message_id)
        return SendResult(Outcome.RETRY, error="Telegram kept asking us to wait (429)")
