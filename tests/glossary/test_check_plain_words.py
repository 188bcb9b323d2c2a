"""The hard-words list (content/plain-words.yaml) and its own schema.

Each case is a small broken fixture in fixtures_check/<kind>/ laid over the good `_base` content,
and the exact lines an editor would see.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures_check.helpers import checked

EXPECTED: dict[str, list[str]] = {
    "plain_words_no_alternatives": [
        'plain-words.yaml:3: The hard word "obtain" has no plainer words. Write them in square brackets '
        "after it, like obtain: [plainer word, another].",
    ],
    "plain_words_plain_is_hard": [
        'plain-words.yaml:3: "obtain" is given as a plainer word for "acquire", but it is in the list as '
        'a hard word too. Pick a plainer word for "acquire", or take "obtain" off the hard words.',
    ],
    "plain_words_unknown_field": [
        'plain-words.yaml:1: The field "hard_word" is not one Signpost knows. Did you mean '
        "'hard_words'? If not, remove it.",
        "plain-words.yaml:1: There is no hard_words: list. Add hard_words: and under it one line per "
        "word, like accommodation: [somewhere to live].",
    ],
    "plain_words_acronyms_not_a_list": [
        "plain-words.yaml:3: everyday_acronyms should be a list. Write it in square brackets, like "
        "everyday_acronyms: [UK, TV].",
    ],
    "plain_words_trap": [
        'plain-words.yaml:3: `no` is read as true/false by some tools. Put it in quotes: "no".',
    ],
    "plain_words_duplicate": [
        'plain-words.yaml:4: "accommodation" appears twice under hard_words: (lines 2 and 4). Keep one '
        "of them and delete the other.",
    ],
}


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_finding_lines(kind: str, tmp_path: Path) -> None:
    assert checked(kind, tmp_path) == EXPECTED[kind]
