"""Getting updates to the bot, as Telegram does: long polling with getUpdates, or POSTs to a webhook.

`UpdateDelivery` lives on the stand-in's event loop: call its plain methods only from that loop
(other threads go through `loop.call_soon_threadsafe`).
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.support.telegram_standin.standin_checks import ApiError, bad_request
from tests.support.telegram_standin.standin_methods import Params, WebhookConfig
from tests.support.telegram_standin.standin_objects import WebhookDelivery
from tests.support.telegram_standin.standin_state import StandInState

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_ATTEMPTS = 3
_CONFLICT = "conflict"
_WOKEN = "woken"


class UpdateDelivery:
    def __init__(self, state: StandInState) -> None:
        self._state = state
        self._poll_waiter: asyncio.Future[str] | None = None
        self._http: httpx.AsyncClient | None = None
        self._queue: asyncio.Queue[tuple[dict[str, Any], WebhookConfig]] | None = None
        self._worker: asyncio.Task[None] | None = None

    async def open(self) -> None:
        self._http = httpx.AsyncClient(timeout=10.0)
        self._queue = asyncio.Queue()
        self._worker = asyncio.create_task(self._deliver_to_webhook())

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
        if self._http is not None:
            await self._http.aclose()

    # ----- long polling ---------------------------------------------------------------------

    def wake_poller(self) -> None:
        if self._poll_waiter is not None and not self._poll_waiter.done():
            self._poll_waiter.set_result(_WOKEN)

    async def get_updates(self, params: Params) -> list[dict[str, Any]]:
        offset, limit, timeout = params.get("offset"), params.get("limit") or 100, params.get("timeout") or 0
        allowed = params.get("allowed_updates")
        if allowed is not None and not isinstance(allowed, list):
            raise bad_request("can't parse allowed_updates JSON array")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0, timeout)
        # Telegram lets one long poll wait at a time; a newer one ends the older with 409.
        if self._poll_waiter is not None and not self._poll_waiter.done():
            self._poll_waiter.set_result(_CONFLICT)
        while True:
            updates = self._state.take_updates(offset, limit, allowed)
            remaining = deadline - loop.time()
            if updates or remaining <= 0:
                return updates
            waiter: asyncio.Future[str] = loop.create_future()
            self._poll_waiter = waiter
            try:
                outcome = await asyncio.wait_for(waiter, remaining)
            except TimeoutError:
                outcome = _WOKEN
            finally:
                if self._poll_waiter is waiter:
                    self._poll_waiter = None
            if outcome == _CONFLICT:
                raise ApiError(409, "Conflict: terminated by other getUpdates request; make sure that only "
                                    "one bot instance is running")

    # ----- webhooks -------------------------------------------------------------------------

    def send_to_webhook(self, update: dict[str, Any], webhook: WebhookConfig) -> None:
        assert self._queue is not None, "UpdateDelivery.open() was not awaited"
        self._queue.put_nowait((update, webhook))

    def flush_pending_to_webhook(self) -> None:
        """After setWebhook, updates that were waiting for getUpdates go to the webhook instead."""
        webhook = self._state.webhook
        if webhook is None or not self._state.deliver_via_webhook:
            return
        for update in self._state.take_pending_for_webhook():
            self.send_to_webhook(update, webhook)

    async def post_update(self, url: str, update: dict[str, Any],
                          secret_token: str | None) -> tuple[int | None, str | None]:
        """POSTs one update; the HTTP status, or None and what went wrong."""
        assert self._http is not None, "UpdateDelivery.open() was not awaited"
        headers = {SECRET_HEADER: secret_token} if secret_token else {}
        try:
            response = await self._http.post(url, json=update, headers=headers)
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"
        return response.status_code, None

    async def _deliver_to_webhook(self) -> None:
        # One at a time and in order, retrying a little, as Telegram does for a webhook that fails.
        assert self._queue is not None
        while True:
            update, webhook = await self._queue.get()
            for attempt in range(WEBHOOK_ATTEMPTS):
                status, error = await self.post_update(webhook.url, update, webhook.secret_token)
                delivered = status is not None and 200 <= status < 300
                finished = delivered or attempt == WEBHOOK_ATTEMPTS - 1
                delivery = WebhookDelivery(update_id=update["update_id"], url=webhook.url, status=status,
                                           error=error)
                self._state.record_webhook_delivery(delivery, finished=finished)
                if delivered:
                    break
                await asyncio.sleep(0.05 * 4**attempt)
