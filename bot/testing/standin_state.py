"""The Bot API methods the stand-in answers, over state that tests can inspect.

`StandInState` is plain synchronous code guarded by one lock: the HTTP thread calls `call()` and
the tests read what happened. Long polling and webhooks live in `telegram_standin.py`.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.testing.standin_checks import (
    CHAT_ACTIONS,
    MAX_CALLBACK_ANSWER,
    ApiError,
    bad_request,
    callback_data_of,
    check_commands,
    check_language_code,
    check_reply_markup,
    check_secret_token,
    check_text,
)
from bot.testing.standin_http import UploadedFile
from bot.testing.standin_limits import RateLimits, SendLimits
from bot.testing.standin_objects import (
    OPT_IN_UPDATE_TYPES,
    Call,
    SentMessage,
    StoredFile,
    WebhookDelivery,
    bot_user,
    guess_mime_type,
    new_file_ids,
    ogg_opus_duration,
    person,
    photo_sizes,
    private_chat,
    update_type,
)

# Form and multipart bodies carry every value as a string; Telegram reads these by type.
_JSON_PARAMS = frozenset({
    "reply_markup", "allowed_updates", "commands", "scope", "entities", "caption_entities",
    "link_preview_options", "reply_parameters", "media", "menu_button", "rights",
})
_INT_PARAMS = frozenset({
    "message_id", "offset", "limit", "timeout", "duration", "user_id", "cache_time",
    "reply_to_message_id", "message_thread_id", "max_connections", "from_chat_id", "width", "height",
})
_BOOL_PARAMS = frozenset({
    "disable_notification", "protect_content", "show_alert", "drop_pending_updates",
    "disable_web_page_preview", "allow_sending_without_reply", "has_spoiler",
    "disable_content_type_detection", "show_caption_above_media",
})
_SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendVoice", "sendDocument"})
_CHAT_METHODS = _SEND_METHODS | {"sendChatAction", "editMessageText", "editMessageReplyMarkup"}
_SETTING_METHODS = ("setMyDescription", "setMyShortDescription", "setMyName", "setChatMenuButton")
_FILE_FOLDERS = {"photo": ("photos", "jpg"), "voice": ("voice", "oga"), "document": ("documents", "bin")}
_NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are exactly "
                 "the same as a current content and reply markup of the message")
_OLD_QUERY = "query is too old and response timeout expired or query ID is invalid"
_INT = re.compile(r"^-?\d+$")


def coerce_params(params: dict[str, Any]) -> dict[str, Any]:
    """Gives string form values the types Telegram would read them as."""
    typed: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, str):
            if name in _JSON_PARAMS:
                try:
                    value = json.loads(value)
                except ValueError as exc:
                    raise bad_request(f"can't parse {name} JSON object") from exc
            elif name in _INT_PARAMS or (name == "chat_id" and _INT.match(value)):
                if not _INT.match(value):
                    raise bad_request(f"invalid {name} specified")
                value = int(value)
            elif name in _BOOL_PARAMS:
                value = value.lower() in ("true", "1")
        typed[name] = value
    return typed


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None
    max_connections: int
    set_at: float


@dataclass
class InjectedFailure:
    """A failure a test asked for: the next `remaining` calls to `method` (any if None) get `status`."""

    method: str | None
    status: int
    remaining: int
    description: str | None
    retry_after: int


class StandInState:
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
        self._handlers: dict[str, Callable[[dict[str, Any], dict[str, UploadedFile]], Any]] = {
            "getMe": lambda params, files: dict(self.bot),
            "sendMessage": self._send_message,
            "sendPhoto": lambda params, files: self._send_media("photo", params, files),
            "sendVoice": lambda params, files: self._send_media("voice", params, files),
            "sendDocument": lambda params, files: self._send_media("document", params, files),
            "sendChatAction": self._send_chat_action,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "getFile": self._get_file,
        }
        for name in _SETTING_METHODS:
            self._handlers[name] = self._store_setting(name)
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
            self.settings: dict[str, dict[str, Any]] = {}
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

    def call(self, method: str, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        with self.lock:
            if method in _CHAT_METHODS:
                chat_id = self._chat_id(params)
                if chat_id in self.blocked:
                    raise ApiError(403, "Forbidden: bot was blocked by the user")
                if method in _SEND_METHODS and self.limits is not None:
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

    def _stamp(self, body: dict[str, Any]) -> dict[str, Any]:
        self._next_update_id += 1
        return {"update_id": self._next_update_id, **body}

    def _next_message_id(self, chat_id: int | str) -> int:
        self._next_message_ids[chat_id] = self._next_message_ids.get(chat_id, 0) + 1
        return self._next_message_ids[chat_id]

    def _chat(self, chat_id: int | str, first_name: str = "Test") -> dict[str, Any]:
        if chat_id not in self.chats:
            self.chats[chat_id] = private_chat(chat_id, first_name)
        return self.chats[chat_id]

    @staticmethod
    def _default_user_id(chat_id: int | str) -> int:
        return chat_id if isinstance(chat_id, int) and chat_id > 0 else 1

    def message_update(self, chat_id: int | str, text: str, *, user_id: int | None, language_code: str | None,
                       first_name: str) -> dict[str, Any]:
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
            return self._stamp({"message": message})

    def callback_update(self, chat_id: int | str, data: str, *, message_id: int,
                        user_id: int | None) -> dict[str, Any]:
        """A button press on a message the bot sent; refuses buttons the bot never offered."""
        with self.lock:
            message = self.messages.get((chat_id, message_id))
            if message is None or message["from"]["id"] != self.bot["id"]:
                raise AssertionError(f"the bot has not sent message {message_id} to chat {chat_id}")
            offered = callback_data_of(message.get("reply_markup"))
            if data not in offered:
                raise AssertionError(f"message {message_id} in chat {chat_id} has no button with callback data "
                                     f"{data!r}; it offers {offered}")
            query_id = str(secrets.randbits(63))
            self.callback_queries[query_id] = False
            chat = self._chat(chat_id)
            query = {
                "id": query_id,
                "from": person(user_id or self._default_user_id(chat_id), chat.get("first_name", "Test"), None),
                "message": copy.deepcopy(message), "chat_instance": str(abs(hash(("chat", chat_id)))),
                "data": data,
            }
            return self._stamp({"callback_query": query})

    def blocked_update(self, chat_id: int | str) -> dict[str, Any]:
        """The my_chat_member update Telegram sends when a person blocks the bot."""
        with self.lock:
            chat = self._chat(chat_id)
            member = {
                "chat": chat, "from": person(self._default_user_id(chat_id), chat.get("first_name", "Test"), None),
                "date": int(time.time()),
                "old_chat_member": {"user": self.bot, "status": "member"},
                "new_chat_member": {"user": self.bot, "status": "kicked", "until_date": 0},
            }
            return self._stamp({"my_chat_member": member})

    def enqueue(self, update: dict[str, Any]) -> WebhookConfig | None:
        """Queues an update for getUpdates, or returns the webhook it should be POSTed to instead."""
        with self.lock:
            if self.webhook is not None and self.deliver_via_webhook:
                self.webhook_pending += 1
                return self.webhook
            self.updates.append(update)
            return None

    def take_updates(self, offset: int | None, limit: int, allowed: list[str] | None) -> list[dict[str, Any]]:
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

    # ----- Bot API methods ------------------------------------------------------------------

    @staticmethod
    def _chat_id(params: dict[str, Any]) -> int | str:
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            raise bad_request("chat_id is empty")
        if isinstance(chat_id, str) and not chat_id.startswith("@"):
            raise bad_request("chat not found")
        return chat_id  # type: ignore[no-any-return]

    def _bot_message(self, params: dict[str, Any], purpose: str) -> dict[str, Any]:
        if "inline_message_id" in params:
            raise bad_request("inline messages are not supported by the stand-in")
        chat_id = self._chat_id(params)
        message = self.messages.get((chat_id, params.get("message_id", -1)))
        if message is None or message["from"]["id"] != self.bot["id"]:
            raise bad_request(f"message to {purpose} not found")
        return message

    def _check_reply_target(self, chat_id: int | str, params: dict[str, Any]) -> None:
        reply = params.get("reply_parameters") or {}
        target = params.get("reply_to_message_id") or (reply.get("message_id") if isinstance(reply, dict) else None)
        lenient = params.get("allow_sending_without_reply") or (
            isinstance(reply, dict) and reply.get("allow_sending_without_reply"))
        if target and (chat_id, target) not in self.messages and not lenient:
            raise bad_request("message to be replied not found")

    def _new_bot_message(self, method: str, params: dict[str, Any], content: dict[str, Any], plain: str,
                         stored: StoredFile | None = None) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        markup = params.get("reply_markup")
        check_reply_markup(markup)
        self._check_reply_target(chat_id, params)
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat_id), "from": self.bot, "chat": self._chat(chat_id),
            "date": int(time.time()), **content,
        }
        # Telegram echoes only inline keyboards in the returned Message.
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        self.messages[(chat_id, message["message_id"])] = message
        sent = SentMessage(method=method, chat_id=chat_id, message_id=message["message_id"], params=params,
                           message=copy.deepcopy(message), plain_text=plain, file=stored)
        self.sent.append(sent)
        self.unpopped.append(sent)
        self.changed.notify_all()
        return message

    def _send_message(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> dict[str, Any]:
        self._chat_id(params)
        plain = check_text(params.get("text"), params.get("parse_mode"))
        return self._new_bot_message("sendMessage", params, {"text": plain}, plain)

    def _register_file(self, kind: str, upload: UploadedFile | None, url: str | None) -> StoredFile:
        folder, extension = _FILE_FOLDERS[kind]
        self._file_counter += 1
        file_id, unique_id = new_file_ids()
        stored = StoredFile(file_id=file_id, file_unique_id=unique_id, kind=kind,
                            file_path=f"{folder}/file_{self._file_counter}.{extension}", upload=upload, url=url)
        self.files[file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    def _input_file(self, kind: str, params: dict[str, Any], files: dict[str, UploadedFile]) -> StoredFile:
        value = params.get(kind)
        upload = files.get(kind)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
        if upload is not None:
            if not upload.data:
                raise bad_request("file must be non-empty")
            return self._register_file(kind, upload, None)
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            # Telegram would fetch the URL; the stand-in never leaves the machine.
            return self._register_file(kind, None, value)
        if isinstance(value, str) and value:
            stored = self.files.get(value)
            if stored is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            if stored.kind != kind:
                raise bad_request(f"can't use file of type {stored.kind.title()} as {kind.title()}")
            return stored
        raise bad_request(f"there is no {kind} in the request")

    def _send_media(self, kind: str, params: dict[str, Any], files: dict[str, UploadedFile]) -> dict[str, Any]:
        self._chat_id(params)
        plain = check_text(params.get("caption"), params.get("parse_mode"), caption=True)
        stored = self._input_file(kind, params, files)
        file_fields = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                       "file_size": stored.size}
        mime_type = guess_mime_type(stored.upload) if stored.upload else "application/octet-stream"
        content: dict[str, Any]
        if kind == "photo":
            sizes = photo_sizes(stored)
            for size in sizes:
                self.files.setdefault(size["file_id"], stored)
            content = {"photo": sizes}
        elif kind == "voice":
            duration = params.get("duration")
            if duration is None and stored.upload is not None:
                duration = ogg_opus_duration(stored.upload.data)
            content = {"voice": {**file_fields, "duration": int(duration or 0), "mime_type": mime_type}}
        else:
            name = stored.upload.filename if stored.upload else "file"
            content = {"document": {**file_fields, "file_name": name, "mime_type": mime_type}}
        if plain:
            content["caption"] = plain
        return self._new_bot_message(f"send{kind.title()}", params, content, plain, stored)

    def _send_chat_action(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def _edit_message_text(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> dict[str, Any]:
        message = self._bot_message(params, "edit")
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        plain = check_text(params.get("text"), params.get("parse_mode"))
        markup = params.get("reply_markup")
        check_reply_markup(markup)
        if plain == message["text"] and markup == message.get("reply_markup"):
            raise bad_request(_NOT_MODIFIED)
        return self._apply_edit(message, {"text": plain}, markup)

    def _edit_message_reply_markup(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> dict[str, Any]:
        message = self._bot_message(params, "edit")
        markup = params.get("reply_markup")
        check_reply_markup(markup)
        if markup == message.get("reply_markup") or (not markup and not message.get("reply_markup")):
            raise bad_request(_NOT_MODIFIED)
        return self._apply_edit(message, {}, markup)

    def _apply_edit(self, message: dict[str, Any], changes: dict[str, Any],
                    markup: dict[str, Any] | None) -> dict[str, Any]:
        message.update(changes)
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    def _delete_message(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        key = (self._chat_id(params), params.get("message_id", -1))
        if self.messages.pop(key, None) is None:
            raise bad_request("message to delete not found")
        return True

    def _answer_callback_query(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if self.callback_queries.get(query_id, True):
            raise bad_request(_OLD_QUERY)
        if len(str(params.get("text") or "")) > MAX_CALLBACK_ANSWER:
            raise bad_request("MESSAGE_TOO_LONG")
        self.callback_queries[query_id] = True
        return True

    @staticmethod
    def _command_key(params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise bad_request("can't parse BotCommandScope JSON object")
        return json.dumps(scope, sort_keys=True), check_language_code(params.get("language_code"))

    def commands_for(self, scope: dict[str, Any] | None, language_code: str) -> list[dict[str, str]]:
        with self.lock:
            key = self._command_key({"scope": scope, "language_code": language_code})
            return list(self.commands.get(key, []))

    def _set_my_commands(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        commands = check_commands(params.get("commands"))
        self.commands[self._command_key(params)] = commands
        return True

    def _get_my_commands(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> list[dict[str, str]]:
        return list(self.commands.get(self._command_key(params), []))

    def _delete_my_commands(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        self.commands.pop(self._command_key(params), None)
        return True

    def _set_webhook(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        url = params.get("url") or ""
        if not url:
            return self._delete_webhook(params, files)
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        max_connections = params.get("max_connections") or 40
        if not 1 <= max_connections <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        secret = check_secret_token(params.get("secret_token"))
        if params.get("allowed_updates") is not None:
            self.allowed_updates = list(params["allowed_updates"])
        if params.get("drop_pending_updates"):
            self.updates = []
        self.webhook = WebhookConfig(url=url, secret_token=secret, max_connections=max_connections,
                                     set_at=time.time())
        return True

    def _delete_webhook(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self.updates = []
        return True

    def _get_webhook_info(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook.url if self.webhook else "", "has_custom_certificate": False,
            "pending_update_count": self.webhook_pending if self.webhook else len(self.updates),
        }
        if self.webhook:
            info["max_connections"] = self.webhook.max_connections
            if self.allowed_updates:
                info["allowed_updates"] = list(self.allowed_updates)
            failures = [d for d in self.webhook_deliveries if d.error or (d.status or 0) >= 300]
            if failures:
                info["last_error_date"] = int(failures[-1].at)
                info["last_error_message"] = failures[-1].error or f"Wrong response from the webhook: {failures[-1].status}"
        return info

    def _get_file(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> dict[str, Any]:
        stored = self.files.get(str(params.get("file_id", "")))
        if stored is None:
            raise bad_request("invalid file_id")
        result = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "file_size": stored.size}
        if stored.upload is not None:
            result["file_path"] = stored.file_path
        return result

    def _store_setting(self, name: str) -> Callable[[dict[str, Any], dict[str, UploadedFile]], bool]:
        def store(params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
            self.settings[name] = dict(params)
            return True
        return store
