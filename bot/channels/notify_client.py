"""GOV.UK Notify for text messages: the official client, made async, and its answers in Signpost's terms.

The official client (`notifications-python-client`) is synchronous and its requests Session is not
thread-safe, so each call runs on a small thread pool of our own with one client per thread: the
event loop never waits on the network, and no two calls share a Session.

A send ends in one of five ways (`SmsOutcome`):
  sent          Notify took it; `notification_id` is what its delivery receipt will name.
  retry         a 5xx, or no connection: the text did not go, so trying again later is safe.
  uncertain     Notify took the request but did not answer in time: the text may have gone.
  rate_limited  a 429: the per-minute limit (wait a little) or, with `daily`, the day's limit.
  refused       Notify will never send it: a number that is not a mobile, a wrong template or key.

Signpost's words go in the one template (SIGNPOST_NOTIFY_TEMPLATE_ID, body `((body))`) as the `body`
personalisation, so all wording stays in Signpost's own templates and catalogs. The `reference` is
stored by Notify and shown in its dashboard: callers pass an id that says nothing about the person.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

import requests
from notifications_python_client.errors import APIError, HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

DEFAULT_BASE_URL = "https://api.notifications.service.gov.uk"
_DAILY_LIMIT_ERROR = "TooManyRequestsError"  # Notify's name for "the day's limit is used"
_Result = TypeVar("_Result")


class SmsOutcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    UNCERTAIN = "uncertain"
    RATE_LIMITED = "rate_limited"
    REFUSED = "refused"


@dataclass(frozen=True)
class SmsSendResult:
    outcome: SmsOutcome
    notification_id: str | None = None
    error: str | None = None  # Notify's own words; never the number or the text
    daily: bool = False  # a 429 for the day's limit, not the per-minute one


@dataclass(frozen=True)
class ReceivedSms:
    """One text a person sent to the service's number, from Notify's list of received texts."""

    id: str
    source_number: str
    destination_number: str
    message: str
    received_at: datetime


@dataclass(frozen=True)
class ReceivedPage:
    texts: tuple[ReceivedSms, ...]  # newest first, as Notify lists them
    older_than: str | None  # pass this for the next (older) page; None when this was the last


def _when(raw: str) -> datetime:
    return datetime.fromisoformat(raw.replace("Z", "+00:00"))


def notify_errors(error: APIError) -> str:
    """Notify's errors as one line: `RateLimitError: Exceeded rate limit ...`."""
    message = error.message
    if isinstance(message, list):
        return "; ".join(f"{item.get('error', 'Error')}: {item.get('message', '')}" for item in message)[:500]
    return str(message)[:500]


def result_of_error(error: APIError) -> SmsSendResult:
    """What a failed send means for trying again."""
    cause = error.__cause__
    if error.response is None or isinstance(cause, requests.ConnectionError | requests.Timeout):
        # No answer at all: only a read timeout means the request reached Notify and may have been sent.
        if isinstance(cause, requests.ReadTimeout):
            return SmsSendResult(SmsOutcome.UNCERTAIN, error="uncertain: Notify did not answer in time")
        return SmsSendResult(SmsOutcome.RETRY, error=f"no connection to Notify: {type(cause).__name__}")
    status = error.status_code
    words = f"{status} {notify_errors(error)}"[:500]
    if status == 429:
        daily = _DAILY_LIMIT_ERROR in words
        return SmsSendResult(SmsOutcome.RATE_LIMITED, error=words, daily=daily)
    if status >= 500:
        return SmsSendResult(SmsOutcome.RETRY, error=words)
    return SmsSendResult(SmsOutcome.REFUSED, error=words)


class NotifyClient:
    """Async calls to Notify through the official client. Make one per process; `close` it at the end."""

    def __init__(self, api_key: str, template_id: str, *, base_url: str = DEFAULT_BASE_URL,
                 sender_id: str | None = None, timeout: float = 10.0, threads: int = 8) -> None:
        self.api_key = api_key
        self.template_id = template_id
        self.base_url = base_url.rstrip("/")
        self.sender_id = sender_id or None
        self.timeout = timeout
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="notify")
        self._local = threading.local()

    def _client(self) -> NotificationsAPIClient:
        client = getattr(self._local, "client", None)
        if client is None:
            client = NotificationsAPIClient(self.api_key, base_url=self.base_url, timeout=self.timeout)
            self._local.client = client
        return client

    async def _call(self, work: Callable[[NotificationsAPIClient], _Result]) -> _Result:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, lambda: work(self._client()))

    async def send_sms(self, phone_number: str, body: str, reference: str) -> SmsSendResult:
        """Send `body` to `phone_number` (E.164). `reference` must carry no personal data."""
        def send(client: NotificationsAPIClient) -> dict[str, Any]:
            return client.send_sms_notification(phone_number, self.template_id, personalisation={"body": body},
                                                reference=reference, sms_sender_id=self.sender_id)
        try:
            answer = await self._call(send)
        except HTTPError as error:
            return result_of_error(error)
        except APIError as error:  # an answer that was not JSON: Notify or a proxy in trouble
            return SmsSendResult(SmsOutcome.RETRY, error=f"Notify's answer could not be read: {error}"[:500])
        return SmsSendResult(SmsOutcome.SENT, notification_id=str(answer["id"]))

    async def notification_status(self, notification_id: str) -> str:
        """Where a text is now: sending, delivered, permanent-failure, ..."""
        answer = await self._call(lambda client: client.get_notification_by_id(notification_id))
        return str(answer["status"])

    async def received_texts(self, older_than: str | None = None) -> ReceivedPage:
        """One page of texts people sent, newest first (catch-up at start for anything missed while down)."""
        answer = await self._call(lambda client: client.get_received_texts(older_than=older_than))
        texts = tuple(
            ReceivedSms(id=str(item["id"]), source_number=str(item["user_number"]),
                        destination_number=str(item.get("notify_number") or ""), message=str(item["content"]),
                        received_at=_when(str(item["created_at"])))
            for item in answer.get("received_text_messages") or ())
        more = (answer.get("links") or {}).get("next")
        return ReceivedPage(texts, texts[-1].id if more and texts else None)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
