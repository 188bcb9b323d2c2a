"""Finding the question card a message asks, in English, Welsh or Polish, typos and long messages included.

Two well-kept libraries, each for what it is good at:
- SQLite's FTS5 full-text index with BM25 ranking (in Python's own sqlite3) finds the cards whose asks,
  or more weakly whose answer, share the message's words, however long the message and whatever the
  word order;
- rapidfuzz links each word of the message to the words the cards use: a typo ("lisence" -> "licence"),
  another ending of the same word ("recalled" -> "recall", "kuratorem" -> "kuratora") or, in Welsh, a
  mutated form ("nhrwydded" -> "trwydded"), each counted a little less than the word itself.

Each candidate card is then scored on two things, with every word weighted by how rare it is among the
cards (a word most cards use, like "probation", tells little): how much of the message the card's asks
explain (a word in most of a card's asks counts more than one in a single ask, and one only in its
answer counts a little), and how closely the message reads like its single closest ask (both ways, so a
short ask that shares one word with a long message is not a match). A card is shown when it is clearly
ahead of the next and enough of the message's words back it; when two or three are near, they are
offered as buttons; a message whose words no card uses gets nothing.

A sentence-embedding model was the other choice the issue named. It would need a model download and
hundreds of megabytes, and would not know Welsh well; FTS5 and rapidfuzz install with Signpost, start
in milliseconds, and let editors fix a miss by adding an ask.
"""

from __future__ import annotations

import math
import os
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz, process

from glossary.normalize import fold_accents, word_set
from glossary.questions import QuestionCard, QuestionLibrary

CANDIDATE_ASKS = 40  # search(): the bare BM25 hits over the asks
CANDIDATE_CARDS = 30  # the cards FTS5 finds for a message, scored in full
SURE_SCORE = 46  # the best card is the answer when it scores this...
SURE_MARGIN = 5  # ...and is this far ahead of the next card
CLOSE_SCORE = 30  # below this, no card is offered at all
CLOSE_WINDOW = 25  # a card this far behind the best is not offered as a button
MAX_QUERY_WORDS = 40
COVER_SHARE = 0.5  # the score: this much how much of the message the card explains, the rest its closest ask
ANSWER_EVIDENCE = 0.2  # a word found only in the card's answer counts this much of a word in its asks
MESSAGE_WEIGHT = 8.0  # how much of a long message a card need explain: about two rare words
TOPIC_EVIDENCE = 3.6  # sure needs a word this rare and central to the card (rarity x centrality)...
SECOND_EVIDENCE = 0.6  # ...or a second word that counts this much
READ_WEIGHT = 12.0  # the same, when the message is read against one ask
UNKNOWN_WEIGHT = 3.5  # a word no card uses counts against a match, like a rare word
SALIENCE_HALF = 1.0  # a word in this many of a card's asks counts half as much towards it as its topic word
MIN_FUZZY_LENGTH = 4
FUZZY_CUTOFF = 70
FUZZY_LIMIT = 12
SAME_WORD = 1.0
OTHER_ENDING = 0.9  # "recall" / "recalled", "kurator" / "kuratorem"
WELSH_MUTATION = 0.85  # "trwydded" / "drwydded" / "nhrwydded"
TYPO = 0.8  # "lisence" / "licence"

# Words too common to tell one question from another, in the three languages (after fold_accents()).
# Question words ("where", "when", "how") and words like "out", "no" or "new" stay: they are how people
# tell "what is naloxone" from "where do i get naloxone", and rarity weighting keeps them light.
STOP_WORDS = word_set("""
a about an and are am as at be been being but by can could did do does doing for from had has he her him his i
if in into is it its me my myself of on or our she so that thats the their them then they this those to u
ur us was we were will with would ya you your youre yours hi hiya hey hello thanks thank cheers lol omg
basically actually please pls plz ok okay um
ac am ar arna be bod chi dw dwi fi fy gan gyda hi i mae maer mewn na neu nhw o or ir y yn yr ydw ydy yw
efo efor gydar ei e fe fo ti sy syn sydd plis ga alla all gall gallu
a ale albo bo by czy czego i ja jak jest jestem mi mnie moge moze na o sie ta tak to tu w we z za ze zeby
hej prosze
""")

