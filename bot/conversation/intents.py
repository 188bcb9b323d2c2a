"""Route free text to one of the menu's questions, in English, Welsh or Polish, typos included."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz


class Intent(StrEnum):
    WHERE = "where"
    TEAM = "team"
    APPOINTMENTS = "appointments"
    MONEY = "money"
    PHARMACY = "pharmacy"
    MEANING = "meaning"
    HELP = "help"
    HELP_NOW = "help_now"
    LANGUAGE = "language"
    MENU = "menu"
    LISTEN = "listen"


# Phrases are matched on whole words; single words of 6 letters or more also match with one typo.
PHRASES: dict[Intent, tuple[str, ...]] = {
    Intent.WHERE: (
        "where am i", "what stage", "what happens next", "whats next", "what next", "my release date",
        "when do i get out", "when am i released", "when does my licence end", "my licence", "my dates",
        "timeline", "ble ydw i", "beth nesaf", "gdzie jestem", "co dalej", "kiedy wychodzę",
    ),
    Intent.TEAM: (
        "my team", "who is my", "who are my", "my worker", "my workers", "key worker", "keyworker",
        "who do i call", "who can help", "contact my", "lead professional", "my tîm", "fy nhîm",
        "mój zespół", "moj zespol", "kto mi pomoże",
    ),
    Intent.APPOINTMENTS: (
        "appointment", "appointments", "appt", "when do i see", "next meeting", "when is my next",
        "do i have to go", "apwyntiad", "apwyntiadau", "spotkanie", "spotkania", "wizyta", "wizyty",
    ),
    Intent.MONEY: (
        "money", "benefit", "benefits", "universal credit", "payment", "paid", "cash", "skint", "broke",
        "food bank", "advance", "arian", "budd-daliadau", "pieniądze", "pieniadze", "zasiłek", "zasilek",
    ),
    Intent.PHARMACY: (
        "pharmacy", "chemist", "chemists", "prescription", "dose", "pick up", "pickup", "my meds",
        "medication", "fferyllfa", "apteka", "recepta", "lek", "leki",
    ),
    Intent.MEANING: (
        "what does this mean", "what does it mean", "explain a word", "a word", "beth mae hyn yn ei olygu",
        "co to znaczy",
    ),
    Intent.HELP_NOW: (
        "help now", "i need help now", "need help now", "urgent help", "emergency", "crisis", "sos",
        "help nawr", "argyfwng", "pomoc teraz", "pilne", "nagły wypadek",
    ),
    Intent.HELP: ("help", "help me", "how does this work", "cymorth", "helpu", "pomoc", "pomocy"),
    Intent.LANGUAGE: (
        "language", "change language", "welsh", "polish", "english", "cymraeg", "saesneg", "iaith",
        "polski", "język", "jezyk", "angielski",
    ),
    Intent.MENU: ("menu", "main menu", "start again", "back", "dewislen", "nôl"),
    Intent.LISTEN: ("listen", "read it to me", "read aloud", "voice", "gwrando", "posłuchaj", "sluchaj"),
}

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)


@dataclass(frozen=True)
class _Phrase:
    intent: Intent
    words: tuple[str, ...]


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.replace("’", "'") for w in _WORD.findall(text.casefold()))


_PHRASES: tuple[_Phrase, ...] = tuple(
    _Phrase(intent, _words(phrase)) for intent, phrases in PHRASES.items() for phrase in phrases
)


def strong_route(text: str) -> Intent | None:
    """The menu question a message asks in a phrase of two words or more ("when is my next", "my team"):
    clear enough to win over the questions library even in a longer message. One word ("money", "help")
    is not: "can i get help with a deposit" is a real question that happens to say "help"."""
    words = _words(text)
    if not words or len(words) > 12:
        return None
    best: tuple[int, Intent] | None = None
    for phrase in _PHRASES:
        if len(phrase.words) >= 2 and _contains(words, phrase.words):
            score = len(phrase.words) * 10 + sum(len(w) for w in phrase.words)
            if best is None or score > best[0]:
                best = (score, phrase.intent)
    return best[1] if best is not None else None


def route(text: str) -> Intent | None:
    """The menu question a message asks, or None.

    The longest matching phrase wins, so "what does this mean" beats "mean" and "my licence"
    is "where am I" rather than a glossary word. Only short messages are routed: a pasted
    letter is for the glossary, however many menu words it contains.
    """
    words = _words(text)
    if not words or len(words) > 12:
        return None
    best: tuple[int, Intent] | None = None
    for phrase in _PHRASES:
        if _contains(words, phrase.words):
            score = len(phrase.words) * 10 + sum(len(w) for w in phrase.words)
            if best is None or score > best[0]:
                best = (score, phrase.intent)
    if best is not None:
        return best[1]
    return _fuzzy_single_word(words)


def _contains(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(words[i : i + n] == phrase for i in range(len(words) - n + 1))


def _fuzzy_single_word(words: tuple[str, ...]) -> Intent | None:
    """One typo in a long menu word ("apointment", "pharmacey"); never for short everyday words."""
    best: tuple[float, Intent] | None = None
    for word in words:
        if len(word) < 6:
            continue
        for phrase in _PHRASES:
            if len(phrase.words) != 1 or len(phrase.words[0]) < 6:
                continue
            score = fuzz.ratio(word, phrase.words[0])
            if score >= 85 and (best is None or score > best[0]):
                best = (score, phrase.intent)
    return best[1] if best else None
