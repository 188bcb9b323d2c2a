"""What the conversation remembers between messages of one chat, in memory only.

Nothing here is written to disk: a restart forgets it, which costs the person at most one extra tap.
Chat text is never kept, only which question the chat is waiting on and recent answers for Listen.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from enum import StrEnum


class Waiting(StrEnum):
    NOTHING = "nothing"
    CODE = "code"  # the person tapped "I have a code"
    WORD = "word"  # the person tapped "What does this mean?"
    FORGET = "forget"  # /forget asked for a confirmation


@dataclass
class ChatState:
    waiting: Waiting = Waiting.NOTHING
    language: str | None = None  # chosen with /language before the chat is linked
    unknown_term: str | None = None  # the last term nobody could explain, for "tell my lead"
    # A key worker's half-finished /book, /move, /cancel or /message (bot.conversation.worker_answers).
    worker_flow: object | None = None


class ChatStates:
    """Per-chat state and a bounded store of recent answers that a Listen button can speak."""

    def __init__(self, max_chats: int = 10_000, max_answers: int = 5_000) -> None:
        self._lock = threading.Lock()
        self._chats: OrderedDict[tuple[str, str], ChatState] = OrderedDict()
        self._answers: OrderedDict[str, tuple[tuple[str, str], str, str]] = OrderedDict()
        self._max_chats = max_chats
        self._max_answers = max_answers

    def get(self, channel: str, chat_id: str) -> ChatState:
        key = (channel, chat_id)
        with self._lock:
            state = self._chats.pop(key, None) or ChatState()
            self._chats[key] = state
            while len(self._chats) > self._max_chats:
                self._chats.popitem(last=False)
            return state

    def forget(self, channel: str, chat_id: str) -> None:
        key = (channel, chat_id)
        with self._lock:
            self._chats.pop(key, None)
            for token in [t for t, (owner, _, _) in self._answers.items() if owner == key]:
                del self._answers[token]

    def remember_answer(self, channel: str, chat_id: str, text: str, language: str) -> str:
        """Keep an answer so its Listen button can speak it; returns the button's token."""
        token = secrets.token_urlsafe(9)
        self.keep_answer(channel, chat_id, token, text, language)
        return token

    def keep_answer(self, channel: str, chat_id: str, token: str, text: str, language: str) -> None:
        with self._lock:
            self._answers[token] = ((channel, chat_id), text, language)
            while len(self._answers) > self._max_answers:
                self._answers.popitem(last=False)

    def answer_for(self, channel: str, chat_id: str, token: str) -> tuple[str, str] | None:
        """The answer behind a Listen token, only for the chat it was given to."""
        with self._lock:
            found = self._answers.get(token)
        if found is None or found[0] != (channel, chat_id):
            return None
        return found[1], found[2]
