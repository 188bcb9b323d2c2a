"""The metrics listener: /healthz and /metrics for a process that has no web server of its own.

`signpost serve` on long polling and `signpost reminders run` listen on nothing; with
SIGNPOST_METRICS_LISTEN set they start this small Starlette app on that address, served by uvicorn
in the process's own event loop (the bot's, or the dispatcher's), so it costs no thread or process.
The address is the operator's to keep private (a staff or monitoring network); with
SIGNPOST_METRICS_TOKEN set, /metrics asks for it too. /healthz never needs the token: it says only
"ok" or which check failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator, Iterator

import uvicorn
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette

from bot.health import health_routes
from bot.metrics import metrics_routes

log = logging.getLogger(__name__)
STOP_SECONDS = 5.0


def operations_app(sessions: sessionmaker[Session], token: str | None) -> Starlette:
    return Starlette(routes=[*health_routes(sessions), *metrics_routes(sessions, token)])


class CannotListen(Exception):
    """SIGNPOST_METRICS_LISTEN names an address this process cannot listen on; the message says so plainly."""


class _EmbeddedServer(uvicorn.Server):
    """uvicorn inside someone else's event loop: the process's owner (PTB, the dispatcher) handles signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class MetricsListener:
    """Start with `await start()` inside the running loop; `await stop()` before the loop ends."""

    def __init__(self, sessions: sessionmaker[Session], address: tuple[str, int], token: str | None) -> None:
        self.host, self.port = address
        self.app = operations_app(sessions, token)
        self._server: _EmbeddedServer | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Listen now; an address that cannot be used raises CannotListen here, at start, not later in a task."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        listening = socket.socket(family, socket.SOCK_STREAM)
        try:
            listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listening.bind((self.host, self.port))
        except OSError as problem:
            listening.close()
            raise CannotListen(f"Cannot listen on {self.host}:{self.port} for /healthz and /metrics "
                               f"(SIGNPOST_METRICS_LISTEN): {problem.strerror or problem}. Choose another "
                               "address or port, or stop what is using it.") from problem
        self.port = listening.getsockname()[1]  # port 0 asks for any free one (tests)
        config = uvicorn.Config(self.app, log_level="warning", log_config=None, access_log=False, lifespan="off")
        self._server = _EmbeddedServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[listening]), name="signpost-metrics-listener")
        while not self._server.started and not self._task.done():
            await asyncio.sleep(0.01)
        if self._task.done():
            self._task.result()  # uvicorn could not start: say why here
        log.info("health and metrics on http://%s:%d (/healthz, /metrics)", self.host, self.port)

    async def stop(self) -> None:
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        try:
            await asyncio.wait_for(self._task, STOP_SECONDS)
        except TimeoutError:
            self._task.cancel()
        self._server = self._task = None


@contextlib.asynccontextmanager
async def metrics_listener(sessions: sessionmaker[Session], address: tuple[str, int] | None,
                           token: str | None) -> AsyncIterator[MetricsListener | None]:
    """The listener for the block when an address is set; nothing when it is not."""
    if address is None:
        yield None
        return
    listener = MetricsListener(sessions, address, token)
    await listener.start()
    try:
        yield listener
    finally:
        await listener.stop()
