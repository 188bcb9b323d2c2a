"""Reading the editors' glossary files (`content/glossary/*.yaml`) into a `Glossary`.

Loading is all or nothing: anything that cannot be built into an entry raises `ContentError` with the
file and line, so the bot never serves half a glossary. The editors' checker (`signpost content check`)
does the full validation (plain words, sentence length, translations of core entries...); this module
only refuses what it cannot build. The format is `content/glossary/SCHEMA.md`. Files are read by the
checker's own reader (`glossary.yaml_source`), so a file both accept is read the same way by both.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from glossary.findings import ContentError
from glossary.model import NATIONS, Entry, Glossary, Meaning, Translation
from glossary.reviewing import read_reviewed, read_sources
from glossary.schema import ENTRY_FIELDS, MEANING_FIELDS, TRANSLATION_LANGUAGES, WALES_FIELDS
from glossary.yaml_source import collector_paused, line_of, shared_yaml_text

GLOSSARY_FOLDER = "glossary"


def _fail(path: Path, line: int, problem: str, fix: str) -> ContentError:
    return ContentError(path, line, problem, fix)


def glossary_files(content_dir: Path) -> list[Path]:
    """The glossary's YAML files in a stable order (SCHEMA.md and other files are not content)."""
    return sorted((content_dir / GLOSSARY_FOLDER).glob("*.yaml"))


def load_glossary(content_dir: Path) -> Glossary:
    """Every entry of every `content_dir/glossary/*.yaml`, or ContentError at the first unbuildable one."""
    folder = content_dir / GLOSSARY_FOLDER
    if not folder.is_dir():
        raise _fail(folder, 0, "the glossary folder is missing", f"Create {folder} with one YAML file per category")
    texts = tuple((path, _read(path)) for path in glossary_files(content_dir))
    loaded = _LOADED.get(texts)
    if loaded is not None:
        return loaded
    with collector_paused():
        glossary = _build_glossary(texts)
    if len(_LOADED) >= _REMEMBERED_LOADS:
        _LOADED.pop(next(iter(_LOADED)))
    _LOADED[texts] = glossary
    return glossary


def _build_glossary(texts: tuple[tuple[Path, str | ContentError], ...]) -> Glossary:
    entries: list[Entry] = []
    first_seen: dict[str, Entry] = {}
    for path, text in texts:
        if isinstance(text, ContentError):
            raise text
        for entry in _load_file(path, text):
            earlier = first_seen.get(entry.key)
            if earlier is not None:
                raise _fail(
                    path, entry.line, f"the term {entry.term!r} is already an entry in {earlier.source.name} "
                    f"line {earlier.line}", "Keep one entry and move anything useful from the other into it")
            first_seen[entry.key] = entry
            entries.append(entry)
    return Glossary(entries)


# The last few glossaries built, by the text of their files: a Glossary is frozen, so one read of
# unchanged files (`signpost content check` loads it for the glossary's checks and the questions')
# can be shared. Changed files are different text, so they are never served from here.
_LOADED: dict[tuple[tuple[Path, str | ContentError], ...], Glossary] = {}
_REMEMBERED_LOADS = 4


