"""Turn a reply as shown on screen into words that espeak-ng reads well.

A reply can carry markup, button labels, bullets, emoji and web links. Read aloud as they are,
these come out as noise ("white heavy check mark", "h t t p s colon slash slash ..."),
so they are removed or swapped for a plain word before speech is made.
"""

from __future__ import annotations

import html
import re
import unicodedata

# The word said in place of a web link, and the money words, in each reply language.
_LINK_WORD: dict[str, str] = {"en": "link", "cy": "dolen", "pl": "link"}

_HTML_TAG = re.compile(r"<[^>]+>")
_MARKDOWN_LINK = re.compile(r"\[([^\]\n]+)\]\([^)\s]+\)")
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>()]+", re.IGNORECASE)
# A line made only of bracketed labels, like the terminal chat's "[Listen] [Back]" buttons.
_BUTTON_LINE = re.compile(r"^\s*(?:\[[^\]\n]*\]\s*)+$")
_BULLET = re.compile(r"^\s*(?:[•·▪◦‣●○■□➤►▶✓✔\-–—*+])\s+")
_HEADING = re.compile(r"^\s*#{1,6}\s+")
_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~>=])")
_EMPHASIS = re.compile(r"[*`~]+|(?<![0-9A-Za-z])_+|_+(?![0-9A-Za-z])")
_POUNDS = re.compile(r"£\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{2}))?")
# A UK phone number: 0 then 9 or 10 more digits, maybe in groups. espeak-ng would read
# "0800 328 5644" as "zero eight hundred, three hundred and twenty-eight...".
_PHONE_NUMBER = re.compile(r"(?<![\d£.,])(?:\+44\s?|0)\d{2,4}(?:[ -]?\d{2,4}){1,3}(?![\d.,]\d)")
# espeak-ng says two-capital words such as "UC" or "PO" as a word ("uck"); dots make it say the letters.
_TWO_CAPITALS = re.compile(r"\b([A-Z])([A-Z])\b")
_TWO_LETTER_WORDS = frozenset({
    "OK", "NO", "IN", "IT", "ON", "TO", "DO", "GO", "IF", "OR", "AT", "AN", "AS",
    "BE", "BY", "HE", "ME", "MY", "OF", "SO", "UP", "US", "WE", "AM", "IS",
})
_ENDS_A_SENTENCE = re.compile(r"[.!?:;,]$")
_SPACES = re.compile(r"\s+")


def _pounds_word(whole_pounds: int, language: str) -> str:
    if language == "cy":
        return "punt"  # Welsh keeps the noun singular after a number
    if language == "pl":
        if whole_pounds == 1:
            return "funt"
        if whole_pounds % 10 in (2, 3, 4) and whole_pounds % 100 not in (12, 13, 14):
            return "funty"
        return "funtów"
    return "pound" if whole_pounds == 1 else "pounds"


def _say_pounds(match: re.Match[str], language: str) -> str:
    digits = match.group(1).replace(",", "")
    pence = match.group(2)
    spoken = f"{digits} {_pounds_word(int(digits), language)}"
    if pence and pence != "00":
        spoken += f" {int(pence)}"
    return spoken


def _say_phone_number(match: re.Match[str]) -> str:
    number = match.group(0)
    if number.startswith("+44"):
        number = "0" + number[3:].lstrip()
    if not 10 <= sum(ch.isdigit() for ch in number) <= 11:
        return match.group(0)
    groups = re.split(r"[ -]+", number)
    return ", ".join(" ".join(group) for group in groups if group)


def _spell_capitals(match: re.Match[str]) -> str:
    word = match.group(0)
    if word in _TWO_LETTER_WORDS:
        return word
    return f"{match.group(1)}.{match.group(2)}."


def _is_noise(character: str) -> bool:
    """Emoji, pictures, arrows and joiners: things with no words to say."""
    if "\u2190" <= character <= "\u21ff":  # arrows
        return True
    category = unicodedata.category(character)
    return category in ("So", "Sk", "Cs", "Co") or character in ("\u200d", "\ufe0f", "\ufe0e")


def _say_link(match: re.Match[str], link_word: str) -> str:
    url = match.group(0)
    # A full stop or comma straight after a link belongs to the sentence, not the link.
    trailing = url[len(url.rstrip(".,;:!?")):]
    return link_word + trailing


def _speakable_line(line: str) -> str:
    line = "".join(" " if _is_noise(ch) else ch for ch in line)
    if _BUTTON_LINE.match(line):
        return ""
    line = _HEADING.sub("", line)
    line = _BULLET.sub("", line)
    line = _SPACES.sub(" ", line).strip()
    if line and not _ENDS_A_SENTENCE.search(line):
        line += "."  # so espeak-ng pauses between list items instead of running them together
    return line


def speakable_text(text: str, language: str) -> str:
    """The words to speak for `text` in `language` ("en", "cy" or "pl"), on one line.

    Returns "" when nothing is left to say (for example a message made only of emoji).
    """
    link_word = _LINK_WORD.get(language, _LINK_WORD["en"])
    text = _HTML_TAG.sub("", text)
    text = html.unescape(text)
    text = _MARKDOWN_LINK.sub(r"\1", text)
    text = _URL.sub(lambda match: _say_link(match, link_word), text)
    text = _MARKDOWN_ESCAPE.sub(r"\1", text)
    text = _EMPHASIS.sub("", text)
    text = _PHONE_NUMBER.sub(_say_phone_number, text)
    text = _POUNDS.sub(lambda match: _say_pounds(match, language), text)
    text = _TWO_CAPITALS.sub(_spell_capitals, text)
    lines = (_speakable_line(line) for line in text.splitlines())
    return " ".join(line for line in lines if line)
