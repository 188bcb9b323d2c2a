"""What every page handler shares: settings, the database, templates, the session codec, the clock."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from argon2 import PasswordHasher
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader, select_autoescape
from jinja2.runtime import Macro
from markupsafe import Markup, escape
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.i18n import long_date, long_datetime, short_time
from bot.settings import REPO_ROOT, Settings
from casefile.clock import LONDON
from casefile.linking import CodeHasher
from console.locks import ProcessLock, lock_for_content
from console.security import SessionCodec, SignInThrottle
from glossary.live import LiveGlossary
from journeys.live import LiveJourneys

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
GOVUK_DIST = REPO_ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"


# Dates and times on the console repeat from page to page (the same appointments, over and over), and
# Babel's formatting is the dearest thing in a table row: remember the last few thousand answers.
_DATE_MEMORY = 8192


@functools.lru_cache(maxsize=_DATE_MEMORY)
def _long_date(day: date | None) -> str:
    return long_date(day, "en") if day else ""


@functools.lru_cache(maxsize=_DATE_MEMORY)
def _long_datetime(moment: datetime | None) -> str:
    return long_datetime(moment, "en") if moment else ""


@functools.lru_cache(maxsize=_DATE_MEMORY)
def _short_time(moment: datetime | None) -> str:
    return short_time(moment, "en") if moment else ""


def _london_input(moment: datetime | None) -> str:
    return moment.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M") if moment else ""


@functools.cache
def make_templates() -> Environment:
    """One template environment per process: compiling the GOV.UK macros takes a while, and they never change.

    The console's templates are code, shipped with it, so they are never re-read from disk while it runs
    (auto_reload off): otherwise every page and every macro import would check the file's time again.
    """
    loader = ChoiceLoader([
        FileSystemLoader(TEMPLATES_DIR),
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
    ])
    # finalize: a missing value prints as nothing, never as the word "None" (a booking form once started
    # with "None" in What to bring, which was saved and reached the person).
    env = Environment(loader=loader, autoescape=select_autoescape(("html", "svg"), default=True),
                      trim_blocks=True, lstrip_blocks=True, auto_reload=False,
                      finalize=lambda value: "" if value is None else value)
    env.filters["long_date"] = _long_date
    env.filters["long_datetime"] = _long_datetime
    env.filters["short_time"] = _short_time
    env.filters["london_input"] = _london_input
    env.filters["words"] = lambda key: (key or "").replace("_", " ")
    env.filters["lines"] = one_per_line
    env.globals["tag"] = _tag_maker(env)
    return env


def one_per_line(messages: list[str]) -> Markup:
    """Messages one to a line, each escaped. (Jinja's join escapes its separator once any item is markup,
    so `map("e")|join("<br>")` showed a literal <br>.)"""
    return Markup("<br>").join(escape(message) for message in messages)


def _tag_maker(env: Environment) -> Callable[..., Markup]:
    """`tag(text, classes)`: GOV.UK's govukTag, made once per wording (a table shows the same few tags)."""
    # A template module's macros are attributes it gets when it runs, so they are looked up by name.
    macro: Macro = vars(env.get_template("govuk_frontend_jinja/components/tag/macro.html").module)["govukTag"]

    @functools.lru_cache(maxsize=1024)
    def tag(text: str, classes: str = "") -> Markup:
        return Markup(macro({"text": text, "classes": classes} if classes else {"text": text}))

    return tag


@dataclass
class WebContext:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    templates: Environment
    codec: SessionCodec
    hasher: PasswordHasher
    link_hasher: CodeHasher  # link codes' hasher, with the pepper from the settings (tests pass a cheaper one)
    glossary: LiveGlossary
    journeys: LiveJourneys  # stages, money steps and bank holidays, kept last-good like the glossary
    throttle: SignInThrottle  # in the database, shared by every console process
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    # Only one content save at a time, in any of the console's processes: two editors saving the same
    # file must not lose each other's work. Made from the content folder when the context is.
    content_lock: ProcessLock = field(init=False)

    def __post_init__(self) -> None:
        self.content_lock = lock_for_content(self.settings.content_dir)

    def now(self) -> datetime:
        return self.clock().astimezone(UTC)

    def today(self) -> date:
        return self.now().astimezone(LONDON).date()

    @property
    def content_dir(self) -> Path:
        return self.settings.content_dir
