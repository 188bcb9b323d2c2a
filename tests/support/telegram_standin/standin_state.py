"""Everything the stand-in knows: the calls it saw, what the bot sent, and updates waiting for the bot.

`StandInState` is plain synchronous code guarded by one lock: the HTTP thread calls `call()` and
tests read the records. The Bot API handlers come from `BotApiMethods` (standin_methods.py); long
polling and webhook delivery live in standin_delivery.py.
"""

from __future__ import annotations

import copy
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from tests.support.telegram_standin.standin_checks import ApiError, callback_data_of
from tests.support.telegram_standin.standin_limits import RateLimits, SendLimits
from tests.support.telegram_standin.standin_methods import (
    CHAT_METHODS,
    SEND_METHODS,
    BotApiMethods,
    Files,
    Params,
    WebhookConfig,
)
from tests.support.telegram_standin.standin_objects import (
    OPT_IN_UPDATE_TYPES,
    Call,
    SentMessage,
    StoredFile,
    WebhookDelivery,
    bot_user,
    person,
    update_type,
)


@dataclass
class InjectedFailure:
    """A failure a test asked for: the next `remaining` calls to `method` (any if None) get `status`.

    Status 0 means the connection is closed without an answer.
    """

    method: str | None
    status: int
    remaining: int
    description: str | None
    retry_after: int


