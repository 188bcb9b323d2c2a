"""The environment is read in one place, bot/settings.py; the case file is handed what it needs."""

from __future__ import annotations

import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("bot", "console", "casefile", "glossary", "journeys")
# os.environ / os.getenv / os.environb, or environ or getenv imported from os.
ENVIRONMENT = re.compile(r"\bos\s*\.\s*(environb?|getenv)\b|^\s*from\s+os\s+import\s+[^\n]*\b(environb?|getenv)\b",
                         re.M)
# Writing a variable for a child process (`signpost web` hands its settings to its workers) is not reading one.
WRITE = re.compile(r"\bos\.environ\[[^\]]+\]\s*=[^=]")


def _sources(package: str) -> dict[str, str]:
    return {path.relative_to(REPO_ROOT).as_posix(): path.read_text(encoding="utf-8")
            for path in sorted((REPO_ROOT / package).rglob("*.py"))}


def test_no_case_file_module_touches_the_environment() -> None:
    offenders = [name for name, text in _sources("casefile").items() if ENVIRONMENT.search(text)]
    assert offenders == [], "the case file is passed its settings (bot/settings.py), it never reads os.environ"


def test_only_the_settings_read_the_environment() -> None:
    readers = []
    for package in PRODUCT:
        for name, text in _sources(package).items():
            for line in text.splitlines():
                if ENVIRONMENT.search(line) and not WRITE.search(line):
                    readers.append(name)
                    break
    assert readers == ["bot/settings.py"]


def test_the_check_sees_each_way_of_reading() -> None:
    for reading in ("os.environ.get('X')", "os.getenv('X')", "dict(os.environ)", "from os import environ",
                    "from os import path, getenv"):
        assert ENVIRONMENT.search(reading), reading
    assert WRITE.search('os.environ["DATABASE_URL"] = url')
    assert not WRITE.search('os.environ["DATABASE_URL"] == url')
