"""The glossary as the code sees it: entries, their meanings and their translations.

Everything here is frozen: a `Glossary` is built once per content load and then shared by every reply.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from casefile.models import NATIONS

ENGLISH = "en"
ENGLAND, WALES = NATIONS  # an entry with no nation is true in both


@dataclass(frozen=True)
class Translation:
    """One meaning's explanation in one language."""

    explanation: str
    for_you: str | None = None
    reviewed: bool = False  # a native speaker has checked it against the English


@dataclass(frozen=True)
class Meaning:
    """One thing a term can stand for. Most entries have one; NFA and PO have several."""

    full_form: str | None
    explanation: str
    for_you: str | None = None
    used_by: str | None = None
    translations: Mapping[str, Translation] = field(default_factory=dict)

    def text_in(self, language: str) -> tuple[Translation, bool]:
        """The explanation in `language`, and whether it fell back to English because none was written."""
        if language != ENGLISH:
            translated = self.translations.get(language)
            if translated is not None:
                return translated, False
        return Translation(self.explanation, self.for_you), language != ENGLISH


def looks_like_acronym(word: str) -> bool:
    """True for names written as letters in capitals: "HDC", "OASys", "MoJ", "CAS3"; not "Cat A" or "Bail".

    Two capitals in one word is the mark: ordinary words have at most one (at the start).
    """
    if not word or word[1:].islower():  # no capital after the first letter: the usual word, at C speed
        return False
    if word.split() != [word]:  # a space anywhere
        return False
    return sum(1 for ch in word if ch.isupper()) >= 2


@dataclass(frozen=True)
class Entry:
    """One glossary word as an editor wrote it, with where it was written (for messages to editors)."""

    term: str
    category: str
    meanings: tuple[Meaning, ...]
    aliases: tuple[str, ...] = ()
    misspellings: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    replaced_by: str | None = None
    core: bool = False
    sources: tuple[str, ...] = ()  # the public pages the facts come from
    reviewed: date | None = None  # the day an editor last checked the English against the sources
    nation: str | None = None  # ENGLAND or WALES when only true there; None when the same in both
    wales: Meaning | None = None  # what a person in Wales is told instead (only with nation ENGLAND)
    wales_sources: tuple[str, ...] = ()
    source: Path = Path()
    line: int = 0

    def meanings_for(self, nation: str | None) -> tuple[Meaning, ...]:
        """The meanings a person living in `nation` is told: the Welsh variant for Wales when there is one.

        `nation` None (not known, or nobody linked) gets the entry as written.
        """
        if nation == WALES and self.wales is not None:
            return (self.wales,)
        return self.meanings

    def other_nation(self, nation: str | None) -> str | None:
        """The nation the shown text is about when it is not where the person lives, else None.

        A person in Wales reading an England-only entry with no Welsh variant is told it is England's way;
        a person in England reading a Wales-only entry, that it is Wales's.
        """
        if nation is None or self.nation is None or self.nation == nation:
            return None
        if nation == WALES and self.wales is not None:
            return None
        return self.nation

    @property
    def key(self) -> str:
        """The term as the index compares it: case-folded, so "OASys" and "oasys" are one key."""
        return self.term.casefold()

    @property
    def is_acronym(self) -> bool:
        return looks_like_acronym(self.term)

    @property
    def has_many_meanings(self) -> bool:
        return len(self.meanings) > 1

    @property
    def full_form(self) -> str | None:
        """The full form when there is exactly one meaning; None for several (ask each meaning instead)."""
        return self.meanings[0].full_form if len(self.meanings) == 1 else None


class Glossary:
    """All entries of one content load, in file order, looked up by term regardless of case."""

    def __init__(self, entries: tuple[Entry, ...] | list[Entry]) -> None:
        self._entries: tuple[Entry, ...] = tuple(entries)
        self._by_key: dict[str, Entry] = {}
        for entry in self._entries:
            # The loader refuses duplicate terms; the first one wins for hand-built glossaries.
            self._by_key.setdefault(entry.key, entry)

    def get(self, term: str) -> Entry | None:
        """The entry whose term is `term` (any case), or None. Aliases are the search index's job."""
        return self._by_key.get(term.strip().casefold())

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self.get(term) is not None

    def categories(self) -> tuple[str, ...]:
        """The categories that have at least one entry, sorted."""
        return tuple(sorted({entry.category for entry in self._entries}))

    def in_category(self, category: str) -> tuple[Entry, ...]:
        return tuple(entry for entry in self._entries if entry.category == category)
