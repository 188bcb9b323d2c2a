"""Figures about the glossary for editors (`signpost content stats`): what is there and what is missing.

Counted straight from the files, so the figures are there even while the content still has errors.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from casefile.clock import london_today
from glossary.check import english_explanations, read_entry_blocks
from glossary.findings import Finding
from glossary.model import ENGLISH
from glossary.plain_language import READING_AGE_AIM, READING_AGE_MOST, count_words, reading_age
from glossary.reviewing import ReviewState, read_reviewed
from glossary.schema import TRANSLATION_LANGUAGES, EntryBlock

LONGEST_SHOWN = 5


@dataclass(frozen=True)
class Coverage:
    """How many entries can be read in one language (of all entries, and of the core ones), and how many
    of those are reviewed: for English a review date under 12 months old, for a translation
    `reviewed: true` on every meaning (checked by a native speaker)."""

    language: str
    translated: int
    total: int
    core_translated: int
    core_total: int
    reviewed: int = 0


@dataclass(frozen=True)
class ReadingAges:
    """How plain the English explanations read (reading age = 5 + Flesch-Kincaid grade)."""

    total: int
    at_aim: int  # at READING_AGE_AIM (9) or below
    above_most: int  # above READING_AGE_MOST (11)


@dataclass(frozen=True)
class LongExplanation:
    term: str
    words: int
    path: Path
    line: int


@dataclass(frozen=True)
class ContentStats:
    by_category: dict[str, int]
    coverage: list[Coverage]  # English first, then each translation language
    longest: list[LongExplanation]
    problems: list[Finding]  # what stopped some of the files being read fully
    reading: ReadingAges = ReadingAges(0, 0, 0)

    @property
    def entry_count(self) -> int:
        return sum(self.by_category.values())


def content_stats(content_dir: Path, longest: int = LONGEST_SHOWN, *, today: date | None = None) -> ContentStats:
    today = today or london_today()
    blocks, problems = read_entry_blocks(content_dir, today)
    named = [block for block in blocks if block.term]
    by_category = dict(sorted(Counter(block.category for block in named).items()))
    coverage = [_english(named, today)] + [_coverage(named, language) for language in TRANSLATION_LANGUAGES]
    ages = [reading_age(text) for text in english_explanations(named)]
    reading = ReadingAges(len(ages), sum(1 for age in ages if age <= READING_AGE_AIM),
                          sum(1 for age in ages if age > READING_AGE_MOST))
    explanations = [
        LongExplanation(
            f"{block.term}{label}", count_words(fields["explanation"]), where.path, where.line("explanation")
        )
        for block in named
        for fields, where, label in block.meanings()
        if isinstance(fields.get("explanation"), str)
    ]
    explanations.sort(key=lambda item: (-item.words, item.term.casefold()))
    return ContentStats(by_category, coverage, explanations[:longest], problems, reading)


def _english(blocks: list[EntryBlock], today: date) -> Coverage:
    core = sum(1 for block in blocks if block.data.get("core") is True)
    current = sum(1 for block in blocks if read_reviewed(block.data.get("reviewed"), today).state is ReviewState.CURRENT)
    return Coverage(ENGLISH, len(blocks), len(blocks), core, core, current)


def _coverage(blocks: list[EntryBlock], language: str) -> Coverage:
    translated = [block for block in blocks if _has_translation(block, language)]
    core = [block for block in blocks if block.data.get("core") is True]
    return Coverage(
        language=language,
        translated=len(translated),
        total=len(blocks),
        core_translated=sum(1 for block in translated if block.data.get("core") is True),
        core_total=len(core),
        reviewed=sum(1 for block in translated if _translation_reviewed(block, language)),
    )


def _translation_reviewed(block: EntryBlock, language: str) -> bool:
    for fields, _, _ in block.variants():
        translations = fields.get("translations")
        translation = translations.get(language) if isinstance(translations, Mapping) else None
        if not isinstance(translation, Mapping) or translation.get("reviewed") is not True:
            return False
    return True


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
