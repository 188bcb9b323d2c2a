"""What editors and translators have to look at again (`signpost content review`, the console's list).

Facts are checked against their sources once a year: `due_reviews` lists glossary entries, question
cards and the Help now numbers whose `reviewed` date is due (or will be within some days), oldest first.
Translations wait for a native speaker: `unreviewed_translations` lists every Welsh and Polish text not
yet marked `reviewed: true`, with the English beside it. Both read the files as written, so they work
while the content still has errors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from glossary.check import read_entry_blocks
from glossary.reviewing import REVIEW_EVERY, due_on, read_reviewed
from glossary.schema import TRANSLATION_LANGUAGES, EntryBlock


@dataclass(frozen=True)
class DueReview:
    """One thing to check against its sources again. `reviewed` None: it has never been reviewed."""

    what: str  # 'glossary "HDC"', 'question "night-away"', "Help now numbers"
    reviewed: date | None
    due: date | None
    path: Path
    line: int


@dataclass(frozen=True)
class UnreviewedTranslation:
    """A Welsh or Polish translation no native speaker has checked yet, with the English it translates."""

    term: str  # the entry's term, with " (meaning 2)" or " (wales:)" when it is not the main text
    category: str
    language: str
    explanation: str
    for_you: str | None
    english: str
    english_for_you: str | None
    path: Path
    line: int

    @property
    def language_name(self) -> str:
        return TRANSLATION_LANGUAGES[self.language]

    def message(self, relative_to: Path | None = None) -> str:
        """The editor's line: `file:line: the Welsh (cy) translation of "HDC" is not reviewed yet`."""
        shown = self.path
        if relative_to is not None and self.path.is_relative_to(relative_to):
            shown = self.path.relative_to(relative_to)
        return (f'{shown}:{self.line}: the {self.language_name} ({self.language}) translation of "{self.term}" '
                "is not reviewed yet. When a native speaker has checked it, write reviewed: true under it.")


def due_reviews(content_dir: Path, today: date, within_days: int = 0, *, also: Iterable[DueReview] = ()
                ) -> list[DueReview]:
    """Everything whose review is due by `today + within_days`, never-reviewed first, then oldest first.

    `also`: reviews of other content (the Help now numbers, which journeys/ owns; glossary/ does not
    import journeys, whose data flows from here).
    """
    from glossary.questions import read_questions

    horizon = today + timedelta(days=within_days)
    items: list[DueReview] = []
    blocks, _ = read_entry_blocks(content_dir, today)
    for block in blocks:
        if block.term:
            items.append(_due(f'glossary "{block.term}"', block.data.get("reviewed"), block.where.path,
                              block.where.line("reviewed"), REVIEW_EVERY))
    library, _ = read_questions(content_dir, today=today)
    for card in library.cards if library is not None else ():
        items.append(DueReview(f'question "{card.id}"', card.reviewed, due_on(card.reviewed), card.path, card.line))
    items.extend(also)
    listed = [item for item in items if item.due is None or item.due <= horizon]
    return sorted(listed, key=lambda item: (item.reviewed or date.min, str(item.path), item.line))


def _due(what: str, raw: object, path: Path, line: int, every: timedelta) -> DueReview:
    day = read_reviewed(raw, date.max).day
    return DueReview(what, day, due_on(day, every) if day else None, path, line)


def review_of_file(what: str, path: Path, every: timedelta) -> DueReview:
    """The review of a whole file that carries one top-level `reviewed:` date (the Help now numbers)."""
    from glossary.yaml_source import read_yaml

    source = read_yaml(path)
    raw = source.data.get("reviewed") if isinstance(source.data, Mapping) else None
    return _due(what, raw, path, source.line_of(("reviewed",)), every)


def unreviewed_translations(blocks: Iterable[EntryBlock]) -> list[UnreviewedTranslation]:
    """Every translation not marked `reviewed: true`, in file order (a missing flag means not reviewed)."""
    found: list[UnreviewedTranslation] = []
    for block in blocks:
        if not block.term:
            continue
        for fields, where, label in block.variants():
            translations = fields.get("translations")
            if not isinstance(translations, Mapping):
                continue
            for language in TRANSLATION_LANGUAGES:
                translation = translations.get(language)
                if not isinstance(translation, Mapping) or translation.get("reviewed") is True:
                    continue
                found.append(UnreviewedTranslation(
                    term=f"{block.term}{label}",
                    category=block.category,
                    language=language,
                    explanation=_words(translation.get("explanation")) or "",
                    for_you=_words(translation.get("for_you")),
                    english=_words(fields.get("explanation")) or "",
                    english_for_you=_words(fields.get("for_you")),
                    path=where.path,
                    line=where.line("translations", language),
                ))
    return found


def _words(value: object) -> str | None:
    return " ".join(value.split()) or None if isinstance(value, str) else None


def unreviewed_in(content_dir: Path) -> list[UnreviewedTranslation]:
    blocks, _ = read_entry_blocks(content_dir)
    return unreviewed_translations(blocks)
