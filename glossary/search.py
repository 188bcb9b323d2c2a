"""Looking up what someone typed: the best entry with a confidence, "did you mean" suggestions, or nothing.

The index is built once per content load (`GlossaryIndex.build`). A look-up tries, in order:

1. the query and then the query with question wording peeled off ("what does HDC mean?" -> "HDC"),
   each against the exact names: term, then alias, then full form, then listed misspelling, also as a
   singular ("ROTLs") and without spaces ("key worker" typed "keyworker");
2. fuzzy matching (rapidfuzz) of the bare term against every name, confident only within a few edits
   that scale with the length, and never for 2-3 letter words, where one edit is another acronym;
3. spotting a known word inside the query ("when is my HDC date") when there is exactly one.

A fuzzy guess never flips a meaning. Lined up word by word with the name it would become:

* a word that is the other with a negating prefix added or removed (in-, un-, non-, dis-: "indeterminate"
  / "determinate", "paid" / "unpaid"), or a "not", "non" or "un" typed or dropped, flips the meaning: when
  such a name is as near as the best guess, nothing is guessed, and the flipped entry is neither suggested
  nor spotted after it, so "indeterminate sentence" is not found (and goes to the editors' gaps log);
* an acronym (a name of an acronym entry, a capital-letter word in a name, or a mixed-case word as typed:
  "PQiP") changes only by letter slips of the same length within `allowed_edits`, so "PQiP" is not PIP,
  "ECSL" is not ESL and "CRO number" is not "CRN number"; one slip further is only a suggestion; and
  the slips are counted from the acronym, not from a listed misspelling ("ECSL" is one slip from "eosl",
  two from ESOL);
* a typed word that is itself a name of another entry is never changed by a guess, only suggested:
  "suspended sentence letter" is not "suspended sentence order";
* the nearest reading must be safe and alone: a different entry as near as the guess, safe or not, makes
  it a suggestion.

Multi-word names come before single-word fuzzy guesses: when the query holds one known phrase word for
word, a fuzzy guess at a different entry through a name of fewer words gives way to it.

What is left gives up to three suggestions, and a short, safe `unknown_term` for the editors' gaps log.
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, Levenshtein

from glossary.model import Entry, Glossary, looks_like_acronym
from glossary.normalize import (
    WORD,
    QueryPart,
    fold,
    gap_term,
    key_of,
    question_parts,
    singular_forms,
    singular_phrases,
)
from glossary.spot import NEGATING_PREFIXES, Spotted, Spotter, negates
from glossary.yaml_source import collector_paused

How = Literal["exact", "alias", "full_form", "misspelling", "question", "fuzzy", "in_text", "none"]
_PRIORITY: tuple[How, ...] = ("exact", "alias", "full_form", "misspelling")
_CONFIDENCE: dict[str, float] = {"exact": 1.0, "alias": 1.0, "full_form": 1.0, "misspelling": 0.95}
_VARIANT_DISCOUNT = 0.97  # singular or run-together forms: almost as sure as the name itself
_IN_TEXT_CONFIDENCE = 0.7
_FUZZY_CANDIDATES = 10
MAX_SUGGESTIONS = 3
# How a fuzzy candidate may be read: as a confident guess, only as a suggestion, not at all, or as the
# opposite of what was typed ("flip"), which rules out its entry and any guess not nearer than it.
Reading = Literal["guess", "suggest", "no", "flip"]
_READING_ORDER: dict[str, int] = {"guess": 0, "suggest": 1, "no": 2, "flip": 3}
# Words that, typed or dropped on their own, turn a name into its opposite ("not guilty" / "guilty").
_NEGATING_WORDS = frozenset({"not", "non", "never", "un", "dis"})  # not "no": "NI no" is a number
_ACRONYM_LENGTH = 6  # longer capital words are names in capitals ("RECONNECT"), typed with slips like words
_APART_PREFIXES = frozenset({"non", "un", "dis"})  # never words of their own: "un spent" is "unspent"
# A negating prefix hyphenated to its word, read as one word: "in-determinate" is "indeterminate".
_HYPHENATED_PREFIX = re.compile(r"\b(" + "|".join(NEGATING_PREFIXES) + r")[ \t]*[-‐‑–][ \t]*(?=[^\W\d_])",
                                re.IGNORECASE)


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
    _choice_words: list[list[str]] = field(default_factory=list)  # each choice's words, prefixes joined
    # For each band of lengths a fuzzy look-up can reach (it depends only on the query's length), the
    # choices of those lengths in index order and their positions: rapidfuzz then scans only those.
    _bands: dict[tuple[int, int], tuple[list[str], array[int]]] = field(default_factory=dict)
    _acronym_words: set[str] = field(default_factory=set)  # keys of words that are acronyms
    _both_ways: set[str] = field(default_factory=set)  # entries naming a word and its opposite
    _spotter: Spotter | None = None

    @classmethod
    def build(cls, glossary: Glossary) -> GlossaryIndex:
        with collector_paused():  # thousands of names and trie nodes, none in a cycle
            return cls._build(glossary)

    @classmethod
    def _build(cls, glossary: Glossary) -> GlossaryIndex:
        index = cls(glossary)
        keys_of: dict[str, list[str]] = {}  # every name's key, by entry, for the names that negate another
        for name in _names_in_priority_order(glossary):
            key = key_of(name.written)
            if not key:
                continue
            keys_of.setdefault(name.entry.key, []).append(key)
            if key not in index._exact:
                index._exact[key] = name
        for key, name in index._exact.items():
            index._compact.setdefault(key.replace(" ", ""), name)
            index._choices.append(key)
            index._choice_names.append(name)
            index._choice_words.append(_join_prefixes(key.split()))
            if name.entry.is_acronym and len(key) <= _ACRONYM_LENGTH and (name.how == "exact" or (
                    name.how == "misspelling" and " " not in key and len(key) <= len(name.entry.key) + 1)):
                index._acronym_words.add(key)  # "crn", "oasys", and their listed slips ("mapa", "eosl")
            if not name.written.islower():
                index._acronym_words.update(fold(word) for word in name.written.split() if _acronym_shaped(word))
        index._both_ways = {entry for entry, keys in keys_of.items() if _names_both_ways(keys)}
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
        hit, suggestions, flipped = self._fuzzy(bare.key, bare.text)
        if hit is not None:
            # Only a query of more words than the guessed name can hold a longer phrase word for word.
            guessed_words = key_of(hit.name.written).count(" ") + 1
            phrase = self._one_phrase(self.spot(query)) if bare.key.count(" ") + 1 > guessed_words else None
            if (phrase is not None and phrase.entry is not hit.name.entry and phrase.entry.key not in flipped
                    and key_of(phrase.written).count(" ") + 1 > guessed_words):
                return LookupResult(query, phrase.entry, _IN_TEXT_CONFIDENCE, "in_text", meaning=phrase.meaning,
                                    start=phrase.start, end=phrase.end, name=phrase.written)
            return self._found(query, bare, hit, "fuzzy")
        # Spotting is word for word, but "unspent" spotted as "spent" would still be the opposite.
        spotted = [item for item in self.spot(query) if item.entry.key not in flipped]
        if len(spotted) == 1:
            only = spotted[0]
            return LookupResult(query, only.entry, _IN_TEXT_CONFIDENCE, "in_text",
                                meaning=only.meaning, start=only.start, end=only.end, name=only.written)
        if len(spotted) > 1:
            suggestions = tuple(item.entry for item in spotted[:MAX_SUGGESTIONS])
        return LookupResult(query, None, 0.0, "none", suggestions=suggestions,
                            unknown_term=gap_term(bare.key), start=bare.start, end=bare.end)

    @staticmethod
    def _one_phrase(spotted: list[Spotted]) -> Spotted | None:
        """The known multi-word name spotted word for word in the query, when there is exactly one."""
        phrases = [item for item in spotted if " " in key_of(item.written)]
        return phrases[0] if len(phrases) == 1 else None

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

    def _fuzzy(self, key: str, typed: str) -> tuple[_Hit | None, tuple[Entry, ...], frozenset[str]]:
        """A confident near spelling, or else the closest entries as suggestions; and the entries (keys)
        that would flip the meaning, which neither the suggestions nor the spotting after may give.

        `typed` is the query as written, for its hyphens and capitals ("in-determinate", "PQiP").
        """
        length = len(key)
        if length < 2:
            return None, (), frozenset()
        # Indel similarity prunes the list in C; the few survivors are ranked by edit distance
        # (OSA counts a swapped pair of letters, "cartas" for "carats", as one slip).
        loosest = allowed_edits(length, True) + 1
        cutoff = max(50.0, 100.0 * (1 - loosest / length))
        candidates = self._candidates(key, cutoff)
        hyphenated = any(dash in typed for dash in "-‐‑–")
        words = _join_prefixes((key_of(_HYPHENATED_PREFIX.sub(r"\1", typed)) if hyphenated else key).split())
        # Words typed as acronyms: in capitals ("ECSL") or mixed case ("PQiP"), the latter even if unknown.
        as_acronyms = [] if typed.islower() else [word for word in WORD.findall(typed) if _acronym_shaped(word)]
        capitals = frozenset(fold(word) for word in as_acronyms)
        shaped = frozenset(fold(word) for word in as_acronyms if not word.isupper())
        ranked: list[tuple[int, float, Name, Reading]] = []
        reach = max(1, allowed_edits(length, True) + 1)  # beyond this a name is neither guessed nor suggested
        for choice, score, position in candidates:
            name = self._choice_names[position]
            distance = OSA.distance(key, choice)
            if distance > reach:
                ranked.append((distance, -score, name, "no"))
                continue
            reading = self._reading(words, shaped, capitals, self._choice_words[position])
            if name.how == "misspelling" and reading == "guess" and choice in self._acronym_words:
                # A slip of an acronym's listed slip is two slips: "ECSL" is not ESOL's "eosl".
                reading = "no" if capitals else "suggest"
            ranked.append((distance, -score, name, reading))
        ranked.sort(key=lambda item: (item[0], item[1]))
        # An entry one of whose names is the opposite of the query is flipped, all its names with it
        # ("paid work" is not "unpaid work", nor its listed slip "upaid work"), unless the entry names
        # both sides itself ("acceptable absence" with its alias "unacceptable absence").
        flipped: frozenset[str] = frozenset()
        if any(item[3] == "flip" for item in ranked):
            flipped = frozenset(item[2].entry.key for item in ranked if item[3] == "flip") - self._both_ways
            ranked = [(*item[:3], "flip") if item[2].entry.key in flipped
                      else (*item[:3], "no") if item[3] == "flip" else item for item in ranked]
        best = self._guess(length, ranked)
        if best is not None:
            return best, (), flipped
        suggestions: list[Entry] = []
        for distance, _score, name, reading in ranked:
            if reading == "no" or name.entry.key in flipped:
                continue
            if distance <= reach and name.entry not in suggestions:
                suggestions.append(name.entry)
            if len(suggestions) == MAX_SUGGESTIONS:
                break
        return None, tuple(suggestions), flipped

    def _candidates(self, key: str, cutoff: float) -> list[tuple[str, float, int]]:
        """What `process.extract(key, self._choices, scorer=fuzz.ratio, limit=_FUZZY_CANDIDATES,
        score_cutoff=cutoff)` gives (choice, score, position; best first, ties in index order), from the
        names whose length can reach the cutoff, kept in index order so ties come out the same.

        fuzz.ratio is 100 * (1 - d / (a + b)) for lengths a, b and an indel distance d of at least
        |a - b|, so a score of at least c needs |a - b| <= k * (a + b) with k = 1 - c / 100.
        """
        length = len(key)
        room = 1 - cutoff / 100
        shortest = int(length * (1 - room) / (1 + room)) - 1  # one more each way: rounding never costs a name
        longest = int(length * (1 + room) / (1 - room)) + 1 if room < 1 else 1 << 30
        band = self._bands.get((shortest, longest))
        if band is None:
            positions = array("l", (i for i, choice in enumerate(self._choices) if shortest <= len(choice) <= longest))
            band = self._bands[(shortest, longest)] = ([self._choices[i] for i in positions], positions)
        choices, positions = band
        return [(choice, score, positions[place]) for choice, score, place in
                process.extract(key, choices, scorer=fuzz.ratio, limit=_FUZZY_CANDIDATES, score_cutoff=cutoff)]

    def _guess(self, length: int, ranked: list[tuple[int, float, Name, Reading]]) -> _Hit | None:
        """The nearest safe candidate, if no other entry is as near (safe or not, and never a flip).

        "unspent convictions x" is nearer "unspent conviction" than the opposite "spent conviction", so
        it is guessed; "indeterminate sentence" is nearest "determinate sentence", so nothing is.
        """
        for place, (distance, _score, name, reading) in enumerate(ranked):
            if reading == "flip":
                return None
            if reading != "guess":
                continue
            rivals = ranked[:place] + ranked[place + 1:]
            if any(other.entry is not name.entry and near <= distance for near, _s, other, _r in rivals):
                return None
            if 0 < distance <= allowed_edits(length, looks_like_acronym(name.entry.term)):
                longer = max(length, len(key_of(name.written)))
                return _Hit(name, min(0.95, 1 - distance / longer) * _CONFIDENCE[name.how])
            return None
        return None

    def _reading(self, words: list[str], shaped: frozenset[str], capitals: frozenset[str],
                 target: list[str]) -> Reading:
        """How the typed words may become a name's words (see the module docstring), stretch by stretch.

        Both have negating prefixes written apart already joined ("un spent" -> "unspent"). `shaped`: typed
        words in mixed case ("PQiP"), acronyms even when unknown; `capitals`: every typed word in capitals
        or mixed case, whose change to an acronym of another length is not even suggested.
        """
        reading: Reading = "guess"
        for mine, theirs in _differences(words, target):
            mine_text, theirs_text = "".join(mine), "".join(theirs)
            if mine_text == theirs_text:
                continue  # words run together or apart: "keyworker", "un spent conviction"
            if _negating_word_differs(mine, theirs) or _negating_word_differs(theirs, mine):
                return "flip"
            if negates(mine_text, theirs_text) or (
                    (len(mine) > 1 or len(theirs) > 1) and any(negates(a, b) for a in mine for b in theirs)):
                return "flip"
            if not mine or not theirs:
                continue  # a word added or dropped
            typed_name = self._known(" ".join(mine))
            if typed_name is not None:
                their_name = self._known(" ".join(theirs))
                if their_name is not None and their_name.entry is typed_name.entry:
                    continue  # two names of one entry: "mapa meeting" for "MAPPA meeting"
                if len(mine) == 1:
                    reading = _worse(reading, "suggest")  # a name of another entry: "letter" is not "order"
            if not shaped.isdisjoint(mine) or any(word in self._acronym_words for word in theirs):
                reading = _worse(reading, _acronym_reading(mine, theirs, not capitals.isdisjoint(mine)))
        return reading

    def _known(self, key: str) -> Name | None:
        name = self._exact.get(key)
        if name is None:
            name = next((self._exact[form] for form in singular_forms(key) if form in self._exact), None)
        return name

    # -- spotting --------------------------------------------------------------------------------

    def spot(self, text: str) -> list[Spotted]:
        """Every known word in a pasted text, in order, each entry once (see `glossary.spot`)."""
        assert self._spotter is not None, "use GlossaryIndex.build"
        return self._spotter.spot(text)

    def occurrences(self, text: str) -> list[Spotted]:
        """Every place a known word is written in a pasted text, in order, an entry as often as it comes."""
        assert self._spotter is not None, "use GlossaryIndex.build"
        return self._spotter.occurrences(text)


def _names_both_ways(keys: list[str]) -> bool:
    """True when one of an entry's names is another with a negation ("guilty plea", "not guilty plea")."""
    negated = [key.split() for key in keys if any(
        word in _NEGATING_WORDS or word.startswith(NEGATING_PREFIXES) for word in key.split())]
    if not negated:
        return False
    split = [key.split() for key in keys]
    return any(_negation_of(one, other) for one in negated for other in split
               if 0 <= len(one) - len(other) <= 1 and one != other)


