"""A small HTTP/1.1 server over asyncio streams, just enough for the Bot API stand-in.

Why not `http.server`: python-telegram-bot talks through httpx with a pool of keep-alive
connections and holds one request open for long polling. An asyncio server handles both on one
thread without a thread per connection, and stays well above 1,000 requests a second on loopback.

It also parses the three body types the Bot API accepts: JSON, url-encoded forms and multipart
uploads.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.message import Message
from email.utils import collapse_rfc2231_value
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

# Telegram lets bots upload files of up to 50 MB; a little slack for the multipart framing.
MAX_BODY_BYTES = 52 * 1024 * 1024
MAX_HEAD_BYTES = 64 * 1024


class HttpProtocolError(Exception):
    """The client sent something that is not HTTP/1.1 we can answer; we reply with `status` and close."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


class BodyError(Exception):
    """The request body could not be read as the content type it claims."""


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    query: str
    version: str
    headers: dict[str, str]
    body: bytes

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    @property
    def keep_alive(self) -> bool:
        connection = self.header("connection").lower()
        if self.version == "HTTP/1.0":
            return connection == "keep-alive"
        return connection != "close"


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    # When True the server closes the socket without answering: a simulated network failure.
    drop_connection: bool = False

    @classmethod
    def json(cls, status: int, payload: Any) -> HttpResponse:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        return cls(status=status, body=body)


@dataclass(frozen=True)
class UploadedFile:
    """One file from a multipart upload, kept byte for byte."""

    field: str
    filename: str
    content_type: str
    data: bytes


Handler = Callable[[HttpRequest], Awaitable[HttpResponse]]


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    total = 0
    while True:
        size_line = await reader.readuntil(b"\r\n")
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError as exc:
            raise HttpProtocolError(400, "bad chunk size") from exc
        if size == 0:
            # Skip any trailer headers up to the blank line.
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass
            return b"".join(parts)
        total += size
        if total > MAX_BODY_BYTES:
            raise HttpProtocolError(413, "body too large")
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


