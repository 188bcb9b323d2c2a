"""Line-aware YAML reading: syntax errors in plain words, repeated keys, YAML 1.1 true/false traps.

Each case is a small broken fixture in fixtures_check/<kind>/ laid over the good `_base` content,
and the exact lines an editor would see.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures_check.helpers import checked

EXPECTED: dict[str, list[str]] = {
    "syntax_tab": [
        "glossary/courts.yaml:4: This line is indented with a tab. Use spaces to indent, never tabs.",
    ],
    "syntax_unclosed_quote": [
        "glossary/courts.yaml:4: A quote mark is opened on this line but never closed. Add the closing "
        "quote mark at the end of the text.",
    ],
    "syntax_missing_colon": [
        "glossary/courts.yaml:4: This line has no colon (:) after the field name. Write it as name: "
        "value, or join it to the text on the line above.",
    ],
    "syntax_colon_in_text": [
        "glossary/courts.yaml:4: This line has a colon (:) inside text that is not in quotes. Put the "
        'text in double quotes, like explanation: "Time: 10am".',
    ],
    "syntax_indentation": [
        "glossary/courts.yaml:5: This line is indented more or less than the lines around it. Line it up "
        "with the other fields of the same entry, using spaces.",
    ],
    "syntax_unclosed_list": [
        "glossary/courts.yaml:5: A list in square brackets [ ] is not closed properly. Check it ends "
        "with ] and that items are split by commas; put quotes around any item that has a comma or colon "
        "in it.",
    ],
    "syntax_apostrophe": [
        "glossary/courts.yaml:4: Text in single quotes has an apostrophe inside it. Put the text in "
        'double quotes instead, like "it\'s".',
    ],
    "syntax_inner_double_quote": [
        "glossary/courts.yaml:4: Text in double quotes has another double quote inside it. Put the text "
        'in single quotes instead, or write \\" for the inner quote.',
    ],
    "syntax_bad_first_character": [
        "glossary/courts.yaml:5: This text starts with a character YAML does not allow there. Put the "
        'whole text in double quotes, like "@home".',
    ],
    "empty_file": [
        "glossary/courts.yaml:1: The file is empty. Fill it in, or delete it if it is not needed.",
    ],
    "not_utf8": [
        "glossary/courts.yaml:4: This line has a character that is not UTF-8 text. Save the file as "
        "UTF-8 in your editor, or retype the odd character (often a curly quote or dash).",
    ],
    "duplicate_key": [
        'glossary/courts.yaml:6: "explanation" appears twice in the same entry (lines 4 and 6). Keep one '
        "of them and delete the other.",
    ],
    "yaml11_trap": [
        'glossary/courts.yaml:5: `no` is read as true/false by some tools. Put it in quotes: "no".',
    ],
    "yaml11_trap_true": [
        'glossary/courts.yaml:5: `true` is read as true/false by some tools. Put it in quotes: "true".',
    ],
}


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_finding_lines(kind: str, tmp_path: Path) -> None:
    assert checked(kind, tmp_path) == EXPECTED[kind]
