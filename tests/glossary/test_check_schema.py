"""The glossary file schema: missing, unknown and wrongly typed fields, meanings and translations.

Each case is a small broken fixture in fixtures_check/<kind>/ laid over the good `_base` content,
and the exact lines an editor would see.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures_check.helpers import checked

EXPECTED: dict[str, list[str]] = {
    "no_category": [
        "glossary/courts.yaml:1: The file has no category. Add category: courts as the first line after "
        "the comments.",
    ],
    "unknown_category": [
        "glossary/court.yaml:1: \"court\" is not one of the categories. Did you mean 'courts'? If not, "
        "use one of the categories listed in content/glossary/SCHEMA.md.",
    ],
    "category_file_mismatch": [
        'glossary/court-words.yaml:1: The category is "courts" but the file is called court-words.yaml. '
        "Make them match: rename the file to courts.yaml or change the category.",
    ],
    "unknown_file_field": [
        "glossary/courts.yaml:1: The file has no entries. Add an entries: line and list the entries "
        "under it, each starting with - term.",
        "glossary/courts.yaml:2: The file has an unknown field \"entry\". Did you mean 'entries'? If "
        "not, remove it, or indent it under an entry.",
    ],
    "entries_not_a_list": [
        "glossary/courts.yaml:2: entries: should be a list of entries. Start each entry on its own line "
        "with - term: and put its fields under it.",
    ],
    "entry_not_a_mapping": [
        'glossary/courts.yaml:8: Item 2 under entries: is not an entry. Start each entry with - term: and'
        ' put its fields under it.',
    ],
    "unknown_entry_field": [
        'glossary/courts.yaml:5: The entry "CPS" has an unknown field "alias". Did you mean '
        "'aliases'? If not, remove it.",
        'glossary/courts.yaml:6: The entry "CPS" has an unknown field "colour". Remove it.',
    ],
    "missing_term": [
        'glossary/courts.yaml:8: The entry on line 8 has no term. Add a term: line with the word itself, '
        'as the first line of the entry.',
    ],
    "missing_explanation": [
        'glossary/courts.yaml:16: The entry "CPS" has no explanation. Add an explanation: line under the '
        'term.',
    ],
    "text_is_number": [
        "glossary/courts.yaml:3: The term of the entry on line 3 should be text, but it is a number. Put "
        'it in quotes: "101".',
    ],
    "text_is_list": [
        'glossary/courts.yaml:4: The full_form of the entry "CPS" should be text, but it is a list. '
        "Write it as text straight after full_form:, without square brackets.",
    ],
    "empty_text": [
        'glossary/courts.yaml:5: The used_by of the entry "CPS" is empty. Write it after used_by:, or '
        "delete the line.",
    ],
    "list_is_text": [
        'glossary/courts.yaml:5: The aliases of the entry "CPS" should be a list, but it is one piece of '
        "text. Write it in square brackets, like aliases: [Crown Prosecution].",
    ],
    "list_item_not_text": [
        'glossary/courts.yaml:7: Item 2 of misspellings in the entry "CPS" should be text, but it is a '
        'number. Put it in quotes: "999".',
    ],
    "empty_list": [
        'glossary/courts.yaml:5: The related list of the entry "CPS" is empty. Add the words in square '
        "brackets, like related: [one, two], or delete the line.",
    ],
    "empty_list_item": [
        'glossary/courts.yaml:5: Item 2 of aliases in the entry "CPS" is empty. Delete it.',
    ],
    "core_not_true_false": [
        'glossary/courts.yaml:5: "core" of the entry "CPS" should be true or false, but it says "yes". '
        "Write core: true or core: false, without quotes.",
    ],
    "entry_category_mismatch": [
        'glossary/courts.yaml:4: The entry "custody suite" says its category is "police", but it is in '
        "the courts file. Move it to police.yaml, or delete its category: line.",
    ],
    "meanings_and_explanation": [
        'glossary/police.yaml:4: The entry "NFA" has meanings and also its own explanation. Move '
        'explanation into the meaning it belongs to.',
        'glossary/police.yaml:6: Meaning 1 of the entry "NFA" has no Welsh (cy) translation. Add a cy: '
        'block with an explanation under translations.',
        'glossary/police.yaml:6: Meaning 1 of the entry "NFA" has no Polish (pl) translation. Add a pl: '
        'block with an explanation under translations.',
        'glossary/police.yaml:8: Meaning 2 of the entry "NFA" has no Welsh (cy) translation. Add a cy: '
        'block with an explanation under translations.',
        'glossary/police.yaml:8: Meaning 2 of the entry "NFA" has no Polish (pl) translation. Add a pl: '
        'block with an explanation under translations.',
    ],
    "meanings_not_a_list": [
        'glossary/police.yaml:3: The entry "NFA" has no Welsh (cy) translation. Add a cy: block with an '
        'explanation under translations.',
        'glossary/police.yaml:3: The entry "NFA" has no Polish (pl) translation. Add a pl: block with an '
        'explanation under translations.',
        'glossary/police.yaml:4: The meanings of the entry "NFA" should be a list. Start each meaning on '
        'its own line with - full_form and give it an explanation.',
    ],
    "one_meaning": [
        'glossary/police.yaml:4: The entry "NFA" has only one meaning. Write full_form and explanation on'
        ' the entry itself and delete the meanings line.',
        'glossary/police.yaml:5: The entry "NFA" has no Welsh (cy) translation. Add a cy: block with an '
        'explanation under translations.',
        'glossary/police.yaml:5: The entry "NFA" has no Polish (pl) translation. Add a pl: block with an '
        'explanation under translations.',
    ],
    "meaning_not_a_mapping": [
        'glossary/police.yaml:5: The entry "NFA" has no Welsh (cy) translation. Add a cy: block with an '
        'explanation under translations.',
        'glossary/police.yaml:5: The entry "NFA" has no Polish (pl) translation. Add a pl: block with an '
        'explanation under translations.',
        'glossary/police.yaml:7: Meaning 2 of the entry "NFA" has no fields. Give it full_form: and '
        'explanation: lines.',
    ],
    "meaning_with_entry_field": [
        'glossary/police.yaml:5: Meaning 1 of the entry "NFA" has no Welsh (cy) translation. Add a cy: '
        'block with an explanation under translations.',
        'glossary/police.yaml:5: Meaning 1 of the entry "NFA" has no Polish (pl) translation. Add a pl: '
        'block with an explanation under translations.',
        'glossary/police.yaml:7: Meaning 1 of the entry "NFA" has an unknown field "aliases". aliases '
        'belongs to the whole entry, so move it up to line up with term.',
        'glossary/police.yaml:8: Meaning 2 of the entry "NFA" has no Welsh (cy) translation. Add a cy: '
        'block with an explanation under translations.',
        'glossary/police.yaml:8: Meaning 2 of the entry "NFA" has no Polish (pl) translation. Add a pl: '
        'block with an explanation under translations.',
    ],
    "meaning_missing_explanation": [
        'glossary/police.yaml:5: Meaning 1 of the entry "NFA" has no Welsh (cy) translation. Add a cy: '
        'block with an explanation under translations.',
        'glossary/police.yaml:5: Meaning 1 of the entry "NFA" has no Polish (pl) translation. Add a pl: '
        'block with an explanation under translations.',
        'glossary/police.yaml:7: The entry "NFA" (meaning 2) has no explanation. Add an explanation: line'
        ' to that meaning.',
        'glossary/police.yaml:7: Meaning 2 of the entry "NFA" has no Welsh (cy) translation. Add a cy: '
        'block with an explanation under translations.',
        'glossary/police.yaml:7: Meaning 2 of the entry "NFA" has no Polish (pl) translation. Add a pl: '
        'block with an explanation under translations.',
    ],
    "translations_not_a_mapping": [
        'glossary/courts.yaml:5: The translations of the entry "CPS" should have cy: and pl: under them. '
        'Lay them out like the example in content/glossary/SCHEMA.md.',
        'glossary/courts.yaml:5: The entry "CPS" has no Welsh (cy) translation. Add a cy: block with an '
        'explanation under translations.',
        'glossary/courts.yaml:5: The entry "CPS" has no Polish (pl) translation. Add a pl: block with an '
        'explanation under translations.',
    ],
    "unknown_language": [
        'glossary/courts.yaml:5: The entry "CPS" has no Welsh (cy) translation. Add a cy: block with an '
        'explanation under translations.',
        'glossary/courts.yaml:5: The entry "CPS" has no Polish (pl) translation. Add a pl: block with an '
        'explanation under translations.',
        'glossary/courts.yaml:6: The entry "CPS" has a translation for "pol", which Signpost does not '
        "use. Did you mean 'pl'? If not, use cy for Welsh or pl for Polish.",
    ],
    "translation_not_a_mapping": [
        'glossary/courts.yaml:5: The entry "CPS" has no Polish (pl) translation. Add a pl: block with an '
        'explanation under translations.',
        'glossary/courts.yaml:6: The Welsh (cy) translation of the entry "CPS" is plain text, but it '
        'needs an explanation line. Write explanation: on the line under cy: and put the text after it.',
    ],
    "translation_unknown_field": [
        'glossary/courts.yaml:5: The entry "CPS" has no Polish (pl) translation. Add a pl: block with an '
        'explanation under translations.',
        'glossary/courts.yaml:8: The Welsh (cy) translation of the entry "CPS" has an unknown field '
        '"for_yuo". Did you mean \'for_you\'? If not, remove it.',
    ],
    "translation_missing_explanation": [
        'glossary/courts.yaml:6: The entry "CPS" has no Polish (pl) translation. Add a pl: block with an '
        'explanation under translations.',
        'glossary/courts.yaml:7: The Welsh (cy) translation of the entry "CPS" has no explanation. Add an'
        ' explanation: line under cy: with the translated text.',
    ],
    "stray_yml": [
        "glossary/courts.yml:1: warning: This file is skipped because its name ends in .yml. Rename it "
        "to courts.yaml.",
    ],
}


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_finding_lines(kind: str, tmp_path: Path) -> None:
    assert checked(kind, tmp_path) == EXPECTED[kind]
