"""The console's list of translations for a translator to work through: Welsh and Polish texts not yet
marked reviewed, each beside its English, with the file and line to mark it in."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import REPO_ROOT
from glossary.live import LiveGlossary
from tests.console.console_helpers import Console, make_console, seed_team
from tests.glossary.fixtures_check.helpers import content_with

ONLY_SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def translator_console(engine: Engine, session_factory: sessionmaker[Session], tmp_path: Path) -> Console:
    """The shipped templates and journeys, with the small glossary whose CPS entry awaits review."""
    content = tmp_path / "content"
    shutil.copytree(REPO_ROOT / "content", content)
    for path in (content / "glossary").glob("*.yaml"):
        path.unlink()
    content_with("unreviewed_translation", content)
    ids = seed_team(session_factory)
    client = make_console(engine, session_factory, content, LiveGlossary(content))
    return Console(client, engine, session_factory, content, ids)


@ONLY_SQLITE
def test_unreviewed_translations_are_listed_per_language_beside_the_english(translator_console: Console) -> None:
    ed = translator_console.as_user("ed@example.org")
    assert 'href="/content/translations"' in ed.get("/content").text
    welsh = ed.get("/content/translations").text  # Welsh first
    assert "Welsh (cy): 1 to check" in welsh
    assert "Y cyfreithwyr sy&#39;n mynd â&#39;r achos i&#39;r llys." in welsh
    assert "The lawyers who take a case to court." in welsh
    assert "courts.yaml:8" in welsh and 'href="/content/entries/courts/CPS"' in welsh
    assert 'href="/content/translations?language=pl"' in welsh and "Prawnicy" not in welsh
    polish = ed.get("/content/translations", params={"language": "pl"}).text
    assert "Polish (pl): 1 to check" in polish
    assert "Prawnicy, którzy kierują sprawę do sądu." in polish and "courts.yaml:11" in polish
    # The base entries' translations are marked reviewed: true, so they are not on the list.
    assert "Esboniad byr." not in welsh + polish
    # A language we do not have, or a page past the end, shows the nearest real page, never an error.
    assert "Welsh (cy): 1 to check" in ed.get("/content/translations", params={"language": "xx", "page": "99"}).text


@ONLY_SQLITE
def test_only_editors_see_the_translations_list(translator_console: Console) -> None:
    worker = translator_console.as_user("cat@example.org")
    assert worker.get("/content/translations").status_code in (303, 403)


@ONLY_SQLITE
def test_the_shipped_translations_come_in_pages_that_keep_the_language(engine: Engine,
                                                                        session_factory: sessionmaker[Session]) -> None:
    seed_team(session_factory)
    content = REPO_ROOT / "content"
    ed = Console(make_console(engine, session_factory, content, LiveGlossary(content)), engine, session_factory,
                 content, {}).as_user("ed@example.org")
    first = ed.get("/content/translations", params={"language": "pl"}).text
    assert "Showing 1 to 50, in file order." in first
    assert first.count('<tr class="govuk-table__row">') == 51  # the heading row and 50 translations
    assert 'href="/content/translations?language=pl&amp;page=2"' in first and 'rel="next"' in first
    second = ed.get("/content/translations", params={"language": "pl", "page": "2"}).text
    assert "Showing 51 to 100, in file order." in second and 'rel="prev"' in second
    assert set(_rows(first)).isdisjoint(_rows(second))
    glossary = ed.get("/content").text
    assert "Showing 1 to 100, in file order." in glossary and 'href="/content?page=2"' in glossary
    assert "Showing 101 to 200" in ed.get("/content", params={"page": "2"}).text
    assert "Showing" not in ed.get("/content", params={"q": "licence"}).text  # a search is never cut into pages


def _rows(page: str) -> list[str]:
    return list(page.split('<tr class="govuk-table__row">')[2:])
