"""Turning what people type into keys the glossary index can compare.

People write the same word many ways: "O.A.S.Y.S", "o a s y s", "OASys", "oasys". They wrap it in a
question ("whats a rotl?", "what does HDC mean"), add a plural ("ROTLs", "licences") or a possessive
("PO's"). Everything here is plain string work so the search and the spotter share one idea of a key.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_APOSTROPHES = "'’‘`´"
_DROP = str.maketrans("", "", "." + _APOSTROPHES)
_NOT_WORD = re.compile(r"[^\w&]+|_")
_AMPERSAND = re.compile(r"\s*&\s*")
# Two or more single letters or digits in a row, as in "o a s y s" or "h d c".
_SPELLED_OUT = re.compile(r"\b(?:\w )+\w\b")
# Words the phrase spotter walks over; "O.A.S.Y.S", "PO's" and "you're" stay one word, "&" is "and".
WORD = re.compile(r"[^\W_]+(?:[.'’][^\W_]+)*|&")


def word_set(text: str) -> frozenset[str]:
    """The words of a block of text, for word lists kept readable in the source."""
    return frozenset(text.split())


_NOT_DECOMPOSED = str.maketrans({"ł": "l", "Ł": "l", "ø": "o", "đ": "d", "ß": "ss"})
_NOT_PLAIN = re.compile(r"[^a-z0-9*]+")


def fold_accents(text: str) -> str:
    """Lower case, no accents, no apostrophes, words split by single spaces, and "*" kept.

    How free text is compared with editors' phrases in any of the three languages: "Chcę się ZABIĆ"
    -> "chce sie zabic", "I'm" -> "im", "Łódź" -> "lodz", "ŵyr" -> "wyr".
    """
    text = text.translate(str.maketrans("", "", _APOSTROPHES)).translate(_NOT_DECOMPOSED).casefold()
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return " ".join(_NOT_PLAIN.sub(" ", text).split())


def fold(text: str) -> str:
    """Case-folded words separated by single spaces, without dots, apostrophes or other punctuation.

    "Magistrates' Court" -> "magistrates court"; "O.A.S.Y.S." -> "oasys"; "Through-the-Gate" ->
    "through the gate"; "Education, Training & Employment" -> "education training and employment".
    """
    if not text.isascii():  # ASCII is its own NFKC form
        text = unicodedata.normalize("NFKC", text)
    text = text.casefold().translate(_DROP)
    if "&" in text:
        text = _AMPERSAND.sub(" and ", text)
    return " ".join(_NOT_WORD.sub(" ", text).split())


def join_spelled_letters(key: str) -> str:
    """Join letters typed one by one: "o a s y s" -> "oasys", "what is h d c" -> "what is hdc"."""
    if " " not in key:
        return key
    return _SPELLED_OUT.sub(lambda match: match.group(0).replace(" ", ""), key)


def key_of(text: str) -> str:
    """The single key both index names and queries are reduced to before comparing."""
    return join_spelled_letters(fold(text))


def word_key(word: str) -> str:
    """The key of one word as `WORD` finds it in running text (no letter joining: "I a m" stays apart)."""
    if word == "&":
        return "and"
    return word.casefold().translate(_DROP)


def word_keys(words: list[str]) -> list[str]:
    """`word_key` of each word, in one pass over all of them (a letter's 300 words at once)."""
    if not words:
        return []
    # Words as `WORD` finds them hold no spaces, so the keys split apart again one to one.
    keys = " ".join(words).casefold().translate(_DROP).split(" ")
    return ["and" if word == "&" else key for word, key in zip(words, keys, strict=True)] if "&" in words else keys


def singular_forms(word: str) -> tuple[str, ...]:
    """Possible singulars of a folded word, most likely first: "licences" -> ("licenc", "licence").

    Returns nothing for words that do not look plural. The caller keeps only forms it knows, so a
    wrong guess ("licenc") costs one dictionary miss and nothing else.
    """
    forms: list[str] = []
    if len(word) > 4 and word.endswith("ies"):
        forms.append(word[:-3] + "y")
    if len(word) > 3 and word.endswith("es"):
        forms.append(word[:-2])
    if len(word) > 2 and word.endswith("s") and not word.endswith("ss"):
        forms.append(word[:-1])
    return tuple(forms)


def singular_phrases(key: str) -> tuple[str, ...]:
    """The phrase with its last word made singular: "spent convictions" -> ("spent conviction", ...)."""
    head, _, last = key.rpartition(" ")
    prefix = f"{head} " if head else ""
    return tuple(prefix + form for form in singular_forms(last))


# ---------------------------------------------------------------------------------------------
# Questions around a term

_WHAT = r"(?:what|wat|wot|wht|whta|waht)"
_QUESTION_PREFIXES: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"(?:hi|hello|hey|hiya|ok|okay|so|um|umm|erm|please|pls|plz|sorry|excuse me|yo)\b[\s,!.]*",
        r"(?:can|could|would|will) (?:you|u) (?:please |pls )?"
        r"(?:tell me|explain|say|help me understand|help me with|define)\b\s*(?:to me\s*)?",
        r"(?:i )?(?:don'?t|do not|dont|didn'?t|did not|cannot|can'?t|cant) "
        r"(?:know|understand|get|remember)\b\s*",
        r"(?:i )?(?:want|need|would like|wanna) to (?:know|understand)\b\s*",
        r"(?:tell me|explain|define|describe|what about|how about|info on|information on|help with)"
        r"\b\s*(?:about\s+)?",
        r"(?:the )?(?:meaning|definition) of\s+",
        _WHAT + r"(?:\s*['’]?\s*s)?\b\s*(?:(?:does|do|dose|doe|is|are|r|was|means?)\b\s*)?"
        r"(?:(?:they|you|u|it|he|she) mean by\b\s*)?",
        r"(?:who|whos|who['’]s)\b\s*(?:(?:is|are)\b\s*)?",
        r"means?\s+",
        r"(?:a|an|the|my|your|ur|me|this|that|these|those|some)\s+",
        r"(?:word|term|acronym|abbreviation|letters)\s+",
    )
)
_QUESTION_SUFFIXES: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern + r"\s*$", re.IGNORECASE)
    for pattern in (
        r"\s+(?:please|pls|plz|thanks|thank you|thx|ta|then|again|mate)",
        r"\s+(?:mean|means|meaning|meen|meens|stand for|stands for|short for|mean for me|means for me"
        r"|mean in english|means in english|means what|mean what|is what)",
        r"\s+(?:is|are|is it|are they|was)",
        r"\s+(?:in|on) (?:my|the|your) (?:letter|licence|license|paper|papers|text|form)",
    )
)
_EDGE_JUNK = " \t\r\n?!.,:;\"“”'’‘()[]*-"


