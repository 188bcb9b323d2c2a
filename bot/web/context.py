"""What every page handler shares: settings, the database, templates, the session codec, the clock."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from argon2 import PasswordHasher
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader, select_autoescape
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.i18n import LONDON, long_date, long_datetime, short_time
from bot.settings import REPO_ROOT, Settings
from bot.web.security import SessionCodec, SignInThrottle
from casefile.linking import CodeHasher
from glossary.live import LiveGlossary

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
GOVUK_DIST = REPO_ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"


@functools.cache
def make_templates() -> Environment:
    """One template environment per process: compiling the GOV.UK macros takes a while, and they never change."""
    loader = ChoiceLoader([
        FileSystemLoader(TEMPLATES_DIR),
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
    ])
    env = Environment(loader=loader, autoescape=select_autoescape(("html", "svg"), default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["long_date"] = lambda day: long_date(day, "en") if day else ""
    env.filters["long_datetime"] = lambda moment: long_datetime(moment, "en") if moment else ""
    env.filters["short_time"] = lambda moment: short_time(moment, "en") if moment else ""
    env.filters["london_input"] = lambda moment: moment.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M") if moment else ""
    env.filters["words"] = lambda key: (key or "").replace("_", " ")
    return env


@dataclass
class WebContext:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    templates: Environment
    codec: SessionCodec
    hasher: PasswordHasher
    glossary: LiveGlossary
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    link_hasher: CodeHasher | None = None
    throttle: SignInThrottle = field(default_factory=SignInThrottle)
    # Only one content save at a time: two editors saving the same file must not lose each other's work.
    content_lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> datetime:
        return self.clock().astimezone(UTC)

    def today(self) -> date:
        return self.now().astimezone(LONDON).date()

    @property
    def content_dir(self) -> Path:
        return self.settings.content_dir
