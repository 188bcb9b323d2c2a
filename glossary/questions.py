"""The questions library: cards that answer what people actually ask (content/questions/SCHEMA.md).

`read_questions` checks every file and builds the cards in one pass, so the checker and the chat can
never disagree about what a file says; every problem is a finding worded for editors
(`file:line: what is wrong. How to fix it.`). `LiveQuestions` serves the last good library, reloaded the
same way as the glossary (glossary.live), and carries its match index (glossary.question_match).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from casefile.clock import london_today
from casefile.models import SERVICE_CATEGORIES
from glossary.check import CheckReport
from glossary.findings import ContentError, Finding, Severity
from glossary.load import load_glossary
from glossary.plain_language import PlainWords, acronyms_in, read_plain_words, text_findings
from glossary.reviewing import ReviewState, read_reviewed, read_sources
from glossary.yaml_source import Locator, read_yaml

QUESTIONS_DIR = "questions"
LANGUAGES: dict[str, str] = {"en": "English", "cy": "Welsh", "pl": "Polish"}
NATIONS = ("england", "wales", "both")
# The parts of a linked person's own file a card may add to its answer (the chat fills them in).
PERSONAL_PARTS = ("licence_conditions", "lead", "next_appointment", "stage", "key_dates")
CARD_FIELDS = ("id", "nation", "asks", "answer", "do", "wales", "personal", "places", "related", "sources",
               "reviewed")
MIN_ASKS = 6
MAX_ANSWER_SENTENCES = 5
MAX_DO_SENTENCES = 2
MAX_WALES_SENTENCES = 2
SCHEMA_DOC = "content/questions/SCHEMA.md"
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class QuestionCard:
    id: str
    topic: str
    nation: str
    asks: Mapping[str, tuple[str, ...]]  # language -> ways people ask it
    answer: Mapping[str, str]
    do: Mapping[str, str]
    wales: Mapping[str, str] | None
    personal: tuple[str, ...]
    related: tuple[str, ...]
    sources: tuple[str, ...]
    reviewed: date
    places: tuple[str, ...] = ()  # kinds of local service to list with what is open now (the directory's)
    path: Path = Path()
    line: int = 0

    def text(self, part: Mapping[str, str] | None, language: str) -> str:
        """A part of the card in `language`, falling back to English (every card has English)."""
        if not part:
            return ""
        return part.get(language) or part.get("en", "")


@dataclass(frozen=True)
class QuestionLibrary:
    cards: tuple[QuestionCard, ...] = ()
    _by_id: dict[str, QuestionCard] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for card in self.cards:
            self._by_id.setdefault(card.id, card)

    def get(self, card_id: str) -> QuestionCard | None:
        return self._by_id.get(card_id)

    def __iter__(self) -> Iterator[QuestionCard]:
        return iter(self.cards)

    def __len__(self) -> int:
        return len(self.cards)


def question_files(content_dir: Path) -> list[Path]:
    return sorted((content_dir / QUESTIONS_DIR).glob("*.yaml"))


def glossary_names(content_dir: Path) -> set[str] | None:
    """Every glossary term and alias, case-folded; None when the glossary itself does not load."""
    try:
        glossary = load_glossary(content_dir)
    except ContentError:
        return None
    return {name.casefold() for entry in glossary for name in (entry.term, *entry.aliases)}


def read_questions(content_dir: Path, *, today: date | None = None) -> tuple[QuestionLibrary, list[Finding]]:
    """Every card that passed its checks, and every finding (errors and warnings) in the files."""
    today = today or london_today()
    plain_words, _plain_findings = read_plain_words(content_dir)  # the glossary's check reports these
    known_terms = glossary_names(content_dir)
    findings: list[Finding] = []
    cards: list[QuestionCard] = []
    for path in question_files(content_dir):
        file_cards, file_findings = _read_file(path, plain_words, known_terms, today)
        cards += file_cards
        findings += file_findings
    findings += _cross_card_findings(cards)
    return QuestionLibrary(tuple(cards)), findings


def check_questions(content_dir: Path) -> CheckReport:
    """The questions library's part of `signpost content check`."""
    library, findings = read_questions(content_dir)
    return CheckReport(findings=findings, entry_count=len(library), file_count=len(question_files(content_dir)))


def build_questions(content_dir: Path) -> tuple[QuestionLibrary | None, list[Finding]]:
    """The library to serve, or None when any file has an error (the last good one stays served)."""
    library, findings = read_questions(content_dir)
    if any(finding.severity is Severity.ERROR for finding in findings):
        return None, findings
    return library, findings


