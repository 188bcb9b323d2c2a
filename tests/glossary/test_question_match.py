"""The question matcher against the way people really ask (issue 10 §4 and §6).

A confident match shows the card; a close call offers the top three as buttons; Welsh and Polish
questions match their own phrasings. tests/glossary/question_phrasings.py holds the questions, written
new (never a card's own asks) with the typos, slang, long messages and family members' questions the
chat gets, each with the card that answers it, and the messages no card answers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

import pytest

from bot.settings import REPO_ROOT
from glossary.findings import Severity
from glossary.normalize import fold_accents
from glossary.question_match import Confidence, QuestionIndex, QuestionMatch
from glossary.questions import QuestionLibrary, read_questions
from tests.glossary.question_phrasings import NO_ANSWER, PHRASINGS, Phrasing

CONTENT = REPO_ROOT / "content"
SURE_AT_LEAST = 0.90  # of all the phrasings, the card itself, shown alone
OFFERED_AT_LEAST = 0.97  # of all the phrasings, the card shown or among the buttons
SURE_PER_LANGUAGE = 0.85
LANGUAGES = ("en", "cy", "pl")
Matched = tuple[Phrasing, QuestionMatch | None]


@pytest.fixture(scope="module")
def library() -> QuestionLibrary:
    library, findings = read_questions(CONTENT)
    assert [finding for finding in findings if finding.severity is Severity.ERROR] == []
    return library


@pytest.fixture(scope="module")
def index(library: QuestionLibrary) -> QuestionIndex:
    return QuestionIndex(library)


@pytest.fixture(scope="module")
def matches(index: QuestionIndex) -> list[Matched]:
    return [(phrasing, index.match(phrasing.text)) for phrasing in PHRASINGS]


def is_sure(phrasing: Phrasing, found: QuestionMatch | None) -> bool:
    return found is not None and found.confidence is Confidence.SURE and found.cards[0].id == phrasing.card


def is_offered(phrasing: Phrasing, found: QuestionMatch | None) -> bool:
    return found is not None and phrasing.card in [card.id for card in found.cards]


def misses(pairs: Iterable[Matched], good: Callable[[Phrasing, QuestionMatch | None], bool]) -> str:
    """The phrasings that missed, one a line, with what the matcher gave instead."""
    lines = []
    for phrasing, found in pairs:
        if not good(phrasing, found):
            given = "nothing" if found is None else f"{found.confidence.value} {[c.id for c in found.cards]}"
            lines.append(f"  [{phrasing.language}] {phrasing.text!r}: want {phrasing.card}, got {given}")
    return "\n".join(lines)


def test_there_are_enough_phrasings_in_each_language() -> None:
    by_language: defaultdict[str, int] = defaultdict(int)
    for phrasing in PHRASINGS:
        by_language[phrasing.language] += 1
    assert len(PHRASINGS) >= 300
    assert set(by_language) == set(LANGUAGES)
    assert by_language["cy"] >= 40 and by_language["pl"] >= 40
    assert len(NO_ANSWER) >= 30


def test_every_phrasing_names_a_card_and_every_topic_is_asked(library: QuestionLibrary) -> None:
    unknown = sorted({phrasing.card for phrasing in PHRASINGS if library.get(phrasing.card) is None})
    assert unknown == []
    asked = {card.topic for phrasing in PHRASINGS if (card := library.get(phrasing.card)) is not None}
    assert asked == {card.topic for card in library}


def test_no_phrasing_is_a_cards_own_ask(library: QuestionLibrary) -> None:
    # Copies of the asks would test the index against itself, not against how people ask.
    asks = {ask.lower() for card in library for language in card.asks.values() for ask in language}
    folded = {fold_accents(ask) for ask in asks}
    copies = [phrasing.text for phrasing in PHRASINGS
              if phrasing.text.lower() in asks or fold_accents(phrasing.text) in folded]
    assert copies == []


def test_phrasings_are_not_repeated() -> None:
    texts = [fold_accents(phrasing.text) for phrasing in PHRASINGS]
    assert len(texts) == len(set(texts))


def test_most_phrasings_get_their_card(matches: list[Matched]) -> None:
    sure = sum(is_sure(phrasing, found) for phrasing, found in matches) / len(matches)
    assert sure >= SURE_AT_LEAST, f"{sure:.1%} sure; not sure or wrong:\n{misses(matches, is_sure)}"


def test_nearly_every_phrasing_is_offered_its_card(matches: list[Matched]) -> None:
    offered = sum(is_offered(phrasing, found) for phrasing, found in matches) / len(matches)
    assert offered >= OFFERED_AT_LEAST, f"{offered:.1%} offered; not offered:\n{misses(matches, is_offered)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_matches_its_own_phrasings(
        matches: list[Matched], language: str) -> None:
    own = [(phrasing, found) for phrasing, found in matches if phrasing.language == language]
    sure = sum(is_sure(phrasing, found) for phrasing, found in own) / len(own)
    assert sure >= SURE_PER_LANGUAGE, f"{language}: {sure:.1%} sure; not sure or wrong:\n{misses(own, is_sure)}"


@pytest.mark.parametrize("text", NO_ANSWER)
def test_a_message_no_card_answers_is_never_sure(index: QuestionIndex, text: str) -> None:
    found = index.match(text)
    assert found is None or found.confidence is Confidence.CLOSE, f"{text!r} -> {found.cards[0].id}"


def test_a_match_offers_only_the_librarys_cards_one_when_sure_three_at_most(
        library: QuestionLibrary, matches: list[Matched]) -> None:
    for phrasing, found in matches:
        if found is None:
            continue
        ids = [card.id for card in found.cards]
        assert ids and len(ids) == len(set(ids)) <= 3, phrasing.text
        assert all(library.get(card_id) is card for card_id, card in zip(ids, found.cards, strict=True))
        if found.confidence is Confidence.SURE:
            assert len(ids) == 1, phrasing.text


def test_an_empty_or_unknown_message_gets_nothing(index: QuestionIndex) -> None:
    assert index.match("") is None
    assert index.match("   ") is None
    assert index.match("zzxq qwpl") is None
