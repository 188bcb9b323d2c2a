"""Facts helper F checked against public sources, pinned on the real glossary (probation, assessment,
programmes, agencies, courts and police files), so the wrong wording cannot come back.

The sources are in each entry's `sources` list and, where a fact was corrected, in a comment above it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from glossary.load import load_glossary
from glossary.model import Glossary
from glossary.search import GlossaryIndex
from glossary.yaml_source import read_yaml

REAL_CONTENT = Path(__file__).resolve().parents[2] / "content"
MY_FILES = ("probation", "assessment", "programmes", "agencies", "courts", "police")


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return load_glossary(REAL_CONTENT)


@pytest.fixture(scope="module")
def index(glossary: Glossary) -> GlossaryIndex:
    return GlossaryIndex.build(glossary)


def _english(glossary: Glossary, term: str) -> str:
    entry = glossary.get(term)
    assert entry is not None, f"{term!r} is missing from the glossary"
    parts = [text for meaning in entry.meanings for text in (meaning.explanation, meaning.for_you or "")]
    return " ".join(" ".join(parts).split()).casefold()


def test_new_me_strengths_is_for_any_offence_at_medium_risk_or_above(glossary: Glossary) -> None:
    # HMPPS LDC suite evaluation (January 2025): NMS is for any conviction, medium risk of reoffending or above.
    text = _english(glossary, "New Me Strengths")
    assert "any kind of crime" in text
    assert "medium risk or above" in text
    assert "who have been violent" not in text


def test_becoming_new_me_is_for_high_and_very_high_risk(glossary: Glossary) -> None:
    text = _english(glossary, "Becoming New Me")
    assert "high or very high risk" in text


@pytest.mark.parametrize("typed", ["CRO number", "CRO", "cro no", "criminal records office number"])
def test_cro_number_never_becomes_the_probation_crn(index: GlossaryIndex, glossary: Glossary, typed: str) -> None:
    assert index.lookup(typed).entry is glossary.get("CRO number")
    assert "not the same as the crn" in _english(glossary, "CRO number")


@pytest.mark.parametrize("typed", ["PQiP", "pqip", "trainee probation officer"])
def test_pqip_is_the_trainee_probation_officer_not_pip(index: GlossaryIndex, glossary: Glossary, typed: str) -> None:
    assert index.lookup(typed).entry is glossary.get("PQiP")


def test_victim_contact_scheme_is_for_violent_or_sexual_crimes_of_12_months_or_more(glossary: Glossary) -> None:
    text = _english(glossary, "Victim Contact Scheme")
    assert "violent or sexual crime" in text
    assert "12 months or more" in text


def test_mappa_levels_and_categories_have_their_own_entries(index: GlossaryIndex, glossary: Glossary) -> None:
    assert index.lookup("MAPPA level 2").entry is glossary.get("MAPPA level")
    assert index.lookup("MAPPA category 4").entry is glossary.get("MAPPA category")
    assert "4 terrorism" in _english(glossary, "MAPPA category")


def test_police_bail_is_not_court_bail(index: GlossaryIndex, glossary: Glossary) -> None:
    assert index.lookup("police bail").entry is glossary.get("police bail")
    assert index.lookup("pre-charge bail").entry is glossary.get("police bail")


def test_pnd_has_both_meanings(glossary: Glossary) -> None:
    text = _english(glossary, "PND")
    assert "police computer" in text
    assert "fine the police can give you on the spot" in text


@pytest.mark.parametrize("name", MY_FILES)
def test_every_entry_is_sourced_reviewed_and_in_welsh_and_polish(name: str) -> None:
    source = read_yaml(REAL_CONTENT / "glossary" / f"{name}.yaml")
    assert source.data is not None
    for entry in source.data["entries"]:
        term = entry["term"]
        sources = entry.get("sources")
        assert sources and all(url.startswith("https://") for url in sources), term
        assert str(entry.get("reviewed")) == "2026-12-07", term
        for meaning in entry.get("meanings") or [entry]:
            for language in ("cy", "pl"):
                translation = meaning["translations"][language]
                assert translation["explanation"].strip(), (term, language)
                assert translation["reviewed"] is False, (term, language)
                assert bool(translation.get("for_you")) == bool(meaning.get("for_you")), (term, language)
