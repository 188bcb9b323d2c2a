"""The small web server Notify's callbacks come to (delivery receipts; received texts join it), in `signpost serve`.

It listens on SIGNPOST_NOTIFY_CALLBACK_LISTEN (127.0.0.1:8445), behind the same HTTPS proxy as the
Telegram webhook; the callback URLs given to Notify are that proxy's address plus each route's path.
It runs on the serving process's own event loop (uvicorn's Server, without its signal handlers, which
belong to the bot), so a callback reaches the database through the same sessions as everything else.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

import uvicorn
from starlette.applications import Starlette
from starlette.routing import BaseRoute

log = logging.getLogger(__name__)


class _QuietServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # the bot's own handlers stay in charge
        pass


class CallbackServer:
    """Serves `routes` on host:port until `stop`; port 0 takes a free one (see `port`)."""

    def __init__(self, routes: Sequence[BaseRoute], host: str = "127.0.0.1", port: int = 8445) -> None:
        self.app = Starlette(routes=list(routes))
        config = uvicorn.Config(self.app, host=host, port=port, log_level="warning", lifespan="off",
                                access_log=False)
        self._server = _QuietServer(config)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._server.serve(), name="signpost-notify-callbacks")
        while not self._server.started:
            if self._task.done():
                self._task.result()  # raises why it could not listen (the port is taken)
                raise RuntimeError("the Notify callback server stopped before it started")
            await asyncio.sleep(0.01)
        log.info("Notify callbacks on %s", self.url)

    @property
    def port(self) -> int:
        sockets = [sock for server in self._server.servers for sock in server.sockets]
        return int(sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://{self._server.config.host}:{self.port}"

    async def stop(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._task, 10)
        self._task = None


def listen_address(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    return host or "127.0.0.1", int(port or 8445)
