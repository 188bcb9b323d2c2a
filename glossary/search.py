"""Looking up what someone typed: the best entry with a confidence, "did you mean" suggestions, or nothing.

The index is built once per content load (`GlossaryIndex.build`). A look-up tries, in order:

1. the query and then the query with question wording peeled off ("what does HDC mean?" -> "HDC"),
   each against the exact names: term, then alias, then full form, then listed misspelling, also as a
   singular ("ROTLs") and without spaces ("key worker" typed "keyworker");
2. fuzzy matching (rapidfuzz) of the bare term against every name, confident only within a few edits
   that scale with the length, and never for 2-3 letter words, where one edit is another acronym;
3. spotting a known word inside the query ("when is my HDC date") when there is exactly one.

What is left gives up to three suggestions, and a short, safe `unknown_term` for the editors' gaps log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from glossary.model import Entry, Glossary, looks_like_acronym
from glossary.normalize import QueryPart, gap_term, key_of, question_parts, singular_phrases
from glossary.spot import Spotted, Spotter

How = Literal["exact", "alias", "full_form", "misspelling", "question", "fuzzy", "in_text", "none"]
_PRIORITY: tuple[How, ...] = ("exact", "alias", "full_form", "misspelling")
_CONFIDENCE: dict[str, float] = {"exact": 1.0, "alias": 1.0, "full_form": 1.0, "misspelling": 0.95}
_VARIANT_DISCOUNT = 0.97  # singular or run-together forms: almost as sure as the name itself
_IN_TEXT_CONFIDENCE = 0.7
_FUZZY_CANDIDATES = 10
MAX_SUGGESTIONS = 3


@dataclass(frozen=True)
class Name:
    """One way of writing an entry, as the look-up compares it."""

    entry: Entry
    written: str
    how: How
    meaning: int | None = None  # which meaning, when this is one meaning's full form


@dataclass(frozen=True)
class LookupResult:
    """The answer to one query.

    `how` says how the entry was found: "question" means the term matched exactly once question words
    were removed; "fuzzy" that it was a near spelling; "in_text" that it was one known word inside a
    longer message. `start`/`end` give where in the query the matched words are.
    """

    query: str
    entry: Entry | None
    confidence: float
    how: How
    suggestions: tuple[Entry, ...] = ()
    unknown_term: str | None = None
    meaning: int | None = None
    start: int = 0
    end: int = 0
    name: str | None = None  # the glossary name that matched, as written there ("AP", "mapa")

    @property
    def found(self) -> bool:
        return self.entry is not None

    @property
    def matched(self) -> str:
        return self.query[self.start:self.end]


@dataclass(frozen=True)
class _Hit:
    name: Name
    confidence: float


def allowed_edits(length: int, target_is_acronym: bool) -> int:
    """How many typing slips a confident fuzzy match may have, for a query of `length` characters.

    Two or three letters: none, since "HCD" may be a slip for HDC or a different acronym. Four: one,
    only towards an acronym ("mapa" -> MAPPA), as four-letter English words sit one slip apart (jail,
    bail). Then one slip up to 7 characters and about one in six after that.
    """
    if length <= 3:
        return 0
    if length == 4:
        return 1 if target_is_acronym else 0
    if length <= 7:
        return 1
    return max(2, length // 6)


@dataclass
class GlossaryIndex:
    """Everything a look-up or a spot needs, precomputed from one `Glossary`."""

    glossary: Glossary
    _exact: dict[str, Name] = field(default_factory=dict)
    _compact: dict[str, Name] = field(default_factory=dict)
    _choices: list[str] = field(default_factory=list)
    _choice_names: list[Name] = field(default_factory=list)
    _spotter: Spotter | None = None

    @classmethod
    def build(cls, glossary: Glossary) -> GlossaryIndex:
        index = cls(glossary)
        for name in _names_in_priority_order(glossary):
            key = key_of(name.written)
            if key and key not in index._exact:
                index._exact[key] = name
        for key, name in index._exact.items():
            index._compact.setdefault(key.replace(" ", ""), name)
            index._choices.append(key)
            index._choice_names.append(name)
        index._spotter = Spotter(Spotter.names_for(glossary))
        return index

    # -- look-up ---------------------------------------------------------------------------------

    def lookup(self, query: str) -> LookupResult:
        parts = question_parts(query)
        if not parts or not parts[-1].key:
            return LookupResult(query, None, 0.0, "none")
        for position, part in enumerate(parts):
            hit = self._exact_hit(part.key)
            if hit is not None:
                how: How = "question" if position > 0 else hit.name.how
                return self._found(query, part, hit, how)
        bare = parts[-1]
        hit, suggestions = self._fuzzy(bare.key)
        if hit is not None:
            return self._found(query, bare, hit, "fuzzy")
        spotted = self.spot(query)
        if len(spotted) == 1:
            only = spotted[0]
            return LookupResult(query, only.entry, _IN_TEXT_CONFIDENCE, "in_text",
                                meaning=only.meaning, start=only.start, end=only.end, name=only.written)
        if len(spotted) > 1:
            suggestions = tuple(item.entry for item in spotted[:MAX_SUGGESTIONS])
        return LookupResult(query, None, 0.0, "none", suggestions=suggestions,
                            unknown_term=gap_term(bare.key), start=bare.start, end=bare.end)

    def entry_named(self, name: str) -> Entry | None:
        """The entry a term, alias, full form or misspelling points to (for `related`, `replaced_by`)."""
        hit = self._exact_hit(key_of(name))
        return hit.name.entry if hit else None

    def _found(self, query: str, part: QueryPart, hit: _Hit, how: How) -> LookupResult:
        return LookupResult(query, hit.name.entry, round(hit.confidence, 3), how,
                            meaning=hit.name.meaning, start=part.start, end=part.end, name=hit.name.written)

    def _exact_hit(self, key: str) -> _Hit | None:
        name = self._exact.get(key)
        if name is not None:
            return _Hit(name, _CONFIDENCE[name.how])
        for singular in singular_phrases(key):
            name = self._exact.get(singular)
            if name is not None:
                return _Hit(name, _CONFIDENCE[name.how] * _VARIANT_DISCOUNT)
        name = self._compact.get(key.replace(" ", ""))
        if name is not None and len(key) > 3:
            return _Hit(name, _CONFIDENCE[name.how] * _VARIANT_DISCOUNT)
        return None

    def _fuzzy(self, key: str) -> tuple[_Hit | None, tuple[Entry, ...]]:
        """A confident near spelling, or else the closest entries as suggestions."""
        length = len(key)
        if length < 2:
            return None, ()
        # Indel similarity prunes the list in C; the few survivors are ranked by edit distance
        # (OSA counts a swapped pair of letters, "cartas" for "carats", as one slip).
        loosest = allowed_edits(length, True) + 1
        cutoff = max(50.0, 100.0 * (1 - loosest / length))
        candidates = process.extract(key, self._choices, scorer=fuzz.ratio, limit=_FUZZY_CANDIDATES,
                                     score_cutoff=cutoff)
        ranked: list[tuple[int, float, Name]] = []
        for choice, score, position in candidates:
            ranked.append((OSA.distance(key, choice), -score, self._choice_names[position]))
        ranked.sort(key=lambda item: (item[0], item[1]))
        best: _Hit | None = None
        if ranked:
            distance, _score, name = ranked[0]
            runner_up = next((item for item in ranked[1:] if item[2].entry is not name.entry), None)
            tied = runner_up is not None and runner_up[0] == distance
            if 0 < distance <= allowed_edits(length, looks_like_acronym(name.entry.term)) and not tied:
                longer = max(length, len(key_of(name.written)))
                best = _Hit(name, min(0.95, 1 - distance / longer) * _CONFIDENCE[name.how])
        if best is not None:
            return best, ()
        suggestions: list[Entry] = []
        for distance, _score, name in ranked:
            if distance <= max(1, allowed_edits(length, True) + 1) and name.entry not in suggestions:
                suggestions.append(name.entry)
            if len(suggestions) == MAX_SUGGESTIONS:
                break
        return None, tuple(suggestions)

    # -- spotting --------------------------------------------------------------------------------

    def spot(self, text: str) -> list[Spotted]:
        """Every known word in a pasted text, in order, each entry once (see `glossary.spot`)."""
        assert self._spotter is not None, "use GlossaryIndex.build"
        return self._spotter.spot(text)


def _names_in_priority_order(glossary: Glossary) -> list[Name]:
    """Terms first, then aliases, full forms and misspellings, so a term is never shadowed."""
    names: list[Name] = []
    for how in _PRIORITY:
        for entry in glossary:
            if how == "exact":
                names.append(Name(entry, entry.term, how))
            elif how == "alias":
                names.extend(Name(entry, alias, how) for alias in entry.aliases)
            elif how == "full_form":
                names.extend(Name(entry, meaning.full_form, how, index)
                             for index, meaning in enumerate(entry.meanings) if meaning.full_form)
            else:
                names.extend(Name(entry, typo, how) for typo in entry.misspellings)
    return names
