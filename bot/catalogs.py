"""The translators' side of languages: which fixed strings exist, and which each catalog still lacks.

Strings are found in the Python code (`_("...")`, `gettext`, `ngettext`) and in every template
under content/templates (`{% trans %}`). `signpost content translations` lists what is missing;
with `--update` it adds the new strings to each `.po` file so translators can fill them in.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po
from jinja2 import TemplateSyntaxError
from jinja2.ext import babel_extract

from bot import i18n
from bot.settings import REPO_ROOT

CODE_DIRS = ("bot", "journeys", "glossary", "casefile")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}
# Not silent: a template with a mistake must stop the extraction, or `--update` would drop its strings
# (and their translations) as if nobody used them any more.
_JINJA_OPTIONS = {
    "trim_blocks": "true",
    "lstrip_blocks": "true",
    "extensions": "jinja2.ext.i18n",
    "silent": "false",
}
# Babel's gettext table gives Polish its usual 3 forms but Welsh only 5, with 0 sharing a form with 4, 5,
# 7...; CLDR has 6 Welsh forms (zero, one, two, few, many, other), and the words after 0 differ ("0 cŵn",
# "4 ci"). New catalogs get these headers; an existing file's own Plural-Forms header always wins.
PLURAL_FORMS: dict[str, str] = {
    "cy": "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n==3 ? 3 : n==6 ? 4 : 5);",
}


@dataclass(frozen=True)
class Message:
    msgid: str | tuple[str, str]
    locations: tuple[tuple[str, int], ...]
    # A string that changed a little keeps its old translation, marked fuzzy, for the translator to check.
    has_old_translation: bool = False

    @property
    def text(self) -> str:
        """The English string (its singular form, for a string with plurals)."""
        return self.msgid if isinstance(self.msgid, str) else self.msgid[0]


def source_catalog(content_dir: Path, code_root: Path = REPO_ROOT) -> Catalog:
    """Every fixed string Signpost can show, with where it is used."""
    catalog = Catalog(domain=i18n.DOMAIN, project="Signpost")
    for folder in CODE_DIRS:
        for path in sorted((code_root / folder).rglob("*.py")):
            for lineno, message, _comments, _context in extract_from_file("python", str(path), keywords=KEYWORDS):
                catalog.add(message, locations=[(str(path.relative_to(code_root)), lineno)])
    for path in sorted((content_dir / "templates").rglob("*.j2")):
        shown = str(path.relative_to(content_dir.parent)) if content_dir.parent in path.parents else str(path)
        with path.open("rb") as handle:
            try:
                found = list(babel_extract(handle, tuple(KEYWORDS), [], _JINJA_OPTIONS))
            except TemplateSyntaxError as problem:
                problem.filename = shown  # the extractor reads a stream, so it cannot know the file's name
                raise
        for lineno, _func, said, _comments in found:
            # None is a call on something other than fixed text (`_(name)`): nothing to translate, as Babel
            # itself skips for Python code.
            if said is not None:
                catalog.add(_as_msgid(said), locations=[(shown, lineno)])
    return catalog


def _as_msgid(message: str | Sequence[str | None]) -> str | tuple[str, str]:
    if isinstance(message, str):
        return message
    singular, plural = message[0] or "", message[1] or ""
    return (singular, plural)


def read_catalog(content_dir: Path, language: str) -> Catalog:
    path = i18n.catalog_path(content_dir / "locale", language)
    if not path.exists():
        catalog = Catalog(locale=language, domain=i18n.DOMAIN, project="Signpost")
        if language in PLURAL_FORMS:
            catalog.mime_headers = [("Plural-Forms", PLURAL_FORMS[language])]
        return catalog
    with path.open("rb") as handle:
        # Strict: a line Babel cannot understand stops here, so `update` never rewrites (and loses) it.
        return read_po(handle, locale=language, abort_invalid=True)


def missing_messages(content_dir: Path, language: str, source: Catalog | None = None) -> list[Message]:
    """Source strings the language's catalog has no (or only a fuzzy) translation for, with where they are used."""
    source = source or source_catalog(content_dir)
    translated = read_catalog(content_dir, language)
    gaps: list[Message] = []
    for message in source:
        if not message.id:
            continue
        found = translated.get(message.id)
        if found is None or found.fuzzy or not _fully_translated(message.id, found.string):
            gaps.append(
                Message(
                    msgid=_as_msgid(message.id),
                    locations=tuple((path, int(line or 0)) for path, line in message.locations),
                    has_old_translation=found is not None and any(_strings(found.string)),
                )
            )
    return gaps


def missing(content_dir: Path, language: str, source: Catalog | None = None) -> list[str]:
    """The English text of each source string the language's catalog has no (or only a fuzzy) translation for."""
    return [message.text for message in missing_messages(content_dir, language, source)]


def _strings(string: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    if isinstance(string, tuple | list):
        return tuple(string)
    return (string,) if string else ()


def _fully_translated(msgid: str | tuple[str, ...] | list[str], string: str | tuple[str, ...] | list[str] | None) -> bool:
    # A string with plurals needs every plural form (Babel pads forms the file lacks with "");
    # a translation of the wrong shape is left over from before the English changed.
    wants_plurals = not isinstance(msgid, str)
    has_plurals = isinstance(string, tuple | list)
    if wants_plurals != has_plurals:
        return False
    strings = _strings(string)
    return bool(strings) and all(strings)


def update(content_dir: Path, language: str, source: Catalog | None = None) -> Path:
    """Add new source strings to a language's `.po` file, keeping every translation it has.

    A string whose English changed a little keeps its old translation marked fuzzy: it counts as missing
    (and is not shown to anyone) until a translator checks it and removes the fuzzy mark.
    """
    source = source or source_catalog(content_dir)
    catalog = read_catalog(content_dir, language)
    created = catalog.creation_date
    catalog.update(source, no_fuzzy_matching=False)
    path = i18n.catalog_path(content_dir / "locale", language)
    # Nothing new: leave the file alone, so a routine run does not change its date line in git. The
    # header is not compared: it carries the date and the Babel version, which differ between machines.
    catalog.creation_date = created
    if path.exists() and _po_bytes(catalog, header=False) == _po_bytes(read_catalog(content_dir, language),
                                                                       header=False):
        return path
    catalog.creation_date = source.creation_date
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the file and swap it in, so a crash half-way never leaves a cut-off catalog.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(_po_bytes(catalog))
        os.chmod(temporary, 0o644)  # mkstemp makes it private; a catalog is ordinary shared content
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _po_bytes(catalog: Catalog, *, header: bool = True) -> bytes:
    buffer = io.BytesIO()
    # File names without line numbers: an edit that moves a string down a template does not touch the
    # catalogs, so they change only when a string is added, changed or removed.
    write_po(buffer, catalog, width=100, omit_header=not header, sort_output=False, ignore_obsolete=True,
             include_lineno=False)
    return buffer.getvalue()
