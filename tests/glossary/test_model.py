"""The glossary model: meanings in a language with English fallback, entries, and the Glossary lookup."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from glossary.model import Entry, Glossary, Meaning, Translation, looks_like_acronym


def _entry(term: str, category: str = "general", *meanings: Meaning) -> Entry:
    return Entry(term=term, category=category, meanings=meanings or (Meaning(None, f"About {term}."),))


WELSH = Translation("Esboniad.", "I chi.")
MEANING = Meaning("Home Detention Curfew", "You leave early with a tag.", "Be home on time.", "Prisons",
                  {"cy": WELSH})


def test_english_is_the_written_text_and_never_a_fallback() -> None:
    text, fell_back = MEANING.text_in("en")
    assert text == Translation("You leave early with a tag.", "Be home on time.")
    assert fell_back is False


def test_a_written_translation_is_used() -> None:
    assert MEANING.text_in("cy") == (WELSH, False)


def test_a_missing_translation_falls_back_to_english_and_says_so() -> None:
    text, fell_back = MEANING.text_in("pl")
    assert text.explanation == "You leave early with a tag."
    assert fell_back is True


@pytest.mark.parametrize(
    ("word", "expected"),
    [("HDC", True), ("OASys", True), ("MoJ", True), ("CAS3", True), ("PO", True), ("Cat A", False),
     ("Bail", False), ("licence", False), ("", False), ("A", False)],
)
def test_looks_like_acronym(word: str, expected: bool) -> None:
    assert looks_like_acronym(word) is expected


def test_entry_key_is_case_folded_and_full_form_needs_one_meaning() -> None:
    single = _entry("OASys", "assessment", Meaning("Offender Assessment System", "A form."))
    several = _entry("NFA", "police", Meaning("No further action", "Dropped."), Meaning("No fixed abode", "No home."))
    assert single.key == "oasys" and single.is_acronym and single.full_form == "Offender Assessment System"
    assert several.has_many_meanings and several.full_form is None
    assert not _entry("probation officer").is_acronym


def test_entries_are_frozen() -> None:
    entry = _entry("tag")
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.term = "other"  # type: ignore[misc]


def test_glossary_lookup_iteration_and_categories() -> None:
    entries = [_entry("HDC", "prison"), _entry("curfew", "prison"), _entry("CPS", "courts")]
    glossary = Glossary(entries)
    assert len(glossary) == 3
    assert [e.term for e in glossary] == ["HDC", "curfew", "CPS"]
    assert glossary.get("hdc") is entries[0]
    assert glossary.get("  Curfew ") is entries[1]
    assert glossary.get("nothing") is None
    assert "cps" in glossary and 3 not in glossary
    assert glossary.categories() == ("courts", "prison")
    assert [e.term for e in glossary.in_category("prison")] == ["HDC", "curfew"]


def test_first_of_two_equal_terms_wins_in_a_hand_built_glossary() -> None:
    first, second = _entry("tag"), Entry("Tag", "general", (Meaning(None, "Other."),), source=Path("b.yaml"))
    assert Glossary([first, second]).get("TAG") is first
