"""Prison life, release dates and sentences (issue 11): the facts these entries carry, on the real glossary.

The entries live in content/glossary/prison.yaml and content/glossary/sentences.yaml; their sources are
listed on each entry. Each test checks English and, where the fact is a number or a law, Welsh and Polish
too, so a translation cannot drift from the English. The completeness test reads the editors' YAML the way
the checker does (glossary.yaml_source) because sources and review dates are not part of the loaded model.
"""

from __future__ import annotations

from datetime import date

import pytest

from glossary.load import load_glossary
from glossary.model import Glossary
from glossary.search import GlossaryIndex
from glossary.yaml_source import read_yaml
from tests.glossary.facts_helpers import REAL_CONTENT, entry_named, reader_text

OWN_FILES = ("prison.yaml", "sentences.yaml")


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return load_glossary(REAL_CONTENT)


@pytest.fixture(scope="module")
def index(glossary: Glossary) -> GlossaryIndex:
    return GlossaryIndex.build(glossary)


@pytest.mark.parametrize("name", OWN_FILES)
def test_every_entry_has_sources_a_review_date_and_unreviewed_welsh_and_polish(name: str) -> None:
    source = read_yaml(REAL_CONTENT / "glossary" / name)
    assert not source.findings
    entries = source.data["entries"]
    assert len(entries) > 50
    for entry in entries:
        term = entry["term"]
        assert entry["sources"] and all(url.startswith("https://") for url in entry["sources"]), term
        # Checked against the sources on or after the day this work was done (issue 11).
        assert date.fromisoformat(str(entry["reviewed"])) >= date(2026, 12, 7), term
        meanings = entry.get("meanings") or [entry]
        for meaning in meanings:
            for language in ("cy", "pl"):
                translation = meaning["translations"][language]
                assert translation["explanation"].strip(), (term, language)
                assert translation["reviewed"] is False, (term, language)
                if "for_you" in meaning:
                    assert translation["for_you"].strip(), (term, language, "for_you")


def test_hdced_says_adults_lose_hdc_under_the_2026_law(glossary: Glossary) -> None:
    entry = entry_named(glossary, "HDCED")
    assert "once a 2026 law starts, adults cannot get hdc" in reader_text(entry)
    assert "fydd oedolion ddim yn cael hdc" in reader_text(entry, "cy", written=True)
    assert "dorośli nie dostaną hdc" in reader_text(entry, "pl", written=True)


def test_an_indeterminate_sentence_has_its_ownentry_named(index: GlossaryIndex) -> None:
    for query in ("indeterminate sentence", "what is an indeterminate sentence", "ISP"):
        found = index.lookup(query).entry
        assert found is not None and found.term in {"indeterminate sentence", "ISP"}, query
        text = reader_text(found)
        assert "no fixed end date" in text
        assert "parole board" in text


def test_sds40_is_the_2024_change_and_sends_people_to_check_their_dates(glossary: Glossary) -> None:
    entry = entry_named(glossary, "SDS40")
    text = reader_text(entry)
    assert "2024" in text and "40%" in text and "not half" in text
    assert "changed again in 2026" in text and "ask the omu" in text
    for language in ("cy", "pl"):
        assert "2024" in reader_text(entry, language, written=True) and "40%" in reader_text(entry, language, written=True)
        assert "2026" in reader_text(entry, language, written=True)
    # The early release entry no longer claims SDS40 as one of its own names.
    assert "SDS40" not in entry_named(glossary, "early release").aliases


def test_tagged_bail_credits_half_the_days_of_a_nine_hour_curfew(glossary: Glossary) -> None:
    entry = entry_named(glossary, "tagged bail credit")
    assert "curfew of 9 hours or more a day" in reader_text(entry)
    assert "half those days count off your sentence" in reader_text(entry)
    assert "9" in reader_text(entry, "cy", written=True) and "hanner" in reader_text(entry, "cy", written=True)
    assert "9" in reader_text(entry, "pl", written=True) and "połowa" in reader_text(entry, "pl", written=True)


def test_serving_a_default_sentence_does_not_clear_a_confiscation_order(glossary: Glossary) -> None:
    text = reader_text(entry_named(glossary, "default sentence"), written=True)
    assert "with a confiscation order, you still owe the money" in text


def test_the_removal_schemes_are_only_for_people_who_are_not_british(glossary: Glossary) -> None:
    for term in ("ERS", "ERSED", "TERS", "TERSED"):
        assert "not british" in reader_text(entry_named(glossary, term), written=True), term


def test_release_date_types_resolve_to_their_own_entries(index: GlossaryIndex) -> None:
    for query, term in (("PSSED", "TUSED"), ("post recall release date", "PRRD"), ("actual parole date", "APD"),
                        ("HDC approved date", "HDCAD"), ("added days", "ADA"), ("SDS plus", "SDS+"),
                        ("Cat A", "Cat A"), ("Cat D", "open prison"), ("CSU", "segregation")):
        found = index.lookup(query).entry
        assert found is not None and found.term == term, query


def test_a_probation_letters_reception_is_not_the_prison_reception(index: GlossaryIndex) -> None:
    letter = "Please report to reception ten minutes early. Bring your discharge paperwork and photo ID."
    spotted = {item.entry.term for item in index.spot(letter)}
    assert "prison reception" not in spotted
    assert index.lookup("prison reception").entry is not None
