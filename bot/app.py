"""Wiring: the shared pieces every channel uses, made once from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from bot.conversation.core import Conversation
from bot.settings import Settings
from casefile import db
from glossary.live import LiveGlossary


@dataclass
class App:
    settings: Settings
    engine: Engine
    glossary: LiveGlossary
    conversation: Conversation

    def close(self) -> None:
        self.glossary.stop()
        self.engine.dispose()


def build_app(settings: Settings, *, watch_content: bool = True, clock=lambda: datetime.now(UTC)) -> App:
    """Open the database (refusing an outdated schema), load checked content, make the conversation."""
    engine, sessions = db.open_database(settings.database_url)
    glossary = LiveGlossary(settings.content_dir)
    if watch_content:
        glossary.start_watching()
        glossary.install_sighup_handler()
    conversation = Conversation(settings.content_dir, sessions, glossary, clock=clock)
    return App(settings=settings, engine=engine, glossary=glossary, conversation=conversation)
