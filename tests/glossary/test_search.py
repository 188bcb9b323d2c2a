"""Looking up what people type: exact names first, then question wording, plurals, near spellings."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glossary.load import load_glossary
from glossary.model import Entry, Glossary, Meaning
from glossary.search import GlossaryIndex, allowed_edits

FIXTURES = Path(__file__).parent / "fixtures_engine"
REAL_CONTENT = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture(scope="module")
def index() -> GlossaryIndex:
    return GlossaryIndex.build(load_glossary(FIXTURES))


@pytest.fixture(scope="module")
def real_index() -> GlossaryIndex:
    return GlossaryIndex.build(load_glossary(REAL_CONTENT))


# -- on the small fixture glossary ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "term", "how"),
    [
        ("MAPPA", "MAPPA", "exact"),
        ("mappa", "MAPPA", "exact"),
        ("o.a.s.y.s", "OASys", "exact"),
        ("o a s y s", "OASys", "exact"),
        ("keyworker", "key worker", "alias"),
        ("Home Detention Curfew", "HDC", "full_form"),
        ("oasis", "OASys", "misspelling"),
        ("ROTLs", "ROTL", "exact"),
        ("licences", "licence", "exact"),
        ("what does HDC mean?", "HDC", "question"),
        ("whats a mapa", "MAPPA", "question"),
        ("whats a mappah", "MAPPA", "question"),
        ("home detenshun curfew", "HDC", "fuzzy"),
        ("cartas", "CARATS", "fuzzy"),
        ("mapaa", "MAPPA", "fuzzy"),
        ("when is my HDC date", "HDC", "in_text"),
    ],
)
def test_how_each_query_is_found(index: GlossaryIndex, query: str, term: str, how: str) -> None:
    result = index.lookup(query)
    assert result.entry is not None and result.entry.term == term
    assert result.how == how
    assert 0 < result.confidence <= 1
    assert not result.suggestions and result.unknown_term is None


def test_confidence_orders_exact_above_misspelling_above_fuzzy(index: GlossaryIndex) -> None:
    exact, typo, fuzzy = index.lookup("OASys"), index.lookup("oasis"), index.lookup("cartas")
    assert exact.confidence == 1.0
    assert exact.confidence > typo.confidence > fuzzy.confidence


def test_a_term_beats_another_entrys_full_form(index: GlossaryIndex) -> None:
    # "Probation officer" is one of PO's meanings and also its own entry: the entry wins.
    result = index.lookup("probation officer")
    assert result.entry is not None and result.entry.term == "probation officer" and result.how == "exact"


def test_one_meanings_full_form_finds_that_meaning(index: GlossaryIndex) -> None:
    result = index.lookup("post office")
    assert result.entry is not None and result.entry.term == "PO"
    assert result.how == "full_form" and result.meaning == 2


def test_match_offsets_point_into_the_query(index: GlossaryIndex) -> None:
    query = "what does HDC mean?"
    result = index.lookup(query)
    assert (result.start, result.end, result.matched) == (10, 13, "HDC")
    assert result.name == "HDC"


def test_short_words_never_fuzzy_match_other_acronyms(index: GlossaryIndex) -> None:
    # One letter away from DIP, and two letters from PO: a guess here would mislead.
    for query in ("DIT", "PX", "HD", "AB"):
        result = index.lookup(query)
        assert result.entry is None, query


def test_a_swapped_short_acronym_is_only_suggested(index: GlossaryIndex) -> None:
    result = index.lookup("ROLT")
    assert result.entry is not None and result.entry.term == "ROTL"  # four letters, towards an acronym
    result = index.lookup("HCD ")  # a listed misspelling is exact
    assert result.entry is not None and result.entry.term == "HDC"
    result = index.lookup("DPI")
    assert result.entry is None
    assert [e.term for e in result.suggestions] == ["DIP"]


def test_four_letter_english_words_are_not_guessed(index: GlossaryIndex) -> None:
    # "tap" is one slip from "tag", "jail" one slip from "bail": suggest, never assume.
    result = index.lookup("tap")
    assert result.entry is None and "tag" in [e.term for e in result.suggestions]
    assert index.lookup("tags").entry is not None  # but a plural is not a slip


def test_nothing_found_gives_the_bare_term_for_the_gaps_log(index: GlossaryIndex) -> None:
    result = index.lookup("what does ZXQ mean?")
    assert result.entry is None and result.how == "none" and result.confidence == 0
    assert result.unknown_term == "zxq"
    assert result.matched == "ZXQ"


@pytest.mark.parametrize(
    "query",
    ["my number is 07700 900123", "hello how are you", "", "   ", "??", "email me at jo@example.org",
     "my case number is X123456 what does it mean"],
)
def test_private_or_chatty_text_never_reaches_the_gaps_log(index: GlossaryIndex, query: str) -> None:
    assert index.lookup(query).unknown_term is None


def test_several_known_words_in_one_message_become_suggestions(index: GlossaryIndex) -> None:
    result = index.lookup("is HDC the same as ROTL")
    assert result.entry is None
    assert [e.term for e in result.suggestions] == ["HDC", "ROTL"]


def test_entry_named_follows_aliases_and_full_forms(index: GlossaryIndex) -> None:
    assert index.entry_named("DBS check") is index.glossary.get("DBS")
    assert index.entry_named("Release on Temporary Licence") is index.glossary.get("ROTL")
    assert index.entry_named("nothing at all") is None


@pytest.mark.parametrize(("length", "acronym", "edits"),
                         [(2, True, 0), (3, True, 0), (4, True, 1), (4, False, 0), (6, False, 1), (8, False, 2),
                          (21, False, 3)])
def test_allowed_edits_grow_with_length(length: int, acronym: bool, edits: int) -> None:
    assert allowed_edits(length, acronym) == edits


def test_an_empty_glossary_finds_nothing() -> None:
    result = GlossaryIndex.build(Glossary([])).lookup("HDC")
    assert result.entry is None and result.suggestions == () and result.unknown_term == "hdc"


def test_tied_near_spellings_are_suggestions_not_a_guess() -> None:
    entries = [Entry(term, "general", (Meaning(None, "Words."),)) for term in ("parole", "parade")]
    result = GlossaryIndex.build(Glossary(entries)).lookup("parode")
    assert result.entry is None
    assert {e.term for e in result.suggestions} == {"parole", "parade"}


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=60))
def test_any_text_gives_a_sane_answer(index: GlossaryIndex, text: str) -> None:
    result = index.lookup(text)
    assert 0.0 <= result.confidence <= 1.0
    assert len(result.suggestions) <= 3
    assert (result.entry is None) == (result.how == "none")
    assert 0 <= result.start <= result.end <= len(text)
    if result.unknown_term is not None:
        assert len(result.unknown_term) <= 40 and not any(ch.isdigit() for ch in result.unknown_term)


# -- on the real glossary: what people actually type ----------------------------------------------

QUERY_PAIRS: list[tuple[str, str]] = [
    # OASys
    ("OASys", "OASys"), ("oasys", "OASys"), ("o.a.s.y.s", "OASys"), ("o a s y s", "OASys"),
    ("O.A.S.Y.S.", "OASys"), ("oasis", "OASys"), ("what is oasys", "OASys"),
    ("offender assessment system", "OASys"), ("whats an OASys", "OASys"),
    # VISOR
    ("VISOR", "VISOR"), ("visor", "VISOR"), ("what does VISOR mean", "VISOR"), ("v.i.s.o.r", "VISOR"),
    ("vsior", "VISOR"),
    # MAPPA
    ("MAPPA", "MAPPA"), ("mapa", "MAPPA"), ("whats a mapa", "MAPPA"), ("mappa?", "MAPPA"), ("m.a.p.p.a", "MAPPA"),
    ("multi agency public protection arrangements", "MAPPA"), ("what does MAPPA stand for", "MAPPA"),
    # PPO, DIP, SHIP, JCP
    ("PPO", "PPO"), ("what is a PPO", "PPO"),
    ("DIP", "DIP"), ("drug interventions programme", "DIP"), ("what does DIP mean", "DIP"),
    ("SHIP", "SHIP"), ("what is SHIP", "SHIP"),
    ("JCP", "JCP"), ("jobcentre plus", "JCP"), ("what is JCP", "JCP"),
    # CARATS, ETE, ETS, NVQ
    ("CARATS", "CARATS"), ("cartas", "CARATS"), ("carats", "CARATS"), ("c.a.r.a.t.s", "CARATS"),
    ("ETE", "ETE"), ("what does ETE mean", "ETE"), ("education training and employment", "ETE"),
    ("ETS", "ETS"), ("ets?", "ETS"),
    ("NVQ", "NVQ"), ("NVQs", "NVQ"), ("national vocational qualification", "NVQ"),
    # CRB, HMP, ABH, GBH, JSA, CPS, MoJ
    ("CRB", "CRB"), ("criminal records bureau", "CRB"),
    ("HMP", "HMP"), ("h.m.p", "HMP"), ("what does HMP stand for", "HMP"),
    ("ABH", "ABH"), ("actual bodily harm", "ABH"), ("whats ABH", "ABH"),
    ("GBH", "GBH"), ("grievous bodily harm", "GBH"), ("grevious bodily harm", "GBH"), ("g.b.h", "GBH"),
    ("JSA", "JSA"), ("jobseekers allowance", "JSA"), ("job seekers allowance", "JSA"), ("jsa?", "JSA"),
    ("CPS", "CPS"), ("crown prosecution service", "CPS"), ("what's the CPS", "CPS"),
    ("MoJ", "MoJ"), ("moj", "MoJ"), ("ministry of justice", "MoJ"),
    # HDC, ROTL, NFA, PO
    ("HDC", "HDC"), ("h d c", "HDC"), ("what does HDC mean?", "HDC"), ("home detention curfew", "HDC"),
    ("home detenshun curfew", "HDC"), ("hdc?", "HDC"), ("wat is hdc", "HDC"),
    ("ROTL", "ROTL"), ("rotl", "ROTL"), ("ROTLs", "ROTL"), ("whats a rotl", "ROTL"),
    ("release on temporary licence", "ROTL"), ("release on temporary license", "ROTL"), ("rotls?", "ROTL"),
    ("NFA", "NFA"), ("what does NFA mean", "NFA"), ("nfa", "NFA"),
    ("PO", "PO"), ("what is a PO", "PO"), ("whos my PO", "PO"), ("p.o.", "PO"),
    # probation's own records and areas, and the end-of-sentence date
    ("CRN", "CRN"), ("whats my crn", "CRN"), ("case reference number", "CRN"),
    ("PDU", "PDU"), ("probation delivery unit", "PDU"), ("nDelius", "nDelius"), ("delius", "nDelius"),
    ("SLED", "SLED"), ("sled date", "SLED"), ("sentence and licence expiry date", "SLED"), ("omic", "OMiC"),
    ("PP", "PP"), ("who is my pp", "PP"), ("p.p.", "PP"), ("probation practitioner", "probation officer"),
    # everyday words of the system
    ("licence", "licence"), ("license", "licence"), ("licences", "licence"), ("lisence", "licence"),
    ("what is a licence", "licence"),
    ("recall", "recall"), ("what does recall mean", "recall"), ("recal", "recall"),
    ("breach", "breach"), ("breaches", "breach"), ("what is a breach", "breach"), ("breech", "breach"),
    ("remand", "remand"), ("what is remand", "remand"),
    ("bail", "bail"), ("what is bail", "bail"), ("bail?", "bail"),
    ("curfew", "curfew"), ("curfews", "curfew"), ("curfwe", "curfew"), ("what is a curfew", "curfew"),
    ("tag", "tag"), ("tags", "tag"), ("what is a tag", "tag"),
    ("spent conviction", "spent conviction"), ("spent convictions", "spent conviction"),
    ("what is a spent conviction", "spent conviction"), ("spent convicton", "spent conviction"),
    ("lead professional", "lead professional"), ("lead profesional", "lead professional"),
    ("who is my lead professional", "lead professional"),
    ("key worker", "key worker"), ("keyworker", "key worker"), ("key workers", "key worker"),
    ("whats a key worker", "key worker"),
    ("Universal Credit", "Universal Credit"), ("universal credit", "Universal Credit"),
    ("univeral credit", "Universal Credit"), ("what is universal credit", "Universal Credit"),
    ("methadone", "methadone"), ("methadon", "methadone"), ("what is methadone", "methadone"),
    ("DBS", "DBS"), ("d.b.s", "DBS"), ("disclosure and barring service", "DBS"),
    ("discharge grant", "discharge grant"), ("discharge grants", "discharge grant"),
    ("dischage grant", "discharge grant"),
    ("approved premises", "approved premises"), ("aproved premises", "approved premises"),
    ("what are approved premises", "approved premises"),
    ("probation officer", "probation officer"), ("probation officers", "probation officer"),
    ("probaton officer", "probation officer"), ("what is a probation officer", "probation officer"),
    ("Parole Board", "Parole Board"), ("parole board", "Parole Board"), ("the parole board", "Parole Board"),
    ("parol board", "Parole Board"),
    ("unpaid work", "unpaid work"), ("unpaid werk", "unpaid work"), ("what is unpaid work", "unpaid work"),
    ("community order", "community order"), ("community orders", "community order"),
    ("comunity order", "community order"),
    ("Thinking Skills Programme", "Thinking Skills Programme"),
    ("thinking skills program", "Thinking Skills Programme"),
]


def test_there_are_at_least_a_hundred_pairs() -> None:
    assert len(QUERY_PAIRS) >= 100
    assert len({query for query, _term in QUERY_PAIRS}) == len(QUERY_PAIRS)


@pytest.mark.parametrize(("query", "term"), QUERY_PAIRS)
def test_real_glossary_finds_what_people_type(real_index: GlossaryIndex, query: str, term: str) -> None:
    result = real_index.lookup(query)
    found = result.entry.term if result.entry else f"nothing (suggested {[e.term for e in result.suggestions]})"
    assert found == term
    assert result.confidence >= 0.6


@pytest.mark.parametrize("term", ["NFA", "PO", "PPO"])
def test_acronyms_with_several_meanings_have_them_all(real_index: GlossaryIndex, term: str) -> None:
    entry = real_index.glossary.get(term)
    assert entry is not None and entry.has_many_meanings
    assert all(meaning.full_form for meaning in entry.meanings)
