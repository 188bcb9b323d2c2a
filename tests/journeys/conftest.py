"""Journey test helpers: the shipped content, loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeys.calendar import BankHolidays, load_bank_holidays
from journeys.money import MoneyCatalog, load_money
from journeys.stages import StageCatalog, load_stages

REPO = Path(__file__).resolve().parents[2]
CONTENT = REPO / "content"


@pytest.fixture(scope="session")
def content_dir() -> Path:
    return CONTENT


@pytest.fixture(scope="session")
def stages() -> StageCatalog:
    return load_stages(CONTENT)


@pytest.fixture(scope="session")
def money_catalog() -> MoneyCatalog:
    return load_money(CONTENT)


@pytest.fixture(scope="session")
def holidays() -> BankHolidays:
    return load_bank_holidays(CONTENT)
