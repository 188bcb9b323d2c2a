"""Spotting glossary words in pasted texts: every known word once, in order, and no false alarms."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glossary.load import load_glossary
from glossary.search import GlossaryIndex

FIXTURES = Path(__file__).parent / "fixtures_engine"
REAL_CONTENT = Path(__file__).resolve().parents[2] / "content"
LETTERS = Path(__file__).parent / "letters"


@pytest.fixture(scope="module")
def index() -> GlossaryIndex:
    return GlossaryIndex.build(load_glossary(FIXTURES))


@pytest.fixture(scope="module")
def real_index() -> GlossaryIndex:
    return GlossaryIndex.build(load_glossary(REAL_CONTENT))


def _terms(index: GlossaryIndex, text: str) -> list[str]:
    return [item.entry.term for item in index.spot(text)]


# -- the rules, on the fixture glossary -------------------------------------------------------------


def test_words_are_found_in_order_each_once_with_offsets(index: GlossaryIndex) -> None:
    text = "Your PO will call about your HDC. Your PO said HDC starts after your ROTLs."
    found = index.spot(text)
    assert [item.entry.term for item in found] == ["PO", "HDC", "ROTL"]
    assert [(item.start, item.end, item.matched) for item in found] == [(5, 7, "PO"), (29, 32, "HDC"),
                                                                      (69, 74, "ROTLs")]
    assert all(text[item.start:item.end] == item.matched for item in found)


def test_longest_phrase_wins(index: GlossaryIndex) -> None:
    found = index.spot("The Parole Board will decide.")
    assert [(item.entry.term, item.matched) for item in found] == [("Parole Board", "Parole Board")]


def test_full_forms_aliases_dots_plurals_and_line_breaks(index: GlossaryIndex) -> None:
    text = "Your Home Detention\nCurfew, your O.A.S.Y.S. and the bail hostel. Two key workers."
    found = index.spot(text)
    assert [(item.entry.term, item.matched, item.how) for item in found] == [
        ("HDC", "Home Detention\nCurfew", "full_form"),
        ("OASys", "O.A.S.Y.S", "exact"),
        ("AP", "bail hostel", "alias"),
        ("key worker", "key workers", "exact"),
    ]


def test_a_phrase_does_not_run_across_a_full_stop(index: GlossaryIndex) -> None:
    assert [(i.entry.term, i.matched) for i in index.spot("Stay at home. Detention is over.")] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Your PO will call you", ["PO"]),
        ("your POs and your PO's", ["PO"]),
        ("PO", ["PO"]),
        ("PO: Jane Smith", ["PO"]),
        ("Meet your PO about HDC", ["PO", "HDC"]),
        ("I have a DIP referral", ["DIP"]),
        ("your po will call", []),
        ("CALL YOUR PO NOW", []),
        ("take a dip", []),
        ("Go to the AP tonight", ["AP"]),
        ("an ap", []),
    ],
)
def test_acronyms_that_are_english_words_need_capitals_and_no_shouting(
    index: GlossaryIndex, text: str, expected: list[str]
) -> None:
    assert _terms(index, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I can't recall his name", []),
        ("You could face recall to prison", ["recall"]),
        ("The price tag and the licence fee", []),
        ("Your HDC tag and your licence", ["HDC", "tag", "licence"]),
        ("Talk to probation about your licence", ["licence"]),
        ("Your curfew starts at 7pm", ["curfew"]),
        ("Universal Credit starts soon", ["Universal Credit"]),
    ],
)
def test_everyday_words_need_a_justice_text(index: GlossaryIndex, text: str, expected: list[str]) -> None:
    assert _terms(index, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("go to the post office", []),
        ("Go to the Post Office", []),
        ("Your HDC money is at the Post Office", ["HDC", "PO"]),
        ("The police took No Further Action", ["NFA"]),
        ("no further action is needed", []),
    ],
)
def test_full_forms_of_several_meanings_need_title_case_and_context(
    index: GlossaryIndex, text: str, expected: list[str]
) -> None:
    assert _terms(index, text) == expected


def test_a_several_meaning_match_remembers_which_meaning(index: GlossaryIndex) -> None:
    found = index.spot("The police took No Further Action")
    assert found[0].meaning == 0 and found[0].how == "full_form"


def test_misspellings_and_one_word_aliases_are_for_look_up_only(index: GlossaryIndex) -> None:
    assert _terms(index, "an oasis of calm at the probation office") == []
    assert index.lookup("oasis").entry is index.glossary.get("OASys")
    assert _terms(index, "my keyworker") == []  # a one-word lower-case alias
    assert index.lookup("keyworker").entry is index.glossary.get("key worker")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["PO", "HDC", "ROTLs", "the", "Home", "Detention", "Curfew", "IT", "IS", "tag",
                                 "probation", "O.A.S.Y.S", " ", ". ", ", ", "\n", "'s", "-", "é"]),
                max_size=30).map("".join))
def test_any_text_gives_consistent_offsets(index: GlossaryIndex, text: str) -> None:
    found = index.spot(text)
    assert [item.start for item in found] == sorted(item.start for item in found)
    assert len({item.entry.term for item in found}) == len(found)
    for item in found:
        assert text[item.start:item.end] == item.matched


# -- the real glossary: letters people get ------------------------------------------------------------

LETTER_TERMS: dict[str, list[str]] = {
    "probation_appointment.txt": [
        "HMPPS", "Probation Service", "confidential", "supervision appointment", "HMP", "licence", "COM",
        "licence end", "LED", "top-up supervision", "TUSED", "induction", "ID", "appointment", "breach", "recall",
        "licence conditions", "curfew", "exclusion zone", "OASys", "RoSH", "approved premises", "CAS3",
        "sentence plan", "RAR", "Thinking Skills Programme", "MAPPA level", "IOM", "POM", "ETE", "JCP", "work coach",
        "Universal Credit", "DIP", "probation officer", "PO",
    ],
    "hdc_release_prison.txt": [
        "HMP", "OMU", "prison number", "HDC", "HDCED", "CRD", "tag", "POM", "COM", "curfew", "CAS2", "licence",
        "electronic monitoring", "licence conditions", "ROTL", "discharge grant",
    ],
    "jobcentre_uc.txt": [
        "DWP", "JCP", "Universal Credit", "appointment", "work coach", "ID", "birth certificate", "letter",
        "bank account", "National Insurance number", "claimant commitment", "advance payment", "journal",
        "sanction", "Help to Claim",
    ],
    "text_from_po.txt": ["PO", "Probation Service", "ID", "acceptable absence", "journal"],
}
# Capital words in the letters that are not glossary words: postcodes and a heading.
NOT_ACRONYMS = {"SE99", "ME99", "PRIVATE", "AND", "CONFIDENTIAL", "ASAP"}
_ACRONYM = re.compile(r"\b[A-Z][A-Za-z]*[A-Z][A-Za-z0-9]*\b")


@pytest.mark.parametrize("letter", sorted(LETTER_TERMS))
def test_letters_find_exactly_their_glossary_words(real_index: GlossaryIndex, letter: str) -> None:
    assert _terms(real_index, (LETTERS / letter).read_text(encoding="utf-8")) == LETTER_TERMS[letter]


@pytest.mark.parametrize("letter", sorted(LETTER_TERMS))
def test_every_acronym_in_a_letter_is_explained(real_index: GlossaryIndex, letter: str) -> None:
    text = (LETTERS / letter).read_text(encoding="utf-8")
    found = real_index.spot(text)
    explained = {item.entry.key for item in found}
    acronyms = [m for m in _ACRONYM.finditer(text) if m.group() not in NOT_ACRONYMS]
    assert acronyms
    unexplained = []
    for match in acronyms:
        inside = any(item.start <= match.start() and match.end() <= item.end for item in found)
        entry = real_index.entry_named(match.group())
        # A second use of an acronym already explained is fine: each word is explained once.
        if not inside and (entry is None or entry.key not in explained):
            unexplained.append(match.group())
    assert unexplained == []


# -- the real glossary: ordinary messages find nothing ------------------------------------------------

ORDINARY_SENTENCES: list[str] = [
    "IT IS OK",
    "IT IS what it is",
    "I'll be there AS SOON AS I can",
    "AS SOON AS you get this ring me",
    "see you ON MONDAY",
    "ON MONDAY I start my new job",
    "ok so what now",
    "ok",
    "so",
    "OK",
    "SO",
    "so tired today",
    "Ok thanks see you later",
    "IT WAS SO GOOD TO SEE YOU",
    "CAN YOU CALL ME BACK",
    "PLEASE CALL ME AS SOON AS POSSIBLE",
    "I AM ON MY WAY",
    "WE ARE AT THE SHOPS",
    "IS IT OK IF I COME ROUND",
    "OR we could go tomorrow",
    "US lot are going out",
    "NO I DONT WANT TO",
    "GO AWAY",
    "DO IT NOW",
    "UP TO YOU",
    "AT HOME NOW",
    "I'm in the IT department now",
    "me and my mum went to the shops",
    "hi how are you",
    "hello",
    "thanks so much",
    "what time is it",
    "can you help me",
    "I don't understand",
    "I can't recall his name",
    "The price tag was too high",
    "Tag me in the photo",
    "I need to charge my phone",
    "Is there a charge for parking?",
    "Drive with caution, the road is icy",
    "This sentence doesn't make sense",
    "I got a parking fine today",
    "The weather is fine",
    "I feel fine thanks",
    "My driving licence has run out",
    "Do I need a TV licence?",
    "I signed up for a free trial",
    "My hearing is not great",
    "The shop will recall the faulty kettles",
    "There was a data breach at the bank",
    "She bailed on me last night",
    "We went to the cell phone shop",
    "What category is this in?",
    "The school canteen is shut",
    "My sister is a school governor",
    "I lost my bank card",
    "pay day is friday",
    "I spent all my money, never mind",
    "I got your letter and posted it",
    "I'm going to the dentist then the pharmacy",
    "My AA batteries died",
    "Going to the doctor, back soon",
    "My ID card is in my bag",
    "Can you send me your CV?",
    "I'm staying with mates for a bit",
    "next of kin is my mum",
    "what's your date of birth",
    "I need to make an appointment for my nails",
    "I went for a job interview today",
    "My landlord wants the rent",
    "I need a deposit for the flat",
    "My benefits came through",
    "I'm so happy today",
    "Where do you want to meet?",
    "Can we meet at the cafe at 3?",
    "It is raining again",
    "I'll text you when I'm there",
    "Running late, sorry",
    "Are you coming to the party?",
    "We watched a film last night",
    "I'm cooking pasta tonight",
    "The bus was late again",
    "Happy birthday mate!",
    "Love you, see you soon",
    "My phone is nearly dead",
    "Can you pick up some milk?",
    "The kids are at school",
    "I'm going to the gym",
    "It's so cold outside",
    "Let me know when you're free",
    "I start work at 9 tomorrow",
    "That sounds good to me",
    "Have you eaten yet?",
    "I need to get a haircut",
    "We should go to the park",
    "Did you see the match?",
    "I'm on the train now",
    "My back hurts today",
    "The shop closes at 6",
    "I'll call you later ok",
    "Take care of yourself",
    "I passed my test!",
    "Do you want a cup of tea?",
    "I have to walk the dog",
    "So what are you up to?",
    "What are you doing on Saturday?",
    "It's in the post",
    "I'll be home by 10",
    "My mum says hi",
    "I need a new pair of shoes",
    "Can I borrow a tenner?",
    "The film was so good",
    "I'm off to bed now",
    "Good morning!",
    "Good luck with your exam",
    "I'm at the Post Office now",
    "go to the post office for me please",
    "no further action needed from you, thanks",
    "He was taking a dip in the sea",
    "The ship came in at noon",
    "My visor is broken",
    "She wore gold carats",
    "IT WAS A PO BOX ADDRESS",
    "I WILL SEE YOU ON MONDAY OK",
    "Keep calm and carry on",
    "Just checking in to see how you are",
    "I was in a hurry this morning",
    "We had a team meeting at work",
    "He has a key to the house",
    "The ship sailed at dawn",
    "Hold it by the arms of the chair",
    "Walk at a steady pace",
    "Add 1 tsp of sugar",
    "He led the way home",
    "Pip was my nan's dog",
    "I'll grab a cab home",
    "We had bass and chips",
    "He was rapt by the film",
    "Time to reconnect the wifi",
    "The kids took the sled up the hill",
    "hold on I need a pp",
]


def test_there_are_at_least_a_hundred_ordinary_sentences() -> None:
    assert len(ORDINARY_SENTENCES) >= 100
    assert len(set(ORDINARY_SENTENCES)) == len(ORDINARY_SENTENCES)


@pytest.mark.parametrize("sentence", ORDINARY_SENTENCES)
def test_ordinary_sentences_find_nothing(real_index: GlossaryIndex, sentence: str) -> None:
    assert [(item.entry.term, item.matched) for item in real_index.spot(sentence)] == []
