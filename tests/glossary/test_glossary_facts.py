"""The facts issue 11 found wrong, pinned on the real glossary: the right wording is there, the wrong cannot come back.

Each test reads the editors' own content (content/glossary/*.yaml) and checks every language the entry has:
English always, Welsh (cy) and Polish (pl) where the entry carries translations. The sources are in a
comment above each entry in the YAML.
"""

from __future__ import annotations

import pytest

from glossary.load import load_glossary
from glossary.model import Entry, Glossary
from glossary.search import GlossaryIndex
from tests.glossary.facts_helpers import REAL_CONTENT, entry_named, reader_text


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return load_glossary(REAL_CONTENT)


@pytest.fixture(scope="module")
def index(glossary: Glossary) -> GlossaryIndex:
    return GlossaryIndex.build(glossary)


def _languages(entry: Entry) -> dict[str, str]:
    """The entry's text in English and in every language it has a translation for."""
    found = {"en": reader_text(entry)}
    for language in ("cy", "pl"):
        if all(language in meaning.translations for meaning in entry.meanings):
            found[language] = reader_text(entry, language)
    return found


def _allreader_text(glossary: Glossary, language: str) -> str:
    """The whole glossary as one reader of `language` sees it (translations only, no English fallback)."""
    parts: list[str] = []
    for entry in glossary:
        for meaning in entry.meanings:
            if language == "en":
                parts += [meaning.explanation, meaning.for_you or ""]
            elif language in meaning.translations:
                translated = meaning.translations[language]
                parts += [translated.explanation, translated.for_you or ""]
    return " ".join(" ".join(parts).split()).casefold()


def test_universal_credit_cannot_be_claimed_before_release(glossary: Glossary) -> None:
    texts = _languages(entry_named(glossary, "Universal Credit"))
    assert set(texts) == {"en", "cy", "pl"}
    assert "cannot claim until you leave prison" in texts["en"]
    assert "work coach can help you get ready" in texts["en"]
    assert "allwch chi ddim hawlio nes i chi adael y carchar" in texts["cy"]
    assert "dopiero po wyjściu z więzienia" in texts["pl"]
    # The wrong advice: the work coach starting the claim before release.
    assert "start your claim before you leave" not in texts["en"]
    assert "ddechrau eich cais cyn i chi adael" not in texts["cy"]
    assert "złożył wniosek przed twoim wyjściem" not in texts["pl"]
    for text in _allreader_text(glossary, "en"), _allreader_text(glossary, "cy"), _allreader_text(glossary, "pl"):
        assert "claim before you leave" not in text
        assert "cais cyn i chi adael" not in text
        assert "wniosek przed twoim wyjściem" not in text


def test_permission_to_travel_gives_the_standard_licence_conditions(glossary: Glossary) -> None:
    text = _languages(entry_named(glossary, "permission to travel"))["en"]
    assert "every licence" in text
    assert "united kingdom, channel islands or isle of man" in text
    assert "any night away from your approved address" in text
    assert "only in rare cases" in text
    assert "may say" not in text  # it is a standard condition of every licence, not a maybe
    assert "outside your area" not in text  # travel inside the UK needs no permission, nights away do


def test_warning_letter_one_warning_on_a_community_order_none_before_recall(glossary: Glossary) -> None:
    text = _languages(entry_named(glossary, "warning letter"))["en"]
    assert "on a community order, you get at most one in 12 months" in text
    assert "recalled to prison without any warning" in text
    assert "too many warnings" not in text


def test_horizon_is_for_medium_to_very_high_risk(glossary: Glossary) -> None:
    text = _languages(entry_named(glossary, "Horizon"))["en"]
    assert "medium to very high risk" in text
    assert "or lower" not in text


def test_local_welfare_in_wales_is_the_discretionary_assistance_fund(glossary: Glossary, index: GlossaryIndex) -> None:
    text = _languages(entry_named(glossary, "local welfare assistance"))["en"]
    assert "in england" in text
    assert "in wales it is one national scheme, the discretionary assistance fund" in text
    assert "each council runs its own scheme" not in text
    assert index.lookup("Discretionary Assistance Fund").entry is glossary.get("local welfare assistance")


def test_the_duty_to_refer_is_england_s(glossary: Glossary) -> None:
    text = _languages(entry_named(glossary, "duty to refer"))["en"]
    assert text.startswith("in england, prisons, probation")
    assert "in wales this rule does not apply yet" in text


def test_reconnect_is_an_england_service(glossary: Glossary) -> None:
    text = _languages(entry_named(glossary, "RECONNECT"))["en"]
    assert "nhs service in england" in text
    assert "in wales" in text


def test_self_referral_to_talking_therapies_is_england_s(glossary: Glossary) -> None:
    text = _languages(entry_named(glossary, "talking therapies"))["en"]
    assert "in england you can often sign yourself up online" in text
    assert "in wales you usually ask your gp first" in text
    assert not text.startswith("you can often sign yourself up")


def test_shelter_in_wales_is_shelter_cymru(glossary: Glossary, index: GlossaryIndex) -> None:
    text = _languages(entry_named(glossary, "Shelter"))["en"]
    assert "in wales, go to shelter cymru" in text
    assert index.lookup("Shelter Cymru").entry is glossary.get("Shelter")


