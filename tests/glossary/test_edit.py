"""Editing one entry in its YAML file: read, checked with the content checker, written back keeping the file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from glossary.edit import (
    BreaksOtherEntries,
    EntryForm,
    EntryNotFound,
    check_form,
    find_entry,
    read_file,
    save_entry,
)

REAL_CONTENT = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    copy = tmp_path / "content"
    shutil.copytree(REAL_CONTENT, copy)
    return copy


def licence_form(content: Path) -> EntryForm:
    _, entry = find_entry(read_file(content / "glossary/probation.yaml"), "Licence")  # found whatever the case
    return EntryForm.from_entry(entry)


def test_a_checked_change_is_written_and_the_files_comments_stay(content: Path) -> None:
    form = licence_form(content)
    form.values["for_you"] = "Keep your licence papers safe and ask about any rule you do not understand."
    checked = check_form(form, content_dir=content, category="probation", replacing="licence")
    assert checked.ok, checked.errors
    save_entry(content, "probation", checked.entry, original_term="licence")
    text = (content / "glossary/probation.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Words you meet on probation")
    _, saved = find_entry(read_file(content / "glossary/probation.yaml"), "licence")
    assert saved["for_you"] == form.values["for_you"]


def test_an_entry_with_errors_is_reported_by_field(content: Path) -> None:
    form = licence_form(content)
    form.values["explanation"] = ""
    checked = check_form(form, content_dir=content, category="probation", replacing="licence")
    assert not checked.ok and "explanation" in checked.errors


def test_a_new_entry_that_takes_anothers_term_breaks_the_glossary_and_is_not_written(content: Path) -> None:
    before = (content / "glossary/probation.yaml").read_text(encoding="utf-8")
    entry = licence_form(content).to_mapping()
    with pytest.raises(BreaksOtherEntries):
        save_entry(content, "probation", entry, original_term=None)
    assert (content / "glossary/probation.yaml").read_text(encoding="utf-8") == before


def test_an_unknown_term_is_not_found(content: Path) -> None:
    with pytest.raises(EntryNotFound):
        find_entry(read_file(content / "glossary/probation.yaml"), "no such word")
