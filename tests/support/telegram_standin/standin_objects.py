"""What the stand-in records, and the Bot API objects (users, chats, files) it hands out."""

from __future__ import annotations

import io
import secrets
import struct
import time
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, UnidentifiedImageError

from tests.support.telegram_standin.standin_checks import bad_request
from tests.support.telegram_standin.standin_http import UploadedFile

# The sizes Telegram scales an uploaded photo down to (longest side), smallest first.
PHOTO_SIDES = (90, 320, 800, 1280)
UPDATE_TYPES = (
    "message", "edited_message", "channel_post", "edited_channel_post", "business_connection",
    "business_message", "edited_business_message", "deleted_business_messages", "message_reaction",
    "message_reaction_count", "inline_query", "chosen_inline_result", "callback_query",
    "shipping_query", "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer",
    "my_chat_member", "chat_member", "chat_join_request", "chat_boost", "removed_chat_boost",
)
# Telegram leaves these out unless a bot asks for them by name in allowed_updates.
OPT_IN_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


@dataclass(frozen=True)
class Call:
    """One request the bot made, and what the stand-in answered."""

    method: str
    params: dict[str, Any]
    files: dict[str, UploadedFile]
    at: float
    status: int
    response: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def result(self) -> Any:
        return self.response.get("result")


@dataclass(frozen=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str
    file_path: str
    upload: UploadedFile | None = None
    url: str | None = None

    @property
    def size(self) -> int:
        return len(self.upload.data) if self.upload else 0


@dataclass(frozen=True)
class SentMessage:
    """A message the bot sent: text, photo, voice or document."""

    method: str
    chat_id: int | str
    message_id: int
    params: dict[str, Any]
    message: dict[str, Any]
    plain_text: str
    file: StoredFile | None = None

    @property
    def kind(self) -> str:
        return self.method.removeprefix("send").lower()

    @property
    def text(self) -> str | None:
        """The text exactly as the bot sent it, markup included (captions for media)."""
        value = self.params.get("text" if self.method == "sendMessage" else "caption")
        return value if isinstance(value, str) else None

    @property
    def parse_mode(self) -> str | None:
        return self.params.get("parse_mode")

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        return self.params.get("reply_markup")

    @property
    def upload(self) -> UploadedFile | None:
        return self.file.upload if self.file else None

    @property
    def buttons(self) -> list[dict[str, Any]]:
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [button if isinstance(button, dict) else {"text": button} for row in rows for button in row]

    @property
    def button_labels(self) -> list[str]:
        return [button["text"] for button in self.buttons]

    def callback_data_for(self, label: str) -> str:
        for button in self.buttons:
            if button["text"] == label and "callback_data" in button:
                return str(button["callback_data"])
        raise AssertionError(f"message {self.message_id} has no button {label!r}; its buttons: "
                             f"{self.button_labels}")

    def describe(self) -> str:
        body = self.plain_text if self.kind == "message" else f"[{self.kind}] {self.plain_text}".rstrip()
        if self.button_labels:
            body += f"  buttons: {' | '.join(self.button_labels)}"
        return f"#{self.message_id} to {self.chat_id}: {body}"


@dataclass(frozen=True)
class WebhookDelivery:
    update_id: int
    url: str
    status: int | None
    error: str | None
    at: float = field(default_factory=time.time)


def new_file_ids() -> tuple[str, str]:
    """A long file_id and a short file_unique_id shaped like Telegram's (random, URL-safe)."""
    return "AgAC" + secrets.token_urlsafe(48), "AQAD" + secrets.token_urlsafe(9)


def bot_user(bot_id: int, username: str, first_name: str) -> dict[str, Any]:
    return {
        "id": bot_id, "is_bot": True, "first_name": first_name, "username": username,
        "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False,
        "can_connect_to_business": False, "has_main_web_app": False,
    }


def person(user_id: int, first_name: str, language_code: str | None) -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language_code:
        user["language_code"] = language_code
    return user


def private_chat(chat_id: int | str, first_name: str) -> dict[str, Any]:
    return {"id": chat_id, "type": "private", "first_name": first_name}


def update_type(update: dict[str, Any]) -> str:
    for key in update:
        if key != "update_id":
            return key
    return "unknown"


def photo_sizes(stored: StoredFile) -> list[dict[str, Any]]:
    """The PhotoSize list Telegram returns: the photo scaled to a few widths, never upscaled."""
    if stored.upload is None:
        # Sent by URL or file_id with no bytes to measure; report one nominal size.
        return [{"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                 "width": 800, "height": 800, "file_size": 0}]
    try:
        with Image.open(io.BytesIO(stored.upload.data)) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError) as exc:
        raise bad_request("IMAGE_PROCESS_FAILED") from exc
    longest = max(width, height)
    sides = [side for side in PHOTO_SIDES if side < longest] + [min(longest, PHOTO_SIDES[-1])]
    sizes = []
    for index, side in enumerate(sides):
        scale = side / longest
        size_id = stored.file_id if index == len(sides) - 1 else f"{stored.file_id}_{side}"
        sizes.append({
            "file_id": size_id, "file_unique_id": f"{stored.file_unique_id}{index}",
            "width": max(1, round(width * scale)), "height": max(1, round(height * scale)),
            "file_size": round(stored.size * scale * scale),
        })
    return sizes


def ogg_opus_duration(data: bytes) -> int | None:
    """Whole seconds of an Ogg Opus file, from the last page's granule position; None if not Ogg Opus."""
    if not data.startswith(b"OggS"):
        return None
    head = data.find(b"OpusHead")
    last_page = data.rfind(b"OggS")
    if head < 0 or last_page < 0 or last_page + 14 > len(data) or head + 12 > len(data):
        return None
    pre_skip = struct.unpack_from("<H", data, head + 10)[0]
    granule = struct.unpack_from("<q", data, last_page + 6)[0]
    if granule < 0:
        return None
    return max(0, round((granule - pre_skip) / 48_000))


def guess_mime_type(upload: UploadedFile) -> str:
    if upload.data.startswith(b"OggS"):
        return "audio/ogg"
    if upload.data.startswith(b"ID3") or upload.data[:2] == b"\xff\xfb":
        return "audio/mpeg"
    if upload.content_type and upload.content_type != "application/octet-stream":
        return upload.content_type
    return "application/octet-stream"
