"""Wiring: the shared pieces every channel uses, made once from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from bot.conversation.core import Conversation
from bot.settings import Settings
from casefile import db
from casefile.errors import CasefileError
from glossary.findings import ContentError
from glossary.live import LiveGlossary, LiveQuestions, install_sighup_handler
from journeys.live import LiveJourneys


@dataclass
class App:
    settings: Settings
    engine: Engine
    glossary: LiveGlossary
    journeys: LiveJourneys
    conversation: Conversation

    def close(self) -> None:
        self.glossary.stop()
        self.journeys.stop()
        self.engine.dispose()


class StartupProblem(Exception):
    """Signpost cannot start; the message says why and what to do, in plain words."""


def build_app(settings: Settings, *, watch_content: bool = True, clock=lambda: datetime.now(UTC)) -> App:
    """Open the database (refusing an outdated schema), load checked content, make the conversation.

    Raises StartupProblem with a message for the person at the keyboard; never starts half-ready.
    """
    try:
        engine, sessions = db.open_database(settings.database_url, busy_seconds=settings.sqlite_busy_seconds)
    except CasefileError as problem:
        raise StartupProblem(problem.message) from problem
    try:
        glossary = LiveGlossary(settings.content_dir)
        journeys = LiveJourneys(settings.content_dir)
        questions = LiveQuestions(settings.content_dir)
    except ContentError as problem:
        engine.dispose()
        findings = getattr(problem, "findings", ())
        lines = [finding.format() for finding in findings] or [str(problem)]
        raise StartupProblem(
            "The content has errors, so Signpost will not start:\n" + "\n".join(lines)
            + "\nFix them (signpost content check lists them), then start again."
        ) from problem
    if watch_content:
        glossary.start_watching()
        journeys.start_watching()
        questions.start_watching()
        install_sighup_handler(glossary, journeys, questions)
    conversation = Conversation(settings.content_dir, sessions, glossary, journeys=journeys, clock=clock,
                                reminder_policy=settings.reminder_policy, link_hasher=settings.link_hasher,
                                questions=questions)
    return App(settings=settings, engine=engine, glossary=glossary, journeys=journeys, conversation=conversation)
