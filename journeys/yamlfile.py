"""Reading the editors' journey YAML files, keeping line numbers so problems point at the right line.

The loaders in `stages`, `money` and `calendar` and the checker in `check` all read through here,
so what the checker accepts is exactly what the code can load.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError

TRANSLATED_LANGUAGES: tuple[str, ...] = ("cy", "pl")
MAX_SENTENCE_WORDS = 20

# A sentence ends at . ! or ? followed by a space or the end. Content avoids "e.g." for this reason.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[^\s]+")


class _DatesAsText(RoundTripConstructor):
    """Leaves dates as text, so a wrong one (2023-13-01) is reported with its line by our own checks
    instead of failing the whole file. A subclass, so other YAML readers in Signpost are not changed."""


_DatesAsText.add_constructor("tag:yaml.org,2002:timestamp", _DatesAsText.construct_yaml_str)


def _reader() -> YAML:
    reader = YAML(typ="rt")
    reader.Constructor = _DatesAsText
    return reader


class ContentError(ValueError):
    """A journey content file cannot be used. The message says which file and line, and how to fix it."""

    def __init__(self, path: Path, line: int, problem: str, fix: str) -> None:
        super().__init__(f"{path}:{line}: {problem}. {fix}.")
        self.path = path
        self.line = line
        self.problem = problem
        self.fix = fix


def read_yaml(path: Path) -> Any:
    """The file's data as ruamel round-trip objects (maps and lists know their line numbers)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise ContentError(path, 1, "The file is missing", "Put the file back from version control") from error
    except UnicodeDecodeError as error:
        raise ContentError(path, 1, "The file is not UTF-8 text", "Save the file as UTF-8") from error
    try:
        return _reader().load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = (error.problem or "the YAML cannot be read").rstrip(".")
        raise ContentError(path, line, f"YAML error: {what}", "Check the indentation and quotes on this line") \
            from error


def line_of(node: Any, key: str | int | None = None) -> int:
    """1-based line of a map key (or list item), or of the node itself; 1 when unknown."""
    try:
        if key is None:
            return int(node.lc.line) + 1
        if isinstance(node, CommentedMap) and key in node:
            return int(node.lc.key(key)[0]) + 1
        if isinstance(node, CommentedSeq) and isinstance(key, int):
            return int(node.lc.item(key)[0]) + 1
        return int(node.lc.line) + 1
    except (AttributeError, KeyError, IndexError, TypeError):
        return 1


def text_value(value: Any) -> str:
    """A scalar as plain one-line text: folded YAML keeps no stray newlines or spaces."""
    if value is None:
        return ""
    return " ".join(str(value).split())


def sentences(text: str) -> list[str]:
    cleaned = text_value(text)
    return [part for part in _SENTENCE_END.split(cleaned) if part] if cleaned else []


def word_count(sentence: str) -> int:
    return len(_WORD.findall(sentence))


def long_sentences(text: str, limit: int = MAX_SENTENCE_WORDS) -> Iterator[tuple[str, int]]:
    for sentence in sentences(text):
        words = word_count(sentence)
        if words > limit:
            yield sentence, words


def localised(entry: Mapping[str, Any], field: str, language: str) -> str:
    """A field in `language`, falling back to English when the translation is missing."""
    if language != "en":
        translations = entry.get("translations") or {}
        per_language = translations.get(language) if isinstance(translations, Mapping) else None
        if isinstance(per_language, Mapping) and per_language.get(field):
            return text_value(per_language[field])
    return text_value(entry.get(field))