# Text-speak and short forms, and the words the cards use for them.
SHORT_FORMS: Mapping[str, str] = {
    "appt": "appointment", "appts": "appointments", "apt": "appointment", "tmrw": "tomorrow",
    "tmr": "tomorrow", "2moro": "tomorrow", "2morrow": "tomorrow", "2day": "today", "2nite": "tonight",
    "tonite": "tonight", "nite": "night", "gf": "girlfriend", "bf": "boyfriend", "cos": "because",
    "coz": "because", "bc": "because", "wen": "when", "wot": "what", "wat": "what", "wt": "what",
    "r": "are", "b4": "before", "txt": "text", "msg": "message", "msgs": "messages", "ppl": "people",
    "gfs": "girlfriends", "bfs": "boyfriends", "cn": "can", "dnt": "dont", "cnt": "cant", "av": "have",
    "ave": "have", "wanna": "want", "gonna": "going", "gotta": "got",
    "meds": "medication", "docs": "documents", "info": "information", "bday": "birthday",
    "uc": "universal credit", "ap": "approved premises",  # the asks use both, so they are one
}

# Welsh words change their first letter after some words ("trwydded", "fy nhrwydded", "ar drwydded").
# Each mutated beginning and the beginnings it may have come from ("rh" and "ll" are their own, and stop
# "r" and "l" being read as mutations of them).
_MUTATIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ngh", ("c",)), ("mh", ("p",)), ("nh", ("t",)), ("ng", ("g",)), ("ph", ("p",)), ("th", ("t",)),
    ("ch", ("c",)), ("dd", ("d",)), ("rh", ("rh",)), ("ll", ("ll",)), ("b", ("p",)), ("d", ("t",)),
    ("g", ("c",)), ("f", ("b", "m")), ("m", ("b",)), ("n", ("d",)), ("l", ("ll",)), ("r", ("rh",)),
)
MIN_MUTATION_LENGTH = 5
# Endings that make another form of a short word ("miss" -> "missed", "chory" -> "chorym"); a short word
# with anything else after it is another word ("part" and "partner", "swydd" and "swyddog").
_ENDINGS = word_set("s es ed d ing y ie ys a e i o u em om ow ami ach ych ego emu ej ia iu")


def _radicals(word: str) -> frozenset[str]:
    """The word and the Welsh words it may be a mutated form of ("nhrwydded" -> "trwydded")."""
    found = {word}
    if len(word) >= MIN_MUTATION_LENGTH:
        for mutated, radicals in _MUTATIONS:
            if word.startswith(mutated):
                found.update(radical + word[len(mutated):] for radical in radicals)
                break
        if word[0] in "aeiouwy":
            found.add("g" + word)
    return frozenset(found)


def _likeness(word: str, other: str, ratio: float) -> float:
    """How much `other` counts as `word`: another ending of it, a Welsh mutation, a typo, or not at all."""
    if word == other:
        return SAME_WORD
    shorter, longer = sorted((len(word), len(other)))
    common = len(os.path.commonprefix([word, other]))
    if shorter >= MIN_FUZZY_LENGTH and common == shorter and (
            longer - shorter <= 4 if shorter >= 6 else max(word, other, key=len)[shorter:] in _ENDINGS):
        return OTHER_ENDING
    if common >= 5 and common >= 0.6 * longer:
        return OTHER_ENDING
    if shorter >= 5 and common >= shorter - 1 and longer - common <= 3:
        return OTHER_ENDING  # "chory" / "chora" / "chorego"
    if _radicals(word) & _radicals(other):
        return WELSH_MUTATION
    if shorter > MIN_FUZZY_LENGTH and ratio >= (85 if shorter < 7 else 80 if shorter < 8 else 78):
        return TYPO  # not for short words: "rain" is not a typo for "train", nor "leeds" for "needs"
    return 0.0


