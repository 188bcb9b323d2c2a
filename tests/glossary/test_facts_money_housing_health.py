"""Facts in the money, housing, health, drugs, work and general glossary files, pinned on the real content.

Each fact was checked against the source named in the entry (and in the comment above it in the YAML). A
wrong one can cost a person money, a home or their liberty, so the wording that carries the fact cannot
quietly change. England/Wales differences are read straight from the editors' YAML (`nation`, `wales:`),
because the bot shows the `wales:` text to people whose case file is in Wales.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from glossary.load import load_glossary
from glossary.model import Entry, Glossary
from glossary.yaml_source import read_yaml

REAL_GLOSSARY = Path(__file__).resolve().parents[2] / "content" / "glossary"
MY_FILES = ("money", "housing", "health", "drugs-alcohol", "work-learning", "general")


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return load_glossary(REAL_GLOSSARY.parent)


@pytest.fixture(scope="module")
def raw_entries() -> dict[str, dict[str, Any]]:
    """Every entry in the six files as the editor wrote it, by term."""
    found: dict[str, dict[str, Any]] = {}
    for name in MY_FILES:
        source = read_yaml(REAL_GLOSSARY / f"{name}.yaml")
        assert source.readable and not source.findings, f"{name}.yaml: {source.findings}"
        for entry in source.data["entries"]:
            found[entry["term"]] = entry
    return found


def _english(glossary: Glossary, term: str) -> str:
    entry: Entry | None = glossary.get(term)
    assert entry is not None, f"{term!r} is missing from the glossary"
    parts = [text for meaning in entry.meanings for text in (meaning.explanation, meaning.for_you or "")]
    return " ".join(" ".join(parts).split()).casefold()


def _wales(raw: dict[str, Any]) -> str:
    block = raw["wales"]
    return " ".join(" ".join([block["explanation"], block.get("for_you") or ""]).split()).casefold()


def test_every_entry_in_these_files_is_sourced_reviewed_and_in_three_languages(
        raw_entries: dict[str, dict[str, Any]]) -> None:
    for term, raw in raw_entries.items():
        assert raw.get("sources"), f"{term} has no sources"
        assert all(str(url).startswith(("https://", "http://")) for url in raw["sources"]), term
        assert str(raw.get("reviewed")) == "2026-12-07", term
        meanings = raw.get("meanings") or [raw]
        blocks = [*meanings, *([raw["wales"]] if raw.get("wales") else [])]
        for block in blocks:
            for language in ("cy", "pl"):
                translation = block["translations"][language]
                assert translation["explanation"].strip(), f"{term} {language}"
                assert translation["reviewed"] is False, f"{term} {language} must stay unreviewed"
                if block.get("for_you"):
                    assert (translation.get("for_you") or "").strip(), f"{term} {language} for_you"


def test_a_wales_variant_only_sits_on_an_england_entry(raw_entries: dict[str, dict[str, Any]]) -> None:
    for term, raw in raw_entries.items():
        assert raw.get("nation") in (None, "england", "wales"), term
        if raw.get("wales"):
            assert raw.get("nation") == "england", f"{term} has a Wales variant but is not marked england"
            assert raw["wales"].get("sources"), f"{term}'s Wales variant has no sources"


def test_section_21_was_scrapped_in_england_and_wales_still_has_no_reason_notices(
        glossary: Glossary, raw_entries: dict[str, dict[str, Any]]) -> None:
    # Renters' Rights Act 2025: no new section 21 notices in England from 1 May 2026.
    text = _english(glossary, "Section 21")
    assert "in england" in text and "scrapped" in text and "1 may 2026" in text
    assert raw_entries["Section 21"]["nation"] == "england"
    # Renting Homes (Wales) Act 2016: a no-reason notice still exists, at least 6 months.
    wales = _wales(raw_entries["Section 21"])
    assert "still end your contract with no reason" in wales and "6 months" in wales


def test_wales_renting_uses_occupation_contracts_and_contract_holders(
        glossary: Glossary, raw_entries: dict[str, dict[str, Any]]) -> None:
    assert raw_entries["tenancy"]["nation"] == "england"
    assert "occupation contract" in _wales(raw_entries["tenancy"])
    for term in ("occupation contract", "contract-holder"):
        assert raw_entries[term]["nation"] == "wales"
        assert _english(glossary, term).startswith("in wales")
    # A housing licence is not a prison licence: the entry says so, so the two are never confused.
    assert "not the same as a prison licence" in _english(glossary, "licence agreement")


def test_right_to_rent_is_england_only(glossary: Glossary, raw_entries: dict[str, dict[str, Any]]) -> None:
    assert _english(glossary, "Right to Rent").startswith("in england")
    assert "do not have to do them" in _wales(raw_entries["Right to Rent"])


def test_prescriptions_are_free_in_wales(glossary: Glossary, raw_entries: dict[str, dict[str, Any]]) -> None:
    assert "in wales it is free for all" in _english(glossary, "free prescriptions")
    translations = raw_entries["free prescriptions"]["translations"]
    assert "yng nghymru mae am ddim i bawb" in translations["cy"]["explanation"].casefold()
    assert "w walii są darmowe dla wszystkich" in translations["pl"]["explanation"].casefold()
    assert raw_entries["prescription prepayment certificate"]["nation"] == "england"
    assert "free for everyone" in _wales(raw_entries["prescription prepayment certificate"])


def test_reconnect_and_health_bodies_are_marked_by_nation(raw_entries: dict[str, dict[str, Any]]) -> None:
    assert raw_entries["RECONNECT"]["nation"] == "england"
    assert "only in england" in _wales(raw_entries["RECONNECT"])
    assert raw_entries["health board"]["nation"] == "wales"
    assert raw_entries["ICB"]["nation"] == "england"
    assert "health board" in _wales(raw_entries["ICB"])
    assert raw_entries["DAN 24/7"]["nation"] == "wales"
    assert raw_entries["CALL helpline"]["nation"] == "wales"


def test_the_111_mental_health_option_is_named_for_england_and_wales(glossary: Glossary) -> None:
    # England: NHS 111 mental health option; Wales: 111 press 2 (national since 2023).
    assert "in england and wales you can call 111" in _english(glossary, "mental health crisis line")


def test_hardship_payments_are_for_18_and_over_and_paid_back(glossary: Glossary) -> None:
    text = _english(glossary, "hardship payment")
    assert "18 or over" in text and "pay it back" in text


def test_state_pension_is_not_paid_while_serving_a_sentence(glossary: Glossary) -> None:
    # Social Security Contributions and Benefits Act 1992 s.113.
    assert "not paid while you serve a prison sentence" in _english(glossary, "State Pension")


def test_homelessness_duties_give_the_56_and_21_day_limits(glossary: Glossary) -> None:
    assert "56 days" in _english(glossary, "prevention duty")
    assert "56 days" in _english(glossary, "relief duty")
    assert "21 days" in _english(glossary, "homelessness review")
    assert "21 days" in _english(glossary, "intentionally homeless")


def test_adder_is_described_as_ended(glossary: Glossary) -> None:
    # gov.uk/government/publications/project-adder: ended 31 March 2025, in England and Wales.
    text = _english(glossary, "ADDER")
    assert "england and wales" in text and "march 2025" in text


def test_court_fines_are_not_in_a_debt_relief_order(glossary: Glossary) -> None:
    assert "court fines, are not included" in _english(glossary, "debt relief order")


def test_cas3_lasts_up_to_12_weeks_and_cas1_is_approved_premises(glossary: Glossary) -> None:
    assert "up to 12 weeks" in _english(glossary, "CAS3")
    assert "approved premises" in _english(glossary, "CAS1")


def test_probationary_period_at_work_is_not_probation(glossary: Glossary) -> None:
    assert "nothing to do with probation" in _english(glossary, "probationary period")


def test_polish_never_uses_zatarty_or_kuratorium_in_these_files(raw_entries: dict[str, dict[str, Any]]) -> None:
    def polish(block: dict[str, Any]) -> str:
        translation = block["translations"]["pl"]
        return f"{translation['explanation']} {translation.get('for_you') or ''}".casefold()

    for term, raw in raw_entries.items():
        for block in [*(raw.get("meanings") or [raw]), *([raw["wales"]] if raw.get("wales") else [])]:
            text = polish(block)
            assert "zatart" not in text and "kuratori" not in text, term
