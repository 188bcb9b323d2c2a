"""Finding the question card a message asks, in English, Welsh or Polish, typos and long messages included.

Two well-kept libraries, each for what it is good at:
- SQLite's FTS5 full-text index with BM25 ranking (in Python's own sqlite3) finds the asks that share the
  message's rarer words, however long the message and whatever the word order;
- rapidfuzz corrects typos against the asks' own words first ("lisence" -> "licence"), and then scores
  each candidate ask against the whole message (token set ratio), which decides how sure the match is.

A sentence-embedding model was the other choice the issue named. It would need a model download and
hundreds of megabytes, and would not know Welsh well; FTS5 and rapidfuzz install with Signpost, start
in milliseconds, and let editors fix a miss by adding an ask.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz, process

from glossary.normalize import fold_accents
from glossary.questions import QuestionCard, QuestionLibrary

CANDIDATE_ASKS = 40  # the BM25 hits re-scored with rapidfuzz
SURE_SCORE = 82  # token set ratio at which the best card is the answer...
SURE_MARGIN = 6  # ...when it is this far ahead of the next card
CLOSE_SCORE = 60  # below this, no card is offered at all
MIN_TYPO_LENGTH = 4
TYPO_SCORE = 80
MAX_QUERY_WORDS = 40

# Words too common to tell one question from another, in the three languages (after fold_accents()).
STOP_WORDS = frozenset(["a", "an", "and", "are", "am", "as", "at", "be", "been", "but", "by", "can", "could", "do", "does", "did", "for", "from", "get", "got", "have", "has", "had", "how", "i", "i'm", "im", "if", "in", "into", "is", "it", "its", "me", "my", "of", "on", "or", "so", "that", "the", "their", "them", "then", "there", "they", "this", "to", "up", "was", "we", "were", "what", "whats", "when", "where", "which", "who", "why", "will", "with", "would", "you", "your", "yours", "ok", "okay", "please", "pls", "hi", "hello", "thanks", "a", "ac", "am", "ar", "beth", "bod", "dw", "dwi", "fy", "gyda", "i", "mae", "mewn", "na", "neu", "o", "oes", "pa", "pam", "sut", "y", "yn", "yr", "ydw", "ydy", "ga", "gall", "a", "ale", "czy", "co", "do", "i", "jak", "jest", "jestem", "ja", "mi", "mnie", "moge", "moj", "na", "nie", "o", "po", "sie", "ta", "to", "w", "we", "z", "za", "zeby"])


class Confidence(StrEnum):
    SURE = "sure"  # show the card
    CLOSE = "close"  # offer the top cards as buttons


@dataclass(frozen=True)
class QuestionMatch:
    confidence: Confidence
    cards: tuple[QuestionCard, ...]  # best first: one when sure, up to three when close
    score: float


class QuestionIndex:
    """An in-memory FTS5 index of every ask, built once per content load and read by many threads."""

    def __init__(self, library: QuestionLibrary) -> None:
        self.library = library
        self._lock = threading.Lock()
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute("CREATE VIRTUAL TABLE asks USING fts5(text, card UNINDEXED, language UNINDEXED, "
                         "tokenize = 'unicode61 remove_diacritics 2')")
        self._asks: list[tuple[str, str, str]] = []  # rowid - 1 -> (card id, language, normalised ask)
        vocabulary: set[str] = set()
        for card in library:
            for language, asks in card.asks.items():
                for ask in asks:
                    words = fold_accents(ask)
                    if words:
                        self._asks.append((card.id, language, words))
                        vocabulary.update(words.split())
        self._db.executemany("INSERT INTO asks(rowid, text, card, language) VALUES (?, ?, ?, ?)",
                             [(number + 1, words, card, language)
                              for number, (card, language, words) in enumerate(self._asks)])
        self._db.commit()
        self._vocabulary = tuple(sorted(vocabulary))
        self._known = frozenset(vocabulary)

    def match(self, text: str) -> QuestionMatch | None:
        """The card the message asks (sure), the top three (close), or None when nothing is close."""
        words = self.query_words(text)
        if not words:
            return None
        hits = self.search(words)
        if not hits:
            return None
        message = " ".join(words)
        wanted = set(words)
        best_by_card: dict[str, float] = {}
        for rowid in hits:
            card_id, _language, ask = self._asks[rowid - 1]
            # Half how alike the two read, half how much of the message the ask covers: a short ask that
            # shares one word with a long message is not a match.
            covered = 100 * len(wanted & set(ask.split())) / len(wanted)
            score = (fuzz.token_set_ratio(message, ask) + covered) / 2
            if score > best_by_card.get(card_id, -1.0):
                best_by_card[card_id] = score
        ranked = sorted(best_by_card.items(), key=lambda item: -item[1])
        best_id, best = ranked[0]
        if best < CLOSE_SCORE:
            return None
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        cards = [self.library.get(card_id) for card_id, score in ranked[:3] if score >= CLOSE_SCORE]
        found = tuple(card for card in cards if card is not None)
        if best >= SURE_SCORE and best - second >= SURE_MARGIN:
            return QuestionMatch(Confidence.SURE, found[:1], best)
        return QuestionMatch(Confidence.CLOSE, found, best)

    def query_words(self, text: str) -> list[str]:
        """The message's words, typos corrected against the asks' words, common words left out."""
        words = [word for word in fold_accents(text or "").replace("*", " ").split()][:MAX_QUERY_WORDS]
        corrected = []
        for word in words:
            if word in STOP_WORDS:
                continue
            if len(word) >= MIN_TYPO_LENGTH and word not in self._known:
                found = process.extractOne(word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=TYPO_SCORE)
                if found is None:
                    continue  # a word no ask uses cannot help find one
                word = found[0]
            corrected.append(word)
        return corrected

    def search(self, words: Iterable[str]) -> list[int]:
        """The bare library query: FTS5's BM25 over every ask, best first (the benchmark's floor)."""
        terms = " OR ".join(f'"{word}"' for word in dict.fromkeys(words))
        if not terms:
            return []
        with self._lock:
            rows = self._db.execute("SELECT rowid FROM asks WHERE asks MATCH ? ORDER BY bm25(asks) LIMIT ?",
                                    (terms, CANDIDATE_ASKS)).fetchall()
        return [rowid for (rowid,) in rows]