def _read(path: Path) -> str | ContentError:
    """The file's text, or the error to raise when loading reaches it (earlier files' errors come first)."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        failure = _fail(path, 0, f"the file cannot be read ({error})", "Save it as UTF-8 text")
        failure.__cause__ = error
        return failure


def _load_file(path: Path, text: str) -> list[Entry]:
    source = shared_yaml_text(text, path)  # the checker reads the same files: built once for both
    if source.findings and not source.empty:  # an empty file gets the message below, saying how to start it
        first = source.findings[0]
        problem = f"this is not valid YAML: {first.problem}" if source.syntax_error else first.problem
        raise _fail(path, first.line, problem, first.fix)
    data = source.data
    if not isinstance(data, dict):
        raise _fail(path, 1, "the file is not a mapping with `category` and `entries`",
                    "Start the file with `category:` and `entries:` as SCHEMA.md shows")
    category = data.get("category")
    if not isinstance(category, str) or not category.strip():
        raise _fail(path, 1, "the file has no `category`", f"Add `category: {path.stem}` at the top")
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, list):
        raise _fail(path, line_of(data, "entries"), "`entries` is missing or is not a list",
                    "Write `entries:` and then one `- term: ...` block per word")
    return [
        _entry(path, line_of(raw_entries, number), raw, category.strip())
        for number, raw in enumerate(raw_entries)
    ]


def _text(path: Path, line: int, raw: Mapping[str, Any], field: str, *, required: bool = False) -> str | None:
    value = raw.get(field)
    if value is None:
        if required:
            raise _fail(path, line, f"this entry has no `{field}`", f"Add `{field}:` as SCHEMA.md shows")
        return None
    if isinstance(value, bool | int | float):
        raise _fail(path, line, f"`{field}` is {value!r}, not words",
                    f"Put the value of `{field}` in quotes if it is meant as words")
    if not isinstance(value, str):
        raise _fail(path, line, f"`{field}` should be words, not a list or a block", "Write it on one line")
    stripped = " ".join(value.split())
    if required and not stripped:
        raise _fail(path, line, f"`{field}` is empty", f"Write the {field.replace('_', ' ')}")
    return stripped or None


def _names(path: Path, line: int, raw: Mapping[str, Any], field: str) -> tuple[str, ...]:
    value = raw.get(field)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise _fail(path, line, f"`{field}` should be a list of words",
                    f"Write it as `{field}: [first, second]` and quote values like \"no\" or numbers")
    return tuple(" ".join(item.split()) for item in value)


def _translations(path: Path, line: int, raw: Mapping[str, Any]) -> dict[str, Translation]:
    value = raw.get("translations")
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _fail(path, line, "`translations` should map a language (cy, pl) to its explanation",
                    "Write `translations:` then `cy:` and `pl:` each with `explanation:`")
    result: dict[str, Translation] = {}
    for language, block in value.items():
        if language not in TRANSLATION_LANGUAGES:
            raise _fail(path, line, f"`translations` has the unknown language {language!r}",
                        "Use cy (Welsh) or pl (Polish)")
        if not isinstance(block, dict):
            raise _fail(path, line, f"the {language} translation should have `explanation:`",
                        f"Write `{language}:` then `explanation:` under it")
        explanation = _text(path, line, block, "explanation", required=True)
        assert explanation is not None  # required=True raised otherwise
        reviewed = block.get("reviewed", False)
        if not isinstance(reviewed, bool):
            raise _fail(path, line, f"`reviewed` of the {language} translation is {reviewed!r}",
                        "Write `reviewed: true` once a native speaker has checked it, or `reviewed: false`")
        result[language] = Translation(explanation, _text(path, line, block, "for_you"), reviewed)
    return result


def _meaning(path: Path, line: int, raw: Mapping[str, Any]) -> Meaning:
    explanation = _text(path, line, raw, "explanation", required=True)
    assert explanation is not None
    return Meaning(
        full_form=_text(path, line, raw, "full_form"),
        explanation=explanation,
        for_you=_text(path, line, raw, "for_you"),
        used_by=_text(path, line, raw, "used_by"),
        translations=_translations(path, line, raw),
    )


def _entry(path: Path, line: int, raw: object, file_category: str) -> Entry:
    if not isinstance(raw, dict):
        raise _fail(path, line, "this item of `entries` is not an entry", "Start each entry with `- term: ...`")
    term = _text(path, line, raw, "term", required=True)
    assert term is not None
    line = line_of(raw, "term")
    unknown = sorted(str(key) for key in raw if key not in ENTRY_FIELDS)
    if unknown:
        raise _fail(path, line, f"the entry {term!r} has unknown fields: {', '.join(unknown)}",
                    "Check the spelling of the field names against SCHEMA.md")
    raw_meanings = raw.get("meanings")
    if raw_meanings is not None:
        clashing = [name for name in MEANING_FIELDS if name in raw]
        if clashing:
            raise _fail(path, line, f"the entry {term!r} has `meanings` and also {', '.join(clashing)} at the top",
                        "Move them into one of the meanings")
        if not isinstance(raw_meanings, list) or not raw_meanings:
            raise _fail(path, line, f"`meanings` of {term!r} should be a list",
                        "Write one `- full_form: ...` block per meaning")
        meanings = []
        for number, item in enumerate(raw_meanings):
            item_line = line_of(raw_meanings, number)
            if not isinstance(item, dict):
                raise _fail(path, item_line, f"a meaning of {term!r} is not a block with `explanation:`",
                            "Write each meaning as `- full_form: ...` with `explanation:` under it")
            meanings.append(_meaning(path, item_line, item))
    else:
        meanings = [_meaning(path, line, raw)]

    core = raw.get("core", False)
    if not isinstance(core, bool):
        raise _fail(path, line, f"`core` of {term!r} is {core!r}", "Write `core: true` or leave it out")
    category = _text(path, line, raw, "category") or file_category
    nation = raw.get("nation")
    if nation is not None and nation not in NATIONS:
        raise _fail(path, line, f"`nation` of {term!r} is {nation!r}",
                    "Write `nation: england` or `nation: wales`, or leave it out when it is the same in both")
    wales, wales_sources = _wales(path, line, raw, meanings[0])
    # The checker reports missing or unreadable dates; the bot can serve an entry without one.
    reviewed = read_reviewed(raw.get("reviewed"), date.max).day
    return Entry(
        term=term,
        category=category,
        meanings=tuple(meanings),
        aliases=_names(path, line, raw, "aliases"),
        misspellings=_names(path, line, raw, "misspellings"),
        related=_names(path, line, raw, "related"),
        replaced_by=_text(path, line, raw, "replaced_by"),
        core=core,
        sources=read_sources(raw.get("sources"))[0],
        reviewed=reviewed,
        nation=nation,
        wales=wales,
        wales_sources=wales_sources,
        source=path,
        line=line,
    )


def _wales(path: Path, line: int, raw: Mapping[str, Any], main: Meaning) -> tuple[Meaning | None, tuple[str, ...]]:
    """The `wales:` variant as a meaning of its own, with the main meaning's full form and body."""
    value = raw.get("wales")
    if value is None:
        return None, ()
    if not isinstance(value, dict):
        raise _fail(path, line_of(raw, "wales"), "`wales` should have `explanation:` under it",
                    "Write `wales:` then `explanation:` with what a person in Wales is told")
    unknown = sorted(str(key) for key in value if key not in WALES_FIELDS)
    if unknown:
        raise _fail(path, line_of(raw, "wales"), f"`wales` has unknown fields: {', '.join(unknown)}",
                    "Check the spelling of the field names against SCHEMA.md")
    variant = _meaning(path, line_of(raw, "wales"), value)
    return (Meaning(main.full_form, variant.explanation, variant.for_you, main.used_by, variant.translations),
            read_sources(value.get("sources"))[0])
