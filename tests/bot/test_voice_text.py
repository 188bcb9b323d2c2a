"""What espeak-ng is given to read: the reply's words without markup, buttons, emoji or raw links."""

from __future__ import annotations

import pytest

from bot.voice_text import speakable_text


def test_html_and_markdown_markup_is_removed_but_words_stay() -> None:
    text = "<b>Your next step</b> is to **ring** the `office` &amp; ask for _Sam_."
    assert speakable_text(text, "en") == "Your next step is to ring the office & ask for Sam."


def test_markdown_link_keeps_its_words_and_bare_links_become_one_word() -> None:
    text = "Read [how to claim](https://www.gov.uk/universal-credit/how-to-claim). Or see https://example.org/a?b=c."
    assert speakable_text(text, "en") == "Read how to claim. Or see link."
    assert speakable_text("Gweler www.llyw.cymru", "cy") == "Gweler dolen."


def test_bullets_and_button_lines_go_and_each_item_ends_with_a_pause() -> None:
    text = "What to bring:\n• your letter\n- photo ID\n* this phone\n[Listen 🔊] [Back]\n1. Ring first"
    assert speakable_text(text, "en") == "What to bring: your letter. photo I.D. this phone. 1. Ring first."


def test_emoji_and_arrows_are_not_read_out() -> None:
    assert speakable_text("✅ Done → next 😀👍🏽", "en") == "Done next."


def test_message_of_only_pictures_leaves_nothing_to_say() -> None:
    assert speakable_text("👍 🙂", "en") == ""
    assert speakable_text("[Listen] [Back]", "pl") == ""


@pytest.mark.parametrize(
    ("language", "text", "spoken"),
    [
        ("en", "You get £5.50 and £1 and £1,200.", "You get 5 pounds 50 and 1 pound and 1200 pounds."),
        ("en", "It costs £3.00 today", "It costs 3 pounds today."),
        ("cy", "Mae'n £2.05", "Mae'n 2 punt 5."),
        ("pl", "£1, £3, £5, £12, £22", "1 funt, 3 funty, 5 funtów, 12 funtów, 22 funty."),
    ],
)
def test_pounds_are_said_as_words_in_the_reply_language(language: str, text: str, spoken: str) -> None:
    assert speakable_text(text, language) == spoken


def test_phone_numbers_are_read_digit_by_digit_in_their_groups() -> None:
    spoken = speakable_text("Ring 0800 328 5644 or +44 7700 900123.", "en")
    assert spoken == "Ring 0 8 0 0, 3 2 8, 5 6 4 4 or 0 7 7 0 0, 9 0 0 1 2 3."


def test_times_years_and_short_numbers_are_left_for_espeak() -> None:
    assert speakable_text("Come at 10:30 on 3 March 2027, room 12.", "en") == (
        "Come at 10:30 on 3 March 2027, room 12."
    )


def test_two_capital_letters_are_spelled_but_common_words_and_longer_acronyms_stay() -> None:
    text = "Your PO will check your UC claim. OK? MAPPA and HDC stay. IT IS FINE"
    assert speakable_text(text, "en") == "Your P.O. will check your U.C. claim. OK? MAPPA and HDC stay. IT IS FINE."


def test_welsh_and_polish_letters_pass_through_unchanged() -> None:
    assert speakable_text("Dydd Mawrth, ŵy a ŷd", "cy") == "Dydd Mawrth, ŵy a ŷd."
    assert speakable_text("Zażółć gęślą jaźń", "pl") == "Zażółć gęślą jaźń."
