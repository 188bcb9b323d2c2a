"""A worker's message, checked before it goes: jargon gets its plain form suggested, long sentences are flagged.

People reading these messages often read below age-11 level. The check does not change the text:
it tells the worker, who decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from glossary.everyday import EVERYDAY_ACRONYMS
from glossary.search import GlossaryIndex

MAX_WORDS = 20
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


@dataclass(frozen=True)
class Note:
    kind: str  # "jargon" or "long_sentence"
    found: str  # the word, or the start of the sentence
    advice: str


def _first_sentence(text: str) -> str:
    sentence = _SENTENCE_END.split(text.strip(), maxsplit=1)[0]
    return sentence.rstrip(".")


def check_message(index: GlossaryIndex, text: str, max_words: int = MAX_WORDS) -> list[Note]:
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
    for sentence in _SENTENCE_END.split(text.strip()):
        words = _WORD.findall(sentence)
        if len(words) > max_words:
            start = " ".join(words[:6])
            notes.append(Note("long_sentence", start,
                              f'"{start}..." has {len(words)} words. Try two short sentences of up to {max_words}.'))
    return notes
