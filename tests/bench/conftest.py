"""Fixtures for the benchmarks' own parts: a Telegram stand-in over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.telegram_standin import TelegramStandIn


@pytest.fixture
def standin() -> Iterator[TelegramStandIn]:
    with TelegramStandIn() as server:
        yield server
