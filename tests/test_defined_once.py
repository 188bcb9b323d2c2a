"""Each domain fact and mechanism is written in one place; a second copy is how they drift apart."""

from __future__ import annotations

import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("bot", "console", "casefile", "glossary", "journeys")


def product_sources() -> dict[Path, str]:
    return {
        path: path.read_text(encoding="utf-8")
        for package in PRODUCT
        for path in sorted((REPO_ROOT / package).rglob("*.py"))
    }


def test_the_london_clock_is_defined_once() -> None:
    zone = re.compile(r"ZoneInfo\(\s*['\"]Europe/London['\"]\s*\)")
    defining = [path.relative_to(REPO_ROOT).as_posix() for path, text in product_sources().items() if zone.search(text)]
    assert defining == ["casefile/clock.py"]


def test_every_london_import_comes_from_the_clock() -> None:
    elsewhere = re.compile(r"^\s*from (?!casefile\.clock\b)[\w.]+ import [^\n]*\bLONDON\b", re.M)
    offenders = [path.relative_to(REPO_ROOT).as_posix() for path, text in product_sources().items() if elsewhere.search(text)]
    assert offenders == []