async def read_request(reader: asyncio.StreamReader) -> HttpRequest | None:
    """Read one request; None when the client closed the connection cleanly between requests."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial.strip():
            return None
        raise HttpProtocolError(400, "incomplete request head") from exc
    except asyncio.LimitOverrunError as exc:
        raise HttpProtocolError(431, "request head too large") from exc

    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise HttpProtocolError(400, f"bad request line {lines[0]!r}")
    method, target, version = parts
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise HttpProtocolError(400, f"bad header line {line!r}")
        headers[name.strip().lower()] = value.strip()

    if headers.get("expect", "").lower() == "100-continue":
        raise HttpProtocolError(417, "Expect: 100-continue is not supported")
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = await _read_chunked(reader)
    else:
        try:
            length = int(headers.get("content-length", "0"))
        except ValueError as exc:
            raise HttpProtocolError(400, "bad Content-Length") from exc
        if length < 0 or length > MAX_BODY_BYTES:
            raise HttpProtocolError(413, "body too large")
        body = await reader.readexactly(length) if length else b""

    split = urlsplit(target)
    return HttpRequest(
        method=method.upper(), path=unquote(split.path), query=split.query,
        version=version, headers=headers, body=body,
    )


def encode_response(response: HttpResponse, *, keep_alive: bool) -> bytes:
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = "Unknown"
    head = [
        f"HTTP/1.1 {response.status} {reason}",
        "Server: signpost-telegram-standin",
        f"Content-Type: {response.content_type}",
        f"Content-Length: {len(response.body)}",
        f"Connection: {'keep-alive' if keep_alive else 'close'}",
    ]
    head.extend(f"{name}: {value}" for name, value in response.headers.items())
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + response.body


class HttpServer:
    """Serves `handler` on 127.0.0.1 with keep-alive; must be started and closed on one event loop."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._address: tuple[str, int] | None = None

    async def start(self, host: str, port: int) -> int:
        self._server = await asyncio.start_server(self._accept, host, port, limit=MAX_HEAD_BYTES)
        bound = int(self._server.sockets[0].getsockname()[1])
        self._address = (host, bound)
        return bound

    async def stop_listening(self) -> None:
        """Close the listening socket and every open connection: new connections are refused."""
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        if self._connections:
            await asyncio.gather(*self._connections, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def listen_again(self) -> None:
        """Listen on the same address as before `stop_listening`."""
        if self._server is None and self._address is not None:
            self._server = await asyncio.start_server(self._accept, *self._address, limit=MAX_HEAD_BYTES)

    async def close(self) -> None:
        await self.stop_listening()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                request = await read_request(reader)
            except HttpProtocolError as exc:
                failure = HttpResponse.json(exc.status, {"ok": False, "error_code": exc.status,
                                                         "description": str(exc)})
                writer.write(encode_response(failure, keep_alive=False))
                await writer.drain()
                return
            if request is None:
                return
            response = await self._handler(request)
            if response.drop_connection:
                transport = writer.transport
                transport.abort()
                return
            keep_alive = request.keep_alive
            writer.write(encode_response(response, keep_alive=keep_alive))
            await writer.drain()
            if not keep_alive:
                return


def _multipart_boundary(content_type: str) -> str:
    message = Message()
    message["content-type"] = content_type
    boundary = message.get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        raise BodyError("multipart body without a boundary")
    return boundary


def _disposition(headers: Message) -> tuple[str, str | None]:
    name = headers.get_param("name", header="content-disposition")
    if name is None:
        raise BodyError("multipart part without a name")
    filename = headers.get_filename()
    return collapse_rfc2231_value(name), filename


def parse_multipart(body: bytes, content_type: str) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    boundary = _multipart_boundary(content_type).encode("latin-1")
    fields: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    # Splitting on CRLF + delimiter keeps file bytes intact; the leading CRLF makes the first part alike.
    sections = (b"\r\n" + body).split(b"\r\n--" + boundary)
    if len(sections) < 2:
        raise BodyError("multipart body does not contain its boundary")
    for section in sections[1:]:
        if section.startswith(b"--"):
            break
        if not section.startswith(b"\r\n"):
            raise BodyError("malformed multipart delimiter")
        raw_headers, sep, content = section[2:].partition(b"\r\n\r\n")
        if not sep:
            raise BodyError("multipart part without headers")
        headers = Message()
        for line in raw_headers.decode("utf-8", errors="replace").split("\r\n"):
            name, colon, value = line.partition(":")
            if colon:
                headers[name.strip()] = value.strip()
        name, filename = _disposition(headers)
        if filename is not None:
            files[name] = UploadedFile(
                field=name, filename=filename,
                content_type=headers.get("content-type", "application/octet-stream"), data=content,
            )
        else:
            fields[name] = content.decode("utf-8", errors="replace")
    else:
        raise BodyError("multipart body has no closing boundary")
    return fields, files


def parse_body(request: HttpRequest) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Parameters (query string plus body) and uploaded files, whatever encoding the client chose.

    JSON bodies keep their types; form and multipart values arrive as strings, like at Telegram.
    """
    params: dict[str, Any] = dict(parse_qsl(request.query, keep_blank_values=True))
    files: dict[str, UploadedFile] = {}
    media_type = request.header("content-type").split(";", 1)[0].strip().lower()
    if not request.body:
        return params, files
    if media_type == "application/json":
        try:
            decoded = json.loads(request.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BodyError("body is not valid JSON") from exc
        if not isinstance(decoded, dict):
            raise BodyError("JSON body must be an object")
        params.update(decoded)
    elif media_type == "application/x-www-form-urlencoded":
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BodyError("form body is not UTF-8") from exc
        params.update(parse_qsl(text, keep_blank_values=True))
    elif media_type == "multipart/form-data":
        fields, files = parse_multipart(request.body, request.header("content-type"))
        params.update(fields)
    else:
        raise BodyError(f"unsupported content type {media_type or '(none)'}")
    return params, files
