"""A local stand-in for the GOV.UK Notify API, over real HTTP on 127.0.0.1.

Point the official client at it (`NotificationsAPIClient(standin.api_key, base_url=standin.base_url)`,
or Signpost with SIGNPOST_NOTIFY_BASE_URL=standin.base_url and SIGNPOST_NOTIFY_API_KEY=standin.api_key):

    with NotifyStandIn() as notify:
        ...send a reminder through Signpost...
        sms = notify.wait_for_sent(1)[0]
        notify.send_receipt(sms.id, "permanent-failure", url=receipts_url)

What it answers, as Notify documents (https://docs.notifications.service.gov.uk/rest-api.html):
  POST /v2/notifications/sms      201 with id, reference, content.body and from_number, template, uri
  GET  /v2/notifications/{id}     the notification with its status
  GET  /v2/received-text-messages newest first, `older_than=<id>` for the next page, links.next
Every request must carry a JWT signed like Notify's (HS256 with the key's secret, iss = the service id,
iat within 30 seconds); anything else gets Notify's 403 AuthError. A number that is not a UK mobile
gets its 400 ValidationError. `fail_next` makes the next sends answer 429 (RateLimitError or the day's
TooManyRequestsError), a 5xx, or drop the connection; `limit_per_minute` answers 429 past a rate.

Callbacks go the other way, with `Authorization: Bearer <callback token>` as Notify sends them:
`send_receipt` (a delivery receipt: id, reference, to, status, times) and `send_inbound` (a received
text: id, source_number, destination_number, message, date_received). Each has an `_async` twin for a
test whose event loop also runs the server being called.

The server runs on its own thread and event loop, like the Telegram stand-in, and reuses its small
HTTP server.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs

import httpx
import jwt

from tests.support.telegram_standin.standin_http import HttpRequest, HttpResponse, HttpServer

HOST = "127.0.0.1"
SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
KEY_NAME = "signpost_test"
TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"
SENDER_ID = "b5f5c7a6-2d0d-4a4c-9c5b-1a3c8c7f5e21"
SERVICE_NUMBER = "07700900000"  # Ofcom's drama range: never a real phone
CALLBACK_TOKEN = "signpost-test-callback-token-0123456789"
JWT_LEEWAY_SECONDS = 30  # Notify refuses a token issued more than 30 seconds away from its own clock
RECEIVED_PAGE_SIZE = 250  # what Notify returns per page of received texts
RECEIPT_STATUSES = ("delivered", "permanent-failure", "temporary-failure", "technical-failure")

_UK_MOBILE = re.compile(r"^(?:\+?44|0)7\d{9}$")
_NOTIFICATION_PATH = re.compile(r"^/v2/notifications/([0-9a-f-]{36})$")


def iso(moment: datetime) -> str:
    """A time as Notify writes it: UTC with microseconds and a Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class SentSms:
    """One text message the client asked Notify to send."""

    id: str
    phone_number: str
    body: str
    reference: str | None
    sms_sender_id: str | None
    template_id: str
    created_at: datetime
    status: str = "sending"
    completed_at: datetime | None = None


@dataclass(frozen=True)
class ReceivedText:
    id: str
    user_number: str
    notify_number: str
    content: str
    created_at: datetime


@dataclass
class _Failure:
    status: int
    error: str
    message: str
    drop_connection: bool = False


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: list[SentSms] = field(default_factory=list)
    received: list[ReceivedText] = field(default_factory=list)  # oldest first
    failures: deque[_Failure] = field(default_factory=deque)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path) of each request
    refused_auth: int = 0
    count_429: int = 0
    count_5xx: int = 0
    recent_sends: deque[float] = field(default_factory=deque)  # monotonic times, for limit_per_minute
    changed: threading.Condition | None = None


def _errors(status: int, error: str, message: str) -> HttpResponse:
    return HttpResponse.json(status, {"status_code": status, "errors": [{"error": error, "message": message}]})


def _e164(number: str) -> str:
    digits = re.sub(r"[\s()-]", "", number)
    if digits.startswith("0"):
        return "+44" + digits[1:]
    return digits if digits.startswith("+") else "+" + digits


