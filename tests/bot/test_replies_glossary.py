"""The bot's glossary replies, rendered from the real templates with the fixed fixture glossary."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import i18n
from bot.replies.glossary import (
    answer_text,
    is_word_question,
    label,
    lookup_reply,
    meaning_views,
    spotted_reply,
)
from glossary.load import load_glossary
from glossary.model import Entry, Meaning
from glossary.search import GlossaryIndex

FIXTURES = Path(__file__).resolve().parents[1] / "glossary" / "fixtures_engine"  # templates link to content/


@pytest.fixture(scope="module")
def index() -> GlossaryIndex:
    return GlossaryIndex.build(load_glossary(FIXTURES))


def _reply(index: GlossaryIndex, query: str, language: str = "en", noted: bool = False) -> str:
    return lookup_reply(FIXTURES, index, index.lookup(query), language, noted=noted)


def _gettext(language: str, message: str) -> str:
    return i18n.translations(FIXTURES / "locale", language).gettext(message)


def test_a_word_with_one_meaning(index: GlossaryIndex) -> None:
    assert _reply(index, "what does HDC mean?") == (
        "HDC (Home Detention Curfew)\n"
        "You leave prison early and wear a tag. You must be home at set times.\n"
        "For you: If you break the curfew, you can go back to prison.\n"
        "\n"
        "See also: tag, curfew."
    )


def test_a_near_spelling_says_it_is_a_guess(index: GlossaryIndex) -> None:
    assert _reply(index, "cartas") == (
        "I think you mean this word.\n"
        "\n"
        "CARATS (Counselling, Assessment, Referral, Advice and Throughcare Services)\n"
        "The old name for the drug support team in prison."
    )


def test_an_acronym_with_several_meanings_shows_each_briefly(index: GlossaryIndex) -> None:
    assert _reply(index, "what is a PO") == (
        "PO can mean different things:\n"
        "• Probation officer (Probation Service): The person who supervises you on probation.\n"
        "• Prison officer (Prisons): A member of staff who looks after people in prison.\n"
        "• Post Office: A shop where you can collect money and post letters."
    )


def test_one_meaning_asked_for_by_its_full_form_comes_first(index: GlossaryIndex) -> None:
    assert _reply(index, "no fixed abode") == (
        "NFA (No fixed abode)\n"
        "You have no settled place to live.\n"
        "\n"
        "NFA can also mean:\n"
        "• No further action: The police or court will not take the case any further."
    )


def test_an_old_word_points_to_the_new_one(index: GlossaryIndex) -> None:
    assert _reply(index, "CRB") == (
        "CRB (Criminal Records Bureau)\n"
        "The old name for the service that does record checks.\n"
        "\n"
        "This word is no longer used. Now it is DBS (Disclosure and Barring Service)."
    )


def test_an_acronym_alias_is_shown_with_what_it_stands_for(index: GlossaryIndex) -> None:
    assert _reply(index, "TSP").splitlines()[0] == "TSP (Thinking Skills Programme)"


def test_a_translation_is_used_when_there_is_one(index: GlossaryIndex) -> None:
    reply = _reply(index, "mapa", "pl")
    assert "Policja, kuratorzy i służba więzienna spotykają się, aby chronić ludzi." in reply
    assert "Jeśli jesteś objęty MAPPA, więcej osób sprawdza, jak sobie radzisz." in reply
    assert "English" not in reply


@pytest.mark.parametrize(("language", "note"), [("cy", "(Not yet in Welsh: here it is in English.)"),
                                                ("pl", "(Not yet in Polish: here it is in English.)")])
def test_english_fallback_says_so(index: GlossaryIndex, language: str, note: str) -> None:
    reply = _reply(index, "ROTL", language)
    assert "Time out of prison for a day or a few days." in reply
    assert reply.endswith(_gettext(language, note))


def test_suggestions_and_the_noted_word(index: GlossaryIndex) -> None:
    assert _reply(index, "DPI", noted=True) == (
        "I am not sure I know that word. Did you mean DIP (Drug Interventions Programme)?\n"
        "\n"
        "If not, I have noted your word so we can add it."
    )
    assert _reply(index, "tap") == (
        "I am not sure I know that word. Did you mean one of these?\n"
        "• AP (Approved premises)\n"
        "• tag\n"
        "• Thinking Skills Programme"
    )


def test_nothing_found_is_kind_and_only_claims_a_note_when_noted(index: GlossaryIndex) -> None:
    assert _reply(index, "zxq", noted=True) == (
        "I don't know that word yet. I have noted it so we can add it.\n"
        "Check the spelling, or ask your key worker what it means."
    )
    assert _reply(index, "zxq") == (
        "I don't know that word yet.\n"
        "Check the spelling, or ask your key worker what it means."
    )


def test_words_spotted_in_a_text(index: GlossaryIndex) -> None:
    text = "Your PO will see you at the AP. Your HDC and ROTL start soon."
    assert spotted_reply(FIXTURES, index, index.spot(text), "en") == (
        "I found 4 words in your text:\n"
        "\n"
        "• PO can mean different things:\n"
        "  - Probation officer: The person who supervises you on probation.\n"
        "  - Prison officer: A member of staff who looks after people in prison.\n"
        "  - Post Office: A shop where you can collect money and post letters.\n"
        "\n"
        "• AP (Approved premises): A hostel where staff are there day and night. Some people live there after "
        "prison.\n"
        "\n"
        "• HDC (Home Detention Curfew): You leave prison early and wear a tag. You must be home at set times.\n"
        "\n"
        "• ROTL (Release on Temporary Licence): Time out of prison for a day or a few days. You might go to work "
        "or see family.\n"
        "\n"
        "Send me any of these words to find out more."
    )


def test_one_word_spotted_and_none_spotted(index: GlossaryIndex) -> None:
    assert spotted_reply(FIXTURES, index, index.spot("Ask about the HDC please"), "en").startswith(
        "I found 1 word in your text:\n\n• HDC (Home Detention Curfew):")
    assert spotted_reply(FIXTURES, index, [], "en") == (
        "I did not find any words I know in your text.\nYou can send me one word to look up."
    )


def test_labels_put_the_full_form_beside_every_acronym(index: GlossaryIndex) -> None:
    assert label(index.glossary.get("NFA")) == "NFA (No further action / No fixed abode)"  # type: ignore[arg-type]
    assert label(index.glossary.get("curfew")) == "curfew"  # type: ignore[arg-type]


def test_answer_text_looks_up_a_short_message(index: GlossaryIndex) -> None:
    answer = answer_text(FIXTURES, index, "whats a mapa", "en")
    assert answer.found and [e.term for e in answer.entries] == ["MAPPA"]
    assert answer.text.startswith("MAPPA (Multi-Agency Public Protection Arrangements)\n")
    assert answer.unknown_term is None and answer.lookup is not None


def test_answer_text_reports_an_unknown_word_for_the_gaps_log(index: GlossaryIndex) -> None:
    answer = answer_text(FIXTURES, index, "what does ZXQ mean?", "en")
    assert not answer.found and answer.unknown_term == "zxq"
    assert "I have noted it" in answer.text
    quiet = answer_text(FIXTURES, index, "what does ZXQ mean?", "en", noting=False)
    assert "noted" not in quiet.text and quiet.unknown_term == "zxq"


def test_answer_text_spots_a_pasted_text_or_several_words(index: GlossaryIndex) -> None:
    letter = "Dear Sam,\nYour HDC starts on Monday. Your PO will explain your licence and the curfew."
    answer = answer_text(FIXTURES, index, letter, "en")
    assert answer.found and [e.term for e in answer.entries] == ["HDC", "PO", "licence", "curfew"]
    assert answer.text.startswith("I found 4 words in your text:")
    short = answer_text(FIXTURES, index, "is HDC the same as ROTL", "en")
    assert [e.term for e in short.entries] == ["HDC", "ROTL"]


def test_answer_text_for_a_chatty_message_finds_nothing_and_logs_nothing(index: GlossaryIndex) -> None:
    answer = answer_text(FIXTURES, index, "ok thanks, I will be there on Monday at 10 if the bus is on time", "en")
    assert not answer.found and answer.unknown_term is None
    assert answer.text.startswith("I did not find any words I know in your text.")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("what does HDC mean", True),
        ("whats a rotl", True),
        ("what is a PO?", True),
        ("explain MAPPA", True),
        ("what does VISOR stand for", True),
        ("what does this mean", False),
        ("what does that mean?", False),
        ("what is my next appointment", False),
        ("where am I", False),
        ("HDC", False),
        ("what does it mean", False),
    ],
)
def test_is_word_question(text: str, expected: bool) -> None:
    assert is_word_question(text) is expected


def test_a_user_that_repeats_the_full_form_is_not_shown_twice() -> None:
    entry = Entry("PO", "general", (Meaning("Post Office", "A shop for post.", used_by="Post Office"),
                                    Meaning("Prison officer", "Prison staff.", used_by="Prisons")))
    views = meaning_views(entry, "en")
    assert [(view.full_form, view.used_by) for view in views] == [("Post Office", None), ("Prison officer", "Prisons")]
