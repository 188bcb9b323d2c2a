"""Help now: finding a message that may be a crisis, and what to say first (content/help-now/).

`read_help_now` checks and builds the editors' two files in one pass: the answers (national lines with
their sources, and what to say for each kind of crisis) and the signals (the phrases that mean each
kind). Every problem is a finding worded for editors, `file:line: what is wrong. How to fix it.`

`HelpNow.detect` looks at any message, in any chat state and every language at once, before anything
else reads it. It never keeps the message. Missing a crisis is the failure that matters, so matching is
forgiving: accents and apostrophes do not count, a typo in a word of five letters or more is corrected
against the signals' own words, and `*` in a phrase stands for up to two other words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from casefile.clock import london_today
from casefile.models import SERVICE_CATEGORIES
from glossary.findings import Finding, Severity
from glossary.normalize import fold_accents
from glossary.reviewing import ReviewState, read_reviewed, read_sources
from glossary.yaml_source import Locator, read_yaml

HELP_NOW_DIR = "help-now"
ANSWERS_FILE = "answers.yaml"
SIGNALS_FILE = "signals.yaml"
SCHEMA_DOC = "content/help-now/SCHEMA.md"
LANGUAGES: dict[str, str] = {"en": "English", "cy": "Welsh", "pl": "Polish"}
NATIONS = ("england", "wales", "both")
# Phone numbers in a crisis: checked again twice a year, not once.
REVIEW_EVERY = timedelta(days=183)
MIN_TYPO_LENGTH = 5  # shorter words are too easily another word ("kill" and "bill")
TYPO_SCORE = 84  # rapidfuzz ratio: one wrong, missing or swapped letter in a word of 6 or more
MAX_MESSAGE = 2000  # characters looked at; a crisis is said near the start


class Certainty(StrEnum):
    SURE = "sure"  # the Help now answer, and only that
    MAYBE = "maybe"  # a gentle "If you need help now" line, then the normal answer


@dataclass(frozen=True)
class HelpLine:
    key: str
    call: str
    hours: str
    nation: str
    name: Mapping[str, str]  # language -> the line as the person reads it
    sources: tuple[str, ...]


# The fixed words of the Help now screens, and the {placeholders} each must keep in every language.
WORDS: dict[str, frozenset[str]] = {
    "help_now": frozenset(), "places": frozenset(), "tell": frozenset(), "menu": frozenset(),
    "yes_tell": frozenset(), "no_thanks": frozenset(), "gentle": frozenset(), "choose": frozenset(),
    "tell_confirm": frozenset({"lead", "label"}), "told": frozenset({"lead"}), "your_team": frozenset(),
    "not_linked": frozenset(), "no_team": frozenset(), "open_now": frozenset(), "opens_later": frozenset(), "nothing_open": frozenset(),
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class CrisisKind:
    key: str
    label: Mapping[str, str]
    say: Mapping[str, str]
    more: Mapping[str, str] | None
    lines: tuple[str, ...]
    places: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Detection:
    kind: str
    certainty: Certainty

    @property
    def sure(self) -> bool:
        return self.certainty is Certainty.SURE


@dataclass(frozen=True)
class _Signal:
    kind: str
    certainty: Certainty
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class HelpNow:
    """The national lines, what to say for each kind of crisis, and the detector built from the signals."""

    reviewed: date
    words: Mapping[str, Mapping[str, str]]
    lines: Mapping[str, HelpLine]
    kinds: Mapping[str, CrisisKind]
    signals: tuple[_Signal, ...] = ()
    vocabulary: tuple[str, ...] = ()
    _known: frozenset[str] = field(default=frozenset(), repr=False)

    def detect(self, text: str | None) -> Detection | None:
        """The crisis the message may be about, sure before maybe, in the kinds' file order; else None."""
        if not text:
            return None
        words = self._corrected(fold_accents(text[:MAX_MESSAGE]).split())
        if not words:
            return None
        padded = f" {' '.join(words)} "
        maybe: Detection | None = None
        for signal in self.signals:
            if signal.pattern.search(padded):
                if signal.certainty is Certainty.SURE:
                    return Detection(signal.kind, Certainty.SURE)
                maybe = maybe or Detection(signal.kind, Certainty.MAYBE)
        return maybe

    def kind(self, key: str) -> CrisisKind:
        return self.kinds[key]

    def word(self, key: str, language: str, **values: str) -> str:
        """One of the screens' fixed words in `language` (English if missing), with its {placeholders} filled."""
        texts = self.words[key]
        return (texts.get(language) or texts["en"]).format(**values)

    def lines_for(self, kind: CrisisKind) -> list[HelpLine]:
        return [self.lines[key] for key in kind.lines]

    def _corrected(self, words: list[str]) -> list[str]:
        """Each word, or the signal word it is a typo of ("suicidle" -> "suicidal")."""
        corrected = []
        for word in words:
            if len(word) >= MIN_TYPO_LENGTH and word not in self._known:
                found = process.extractOne(word, self.vocabulary, scorer=fuzz.ratio, score_cutoff=TYPO_SCORE)
                if found is not None:
                    word = found[0]
            corrected.append(word)
        return corrected


