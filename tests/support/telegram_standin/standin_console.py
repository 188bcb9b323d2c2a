"""A terminal chat through the stand-in: you type as the person, and see what the bot sends back."""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING

from tests.support.telegram_standin.standin_objects import SentMessage

if TYPE_CHECKING:
    from tests.support.telegram_standin.telegram_standin import TelegramStandIn

HELP = """Type a message (or a /command) and press Enter to send it as the person.
  :tap LABEL   tap the button LABEL on the latest message that has it
  :calls       count the bot's calls by method
  :help        show this again
  :quit        stop (Ctrl-D works too)"""


def _show(message: SentMessage) -> str:
    label = "" if message.kind == "message" else f"[{message.kind}] "
    line = f"bot › {label}{message.plain_text}"
    if message.upload is not None:
        line += f" ({len(message.upload.data)} bytes, {message.upload.content_type})"
    if message.button_labels:
        line += "\n      buttons: " + " | ".join(f"[{label}]" for label in message.button_labels)
    return line


def _print_replies(standin: TelegramStandIn, chat_id: int, stop: threading.Event,
                   latest: list[SentMessage]) -> None:
    while not stop.is_set():
        try:
            message = standin.pop(chat_id, timeout=0.5)
        except AssertionError:
            continue  # nothing new yet
        latest.append(message)
        print(_show(message), flush=True)


def _tap(standin: TelegramStandIn, label: str, latest: list[SentMessage]) -> str:
    for message in reversed(latest):
        if label in message.button_labels:
            try:
                standin.press_button(message, label)
            except AssertionError as problem:
                return f"(could not tap {label!r}: {problem})"
            return f"(tapped {label!r})"
    return f"(no message has a button {label!r})"


def run_console(standin: TelegramStandIn, chat_id: int) -> int:
    print(f"Telegram stand-in listening at {standin.base_url}<token>/<method>")
    print("Start the bot against it in another terminal:")
    print(f"  SIGNPOST_TELEGRAM_API_URL={standin.api_url} TELEGRAM_BOT_TOKEN={standin.token} signpost serve")
    print(f"You are chat {chat_id}.\n{HELP}", flush=True)
    stop = threading.Event()
    latest: list[SentMessage] = []
    printer = threading.Thread(target=_print_replies, args=(standin, chat_id, stop, latest), daemon=True)
    printer.start()
    try:
        for raw in sys.stdin:
            line = raw.strip()
            if not line:
                continue
            if line in (":quit", ":q"):
                break
            if line == ":help":
                print(HELP)
            elif line == ":calls":
                counts: dict[str, int] = {}
                for call in standin.calls:
                    counts[call.method] = counts.get(call.method, 0) + 1
                print(", ".join(f"{name}: {n}" for name, n in sorted(counts.items())) or "(no calls yet)")
            elif line.startswith(":tap "):
                print(_tap(standin, line.removeprefix(":tap ").strip(), latest))
            else:
                standin.push_message(chat_id, line)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        printer.join(timeout=2)
    return 0
