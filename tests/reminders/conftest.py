"""Fixtures for the reminder tests: a Telegram stand-in over real HTTP, and a clock moved by hand."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from reminder_helpers import Clock

from tests.support.telegram_standin import TelegramStandIn


@pytest.fixture
def standin() -> Iterator[TelegramStandIn]:
    with TelegramStandIn() as server:
        yield server


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(autouse=True)
def default_reminder_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts from the documented defaults, whatever the shell has set."""
    for name in ("SIGNPOST_REMINDER_OFFSETS", "SIGNPOST_REMINDER_KIND_OFFSETS", "SIGNPOST_QUIET_HOURS",
                 "SIGNPOST_MISSED_FOLLOW_UP"):
        monkeypatch.delenv(name, raising=False)