@pytest.mark.parametrize("term", ["top-up supervision", "post-sentence supervision", "TUSED"])
def test_ended_supervision_says_keep_going_until_they_say_you_can_stop(glossary: Glossary, term: str) -> None:
    text = _languages(entry_named(glossary, term))["en"]
    assert "2026" in text
    assert "keep going until they say you can stop" in text
    assert "no longer matters" not in text
    assert "what applies to you now" not in text


def test_hdc_ends_for_adults_once_the_2026_law_starts(glossary: Glossary) -> None:
    texts = _languages(entry_named(glossary, "HDC"))
    assert set(texts) == {"en", "cy", "pl"}
    assert "once a 2026 law starts, adults cannot get hdc" in texts["en"]
    assert "ask your probation officer" in texts["en"]
    assert "fydd oedolion ddim yn cael hdc" in texts["cy"]
    assert "swyddog prawf" in texts["cy"]
    assert "dorośli nie dostaną już hdc" in texts["pl"]
    assert "kuratora" in texts["pl"]
    assert "is changing who can get it" not in texts["en"]
    assert "yn newid pwy sy'n ei gael" not in texts["cy"]
    assert "zmienia, kto może" not in texts["pl"]


def test_fixed_term_recall_says_who_gets_a_different_length(glossary: Glossary) -> None:
    text = _languages(entry_named(glossary, "fixed-term recall"))["en"]
    assert "for most adults this is now 56 days" in text
    assert "under-18s may get 14 or 28 days" in text
    assert "some get a standard recall instead" in text
    assert "ask your probation officer" in text
    assert "for most people this is now 56 days" not in text


def test_discharge_grant_is_now_the_subsistence_payment(glossary: Glossary, index: GlossaryIndex) -> None:
    texts = _languages(entry_named(glossary, "discharge grant"))
    assert set(texts) == {"en", "cy", "pl"}
    assert "now officially called a subsistence payment" in texts["en"]
    assert "18 or over and served more than 14 days" in texts["en"]
    for language in ("cy", "pl"):
        assert "subsistence payment" in texts[language]
        assert "18" in texts[language] and "14" in texts[language]
    assert index.lookup("subsistence payment").entry is glossary.get("discharge grant")


def test_dip_central_funding_ended_in_2013(glossary: Glossary) -> None:
    texts = _languages(entry_named(glossary, "DIP"))
    assert set(texts) == {"en", "cy", "pl"}
    assert "ended in 2013" in texts["en"]
    assert "other names" in texts["en"]
    assert "2013" in texts["cy"] and "enwau eraill" in texts["cy"]
    assert "2013" in texts["pl"] and "inne nazwy" in texts["pl"]
    # It no longer reads as one national team that will see you at arrest, in court and after prison.
    assert "they may meet you after arrest" not in texts["en"]


def test_carats_successor_is_the_nhs_substance_misuse_service(glossary: Glossary) -> None:
    texts = _languages(entry_named(glossary, "CARATS"))
    assert set(texts) == {"en", "cy", "pl"}
    assert "substance misuse service, paid for by the nhs" in texts["en"]
    assert "camddefnyddio sylweddau" in texts["cy"] and "gig" in texts["cy"]
    assert "substance misuse service" in texts["pl"] and "nhs" in texts["pl"]


def test_dbs_filtering_never_leaves_off_suspended_sentences(glossary: Glossary) -> None:
    text = _languages(entry_named(glossary, "DBS filtering"))["en"]
    assert "prison sentences, even suspended ones, are never left off" in text


def test_ship_is_not_a_coreentry_named(glossary: Glossary) -> None:
    ship = glossary.get("SHIP")
    assert ship is None or not ship.core


def test_polish_spent_conviction_is_not_wiped_out(glossary: Glossary) -> None:
    texts = _languages(entry_named(glossary, "spent conviction"))
    assert "wygasłe wyroki (spent convictions)" in texts["pl"]
    # "Zatarte" is the Polish erasure of a conviction: as if it never happened, which spent is not.
    assert "zatart" not in _allreader_text(glossary, "pl")


def test_polish_never_calls_probation_the_kuratorium(glossary: Glossary) -> None:
    assert "u kuratorów" in _languages(entry_named(glossary, "ETE"))["pl"]
    # "Kuratorium" is most often the school inspectorate (kuratorium oświaty), not probation.
    assert "kuratori" not in _allreader_text(glossary, "pl")


def test_welsh_has_one_word_for_recall_adalw(glossary: Glossary) -> None:
    welsh = _allreader_text(glossary, "cy")
    assert "adalw yw cael eich anfon yn ôl i'r carchar" in _languages(entry_named(glossary, "recall"))["cy"]
    assert "gael eich adalw i'r carchar" in _languages(entry_named(glossary, "SLED"))["cy"]
    # content/questions and content/journeys say "adalw"; "galw'n ôl" was the second word.
    assert "galw'n ôl" not in welsh and "galw yn ôl" not in welsh
