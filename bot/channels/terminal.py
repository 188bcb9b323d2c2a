"""The conversation in a terminal: buttons become numbered choices, pictures and voice notes files.

When standard input is not a terminal it reads one message per line and prints the replies, so a
script can hold a conversation: a line that is just a number presses that button of the last reply.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.conversation.core import Conversation
from bot.messages import Button, Incoming, Reply

CHANNEL = "terminal"
SpeakFn = Callable[[str, str], Path]
# A whole escape sequence (colour, cursor moves, a window title, OSC 8 links), so no stray letters are left.
_ESCAPE_SEQUENCE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])|\x9b[0-?]*[ -/]*[@-~]")


def printable(text: str) -> str:
    """`text` without terminal control characters, which a worker's message or a feed could carry.

    They could recolour or clear the screen, retitle the window, or hide text from the person reading.
    Line breaks and tabs stay.
    """
    text = _ESCAPE_SEQUENCE.sub("", text)
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")


class TerminalChat:
    def __init__(
        self,
        conversation: Conversation,
        chat_id: str,
        language_hint: str | None,
        out: TextIO,
        media_dir: Path,
        speak: SpeakFn | None = None,
    ) -> None:
        self.conversation = conversation
        self.chat_id = chat_id
        self.language_hint = language_hint
        self.out = out
        self.media_dir = media_dir
        self.speak = speak
        self.choices: list[Button] = []
        self._pictures = 0

    def send(self, line: str) -> None:
        """One line from the person: a choice number presses a button, anything else is text."""
        line = line.strip()
        if line.isdigit() and len(line) <= 2 and self.choices and not 1 <= int(line) <= len(self.choices):
            numbers = "1" if len(self.choices) == 1 else f"a number from 1 to {len(self.choices)}"
            self.out.write(f"Please type {numbers}, or type your question.\n\n")
            self.out.flush()
            return
        if line.isdigit() and 1 <= int(line) <= len(self.choices):
            incoming = Incoming(CHANNEL, self.chat_id, button=self.choices[int(line) - 1].data,
                                language_hint=self.language_hint)
        else:
            incoming = Incoming(CHANNEL, self.chat_id, text=line, language_hint=self.language_hint)
        for reply in self.conversation.handle(incoming):
            self.show(reply)

    def show(self, reply: Reply) -> None:
        if reply.photo_png is not None:
            self.media_dir.mkdir(parents=True, exist_ok=True)
            self._pictures += 1
            path = self.media_dir / f"picture-{self._pictures}.png"
            path.write_bytes(reply.photo_png)
            self.out.write(f"[picture: {path}]\n")
        if reply.voice_text:
            self.out.write(self._voice(reply) + "\n")
        if reply.text:
            self.out.write(printable(reply.text) + "\n")
        if reply.buttons:
            self.choices = [button for row in reply.buttons for button in row]
            numbered = "   ".join(f"[{n}] {printable(b.label)}" for n, b in enumerate(self.choices, start=1))
            self.out.write(numbered + "\n")
        self.out.write("\n")
        self.out.flush()

    def _voice(self, reply: Reply) -> str:
        if self.speak is None:
            return "[voice notes are not available in this terminal]"
        try:
            path = self.speak(reply.voice_text or "", reply.voice_language)
        except Exception as error:  # speech is optional: the text answer is already on screen
            return f"[voice note not available: {error}]"
        return f"[voice note: {path}]"


def run(chat: TerminalChat, stdin: TextIO = sys.stdin, first_message: str = "/start") -> int:
    interactive = stdin.isatty()
    chat.send(first_message)
    while True:
        if interactive:
            chat.out.write("> ")
            chat.out.flush()
        line = stdin.readline()
        if not line:
            return 0
        if interactive and line.strip() in ("/quit", "/exit"):
            return 0
        if line.strip():
            chat.send(line)
