"""One message's turn: who is asking, in which language, and every tool the handlers answer with.

`ChatTools` holds what stays the same from message to message (the content folder, the live
glossary, the journeys content, and from the settings the reminder policy and the link-code hasher
that the case-file writes are handed); `Turn` is one message with those tools at hand. The handler
modules (handlers, person_answers, worker_answers, journey_answers, bot.replies.glossary callers)
take only a `Turn`, so none of them knows `Conversation` (core.py), which builds the turn.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.orm import Session

from bot import i18n, text
from bot.conversation.state import ChatState
from bot.messages import Button, Incoming, Reply
from casefile import chat_state, people
from casefile.linking import CodeHasher
from casefile.reminder_rules import ReminderPolicy
from casefile.sms_consent import SMS as SMS_CHANNEL
from glossary.live import LiveGlossary, LiveQuestions
from glossary.question_match import QuestionIndex
from glossary.questions import QuestionLibrary
from glossary.search import GlossaryIndex
from journeys.calendar import BankHolidays
from journeys.help_now import Detection, HelpNow
from journeys.money import MoneyCatalog
from journeys.stages import StageCatalog

Buttons = tuple[tuple[Button, ...], ...]


class JourneyContent(Protocol):
    """The journeys content an answer reads; whoever loads it (core.py chooses) keeps it current."""

    @property
    def stages(self) -> StageCatalog: ...

    @property
    def money(self) -> MoneyCatalog: ...

    @property
    def holidays(self) -> BankHolidays: ...

    @property
    def help_now(self) -> HelpNow: ...


class JourneySource(Protocol):
    def current(self) -> JourneyContent: ...


@dataclass(frozen=True)
class ChatTools:
    """The tools every turn shares: wording, buttons, the glossary, the journeys content and the settings' rules."""

    content_dir: Path
    glossary: LiveGlossary
    journeys: JourneySource
    reminder_policy: ReminderPolicy  # when the reminders of an appointment booked or moved in the chat go
    link_hasher: CodeHasher  # how a link code typed into the chat is hashed, with the installation's pepper
    questions: LiveQuestions  # the questions library and its match index (glossary.question_match)

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

    def menu_buttons(self, language: str) -> Buttons:
        _ = self.gettext(language)
        help_now = self.journeys.current().help_now
        return (
            (Button(help_now.word("help_now", language), "m:help_now"),),
            (Button(_("Where am I?"), "m:where"), Button(_("My team"), "m:team")),
            (Button(_("My appointments"), "m:appointments"), Button(_("Money"), "m:money")),
            (Button(_("Pharmacy"), "m:pharmacy"), Button(_("What does this mean?"), "m:meaning")),
            (Button(_("Language"), "m:language"), Button(_("Help"), "m:help")),
        )

    def menu_row(self, language: str) -> Buttons:
        _ = self.gettext(language)
        return ((Button(_("Menu"), "m:menu"),),)


@dataclass
class Turn:
    """One incoming message, the chat's state, the open session, and the tools to answer with."""

    incoming: Incoming
    state: ChatState
    session: Session
    language: str
    person_id: int | None
    worker_id: int | None
    now: datetime
    tools: ChatTools
    # Answers given this turn that a Listen button may speak; the conversation stores them at the end.
    spoken: list[tuple[str, str, str]] = field(default_factory=list)
    # Set first thing (handlers.dispatch) when the message may be a crisis: nothing of it is then noted.
    crisis: Detection | None = None

    @property
    def linked(self) -> bool:
        return self.person_id is not None

    @property
    def nation(self) -> str | None:
        """Where the person's probation is ("england" or "wales"), from the case file; None when not
        linked or not known. Facts that differ by nation (glossary `wales:` variants) follow it."""
        if self.person_id is None:
            return None
        return people.nation_of(self.session, self.person_id)

    @property
    def today(self) -> date:
        """The date in London, where every appointment and plan is dated."""
        return self.now.astimezone(i18n.LONDON).date()

    @property
    def content_dir(self) -> Path:
        return self.tools.content_dir

    @property
    def glossary_index(self) -> GlossaryIndex:
        _glossary, index = self.tools.glossary.current()
        return index

    @property
    def journeys(self) -> JourneyContent:
        return self.tools.journeys.current()

    @property
    def questions_library(self) -> QuestionLibrary:
        return self.tools.questions.current()[0]

    @property
    def questions_index(self) -> QuestionIndex:
        return self.tools.questions.current()[1]

    @property
    def reminder_policy(self) -> ReminderPolicy:
        return self.tools.reminder_policy

    @property
    def link_hasher(self) -> CodeHasher:
        return self.tools.link_hasher

    def render(self, template: str, language: str, **context: Any) -> str:
        """The template's words; by text message, its short SMS variant (content/templates/sms/<same name>)
        when the editors wrote one, since a text is paid by the 160 characters and has no buttons."""
        if self.incoming.channel == SMS_CHANNEL and text.has_template(self.content_dir, f"sms/{template}"):
            template = f"sms/{template}"
        return self.tools.render(template, language, **context)

    def gettext(self, language: str) -> Callable[[str], str]:
        return self.tools.gettext(language)

    def menu_buttons(self, language: str) -> Buttons:
        return self.tools.menu_buttons(language)

    def menu_row(self, language: str) -> Buttons:
        return self.tools.menu_row(language)

    def agency_label(self, name: str | None, short: str | None) -> str:
        return self.tools.agency_label(name, short)

    def answer(self, body: str, *, extra: Buttons = ()) -> Reply:
        """An answer with a Listen button (speaking this very text) and a way back to the menu."""
        _ = self.gettext(self.language)
        token = secrets.token_urlsafe(9)
        self.spoken.append((token, body, self.language))
        return Reply(
            text=body,
            buttons=(*extra, (Button(_("Listen"), f"listen:{token}"), Button(_("Menu"), "m:menu"))),
        )

    def spoken_answer(self, token: str) -> tuple[str, str] | None:
        """The text and language behind a Listen button, only in the chat it was given to."""
        return chat_state.answer_for(self.session, self.incoming.channel, self.incoming.chat_id, token, self.now)

    def forget_chat_state(self) -> None:
        """Drop everything remembered about this chat (after /forget)."""
        self.spoken.clear()
        chat_state.forget_chat(self.session, self.incoming.channel, self.incoming.chat_id)