def _pattern(phrases: list[str]) -> re.Pattern[str]:
    """One pattern for many normalised phrases, each matched as whole words in " a padded message "."""
    def one(phrase: str) -> str:
        return "".join(r"(?:\S+ ){0,2}" if word == "*" else re.escape(word) + " " for word in phrase.split())
    return re.compile(" (?:" + "|".join(one(phrase) for phrase in phrases) + ")")


# -- reading and checking the editors' files ----------------------------------------------------------
# The Help now files that ship with Signpost: a content folder without its own still answers a crisis.
SHIPPED_CONTENT = Path(__file__).resolve().parents[1] / "content"


def help_now_files(content_dir: Path) -> list[Path]:
    folder = content_dir / HELP_NOW_DIR
    if not folder.is_dir():
        folder = SHIPPED_CONTENT / HELP_NOW_DIR
    return [folder / ANSWERS_FILE, folder / SIGNALS_FILE]


def read_help_now(content_dir: Path, *, today: date | None = None) -> tuple[HelpNow | None, list[Finding]]:
    """The Help now content, or None when a file has an error; and every finding in the two files."""
    today = today or london_today()
    answers_path, signals_path = help_now_files(content_dir)
    findings: list[Finding] = []
    answers = _read(answers_path, ("reviewed", "words", "lines", "kinds"), findings)
    signals = _read(signals_path, ("kinds",), findings)
    if answers is None or signals is None:
        return None, findings
    data, where = answers
    reviewed = _reviewed(data.get("reviewed"), where, today, findings)
    words = _words(data.get("words"), where, findings)
    lines = _lines(data.get("lines"), where.inside("lines"), findings)
    kinds = _kinds(data.get("kinds"), where.inside("kinds"), lines, findings)
    built, vocabulary = _signals(signals[0].get("kinds"), signals[1].inside("kinds"), kinds, findings)
    if reviewed is None or any(finding.severity is Severity.ERROR for finding in findings):
        return None, findings
    vocab = tuple(sorted(vocabulary))
    return HelpNow(reviewed, words, lines, kinds, built, vocab, frozenset(vocab)), findings


def check_help_now(content_dir: Path) -> list[Finding]:
    """The Help now files' part of `signpost content check`."""
    return read_help_now(content_dir)[1]


def _read(path: Path, fields: tuple[str, ...], findings: list[Finding]) -> tuple[Mapping[str, Any], Locator] | None:
    if not path.is_file():
        findings.append(Finding(path, 1, "This file is missing", f"Put it back: {SCHEMA_DOC} says what it holds"))
        return None
    source = read_yaml(path)
    findings += source.findings
    if not source.readable or not isinstance(source.data, Mapping):
        if source.readable:
            findings.append(Finding(path, 1, "This file should be a list of fields",
                                    f"Start it with {fields[0]}: as {SCHEMA_DOC} shows"))
        return None
    where = Locator(path, source)
    for key in source.data:
        if key not in fields:
            findings.append(Finding(path, where.line(key), f'"{key}" is not a field of this file',
                                    f"Use only {', '.join(fields)}"))
    return source.data, where