def _content_words(text: str) -> list[str]:
    words = fold_accents(text or "").replace("*", " ").split()
    return [word for typed in words for word in SHORT_FORMS.get(typed, typed).split()
            if word not in STOP_WORDS]


def _idf(cards_with: int, cards: int) -> float:
    return math.log(1 + (cards - cards_with + 0.5) / (cards_with + 0.5))


class Confidence(StrEnum):
    SURE = "sure"  # show the card
    CLOSE = "close"  # offer the top cards as buttons


@dataclass(frozen=True)
class QuestionMatch:
    confidence: Confidence
    cards: tuple[QuestionCard, ...]  # best first: one when sure, up to three when close
    score: float


@dataclass(frozen=True)
class _Term:
    word: str  # as typed (folded)
    like: Mapping[str, float]  # the cards' words it stands for, and how much each counts
    weight: float  # how rare it is among the cards


@dataclass(frozen=True)
class _Scored:
    card: str
    score: float
    grounded: bool  # enough words in common for the card to be sure


class QuestionIndex:
    """An in-memory FTS5 index of every ask, built once per content load and read by many threads."""

    def __init__(self, library: QuestionLibrary) -> None:
        self.library = library
        self._lock = threading.Lock()
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute("CREATE VIRTUAL TABLE asks USING fts5(text, card UNINDEXED, language UNINDEXED, "
                         "tokenize = 'unicode61 remove_diacritics 2')")
        self._db.execute("CREATE VIRTUAL TABLE cards USING fts5(asks, more, card UNINDEXED, "
                         "tokenize = 'unicode61 remove_diacritics 2')")
        self._asks: list[tuple[str, str, str]] = []  # rowid - 1 -> (card id, language, normalised ask)
        self._card_asks: dict[str, list[frozenset[str]]] = {}  # card id -> the content words of each ask
        self._card_words: dict[str, frozenset[str]] = {}  # card id -> every content word of its asks
        self._card_more: dict[str, frozenset[str]] = {}  # card id -> words only its answer, do and terms use
        self._salience: dict[str, dict[str, float]] = {}  # card id -> word -> how central it is to the card
        card_rows = []
        for card in library:
            asks_text = []
            per_ask = []
            for language, asks in card.asks.items():
                for ask in asks:
                    words = fold_accents(ask)
                    if words:
                        self._asks.append((card.id, language, words))
                        asks_text.append(words)
                        per_ask.append(frozenset(_content_words(words)))
            own = frozenset().union(*per_ask) if per_ask else frozenset()
            more_text = " ".join([*card.answer.values(), *card.do.values(), *(card.wales or {}).values(),
                                  *card.related])
            more = frozenset(_content_words(more_text)) - own
            self._card_asks[card.id] = per_ask
            uses: dict[str, int] = {}
            for words_of_ask in per_ask:
                for word in words_of_ask:
                    uses[word] = uses.get(word, 0) + 1
            self._salience[card.id] = {word: count / (count + SALIENCE_HALF) for word, count in uses.items()}
            self._card_words[card.id] = own
            self._card_more[card.id] = more
            card_rows.append((" ".join(asks_text), " ".join(sorted(more)), card.id))
        self._db.executemany("INSERT INTO asks(rowid, text, card, language) VALUES (?, ?, ?, ?)",
                             [(number + 1, words, card, language)
                              for number, (card, language, words) in enumerate(self._asks)])
        self._db.executemany("INSERT INTO cards(asks, more, card) VALUES (?, ?, ?)", card_rows)
        self._db.commit()
        self._cards_with: dict[str, set[str]] = {}  # word -> the cards whose asks use it
        self._cards_more: dict[str, set[str]] = {}  # word -> the cards whose answer alone uses it
        for card_id, own_words in self._card_words.items():
            for word in own_words:
                self._cards_with.setdefault(word, set()).add(card_id)
        for card_id, more_words in self._card_more.items():
            for word in more_words:
                self._cards_more.setdefault(word, set()).add(card_id)
        vocabulary = set(self._cards_with) | set(self._cards_more)
        self._vocabulary = tuple(sorted(vocabulary))
        self._known = frozenset(vocabulary)
        self._by_radical: dict[str, set[str]] = {}
        for word in self._vocabulary:
            for radical in _radicals(word):
                self._by_radical.setdefault(radical, set()).add(word)
        self._ask_weight = {word: _idf(len(cards), len(library)) for word, cards in self._cards_with.items()}

    def match(self, text: str) -> QuestionMatch | None:
        """The card the message asks (sure), the top three (close), or None when nothing is close."""
        ranked = self._rank(text)
        if not ranked or ranked[0].score < CLOSE_SCORE:
            return None
        best = ranked[0]
        second = ranked[1].score if len(ranked) > 1 else 0.0
        if best.score >= SURE_SCORE and best.score - second >= SURE_MARGIN and best.grounded:
            card = self.library.get(best.card)
            return QuestionMatch(Confidence.SURE, (card,) if card else (), best.score)
        cards = [self.library.get(found.card) for found in ranked[:3]
                 if found.score >= CLOSE_SCORE and found.score >= best.score - CLOSE_WINDOW]
        return QuestionMatch(Confidence.CLOSE, tuple(card for card in cards if card is not None), best.score)

    def _rank(self, text: str) -> list[_Scored]:
        terms = self._terms(text)
        known = [term for term in terms if term.like]
        if not known:
            return []
        # A long message tells its story around the question: past a few rare words' worth, more words
        # do not make a card explain less of it.
        full = sum(term.weight for term in terms)
        total = min(full, MESSAGE_WEIGHT)
        reads_total = min(full, READ_WEIGHT)
        scored = []
        for card_id in self._candidates(word for term in known for word in term.like):
            salience, more = self._salience[card_id], self._card_more[card_id]
            shares = sorted((term.weight * max(self._central(term, salience),
                                               ANSWER_EVIDENCE * self._found(term, more)) for term in known),
                            reverse=True)
            covered = min(sum(shares) / total, 1.0)
            closest = max((self._reads_like(terms, reads_total, ask) for ask in self._card_asks[card_id]),
                          default=0.0)
            # Words in common can be chance ("are you single" and "single man out of prison", "where is the
            # nearest cinema" and "where is my nearest food bank"): a card is only sure when the message's
            # words are found in two of its asks (or its answer), or the message has no word the cards do
            # not use; and when it has the card's topic word, or two of its words.
            grounded = (self._sources(known, card_id) >= 2 or len(known) == len(terms)) and (
                shares[0] >= TOPIC_EVIDENCE or (len(shares) > 1 and shares[1] >= SECOND_EVIDENCE))
            score = 100 * (COVER_SHARE * covered + (1 - COVER_SHARE) * closest)
            scored.append(_Scored(card_id, score, grounded))
        scored.sort(key=lambda found: -found.score)
        return scored

    def query_words(self, text: str) -> list[str]:
        """The message's words, typos corrected against the cards' words, common words left out."""
        words = []
        for term in self._terms(text):
            if term.like:
                words.append(max(term.like.items(), key=lambda item: (item[1], item[0] == term.word))[0])
        return words

    def search(self, words: Iterable[str]) -> list[int]:
        """The bare library query: FTS5's BM25 over every ask, best first (the benchmark's floor)."""
        terms = " OR ".join(f'"{word}"' for word in dict.fromkeys(words))
        if not terms:
            return []
        with self._lock:
            rows = self._db.execute("SELECT rowid FROM asks WHERE asks MATCH ? ORDER BY bm25(asks) LIMIT ?",
                                    (terms, CANDIDATE_ASKS)).fetchall()
        return [rowid for (rowid,) in rows]

    def _candidates(self, words: Iterable[str]) -> list[str]:
        """The cards sharing the message's words, by BM25 with the asks counting more than the answer."""
        terms = " OR ".join(f'"{word}"' for word in dict.fromkeys(words))
        with self._lock:
            rows = self._db.execute(
                "SELECT card FROM cards WHERE cards MATCH ? ORDER BY bm25(cards, 1.0, 0.3) LIMIT ?",
                (terms, CANDIDATE_CARDS)).fetchall()
        return [card_id for (card_id,) in rows]

    def _terms(self, text: str) -> list[_Term]:
        words = list(dict.fromkeys(_content_words(text)))[:MAX_QUERY_WORDS]
        terms = []
        cards = len(self.library)
        likes = {word: self._like(word) for word in words}
        for word in words:
            like = likes[word]
            in_asks: set[str] = set()
            in_more: set[str] = set()
            for other in like:
                in_asks |= self._cards_with.get(other, set())
                in_more |= self._cards_more.get(other, set())
            if in_asks:
                weight = _idf(len(in_asks), cards)
            elif in_more:
                weight = _idf(len(in_more), cards)
            else:
                weight = UNKNOWN_WEIGHT
            terms.append(_Term(word, like, weight))
        return terms

    def _like(self, word: str) -> dict[str, float]:
        """The cards' words that stand for `word`, and how much each counts."""
        like: dict[str, float] = {}
        if word in self._known:
            like[word] = SAME_WORD
        for radical in _radicals(word):
            for other in self._by_radical.get(radical, ()):
                if other != word:
                    like[other] = max(like.get(other, 0.0), WELSH_MUTATION)
        if len(word) >= MIN_FUZZY_LENGTH:
            for other, ratio, _ in process.extract(word, self._vocabulary, scorer=fuzz.ratio,
                                                   score_cutoff=FUZZY_CUTOFF, limit=FUZZY_LIMIT):
                likeness = _likeness(word, other, ratio)
                if likeness == TYPO and word in self._known:
                    continue  # a word the cards use is not a typo for another ("recall" is not "really")
                if likeness:
                    like[other] = max(like.get(other, 0.0), likeness)
        return like

    def _sources(self, terms: list[_Term], card_id: str) -> int:
        """In how many of the card's asks, and its answer, the message's words are found."""
        found: set[int] = set()
        asks = self._card_asks[card_id]
        for term in terms:
            for number, ask in enumerate(asks):
                if any(other in ask for other in term.like):
                    found.add(number)
            if any(other in self._card_more[card_id] for other in term.like):
                found.add(-1)
        return len(found)

    @staticmethod
    def _central(term: _Term, salience: Mapping[str, float]) -> float:
        """How much the card is about the term: a word in most of its asks counts fully, in one ask less."""
        return max((likeness * salience[other] for other, likeness in term.like.items() if other in salience),
                   default=0.0)

    @staticmethod
    def _found(term: _Term, words: frozenset[str]) -> float:
        return max((likeness for other, likeness in term.like.items() if other in words), default=0.0)

    def _reads_like(self, terms: list[_Term], total: float, ask: frozenset[str]) -> float:
        """How alike the message and one ask are, both ways: the F-measure of the two coverages."""
        if not ask:
            return 0.0
        message_side = min(sum(term.weight * self._found(term, ask) for term in terms if term.like) / total,
                           1.0)
        matched: dict[str, float] = {}
        for term in terms:
            for other, likeness in term.like.items():
                if other in ask:
                    matched[other] = max(matched.get(other, 0.0), likeness)
        weights = self._ask_weight
        ask_total = sum(weights.get(word, UNKNOWN_WEIGHT) for word in ask)
        ask_side = sum(weights.get(word, UNKNOWN_WEIGHT) * likeness for word, likeness in matched.items())
        ask_side /= ask_total
        if not message_side or not ask_side:
            return 0.0
        return 2 * message_side * ask_side / (message_side + ask_side)
