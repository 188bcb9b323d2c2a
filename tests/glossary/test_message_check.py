"""A worker's message checked for plain words: jargon gets its plain form suggested, long sentences flagged."""

from __future__ import annotations

from pathlib import Path

import pytest

from glossary.load import load_glossary
from glossary.message_check import MAX_WORDS, check_message
from glossary.plain_language import read_plain_words
from glossary.search import GlossaryIndex

REAL_CONTENT = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture(scope="module")
def index() -> GlossaryIndex:
    return GlossaryIndex.build(load_glossary(REAL_CONTENT))


def test_plain_short_message_has_no_notes(index: GlossaryIndex) -> None:
    assert check_message(index, "See you on Tuesday at 10. Bring your letter.") == []


def test_an_acronym_gets_its_plain_words_once(index: GlossaryIndex) -> None:
    notes = check_message(index, "Your OMU will call. The OMU is busy.")
    assert [(note.kind, note.found) for note in notes] == [("jargon", "OMU")]
    assert "try plain words" in notes[0].advice


def test_a_long_sentence_is_flagged_with_its_length(index: GlossaryIndex) -> None:
    sentence = " ".join(["word"] * (MAX_WORDS + 1)) + "."
    [note] = check_message(index, sentence)
    assert note.kind == "long_sentence" and f"has {MAX_WORDS + 1} words" in note.advice


def test_the_editors_hard_words_are_flagged_with_their_plainer_words(index: GlossaryIndex) -> None:
    plain_words, findings = read_plain_words(REAL_CONTENT)
    assert findings == []
    text = "Please ensure you attend. We will commence at 10 and facilitate your accommodation search."
    notes = check_message(index, text, plain_words)
    hard = {note.found: note.advice for note in notes if note.kind == "hard_word"}
    assert {"commence", "facilitate", "accommodation"} <= set(hard)
    assert hard["commence"] == '"commence": try "start" or "begin".'
    assert check_message(index, "See you on Tuesday at 10. Bring your letter.", plain_words) == []
