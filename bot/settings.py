"""Every setting Signpost reads from the environment, in one place.

SETTINGS is the one table (Datasette's single SETTINGS list is the model). Each row names the
variable, the `Settings` field it fills, its default written once (as it would be set in the
environment, so the README shows exactly that), how to read it and what it means. `Settings.from_env`
fills every field from the table, and the README's settings table is made from it (a test keeps the
two in step). Nothing else reads these variables: the case file is handed what it needs (the
reminder policy, the link-code hasher) by whoever builds it from the settings.

A blank value keeps the default. A number that cannot be read keeps the default too (as Signpost
always has); a reminder setting that cannot be read stops start-up with a SettingError naming it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from casefile.linking import DEFAULT_DAYS, CodeHasher
from casefile.reminder_rules import (
    QuietHours,
    ReminderPolicy,
    parse_duration,
    parse_kind_offsets,
    parse_offsets,
    parse_quiet_hours,
)
from casefile.retention import Retention

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTIFY_SEND_LIMIT = 3000.0  # requests a minute, GOV.UK Notify's own limit for one API key
SEND_BUDGETS = ("database", "local")


class SettingError(ValueError):
    """A setting that cannot be used; the message names the variable and says how to write it."""


def positive_float(raw: str) -> float:
    value = float(raw)
    if not value > 0:  # also refuses nan
        raise ValueError(f"{raw!r} is not above 0")
    return value


def positive_int(raw: str) -> int:
    value = int(positive_float(raw))
    if value < 1:
        raise ValueError(f"{raw!r} is less than 1")
    return value


@dataclass(frozen=True)
class TelegramLimits:
    """Telegram's flood limits for one bot: messages a second overall, and to any one chat."""

    overall: float
    per_chat: float


def telegram_limits(raw: str) -> TelegramLimits:
    parts = [part.strip() for part in raw.split(",")]
    if len(parts) != 2:
        raise ValueError("write two numbers: messages a second overall, then to one chat (like 30,1)")
    return TelegramLimits(positive_float(parts[0]), positive_float(parts[1]))


def send_budget(raw: str) -> str:
    value = raw.strip().lower()
    if value not in SEND_BUDGETS:
        raise ValueError(f"use one of {', '.join(SEND_BUDGETS)}")
    return value


def sms_rate(raw: str) -> float:
    return min(NOTIFY_SEND_LIMIT, positive_float(raw))


def notify_api_key(raw: str) -> str:
    """A Notify API key is "name-serviceid-secret": the last 73 characters are two UUIDs joined by "-"."""
    import uuid

    key = raw.strip()
    try:
        uuid.UUID(key[-73:-37])
        uuid.UUID(key[-36:])
    except ValueError:
        raise ValueError("paste the whole API key from Notify's API integration page "
                         "(it ends with two long codes like 26785a09-ab16-4eb0-8407-a37497a57506)") from None
    if key[-37] != "-":
        raise ValueError("the key's two long codes should be joined by \"-\"")
    return key


def username(raw: str) -> str:
    return raw.lstrip("@")


def web_secret(raw: str) -> str:
    if len(raw.strip()) < 16:
        raise ValueError("use at least 16 random characters (for example: openssl rand -base64 32)")
    return raw.strip()


def address_list(raw: str) -> tuple[str, ...]:
    """Comma-separated IP addresses or networks (203.0.113.7, 10.0.0.0/8), or * for any."""
    import ipaddress

    items = tuple(item.strip() for item in raw.split(",") if item.strip())
    for item in items:
        if item != "*":
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or network (like 10.0.0.1 or 10.0.0.0/8)") from None
    return items


