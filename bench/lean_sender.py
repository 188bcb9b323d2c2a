"""A lean sendMessage client with no pacing: the bare-send floor bench/reminders.py measures against.

Not part of the product: `signpost reminders run` and `signpost serve` send through
python-telegram-bot, paced under Telegram's 30 a second (bot/reminders/sender.py). This exists so
the benchmark can tell the dispatcher's own work per reminder apart from the transport's. With
pacing off, the HTTP client is the limit, not the server: one PTB Bot managed about 230 sends a
second at 64 in flight, raw httpx about 690 with four clients, while plain keep-alive HTTP/1.1
connections on asyncio streams reached about 5,000 against the same stand-in.

So this sender keeps a few HTTP/1.1 connections open (TLS when the URL is https), writes one JSON
request per message and reads only `ok`, `result.message_id`, `error_code`, `description` and
`parameters.retry_after`. The outcomes are the same as TelegramSender's: 429 is waited out and tried
again, 403 and gone chats are BLOCKED, other 4xx REFUSED, 5xx, timeouts and dropped connections RETRY
(the dispatcher backs off). A connection the server closed while idle is noticed when the reply is
empty before a single byte, and only then is the message written again on a fresh connection: a
server that closed the connection before answering never started on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.messages import Button
from bot.reminders.sender import _GONE_CHAT, RETRY_AFTER_TRIES, Outcome, SendResult

log = logging.getLogger(__name__)
MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 1024 * 1024


class _Dropped(Exception):
    """The connection closed before any of the reply arrived."""


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    reused: bool = False

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


@dataclass(frozen=True)
class _Reply:
    status: int
    body: bytes
    keep_alive: bool


class BotApiSender:
    """Sends through `connections` kept-alive HTTP connections; as many messages in flight as connections."""

    def __init__(self, api_url: str, token: str, *, connections: int = 16, timeout: float = 10.0) -> None:
        parts = urlsplit(api_url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{api_url!r} is not an http(s) address of a Bot API server")
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.tls = ssl.create_default_context() if parts.scheme == "https" else None
        self.path = f"{parts.path}/bot{token}/sendMessage"
        self.timeout = timeout
        self.retry_after_count = 0
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(max(1, connections))

    async def aclose(self) -> None:
        while self._idle:
            self._idle.pop().close()

    async def __aenter__(self) -> BotApiSender:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def send(self, chat_id: str, text: str, buttons: tuple[tuple[Button, ...], ...]) -> SendResult:
        body = json.dumps(_request(chat_id, text, buttons), ensure_ascii=False).encode()
        for _try in range(RETRY_AFTER_TRIES):
            try:
                async with self._slots:
                    reply = await asyncio.wait_for(self._exchange(body), self.timeout)
            except (TimeoutError, OSError, _Dropped, asyncio.IncompleteReadError, ValueError) as trouble:
                return SendResult(Outcome.RETRY, error=f"network: {type(trouble).__name__} {trouble}"[:500])
            result = _outcome(reply)
            if isinstance(result, SendResult):
                return result
            self.retry_after_count += 1
            log.warning("Telegram asked us to wait %.0f s", result)
            await asyncio.sleep(result)
        return SendResult(Outcome.RETRY, error="Telegram kept asking us to wait (429)")

    async def _exchange(self, body: bytes) -> _Reply:
        connection = await self._connection()
        try:
            try:
                reply = await self._round_trip(connection, body)
            except _Dropped:
                connection.close()
                if not connection.reused:
                    raise
                connection = await self._open()  # the server had closed it while idle: it never saw this one
                reply = await self._round_trip(connection, body)
        except BaseException:
            connection.close()  # half a reply may be waiting on it: never reuse
            raise
        if reply.keep_alive:
            connection.reused = True
            self._idle.append(connection)
        else:
            connection.close()
        return reply

    async def _connection(self) -> _Connection:
        while self._idle:
            connection = self._idle.pop()
            if not connection.reader.at_eof() and not connection.writer.is_closing():
                return connection
            connection.close()
        return await self._open()

    async def _open(self) -> _Connection:
        reader, writer = await asyncio.open_connection(self.host, self.port, ssl=self.tls,
                                                       limit=MAX_HEADER_BYTES)
        return _Connection(reader, writer)

    async def _round_trip(self, connection: _Connection, body: bytes) -> _Reply:
        head = (f"POST {self.path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n").encode()
        connection.writer.write(head + body)
        await connection.writer.drain()
        try:
            raw_head = await connection.reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as short:
            if not short.partial:
                raise _Dropped() from short
            raise
        status, headers = _parse_head(raw_head)
        if headers.get("transfer-encoding", "").lower() == "chunked":
            payload = await _read_chunked(connection.reader)
        else:
            length = int(headers.get("content-length", "-1"))
            if not 0 <= length <= MAX_BODY_BYTES:
                raise ValueError("a reply without a usable Content-Length")
            payload = await connection.reader.readexactly(length)
        keep_alive = headers.get("connection", "").lower() != "close"
        return _Reply(status, payload, keep_alive)


def _request(chat_id: str, text: str, buttons: tuple[tuple[Button, ...], ...]) -> dict[str, Any]:
    request: dict[str, Any] = {"chat_id": chat_id, "text": text}
    if buttons:
        request["reply_markup"] = {"inline_keyboard": [
            [{"text": button.label, "callback_data": button.data} for button in row] for row in buttons]}
    return request


def _parse_head(raw: bytes) -> tuple[int, dict[str, str]]:
    lines = raw.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise ValueError(f"not an HTTP reply: {lines[0][:80]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return int(parts[1]), headers


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    payload = bytearray()
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            await reader.readuntil(b"\r\n")  # the empty trailer
            return bytes(payload)
        if len(payload) + size > MAX_BODY_BYTES:
            raise ValueError("a reply too long to be a sent message")
        payload += await reader.readexactly(size)
        await reader.readexactly(2)


def _outcome(reply: _Reply) -> SendResult | float:
    """The send's result, or how many seconds Telegram asked us to wait before trying again."""
    try:
        answer = json.loads(reply.body)
    except ValueError:
        return SendResult(Outcome.RETRY, error=f"HTTP {reply.status}: not a Bot API answer")
    if not isinstance(answer, dict):
        return SendResult(Outcome.RETRY, error=f"HTTP {reply.status}: not a Bot API answer")
    if answer.get("ok") is True:
        message_id = (answer.get("result") or {}).get("message_id")
        return SendResult(Outcome.SENT, message_id=int(message_id) if message_id is not None else None)
    code = int(answer.get("error_code") or reply.status)
    description = str(answer.get("description") or f"HTTP {reply.status}")
    if code == 429:
        return float((answer.get("parameters") or {}).get("retry_after") or 1)
    if code == 403:
        return SendResult(Outcome.BLOCKED, error=f"blocked: {description}"[:500])
    if code == 400:
        if any(gone in description.lower() for gone in _GONE_CHAT):
            return SendResult(Outcome.BLOCKED, error=f"chat gone: {description}"[:500])
        return SendResult(Outcome.REFUSED, error=f"refused: {description}"[:500])
    return SendResult(Outcome.RETRY, error=f"{code}: {description}"[:500])
