"""Languages: gettext catalogs read from content/locale, and dates shown in Europe/London.

Catalogs are the editors' `.po` files, compiled in memory when first used, so there is no build step.
English is the source language: its strings are the msgids themselves.
"""

from __future__ import annotations

import gettext
import io
import time
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from casefile.clock import LONDON

LANGUAGES: tuple[str, ...] = ("en", "cy", "pl")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "cy": "Cymraeg", "pl": "Polski"}
DOMAIN = "signpost"


def choose_language(hint: str | None) -> str:
    """Best supported language for a hint such as Telegram's `language_code` ("pl", "en-GB", "cy")."""
    if not hint:
        return DEFAULT_LANGUAGE
    base = hint.replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


def catalog_path(locale_dir: Path, language: str) -> Path:
    return locale_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=32)
def _load(locale_dir: Path, language: str, mtime_ns: int) -> gettext.NullTranslations:
    path = catalog_path(locale_dir, language)
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


_ENGLISH = gettext.NullTranslations()
_RECHECK_SECONDS = 1.0  # a translator's saved change shows within a second, without a stat per string
_recent: dict[tuple[Path, str], tuple[float, gettext.NullTranslations]] = {}


def translations(locale_dir: Path, language: str) -> gettext.NullTranslations:
    """The catalog for a language; English (and a missing catalog) gives the source strings."""
    if language == DEFAULT_LANGUAGE:
        return _ENGLISH
    key = (locale_dir, language)
    now = time.monotonic()
    recent = _recent.get(key)
    if recent is not None and now - recent[0] < _RECHECK_SECONDS:
        return recent[1]
    path = catalog_path(locale_dir, language)
    found = _load(locale_dir, language, path.stat().st_mtime_ns) if path.exists() else _ENGLISH
    _recent[key] = (now, found)
    return found


@lru_cache(maxsize=8)
def _babel_locale(language: str) -> Locale:
    return Locale.parse({"en": "en_GB", "cy": "cy_GB", "pl": "pl_PL"}.get(language, "en_GB"))


@lru_cache(maxsize=4096)  # the same few dates are shown again and again
def long_date(day: date, language: str) -> str:
    """'Wednesday 3 March 2027' in the person's language."""
    return format_date(day, format="EEEE d MMMM y", locale=_babel_locale(language))


@lru_cache(maxsize=4096)  # the same few dates are shown again and again
def short_time(moment: datetime, language: str) -> str:
    """'10:30' on the London clock."""
    return format_time(moment.astimezone(LONDON), format="HH:mm", locale=_babel_locale(language))


@lru_cache(maxsize=4096)  # the same few dates are shown again and again
def long_datetime(moment: datetime, language: str) -> str:
    """'Wednesday 3 March 2027 at 10:30' on the London clock, in the person's language."""
    local = moment.astimezone(LONDON)
    return format_datetime(local, format="EEEE d MMMM y, HH:mm", locale=_babel_locale(language))
