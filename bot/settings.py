"""Every setting Signpost reads from the environment, in one place.

The README's settings table lists the same names; a test keeps the two in step.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
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
    Setting("TELEGRAM_BOT_TOKEN", "(none)",
            "The bot's token from BotFather. `signpost serve` needs it; the terminal chat does not."),
    Setting("SIGNPOST_TELEGRAM_API_URL", "https://api.telegram.org",
            "Another Bot API server: a self-hosted one, or a local stand-in in tests."),
    Setting("SIGNPOST_WEBHOOK_URL", "(none: long polling)",
            "Public HTTPS address Telegram sends updates to. When set, `signpost serve` uses a webhook."),
    Setting("SIGNPOST_WEBHOOK_SECRET", "(none)",
            "Secret Telegram sends in the X-Telegram-Bot-Api-Secret-Token header; other requests are refused."),
    Setting("SIGNPOST_WEBHOOK_LISTEN", "127.0.0.1:8443",
            "Address and port the webhook server listens on (behind your HTTPS proxy)."),
    Setting("SIGNPOST_TELEGRAM_RATE", "30",
            "Most chat replies sent per second overall (Telegram's own limit is about 30)."),
    Setting("SIGNPOST_REMINDER_OFFSETS", "24h,2h",
            "How long before an appointment its reminders go, comma separated (m, h or d)."),
    Setting("SIGNPOST_REMINDER_KIND_OFFSETS", "(none)",
            "Other offsets for some kinds of appointment, e.g. `health=48h,2h;jobcentre=24h`."),
    Setting("SIGNPOST_QUIET_HOURS", "21:00-08:00",
            "No reminders strictly between these times (Europe/London); one due then goes at an edge."),
    Setting("SIGNPOST_MISSED_FOLLOW_UP", "30m",
            "How long after an appointment is marked missed the \"Missed it?\" message goes."),
    Setting("SIGNPOST_REMINDER_MAX_ATTEMPTS", "5",
            "Tries before a reminder is marked failed and the lead professional is told."),
    Setting("SIGNPOST_REMINDER_LEASE_SECONDS", "60",
            "How long a dispatcher holds claimed reminders; after a crash others send them once this runs out."),
    Setting("SIGNPOST_SEND_PER_SECOND", "29.5",
            "Messages a second the dispatcher sends at most; a higher value is held to Telegram's limit of 30."),
    Setting("SIGNPOST_BOT_USERNAME", "signpost_bot",
            "The bot's Telegram username, for the QR code on a printed link-code card."),
    Setting("SIGNPOST_WEB_SECRET", "(random each start)",
            "Secret that signs staff console sessions. Set it so sign-ins survive a restart; keep it private."),
    Setting("SIGNPOST_WEB_WORKERS", "(number of CPU cores)",
            "Processes `signpost web` serves the staff console with. 1 keeps it to one process."),
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
    telegram_token: str | None = None
    telegram_api_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_listen: str = "127.0.0.1:8443"
    telegram_rate: float = 30.0
    reminder_max_attempts: int = 5
    reminder_lease_seconds: float = 60.0
    send_per_second: float = 29.5
    bot_username: str = "signpost_bot"
    web_secret: str | None = None
    web_workers: int = 1

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
                   link_code_days=link_code_days, link_code_pepper=link_code_pepper,
                   telegram_token=env.get("TELEGRAM_BOT_TOKEN") or None,
                   telegram_api_url=env.get("SIGNPOST_TELEGRAM_API_URL") or None,
                   webhook_url=env.get("SIGNPOST_WEBHOOK_URL") or None,
                   webhook_secret=env.get("SIGNPOST_WEBHOOK_SECRET") or None,
                   webhook_listen=env.get("SIGNPOST_WEBHOOK_LISTEN") or "127.0.0.1:8443",
                   telegram_rate=_positive_float(env.get("SIGNPOST_TELEGRAM_RATE"), default=30.0),
                   reminder_max_attempts=int(_positive_float(env.get("SIGNPOST_REMINDER_MAX_ATTEMPTS"), 5)),
                   reminder_lease_seconds=_positive_float(env.get("SIGNPOST_REMINDER_LEASE_SECONDS"), 60.0),
                   send_per_second=min(30.0, _positive_float(env.get("SIGNPOST_SEND_PER_SECOND"), 29.5)),
                   bot_username=(env.get("SIGNPOST_BOT_USERNAME") or "signpost_bot").lstrip("@"),
                   web_secret=env.get("SIGNPOST_WEB_SECRET") or None,
                   web_workers=int(_positive_float(env.get("SIGNPOST_WEB_WORKERS"), default=os.cpu_count() or 1)))
