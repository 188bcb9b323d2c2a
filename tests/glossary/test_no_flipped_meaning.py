"""Matching that never flips a meaning (issue 11, item 6), on the real glossary.

A fuzzy guess must not turn a word into its opposite ("indeterminate" into "determinate") or one acronym
into another (CRO into CRN, PQiP into PIP, ECSL into ESOL): such a query is "not found", which the chat
offers to note for the editors, rather than an answer about something else. Ordinary slips still work.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from glossary.load import load_glossary
from glossary.model import Entry, Glossary, Meaning
from glossary.search import GlossaryIndex, LookupResult
from glossary.spot import negates

REAL_CONTENT = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture(scope="module")
def real_index() -> GlossaryIndex:
    return GlossaryIndex.build(load_glossary(REAL_CONTENT))


def _terms(result: LookupResult) -> set[str]:
    """Every entry the reply would name: the answer and the "did you mean" suggestions."""
    found = {result.entry.term} if result.entry else set()
    return found | {entry.term for entry in result.suggestions}


def _about_indeterminate(entry: Entry) -> bool:
    text = " ".join([entry.term, *entry.aliases, *(m.full_form or "" for m in entry.meanings),
                     *(m.explanation for m in entry.meanings)]).casefold()
    return entry.term in {"IPP", "life sentence"} or "indeterminate" in text


# -- indeterminate is not determinate ---------------------------------------------------------------


@pytest.mark.parametrize("query", [
    "indeterminate sentence", "Indeterminate Sentence", "indeterminate sentences",
    "what is an indeterminate sentence", "in-determinate sentence", "non-determinate sentence",
    "non determinate sentence",
])
def test_an_indeterminate_sentence_never_gets_the_determinate_entry(real_index: GlossaryIndex, query: str) -> None:
    result = real_index.lookup(query)
    assert "SDS" not in _terms(result), "the opposite meaning, for someone serving life or IPP"
    if result.entry is not None:
        assert _about_indeterminate(result.entry), result.entry.term
    else:
        assert result.how == "none" and result.unknown_term  # offered to the editors as a gap


def test_the_determinate_sentence_itself_is_still_found(real_index: GlossaryIndex) -> None:
    for query in ("determinate sentence", "what is a determinate sentence", "determinate sentance"):
        result = real_index.lookup(query)
        assert result.entry is not None and result.entry.term == "SDS", query


def test_paid_work_is_not_unpaid_work(real_index: GlossaryIndex) -> None:
    # The same rule for any prefix: "paid" is not a slip for "unpaid", nor for its listed slip "upaid".
    result = real_index.lookup("paid work")
    assert "unpaid work" not in _terms(result)


def test_a_name_behind_a_negating_prefix_is_not_spotted(real_index: GlossaryIndex) -> None:
    letter = "Your probation officer says your {} ends in May."
    assert "SDS" in {item.entry.term for item in real_index.spot(letter.format("determinate sentence"))}
    for written in ("non-determinate sentence", "non determinate sentence", "in-determinate sentence",
                    "indeterminate sentence"):
        assert "SDS" not in {item.entry.term for item in real_index.spot(letter.format(written))}, written


@pytest.mark.parametrize(("word", "other", "flips"), [
    ("indeterminate", "determinate", True), ("determinate", "indeterminate", True),
    ("unpaid", "paid", True), ("nonpayment", "payment", True), ("disapproved", "approved", True),
    ("in", "is", False), ("licence", "license", False), ("unspent", "unspend", False),
])
def test_negates(word: str, other: str, flips: bool) -> None:
    assert negates(word, other) is flips


# -- an acronym is not a different acronym ----------------------------------------------------------


@pytest.mark.parametrize("query", ["CRO number", "cro number", "what is a CRO number", "my CRO number",
                                   "CRO numbers", "CRO"])
def test_a_cro_number_is_not_a_crn(real_index: GlossaryIndex, query: str) -> None:
    result = real_index.lookup(query)
    assert result.entry is None or result.entry.term.casefold().startswith("cro"), result.entry.term


@pytest.mark.parametrize("query", ["PQiP", "PQIP", "pqip", "what is a PQiP"])
def test_pqip_is_not_pip(real_index: GlossaryIndex, query: str) -> None:
    result = real_index.lookup(query)
    assert result.entry is None or result.entry.term.casefold() == "pqip", result.entry.term
    if result.entry is None:
        assert result.unknown_term == "pqip"


@pytest.mark.parametrize("query", ["ECSL", "ecsl", "what does ECSL mean"])
def test_ecsl_is_not_esol(real_index: GlossaryIndex, query: str) -> None:
    result = real_index.lookup(query)
    assert result.entry is None or result.entry.term.casefold() == "ecsl", result.entry.term
    if result.entry is None:
        assert result.unknown_term == "ecsl"


@pytest.mark.parametrize(("query", "other"), [("PQiP", "PIP"), ("ECSL", "ESOL")])
def test_an_acronym_typed_in_capitals_is_not_offered_another_length(
    real_index: GlossaryIndex, query: str, other: str
) -> None:
    # Written on purpose as letters: a different acronym is not even a "did you mean".
    assert other not in _terms(real_index.lookup(query))


# -- slips that still work --------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "term"), [
    ("mapa", "MAPPA"),  # a listed misspelling
    ("vsior", "VISOR"),  # two letters swapped, same length
    ("ROLT", "ROTL"),
    ("home detenshun curfew", "HDC"),  # slips in a full form
    ("grevious bodily harm", "GBH"),
    ("probaton officer", "probation officer"),
    ("unpaid werk", "unpaid work"),
    ("curfwe", "curfew"),
    ("methadon", "methadone"),
    ("thinking skills program", "Thinking Skills Programme"),
    ("mapa meeting", "MAPPA"),  # a listed misspelling inside a phrase is that acronym
    ("unacceptable absense", "acceptable absence"),  # the entry names both sides itself
    ("unspent convictions x", "unspent conviction"),  # nearer "unspent" than the opposite "spent"
])
def test_ordinary_slips_still_find_their_entry(real_index: GlossaryIndex, query: str, term: str) -> None:
    result = real_index.lookup(query)
    assert result.entry is not None and result.entry.term == term, _terms(result)
    assert result.confidence >= 0.6


def test_a_lower_case_acronym_one_slip_off_is_still_suggested(real_index: GlossaryIndex) -> None:
    result = real_index.lookup("oasiss")
    assert result.entry is None and "OASys" in _terms(result)


# -- multi-word names before single-word guesses ----------------------------------------------------


def _glossary(*entries: tuple[str, str]) -> GlossaryIndex:
    return GlossaryIndex.build(Glossary([Entry(term, category, (Meaning(None, "Words."),))
                                         for term, category in entries]))


def test_a_phrase_typed_word_for_word_beats_a_near_single_word() -> None:
    # By letters the query is nearer the made-up two-word name (three slips) than the phrase (five), but
    # the phrase is there word for word, so it wins over the guess.
    index = _glossary(("sex offenders register", "police"), ("sexoffenders register202", "general"))
    result = index.lookup("sex offenders register 2024")
    assert result.entry is not None and result.entry.term == "sex offenders register"
    assert result.matched == "sex offenders register"


def test_an_unknown_acronym_in_a_phrase_is_not_guessed() -> None:
    index = _glossary(("CRN number", "probation"), ("licence", "probation"))
    result = index.lookup("CRO number")
    assert result.entry is None and result.unknown_term == "cro number"