def _texts(raw: Any, where: Locator, key: str, what: str, findings: list[Finding]) -> dict[str, str]:
    texts: dict[str, str] = {}
    if not isinstance(raw, Mapping):
        findings.append(Finding(where.path, where.line(key), f"{what} has no {key}",
                                f"Add {key}: with en:, cy: and pl: texts"))
        return texts
    for language, label in LANGUAGES.items():
        text = raw.get(language)
        if not isinstance(text, str) or not text.strip():
            findings.append(Finding(where.path, where.line(key, language), f"{what} has no {label} {key}",
                                    f"Write it in {label} under {language}:"))
        else:
            texts[language] = " ".join(text.split())
    return texts


def _sources(raw: Any, where: Locator, what: str, findings: list[Finding], *, required: bool) -> tuple[str, ...]:
    if raw is None and not required:
        return ()
    good, bad = read_sources(raw if isinstance(raw, list) else [])
    if not good or bad:
        findings.append(Finding(where.path, where.line("sources"), f"{what} needs sources that are web addresses",
                                "List the public pages it comes from, each starting https://"))
    return good


def _reviewed(raw: Any, where: Locator, today: date, findings: list[Finding]) -> date | None:
    path, line = where.path, where.line("reviewed")
    review = read_reviewed(raw, today, REVIEW_EVERY)
    if not review.usable:
        findings.append(Finding(path, line, "The reviewed date is missing, unreadable or in the future",
                                "Write the day you last checked every number, like reviewed: 2026-12-06"))
        return None
    if review.state is ReviewState.DUE:
        findings.append(Finding(path, line, f"The numbers were last checked on {review.day}, over 6 months ago",
                                "Check every number against its source again and write today's date",
                                Severity.WARNING))
    return review.day


def _words(raw: Any, where: Locator, findings: list[Finding]) -> dict[str, dict[str, str]]:
    words: dict[str, dict[str, str]] = {}
    if not isinstance(raw, Mapping):
        raw = {}
    for key in raw:
        if key not in WORDS:
            findings.append(Finding(where.path, where.line("words", key), f'"{key}" is not one of the screens\' words',
                                    f"Use only {', '.join(WORDS)}"))
    for key, placeholders in WORDS.items():
        texts = _texts(raw.get(key), where.inside("words"), key, "The words", findings)
        for language, text in texts.items():
            used = frozenset(_PLACEHOLDER.findall(text))
            if used != placeholders:
                shown = ", ".join(f"{{{name}}}" for name in sorted(placeholders)) or "no {...} at all"
                findings.append(Finding(where.path, where.line("words", key, language),
                                        f"The {LANGUAGES[language]} {key} words have the wrong {{...}} parts",
                                        f"Use exactly {shown}"))
        words[key] = texts
    return words


def _lines(raw: Any, where: Locator, findings: list[Finding]) -> dict[str, HelpLine]:
    lines: dict[str, HelpLine] = {}
    if not isinstance(raw, list) or not raw:
        findings.append(Finding(where.path, where.line(), "There are no lines: the phone numbers to give",
                                f"Add lines: as {SCHEMA_DOC} shows"))
        return lines
    for number, item in enumerate(raw):
        at = where.inside(number)
        if not isinstance(item, Mapping) or not isinstance(item.get("key"), str):
            findings.append(Finding(at.path, at.line(), "This line has no key", "Start it with - key: a_short_name"))
            continue
        key = item["key"]
        what = f'The line "{key}"'
        if key in lines:
            findings.append(Finding(at.path, at.line("key"), f"{what} is written twice", "Keep one of them"))
        nation = item.get("nation", "both")
        if nation not in NATIONS:
            findings.append(Finding(at.path, at.line("nation"), f"{what} has nation {nation!r}",
                                    "Write nation: england, nation: wales, or leave it out for both"))
        call, hours = item.get("call"), item.get("hours")
        if not isinstance(call, str) or not isinstance(hours, str):
            findings.append(Finding(at.path, at.line(), f"{what} needs call: and hours:",
                                    'Write the number as people dial it, in quotes, and when it is open'))
            continue
        lines[key] = HelpLine(key, call, hours, str(nation), _texts(item.get("name"), at, "name", what, findings),
                              _sources(item.get("sources"), at, what, findings, required=True))
    return lines


