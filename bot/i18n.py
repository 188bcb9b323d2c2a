"""Languages: gettext catalogs read from content/locale, and dates shown in Europe/London.

Catalogs are the editors' `.po` files, compiled in memory when first used, so there is no build step.
English is the source language: its strings are the msgids themselves.
"""

from __future__ import annotations

import gettext
import io
import logging
import re
import threading
import time
from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po

from casefile.clock import LONDON
from glossary.findings import Finding

log = logging.getLogger("signpost.content")

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


# `%(name)s` (templates' {% trans %} and Python's `%`) and `{name}` (Python's str.format).
_PERCENT_PLACEHOLDER = re.compile(r"%\((\w+)\)[sdifr]")
_BRACE_PLACEHOLDER = re.compile(r"(?<!\{)\{(\w+)\}(?!\})")
_LANGUAGE_CATALOG = {"cy": "Welsh", "pl": "Polish"}


def placeholders(text: str) -> set[str]:
    """The names a string fills in: `%(time)s` and `{time}` both give "time"."""
    return set(_PERCENT_PLACEHOLDER.findall(text)) | set(_BRACE_PLACEHOLDER.findall(text))


def placeholder_problems(message_id: str | Sequence[str], string: str | Sequence[str]) -> list[str]:
    """What is wrong with a translation's placeholders against the English, in words for a translator."""
    ids = (message_id,) if isinstance(message_id, str) else tuple(message_id)
    forms = (string,) if isinstance(string, str) else tuple(string)
    allowed = set().union(*(placeholders(text) for text in ids))
    # A plural form may say the number in words ("jedna dawka"), so only %(count)s may be left out.
    required = allowed if len(ids) == 1 else allowed - {"count"}
    percent_style = any(_PERCENT_PLACEHOLDER.search(text) for text in ids)
    shown = "%({})s" if percent_style else "{{{}}}"
    problems = []
    for form in forms:
        if not form:
            continue  # not translated yet: the English is shown
        names = placeholders(form)
        wrong = []
        if names - allowed:
            wrong.append(f"has {_names(names - allowed, shown)}, which the English has not")
        if required - names:
            wrong.append(f"lost {_names(required - names, shown)}")
        if percent_style and not names - allowed:
            try:
                form % dict.fromkeys(allowed, "x")
            except (ValueError, TypeError, KeyError) as broken:  # a stray % or a cut-off %(name)
                wrong.append(f"cannot be filled in ({broken})")
        if wrong:
            problems.append(f"The translation {form!r} {', and '.join(wrong)}")
    return problems


def _names(names: set[str], shown: str) -> str:
    return ", ".join(shown.format(name) for name in sorted(names))


def read_checked_catalog(path: Path, language: str) -> tuple[Catalog | None, list[Finding]]:
    """Read and check one `.po` file: UTF-8, every line understood, compiles, placeholders as the English.

    None when the file cannot be used at all. A translation whose placeholders do not match would break
    the reply it is in (or lose what it says), so it comes back taken out, each with its finding: those
    strings show in English until the translator fixes them.
    """
    name = _LANGUAGE_CATALOG.get(language, language)
    try:
        data = path.read_bytes()
    except OSError as problem:
        return None, [Finding(path, 1, f"Signpost cannot open the {name} catalog ({problem.strerror or problem})",
                              "Check that the file is there and can be read")]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as problem:
        line = data.count(b"\n", 0, problem.start) + 1
        byte = data[problem.start:problem.start + 1].hex()
        return None, [Finding(path, line, f"This line has a byte (0x{byte}) that is not UTF-8 text, so Signpost "
                                          "cannot read the file",
                              "Save the file as UTF-8 (in Poedit or your text editor: Save as, encoding UTF-8), "
                              "and check the letters on this line")]
    try:
        catalog = read_po(io.BytesIO(data), locale=language, abort_invalid=True)
        write_mo(io.BytesIO(), catalog)
    except PoFileError as problem:
        what = str(problem).rsplit(" on ", 1)[0]
        # Babel notices a missing line on the one after: point at the last line with something on it.
        lines = data.decode("utf-8").splitlines()
        index = min(problem.lineno, len(lines) - 1)
        while index > 0 and not lines[index].strip():
            index -= 1
        return None, [Finding(path, index + 1, f"Signpost cannot read this line ({what})",
                              "Fix the line as content/locale/README.md shows (msgid, then msgstr, each text in "
                              "double quotes)")]
    except Exception as problem:  # a header or a plural rule Babel cannot use
        return None, [Finding(path, 1, f"This catalog does not compile ({type(problem).__name__}: {problem})",
                              "Check the header lines at the top, such as Plural-Forms, against "
                              "content/locale/README.md")]
    findings = []
    for message in list(catalog):
        if not message.id or message.fuzzy or not message.string:
            continue
        problems = placeholder_problems(message.id, message.string)
        english = message.id if isinstance(message.id, str) else message.id[0]
        findings += [Finding(path, message.lineno or 1, problem,
                             f"Keep every placeholder of the English {english!r} exactly as it is (you may move "
                             "it in the sentence)") for problem in problems]
        if problems:
            catalog.delete(message.id, message.context)
    return catalog, findings