@dataclass(frozen=True)
class QueryPart:
    """A stretch of the original query: `text[start:end]`, and its key."""

    start: int
    end: int
    text: str
    key: str


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _EDGE_JUNK:
        start += 1
    while end > start and text[end - 1] in _EDGE_JUNK:
        end -= 1
    return start, end


def question_parts(query: str) -> list[QueryPart]:
    """The query, then the query with more and more question wording peeled off, as offsets into it.

    "what does HDC mean?" -> ["what does HDC mean", "HDC mean", "HDC"]. The search tries them in order,
    so a term that happens to start with "the" still matches before the "the" is peeled off.
    """
    start, end = _trim(query, 0, len(query))
    parts: list[QueryPart] = []
    seen: set[tuple[int, int]] = set()

    def add(start: int, end: int) -> None:
        if start < end and (start, end) not in seen:
            seen.add((start, end))
            text = query[start:end]
            parts.append(QueryPart(start, end, text, key_of(text)))

    add(start, end)
    changed = True
    while changed and start < end:
        changed = False
        # Endings first, so "what does this mean" keeps "this" rather than losing it as a determiner.
        for pattern in _QUESTION_SUFFIXES:
            match = pattern.search(query, start, end)
            if match and match.start() > start:
                start, end = _trim(query, start, match.start())
                add(start, end)
                changed = True
        for pattern in _QUESTION_PREFIXES:
            match = pattern.match(query, start, end)
            if match and match.end() < end:
                start, end = _trim(query, match.end(), end)
                add(start, end)
                changed = True
    return parts


# ---------------------------------------------------------------------------------------------
# What may be written to the editors' gaps log

_SAFE_GAP = re.compile(r"[^\W\d_]+(?:[ '-][^\W\d_]+){0,3}")
# Chat words: a message made only of these ("how are you", "ok thanks") is not a missing glossary word.
_CHAT_WORDS = word_set(
    """
    a am an and are be bye can cheers did do does doing good hello hey hi how i im is it its me mean
    my no not of ok okay please sorry thank thanks that the this to u what whats when where who why
    yeah yes you your
    """
)


def gap_term(key: str) -> str | None:
    """The key if it is safe and useful to record as an unknown word, else None.

    Only short runs of letters (at most four words, 40 characters): a sentence, a number (phone,
    case reference, date) or an email address never reaches the log, so nothing private is kept;
    and chat ("how are you") is not a missing word.
    """
    if not key or len(key) > 40 or not _SAFE_GAP.fullmatch(key):
        return None
    if all(word in _CHAT_WORDS for word in key.split()):
        return None
    return key


def is_short_query(text: str, max_words: int = 8) -> bool:
    """True when a message looks like one word or a question about one, not a pasted text."""
    stripped = text.strip()
    return "\n" not in stripped and len(stripped.split()) <= max_words
