"""Rules across the whole glossary: shared names, references, plain language, acronyms, translations.

Each case is a small broken fixture in fixtures_check/<kind>/ laid over the good `_base` content,
and the exact lines an editor would see.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures_check.helpers import checked

EXPECTED: dict[str, list[str]] = {
    "alias_used_twice": [
        'glossary/police.yaml:11: "mapa" is used by two entries, MAPPA (general.yaml:15) and map team '
        '(police.yaml:11). Remove it from one of them.',
    ],
    "term_used_as_alias": [
        'glossary/police.yaml:5: "M.A.P.P.A." is used by two entries, MAPPA (general.yaml:11) and public '
        'protection team (police.yaml:5). Remove it from the aliases of public protection team.',
    ],
    "term_used_twice": [
        'glossary/general.yaml:19: "PSR" is used by two entries, PSR (courts.yaml:3) and PSR '
        '(general.yaml:19). Merge them into one entry, and use meanings: if the word has more than one '
        'meaning.',
    ],
    "meaning_full_form_is_a_term": [
        'glossary/police.yaml:5: Meaning 1 of the entry "PO" has no Welsh (cy) translation. Add a cy: '
        'block with an explanation under translations.',
        'glossary/police.yaml:5: Meaning 1 of the entry "PO" has no Polish (pl) translation. Add a pl: '
        'block with an explanation under translations.',
        'glossary/police.yaml:7: Meaning 2 of the entry "PO" has no Welsh (cy) translation. Add a cy: '
        'block with an explanation under translations.',
        'glossary/police.yaml:7: Meaning 2 of the entry "PO" has no Polish (pl) translation. Add a pl: '
        'block with an explanation under translations.',
    ],
    "meaning_full_form_is_an_alias": [
        'glossary/police.yaml:5: Meaning 1 of the entry "OM" has no Welsh (cy) translation. Add a cy: '
        'block with an explanation under translations.',
        'glossary/police.yaml:5: Meaning 1 of the entry "OM" has no Polish (pl) translation. Add a pl: '
        'block with an explanation under translations.',
        'glossary/police.yaml:7: Meaning 2 of the entry "OM" has no Welsh (cy) translation. Add a cy: '
        'block with an explanation under translations.',
        'glossary/police.yaml:7: Meaning 2 of the entry "OM" has no Polish (pl) translation. Add a pl: '
        'block with an explanation under translations.',
    ],
    "related_points_nowhere": [
        'glossary/courts.yaml:5: The entry "CPS" lists "Crown Cort" in related, but there is no entry '
        '"Crown Cort". Check the spelling, or add an entry for Crown Cort.',
    ],
    "replaced_by_points_nowhere": [
        'glossary/probation.yaml:5: warning: The explanation of "CRC" reads at age 11.4, above 11. Use '
        'shorter sentences and everyday words of one or two syllables, and say it to "you".',
        'glossary/probation.yaml:6: The entry "CRC" says it is replaced by "Probation Servce", but there '
        'is no entry "Probation Servce". Check the spelling, or add an entry for Probation Servce.',
    ],
    "related_names_an_alias": [
        'glossary/courts.yaml:5: The entry "CPS" lists "offender manager" in related, but that is not '
        'the term of an entry. Use the entry\'s term instead: "probation officer".',
    ],
    "related_to_itself": [
        'glossary/courts.yaml:5: warning: The entry "CPS" points to itself in related. Remove it from '
        "that list.",
    ],
    "long_sentence": [
        'glossary/assessment.yaml:5: warning: The explanation of "OASys" reads at age 14.9, above 11. Use'
        ' shorter sentences and everyday words of one or two syllables, and say it to "you".',
        'glossary/assessment.yaml:6: The explanation of "OASys" has a sentence of 32 words. Split it into'
        ' sentences of 20 words or fewer.',
    ],
    "too_many_sentences": [
        'glossary/assessment.yaml:5: The explanation of "OASys" has 3 sentences. Cut it to 2 sentences '
        "or fewer.",
    ],
    "for_you_two_sentences": [
        'glossary/assessment.yaml:5: warning: The for_you text of "OASys" has 2 sentences. Cut it to 1 '
        "sentence.",
    ],
    "too_long_overall": [
        'glossary/assessment.yaml:4: warning: The explanation and for_you of "OASys" are 52 words '
        "together. Cut them to 45 words or fewer, so they fit on one phone screen.",
    ],
    "hard_word": [
        'glossary/housing.yaml:5: warning: "accommodation" is a hard word. Use "somewhere to live" or '
        '"housing" instead.',
    ],
    "hard_word_in_own_term": [],
    "acronym_not_in_glossary": [
        'glossary/drugs-alcohol.yaml:7: The explanation of "DIP" uses "HMRC", which is not in the '
        "glossary. Add an entry for HMRC or write the words out.",
    ],
    "acronym_known": [],
    "translation_long_sentence": [
        'glossary/courts.yaml:5: The entry "CPS" has no Welsh (cy) translation. Add a cy: block with an '
        'explanation under translations.',
        'glossary/courts.yaml:8: warning: The Polish (pl) explanation of "CPS" has a sentence of 22 '
        'words. Split it into sentences of 20 words or fewer.',
    ],
    "core_missing_translation": [
        'glossary/courts.yaml:6: The core entry "CPS" has no Polish (pl) translation. Add a pl: block '
        "with an explanation under translations.",
    ],
    "core_meaning_missing_translation": [
        'glossary/police.yaml:13: Meaning 2 of the core entry "NFA" has no Welsh (cy) translation. Add a '
        "cy: block with an explanation under translations.",
    ],
    "core_translation_missing_for_you": [
        'glossary/courts.yaml:11: The Polish (pl) translation of the core entry "CPS" has no for_you. '
        "Add a for_you: line under pl:, translating the English one.",
    ],
    "entry_without_translation": [
        'glossary/courts.yaml:3: The entry "CPS" has no Welsh (cy) translation. Add a cy: block with an '
        'explanation under translations.',
        'glossary/courts.yaml:3: The entry "CPS" has no Polish (pl) translation. Add a pl: block with an '
        'explanation under translations.',
    ],
    "missing_source": [
        'glossary/courts.yaml:3: The entry "CPS" has no sources. Add sources: with the public pages '
        '(https://...) the facts come from.',
    ],
    "source_not_a_web_address": [
        'glossary/courts.yaml:5: The source "www.cps.gov.uk" of the entry "CPS" is not a web address. '
        "Write the page's full address, starting https://.",
        'glossary/courts.yaml:5: The source "http://www.cps.gov.uk/" of the entry "CPS" is not a web '
        "address. Write the page's full address, starting https://.",
    ],
    "old_review_date": [
        'glossary/courts.yaml:6: warning: The entry "CPS" was last reviewed on 2025-11-30, over 12 months'
        " ago. Check it against its sources again and write today's date.",
    ],
    "review_date_in_future": [
        'glossary/courts.yaml:6: The entry "CPS" was reviewed on 2026-12-08, which is in the future. '
        'Write the day you checked it, today or earlier.',
    ],
    "review_date_not_a_date": [
        'glossary/courts.yaml:6: The entry "CPS" has a reviewed date "last week" that is not a date. '
        'Write the day you checked it against its sources, like reviewed: 2026-12-07.',
    ],
    "high_reading_age": [
        'glossary/courts.yaml:4: warning: The explanation of "CPS" reads at age 24.4, above 11. Use '
        'shorter sentences and everyday words of one or two syllables, and say it to "you".',
        'glossary/courts.yaml:6: warning: The for_you text of "CPS" reads at age 24.0, above 11. Use '
        'shorter sentences and everyday words of one or two syllables, and say it to "you".',
    ],
    "unreviewed_translation": [],
    "wales_variant": [],
    "wales_without_england": [
        'glossary/housing.yaml:9: The entry "duty to refer" has a wales: block but not nation: england. '
        "Add nation: england (the main text is England's), or delete the wales: block.",
        'glossary/housing.yaml:9: The Welsh version (wales:) of the entry "duty to refer" has no sources.'
        ' Add sources: with the public pages (https://...) the facts come from.',
        'glossary/housing.yaml:12: The Welsh version (wales:) of the entry "duty to refer" has no Polish '
        '(pl) translation. Add a pl: block with an explanation under translations.',
    ],
    "unknown_nation": [
        'glossary/housing.yaml:6: The nation of the entry "duty to refer" is "scotland". Write nation: '
        'england or nation: wales, or delete the line when it is the same in both.',
    ],
}


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_finding_lines(kind: str, tmp_path: Path) -> None:
    assert checked(kind, tmp_path) == EXPECTED[kind]
