"""The translators' side of languages: which fixed strings exist, and which each catalog still lacks.

Strings are found in the Python code (`_("...")`, `gettext`, `ngettext`) and in every template
under content/templates (`{% trans %}`). `signpost content translations` lists what is missing;
with `--update` it adds the new strings to each `.po` file so translators can fill them in.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po
from jinja2.ext import babel_extract

from bot import i18n
from bot.settings import REPO_ROOT

CODE_DIRS = ("bot", "journeys", "glossary", "casefile")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}
_JINJA_OPTIONS = {"trim_blocks": "true", "lstrip_blocks": "true", "extensions": "jinja2.ext.i18n"}


@dataclass(frozen=True)
class Message:
    msgid: str | tuple[str, str]
    locations: tuple[tuple[str, int], ...]


def source_catalog(content_dir: Path, code_root: Path = REPO_ROOT) -> Catalog:
    """Every fixed string Signpost can show, with where it is used."""
    catalog = Catalog(domain=i18n.DOMAIN, project="Signpost")
    for folder in CODE_DIRS:
        for path in sorted((code_root / folder).rglob("*.py")):
            for lineno, message, _comments, _context in extract_from_file("python", str(path), keywords=KEYWORDS):
                catalog.add(message, locations=[(str(path.relative_to(code_root)), lineno)])
    for path in sorted((content_dir / "templates").rglob("*.j2")):
        with path.open("rb") as handle:
            for lineno, _func, message, _comments in babel_extract(handle, KEYWORDS, [], _JINJA_OPTIONS):
                shown = str(path.relative_to(content_dir.parent)) if content_dir.parent in path.parents else str(path)
                catalog.add(_as_msgid(message), locations=[(shown, lineno)])
    return catalog


def _as_msgid(message: str | tuple[str | None, ...]) -> str | tuple[str, str]:
    if isinstance(message, tuple):
        singular, plural = message[0] or "", message[1] or ""
        return (singular, plural)
    return message


def read_catalog(content_dir: Path, language: str) -> Catalog:
    path = i18n.catalog_path(content_dir / "locale", language)
    if not path.exists():
        return Catalog(locale=language, domain=i18n.DOMAIN)
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def missing(content_dir: Path, language: str, source: Catalog | None = None) -> list[str]:
    """Source strings the language's catalog has no (or only a fuzzy) translation for."""
    source = source or source_catalog(content_dir)
    translated = read_catalog(content_dir, language)
    gaps: list[str] = []
    for message in source:
        if not message.id:
            continue
        found = translated.get(message.id)
        strings = found.string if found is not None else None
        values = strings if isinstance(strings, tuple) else (strings,)
        if found is None or found.fuzzy or not all(values):
            gaps.append(message.id if isinstance(message.id, str) else message.id[0])
    return gaps


def update(content_dir: Path, language: str, source: Catalog | None = None) -> Path:
    """Add new source strings to a language's `.po` file, keeping every translation it has."""
    source = source or source_catalog(content_dir)
    catalog = read_catalog(content_dir, language)
    catalog.update(source, no_fuzzy_matching=True)
    path = i18n.catalog_path(content_dir / "locale", language)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, sort_output=False, ignore_obsolete=True)
    return path
