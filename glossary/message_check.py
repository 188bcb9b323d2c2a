"""A worker's message, checked before it goes: jargon gets its plain form suggested, long sentences are flagged.

People reading these messages often read below age-11 level. The check does not change the text:
it tells the worker, who decides.
"""

from __future__ import annotations

from dataclasses import dataclass

from glossary.everyday import EVERYDAY_ACRONYMS
from glossary.plain_language import (
    MAX_SENTENCE_WORDS,
    PlainWords,
    count_words,
    quote_choices,
    split_sentences,
)
from glossary.search import GlossaryIndex

MAX_WORDS = MAX_SENTENCE_WORDS  # the editors' rule, for workers' messages too


@dataclass(frozen=True)
class Note:
    kind: str  # "jargon", "hard_word" or "long_sentence"
    found: str  # the word, or the start of the sentence
    advice: str


def _first_sentence(text: str) -> str:
    sentences = split_sentences(text.strip())
    return sentences[0].rstrip(".") if sentences else ""


def _sentences(text: str) -> list[str]:
    """The editors' sentence splitter, line by line: a line break ends a sentence in a chat message."""
    return [sentence for line in text.splitlines() for sentence in split_sentences(line)]


def check_message(index: GlossaryIndex, text: str, plain_words: PlainWords | None = None,
                  max_words: int = MAX_WORDS) -> list[Note]:
    """Notes on `text`: acronyms, the editors' hard words (content/plain-words.yaml) and long sentences."""
    notes: list[Note] = []
    seen: set[str] = set()
    for spotted in index.spot(text):
        entry = spotted.entry
        if not entry.is_acronym or entry.key in seen or entry.key in EVERYDAY_ACRONYMS:
            continue
        seen.add(entry.key)
        meaning = entry.meanings[spotted.meaning or 0]
        plain = _first_sentence(meaning.explanation)
        written_out = f" ({meaning.full_form})" if meaning.full_form else ""
        notes.append(Note("jargon", spotted.matched, f'{spotted.matched}{written_out}: try plain words, like "{plain}".'))
    for hard, plainer in (plain_words.hard_words_in(text) if plain_words else []):
        notes.append(Note("hard_word", hard, f'"{hard}": try {quote_choices(plainer)}.'))
    for sentence in _sentences(text):
        words = count_words(sentence)
        if words > max_words:
            start = " ".join(sentence.split()[:6]).rstrip(".,;:")
            notes.append(Note("long_sentence", start,
                              f'"{start}..." has {words} words. Try two short sentences of up to {max_words}.'))
    return notes
