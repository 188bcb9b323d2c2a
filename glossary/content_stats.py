"""Figures about the glossary for editors (`signpost content stats`): what is there and what is missing.

Counted straight from the files, so the figures are there even while the content still has errors.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from glossary.check import read_entry_blocks
from glossary.findings import Finding
from glossary.plain_language import count_words
from glossary.schema import TRANSLATION_LANGUAGES, EntryBlock

LONGEST_SHOWN = 5


@dataclass(frozen=True)
class Coverage:
    """How many entries can be read in one language: of all entries, and of the core ones."""

    language: str
    translated: int
    total: int
    core_translated: int
    core_total: int


@dataclass(frozen=True)
class LongExplanation:
    term: str
    words: int
    path: Path
    line: int


@dataclass(frozen=True)
class ContentStats:
    by_category: dict[str, int]
    coverage: list[Coverage]
    longest: list[LongExplanation]
    problems: list[Finding]  # what stopped some of the files being read fully

    @property
    def entry_count(self) -> int:
        return sum(self.by_category.values())


def content_stats(content_dir: Path, longest: int = LONGEST_SHOWN) -> ContentStats:
    blocks, problems = read_entry_blocks(content_dir)
    named = [block for block in blocks if block.term]
    by_category = dict(sorted(Counter(block.category for block in named).items()))
    coverage = [_coverage(named, language) for language in TRANSLATION_LANGUAGES]
    explanations = [
        LongExplanation(
            f"{block.term}{label}", count_words(fields["explanation"]), where.path, where.line("explanation")
        )
        for block in named
        for fields, where, label in block.meanings()
        if isinstance(fields.get("explanation"), str)
    ]
    explanations.sort(key=lambda item: (-item.words, item.term.casefold()))
    return ContentStats(by_category, coverage, explanations[:longest], problems)


def _coverage(blocks: list[EntryBlock], language: str) -> Coverage:
    translated = [block for block in blocks if _has_translation(block, language)]
    core = [block for block in blocks if block.data.get("core") is True]
    return Coverage(
        language=language,
        translated=len(translated),
        total=len(blocks),
        core_translated=sum(1 for block in translated if block.data.get("core") is True),
        core_total=len(core),
    )


def _has_translation(block: EntryBlock, language: str) -> bool:
    """Translated means every meaning has an explanation in that language."""
    meanings = block.meanings()
    if not meanings:
        return False
    for fields, _, _ in meanings:
        translations = fields.get("translations")
        translation = translations.get(language) if isinstance(translations, Mapping) else None
        text = translation.get("explanation") if isinstance(translation, Mapping) else None
        if not isinstance(text, str) or not text.strip():
            return False
    return True