def _negation_of(words: list[str], others: list[str]) -> bool:
    """True when `words` are `others` with one negating word or prefix added: "not guilty plea"."""
    differences = _differences(words, others)
    if len(differences) != 1:
        return False
    mine, theirs = differences[0]
    if not theirs:
        return len(mine) == 1 and mine[0] in _NEGATING_WORDS
    return len(mine) == len(theirs) == 1 and mine[0].startswith(NEGATING_PREFIXES) and negates(mine[0], theirs[0])


def _acronym_shaped(word: str) -> bool:
    """Capitals that read as letters ("CRN", "PQiP", "OASys"), not a name in capitals ("RECONNECT", "StreetLink")."""
    return looks_like_acronym(word) and len(fold(word)) <= _ACRONYM_LENGTH


def _negating_word_differs(mine: list[str], theirs: list[str]) -> bool:
    """True when `mine` has a "not" that `theirs` lacks: not one slip from a word there ("fit not" for
    "fit note"), nor inside one ("fitnote")."""
    return any(word in _NEGATING_WORDS and not any(OSA.distance(word, other) <= 1 or word in other
                                                   for other in theirs)
               for word in mine)


def _join_prefixes(words: list[str]) -> list[str]:
    """Words with a negating prefix written apart joined to the next word: "un spent" -> "unspent"."""
    if not any(word in _APART_PREFIXES for word in words[:-1]):
        return words
    joined: list[str] = []
    for word in words:
        if joined and joined[-1] in _APART_PREFIXES:
            joined[-1] += word
        else:
            joined.append(word)
    return joined


