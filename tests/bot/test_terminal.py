"""The terminal channel never lets a message drive the person's terminal (issue 12: control characters).

A worker's message or an agency's feed can hold escape sequences that would clear the screen, recolour or
hide text, or retitle the window when `signpost chat` prints them.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import cast

from bot.channels.terminal import TerminalChat, printable
from bot.conversation.core import Conversation
from bot.messages import Button, Reply

HOSTILE = ("Your appointment\x1b[2J\x1b[H is \x1b[8mhidden\x1b[0m at 10:00\x1b]0;Owned\x07 "
           "\x1b]8;;http://example.com\x1b\\link\x1b]8;;\x1b\\ \x9b31mred\x07\x00\x7f\x08done")


def test_printing_a_reply_strips_every_control_sequence_and_keeps_the_words(tmp_path: Path) -> None:
    out = io.StringIO()
    chat = TerminalChat(cast(Conversation, None), "t1", None, out, tmp_path)
    chat.show(Reply(text=HOSTILE + "\nSecond line\twith a tab",
                    buttons=((Button("OK\x1b[31m!", "b:1"),),)))
    shown = out.getvalue()
    assert not any(ord(ch) < 32 and ch not in "\n\t" for ch in shown)
    assert "\x1b" not in shown and "\x9b" not in shown and "\x7f" not in shown
    assert "Your appointment is hidden at 10:00 link reddone" in shown
    assert "Second line\twith a tab" in shown
    assert "[1] OK!" in shown


def test_ordinary_text_is_unchanged() -> None:
    text = "Croeso! Dzień dobry. Café – 10:00\n• Bring your letter"
    assert printable(text) == text
