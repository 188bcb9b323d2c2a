"""Loading the editors' YAML: a full Glossary from good files, a clear ContentError from anything else."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from glossary.findings import ContentError
from glossary.load import glossary_files, load_glossary
from glossary.model import Translation

FIXTURES = Path(__file__).parent / "fixtures_engine"
REAL_CONTENT = Path(__file__).resolve().parents[2] / "content"


def _content(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "glossary"
    folder.mkdir()
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


GOOD_ENTRY = """\
category: general
entries:
  - term: tag
    explanation: A band on your ankle.
"""


def test_fixture_glossary_loads_every_entry_in_file_order() -> None:
    glossary = load_glossary(FIXTURES)
    assert len(glossary) == 21
    assert [entry.term for entry in glossary][:3] == ["NFA", "CRB", "DBS"]  # police.yaml sorts first
    assert glossary.categories() == ("money", "police", "prison", "probation")


def test_fields_are_read_with_their_file_and_line() -> None:
    glossary = load_glossary(FIXTURES)
    hdc = glossary.get("HDC")
    assert hdc is not None
    assert hdc.category == "prison" and hdc.core
    assert hdc.aliases == ("home detention", "tag release")
    assert hdc.misspellings == ("hcd",)
    assert hdc.related == ("tag", "curfew")
    assert hdc.full_form == "Home Detention Curfew"
    assert hdc.meanings[0].explanation == "You leave prison early and wear a tag. You must be home at set times."
    assert hdc.meanings[0].translations["pl"] == Translation("Wychodzisz z więzienia wcześniej i nosisz opaskę.")
    assert hdc.source == FIXTURES / "glossary" / "prison.yaml"
    assert hdc.line == 3  # the `- term: HDC` line


def test_several_meanings_and_per_entry_category() -> None:
    glossary = load_glossary(FIXTURES)
    nfa = glossary.get("nfa")
    assert nfa is not None
    assert [m.full_form for m in nfa.meanings] == ["No further action", "No fixed abode"]
    assert [m.used_by for m in nfa.meanings] == ["Police", "Police and courts"]
    uc = glossary.get("Universal Credit")
    assert uc is not None and uc.category == "money"  # police.yaml, but the entry says money
    crb = glossary.get("CRB")
    assert crb is not None and crb.replaced_by == "DBS"


def test_schema_and_other_files_are_not_content(tmp_path: Path) -> None:
    content = _content(tmp_path, general=GOOD_ENTRY)
    (content / "glossary" / "SCHEMA.md").write_text("# not yaml: [", encoding="utf-8")
    (content / "glossary" / "notes.txt").write_text("::", encoding="utf-8")
    assert [p.name for p in glossary_files(content)] == ["general.yaml"]
    assert len(load_glossary(content)) == 1


def test_the_real_content_loads() -> None:
    glossary = load_glossary(REAL_CONTENT)
    assert len(glossary) >= 200
    assert sum(1 for entry in glossary if entry.core) >= 50


def _error(tmp_path: Path, **files: str) -> str:
    with pytest.raises(ContentError) as caught:
        load_glossary(_content(tmp_path, **files))
    return str(caught.value)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="the glossary folder is missing"):
        load_glossary(tmp_path)


def test_bad_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    message = _error(tmp_path, courts="category: courts\nentries:\n  - term: CPS\n    explanation: [unclosed\n")
    assert message.startswith(str(tmp_path / "glossary" / "courts.yaml") + ":")
    assert "not valid YAML" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- just a list\n", ":1: the file is not a mapping with `category` and `entries`"),
        ("entries: []\n", ":1: the file has no `category`"),
        ("category: general\nentries: nope\n", ":2: `entries` is missing or is not a list"),
        ("category: general\nentries:\n  - tag\n", ":3: this item of `entries` is not an entry"),
        ("category: general\nentries:\n  - explanation: Words.\n", ":3: this entry has no `term`"),
        ("category: general\nentries:\n  - term: tag\n", ":3: this entry has no `explanation`"),
        ("category: general\nentries:\n  - term: tag\n    explanation: \"  \"\n", "`explanation` is empty"),
        ("category: general\nentries:\n  - term: tag\n    explanation: Words.\n    aliases: [1]\n",
         ":3: `aliases` should be a list of words"),
        ("category: general\nentries:\n  - term: tag\n    explanation: Words.\n    explenation: x\n",
         ":3: the entry 'tag' has unknown fields: explenation"),
        ("category: general\nentries:\n  - term: tag\n    explanation: Words.\n    core: yes\n",
         ":3: `core` of 'tag' is 'yes'"),
        ("category: general\nentries:\n  - term: true\n    explanation: Words.\n", "`term` is True, not words"),
        ("category: general\nentries:\n  - term: NFA\n    explanation: x\n    meanings:\n"
         "      - explanation: y\n", "has `meanings` and also explanation at the top"),
        ("category: general\nentries:\n  - term: NFA\n    meanings:\n      - full_form: x\n",
         ":5: this entry has no `explanation`"),
        ("category: general\nentries:\n  - term: NFA\n    meanings: []\n", "`meanings` of 'NFA' should be a list"),
        ("category: general\nentries:\n  - term: tag\n    explanation: Words.\n    translations:\n"
         "      fr: {explanation: Mots.}\n", "unknown language 'fr'"),
        ("category: general\nentries:\n  - term: tag\n    explanation: Words.\n    translations:\n"
         "      cy: Geiriau.\n", "the cy translation should have `explanation:`"),
    ],
)
def test_unbuildable_content_is_refused_with_place_and_fix(tmp_path: Path, text: str, expected: str) -> None:
    message = _error(tmp_path, general=text)
    assert expected in message
    assert message.endswith(".")  # "file:line: problem. Fix."


def test_a_term_in_two_files_is_refused(tmp_path: Path) -> None:
    message = _error(tmp_path, general=GOOD_ENTRY,
                     prison="category: prison\nentries:\n  - term: Tag\n    explanation: Other words.\n")
    assert "prison.yaml:3: the term 'Tag' is already an entry in general.yaml line 3" in message


def test_text_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    content = _content(tmp_path, general=GOOD_ENTRY)
    (content / "glossary" / "general.yaml").write_bytes("category: g\xe9n\xe9ral".encode("latin-1"))
    with pytest.raises(ContentError, match="cannot be read"):
        load_glossary(content)
