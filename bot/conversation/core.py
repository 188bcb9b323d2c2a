"""The conversation: one incoming message in, the replies out. Channel-agnostic.

Telegram and the terminal are thin adapters over `Conversation.handle`. This module finds who owns
the chat, builds the message's `Turn` (bot.conversation.turn) and hands it to `handlers.dispatch`,
where the routing reads top-down. Every reply's wording is a template under content/templates/chat.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot import i18n
from bot.conversation import handlers
from bot.conversation import state as chat_states
from bot.conversation.turn import Buttons, ChatTools, Turn
from bot.messages import Incoming, Reply, split_for_channel
from casefile import chat_state, linking
from casefile.linking import CodeHasher
from casefile.reminder_rules import ReminderPolicy
from glossary.live import LiveGlossary, LiveQuestions
from journeys.live import LiveJourneys

log = logging.getLogger(__name__)

COMMANDS = ("start", "stop", "forget", "language", "help", "menu", "discreet", "reminders")
PRIVATE_ONLY_TOLD = '{"private_only_told": true}'  # a group chat's only state: it was told once


class Conversation:
    def __init__(
        self,
        content_dir: Path,
        sessions: sessionmaker[Session],
        glossary: LiveGlossary,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        journeys: LiveJourneys | None = None,
        *,
        reminder_policy: ReminderPolicy,
        link_hasher: CodeHasher,
        questions: LiveQuestions | None = None,
    ) -> None:
        """`reminder_policy` and `link_hasher` come from the settings (bot.app builds them from Settings)."""
        self.content_dir = content_dir
        self.sessions = sessions
        self.glossary = glossary
        self.clock = clock
        # The process's one live journeys content (bot.app shares it with the dispatcher); made here for tests.
        self.journeys = journeys or LiveJourneys(content_dir)
        # The questions library, like the journeys: shared by bot.app, made here for tests.
        self.questions = questions or LiveQuestions(content_dir)
        self.tools = ChatTools(content_dir, glossary, self.journeys, reminder_policy, link_hasher, self.questions)

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
        channel, chat_id, now = incoming.channel, incoming.chat_id, self.clock()
        with self.sessions() as session:
            owner = linking.chat_owner(session, channel, chat_id)
            if owner is not None and not owner.active:  # they blocked us once and are back: messages resume
                linking.reactivate_if_needed(session, channel, chat_id, owner, now=now)
            state = chat_states.load(session, channel, chat_id, now)
            state_before = chat_states.state_to_json(state)
            # End the reading transaction: each service call below is its own unit of work.
            session.commit()
            person_id = owner.person_id if owner is not None else None
            worker_id = owner.worker_id if owner is not None else None
            chosen = owner.language if owner is not None else None
            language = chosen if chosen in i18n.LANGUAGES else (
                state.language or i18n.choose_language(incoming.language_hint))
            turn = Turn(incoming, state, session, language, person_id, worker_id, now, self.tools)
            replies = handlers.dispatch(turn)
            # Where the chat now is, and what its Listen buttons speak, are written with the turn's last unit;
            # most messages leave the state as it was, and then nothing is written.
            if chat_states.state_to_json(turn.state) != state_before:
                chat_states.save(session, channel, chat_id, turn.state, now)
            for token, body, spoken_language in turn.spoken:
                chat_state.keep_answer(session, channel, chat_id, token, body, spoken_language, now)
            session.commit()
        return replies

    def private_only_notice(self, channel: str, chat_id: str, language_hint: str | None) -> Reply | None:
        """For a group chat: the one message saying Signpost works only in a private chat, the first time
        (for a day); None after that. Nothing else happens there: no code is tried, nothing is shown."""
        language = i18n.choose_language(language_hint)
        now = self.clock()
        with self.sessions() as session:
            first_time = chat_state.save_state_if_none(session, channel, chat_id, PRIVATE_ONLY_TOLD, now)
            session.commit()
        if not first_time:
            return None
        return Reply(text=self.render("chat/private_only.txt.j2", language))

    # -- the tools, for the channels (Telegram's own buttons and apologies) and tests ------------
    def render(self, template: str, language: str, **context: Any) -> str:
        return self.tools.render(template, language, **context)

    def agency_label(self, name: str | None, short: str | None) -> str:
        return self.tools.agency_label(name, short)

    def gettext(self, language: str) -> Callable[[str], str]:
        return self.tools.gettext(language)

    def menu_buttons(self, language: str) -> Buttons:
        return self.tools.menu_buttons(language)

    def menu_row(self, language: str) -> Buttons:
        return self.tools.menu_row(language)

    def _fit(self, reply: Reply) -> list[Reply]:
        """Split an over-long text into several messages; the buttons stay on the last one."""
        if reply.photo_png is not None or len(reply.text) <= 4096:
            return [reply]
        parts = split_for_channel(reply.text)
        return [Reply(text=part) for part in parts[:-1]] + [replace(reply, text=parts[-1])]
