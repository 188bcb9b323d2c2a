"""The Bot API methods the stand-in answers, each as Telegram would, over the stand-in's records.

`BotApiMethods` is the base of `StandInState` (standin_state.py), which owns the records and the
lock; every handler here runs with that lock held.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.support.telegram_standin.standin_checks import (
    CHAT_ACTIONS,
    MAX_CALLBACK_ANSWER,
    bad_request,
    check_commands,
    check_language_code,
    check_reply_markup,
    check_secret_token,
    check_text,
)
from tests.support.telegram_standin.standin_http import UploadedFile
from tests.support.telegram_standin.standin_objects import (
    SentMessage,
    StoredFile,
    WebhookDelivery,
    guess_mime_type,
    new_file_ids,
    ogg_opus_duration,
    photo_sizes,
    private_chat,
)

Params = dict[str, Any]
Files = dict[str, UploadedFile]
MethodHandler = Callable[[Params, Files], Any]

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
_INT = re.compile(r"^-?\d+$")
SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendVoice", "sendDocument"})
CHAT_METHODS = SEND_METHODS | {"sendChatAction", "editMessageText", "editMessageReplyMarkup"}
_SETTING_METHODS = ("setMyDescription", "setMyShortDescription", "setMyName", "setChatMenuButton")
_FILE_FOLDERS = {"photo": ("photos", "jpg"), "voice": ("voice", "oga"), "document": ("documents", "bin")}
_NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are exactly "
                 "the same as a current content and reply markup of the message")
_OLD_QUERY = "query is too old and response timeout expired or query ID is invalid"


def coerce_params(params: Params) -> Params:
    """Gives string form values the types Telegram would read them as."""
    typed: Params = {}
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


class BotApiMethods:
    """Handlers for the Bot API methods; `StandInState` provides the records they read and write."""

    # Provided by StandInState.
    lock: threading.RLock
    changed: threading.Condition
    bot: dict[str, Any]
    sent: list[SentMessage]
    unpopped: deque[SentMessage]
    messages: dict[tuple[int | str, int], dict[str, Any]]
    chats: dict[int | str, dict[str, Any]]
    updates: list[dict[str, Any]]
    allowed_updates: list[str]
    callback_queries: dict[str, bool]
    files: dict[str, StoredFile]
    files_by_path: dict[str, StoredFile]
    commands: dict[tuple[str, str], list[dict[str, str]]]
    settings: dict[str, Params]
    webhook: WebhookConfig | None
    webhook_pending: int
    webhook_deliveries: list[WebhookDelivery]
    _next_message_ids: dict[int | str, int]
    _file_counter: int

    def method_table(self) -> dict[str, MethodHandler]:
        """Every method the stand-in answers (getUpdates apart: it waits, so the server runs it)."""
        table: dict[str, MethodHandler] = {
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
            table[name] = self._store_setting(name)
        return table

    # ----- chats and messages ---------------------------------------------------------------

    def _next_message_id(self, chat_id: int | str) -> int:
        # Like Telegram's private chats: one sequence per chat, shared by the person and the bot.
        self._next_message_ids[chat_id] = self._next_message_ids.get(chat_id, 0) + 1
        return self._next_message_ids[chat_id]

    def _chat(self, chat_id: int | str, first_name: str = "Test") -> dict[str, Any]:
        if chat_id not in self.chats:
            self.chats[chat_id] = private_chat(chat_id, first_name)
        return self.chats[chat_id]

    @staticmethod
    def chat_id_of(params: Params) -> int | str:
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            raise bad_request("chat_id is empty")
        if isinstance(chat_id, str) and not chat_id.startswith("@"):
            raise bad_request("chat not found")
        return chat_id  # type: ignore[no-any-return]

    def _bot_message(self, params: Params, purpose: str) -> dict[str, Any]:
        if "inline_message_id" in params:
            raise bad_request("inline messages are not supported by the stand-in")
        chat_id = self.chat_id_of(params)
        message = self.messages.get((chat_id, params.get("message_id", -1)))
        if message is None or message["from"]["id"] != self.bot["id"]:
            raise bad_request(f"message to {purpose} not found")
        return message

    def _check_reply_target(self, chat_id: int | str, params: Params) -> None:
        reply = params.get("reply_parameters")
        reply = reply if isinstance(reply, dict) else {}
        target = params.get("reply_to_message_id") or reply.get("message_id")
        lenient = params.get("allow_sending_without_reply") or reply.get("allow_sending_without_reply")
        if target and (chat_id, target) not in self.messages and not lenient:
            raise bad_request("message to be replied not found")

    def _new_bot_message(self, method: str, params: Params, content: dict[str, Any], plain: str,
                         stored: StoredFile | None = None) -> dict[str, Any]:
        chat_id = self.chat_id_of(params)
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

    def _send_message(self, params: Params, files: Files) -> dict[str, Any]:
        self.chat_id_of(params)
        plain = check_text(params.get("text"), params.get("parse_mode"))
        return self._new_bot_message("sendMessage", params, {"text": plain}, plain)

    def _send_chat_action(self, params: Params, files: Files) -> bool:
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    # ----- files ----------------------------------------------------------------------------

    def _register_file(self, kind: str, upload: UploadedFile | None, url: str | None) -> StoredFile:
        folder, extension = _FILE_FOLDERS[kind]
        self._file_counter += 1
        file_id, unique_id = new_file_ids()
        path = f"{folder}/file_{self._file_counter}.{extension}"
        stored = StoredFile(file_id=file_id, file_unique_id=unique_id, kind=kind, file_path=path,
                            upload=upload, url=url)
        self.files[file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    def _input_file(self, kind: str, params: Params, files: Files) -> StoredFile:
        """The file a send method names: an upload, an attach:// upload, a URL or an earlier file_id."""
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

    def _send_media(self, kind: str, params: Params, files: Files) -> dict[str, Any]:
        self.chat_id_of(params)
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

    def _get_file(self, params: Params, files: Files) -> dict[str, Any]:
        stored = self.files.get(str(params.get("file_id", "")))
        if stored is None:
            raise bad_request("invalid file_id")
        result = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                  "file_size": stored.size}
        if stored.upload is not None:
            result["file_path"] = stored.file_path
        return result

    # ----- edits, deletions and button answers ----------------------------------------------

    def _edit_message_text(self, params: Params, files: Files) -> dict[str, Any]:
        message = self._bot_message(params, "edit")
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        plain = check_text(params.get("text"), params.get("parse_mode"))
        markup = params.get("reply_markup")
        check_reply_markup(markup)
        if plain == message["text"] and markup == message.get("reply_markup"):
            raise bad_request(_NOT_MODIFIED)
        return self._apply_edit(message, {"text": plain}, markup)

    def _edit_message_reply_markup(self, params: Params, files: Files) -> dict[str, Any]:
        message = self._bot_message(params, "edit")
        markup = params.get("reply_markup")
        check_reply_markup(markup)
        if markup == message.get("reply_markup") or (not markup and not message.get("reply_markup")):
            raise bad_request(_NOT_MODIFIED)
        return self._apply_edit(message, {}, markup)

    @staticmethod
    def _apply_edit(message: dict[str, Any], changes: dict[str, Any], markup: Any) -> dict[str, Any]:
        message.update(changes)
        # An edit without an inline keyboard takes the old keyboard away, as at Telegram.
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    def _delete_message(self, params: Params, files: Files) -> bool:
        key = (self.chat_id_of(params), params.get("message_id", -1))
        if self.messages.pop(key, None) is None:
            raise bad_request("message to delete not found")
        return True

    def _answer_callback_query(self, params: Params, files: Files) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if self.callback_queries.get(query_id, True):
            raise bad_request(_OLD_QUERY)
        if len(str(params.get("text") or "")) > MAX_CALLBACK_ANSWER:
            raise bad_request("MESSAGE_TOO_LONG")
        self.callback_queries[query_id] = True
        return True

    # ----- the bot's own settings -----------------------------------------------------------

    @staticmethod
    def _command_key(params: Params) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise bad_request("can't parse BotCommandScope JSON object")
        return json.dumps(scope, sort_keys=True), check_language_code(params.get("language_code"))

    def commands_for(self, scope: dict[str, Any] | None, language_code: str) -> list[dict[str, str]]:
        with self.lock:
            key = self._command_key({"scope": scope, "language_code": language_code})
            return list(self.commands.get(key, []))

    def _set_my_commands(self, params: Params, files: Files) -> bool:
        commands = check_commands(params.get("commands"))
        self.commands[self._command_key(params)] = commands
        return True

    def _get_my_commands(self, params: Params, files: Files) -> list[dict[str, str]]:
        return list(self.commands.get(self._command_key(params), []))

    def _delete_my_commands(self, params: Params, files: Files) -> bool:
        self.commands.pop(self._command_key(params), None)
        return True

    def _store_setting(self, name: str) -> MethodHandler:
        def store(params: Params, files: Files) -> bool:
            self.settings[name] = dict(params)
            return True
        return store

    # ----- webhooks -------------------------------------------------------------------------

    def _set_webhook(self, params: Params, files: Files) -> bool:
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

    def _delete_webhook(self, params: Params, files: Files) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self.updates = []
        return True

    def _get_webhook_info(self, params: Params, files: Files) -> dict[str, Any]:
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
                last = failures[-1]
                info["last_error_date"] = int(last.at)
                info["last_error_message"] = last.error or f"Wrong response from the webhook: {last.status}"
        return info