def _kinds(raw: Any, where: Locator, lines: Mapping[str, HelpLine], findings: list[Finding]
           ) -> dict[str, CrisisKind]:
    kinds: dict[str, CrisisKind] = {}
    if not isinstance(raw, list) or not raw:
        findings.append(Finding(where.path, where.line(), "There are no kinds of crisis",
                                f"Add kinds: as {SCHEMA_DOC} shows"))
        return kinds
    for number, item in enumerate(raw):
        at = where.inside(number)
        if not isinstance(item, Mapping) or not isinstance(item.get("key"), str):
            findings.append(Finding(at.path, at.line(), "This kind has no key", "Start it with - key: a_short_name"))
            continue
        key = item["key"]
        what = f'The kind "{key}"'
        named = [name for name in item.get("lines") or [] if isinstance(name, str)]
        for name in named:
            if name not in lines:
                findings.append(Finding(at.path, at.line("lines"), f'{what} names a line "{name}" that is not listed',
                                        "Use a key from lines: at the top of the file"))
        places = [place for place in item.get("places") or [] if isinstance(place, str)]
        for place in places:
            if place not in SERVICE_CATEGORIES:
                findings.append(Finding(at.path, at.line("places"), f'{what} names a kind of place "{place}"',
                                        f"Use only {', '.join(SERVICE_CATEGORIES)}"))
        more = _texts(item["more"], at, "more", what, findings) if item.get("more") is not None else None
        kinds[key] = CrisisKind(key, _texts(item.get("label"), at, "label", what, findings),
                                _texts(item.get("say"), at, "say", what, findings), more, tuple(named),
                                tuple(places), _sources(item.get("sources"), at, what, findings, required=False))
    return kinds


def _signals(raw: Any, where: Locator, kinds: Mapping[str, CrisisKind], findings: list[Finding]
             ) -> tuple[tuple[_Signal, ...], set[str]]:
    built: list[_Signal] = []
    vocabulary: set[str] = set()
    if not isinstance(raw, Mapping):
        findings.append(Finding(where.path, where.line(), "There are no signals", f"Add kinds: as {SCHEMA_DOC} shows"))
        return (), vocabulary
    for key in kinds:
        if key not in raw:
            findings.append(Finding(where.path, where.line(), f'The kind "{key}" has no signals, so it is never found',
                                    f"Add {key}: with sure: phrases in en, cy and pl"))
    # Sure signals first, across every kind: a sure sign of one crisis beats a maybe of another.
    for certainty in Certainty:
        for key, by_certainty in raw.items():
            at = where.inside(key)
            if key not in kinds:
                if certainty is Certainty.SURE:
                    findings.append(Finding(at.path, at.line(), f'The signals name a kind "{key}" that has no answer',
                                            f"Add it to kinds: in {ANSWERS_FILE}, or use one of {', '.join(kinds)}"))
                continue
            phrases = by_certainty.get(certainty.value) if isinstance(by_certainty, Mapping) else None
            normalised: list[str] = []
            for language, label in LANGUAGES.items():
                written = phrases.get(language) if isinstance(phrases, Mapping) else None
                if certainty is Certainty.SURE and not written:
                    findings.append(Finding(at.path, at.line(certainty.value), f'The kind "{key}" has no sure '
                                            f"{label} signals", f"Add {language}: with phrases in {label}"))
                for phrase in written or []:
                    words = fold_accents(str(phrase))
                    if not words.replace("*", "").strip():
                        findings.append(Finding(at.path, at.line(certainty.value, language), f"The signal {phrase!r} "
                                                "has no letters in it", "Write a word or phrase, or remove it"))
                        continue
                    vocabulary.update(word for word in words.split() if word != "*")
                    normalised.append(words)
            if normalised:
                built.append(_Signal(key, certainty, _pattern(normalised)))
    return tuple(built), vocabulary
