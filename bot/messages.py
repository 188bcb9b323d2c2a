"""What goes into and comes out of the conversation core, whatever the channel."""

from __future__ import annotations

from dataclasses import dataclass, field

# Telegram's limit for one message; every channel keeps to it so a reply reads the same everywhere.
MAX_MESSAGE_LENGTH = 4096
# Telegram's limit for callback data, in bytes.
MAX_BUTTON_DATA_BYTES = 64


@dataclass(frozen=True)
class Incoming:
    """One message or button press from a chat."""

    channel: str  # "telegram", "terminal"
    chat_id: str
    text: str | None = None  # what the person typed
    button: str | None = None  # the data of the button they pressed
    language_hint: str | None = None  # e.g. Telegram's language_code


@dataclass(frozen=True)
class Button:
    label: str
    data: str

    def __post_init__(self) -> None:
        if len(self.data.encode()) > MAX_BUTTON_DATA_BYTES:
            raise ValueError(f"button data over {MAX_BUTTON_DATA_BYTES} bytes: {self.data!r}")


@dataclass(frozen=True)
class Reply:
    """One message to send. A channel shows `buttons` as rows of choices."""

    text: str = ""
    buttons: tuple[tuple[Button, ...], ...] = ()
    photo_png: bytes | None = None  # sent as a picture with `text` as its caption
    voice_text: str | None = None  # the words to speak as a voice note
    voice_language: str = "en"
    notes: tuple[str, ...] = field(default=(), compare=False)  # for logs and tests, never shown


def split_for_channel(text: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """Split a long answer so no part exceeds `limit`: at paragraphs first, then lines, then words."""
    return [part for part in _pack(text.strip(), limit, ("\n\n", "\n", " ")) if part]


def _pack(text: str, limit: int, separators: tuple[str, ...]) -> list[str]:
    if len(text) <= limit:
        return [text]
    if not separators:
        return [text[i : i + limit] for i in range(0, len(text), limit)]
    separator, finer = separators[0], separators[1:]
    parts: list[str] = []
    current = ""
    for piece in text.split(separator):
        candidate = f"{current}{separator}{piece}" if current else piece
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        pieces = _pack(piece, limit, finer)
        parts.extend(pieces[:-1])
        current = pieces[-1]
    if current:
        parts.append(current)
    return parts
