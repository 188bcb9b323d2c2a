"""A message as a text message: its encoding, how many fragments it costs, and buttons as numbered replies.

A phone network carries a text in fragments. In the GSM-7 alphabet one fragment holds 160 characters
and each fragment of a longer text 153 (the rest is the header that joins them); the extension
characters (^ { } \\ [ ] ~ | and the euro sign) take two places. A text with any character outside
GSM-7 (Welsh ŵ and ŷ, Polish ą and ł, curly quotes, emoji) goes as UCS-2: 70 in one fragment, 67 each
in a longer text, and a character outside the Basic Multilingual Plane (most emoji) takes two. Notify
charges per fragment, so Signpost counts them the same way.

`render_sms` keeps a message within two fragments where it can, in this order, each step only while
the text is still over two: (1) always, typography with a GSM-7 twin becomes that twin (a curly
apostrophe would otherwise turn a whole English reminder into UCS-2 and halve its room), and blank
lines close up, because on a phone a paragraph break is only a line; (2) the choices after the first
row of buttons are left out (the first row holds the answers a reminder asks for: "I'll be there",
"I can't make it"). What the message says is never cut, and the person's own letters are never
changed: a Welsh or Polish text that needs UCS-2 goes as UCS-2, even if that costs a third fragment.
Keeping within two is the wording's job (the short SMS templates under content/templates/reminders/sms).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from bot import i18n
from bot.messages import Button, split_for_channel

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67
TARGET_FRAGMENTS = 2
# Notify's limit for one text message (6 fragments of GSM-7); a longer reply is sent as several texts.
NOTIFY_MAX_CHARACTERS = 918
# Typography that has a GSM-7 twin. Only these are changed: never a letter.
_GSM_TWINS = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u2013": "-", "\u2014": "-", "\u2010": "-", "\u2011": "-", "\u2212": "-",
    "\u2026": "...", "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u200b": "", "\u2022": "-",
})
_BLANK_LINES = re.compile(r"\n[ \t]*\n+")


def is_gsm7(text: str) -> bool:
    """True when every character is in the GSM-7 alphabet or its extension table."""
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def _units(text: str, gsm: bool) -> list[int]:
    """Each character's cost in places: septets for GSM-7, UTF-16 code units for UCS-2."""
    if gsm:
        return [2 if char in GSM7_EXTENSION else 1 for char in text]
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def fragment_count(text: str) -> int:
    """How many fragments a phone network carries `text` in (0 for no text)."""
    if not text:
        return 0
    gsm = is_gsm7(text)
    units = _units(text, gsm)
    single, part = (GSM7_SINGLE, GSM7_PART) if gsm else (UCS2_SINGLE, UCS2_PART)
    if sum(units) <= single:
        return 1
    # A two-place character is never split between fragments, so pack them as a phone does.
    fragments, used = 1, 0
    for cost in units:
        if used + cost > part:
            fragments, used = fragments + 1, 0
        used += cost
    return fragments


def encoding(text: str) -> str:
    return "GSM-7" if is_gsm7(text) else "UCS-2"


def gsm_twins(text: str) -> str:
    """Curly quotes, dashes, ellipses and odd spaces as their GSM-7 twins; letters are left alone."""
    return text.translate(_GSM_TWINS)


@dataclass(frozen=True)
class SmsText:
    """A message ready to text: the words, the buttons it offers by number, and what it costs."""

    text: str
    choices: tuple[Button, ...]  # choices[0] is what a reply of "1" means
    fragments: int

    @property
    def encoding(self) -> str:
        return encoding(self.text)


def choices_line(choices: Iterable[Button], gettext: Callable[[str], str]) -> str:
    """ "Reply 1 for I'll be there, 2 for I can't make it." in the person's language."""
    _ = gettext
    parts = []
    for number, button in enumerate(choices, start=1):
        if number == 1:
            parts.append(_("Reply %(number)s for %(choice)s") % {"number": number, "choice": button.label})
        else:
            parts.append(_("%(number)s for %(choice)s") % {"number": number, "choice": button.label})
    line = ", ".join(parts)
    return line if not line or line[-1] in ".?!" else line + "."


def _compose(body: str, choices: tuple[Button, ...], gettext: Callable[[str], str]) -> SmsText:
    line = gsm_twins(choices_line(choices, gettext))
    text = f"{body}\n{line}" if line and body else body or line
    return SmsText(text, choices, fragment_count(text))


def render_sms(body: str, buttons: tuple[tuple[Button, ...], ...], language: str,
               locale_dir: Path) -> SmsText:
    """`body` and its buttons as one text message, within two fragments where it can (see the module)."""
    gettext = i18n.translations(locale_dir, language).gettext
    tidy = _BLANK_LINES.sub("\n", gsm_twins(body).strip())
    every = tuple(button for row in buttons for button in row)
    first_row = tuple(buttons[0]) if buttons else ()
    attempt = _compose(tidy, every, gettext)
    if attempt.fragments <= TARGET_FRAGMENTS:
        return attempt
    if len(first_row) < len(every):
        fewer = _compose(tidy, first_row, gettext)
        if fewer.fragments < attempt.fragments:
            return fewer
    return attempt


def sms_parts(text: str) -> list[str]:
    """A long reply as texts Notify will take (each at most NOTIFY_MAX_CHARACTERS), split at paragraphs."""
    return split_for_channel(text, NOTIFY_MAX_CHARACTERS)

