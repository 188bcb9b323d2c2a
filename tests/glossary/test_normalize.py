"""Normalising what people type: keys, spelled-out letters, plurals, question wording, safe gap terms."""

from __future__ import annotations

import pytest

from glossary.normalize import (
    fold,
    gap_term,
    is_short_query,
    join_spelled_letters,
    key_of,
    question_parts,
    singular_forms,
    singular_phrases,
    word_key,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Magistrates' Court", "magistrates court"),
        ("O.A.S.Y.S.", "oasys"),
        ("Through-the-Gate", "through the gate"),
        ("Education, Training & Employment", "education training and employment"),
        ("  PO’s  ", "pos"),
        ("ＨＤＣ", "hdc"),
        ("A&E", "a and e"),
        ("", ""),
        ("?!", ""),
    ],
)
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected


@pytest.mark.parametrize(
    ("key", "expected"),
    [("o a s y s", "oasys"), ("what is h d c", "what is hdc"), ("cat a", "cat a"), ("p o", "po"), ("hdc", "hdc")],
)
def test_join_spelled_letters(key: str, expected: str) -> None:
    assert join_spelled_letters(key) == expected


def test_key_of_joins_letters_after_folding() -> None:
    assert key_of("O A S Y S") == key_of("o.a.s.y.s") == key_of("OASys") == "oasys"


def test_word_key_keeps_one_word_and_reads_ampersand_as_and() -> None:
    assert word_key("O.A.S.Y.S") == "oasys"
    assert word_key("PO's") == "pos"
    assert word_key("&") == "and"


@pytest.mark.parametrize(
    ("word", "forms"),
    [
        ("licences", ("licenc", "licence")),
        ("agencies", ("agency", "agenci", "agencie")),
        ("rotls", ("rotl",)),
        ("pos", ("po",)),
        ("bass", ()),
        ("hdc", ()),
    ],
)
def test_singular_forms(word: str, forms: tuple[str, ...]) -> None:
    assert set(singular_forms(word)) == set(forms)


def test_singular_phrases_change_the_last_word_only() -> None:
    assert "spent conviction" in singular_phrases("spent convictions")
    assert "key worker" in singular_phrases("key workers")


@pytest.mark.parametrize(
    ("query", "bare"),
    [
        ("what does HDC mean?", "HDC"),
        ("whats a rotl", "rotl"),
        ("what's a ROTL?", "ROTL"),
        ("what is a PO", "PO"),
        ("What is the Parole Board", "Parole Board"),
        ("meaning of MAPPA", "MAPPA"),
        ("explain licence please", "licence"),
        ("HDC?", "HDC"),
        ("what does VISOR stand for", "VISOR"),
        ("wat is hdc", "hdc"),
        ("can you tell me what CPS means", "CPS"),
        ("who is my PO", "PO"),
        ("i dont know what oasys means", "oasys"),
        ("hdc meaning", "hdc"),
        ("what do they mean by licence", "licence"),
        ("tell me about curfew", "curfew"),
        ("what is ETE in my letter", "ETE"),
        ("what does this mean", "this"),
    ],
)
def test_question_parts_end_with_the_bare_term(query: str, bare: str) -> None:
    parts = question_parts(query)
    assert parts[-1].text == bare
    assert query[parts[-1].start:parts[-1].end] == bare
    assert parts[0].start == 0 or not query[: parts[0].start].strip(" ?")


def test_question_parts_start_with_the_whole_query() -> None:
    parts = question_parts("  what is a PO?  ")
    assert [part.text for part in parts] == ["what is a PO", "a PO", "PO"]


def test_a_lone_question_word_is_kept() -> None:
    assert [part.text for part in question_parts("what?")] == ["what"]
    assert question_parts("   ") == []


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("zxq", "zxq"),
        ("home detention", "home detention"),
        ("my phone is 07700900123", None),
        ("crn x123456", None),
        ("jo@example.org", None),
        ("a b c d e f", None),
        ("how are you", None),
        ("ok thanks", None),
        ("x" * 41, None),
        ("", None),
    ],
)
def test_gap_term_keeps_only_short_letter_words(key: str, expected: str | None) -> None:
    assert gap_term(key) == expected


def test_is_short_query() -> None:
    assert is_short_query("what does HDC mean")
    assert not is_short_query("one two three four five six seven eight nine")
    assert not is_short_query("HDC\nROTL")
