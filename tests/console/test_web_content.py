"""Content editors in the console: search, findings, a broken save that changes nothing, a good save
that keeps the file's comments and is served at once, and new entries from the gaps page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.cli.content import check_content
from casefile.gaps import record_unknown_term
from glossary.edit import EntryForm, read_file
from glossary.live import LiveGlossary
from tests.casefile.factories import NOW
from tests.console.console_helpers import Console, post_form

ONLY_SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
MAPPA_EDIT = "/content/entries/probation/MAPPA/edit"
XSS = "<script>alert(1)</script>"


def _mappa_form(console: Console, **changes: str) -> dict[str, str]:
    _, entry = next((i, e) for i, e in enumerate(read_file(console.content_dir / "glossary/probation.yaml")["entries"])
                    if e["term"] == "MAPPA")
    form = EntryForm.from_entry(entry)
    values = {**form.values, **changes}
    if form.core:
        values["core"] = "yes"
    return values


@ONLY_SQLITE
def test_search_finds_entries_and_each_shows_the_checkers_findings(console: Console) -> None:
    ed = console.as_user("ed@example.org")
    results = ed.get("/content?q=mapa")
    assert results.status_code == 200 and "/content/entries/probation/MAPPA" in results.text
    entry = ed.get("/content/entries/probation/MAPPA")
    assert "Multi-Agency Public Protection Arrangements" in entry.text
    assert 'id="findings"' in entry.text
    many = ed.get("/content/entries/police/NFA")
    assert "more than one meaning" in many.text
    assert ed.get("/content/entries/police/NFA/edit").status_code == 303  # read-only: sent back to the entry
    assert ed.get("/content/journeys").status_code == 200


@ONLY_SQLITE
def test_a_broken_entry_is_not_saved_and_its_errors_sit_beside_the_fields(editing_console: Console) -> None:
    console = editing_console
    path = console.content_dir / "glossary/probation.yaml"
    before = path.read_bytes()
    ed = console.as_user("ed@example.org")
    long_text = "This explanation goes on and on with far too many words in one single sentence for anyone to read easily at all."
    response = post_form(ed, MAPPA_EDIT, MAPPA_EDIT,
                         _mappa_form(console, explanation=long_text, related="VISOR, No Such Entry At All"))
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert 'href="#explanation"' in response.text and 'href="#related"' in response.text
    assert 'id="explanation-error"' in response.text and 'id="related-error"' in response.text
    assert path.read_bytes() == before


@ONLY_SQLITE
def test_a_good_save_keeps_comments_passes_the_check_and_is_served(editing_console: Console) -> None:
    console = editing_console
    path = console.content_dir / "glossary/probation.yaml"
    watcher = LiveGlossary(console.content_dir)  # like a running bot
    ed = console.as_user("ed@example.org")
    new_text = "Police, probation and prisons work together to keep people safe. They share what they know."
    response = post_form(ed, MAPPA_EDIT, MAPPA_EDIT, _mappa_form(console, explanation=new_text))
    assert response.status_code == 303, response.text
    page = ed.get(response.headers["location"])
    assert "Saved." in page.text and new_text in page.text
    text = path.read_text()
    assert text.startswith("# Words you meet on probation")
    assert f"explanation: >-\n      {new_text}" in text
    assert not check_content(console.content_dir).has_errors
    assert watcher.reload()
    assert watcher.index.lookup("MAPPA").entry.meanings[0].explanation == new_text  # type: ignore[union-attr]
    assert sorted(p.name for p in path.parent.glob(".*.tmp")) == []


@ONLY_SQLITE
def test_html_in_every_entry_field_is_escaped(editing_console: Console) -> None:
    ed = editing_console.as_user("ed@example.org")
    before = (editing_console.content_dir / "glossary/probation.yaml").read_bytes()
    fields = ("term", "full_form", "explanation", "for_you", "aliases", "misspellings", "related", "replaced_by",
              "used_by", "cy_explanation", "cy_for_you", "pl_explanation", "pl_for_you")
    response = post_form(ed, MAPPA_EDIT, MAPPA_EDIT, {**{name: XSS for name in fields},
                                                      "sources": "https://www.gov.uk/guidance/mappa-guidance",
                                                      "reviewed": "2026-12-07"})
    assert response.status_code == 400
    assert XSS not in response.text
    assert response.text.count("&lt;script&gt;") >= len(fields)
    # Renaming MAPPA would break the entries that list it in related: refused, file unchanged.
    assert "lists &#34;MAPPA&#34; in related" in response.text or "lists &quot;MAPPA&quot; in related" in response.text
    assert (editing_console.content_dir / "glossary/probation.yaml").read_bytes() == before
    search = ed.get("/content", params={"q": XSS})
    assert XSS not in search.text and "&lt;script&gt;" in search.text


@ONLY_SQLITE
def test_gaps_lead_to_a_prefilled_new_entry(editing_console: Console,
                                            session_factory: sessionmaker[Session]) -> None:
    console = editing_console
    with session_factory() as session:
        for _ in range(3):
            record_unknown_term(session, "tag meeting", "en", now=NOW)
    ed = console.as_user("ed@example.org")
    gaps = ed.get("/content/gaps")
    assert "tag meeting" in gaps.text and "Start a new entry" in gaps.text
    form = ed.get("/content/new", params={"term": "tag meeting", "category": "probation"})
    assert 'value="tag meeting"' in form.text
    response = post_form(ed, "/content/new", "/content/new", {
        "category": "probation", "term": "tag meeting",
        "explanation": "A meeting about your electronic tag. Someone checks it works and tells you the rules.",
        "sources": "https://www.gov.uk/electronic-monitoring-tags", "reviewed": "2026-12-07",
        "cy_explanation": "Cyfarfod am eich tag electronig. Mae rhywun yn gwirio ei fod yn gweithio.",
        "pl_explanation": "Spotkanie w sprawie twojej elektronicznej opaski. Ktoś sprawdza, czy działa."})
    assert response.status_code == 303, response.text
    assert "- term: tag meeting" in (console.content_dir / "glossary/probation.yaml").read_text()
    assert not check_content(console.content_dir).has_errors
    assert console.client.app.state.ctx.glossary.index.lookup("tag meeting").found


@ONLY_SQLITE
def test_several_errors_on_one_field_show_one_per_line_and_stay_escaped(editing_console: Console) -> None:
    ed = editing_console.as_user("ed@example.org")
    response = post_form(ed, MAPPA_EDIT, MAPPA_EDIT,
                         _mappa_form(editing_console, related=f"{XSS}, No Such Entry At All"))
    assert response.status_code == 400
    error = re.search(r'<p id="related-error" class="govuk-error-message">(.*?)</p>', response.text, re.S)
    assert error, response.text
    lines = error.group(1).split("<br>")
    assert len(lines) >= 2, error.group(1)  # a real line break between the messages
    assert "&lt;br&gt;" not in error.group(1)
    assert XSS not in response.text and "&lt;script&gt;" in lines[0] + lines[1]
    assert "No Such Entry At All" in error.group(1)
