"""What the conversation remembers between messages of one chat, and how it is written down.

The state is kept in the case file database (casefile.chat_state), so a restart keeps a person's
half-done step and several servers behind one webhook see the same chat. Only what the next message
needs is kept, never the messages themselves: which question the chat is waiting on, a language chosen
before linking, the last term nobody could explain (for "Tell my lead professional"), a key worker's
half-finished /book, /move, /cancel or /message, and the answers a Listen button may speak. All of it
runs out (casefile.chat_state says when), and a chat back at the start keeps nothing.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from casefile import chat_state

log = logging.getLogger(__name__)


class Waiting(StrEnum):
    NOTHING = "nothing"
    CODE = "code"  # the person tapped "I have a code"
    WORD = "word"  # the person tapped "What does this mean?"
    FORGET = "forget"  # /forget asked for a confirmation


@dataclass
class Flow:
    """A key worker's guided action in progress (bot.conversation.worker_answers)."""

    action: str  # book, move, cancel, message
    step: str
    person_id: int | None = None
    appointment_id: int | None = None
    version: int | None = None
    day: date | None = None
    start: datetime | None = None
    minutes: int = 60
    place: str = ""
    address: str = ""
    address_choice: str = ""  # "typed", "same" (the place says it all) or "skip"
    kind: str = ""
    bring: str = ""
    text: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class ChatState:
    waiting: Waiting = Waiting.NOTHING
    language: str | None = None  # chosen with /language before the chat is linked
    unknown_term: str | None = None  # the last term nobody could explain, for "tell my lead"
    worker_flow: Flow | None = None
    # A question nobody could answer, kept only until the person says whether to send it to the editors.
    pending_question: str | None = None
    # On a channel without buttons (SMS): the data of the numbered choices the last message offered, so
    # a reply of "1" presses the first. Button data only (our own words), never the message.
    choices: tuple[str, ...] = ()


def state_to_json(state: ChatState) -> str | None:
    """The state as the database keeps it; None for a chat back at the start, which keeps nothing."""
    if state == ChatState():
        return None
    flow = state.worker_flow
    return json.dumps({
        "waiting": state.waiting.value,
        "language": state.language,
        "unknown_term": state.unknown_term,
        "pending_question": state.pending_question,
        "choices": list(state.choices),
        "worker_flow": None if flow is None else {
            **dataclasses.asdict(flow),
            "day": flow.day.isoformat() if flow.day else None,
            "start": flow.start.isoformat() if flow.start else None,
        },
    })


def state_from_json(text: str | None) -> ChatState:
    """The state back from the database. A row this version cannot read is a chat starting over."""
    if not text:
        return ChatState()
    try:
        raw: dict[str, Any] = json.loads(text)
        flow = raw.get("worker_flow")
        return ChatState(
            waiting=Waiting(raw.get("waiting", Waiting.NOTHING)),
            language=raw.get("language"),
            unknown_term=raw.get("unknown_term"),
            pending_question=raw.get("pending_question"),
            choices=tuple(str(data) for data in raw.get("choices") or ()),
            worker_flow=None if flow is None else Flow(**{
                **flow,
                "day": date.fromisoformat(flow["day"]) if flow.get("day") else None,
                "start": datetime.fromisoformat(flow["start"]) if flow.get("start") else None,
            }),
        )
    except (ValueError, TypeError, KeyError):
        log.warning("a saved chat state could not be read; the chat starts over")
        return ChatState()


def load(session: Session, channel: str, chat_id: str, now: datetime) -> ChatState:
    """The chat's state as the last message left it, read inside the turn's session."""
    return state_from_json(chat_state.load_state(session, channel, chat_id, now))


def save(session: Session, channel: str, chat_id: str, state: ChatState, now: datetime) -> None:
    """Write the chat's state as part of the turn's unit; a chat back at the start keeps no row."""
    chat_state.save_state(session, channel, chat_id, state_to_json(state), now)


def remember_choices(session: Session, channel: str, chat_id: str, choices: tuple[str, ...], now: datetime) -> None:
    """Keep the numbered choices of the message just sent to a chat without buttons (an SMS reply or a
    reminder), so the next "1" or "2" answers it, whichever process receives it. Part of the caller's unit."""
    state = load(session, channel, chat_id, now)
    if state.choices == choices:
        return
    state.choices = choices
    save(session, channel, chat_id, state, now)
