"""Spotting glossary words in a pasted text: a letter, a licence, a text message.

Spotting is exact, never fuzzy: a word counts only when its normalised form is a term, a full form or an
alias (misspellings are for look-up only, because "oasis" in a text is usually just an oasis; one-word
lower-case aliases such as "spent", "mind" or "letter", and "the" and one word, such as "the board" or "the
block", are for look-up only too, being everyday words).
Phrases are found with a trie of words, longest first, so "Parole Board" wins over "parole".

Rules keep ordinary English from raising false alarms (word lists in `glossary.everyday`):

* **Acronyms spelled like English words** (PO, AP, IT, DIP, SHIP, VISOR...) count only when written in
  capitals ("PO", "POs", "PO's") *and* the sentence around them is not itself in capitals. "Your PO will
  call" counts; "IT IS OK", "AS SOON AS" and "on monday, so ok" do not. Capital words in the sentence that
  are glossary acronyms (HDC, OASys) are not shouting, so "Meet your PO about HDC" counts. A capital word
  with no other words in its sentence ("PO" alone, "PO: Jane") counts: it was written on purpose.
* **Some words count alone; the rest need a justice text.** Alone: acronyms (except everyday ones like
  ID, CV, GP), names written with capitals ("Universal Credit", "Parole Board"), full forms, and the own
  lower-case terms of justice categories (police, courts, sentences, prison, probation, assessment,
  programmes) unless they are everyday words ("curfew", "unpaid work" count; "fine", "tag", "recall" do
  not). Everything else (everyday words, "dentist", "bank account", lower-case aliases) counts only when
  something else counted alone, or a word like probation, prison, court or police is in the text.
  So "I can't recall his name" and "going to the dentist" find nothing, while a probation letter finds
  its "recall" and its "pharmacy".
* **A name behind a negating prefix is not that name.** "non-determinate sentence", "non determinate
  sentence", "in-determinate sentence" and "un spent conviction" mean the opposite of the name they
  hold, so nothing is spotted there (a prefix run into the word, "indeterminate", is another word
  already, as spotting goes by words).
* **Full forms of a word with several meanings** (PO's "Post Office", NFA's "No further action") are
  everyday phrases elsewhere, so they count only in title case ("No Further Action") in a justice text.
* **Names that are English words** ("Resolve", "Unlock", "Shelter", "Horizon") count only with their
  capital, and not as the first word of a sentence followed by "the", "your", "any"... ("Unlock your
  phone"), nor as part of an address ("Horizon House"; "PO Box" is not a probation officer).
* **Letters write acronyms many ways**: plurals and possessives ("PSRs", "OASys's", "OMU’s"), dots
  ("H.D.C.", and "HDC.You" with the space forgotten), brackets, slashes and hyphens ("(HDC)",
  "HDC/ROTL", "HDC-eligible"). Postcodes ("SE99 1ZZ") and reference codes ("HDC/2026/0412",
  "SC/2026/00417") are not words, so nothing in them is spotted.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field

from glossary.everyday import (
    ADDRESS_WORDS,
    ENGLISH_WORD_ACRONYMS,
    ENGLISH_WORD_NAMES,
    EVERYDAY_ACRONYMS,
    EVERYDAY_WORDS,
    JUSTICE_CATEGORIES,
    JUSTICE_CUES,
    OBJECT_WORDS,
)
from glossary.model import Entry, looks_like_acronym
from glossary.normalize import WORD, fold, singular_forms, word_key, word_keys, word_set

# Small words that stay lower case inside a title-case phrase ("Release on Temporary Licence").
_SMALL_WORDS = word_set("a an and as at by for from in of on or the to with")
_SENTENCE_BREAK = re.compile(r"[.!?;:\n]")
_PHRASE_GAP = re.compile(r"[ \t,/\-–—]*(?:\r?\n[ \t,/\-–—]*)?")
_PLURAL_TAIL = re.compile(r"(?:['’]s|s|es)$", re.IGNORECASE)
_NEIGHBOURS = 8  # words looked at on each side to tell shouting from a capital-letter acronym
# Prefixes that turn a word into its opposite ("determinate" / "indeterminate"); shared with the search.
NEGATING_PREFIXES: tuple[str, ...] = ("non", "dis", "un", "in", "im", "il", "ir")
_HYPHEN_GAP = re.compile(r"[ \t]*[-‐‑–][ \t]*")
_SPACE_GAP = re.compile(r"[ \t]+")
_POSSESSIVE = ("'s", "’s", "'S", "’S")
# Stretches that hold no words to spot: UK postcodes ("SE99 1ZZ") and reference codes, letters then
# groups of numbers after slashes or hyphens ("HDC/2026/0412", "SC/2026/00417"; not "CAS-3").
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}\b")
_REFERENCE = re.compile(r"\b[A-Za-z]+(?:[/-][A-Za-z]*\d{2,}[A-Za-z\d]*)+")
_REFERENCE_PART = re.compile(r"[/-][A-Za-z]*\d{2}")  # a quick look for one before the full search


def negates(word: str, other: str) -> bool:
    """True when one word is the other with a negating prefix: "indeterminate" / "determinate", "paid" / "unpaid".

    The stem must keep three letters, so "in" and "is" are not negations of each other.
    """
    longer, shorter = (word, other) if len(word) > len(other) else (other, word)
    cut = len(longer) - len(shorter)
    return 2 <= cut <= 3 and len(shorter) >= 3 and longer[:cut] in NEGATING_PREFIXES and longer[cut:] == shorter


@dataclass(frozen=True)
class SpotName:
    """One way of writing an entry that the spotter looks for, and the rules it must pass."""

    entry: Entry
    written: str
    how: str  # "exact" (the term), "alias" or "full_form"
    meaning: int | None  # index into entry.meanings when this is one meaning's full form
    capitals: bool = False  # must be written in capitals, in a sentence that is not shouting
    title_case: bool = False  # must be written in title case
    alone: bool = True  # counts without any other sign that the text is about the justice system
    proper: bool = False  # a name that is also an English word: needs its capital, not a verb or an address
    words: tuple[str, ...] = ()  # the name's folded words, the path through the spotter's trie


@dataclass(frozen=True)
class Spotted:
    """A glossary word found in a text: `text[start:end] == matched`."""

    entry: Entry
    start: int
    end: int
    matched: str
    how: str
    meaning: int | None = None
    written: str = ""  # the name as the glossary writes it ("AP" for a match of "AP" or "APs")


def spot_name(entry: Entry, written: str, how: str, meaning: int | None = None) -> SpotName | None:
    """The rules for one name (see the module docstring), or None when it is for look-up only."""
    words = fold(written).split()
    if not words:
        return None
    key = " ".join(words)
    acronym = len(words) == 1 and looks_like_acronym(written)
    has_capital = any(ch.isupper() for ch in written)
    if how == "alias" and not has_capital and (len(words) == 1 or (len(words) == 2 and words[0] == "the")):
        return None  # "spent", "letter", "the board", "the block": everyday words in running text
    capitals = acronym and key in ENGLISH_WORD_ACRONYMS
    proper = len(words) == 1 and written[:1].isupper() and not acronym and key in ENGLISH_WORD_NAMES
    if how == "full_form" and entry.has_many_meanings:
        return SpotName(entry, written, how, meaning, capitals, title_case=True, alone=False, words=tuple(words))
    if entry.key in EVERYDAY_ACRONYMS or fold(entry.term) in EVERYDAY_WORDS:
        alone = False  # "ID card", "date of birth": as everyday as the acronym itself
    elif acronym:
        alone = key not in EVERYDAY_ACRONYMS
    elif key in EVERYDAY_WORDS or (len(words) == 1 and key in ENGLISH_WORD_ACRONYMS):
        alone = False
    elif how == "full_form":
        alone = len(words) > 1
    elif how == "alias":
        alone = has_capital and len(words) > 1
    else:
        alone = has_capital or entry.category in JUSTICE_CATEGORIES
    return SpotName(entry, written, how, meaning, capitals, alone=alone, proper=proper, words=tuple(words))


@dataclass(slots=True)
class _TrieNode:
    """One word of the trie: the words that may follow it, and the name that ends on it, if any."""

    next: dict[str, _TrieNode] = field(default_factory=dict)
    name: SpotName | None = None


class Spotter:
    """A word trie over every term, alias and full form; built once per content load."""

    def __init__(self, names: Iterable[SpotName]) -> None:
        self._root = _TrieNode()
        # Capital-letter words that are glossary acronyms; they never make a sentence "shouting".
        self._acronym_words: set[str] = set()
        for name in names:
            words = name.words or tuple(fold(name.written).split())
            if not words:
                continue
            node = self._root
            for word in words:
                node = node.next.setdefault(word, _TrieNode())
            # Names arrive in priority order (term, alias, full form): the first one keeps the slot.
            if node.name is None:
                node.name = name
            if len(words) == 1 and looks_like_acronym(name.written):
                self._acronym_words.add(words[0])

    @staticmethod
    def names_for(entries: Iterable[Entry]) -> list[SpotName]:
        """Every spot name of `entries`, terms first, then aliases, then full forms."""
        entries = list(entries)
        found: list[SpotName] = []
        written_forms: list[tuple[str, int | None]]
        for how in ("exact", "alias", "full_form"):
            for entry in entries:
                if how == "exact":
                    written_forms = [(entry.term, None)]
                elif how == "alias":
                    written_forms = [(alias, None) for alias in entry.aliases]
                else:
                    written_forms = [(m.full_form, i) for i, m in enumerate(entry.meanings) if m.full_form]
                for written, meaning in written_forms:
                    name = spot_name(entry, written, how, meaning)
                    if name is not None:
                        found.append(name)
        return found

    def spot(self, text: str) -> list[Spotted]:
        """Every glossary word in `text`, in order of first appearance, each entry once."""
        seen: set[str] = set()
        result: list[Spotted] = []
        for item in self.occurrences(text):
            key = item.entry.key
            if key not in seen:
                seen.add(key)
                result.append(item)
        return result

    def occurrences(self, text: str) -> list[Spotted]:
        """Every place a glossary word is written in `text`, in order (an entry may come many times)."""
        spans, keys = _words(text)
        alone: list[Spotted] = []
        in_context: list[Spotted] = []  # count only if the text turns out to be about justice
        index, count = 0, len(spans)
        root_next = self._root.next
        while index < count:
            key = keys[index]
            node = root_next.get(key)
            if node is None:
                if key[-1:] != "s" or self._child(self._root, text, spans, keys, index) is None:
                    index += 1
                    continue
            elif node.name is None and index + 1 < count:
                # Only the start of longer names ("your", "the"): most often the next word goes on no name.
                following = keys[index + 1]
                if following not in node.next and following[-1:] != "s":
                    index += 1
                    continue
            found = self._longest_match(text, spans, keys, index)
            if found is None:
                index += 1
                continue
            name, after = found
            if self._negated(text, spans, keys, index):
                index = after  # "non-determinate sentence": the opposite, so neither it nor its words
                continue
            start, end = spans[index][0], spans[after - 1][1]
            spotted = Spotted(name.entry, start, end, text[start:end], name.how, name.meaning, name.written)
            (alone if name.alone else in_context).append(spotted)
            index = after
        if in_context and (alone or not JUSTICE_CUES.isdisjoint(keys)):
            return sorted(alone + in_context, key=lambda item: item.start)
        return alone

    @staticmethod
    def _negated(text: str, spans: list[tuple[int, int]], keys: list[str], index: int) -> bool:
        """True when the word before `index` is a negating prefix joined to it ("non-", "in-", "non ", "un ")."""
        if index == 0 or keys[index - 1] not in NEGATING_PREFIXES:
            return False
        gap_start, gap_end = spans[index - 1][1], spans[index][0]
        if _HYPHEN_GAP.fullmatch(text, gap_start, gap_end):
            return True
        return keys[index - 1] in ("non", "un") and _SPACE_GAP.fullmatch(text, gap_start, gap_end) is not None

    @staticmethod
    def _child(node: _TrieNode, text: str, spans: list[tuple[int, int]], keys: list[str],
               index: int) -> _TrieNode | None:
        """The trie node for word `index` under `node`: as written, without a possessive ("OASys's"),
        or as a singular ("ROTLs", "licences")."""
        key = keys[index]
        child = node.next.get(key)
        if child is not None or key[-1:] != "s":
            return child
        start, end = spans[index]
        if text.endswith(_POSSESSIVE, start, end):
            child = node.next.get(word_key(text[start:end - 2]))
            if child is not None:
                return child
        for form in singular_forms(key):
            child = node.next.get(form)
            if child is not None:
                return child
        return None

    def _longest_match(
        self, text: str, spans: list[tuple[int, int]], keys: list[str], first: int
    ) -> tuple[SpotName, int] | None:
        """The longest name starting at word `first` that passes its rules, and the word after it."""
        candidates: list[tuple[SpotName, int]] = []
        node = self._child(self._root, text, spans, keys, first)
        position = first + 1
        while node is not None:
            if node.name is not None:
                candidates.append((node.name, position))
            if position >= len(keys) or not node.next:
                break
            gap_start, gap_end = spans[position - 1][1], spans[position][0]
            if not (gap_end == gap_start + 1 and text[gap_start] == " ") and not _PHRASE_GAP.fullmatch(
                    text, gap_start, gap_end):
                break
            node = self._child(node, text, spans, keys, position)
            position += 1
        for name, after in reversed(candidates):
            if self._passes(name, text, spans, keys, first, after):
                return name, after
        return None

    def _passes(
        self, name: SpotName, text: str, spans: list[tuple[int, int]], keys: list[str], first: int, after: int
    ) -> bool:
        if name.capitals:
            written = text[spans[first][0]:spans[first][1]]
            stem = written if keys[first] in self._root.next else _PLURAL_TAIL.sub("", written)
            letters = stem.replace(".", "")
            # "PO", "POs" and "ViSOR" are written as letters; "Po" or "po" are words.
            if not (letters.isupper() or looks_like_acronym(letters)) or self._shouting(text, spans, keys, first):
                return False
            return not self._in_address(text, spans, keys, after)
        if name.proper:
            return text[spans[first][0]].isupper() and not self._in_address(text, spans, keys, after) and not (
                self._starts_sentence(text, spans, first) and after < len(keys) and keys[after] in OBJECT_WORDS)
        if name.title_case:
            return all(
                text[start].isupper() or keys[i] in _SMALL_WORDS
                for i, (start, _end) in enumerate(spans[first:after], start=first)
            )
        return True

    @staticmethod
    def _starts_sentence(text: str, spans: list[tuple[int, int]], index: int) -> bool:
        return index == 0 or _SENTENCE_BREAK.search(text, spans[index - 1][1], spans[index][0]) is not None

    @staticmethod
    def _in_address(text: str, spans: list[tuple[int, int]], keys: list[str], after: int) -> bool:
        """True when the next word names a building or a street ("Horizon House", "PO Box")."""
        return (after < len(keys) and keys[after] in ADDRESS_WORDS and text[spans[after][0]].isupper()
                and _SPACE_GAP.fullmatch(text, spans[after - 1][1], spans[after][0]) is not None)

    def _shouting(self, text: str, spans: list[tuple[int, int]], keys: list[str], index: int) -> bool:
        """True when most other words in the same sentence are in capitals too ("IT IS OK")."""
        neighbours: list[int] = []
        for step in (-1, 1):
            position = index
            while len(neighbours) < 2 * _NEIGHBOURS:
                after = position + step
                if after < 0 or after >= len(spans):
                    break
                left, right = (after, position) if step < 0 else (position, after)
                if _SENTENCE_BREAK.search(text, spans[left][1], spans[right][0]):
                    break
                neighbours.append(after)
                position = after
                if abs(position - index) >= _NEIGHBOURS:
                    break
        total = capitals = 0
        for position in neighbours:
            word = text[spans[position][0]:spans[position][1]]
            if len(word) < 2 or not word.isalpha() or keys[position] in self._acronym_words:
                continue
            total += 1
            if word.isupper():
                capitals += 1
        return total > 0 and capitals * 2 >= total


def _words(text: str) -> tuple[list[tuple[int, int]], list[str]]:
    """Where each word of `text` is, and its key. A dotted word is one word only when it is letters
    ("H.D.C.", "O.A.S.Y.S"); otherwise it is a forgotten space ("HDC.You") and splits. Words inside a
    postcode or a reference code get the empty key, which matches nothing."""
    matches = list(WORD.finditer(text))
    spans = [match.span() for match in matches]
    words = [match.group() for match in matches]
    if "." in text and any("." in word for word in words):
        spans, words = _split_dotted(spans, words)
    keys = word_keys(words)
    blanks = [match.span() for match in _POSTCODE.finditer(text)]
    if _REFERENCE_PART.search(text):
        blanks += [match.span() for match in _REFERENCE.finditer(text)]
    for start, end in blanks:
        for index in range(bisect_left(spans, (start, -1)), bisect_left(spans, (end, -1))):
            keys[index] = ""
    return spans, keys


def _split_dotted(spans: list[tuple[int, int]], words: list[str]) -> tuple[list[tuple[int, int]], list[str]]:
    """The words with each dotted one that is not letters ("HDC.You", "10.30am") split at its dots."""
    splits = [index for index, word in enumerate(words)
              if "." in word and any(len(piece.rstrip("'’s")) > 1 for piece in word.split("."))]
    if not splits:
        return spans, words
    split_spans: list[tuple[int, int]] = []
    split_words: list[str] = []
    done = 0
    for index in splits:
        split_spans += spans[done:index]
        split_words += words[done:index]
        start = spans[index][0]
        for piece in words[index].split("."):
            split_spans.append((start, start + len(piece)))
            split_words.append(piece)
            start += len(piece) + 1
        done = index + 1
    return split_spans + spans[done:], split_words + words[done:]