def public_url(raw: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError("write the console's address like https://console.example.org")
    return raw.strip().rstrip("/")


LOG_FORMATS = ("text", "json")


def log_format(raw: str) -> str:
    chosen = raw.strip().lower()
    if chosen not in LOG_FORMATS:
        raise ValueError(f"write {' or '.join(LOG_FORMATS)}")
    return chosen


def listen_address(raw: str) -> tuple[str, int]:
    """host:port, like 127.0.0.1:9464 (a bare :9464 listens on 127.0.0.1)."""
    host, colon, port = raw.strip().rpartition(":")
    if not colon or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError("write an address and port, like 127.0.0.1:9464")
    return host.strip("[]") or "127.0.0.1", int(port)


# A default worked out at start-up: from the environment and the settings read before it.
Computed = Callable[[Mapping[str, str], Mapping[str, Any]], Any]


def _data_dir(env: Mapping[str, str], _read: Mapping[str, Any]) -> Path:
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "signpost"


@dataclass(frozen=True)
class Setting:
    """One environment variable and the `Settings` field it fills.

    `default` is the value as it would be written in the environment (None: not set). Where the
    default is worked out at start-up instead, `computed` works it out and `shown` says how, for the
    README; `shown` may also put words to a default of None. `parse` reads a value and raises
    ValueError on one it cannot use; `strict` settings then stop start-up, the others keep the default.
    """

    name: str
    field: str
    default: str | None
    meaning: str
    parse: Callable[[str], Any] = str
    strict: bool = False
    computed: Computed | None = None
    shown: str | None = None
    # Holds the value read (or the default) within what earlier settings allow.
    bound: Callable[[Any, Mapping[str, Any]], Any] | None = None

    @property
    def readme_default(self) -> str:
        """The default as the README's settings table shows it."""
        if self.shown is not None:
            return self.shown
        return self.default or "(none)"

    def default_value(self, env: Mapping[str, str], read: Mapping[str, Any]) -> Any:
        if self.computed is not None:
            return self.computed(env, read)
        return None if self.default is None else self.parse(self.default)

    def read(self, env: Mapping[str, str], read: Mapping[str, Any]) -> Any:
        value = self._read(env, read)
        return value if self.bound is None else self.bound(value, read)

    def _read(self, env: Mapping[str, str], read: Mapping[str, Any]) -> Any:
        raw = env.get(self.name)
        if not raw or not raw.strip():
            return self.default_value(env, read)
        try:
            return self.parse(raw)
        except ValueError as problem:
            if self.strict:
                raise SettingError(f"{self.name}={raw!r} cannot be used: {problem}") from problem
            return self.default_value(env, read)


SETTINGS: tuple[Setting, ...] = (
    Setting("SIGNPOST_DATA_DIR", "data_dir", None,
            "Folder for the default SQLite database and the voice-note cache.",
            parse=Path, computed=_data_dir, shown="$XDG_DATA_HOME/signpost or ~/.local/share/signpost"),
    Setting("DATABASE_URL", "database_url", None,
            "The shared case file database. Use postgresql+psycopg://user@host/db for PostgreSQL.",
            computed=lambda _env, read: f"sqlite:///{read['data_dir'] / 'signpost.db'}",
            shown="sqlite:///<data dir>/signpost.db"),
    Setting("SIGNPOST_SQLITE_BUSY_SECONDS", "sqlite_busy_seconds", "30",
            "Seconds a SQLite writer waits for another to finish before saying the case file is busy.",
            parse=positive_float),
    Setting("SIGNPOST_CONTENT_DIR", "content_dir", None,
            "The editors' folder: glossary, journeys, templates and translations.",
            parse=Path, computed=lambda _env, _read: REPO_ROOT / "content", shown="content/ in this repository"),
    Setting("SIGNPOST_VOICE_TIMEOUT", "voice_timeout_seconds", "10",
            "Seconds one voice note may take to make before the person is told speech is not available.",
            parse=positive_float),
    Setting("SIGNPOST_VOICE_CACHE_DIR", "voice_cache_dir", None,
            "Folder for voice notes already made, and Telegram's ids for them, so each is made once.",
            parse=Path, computed=lambda _env, read: read["data_dir"] / "voice-cache", shown="<data dir>/voice-cache"),
    # The case file's own default, for its callers that have no settings (tests, tools).
    Setting("SIGNPOST_LINK_CODE_DAYS", "link_code_days", str(DEFAULT_DAYS),
            "How many days a new link code works for before it runs out.",
            parse=positive_int),
    Setting("SIGNPOST_LINK_CODE_PEPPER", "link_code_pepper", "",
            "Secret mixed into link-code hashes. Set it in production and keep it out of the database."),
    Setting("TELEGRAM_BOT_TOKEN", "telegram_token", None,
            "The bot's token from BotFather. `signpost serve` needs it; the terminal chat does not."),
    Setting("SIGNPOST_TELEGRAM_API_URL", "telegram_api_url", "https://api.telegram.org",
            "Another Bot API server: a self-hosted one, or a local stand-in in tests."),
    Setting("SIGNPOST_WEBHOOK_URL", "webhook_url", None,
            "Public HTTPS address Telegram sends updates to. When set, `signpost serve` uses a webhook.",
            shown="(none: long polling)"),
    Setting("SIGNPOST_WEBHOOK_SECRET", "webhook_secret", None,
            "Secret Telegram sends in the X-Telegram-Bot-Api-Secret-Token header; other requests are refused."),
    Setting("SIGNPOST_WEBHOOK_LISTEN", "webhook_listen", "127.0.0.1:8443",
            "Address and port the webhook server listens on (behind your HTTPS proxy)."),
    Setting("SIGNPOST_TELEGRAM_LIMITS", "telegram_limits", "30,1",
            "Telegram's flood limits for one bot that Signpost keeps under: messages a second overall, then to one "
            "chat. Change them only for a Bot API server with other limits (a test stand-in).",
            parse=telegram_limits, strict=True),
    Setting("SIGNPOST_SEND_BUDGET", "send_budget", "database",
            "How processes share Telegram's limits. `database`: on PostgreSQL every process takes its sends from "
            "one budget there; on SQLite, which cannot share one, it is as `local`. `local`: each process paces "
            "itself, and only the process holding the sending lease sends reminders.",
            parse=send_budget, strict=True),
    Setting("SIGNPOST_TELEGRAM_RATE", "telegram_rate", "30",
            "Most chat replies sent per second overall (Telegram's own limit is about 30).",
            parse=positive_float),
    Setting("SIGNPOST_TELEGRAM_SEND_TIMEOUT", "telegram_send_timeout", "20",
            "Seconds a message sent to Telegram waits for its answer. Telegram can take several seconds when "
            "busy; a send with no answer in this time may have arrived, so it is tried again only later.",
            parse=positive_float),
    Setting("SIGNPOST_REMINDER_OFFSETS", "reminder_offsets", "24h,2h",
            "How long before an appointment its reminders go, comma separated (m, h or d).",
            parse=parse_offsets, strict=True),
    Setting("SIGNPOST_REMINDER_KIND_OFFSETS", "reminder_kind_offsets", "",
            "Other offsets for some kinds of appointment, e.g. `health=48h,2h;jobcentre=24h`.",
            parse=parse_kind_offsets, strict=True),
    Setting("SIGNPOST_QUIET_HOURS", "quiet_hours", "21:00-08:00",
            "No reminders strictly between these times (Europe/London); one due then goes at an edge.",
            parse=parse_quiet_hours, strict=True),
    Setting("SIGNPOST_MISSED_FOLLOW_UP", "missed_follow_up", "30m",
            "How long after an appointment is marked missed the \"Missed it?\" message goes.",
            parse=parse_duration, strict=True),
    Setting("SIGNPOST_REMINDER_MAX_ATTEMPTS", "reminder_max_attempts", "5",
            "Tries before a reminder is marked failed and the lead professional is told.",
            parse=positive_int),
    Setting("SIGNPOST_REMINDER_LEASE_SECONDS", "reminder_lease_seconds", "60",
            "How long a dispatcher holds claimed reminders; after a crash others send them once this runs out.",
            parse=positive_float),
    Setting("SIGNPOST_SEND_PER_SECOND", "send_per_second", "29.5",
            "Messages a second sent at most (reminders; with a database budget, replies and reminders of every "
            "process together); a higher value is held to Telegram's overall limit.",
            parse=positive_float, bound=lambda value, read: min(value, read["telegram_limits"].overall)),
    Setting("SIGNPOST_NOTIFY_API_KEY", "notify_api_key", None,
            "GOV.UK Notify API key for text messages (name-serviceid-secret). Without it no texts are sent.",
            parse=notify_api_key, strict=True),
    Setting("SIGNPOST_NOTIFY_TEMPLATE_ID", "notify_template_id", None,
            "The Notify text message template whose whole body is ((body)): Signpost's own words go in it."),
    Setting("SIGNPOST_NOTIFY_SENDER_ID", "notify_sender_id", None,
            "Which of the Notify service's text message senders to use (its id). Empty: the service's default."),
    Setting("SIGNPOST_NOTIFY_BASE_URL", "notify_base_url", "https://api.notifications.service.gov.uk",
            "Another Notify API address: a local stand-in in tests, or a self-hosted one."),
    Setting("SIGNPOST_NOTIFY_CALLBACK_TOKEN", "notify_callback_token", None,
            "The bearer token Notify sends with delivery receipts and received texts; other callbacks are refused."),
    Setting("SIGNPOST_NOTIFY_CALLBACK_LISTEN", "notify_callback_listen", "127.0.0.1:8445",
            "Address and port `signpost serve` takes Notify's callbacks on (behind your HTTPS proxy), "
            "e.g. delivery receipts at /notify/delivery-receipts."),
    Setting("SIGNPOST_SMS_PER_MINUTE", "sms_per_minute", "2700",
            "Texts a minute the dispatcher sends at most; a higher value is held to Notify's limit of 3,000.",
            parse=sms_rate),
    Setting("SIGNPOST_SMS_PER_DAY", "sms_per_day", "250000",
            "Texts a day (London day) the dispatcher sends at most: set it to the Notify service's daily limit.",
            parse=positive_int),
    # How long rows are kept (casefile/retention.py); `signpost db prune` and the dispatcher, once a day, forget
    # the rest. The README's operator section says why each default.
    Setting("SIGNPOST_KEEP_SENT_REMINDERS_DAYS", "keep_sent_reminders_days", "400",
            "Days a sent, failed or cancelled message's record is kept after its time, then deleted.",
            parse=positive_int),
    Setting("SIGNPOST_KEEP_MESSAGE_DETAILS_DAYS", "keep_message_details_days", "30",
            "Days a finished message keeps its details (a worker's words, Telegram's message id, the last error); "
            "then they are cleared and only the record that it went is kept.",
            parse=positive_int),
    Setting("SIGNPOST_KEEP_CASE_UPDATES_DAYS", "keep_case_updates_days", "730",
            "Days a case update (what changed in a file, and who changed it) is kept, then deleted.",
            parse=positive_int),
    Setting("SIGNPOST_KEEP_AUDIT_DAYS", "keep_audit_days", "2557",
            "Days an audit event (who read or wrote what) is kept, then deleted; never less than the longest "
            "of the other SIGNPOST_KEEP_ settings.",
            parse=positive_int),
    Setting("SIGNPOST_BOT_USERNAME", "bot_username", "signpost_bot",
            "The bot's Telegram username, for the QR code on a printed link-code card.",
            parse=username),
    Setting("SIGNPOST_WEB_SECRET", "web_secret", None,
            "Secret that signs staff console sessions. Set it so sign-ins survive a restart; keep it private.",
            parse=web_secret, strict=True, shown="(random each start)"),
    Setting("SIGNPOST_WEB_WORKERS", "web_workers", None,
            "Processes `signpost web` serves the staff console with. 1 keeps it to one process.",
            parse=positive_int, computed=lambda _env, _read: os.cpu_count() or 1, shown="(number of CPU cores)"),
    Setting("SIGNPOST_FORWARDED_ALLOW_IPS", "forwarded_allow_ips", "",
            "Reverse proxies whose X-Forwarded-For and X-Forwarded-Proto the console believes, comma separated "
            "(as uvicorn's --forwarded-allow-ips). Empty: none.",
            parse=address_list, strict=True),
    Setting("SIGNPOST_PUBLIC_URL", "public_url", "http://127.0.0.1:8000",
            "The staff console's public address, for the sign-in links Signpost prints (never the request's Host).",
            parse=public_url, strict=True),
    Setting("SIGNPOST_LOG_FORMAT", "log_format", "text",
            "How `signpost serve`, `signpost reminders run` and `signpost web` write their logs: text, or json "
            "(one JSON object a line). Neither has names, phone numbers or chat text in it.",
            parse=log_format, strict=True),
    Setting("SIGNPOST_METRICS_LISTEN", "metrics_listen", None,
            "Address and port (like 127.0.0.1:9464) where `signpost serve` and `signpost reminders run` answer "
            "/healthz and /metrics. Keep it on a private network.",
            parse=listen_address, strict=True, shown="(none: no listener)"),
    Setting("SIGNPOST_METRICS_TOKEN", "metrics_token", None,
            "Secret Prometheus sends as `Authorization: Bearer ...` to read /metrics. The console serves /metrics "
            "only when it is set; the metrics listener asks for it when it is set.",
            parse=web_secret, strict=True),
)


def child_environment() -> dict[str, str]:
    """The environment a helper program Signpost runs (pg_dump, pg_restore) starts with: this process's own."""
    return dict(os.environ)


def setting_for(field_name: str) -> Setting:
    return next(setting for setting in SETTINGS if setting.field == field_name)


def default_of(field_name: str) -> Any:
    """A setting's default, for a part that can also be built without settings (tests, tools)."""
    setting = setting_for(field_name)
    assert setting.computed is None, f"{setting.name}'s default is worked out at start-up"
    return setting.default_value({}, {})


@dataclass(frozen=True)
class Settings:
    """What SETTINGS read, one field per row; make it with `from_env`."""

    data_dir: Path
    database_url: str
    sqlite_busy_seconds: float
    content_dir: Path
    voice_timeout_seconds: float
    voice_cache_dir: Path
    link_code_days: int
    link_code_pepper: str
    telegram_token: str | None
    telegram_api_url: str
    webhook_url: str | None
    webhook_secret: str | None
    webhook_listen: str
    telegram_limits: TelegramLimits
    send_budget: str
    telegram_rate: float
    telegram_send_timeout: float
    reminder_offsets: tuple[timedelta, ...]
    reminder_kind_offsets: Mapping[str, tuple[timedelta, ...]]
    quiet_hours: QuietHours
    missed_follow_up: timedelta
    reminder_max_attempts: int
    reminder_lease_seconds: float
    send_per_second: float
    notify_api_key: str | None
    notify_template_id: str | None
    notify_sender_id: str | None
    notify_base_url: str
    notify_callback_token: str | None
    notify_callback_listen: str
    sms_per_minute: float
    sms_per_day: int
    keep_sent_reminders_days: int
    keep_message_details_days: int
    keep_case_updates_days: int
    keep_audit_days: int
    bot_username: str
    web_secret: str | None
    web_workers: int
    forwarded_allow_ips: tuple[str, ...]
    public_url: str
    log_format: str
    metrics_listen: tuple[str, int] | None
    metrics_token: str | None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Every setting from the environment (os.environ unless given). Raises SettingError."""
        env = os.environ if environ is None else environ
        read: dict[str, Any] = {}
        for setting in SETTINGS:
            read[setting.field] = setting.read(env, read)
        return cls(**read)

    @classmethod
    def built_in(cls) -> Settings:
        """The defaults, whatever the environment says (for tests and tools)."""
        return cls.from_env({})

    @property
    def reminder_policy(self) -> ReminderPolicy:
        """When reminders go, for the case file's appointment writes, the planner and the dispatcher."""
        return ReminderPolicy(offsets=self.reminder_offsets, kind_offsets=self.reminder_kind_offsets,
                              quiet=self.quiet_hours, missed_follow_up=self.missed_follow_up)

    @property
    def retention(self) -> Retention:
        """How long the case file keeps finished messages, their details, case updates and audit events."""
        return Retention(sent_reminders_days=self.keep_sent_reminders_days,
                         message_details_days=self.keep_message_details_days,
                         case_updates_days=self.keep_case_updates_days, audit_days=self.keep_audit_days)

    @property
    def link_hasher(self) -> CodeHasher:
        """How link codes are hashed, with this installation's pepper."""
        return CodeHasher(pepper=self.link_code_pepper)
