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
    page = ed.get("/content/translations")
    assert page.status_code == 200
    welsh, polish = page.text.split('id="cy"')[1].split('id="pl"')
    assert "Welsh (cy): 1 to check" in welsh
    assert "Y cyfreithwyr sy&#39;n mynd â&#39;r achos i&#39;r llys." in welsh
    assert "The lawyers who take a case to court." in welsh
    assert "courts.yaml:8" in welsh and 'href="/content/entries/courts/CPS"' in welsh
    assert "Polish (pl): 1 to check" in polish
    assert "Prawnicy, którzy kierują sprawę do sądu." in polish and "courts.yaml:11" in polish
    # The base entries' translations are marked reviewed: true, so they are not on the list.
    assert "Esboniad byr." not in page.text


@ONLY_SQLITE
def test_only_editors_see_the_translations_list(translator_console: Console) -> None:
    worker = translator_console.as_user("cat@example.org")
    assert worker.get("/content/translations").status_code in (303, 403)
