"""`signpost serve` behind a webhook: a Starlette app served by uvicorn, so several processes can answer one bot.

This is the custom webhook server python-telegram-bot documents (its customwebhookbot examples): the
Application is built without its own Updater, a Starlette route takes Telegram's POST, checks the
secret token header, and hands the Update to the Application. Unlike the example, the route answers
Telegram only once the update is handled (`process_update`, not `update_queue.put`): an update whose
process stops half-way gets no 200, so Telegram sends it again and it is not lost.

Several processes behind one address (a reverse proxy, or several on one host: the socket is opened
with SO_REUSEPORT where the system has it, so they can share one port). Any of them answers any chat,
since the chat's state is in the database; one chat's updates are answered one at a time and in order
(casefile/chat_turns.py: a lock on the chat across processes, and each update answered once).

Other routes (SMS delivery callbacks, say) are mounted on the same app: pass them as `routes`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import socket
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import uvicorn
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from telegram import Update
from telegram.error import TelegramError

from bot.reminders.pacing import KeyedLines
from casefile import chat_turns

if TYPE_CHECKING:
    from bot.channels.telegram import TelegramChannel

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/telegram"
CHANNEL = "telegram"
ALLOWED_UPDATES = ["message", "callback_query"]
# Updates handled at once by one process; more wait their turn (Telegram holds them meanwhile). Each holds
# a database connection for its chat's turn (casefile/db.py's coordination engine has room for them).
HANDLING_AT_ONCE = 8
# Waiting for a chat another process is answering: tries this often at first, then less often.
TURN_FIRST_WAIT, TURN_MOST_WAIT = 0.01, 0.2
SET_WEBHOOK_TRIES = 10
FORGET_EVERY = 1_000  # updates handled between two sweeps of quiet chats' last update numbers


class ChatTurns:
    """Each chat's updates one at a time, in this process and (on PostgreSQL) across processes."""

    def __init__(self, sessions: sessionmaker[Session], coordination: Engine | None) -> None:
        self.sessions = sessions
        self.coordination = coordination  # an autocommit engine on PostgreSQL; None on SQLite
        self._lines = KeyedLines()
        self._handling = asyncio.Semaphore(HANDLING_AT_ONCE)
        self.skipped = 0
        self._marked = 0

    def _try_hold(self, chat_id: str) -> Connection | None:
        """The connection holding the chat's turn, or None when another process has it now."""
        assert self.coordination is not None
        connection = self.coordination.connect()
        try:
            if chat_turns.try_hold_chat(connection, CHANNEL, chat_id):
                return connection
        except BaseException:
            connection.close()
            raise
        connection.close()
        return None

    async def _hold(self, chat_id: str) -> Connection | None:
        if self.coordination is None:
            return None
        wait = TURN_FIRST_WAIT
        while True:
            connection = await asyncio.to_thread(self._try_hold, chat_id)
            if connection is not None:
                return connection
            await asyncio.sleep(wait)
            wait = min(wait * 2, TURN_MOST_WAIT)

    def _let_go(self, connection: Connection | None, chat_id: str) -> None:
        if connection is None:
            return
        try:
            chat_turns.let_chat_go(connection, CHANNEL, chat_id)
        finally:
            connection.close()  # a lock left on a broken connection goes with it

    def _is_new(self, chat_id: str, update_id: int) -> bool:
        with self.sessions() as session:
            return chat_turns.is_new(session, CHANNEL, chat_id, update_id)

    def _mark(self, chat_id: str, update_id: int) -> None:
        now = datetime.now(UTC)
        with self.sessions() as session:
            chat_turns.mark_handled(session, CHANNEL, chat_id, update_id, now)
            self._marked += 1
            if self._marked % FORGET_EVERY == 1:  # at the first update, then now and then
                chat_turns.forget_quiet_chats(session, now)

    @contextlib.asynccontextmanager
    async def turn(self, chat_id: str, update_id: int) -> AsyncIterator[bool]:
        """The chat's turn; yields whether the update is new (else it was answered already: skip it).

        In line behind this process's earlier updates of the chat first, then one of HANDLING_AT_ONCE,
        then the chat's turn across processes: so a process holds at most that many connections for turns.
        """
        async with self._lines.turn(chat_id), self._handling:
            connection = await self._hold(chat_id)
            try:
                fresh = await asyncio.to_thread(self._is_new, chat_id, update_id)
                if not fresh:
                    self.skipped += 1
                    log.info("update %d was answered already (sent again, or overtaken); not answered twice",
                             update_id)
                yield fresh
                if fresh:
                    await asyncio.to_thread(self._mark, chat_id, update_id)
            finally:
                await asyncio.to_thread(self._let_go, connection, chat_id)


def listening_socket(host: str, port: int) -> socket.socket:
    """A listening socket that other `signpost serve` processes on this host may share (SO_REUSEPORT)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if hasattr(socket, "SO_REUSEPORT"):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


class WebhookServer:
    def __init__(self, channel: TelegramChannel, turns: ChatTurns, routes: Sequence[BaseRoute] = ()) -> None:
        self.channel = channel
        self.turns = turns
        self.secret = channel.options.webhook_secret
        self.app = Starlette(routes=[Route(WEBHOOK_PATH, self._on_update, methods=["POST"]), *routes])

    async def _on_update(self, request: Request) -> Response:
        if self.secret is not None:
            given = request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), self.secret.encode()):
                return Response(status_code=403)
        try:
            data = json.loads(await request.body())
            update = Update.de_json(data, self.channel.application.bot)
        except (ValueError, TypeError, KeyError, AttributeError) as problem:
            log.info("a webhook request was not an update: %s", type(problem).__name__)
            return Response(status_code=400)
        chat = update.effective_chat
        if chat is None:  # nothing to put in order (or an update type not asked for)
            await self.channel.application.process_update(update)
            return Response()
        async with self.turns.turn(str(chat.id), update.update_id) as fresh:
            if fresh:
                await self.channel.application.process_update(update)
        return Response()

    async def serve(self) -> None:
        """Start the Application and its hooks, set the webhook, serve until SIGTERM or Ctrl-C, then stop."""
        application = self.channel.application
        options = self.channel.options
        assert options.webhook_url, "a webhook URL is checked for before this is called"
        sock = listening_socket(options.webhook_listen, options.webhook_port)
        server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off"))
        await application.initialize()
        try:
            if application.post_init is not None:
                await application.post_init(application)
            await self._set_webhook(options.webhook_url, options.webhook_secret)
            await application.start()
            log.info("webhook server listening on %s:%d", options.webhook_listen, options.webhook_port)
            try:
                await server.serve(sockets=[sock])
            finally:
                await application.stop()
                if application.post_stop is not None:
                    await application.post_stop(application)
        finally:
            sock.close()
            await application.shutdown()
            if application.post_shutdown is not None:
                await application.post_shutdown(application)

    async def _set_webhook(self, url: str, secret: str | None) -> None:
        """Every process sets the same webhook; Telegram keeps one. Telegram away for a moment is waited out."""
        wait = 1.0
        for attempt in range(SET_WEBHOOK_TRIES):
            try:
                await self.channel.application.bot.set_webhook(url=url, secret_token=secret,
                                                               allowed_updates=ALLOWED_UPDATES)
                return
            except TelegramError as problem:
                if attempt == SET_WEBHOOK_TRIES - 1:
                    raise
                log.warning("could not set the webhook (%s); trying again in %.0f s", problem, wait)
                await asyncio.sleep(wait)
                wait = min(wait * 2, 30.0)