def _compiled(catalog: Catalog) -> gettext.GNUTranslations:
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


_ENGLISH = gettext.NullTranslations()
_RECHECK_SECONDS = 1.0  # a translator's saved change shows within a second, without a stat per string
# Per (locale folder, language): the file's stamp last read, and the last catalog that passed its check.
_recent: dict[tuple[Path, str], tuple[float, gettext.NullTranslations]] = {}
_read_stamp: dict[tuple[Path, str], tuple[int, int] | None] = {}
_last_good: dict[tuple[Path, str], gettext.NullTranslations] = {}
_folders_read: set[Path] = set()
_reading = threading.Lock()


def translations(locale_dir: Path, language: str) -> gettext.NullTranslations:
    """The catalog for a language; English (and a missing catalog) gives the source strings.

    Keep-last-good, like the glossary (glossary/live.py): a changed catalog is read and checked before it
    is used. One that cannot be read (not UTF-8, a line Babel does not understand, does not compile) is
    logged, one line per problem, and the last good catalog for that language stays in use; if there never
    was a good one, English. So a broken Welsh file never means Welsh speakers get no reply.
    """
    if locale_dir not in _folders_read:
        _read_all(locale_dir)
    if language == DEFAULT_LANGUAGE:
        return _ENGLISH
    key = (locale_dir, language)
    now = time.monotonic()
    recent = _recent.get(key)
    if recent is not None and now - recent[0] < _RECHECK_SECONDS:
        return recent[1]
    with _reading:
        _read_if_changed(locale_dir, language)
        found = _last_good.get(key, _ENGLISH)
        _recent[key] = (now, found)
    return found


def _read_all(locale_dir: Path) -> None:
    """Every language's catalog at first use, so each has a last good version before anyone edits it."""
    with _reading:
        for language in LANGUAGES:
            if language != DEFAULT_LANGUAGE:
                _read_if_changed(locale_dir, language)
        _folders_read.add(locale_dir)


def _read_if_changed(locale_dir: Path, language: str) -> None:
    key = (locale_dir, language)
    path = catalog_path(locale_dir, language)
    try:
        status = path.stat()
        stamp: tuple[int, int] | None = (status.st_mtime_ns, status.st_size)
    except OSError:
        stamp = None
    if key in _read_stamp and _read_stamp[key] == stamp:
        return
    _read_stamp[key] = stamp
    if stamp is None:
        if key in _last_good:
            log.error("%s: the %s catalog is gone, so the last good one is still used. Put the file back.",
                      _shown(path), _LANGUAGE_CATALOG.get(language, language))
        return
    catalog, findings = read_checked_catalog(path, language)
    kept = "the last good one is still used" if key in _last_good else "English is used until it is fixed"
    for finding in findings:
        if catalog is None:
            log.error("%s (%s.)", finding.format(Path.cwd()), f"So {kept}")
        else:
            log.error("%s (%s.)", finding.format(Path.cwd()), "That string shows in English until it is fixed")
    if catalog is not None:
        _last_good[key] = _compiled(catalog)


def _shown(path: Path) -> Path:
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


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
