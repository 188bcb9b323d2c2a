"""Editing one glossary entry from a form (the console's content pages): read it, check it, write it back.

Saving runs the same checker as `signpost content check` (`check_entry_mapping`, against the rest of
the glossary). An entry with errors is not written. A good one is written with ruamel.yaml's
round-trip mode, so the file keeps its order, comments and text styles, into a temporary file that
then replaces the old one in one step: a reader (the bot's LiveGlossary) sees the old file or the
new one, never half of each.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import FoldedScalarString

from glossary.check import GlossaryContext, check_entry_mapping, check_glossary, normalise
from glossary.findings import Finding, Severity
from glossary.schema import CATEGORIES, ENTRY_FIELDS, TRANSLATION_LANGUAGES

TEXT_FIELDS = ("term", "full_form", "explanation", "for_you", "replaced_by", "used_by", "reviewed")
LIST_FIELDS = ("aliases", "misspellings", "related")
LONG_TEXT = ("explanation", "for_you")
# The form's fields in the order the summary lists their errors.
FORM_FIELDS = ("term", "full_form", "explanation", "for_you", "aliases", "misspellings", "related", "replaced_by",
               "used_by", "sources", "reviewed", "core", "cy_explanation", "cy_for_you", "pl_explanation",
               "pl_for_you", "category")
# Written in the file only (the form does not show them): a save from the form leaves them as they are.
FILE_ONLY_FIELDS = ("nation", "wales")


class EntryNotFound(Exception):
    pass


@dataclass
class EntryForm:
    """An entry as the form shows it: plain strings, lists as comma-separated text."""

    values: dict[str, str] = field(default_factory=dict)
    core: bool = False

    @classmethod
    def from_entry(cls, entry: Mapping[str, Any]) -> EntryForm:
        values: dict[str, str] = {}
        for name in TEXT_FIELDS:
            value = entry.get(name)
            values[name] = str(value).strip() if value is not None else ""
        for name in LIST_FIELDS:
            items = entry.get(name) or []
            values[name] = ", ".join(str(item) for item in items) if isinstance(items, list) else str(items)
        sources = entry.get("sources") or []
        values["sources"] = "\n".join(str(item) for item in sources) if isinstance(sources, list) else str(sources)
        translations = entry.get("translations") or {}
        for language in TRANSLATION_LANGUAGES:
            text = translations.get(language) or {} if isinstance(translations, Mapping) else {}
            for part in ("explanation", "for_you"):
                value = text.get(part) if isinstance(text, Mapping) else None
                values[f"{language}_{part}"] = str(value).strip() if value is not None else ""
        return cls(values, bool(entry.get("core")))

    def to_mapping(self) -> dict[str, Any]:
        """The entry as the checker and the file want it: empty optional fields left out."""
        entry: dict[str, Any] = {}
        for name in ("term", "full_form", "explanation", "for_you"):
            if self.values.get(name, "").strip():
                entry[name] = self.values[name].strip()
        for name in LIST_FIELDS:
            items = [item.strip() for item in self.values.get(name, "").split(",") if item.strip()]
            if items:
                entry[name] = items
        for name in ("replaced_by", "used_by"):
            if self.values.get(name, "").strip():
                entry[name] = self.values[name].strip()
        sources = [item for item in self.values.get("sources", "").replace(",", "\n").split() if item]
        if sources:
            entry["sources"] = sources
        if self.values.get("reviewed", "").strip():
            entry["reviewed"] = self.values["reviewed"].strip()
        if self.core:
            entry["core"] = True
        translations: dict[str, dict[str, str]] = {}
        for language in TRANSLATION_LANGUAGES:
            text = {part: self.values.get(f"{language}_{part}", "").strip() for part in ("explanation", "for_you")}
            text = {part: value for part, value in text.items() if value}
            if text:
                translations[language] = text
        if translations:
            entry["translations"] = translations
        if "term" not in entry:
            entry["term"] = ""
        return entry


def _yaml() -> YAML:
    yaml = YAML()  # round-trip: keeps comments, order and quoting
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-fold an editor's lines
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def category_file(content_dir: Path, category: str) -> Path:
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}")
    return content_dir / "glossary" / f"{category}.yaml"


def read_file(path: Path) -> Any:
    return _yaml().load(path.read_text(encoding="utf-8"))


def find_entry(data: Any, term: str) -> tuple[int, CommentedMap]:
    wanted = normalise(term)
    for index, entry in enumerate(data.get("entries") or []):
        if isinstance(entry, CommentedMap) and normalise(str(entry.get("term", ""))) == wanted:
            return index, entry
    raise EntryNotFound(term)


def entry_line(data: Any, index: int) -> int:
    try:
        return int(data["entries"].lc.item(index)[0]) + 1
    except (AttributeError, KeyError, IndexError, TypeError):
        return 1


def field_for(finding: Finding, term: str) -> str:
    """Which form field a finding is about, from its wording (the checker names the field it means)."""
    text = finding.problem
    if term:
        text = text.replace(term, "")
    lowered = text.casefold()
    for language, name in TRANSLATION_LANGUAGES.items():
        if f"({language})" in lowered or name.casefold() in lowered:
            return f"{language}_for_you" if "for_you" in lowered or "for you" in lowered else f"{language}_explanation"
    for name in ("for_you", "full_form", "replaced_by", "used_by", "misspelling", "alias", "related",
                 "explanation", "core", "category", "translation"):
        if name in lowered or name.replace("_", " ") in lowered:
            return {"misspelling": "misspellings", "alias": "aliases", "translation": "cy_explanation"}.get(name, name)
    return "term"


@dataclass(frozen=True)
class CheckedEntry:
    entry: dict[str, Any]
    errors: dict[str, list[str]]  # by form field
    warnings: list[str]

    @property
    def ok(self) -> bool:
        return not self.errors


def check_form(form: EntryForm, *, content_dir: Path, category: str, replacing: str | None) -> CheckedEntry:
    entry = form.to_mapping()
    path = category_file(content_dir, category)
    findings = check_entry_mapping(entry, category=category, context=GlossaryContext.from_content_dir(content_dir),
                                   path=path, replacing=replacing)
    errors: dict[str, list[str]] = {}
    warnings: list[str] = []
    for finding in findings:
        message = f"{finding.problem}. {finding.fix}."
        if finding.severity is Severity.ERROR:
            errors.setdefault(field_for(finding, entry.get("term", "")), []).append(message)
        else:
            warnings.append(message)
    return CheckedEntry(entry, errors, warnings)


def findings_for(entry: Mapping[str, Any], *, content_dir: Path, category: str, path: Path, line: int) -> list[Finding]:
    """The checker's findings on one entry as it is in its file."""
    term = str(entry.get("term", ""))
    return check_entry_mapping(dict(entry), category=category, context=GlossaryContext.from_content_dir(content_dir),
                               path=path, line=line, replacing=term or None)


