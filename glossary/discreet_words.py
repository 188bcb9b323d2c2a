"""The words a discreet text never carries (content/discreet-words.yaml), and the check every text passes.

A text shows on a lock screen and on a phone shared with family, so while a person's texts are discreet
(the default on SMS) no text may say probation, prison, methadone or drugs, in any of the three
languages. The list is read again when the editors change it; a list that cannot be read keeps the last
good one, and with none at all a built-in few words still hold, so a broken file never lets words through.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from glossary.findings import Finding
from glossary.normalize import fold_accents
from glossary.yaml_source import read_yaml

log = logging.getLogger("signpost.content")
WORDS_FILE = "discreet-words.yaml"
_BUILT_IN = ("probation*", "prison*", "methadone", "drug*", "carchar*", "cyffur*", "kurator*", "więzie*",
             "narkoty*", "metadon*")


@dataclass(frozen=True)
class DiscreetWords:
    pattern: re.Pattern[str]

    def found_in(self, text: str) -> list[str]:
        """The tell-tale words in `text` (folded: lower case, no accents), in the order they come."""
        return [match.group(1) for match in self.pattern.finditer(fold_accents(text))]


def _pattern(words: list[str]) -> re.Pattern[str]:
    parts = []
    for word in sorted({fold_accents(w.rstrip("*")) + ("*" if w.endswith("*") else "") for w in words if w}):
        stem = re.escape(word.rstrip("*")).replace(r"\ ", " ")
        parts.append(stem + (r"\w*" if word.endswith("*") else ""))
    return re.compile(r"(?<!\w)(" + "|".join(parts) + r")(?!\w)")


def parse(raw: object) -> list[str]:
    """Every word of the file, all languages together (a Welsh text can carry an English word)."""
    if not isinstance(raw, dict):
        raise ValueError("the file should list words under en:, cy: and pl:")
    words: list[str] = []
    for language in ("en", "cy", "pl"):
        listed = raw.get(language)
        if not isinstance(listed, list) or not all(isinstance(word, str) for word in listed):
            raise ValueError(f"{language}: should be a list of words")
        words += listed
    return words


def check(content_dir: Path) -> list[Finding]:
    """For `signpost content check`: the list can be read, in each language, with no empty word."""
    path = content_dir / WORDS_FILE
    source = read_yaml(path)
    if source.findings:
        return list(source.findings)
    try:
        found = parse(source.data)
    except ValueError as problem:
        return [Finding(path, 1, f"The discreet words cannot be read: {problem}",
                        "List the words under en:, cy: and pl:, one a line, like   - prison*")]
    if any(not word.strip(" *") for word in found):
        return [Finding(path, 1, "A discreet word is empty", "Take out the empty line, or write the word")]
    return []


_last_good: dict[Path, tuple[int, DiscreetWords]] = {}


def words(content_dir: Path) -> DiscreetWords:
    """The current list, read again when the file changes; the last good list if it cannot be read."""
    path = content_dir / WORDS_FILE
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = -1
    found = _last_good.get(path)
    if found is not None and found[0] == stamp:
        return found[1]
    source = read_yaml(path)
    try:
        if source.findings:
            raise ValueError(source.findings[0].format(path.parent))
        loaded = DiscreetWords(_pattern(parse(source.data)))
    except ValueError as problem:
        log.error("%s: the discreet words could not be read (%s). The last good list is still used.", path, problem)
        fallback = found[1] if found is not None else DiscreetWords(_pattern(list(_BUILT_IN)))
        _last_good[path] = (stamp, fallback)
        return fallback
    _last_good[path] = (stamp, loaded)
    return loaded
