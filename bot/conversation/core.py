"""The conversation: one incoming message in, the replies out. Channel-agnostic.

Telegram and the terminal are thin adapters over `Conversation.handle`. Every reply's wording is a
template under content/templates/chat; this module only decides which answer a message gets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot import i18n, text
from bot.conversation.journey_answers import JourneyContentCache
from bot.conversation.state import ChatState, ChatStates
from bot.messages import Button, Incoming, Reply, split_for_channel
from casefile import linking
from glossary.live import LiveGlossary

log = logging.getLogger(__name__)

COMMANDS = ("start", "stop", "forget", "language", "help", "menu", "discreet")


@dataclass(frozen=True)
class Turn:
    """Everything one message's handlers need: who is asking, in which language, and the tools."""

    incoming: Incoming
    state: ChatState
    session: Session
    language: str
    person_id: int | None
    worker_id: int | None
    now: datetime

    @property
    def linked(self) -> bool:
        return self.person_id is not None


class Conversation:
    def __init__(
        self,
        content_dir: Path,
        sessions: sessionmaker[Session],
        glossary: LiveGlossary,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        states: ChatStates | None = None,
    ) -> None:
        self.content_dir = content_dir
        self.sessions = sessions
        self.glossary = glossary
        self.clock = clock
        self.states = states or ChatStates()
        self.journeys = JourneyContentCache(content_dir)
        # Imported here so the handler modules can import `Turn` from this one.
        from bot.conversation import handlers

        self._handlers = handlers

    # -- the one way in -------------------------------------------------------------------------
    def handle(self, incoming: Incoming) -> list[Reply]:
        """Answer one message. Never raises: anything unexpected becomes a kind apology."""
        try:
            replies = self._handle(incoming)
        except Exception:
            log.exception("conversation failed on a %s message", incoming.channel)
            language = i18n.choose_language(incoming.language_hint)
            replies = [Reply(text=self.render("chat/error.txt.j2", language), buttons=self.menu_row(language))]
        return [part for reply in replies for part in self._fit(reply)]

    def _handle(self, incoming: Incoming) -> list[Reply]:
        state = self.states.get(incoming.channel, incoming.chat_id)
        with self.sessions() as session:
            owner = linking.chat_owner(session, incoming.channel, incoming.chat_id)
            if owner is not None and not owner.active:  # they blocked us once and are back: messages resume
                linking.reactivate_if_needed(session, incoming.channel, incoming.chat_id, owner, now=self.clock())
            # End the reading transaction: each service call below is its own unit of work.
            session.commit()
            person_id = owner.person_id if owner is not None else None
            worker_id = owner.worker_id if owner is not None else None
            chosen = owner.language if owner is not None else None
            language = chosen if chosen in i18n.LANGUAGES else (
                state.language or i18n.choose_language(incoming.language_hint))
            turn = Turn(incoming, state, session, language, person_id, worker_id, self.clock())
            replies = self._handlers.dispatch(self, turn)
            session.commit()
        return replies

    # -- helpers the handlers share -------------------------------------------------------------
    def render(self, template: str, language: str, **context: Any) -> str:
        return text.render(self.content_dir, template, language, agency=self.agency_label, **context)

    def agency_label(self, name: str | None, short: str | None) -> str:
        """"Drug Intervention Programme (DIP)": the short name only where people meet it in letters
        (it is a glossary word) and the full name does not already carry it. Never a bare acronym."""
        if not name:
            return short or ""
        if not short or short.casefold() in name.casefold():
            return name
        _glossary, index = self.glossary.current()
        return f"{name} ({short})" if index.entry_named(short) is not None else name

    def gettext(self, language: str) -> Callable[[str], str]:
        return i18n.translations(self.content_dir / "locale", language).gettext

    def menu_buttons(self, language: str) -> tuple[tuple[Button, ...], ...]:
        _ = self.gettext(language)
        return (
            (Button(_("Where am I?"), "m:where"), Button(_("My team"), "m:team")),
            (Button(_("My appointments"), "m:appointments"), Button(_("Money"), "m:money")),
            (Button(_("Pharmacy"), "m:pharmacy"), Button(_("What does this mean?"), "m:meaning")),
            (Button(_("Language"), "m:language"), Button(_("Help"), "m:help")),
        )

    def menu_row(self, language: str) -> tuple[tuple[Button, ...], ...]:
        _ = self.gettext(language)
        return ((Button(_("Menu"), "m:menu"),),)

    def answer(self, turn: Turn, body: str, *, extra: tuple[tuple[Button, ...], ...] = ()) -> Reply:
        """An answer with a Listen button (speaking this very text) and a way back to the menu."""
        _ = self.gettext(turn.language)
        token = self.states.remember_answer(turn.incoming.channel, turn.incoming.chat_id, body, turn.language)
        return Reply(
            text=body,
            buttons=(*extra, (Button(_("Listen"), f"listen:{token}"), Button(_("Menu"), "m:menu"))),
        )

    def _fit(self, reply: Reply) -> list[Reply]:
        """Split an over-long text into several messages; the buttons stay on the last one."""
        if reply.photo_png is not None or len(reply.text) <= 4096:
            return [reply]
        parts = split_for_channel(reply.text)
        return [Reply(text=part) for part in parts[:-1]] + [replace(reply, text=parts[-1])]