def _differences(words: list[str], others: list[str]) -> list[tuple[list[str], list[str]]]:
    """The stretches where two word lists differ, lined up: (["un", "spent"], ["unspent"]), (["x"], [])."""
    stretches: list[tuple[list[str], list[str]]] = []
    joined = False  # whether the last step differed, so that this one extends its stretch
    for step in Levenshtein.opcodes(words, others):
        if step.tag == "equal":
            joined = False
            continue
        mine, theirs = words[step.src_start:step.src_end], others[step.dest_start:step.dest_end]
        if joined:
            stretches[-1][0].extend(mine)
            stretches[-1][1].extend(theirs)
        else:
            stretches.append((list(mine), list(theirs)))
        joined = True
    return stretches


def _worse(reading: Reading, other: Reading) -> Reading:
    return other if _READING_ORDER[other] > _READING_ORDER[reading] else reading


def _acronym_reading(mine: list[str], theirs: list[str], in_capitals: bool) -> Reading:
    """An acronym changes only by letter slips of its own length: within `allowed_edits`, a guess.

    Another length is another acronym ("PQiP" / "PIP", "ECSL" / "ESL"), never a guess; typed in lower case
    and one slip away it may still be suggested ("tap": did you mean AP?).
    """
    if len(mine) != 1 or len(theirs) != 1:
        return "no"
    typed, known = mine[0], theirs[0]
    slips = OSA.distance(typed, known)
    if not (typed.isalpha() and known.isalpha()):
        return "no"  # "CAS3" / "CAS2": a different number is a different thing
    if len(typed) != len(known):
        return "suggest" if slips <= 1 and not in_capitals else "no"
    if slips <= allowed_edits(len(typed), True):
        return "guess"
    return "suggest" if slips <= 1 else "no"


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