class NotifyStandIn:
    """A Notify API server for tests: records every text and answers like Notify."""

    def __init__(self, *, port: int = 0, service_id: str = SERVICE_ID, secret: str = SECRET,
                 template_id: str = TEMPLATE_ID, sender_id: str = SENDER_ID,
                 callback_token: str = CALLBACK_TOKEN, latency: float = 0.0,
                 limit_per_minute: int | None = None, page_size: int = RECEIVED_PAGE_SIZE) -> None:
        self.service_id = service_id
        self.secret = secret
        self.template_id = template_id
        self.sender_id = sender_id
        self.callback_token = callback_token
        self.latency = latency
        self.limit_per_minute = limit_per_minute
        self.page_size = page_size
        self._state = _State()
        self._state.changed = threading.Condition(self._state.lock)
        self._requested_port = port
        self._port: int | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: HttpServer | None = None
        self._start_error: BaseException | None = None

    # ----- life cycle -----------------------------------------------------------------------

    def start(self) -> NotifyStandIn:
        if self._thread is not None:
            raise RuntimeError("the Notify stand-in is already running")
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="notify-standin", daemon=True)
        self._thread.start()
        ready.wait()
        if self._start_error is not None:
            self._thread.join()
            self._thread = None
            raise self._start_error
        return self

    def stop(self) -> None:
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        self._thread = None
        self._loop = None

    def __enter__(self) -> NotifyStandIn:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    async def __aenter__(self) -> NotifyStandIn:
        return self.start()

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        traceback: TracebackType | None) -> None:
        await asyncio.to_thread(self.stop)

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            self._server = HttpServer(self._handle)
            self._port = loop.run_until_complete(self._server.start(HOST, self._requested_port))
        except BaseException as exc:  # handed to start(), which raises it in the caller's thread
            self._start_error = exc
            loop.close()
            ready.set()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._server.close())
            loop.close()

    # ----- addresses and keys ---------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("start the Notify stand-in first")
        return self._port

    @property
    def base_url(self) -> str:
        """What SIGNPOST_NOTIFY_BASE_URL takes, like https://api.notifications.service.gov.uk."""
        return f"http://{HOST}:{self.port}"

    @property
    def api_key(self) -> str:
        """A key in Notify's form: name-serviceid-secret."""
        return f"{KEY_NAME}-{self.service_id}-{self.secret}"

    def settings_env(self) -> dict[str, str]:
        """The environment that points Signpost at this stand-in."""
        return {"SIGNPOST_NOTIFY_API_KEY": self.api_key, "SIGNPOST_NOTIFY_BASE_URL": self.base_url,
                "SIGNPOST_NOTIFY_TEMPLATE_ID": self.template_id, "SIGNPOST_NOTIFY_SENDER_ID": self.sender_id,
                "SIGNPOST_NOTIFY_CALLBACK_TOKEN": self.callback_token}

    # ----- what was sent --------------------------------------------------------------------

    @property
    def sent(self) -> list[SentSms]:
        with self._state.lock:
            return list(self._state.sent)

    def sent_to(self, phone_number: str) -> list[SentSms]:
        wanted = _e164(phone_number)
        return [sms for sms in self.sent if _e164(sms.phone_number) == wanted]

    def notification(self, notification_id: str) -> SentSms:
        with self._state.lock:
            return next(sms for sms in self._state.sent if sms.id == notification_id)

    @property
    def requests(self) -> list[tuple[str, str]]:
        with self._state.lock:
            return list(self._state.requests)

    @property
    def refused_auth(self) -> int:
        with self._state.lock:
            return self._state.refused_auth

    @property
    def count_429(self) -> int:
        with self._state.lock:
            return self._state.count_429

    @property
    def count_5xx(self) -> int:
        with self._state.lock:
            return self._state.count_5xx

    def wait_for_sent(self, count: int = 1, timeout: float = 5.0) -> list[SentSms]:
        """Block until at least `count` texts were sent in all; returns them all."""
        deadline = time.monotonic() + timeout
        assert self._state.changed is not None
        with self._state.changed:
            while len(self._state.sent) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(self._state.sent)} texts sent, expected {count}")
                self._state.changed.wait(left)
            return list(self._state.sent)

    async def wait_for_sent_async(self, count: int = 1, timeout: float = 5.0) -> list[SentSms]:
        return await asyncio.to_thread(self.wait_for_sent, count, timeout)

    # ----- trouble on demand ----------------------------------------------------------------

    def fail_next(self, status: int, count: int = 1, *, daily: bool = False, drop_connection: bool = False) -> None:
        """The next `count` sends answer `status` (429: the rate limit, or the day's with `daily`; 5xx),
        or close the connection with no answer at all."""
        if status == 429:
            error, message = (("TooManyRequestsError", "Exceeded send limits (250000) for today") if daily else
                              ("RateLimitError", "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds"))
        elif status >= 500:
            error, message = "Exception", "Internal server error"
        else:
            error, message = "BadRequestError", "Injected failure"
        with self._state.lock:
            for _ in range(count):
                self._state.failures.append(_Failure(status, error, message, drop_connection))

    # ----- received texts -------------------------------------------------------------------

    def receive(self, source_number: str, message: str, *, at: datetime | None = None) -> ReceivedText:
        """A text from a phone to the service's number, kept for GET /v2/received-text-messages."""
        text = ReceivedText(str(uuid.uuid4()), source_number, SERVICE_NUMBER, message, at or datetime.now(UTC))
        with self._state.lock:
            self._state.received.append(text)
        return text

    # ----- callbacks to Signpost ------------------------------------------------------------

    def receipt_payload(self, notification_id: str, status: str) -> dict[str, Any]:
        """A delivery receipt as Notify posts it, and the notification's status updated to match."""
        if status not in RECEIPT_STATUSES:
            raise ValueError(f"Notify sends no receipt with status {status!r}")
        now = datetime.now(UTC)
        with self._state.lock:
            sms = next(sms for sms in self._state.sent if sms.id == notification_id)
            sms.status, sms.completed_at = status, now
            return {"id": sms.id, "reference": sms.reference, "to": sms.phone_number, "status": status,
                    "created_at": iso(sms.created_at), "completed_at": iso(now), "sent_at": iso(sms.created_at),
                    "notification_type": "sms", "template_id": sms.template_id, "template_version": 1}

    def inbound_payload(self, text: ReceivedText) -> dict[str, Any]:
        return {"id": text.id, "source_number": text.user_number, "destination_number": text.notify_number,
                "message": text.content, "date_received": iso(text.created_at)}

    def _headers(self, token: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.callback_token if token is None else token}",
                "Content-Type": "application/json"}

    def send_receipt(self, notification_id: str, status: str, *, url: str, token: str | None = None) -> httpx.Response:
        """POST a delivery receipt to `url` with the callback token (or `token`, to try a wrong one)."""
        return httpx.post(url, json=self.receipt_payload(notification_id, status), headers=self._headers(token))

    async def send_receipt_async(self, notification_id: str, status: str, *, url: str,
                                 token: str | None = None) -> httpx.Response:
        async with httpx.AsyncClient() as client:
            return await client.post(url, json=self.receipt_payload(notification_id, status),
                                     headers=self._headers(token))

    def send_inbound(self, source_number: str, message: str, *, url: str, token: str | None = None) -> httpx.Response:
        """A text arrives: kept for the list, and POSTed to `url` as Notify's received-text callback."""
        text = self.receive(source_number, message)
        return httpx.post(url, json=self.inbound_payload(text), headers=self._headers(token))

    async def send_inbound_async(self, source_number: str, message: str, *, url: str,
                                 token: str | None = None) -> httpx.Response:
        text = self.receive(source_number, message)
        async with httpx.AsyncClient() as client:
            return await client.post(url, json=self.inbound_payload(text), headers=self._headers(token))

    # ----- the API --------------------------------------------------------------------------

    async def _handle(self, request: HttpRequest) -> HttpResponse:
        with self._state.lock:
            self._state.requests.append((request.method, request.path))
        if self.latency:
            await asyncio.sleep(self.latency)
        refused = self._check_token(request.header("authorization"))
        if refused is not None:
            with self._state.lock:
                self._state.refused_auth += 1
            return _errors(403, "AuthError", refused)
        if request.method == "POST" and request.path == "/v2/notifications/sms":
            return self._send_sms(request)
        found = _NOTIFICATION_PATH.match(request.path)
        if request.method == "GET" and found:
            return self._get_notification(found.group(1))
        if request.method == "GET" and request.path == "/v2/received-text-messages":
            return self._received(parse_qs(request.query).get("older_than", [None])[0])
        return _errors(404, "NoResultFound", "No result found")

    def _check_token(self, header: str) -> str | None:
        """Notify's check: a Bearer JWT, HS256, signed with the key's secret, iss the service, iat near now."""
        scheme, _, token = header.partition(" ")
        if scheme != "Bearer" or not token:
            return "Unauthorized: authentication token must be provided"
        try:
            header_fields = jwt.get_unverified_header(token)
            claims = jwt.decode(token, key=self.secret, algorithms=["HS256"],
                                options={"verify_iat": False, "require": ["iss", "iat"]})
        except jwt.InvalidTokenError as problem:
            return f"Invalid token: {type(problem).__name__}"
        if header_fields.get("alg") != "HS256" or header_fields.get("typ") != "JWT":
            return "Invalid token: algorithm used is not HS256"
        if claims["iss"] != self.service_id:
            return "Invalid token: service not found"
        if abs(int(claims["iat"]) - int(time.time())) > JWT_LEEWAY_SECONDS:
            return "Error: Your system clock must be accurate to within 30 seconds"
        return None

    def _send_sms(self, request: HttpRequest) -> HttpResponse:
        with self._state.lock:
            if self._state.failures:
                failure = self._state.failures.popleft()
                self._count(failure.status)
                if failure.drop_connection:
                    return HttpResponse(status=failure.status, drop_connection=True)
                return _errors(failure.status, failure.error, failure.message)
            if self.limit_per_minute is not None:
                now = time.monotonic()
                recent = self._state.recent_sends
                while recent and recent[0] <= now - 60:
                    recent.popleft()
                if len(recent) >= self.limit_per_minute:
                    self._count(429)
                    return _errors(429, "RateLimitError", f"Exceeded rate limit for key type LIVE of "
                                   f"{self.limit_per_minute} requests per 60 seconds")
                recent.append(now)
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return _errors(400, "BadRequestError", "Invalid JSON supplied in POST data")
        number = str(data.get("phone_number") or "")
        if not number:
            return _errors(400, "ValidationError", "phone_number is a required property")
        if data.get("template_id") != self.template_id:
            return _errors(400, "BadRequestError", "Template not found")
        personalisation = data.get("personalisation") or {}
        if "body" not in personalisation:
            return _errors(400, "BadRequestError", "Missing personalisation: body")
        sender = data.get("sms_sender_id")
        if sender is not None and sender != self.sender_id:
            return _errors(400, "BadRequestError", f"sms_sender_id {sender} does not exist in database for service "
                           f"id {self.service_id}")
        if not _UK_MOBILE.match(re.sub(r"[\s()-]", "", number)):
            return _errors(400, "ValidationError", "phone_number Not a UK mobile number")
        body = str(personalisation["body"])
        sms = SentSms(str(uuid.uuid4()), number, body, data.get("reference"), sender, self.template_id,
                      datetime.now(UTC))
        assert self._state.changed is not None
        with self._state.changed:
            self._state.sent.append(sms)
            self._state.changed.notify_all()
        return HttpResponse.json(201, {
            "id": sms.id, "reference": sms.reference, "content": {"body": body, "from_number": SERVICE_NUMBER},
            "uri": f"{self.base_url}/v2/notifications/{sms.id}",
            "template": {"id": self.template_id, "version": 1, "uri": f"{self.base_url}/v2/template/{self.template_id}"},
        })

    def _count(self, status: int) -> None:
        if status == 429:
            self._state.count_429 += 1
        elif status >= 500:
            self._state.count_5xx += 1

    def _get_notification(self, notification_id: str) -> HttpResponse:
        with self._state.lock:
            sms = next((sms for sms in self._state.sent if sms.id == notification_id), None)
            if sms is None:
                return _errors(404, "NoResultFound", "No result found")
            return HttpResponse.json(200, {
                "id": sms.id, "reference": sms.reference, "phone_number": sms.phone_number, "type": "sms",
                "status": sms.status, "body": sms.body, "created_at": iso(sms.created_at),
                "sent_at": iso(sms.created_at),
                "completed_at": iso(sms.completed_at) if sms.completed_at else None,
                "template": {"id": sms.template_id, "version": 1, "uri": f"/v2/template/{sms.template_id}"},
            })

    def _received(self, older_than: str | None) -> HttpResponse:
        with self._state.lock:
            newest_first = list(reversed(self._state.received))
        if older_than is not None:
            index = next((i for i, text in enumerate(newest_first) if text.id == older_than), None)
            if index is None:
                return HttpResponse.json(200, {"received_text_messages": [],
                                               "links": {"current": "/v2/received-text-messages"}})
            newest_first = newest_first[index + 1:]
        page = newest_first[:self.page_size]
        links = {"current": "/v2/received-text-messages" + (f"?older_than={older_than}" if older_than else "")}
        if len(newest_first) > self.page_size:
            links["next"] = f"/v2/received-text-messages?older_than={page[-1].id}"
        return HttpResponse.json(200, {
            "received_text_messages": [
                {"id": text.id, "user_number": text.user_number, "notify_number": text.notify_number,
                 "created_at": iso(text.created_at), "service_id": self.service_id, "content": text.content}
                for text in page],
            "links": links,
        })
