"""Every setting Signpost reads from the environment, in one place.

The README's settings table lists the same names; a test keeps the two in step.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _default_data_dir(environ: Mapping[str, str]) -> Path:
    base = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "signpost"


def _positive_float(raw: str | None, default: float) -> float:
    """A positive number from the environment; a blank, wrong or non-positive value keeps the default."""
    try:
        value = float(raw) if raw else default
    except ValueError:
        return default
    return value if value > 0 else default


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, its default as the README shows it, and what it means."""

    name: str
    default: str
    meaning: str


SETTINGS: tuple[Setting, ...] = (
    Setting("SIGNPOST_DATA_DIR", "$XDG_DATA_HOME/signpost or ~/.local/share/signpost",
            "Folder for the default SQLite database and the voice-note cache."),
    Setting("DATABASE_URL", "sqlite:///<data dir>/signpost.db",
            "The shared case file database. Use postgresql+psycopg://user@host/db for PostgreSQL."),
    Setting("SIGNPOST_CONTENT_DIR", "content/ in this repository",
            "The editors' folder: glossary, journeys, templates and translations."),
    Setting("SIGNPOST_VOICE_TIMEOUT", "10",
            "Seconds one voice note may take to make before the person is told speech is not available."),
    Setting("SIGNPOST_VOICE_CACHE_DIR", "<data dir>/voice-cache",
            "Folder for voice notes already made, and Telegram's ids for them, so each is made once."),
    Setting("SIGNPOST_LINK_CODE_DAYS", "14",
            "How many days a new link code works for before it runs out."),
    Setting("SIGNPOST_LINK_CODE_PEPPER", "(built-in)",
            "Secret mixed into link-code hashes. Set it in production and keep it out of the database."),
)


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    content_dir: Path
    voice_timeout_seconds: float = 10.0
    voice_cache_dir: Path | None = None
    link_code_days: int = 14
    link_code_pepper: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("SIGNPOST_DATA_DIR") or _default_data_dir(env))
        database_url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'signpost.db'}"
        content_dir = Path(env.get("SIGNPOST_CONTENT_DIR") or REPO_ROOT / "content")
        voice_timeout_seconds = _positive_float(env.get("SIGNPOST_VOICE_TIMEOUT"), default=10.0)
        voice_cache_dir = Path(env.get("SIGNPOST_VOICE_CACHE_DIR") or data_dir / "voice-cache")
        link_code_days = int(_positive_float(env.get("SIGNPOST_LINK_CODE_DAYS"), default=14))
        link_code_pepper = env.get("SIGNPOST_LINK_CODE_PEPPER") or ""
        return cls(data_dir=data_dir, database_url=database_url, content_dir=content_dir,
                   voice_timeout_seconds=voice_timeout_seconds, voice_cache_dir=voice_cache_dir,
                   link_code_days=link_code_days, link_code_pepper=link_code_pepper)