# -- one file --------------------------------------------------------------------------------------
def _read_file(path: Path, plain_words: PlainWords, known_terms: set[str] | None, today: date
               ) -> tuple[list[QuestionCard], list[Finding]]:
    source = read_yaml(path)
    findings = list(source.findings)
    if not source.readable or source.empty:
        if source.empty:
            findings.append(Finding(path, 1, "This file has no cards",
                                    f"Add a topic and cards as {SCHEMA_DOC} shows, or delete the file"))
        return [], findings
    where = Locator(path, source)
    data = source.data
    if not isinstance(data, Mapping):
        return [], findings + [Finding(path, 1, "This file should start with topic: and cards:",
                                       f"Follow the example in {SCHEMA_DOC}")]
    for key in data:
        if key not in ("topic", "cards"):
            findings.append(Finding(path, where.line(key), f'"{key}" is not a field of a questions file',
                                    "Use only topic and cards at the top of the file"))
    topic = data.get("topic")
    if topic != path.stem:
        findings.append(Finding(path, where.line("topic"), f'The topic should be "{path.stem}", the file name',
                                f"Write topic: {path.stem}, or rename the file to match the topic"))
    raw_cards = data.get("cards")
    if not isinstance(raw_cards, list) or not raw_cards:
        return [], findings + [Finding(path, where.line("cards"), "The file has no cards: list",
                                       f"Add cards: with at least one card, as {SCHEMA_DOC} shows")]
    cards: list[QuestionCard] = []
    for number, raw in enumerate(raw_cards):
        card, card_findings = _read_card(raw, where.inside("cards", number), path.stem, plain_words,
                                         known_terms, today)
        findings += card_findings
        if card is not None:
            cards.append(card)
    return cards, findings


def _read_card(raw: Any, where: Locator, topic: str, plain_words: PlainWords, known_terms: set[str] | None,
               today: date) -> tuple[QuestionCard | None, list[Finding]]:
    path = where.path
    if not isinstance(raw, Mapping):
        return None, [Finding(path, where.line(), "This card is not a set of fields",
                              f"Start the card with - id: and indent its fields, as {SCHEMA_DOC} shows")]
    findings: list[Finding] = []
    card_id = raw.get("id")
    if not isinstance(card_id, str) or not _ID.match(card_id):
        findings.append(Finding(path, where.line("id"), f"The card id {card_id!r} is missing or not allowed",
                                "Give the card an id of lowercase letters, digits and dashes, like night-away"))
        card_id = str(card_id)
    name = f'The card "{card_id}"'
    for key in raw:
        if key not in CARD_FIELDS:
            findings.append(Finding(path, where.line(key), f'{name} has a field "{key}" that cards do not have',
                                    f"Use only {', '.join(CARD_FIELDS)}"))
    nation = raw.get("nation")
    if nation not in NATIONS:
        findings.append(Finding(path, where.line("nation"), f"{name} has nation {nation!r}",
                                "Write nation: england, nation: wales or nation: both"))
    asks = _asks(raw.get("asks"), where, name, findings)
    answer = _texts(raw, "answer", where, name, MAX_ANSWER_SENTENCES, plain_words, known_terms, findings)
    do = _texts(raw, "do", where, name, MAX_DO_SENTENCES, plain_words, known_terms, findings)
    wales = None
    if raw.get("wales") is not None or nation == "england":
        wales = _texts(raw, "wales", where, name, MAX_WALES_SENTENCES, plain_words, known_terms, findings)
    personal = _names(raw.get("personal"), "personal", where, name, findings)
    for part in personal:
        if part not in PERSONAL_PARTS:
            findings.append(Finding(path, where.line("personal"), f'{name} asks for a personal part "{part}"',
                                    f"Use only {', '.join(PERSONAL_PARTS)}"))
    places = _names(raw.get("places"), "places", where, name, findings)
    for place in places:
        if place not in SERVICE_CATEGORIES:
            findings.append(Finding(path, where.line("places"), f'{name} lists a kind of place "{place}"',
                                    f"Use only {', '.join(SERVICE_CATEGORIES)}"))
    related = _names(raw.get("related"), "related", where, name, findings)
    if known_terms is not None:
        for term in related:
            if term.casefold() not in known_terms:
                findings.append(Finding(path, where.line("related"), f'{name} relates to "{term}", which is not '
                                        "in the glossary", "Use a glossary term as written there, or remove it"))
    sources = _names(raw.get("sources"), "sources", where, name, findings)
    if not sources:
        findings.append(Finding(path, where.line("sources"), f"{name} has no sources",
                                "Add sources: with the public pages the answer comes from"))
    for address in read_sources(list(sources))[1]:
        findings.append(Finding(path, where.line("sources"), f'{name} has a source "{address}" that is not '
                                "a web address", "Write the page's full address, starting https://"))
    reviewed = _reviewed(raw.get("reviewed"), where, name, today, findings)
    if any(finding.severity is Severity.ERROR for finding in findings):
        return None, findings
    assert isinstance(nation, str) and reviewed is not None and answer is not None and do is not None
    card = QuestionCard(id=card_id, topic=topic, nation=nation, asks=asks, answer=answer, do=do, wales=wales,
                        personal=personal, related=related, sources=sources, reviewed=reviewed, places=places,
                        path=path,
                        line=where.line())
    return card, findings


