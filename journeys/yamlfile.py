"""Reading the editors' journey YAML files, all or nothing, with the line of every problem.

The loaders in `stages`, `money` and `calendar` and the checker in `check` all read through here,
so what the checker accepts is exactly what the code can load. The reading itself is the glossary's
(`glossary.yaml_source`): one reader, so a repeated key or a bad character is worded the same in every
editor's file. What is the journeys' own is that every file must exist and must be usable as a whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from glossary.findings import ContentError
from glossary.yaml_source import read_yaml

TRANSLATED_LANGUAGES: tuple[str, ...] = ("cy", "pl")


def read_journey_file(path: Path) -> Any:
    """The file's data (mappings and lists that know their lines, for `line_of`), or ContentError.

    An empty file gives None, so the parser says which list it should start with.
    """
    if not path.exists():
        raise ContentError(path, 1, "The file is missing", "Put the file back from version control")
    source = read_yaml(path)
    if source.empty:
        return None
    if not source.findings:
        return source.data
    first = source.findings[0]
    if source.syntax_error:
        # The reader's plain diagnosis, in the frame journeys editors already know from this checker.
        raise ContentError(path, first.line, f"YAML error: {first.problem}",
                           "Check the indentation and quotes on this line")
    raise ContentError.from_finding(first)


def text_value(value: Any) -> str:
    """A scalar as plain one-line text: folded YAML keeps no stray newlines or spaces."""
    if value is None:
        return ""
    return " ".join(str(value).split())


def localised(entry: Mapping[str, Any], field: str, language: str) -> str:
    """A field in `language`, falling back to English when the translation is missing."""
    if language != "en":
        translations = entry.get("translations") or {}
        per_language = translations.get(language) if isinstance(translations, Mapping) else None
        if isinstance(per_language, Mapping) and per_language.get(field):
            return text_value(per_language[field])
    return text_value(entry.get(field))