class StandInState(BotApiMethods):
    """Everything the stand-in knows. All access goes through `lock`; `changed` wakes waiting tests."""

    def __init__(self, *, token: str, bot_username: str, bot_name: str) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.token = token
        bot_id = token.split(":", 1)[0]
        self.bot = bot_user(int(bot_id) if bot_id.isdigit() else 1, bot_username, bot_name)
        self.limits_config = RateLimits()
        self.limits: SendLimits | None = None
        self.deliver_via_webhook = True
        self._next_update_id = 100_000
        self._next_message_ids: dict[int | str, int] = {}
        self._file_counter = 0
        self._handlers = self.method_table()
        self._methods_by_lower_name = {name.lower(): name for name in [*self._handlers, "getUpdates"]}
        self.reset()

    def reset(self) -> None:
        """Forget everything recorded and configured for a test; ids keep counting up so none repeat."""
        with self.lock:
            self.calls: list[Call] = []
            self.sent: list[SentMessage] = []
            self.unpopped: deque[SentMessage] = deque()
            self.messages: dict[tuple[int | str, int], dict[str, Any]] = {}
            self.chats: dict[int | str, dict[str, Any]] = {}
            self.updates: list[dict[str, Any]] = []
            self.allowed_updates: list[str] = []
            self.callback_queries: dict[str, bool] = {}
            self.files: dict[str, StoredFile] = {}
            self.files_by_path: dict[str, StoredFile] = {}
            self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
            self.settings: dict[str, Params] = {}
            self.webhook: WebhookConfig | None = None
            self.webhook_pending = 0
            self.webhook_deliveries: list[WebhookDelivery] = []
            self.blocked: set[int | str] = set()
            self.failures: list[InjectedFailure] = []
            self.count_429 = 0
            self.limits = SendLimits(self.limits_config) if self.limits is not None else None
            self.changed.notify_all()

    # ----- dispatch -------------------------------------------------------------------------

    def canonical_method(self, name: str) -> str | None:
        # Telegram matches method names without regard to case.
        return self._methods_by_lower_name.get(name.lower())

    def take_injected_failure(self, method: str) -> InjectedFailure | None:
        with self.lock:
            for failure in self.failures:
                if failure.method in (None, method):
                    failure.remaining -= 1
                    if failure.remaining <= 0:
                        self.failures.remove(failure)
                    return failure
        return None

    def call(self, method: str, params: Params, files: Files) -> Any:
        with self.lock:
            if method in CHAT_METHODS:
                chat_id = self.chat_id_of(params)
                if chat_id in self.blocked:
                    raise ApiError(403, "Forbidden: bot was blocked by the user")
                if method in SEND_METHODS and self.limits is not None:
                    wait = self.limits.try_send(chat_id, time.monotonic())
                    if wait:
                        raise ApiError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})
            return self._handlers[method](params, files)

    def record(self, call: Call) -> None:
        with self.lock:
            self.calls.append(call)
            if call.status == 429:
                self.count_429 += 1
            self.changed.notify_all()

    # ----- updates --------------------------------------------------------------------------

    def stamp(self, body: dict[str, Any]) -> dict[str, Any]:
        """Gives an update the next update_id."""
        with self.lock:
            self._next_update_id += 1
            return {"update_id": self._next_update_id, **body}

    @staticmethod
    def _default_user_id(chat_id: int | str) -> int:
        return chat_id if isinstance(chat_id, int) and chat_id > 0 else 1

    def message_update(self, chat_id: int | str, text: str, *, user_id: int | None,
                       language_code: str | None, first_name: str) -> dict[str, Any]:
        """A Message update from a person; a leading /command gets the bot_command entity bots look for."""
        with self.lock:
            user = person(user_id or self._default_user_id(chat_id), first_name, language_code)
            message: dict[str, Any] = {
                "message_id": self._next_message_id(chat_id), "from": user,
                "chat": self._chat(chat_id, first_name), "date": int(time.time()), "text": text,
            }
            if text.startswith("/") and len(text) > 1:
                command = text.split(maxsplit=1)[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
            self.messages[(chat_id, message["message_id"])] = message
            return self.stamp({"message": message})

    def callback_update(self, chat_id: int | str, data: str, *, message_id: int,
                        user_id: int | None) -> dict[str, Any]:
        """A button press on a message the bot sent; refuses buttons the bot never offered."""
        with self.lock:
            message = self.messages.get((chat_id, message_id))
            if message is None or message["from"]["id"] != self.bot["id"]:
                raise AssertionError(f"the bot has not sent message {message_id} to chat {chat_id}")
            offered = callback_data_of(message.get("reply_markup"))
            if data not in offered:
                raise AssertionError(f"message {message_id} in chat {chat_id} has no button with "
                                     f"callback data {data!r}; it offers {offered}")
            query_id = str(secrets.randbits(63))
            self.callback_queries[query_id] = False
            first_name = self._chat(chat_id).get("first_name", "Test")
            query = {
                "id": query_id,
                "from": person(user_id or self._default_user_id(chat_id), first_name, None),
                "message": copy.deepcopy(message), "chat_instance": str(abs(hash(("chat", chat_id)))),
                "data": data,
            }
            return self.stamp({"callback_query": query})

    def blocked_update(self, chat_id: int | str) -> dict[str, Any]:
        """The my_chat_member update Telegram sends when a person blocks the bot."""
        with self.lock:
            chat = self._chat(chat_id)
            member = {
                "chat": chat,
                "from": person(self._default_user_id(chat_id), chat.get("first_name", "Test"), None),
                "date": int(time.time()),
                "old_chat_member": {"user": self.bot, "status": "member"},
                "new_chat_member": {"user": self.bot, "status": "kicked", "until_date": 0},
            }
            return self.stamp({"my_chat_member": member})

    def enqueue(self, update: dict[str, Any]) -> WebhookConfig | None:
        """Queues an update for getUpdates, or returns the webhook it should be POSTed to instead."""
        with self.lock:
            if self.webhook is not None and self.deliver_via_webhook:
                self.webhook_pending += 1
                return self.webhook
            self.updates.append(update)
            return None

    def take_updates(self, offset: int | None, limit: int,
                     allowed: list[str] | None) -> list[dict[str, Any]]:
        with self.lock:
            if self.webhook is not None:
                raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                    "use deleteWebhook to delete the webhook first")
            if allowed is not None:
                self.allowed_updates = list(allowed)
            if offset is not None and offset < 0:
                self.updates = self.updates[offset:]
            elif offset is not None:
                # Asking from an offset confirms every earlier update, as at Telegram.
                self.updates = [update for update in self.updates if update["update_id"] >= offset]
            self.updates = [update for update in self.updates if self._allowed(update)]
            return copy.deepcopy(self.updates[: max(1, min(limit, 100))])

    def _allowed(self, update: dict[str, Any]) -> bool:
        # Like Telegram, an empty list means every type except the few bots must ask for by name.
        kind = update_type(update)
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in OPT_IN_UPDATE_TYPES

    def take_pending_for_webhook(self) -> list[dict[str, Any]]:
        with self.lock:
            pending, self.updates = self.updates, []
            self.webhook_pending += len(pending)
            return pending

    def record_webhook_delivery(self, delivery: WebhookDelivery, *, finished: bool) -> None:
        with self.lock:
            self.webhook_deliveries.append(delivery)
            if finished:
                self.webhook_pending = max(0, self.webhook_pending - 1)
            self.changed.notify_all()

    # ----- what the bot sent ----------------------------------------------------------------

    def take_sent(self, chat_id: int | str | None) -> SentMessage | None:
        for index, message in enumerate(self.unpopped):
            if chat_id is None or message.chat_id == chat_id:
                del self.unpopped[index]
                return message
        return None

    def describe_for_timeout(self, chat_id: int | str | None, timeout: float) -> str:
        where = "" if chat_id is None else f" to chat {chat_id}"
        lines = [f"The bot sent no new message{where} within {timeout:g} s."]
        earlier = [m for m in self.sent if chat_id is None or m.chat_id == chat_id][-5:]
        lines.append("It had sent, most recent last:" if earlier else "It had sent nothing.")
        lines.extend(f"  {m.describe()}" for m in earlier)
        if self.unpopped:
            lines.append("Not yet popped (other chats):")
            lines.extend(f"  {m.describe()}" for m in list(self.unpopped)[:10])
        interesting = [c for c in self.calls if c.method != "getUpdates" or not c.ok][-10:]
        if interesting:
            lines.append("Its last calls:")
            lines.extend(f"  {c.method} -> {c.status} {c.response.get('description', '')}".rstrip()
                         for c in interesting)
        return "\n".join(lines)