def _asks(raw: Any, where: Locator, name: str, findings: list[Finding]) -> dict[str, tuple[str, ...]]:
    path = where.path
    if not isinstance(raw, Mapping):
        findings.append(Finding(path, where.line("asks"), f"{name} has no asks",
                                "Add asks: with en:, cy: and pl: lists of the ways people ask it"))
        return {}
    asks: dict[str, tuple[str, ...]] = {}
    for language, label in LANGUAGES.items():
        items = raw.get(language)
        written = tuple(item.strip() for item in items if isinstance(item, str) and item.strip()) \
            if isinstance(items, list) else ()
        if len(written) < MIN_ASKS:
            findings.append(Finding(path, where.line("asks", language), f"{name} has {len(written)} {label} asks",
                                    f"Write at least {MIN_ASKS} ways people ask it in {label}"))
        asks[language] = written
    for language in raw:
        if language not in LANGUAGES:
            findings.append(Finding(path, where.line("asks", language), f'{name} has asks in "{language}"',
                                    "Use en (English), cy (Welsh) and pl (Polish)"))
    return asks


def _texts(raw: Mapping[str, Any], key: str, where: Locator, name: str, most: int, plain_words: PlainWords,
           known_terms: set[str] | None, findings: list[Finding]) -> dict[str, str] | None:
    path = where.path
    value = raw.get(key)
    if not isinstance(value, Mapping):
        findings.append(Finding(path, where.line(key), f"{name} has no {key}",
                                f"Add {key}: with en:, cy: and pl: texts"))
        return None
    texts: dict[str, str] = {}
    for language, label in LANGUAGES.items():
        text = value.get(language)
        if not isinstance(text, str) or not text.strip():
            findings.append(Finding(path, where.line(key, language), f"{name} has no {label} {key}",
                                    f"Write the {key} in {label} under {language}:"))
            continue
        text = " ".join(text.split())
        texts[language] = text
        findings += text_findings(path=path, line_of=lambda needle, k=key, lang=language:
                                  where.text_line((k, lang), needle),
                                  text=text, what=f"The {label} {key} of {name[4:]}", plain_words=plain_words,
                                  english=language == "en", max_sentences=most)
        if language == "en":
            for acronym in acronyms_in(text):
                explained = f"{acronym} (" in text or f"({acronym})" in text
                if explained or acronym in plain_words.everyday_acronyms:
                    continue
                if known_terms is not None and acronym.casefold() in known_terms:
                    continue
                findings.append(Finding(path, where.text_line((key, language), acronym),
                                        f'The {key} of {name[4:]} uses "{acronym}" without saying what it means',
                                        f"Write the words out, or add them in brackets: {acronym} (...)"))
    return texts


def _names(raw: Any, key: str, where: Locator, name: str, findings: list[Finding]) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(item, str) and item.strip() for item in raw):
        findings.append(Finding(where.path, where.line(key), f"{name} has a {key} that is not a list of words",
                                f"Write {key}: [first, second] or one item per line after - "))
        return ()
    return tuple(item.strip() for item in raw)


def _reviewed(raw: Any, where: Locator, name: str, today: date, findings: list[Finding]) -> date | None:
    path, line = where.path, where.line("reviewed")
    review = read_reviewed(raw, today)
    if review.state is ReviewState.MISSING:
        findings.append(Finding(path, line, f"{name} has no reviewed date it can read",
                                "Write the day you checked it against its sources, like reviewed: 2026-12-06"))
    elif review.state is ReviewState.FUTURE:
        findings.append(Finding(path, line, f"{name} was reviewed on {raw}, which is in the future",
                                "Write the day you checked it, today or earlier"))
    elif review.state is ReviewState.DUE:
        findings.append(Finding(path, line, f"{name} was last reviewed on {raw}, over 12 months ago",
                                "Check it against its sources again and write today's date", Severity.WARNING))
    return review.day if review.usable else None


def _cross_card_findings(cards: list[QuestionCard]) -> list[Finding]:
    findings: list[Finding] = []
    first_with_id: dict[str, QuestionCard] = {}
    for card in cards:
        earlier = first_with_id.setdefault(card.id, card)
        if earlier is not card:
            findings.append(Finding(card.path, card.line, f'The card id "{card.id}" is used twice '
                                    f"(also {earlier.path.name}:{earlier.line})", "Give each card its own id"))
    asked: dict[tuple[str, str], QuestionCard] = {}
    for card in cards:
        for language, asks in card.asks.items():
            for ask in asks:
                key = (language, " ".join(ask.casefold().split()))
                other = asked.setdefault(key, card)
                if other is not card:
                    findings.append(Finding(card.path, card.line, f'The ask "{ask}" leads to two cards: '
                                            f'"{other.id}" and "{card.id}"', "Keep it on the card that answers it"))
    return findings
