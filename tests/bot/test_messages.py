import pytest

from bot.messages import MAX_MESSAGE_LENGTH, Button, split_for_channel


def test_short_text_is_one_part() -> None:
    assert split_for_channel("Hello.\n\nBye.") == ["Hello.\n\nBye."]


def test_empty_text_has_no_parts() -> None:
    assert split_for_channel("   ") == []


def test_long_text_splits_at_paragraphs_first() -> None:
    paragraph = "word " * 300  # about 1,500 characters
    text = "\n\n".join(paragraph.strip() for _ in range(6))
    parts = split_for_channel(text)
    assert all(len(part) <= MAX_MESSAGE_LENGTH for part in parts)
    assert len(parts) == 3
    assert all(part.count("\n\n") == 1 for part in parts)  # two whole paragraphs each
    assert "\n\n".join(parts) == text


def test_one_huge_paragraph_splits_at_lines_then_words() -> None:
    line = " ".join(["plain"] * 200)
    text = "\n".join([line] * 10)
    parts = split_for_channel(text)
    assert all(len(part) <= MAX_MESSAGE_LENGTH for part in parts)
    assert "".join(parts).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")


def test_a_word_longer_than_the_limit_is_cut() -> None:
    parts = split_for_channel("x" * 10_000)
    assert [len(part) for part in parts] == [4096, 4096, 1808]


def test_button_data_over_telegram_limit_is_refused() -> None:
    with pytest.raises(ValueError):
        Button("Too long", "x" * 65)
    assert Button("OK", "x" * 64).data == "x" * 64
