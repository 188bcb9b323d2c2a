"""Saving an entry from the console's form keeps what the form does not show (nation, the wales: block),
carries sources and the review date, and a changed translation loses its `reviewed: true`."""

from __future__ import annotations

from pathlib import Path

from fixtures_check.helpers import FIXTURE_TODAY, content_with

from glossary.check import check_glossary
from glossary.edit import EntryForm, find_entry, read_file, save_entry


def test_a_form_save_keeps_nation_wales_and_sources_and_unchecks_changed_text(tmp_path: Path) -> None:
    content = content_with("wales_variant", tmp_path)
    path = content / "glossary" / "housing.yaml"
    _, entry = find_entry(read_file(path), "duty to refer")
    form = EntryForm.from_entry(entry)
    assert form.values["sources"] == "https://www.gov.uk/guidance/homelessness-duty-to-refer"
    assert form.values["reviewed"] == "2026-12-01"
    form.values["cy_explanation"] = "Esboniad newydd."
    save_entry(content, "housing", form.to_mapping(), original_term="duty to refer")
    _, saved = find_entry(read_file(path), "duty to refer")
    assert saved["nation"] == "england" and "In Wales the council" in saved["wales"]["explanation"]
    assert saved["sources"] == ["https://www.gov.uk/guidance/homelessness-duty-to-refer"]
    assert str(saved["reviewed"]) == "2026-12-01"
    assert saved["translations"]["cy"]["reviewed"] is False  # changed: a native speaker must check it again
    assert saved["translations"]["pl"]["reviewed"] is True  # unchanged: still checked
    assert not check_glossary(content, today=FIXTURE_TODAY).has_errors