def _styled(name: str, value: Any, old: Any) -> Any:
    if isinstance(value, list):
        seq = CommentedSeq(value)
        seq.fa.set_flow_style()
        return seq
    if isinstance(value, dict):
        mapping = CommentedMap()
        for key, inner in value.items():
            mapping[key] = _styled(key, inner, (old or {}).get(key) if isinstance(old, Mapping) else None)
        return mapping
    if name in LONG_TEXT and isinstance(value, str) and (isinstance(old, FoldedScalarString) or old is None):
        return FoldedScalarString(value)
    return value


def apply_to(target: CommentedMap, entry: Mapping[str, Any]) -> None:
    """Change `target` in place to hold `entry`: kept keys stay where they were, new ones go in schema order."""
    for key in [key for key in target if key in ENTRY_FIELDS and key not in entry
                and key != "category" and key not in FILE_ONLY_FIELDS]:
        del target[key]
    _keep_translation_reviews(target, entry)
    for key in ENTRY_FIELDS:
        if key not in entry:
            continue
        value = _styled(key, entry[key], target.get(key))
        if key in target:
            if target[key] != entry[key]:
                target[key] = value
            continue
        # Insert after the last present field that comes before it in the schema's order.
        earlier = [name for name in ENTRY_FIELDS[:ENTRY_FIELDS.index(key)] if name in target]
        position = list(target).index(earlier[-1]) + 1 if earlier else 0
        target.insert(position, key, value)


def _keep_translation_reviews(target: Mapping[str, Any], entry: Mapping[str, Any]) -> None:
    """A translation keeps `reviewed: true` only while its text is unchanged; changed text is unchecked."""
    new = entry.get("translations")
    old = target.get("translations")
    if not isinstance(new, dict):
        return
    for language, text in new.items():
        before = old.get(language) if isinstance(old, Mapping) else None
        same = isinstance(before, Mapping) and all(
            " ".join(str(before.get(part) or "").split()) == " ".join(str(text.get(part) or "").split())
            for part in ("explanation", "for_you"))
        text["reviewed"] = bool(same and isinstance(before, Mapping) and before.get("reviewed") is True)


def dump(data: Any) -> str:
    buffer = io.StringIO()
    _yaml().dump(data, buffer)
    return buffer.getvalue()


def write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class BreaksOtherEntries(Exception):
    """The entry is fine on its own, but the glossary as a whole would have new errors (say, a renamed
    term that other entries still list in `related`). `problems` are plain sentences for the editor."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def _whole_glossary_errors(content_dir: Path, replaced: Path | None = None, text: str | None = None) -> set[str]:
    """The glossary check's errors, as (file name: problem) lines; with `replaced`, as if it held `text`.

    The check runs on a scratch copy of the glossary folder, so nothing a running bot reads changes.
    """
    if replaced is None:
        report = check_glossary(content_dir)
    else:
        with tempfile.TemporaryDirectory(prefix="signpost-check-") as scratch:
            root = Path(scratch)
            (root / "glossary").mkdir()
            for source in (content_dir / "glossary").glob("*.yaml"):
                shutil.copyfile(source, root / "glossary" / source.name)
            if (content_dir / "plain-words.yaml").exists():
                shutil.copyfile(content_dir / "plain-words.yaml", root / "plain-words.yaml")
            (root / "glossary" / replaced.name).write_text(text or "", encoding="utf-8")
            report = check_glossary(root)
    return {f"{f.path.name}: {f.problem}. {f.fix}." for f in report.findings if f.severity is Severity.ERROR}


def save_entry(content_dir: Path, category: str, entry: Mapping[str, Any], *, original_term: str | None) -> Path:
    """Write a checked entry: replace `original_term`'s entry in its file, or add it to the end of the file.

    Refused with BreaksOtherEntries when the whole glossary would gain errors; the file is then unchanged.
    """
    path = category_file(content_dir, category)
    data = read_file(path)
    if original_term:
        _, target = find_entry(data, original_term)
        apply_to(target, entry)
    else:
        target = CommentedMap()
        apply_to(target, entry)
        data["entries"].append(target)
    text = dump(data)
    new_errors = _whole_glossary_errors(content_dir, path, text) - _whole_glossary_errors(content_dir)
    if new_errors:
        raise BreaksOtherEntries(sorted(new_errors))
    write_atomically(path, text)
    return path
