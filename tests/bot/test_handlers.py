import pytest

from bot.conversation.handlers import _could_be_code, _looks_like_code


@pytest.mark.parametrize("text", ["K7QM-4XTR", "k7qm 4xtr", "ABCD-EFGH", "K7QM4XTR", " 23456789 "])
def test_printed_codes_are_codes_whenever_they_are_sent(text: str) -> None:
    assert _looks_like_code(text)


@pytest.mark.parametrize("text", ["STRENGTH", "abcdefgh", "what is ROTL", "MAPPA", "K7QM-4XT", "1234-5678-9",
                                  "K7QM-4XTO", "hello there"])
def test_words_and_near_misses_are_not_codes(text: str) -> None:
    assert not _looks_like_code(text)


@pytest.mark.parametrize(("text", "expected"), [("K7QM 4XTO", True), ("strength", True), ("what is ROTL", False),
                                                  ("rotl", False), ("K7 QM 4X", False), ("thanks", False),
                                                  ("licence", False), ("goodbye", False), ("probation", False)])
def test_after_i_have_a_code_a_single_word_is_tried_as_one(text: str, expected: bool) -> None:
    assert _could_be_code(text) is expected
