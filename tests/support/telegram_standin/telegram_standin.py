"""A local stand-in for the Telegram Bot API, over real HTTP on 127.0.0.1.

Point python-telegram-bot at it (`Bot(token, base_url=standin.base_url)`, or `signpost serve` with
SIGNPOST_TELEGRAM_API_URL=standin.api_url and TELEGRAM_BOT_TOKEN=standin.token) and drive whole
conversations from a test, errbot style:

    with TelegramStandIn() as telegram:
        ...start the bot against telegram.base_url with telegram.token...
        telegram.push_command(42, "start")
        reply = telegram.pop(42)
        telegram.press_button(reply, "Yes")

The server runs on its own thread and event loop, so sync tests and async tests can both use it.
In an async test whose event loop also runs the bot, use the `*_async` waits (`pop_async`,
`wait_for_async`, `deliver_webhook_async`): the plain ones block the calling thread, and with it
that bot.

Run `python -m tests.support.telegram_standin.telegram_standin --port 8081` to chat with a bot by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from http import HTTPStatus
from types import TracebackType
from typing import Any

from tests.support.telegram_standin.standin_checks import ApiError, bad_request
from tests.support.telegram_standin.standin_delivery import UpdateDelivery
from tests.support.telegram_standin.standin_http import (
    BodyError,
    HttpRequest,
    HttpResponse,
    HttpServer,
    parse_body,
)
from tests.support.telegram_standin.standin_limits import RateLimits, SendLimits
from tests.support.telegram_standin.standin_methods import WebhookConfig, coerce_params
from tests.support.telegram_standin.standin_objects import Call, SentMessage, WebhookDelivery
from tests.support.telegram_standin.standin_state import InjectedFailure, StandInState

DEFAULT_TOKEN = "123456789:SIGNPOST-test-token_0123456789abcdef"
HOST = "127.0.0.1"

_API_PATH = re.compile(r"^/bot([^/]*)/([A-Za-z]*)/?$")
_FILE_PATH = re.compile(r"^/file/bot([^/]*)/(.+)$")
_WELL_FORMED_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")

CallPredicate = Callable[[Call], bool]


def _injected_error(status: int, description: str | None, retry_after: int) -> ApiError:
    if status == 429:
        return ApiError(429, description or f"Too Many Requests: retry after {retry_after}",
                        {"retry_after": retry_after})
    if description is None:
        try:
            description = HTTPStatus(status).phrase
        except ValueError:
            description = "Injected failure"
        if status in (400, 403):
            description = f"{description}: injected failure"
    return ApiError(status, description)


class TelegramStandIn:
    """A Bot API server for tests: records every call and answers like Telegram.

    People's side: push_message, push_command, push_callback, press_button, push_update.
    The bot's side: pop / pop_async, sent, calls, calls_to, wait_for / wait_for_async, commands,
    webhook, webhook_deliveries, count_429. Trouble: enforce_limits, latency, slow_answers, fail_next,
    disconnect_next, refuse_connections / accept_connections, block_chat. Webhooks: deliver_webhook / deliver_webhook_async, and pushes go
    to the webhook once the bot has set one (unless deliver_via_webhook is turned off).
    """

    def __init__(self, *, token: str = DEFAULT_TOKEN, port: int = 0, enforce_limits: bool = False,
                 limits: RateLimits | None = None, latency: float = 0.0,
                 bot_username: str = "signpost_test_bot", bot_name: str = "Signpost (test)") -> None:
        self._state = StandInState(token=token, bot_username=bot_username, bot_name=bot_name)
        self._state.limits_config = limits or RateLimits()
        self.enforce_limits = enforce_limits
        self.latency = latency
        self._requested_port = port
        self._port: int | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._start_error: BaseException | None = None
        self._server: HttpServer | None = None
        self._delivery: UpdateDelivery | None = None
        # method (None: every method but getUpdates) -> seconds its answer waits after the call is done
        self._answer_delays: dict[str | None, float] = {}

    # ----- life cycle -----------------------------------------------------------------------

    def start(self) -> TelegramStandIn:
        if self._thread is not None:
            raise RuntimeError("the Telegram stand-in is already running")
        ready = threading.Event()
        self._start_error = None
        self._thread = threading.Thread(target=self._run, args=(ready,), name="telegram-standin", daemon=True)
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
        if threading.current_thread() is thread:
            raise RuntimeError("stop() cannot be called from the stand-in's own thread")
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        self._thread = None
        self._loop = None

    def __enter__(self) -> TelegramStandIn:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    async def __aenter__(self) -> TelegramStandIn:
        return self.start()

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        traceback: TracebackType | None) -> None:
        await asyncio.to_thread(self.stop)

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._open())
        except BaseException as exc:  # handed to start(), which raises it in the caller's thread
            self._start_error = exc
            self._loop = None
            loop.close()
            ready.set()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._close())
            loop.close()

    async def _open(self) -> None:
        self._server = HttpServer(self._handle)
        self._port = await self._server.start(HOST, self._requested_port)
        self._delivery = UpdateDelivery(self._state)
        await self._delivery.open()

    async def _close(self) -> None:
        if self._server is not None:
            await self._server.close()
        if self._delivery is not None:
            await self._delivery.close()

    # ----- addresses and settings -----------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("start the Telegram stand-in first")
        return self._port

    @property
    def token(self) -> str:
        return self._state.token

    @property
    def bot_user(self) -> dict[str, Any]:
        return dict(self._state.bot)

    @property
    def api_url(self) -> str:
        """The server's root, like https://api.telegram.org: what SIGNPOST_TELEGRAM_API_URL takes."""
        return f"http://{HOST}:{self.port}"

    @property
    def base_url(self) -> str:
        """What python-telegram-bot calls base_url: it appends the token, then `/<method>`."""
        return f"http://{HOST}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{HOST}:{self.port}/file/bot"

    @property
    def enforce_limits(self) -> bool:
        return self._state.limits is not None

    @enforce_limits.setter
    def enforce_limits(self, enabled: bool) -> None:
        with self._state.lock:
            self._state.limits = SendLimits(self._state.limits_config) if enabled else None

    @property
    def deliver_via_webhook(self) -> bool:
        """When True (as at Telegram) pushed updates go to the webhook once the bot has set one."""
        return self._state.deliver_via_webhook

    @deliver_via_webhook.setter
    def deliver_via_webhook(self, enabled: bool) -> None:
        with self._state.lock:
            self._state.deliver_via_webhook = enabled

    # ----- what people do: updates for the bot ----------------------------------------------

    def push_message(self, chat_id: int | str, text: str, *, user_id: int | None = None,
                     language_code: str | None = "en", first_name: str = "Test") -> dict[str, Any]:
        """A person types `text`; returns the Update as the bot will receive it."""
        update = self._state.message_update(chat_id, text, user_id=user_id, language_code=language_code,
                                            first_name=first_name)
        return self._dispatch(update)

    def push_command(self, chat_id: int | str, command: str, args: str = "", *, user_id: int | None = None,
                     language_code: str | None = "en", first_name: str = "Test") -> dict[str, Any]:
        text = "/" + command.removeprefix("/") + (f" {args}" if args else "")
        return self.push_message(chat_id, text, user_id=user_id, language_code=language_code,
                                 first_name=first_name)

    def push_callback(self, chat_id: int | str, data: str, *, message_id: int,
                      user_id: int | None = None) -> str:
        """A person taps the button with `data` on a message the bot sent; returns the callback query id."""
        update = self._state.callback_update(chat_id, data, message_id=message_id, user_id=user_id)
        self._dispatch(update)
        return str(update["callback_query"]["id"])

    def press_button(self, message: SentMessage, label: str, *, user_id: int | None = None) -> str:
        """Taps the button labelled `label` on `message`; returns the callback query id."""
        return self.push_callback(message.chat_id, message.callback_data_for(label),
                                  message_id=message.message_id, user_id=user_id)

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Any other update, given as a Bot API dict; an update_id is added when missing."""
        if "update_id" not in update:
            update = self._state.stamp(update)
        return self._dispatch(update)

    def message_update(self, chat_id: int | str, text: str, *, user_id: int | None = None,
                       language_code: str | None = "en", first_name: str = "Test") -> dict[str, Any]:
        """Builds a message Update without sending it, e.g. for `deliver_webhook`."""
        return self._state.message_update(chat_id, text, user_id=user_id, language_code=language_code,
                                          first_name=first_name)

    def callback_update(self, message: SentMessage, label: str, *, user_id: int | None = None) -> dict[str, Any]:
        """Builds the Update of a tap on the button labelled `label` without sending it (`deliver_webhook`)."""
        return self._state.callback_update(message.chat_id, message.callback_data_for(label),
                                           message_id=message.message_id, user_id=user_id)

    def callback_update_for_data(self, message: SentMessage, data: str, *,
                                 user_id: int | None = None) -> dict[str, Any]:
        """As `callback_update`, for the button carrying callback `data`."""
        return self._state.callback_update(message.chat_id, data, message_id=message.message_id, user_id=user_id)

    def _dispatch(self, update: dict[str, Any]) -> dict[str, Any]:
        webhook = self._state.enqueue(update)
        loop, delivery = self._loop, self._delivery
        if loop is None or delivery is None or self._thread is None:
            if webhook is not None:
                raise RuntimeError("start the Telegram stand-in before pushing to a webhook")
            return update  # waits in the queue for the first getUpdates
        if webhook is not None:
            loop.call_soon_threadsafe(delivery.send_to_webhook, update, webhook)
        else:
            loop.call_soon_threadsafe(delivery.wake_poller)
        return update

    # ----- what the bot did -----------------------------------------------------------------

    def pop(self, chat_id: int | str | None = None, timeout: float = 5.0) -> SentMessage:
        """The next message the bot sent (to `chat_id`, if given), waiting up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._state.changed:
            while True:
                message = self._state.take_sent(chat_id)
                if message is not None:
                    return message
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(self._state.describe_for_timeout(chat_id, timeout))
                self._state.changed.wait(remaining)

    async def pop_async(self, chat_id: int | str | None = None, timeout: float = 5.0) -> SentMessage:
        return await asyncio.to_thread(self.pop, chat_id, timeout)

    def assert_nothing_sent(self, chat_id: int | str | None = None, within: float = 0.3) -> None:
        """Fails if the bot sends (or has sent, unpopped) anything to `chat_id` within `within` seconds."""
        try:
            extra = self.pop(chat_id, timeout=within)
        except AssertionError:
            return
        raise AssertionError(f"expected no message, but the bot sent {extra.describe()}")

    async def assert_nothing_sent_async(self, chat_id: int | str | None = None, within: float = 0.3) -> None:
        await asyncio.to_thread(self.assert_nothing_sent, chat_id, within)

    @property
    def sent(self) -> list[SentMessage]:
        """Every message the bot sent since the last reset, popped or not, in order."""
        with self._state.lock:
            return list(self._state.sent)

    @property
    def calls(self) -> list[Call]:
        with self._state.lock:
            return list(self._state.calls)

    @property
    def call_count(self) -> int:
        """How many calls the bot has made (cheap: a benchmark watching thousands asks often)."""
        with self._state.lock:
            return len(self._state.calls)

    def calls_to(self, method: str) -> list[Call]:
        wanted = method.lower()
        return [call for call in self.calls if call.method.lower() == wanted]

    def wait_for(self, what: str | CallPredicate, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Waits until `count` calls match (a method name or a predicate); returns those calls."""
        matches = self._matcher(what)
        deadline = time.monotonic() + timeout
        found: list[Call] = []
        scanned, calls = 0, self._state.calls
        with self._state.changed:
            while True:
                if calls is not self._state.calls:  # reset() started a new record meanwhile
                    found, scanned, calls = [], 0, self._state.calls
                # Only look at calls new since the last wake-up: a benchmark may wait for thousands.
                found.extend(call for call in calls[scanned:] if matches(call))
                scanned = len(calls)
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = ", ".join(f"{c.method}:{c.status}" for c in self._state.calls[-15:]) or "none"
                    raise AssertionError(f"waited {timeout:g} s for {count} call(s) matching {what!r}, "
                                         f"saw {len(found)}; last calls: {seen}")
                self._state.changed.wait(remaining)

    async def wait_for_async(self, what: str | CallPredicate, count: int = 1,
                             timeout: float = 5.0) -> list[Call]:
        return await asyncio.to_thread(self.wait_for, what, count, timeout)

    @staticmethod
    def _matcher(what: str | CallPredicate) -> CallPredicate:
        if isinstance(what, str):
            wanted = what.lower()
            return lambda call: call.method.lower() == wanted
        return what

    @property
    def count_429(self) -> int:
        with self._state.lock:
            return self._state.count_429

    @property
    def pending_updates(self) -> int:
        """Updates queued for getUpdates and not yet confirmed by the bot."""
        with self._state.lock:
            return len(self._state.updates)

    def commands(self, language_code: str = "", scope: dict[str, Any] | None = None) -> list[dict[str, str]]:
        """The command menu the bot set for this language and scope (default scope if None)."""
        return self._state.commands_for(scope, language_code)

    @property
    def webhook(self) -> WebhookConfig | None:
        with self._state.lock:
            return self._state.webhook

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        with self._state.lock:
            return list(self._state.webhook_deliveries)

    def reset(self) -> None:
        """Forgets calls, messages, updates, failures, blocks, commands and webhook; keeps limits, latency."""
        self._state.reset()

    # ----- trouble on purpose ---------------------------------------------------------------

    def fail_next(self, method: str | None = None, status: int = 502, times: int = 1, *,
                  description: str | None = None, retry_after: int = 1) -> None:
        """The next `times` calls to `method` (any method if None) answer `status` and do nothing."""
        self._add_failure(method, status, times, description, retry_after)

    def disconnect_next(self, method: str | None = None, times: int = 1) -> None:
        """The next `times` calls to `method` get the connection closed without an answer."""
        self._add_failure(method, 0, times, None, 0)

    def _add_failure(self, method: str | None, status: int, times: int, description: str | None,
                     retry_after: int) -> None:
        canonical = None
        if method is not None:
            canonical = self._state.canonical_method(method)
            if canonical is None:
                raise ValueError(f"the stand-in does not answer {method!r}")
        with self._state.lock:
            self._state.failures.append(InjectedFailure(canonical, status, times, description, retry_after))

    def slow_answers(self, seconds: float, method: str | None = None) -> None:
        """Calls to `method` (every method but getUpdates if None) are carried out at once, as Telegram
        does under load, but their answer comes `seconds` later: a client that gives up first has had its
        message delivered all the same. 0 turns it off."""
        canonical = None
        if method is not None:
            canonical = self._state.canonical_method(method)
            if canonical is None:
                raise ValueError(f"the stand-in does not answer {method!r}")
        with self._state.lock:
            if seconds > 0:
                self._answer_delays[canonical] = seconds
            else:
                self._answer_delays.pop(canonical, None)

    def _answer_delay(self, method: str) -> float:
        with self._state.lock:
            if method in self._answer_delays:
                return self._answer_delays[method]
            return 0.0 if method == "getUpdates" else self._answer_delays.get(None, 0.0)

    def refuse_connections(self) -> None:
        """Stop listening and drop every open connection, as a server that is down: clients get
        "connection refused" until `accept_connections`, which listens on the same port again."""
        self._on_server_loop(lambda server: server.stop_listening())

    def accept_connections(self) -> None:
        self._on_server_loop(lambda server: server.listen_again())

    def _on_server_loop(self, action: Callable[[HttpServer], Awaitable[None]]) -> None:
        loop, server = self._loop, self._server
        if loop is None or server is None or self._thread is None:
            raise RuntimeError("start the Telegram stand-in first")
        asyncio.run_coroutine_threadsafe(action(server), loop).result(10)

    def block_chat(self, chat_id: int | str, *, notify: bool = True) -> None:
        """The person blocks the bot: sends to them answer 403, and (like Telegram) the bot is told."""
        with self._state.lock:
            self._state.blocked.add(chat_id)
        if notify:
            self._dispatch(self._state.blocked_update(chat_id))

    def unblock_chat(self, chat_id: int | str) -> None:
        with self._state.lock:
            self._state.blocked.discard(chat_id)

    # ----- webhooks -------------------------------------------------------------------------

    def deliver_webhook(self, url: str, update: dict[str, Any], secret_token: str | None = None,
                        timeout: float = 10.0) -> int:
        """POSTs `update` to the bot's webhook as Telegram would; returns the HTTP status.

        Blocks the calling thread: from an async test sharing a loop with the bot, use
        `deliver_webhook_async`.
        """
        loop, delivery = self._loop, self._delivery
        if loop is None or delivery is None or self._thread is None:
            raise RuntimeError("start the Telegram stand-in first")
        if threading.current_thread() is self._thread:
            raise RuntimeError("deliver_webhook cannot be called from the stand-in's own thread")
        future = asyncio.run_coroutine_threadsafe(delivery.post_update(url, update, secret_token), loop)
        status, error = future.result(timeout)
        if status is None:
            raise ConnectionError(f"could not deliver the update to {url}: {error}")
        return status

    async def deliver_webhook_async(self, url: str, update: dict[str, Any], secret_token: str | None = None,
                                    timeout: float = 10.0) -> int:
        return await asyncio.to_thread(self.deliver_webhook, url, update, secret_token, timeout)

    # ----- serving --------------------------------------------------------------------------

    def _check_token(self, token: str) -> None:
        if token == self._state.token:
            return
        if _WELL_FORMED_TOKEN.match(token):
            raise ApiError(401, "Unauthorized")
        raise ApiError(404, "Not Found")

    def _serve_file(self, token: str, path: str) -> HttpResponse:
        try:
            self._check_token(token)
        except ApiError as error:
            return HttpResponse.json(error.status, error.payload())
        with self._state.lock:
            stored = self._state.files_by_path.get(path)
        if stored is None or stored.upload is None:
            return HttpResponse.json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        return HttpResponse(status=200, body=stored.upload.data, content_type=stored.upload.content_type)

    async def _handle(self, request: HttpRequest) -> HttpResponse:
        arrived = time.time()
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        api = _API_PATH.match(request.path)
        if api is None:
            download = _FILE_PATH.match(request.path)
            if download is not None and request.method in ("GET", "HEAD"):
                return self._serve_file(*download.groups())
            return HttpResponse.json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        token, raw_method = api.groups()
        method = self._state.canonical_method(raw_method)
        params: dict[str, Any] = {}
        files: dict[str, Any] = {}
        try:
            self._check_token(token)
            if method is None:
                raise ApiError(404, "Not Found: method not found")
            try:
                raw_params, files = parse_body(request)
            except BodyError as exc:
                raise bad_request(str(exc)) from exc
            params = coerce_params(raw_params)
            failure = self._state.take_injected_failure(method)
            if failure is not None and failure.status == 0:
                self._state.record(Call(method, params, files, arrived, 0, {}))
                return HttpResponse(status=0, drop_connection=True)
            if failure is not None:
                raise _injected_error(failure.status, failure.description, failure.retry_after)
            assert self._delivery is not None
            if method == "getUpdates":
                result: Any = await self._delivery.get_updates(params)
            else:
                result = self._state.call(method, params, files)
            if method == "setWebhook":
                self._delivery.flush_pending_to_webhook()
            status, payload = 200, {"ok": True, "result": result}
        except ApiError as error:
            status, payload = error.status, error.payload()
        self._state.record(Call(method or raw_method, params, files, arrived, status, payload))
        delay = self._answer_delay(method or raw_method)
        if delay > 0:
            await asyncio.sleep(delay)  # done and recorded already: only the answer is late
        return HttpResponse.json(status, payload)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.telegram_standin.telegram_standin",
        description="Run the local Telegram Bot API stand-in and chat with a bot through it.",
    )
    parser.add_argument("--port", type=int, default=8081, help="port on 127.0.0.1 (default 8081)")
    parser.add_argument("--token", default=DEFAULT_TOKEN, help="the bot token the stand-in accepts")
    parser.add_argument("--chat-id", type=int, default=1001, help="the demo person's chat id")
    parser.add_argument("--enforce-limits", action="store_true", help="answer 429 above Telegram's limits")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds to wait before each answer")
    args = parser.parse_args(argv)

    from tests.support.telegram_standin.standin_console import run_console

    standin = TelegramStandIn(token=args.token, port=args.port, enforce_limits=args.enforce_limits,
                              latency=args.latency)
    try:
        standin.start()
    except OSError as exc:
        print(f"Could not listen on {HOST}:{args.port}: {exc.strerror or exc}")
        return 1
    try:
        return run_console(standin, args.chat_id)
    finally:
        standin.stop()


if __name__ == "__main__":
    raise SystemExit(main())
