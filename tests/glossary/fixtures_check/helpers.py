"""Run the glossary checker on one fixture: the good `_base` content with one broken folder laid over it."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from glossary.check import check_glossary

FIXTURES = Path(__file__).resolve().parent
BASE = FIXTURES / "_base"
# The fixtures' entries say reviewed: 2026-12-01; checked as on this day, none is due for review yet.
FIXTURE_TODAY = date(2026, 12, 7)


def content_with(kind: str, target: Path) -> Path:
    """`target` filled with the base content, then the fixture `kind` on top (its files win)."""
    shutil.copytree(BASE, target, dirs_exist_ok=True)
    if kind != "_base":
        shutil.copytree(FIXTURES / kind, target, dirs_exist_ok=True)
    return target


def checked(kind: str, target: Path) -> list[str]:
    """Every finding for the fixture, formatted as editors see them, paths relative to the content folder."""
    content_dir = content_with(kind, target)
    return check_glossary(content_dir, today=FIXTURE_TODAY).lines(relative_to=content_dir)
