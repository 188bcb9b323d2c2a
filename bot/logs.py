"""Logs for operators, as text or JSON lines (SIGNPOST_LOG_FORMAT), with no personal data in them.

`configure_logging(format)` is called by the long-running commands (`signpost serve`, `signpost reminders
run`, `signpost web` and each of its worker processes). One handler on the root logger, to stderr, with:

- PrivacyFilter, which every record passes: an extra field whose name is one of PERSONAL_FIELDS
  (`log.info("...", extra={"phone": ...})`) is replaced by "[redacted]", and a Telegram bot token (in
  a URL a library logs) is cut out of the message. Signpost's own log lines name rows and people by
  their database ids only (outbox row 42, person 7), never by name, reference, phone or words.
- JsonFormatter: one JSON object a line with time (UTC, ISO 8601), level, logger and message, and only
  the extra fields named in SAFE_FIELDS (ids and counts).
- In either format an error's traceback is its frames (file, line, function), its type and the first
  line of its message only: the lines after it are where SQLAlchemy puts a statement's parameters and
  PostgreSQL the key that clashed ("Key (ref)=(...)"), and a traceback never shows local values.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, TextIO

REDACTED = "[redacted]"
# Extra fields that would carry a person's details; refused whatever the format. (A record's own `name` is
# its logger's, and logging itself refuses an extra field of that name.)
PERSONAL_FIELDS = frozenset({
    "preferred_name", "full_name", "first_name", "last_name", "username", "phone", "contact", "email",
    "address", "postcode", "date_of_birth", "crn", "ref", "person_ref", "reference", "text", "message_text",
    "chat_text", "body", "caption",
})
# Extra fields a JSON line carries: ids, counts and fixed words.
SAFE_FIELDS = ("outbox_id", "person_id", "worker_id", "appointment_id", "dispatcher", "channel", "outcome",
               "state", "count", "seconds", "status", "path")
_TOKEN = re.compile(r"\bbot\d+:[A-Za-z0-9_-]{20,}")
_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# httpx logs every request URL at INFO, and Bot API URLs carry the bot's token; alembic says which
# database kind it found at every start.
_QUIET = {"httpx": logging.WARNING, "httpcore": logging.WARNING, "apscheduler": logging.WARNING,
          "alembic": logging.WARNING}


class PrivacyFilter(logging.Filter):
    """Redacts personal extra fields and bot tokens from every record (see the module)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name in PERSONAL_FIELDS.intersection(record.__dict__):
            setattr(record, name, REDACTED)
        if record.args or _TOKEN.search(str(record.msg)):
            message = record.getMessage()
            if _TOKEN.search(message):
                record.msg, record.args = _TOKEN.sub("bot[token]", message), None
        return True


ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def error_parts(exc_info: ExcInfo) -> tuple[str, str, list[str]]:
    """An error's type, the first line of its message (at most 300 characters) and its frames."""
    kind, error, trace = exc_info
    first_line = (str(error).strip().splitlines() or [""])[0][:300]
    frames = [f"{frame.filename}:{frame.lineno} in {frame.name}" for frame in traceback.extract_tb(trace)]
    return kind.__name__, first_line, frames


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(_TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        # logging keeps the first handler's traceback text on the record; another handler's may be whole.
        kept, record.exc_text = record.exc_text, None
        try:
            return super().format(record)
        finally:
            record.exc_text = kept

    def formatException(self, ei: Any) -> str:  # noqa: N802 - logging's own name
        kind, first_line, frames = error_parts(ei)
        return "\n".join(["Traceback (most recent call last):", *(f"  {frame}" for frame in frames),
                          f"{kind}: {first_line}"])


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in SAFE_FIELDS:
            if name in record.__dict__:
                line[name] = record.__dict__[name]
        if record.exc_info and record.exc_info[0] is not None:
            kind, first_line, frames = error_parts(record.exc_info)
            line["error"] = f"{kind}: {first_line}"
            line["trace"] = frames
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(log_format: str, *, level: int = logging.INFO, stream: TextIO | None = None) -> None:
    """One handler for the whole process, in the chosen format; what was there before is replaced."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(PrivacyFilter())
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name, quiet in _QUIET.items():
        logging.getLogger(name).setLevel(quiet)
