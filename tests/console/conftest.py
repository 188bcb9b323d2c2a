"""Fixtures for the staff console tests: a console app on each database, with a small made-up team.

The shared pieces (Console, seed_team, make_console, post_form, ...) live in console_helpers.py."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import REPO_ROOT
from glossary.live import LiveGlossary
from tests.console.console_helpers import Console, make_console, seed_team, shared_glossary


@pytest.fixture
def console(engine: Engine, session_factory: sessionmaker[Session]) -> Console:
    """The console on the test database (SQLite, then PostgreSQL), reading the real content."""
    ids = seed_team(session_factory)
    client = make_console(engine, session_factory, REPO_ROOT / "content", shared_glossary())
    return Console(client, engine, session_factory, REPO_ROOT / "content", ids)


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(REPO_ROOT / "content", target)
    return target


@pytest.fixture
def editing_console(engine: Engine, session_factory: sessionmaker[Session], content_copy: Path) -> Iterator[Console]:
    """The console on a copy of the content, so editors' saves change only the copy."""
    ids = seed_team(session_factory)
    client = make_console(engine, session_factory, content_copy, LiveGlossary(content_copy))
    yield Console(client, engine, session_factory, content_copy, ids)
