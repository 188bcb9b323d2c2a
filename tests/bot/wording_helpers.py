"""Breaking content files the way an editor's save does: a copy of the shipped content, a byte that is not
UTF-8, a new file time. Shared by the reply tests (tests/bot) and the dispatcher tests (tests/reminders)."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest

from bot.settings import REPO_ROOT

CONTENT = REPO_ROOT / "content"
WELSH = Path("locale/cy/LC_MESSAGES/signpost.po")
APPOINTMENT_TEMPLATE = Path("templates/reminders/appointment.txt.j2")
# A changed catalog is looked at again at most once a second (bot/i18n.py): wait a little longer.
CATALOG_RECHECK = 1.2


def copy_of_content(tmp_path: Path) -> Path:
    """The shipped content in a folder of the test's own, so it can be broken (each copy is new to the process)."""
    return Path(shutil.copytree(CONTENT, tmp_path / "content"))


def save(path: Path, data: bytes) -> None:
    """Write as an editor's save does, with a file time that is sure to differ from the last one."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_bytes(data)
    if path.stat().st_mtime_ns == before:  # a coarse filesystem clock: move it on by hand
        later = before + 1_000_000
        os.utime(path, ns=(later, later))


def one_bad_byte(path: Path, after: bytes) -> int:
    """Put a byte that is not UTF-8 just after `after` in the file; returns its line number."""
    data = path.read_bytes()
    at = data.index(after) + len(after)
    save(path, data[:at] + b"\xff" + data[at:])
    return data.count(b"\n", 0, at) + 1


def break_appointment_template(content_dir: Path) -> tuple[Path, bytes]:
    """Misspell a closing tag in the appointment reminder; returns the file and its good bytes to put back."""
    template = content_dir / APPOINTMENT_TEMPLATE
    good = template.read_bytes()
    broken = good.replace(b"{% endif %}", b"{% endfi %}", 1)
    assert broken != good
    save(template, broken)
    return template, good


def content_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The content log's error lines (bot/text.py, bot/i18n.py): what an operator reads."""
    return [record.getMessage() for record in caplog.records
            if record.name == "signpost.content" and record.levelno >= logging.ERROR]
