"""`signpost db` and `signpost link-code`, run as the command line runs them."""

from __future__ import annotations

import re

import pytest
from factories import make_person, make_worker
from sqlalchemy.orm import Session

from bot.cli import main
from bot.settings import Settings
from casefile import linking
from casefile.models import LinkCode

CODE = re.compile(r"^\s+([2-9A-Z]{4}-[2-9A-Z]{4})$", re.MULTILINE)


def test_db_status_and_upgrade(blank_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "status", "--database-url", blank_url]) == 1
    captured = capsys.readouterr()
    assert "Schema:   empty" in captured.out
    assert "The database needs updating. Run: signpost db upgrade" in captured.err

    assert main(["link-code", "P-ANYONE", "--database-url", blank_url]) == 1
    assert "Run: signpost db upgrade" in capsys.readouterr().err

    assert main(["db", "upgrade", "--database-url", blank_url]) == 0
    assert "Updated the database from empty to" in capsys.readouterr().out
    assert main(["db", "upgrade", "--database-url", blank_url]) == 0
    assert "already up to date" in capsys.readouterr().out
    assert main(["db", "status", "--database-url", blank_url]) == 0
    assert "(up to date)" in capsys.readouterr().out


def test_db_upgrade_uses_database_url_from_the_environment(
    blank_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", blank_url)
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "status"]) == 0
    assert "(up to date)" in capsys.readouterr().out


def test_a_database_that_cannot_be_reached_gets_a_plain_message(capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql+psycopg://signpost:secret@127.0.0.1:1/nowhere"
    assert main(["db", "status", "--database-url", url]) == 1
    err = capsys.readouterr().err
    assert "Could not open the database" in err and "secret" not in err and "Traceback" not in err


def test_link_code_for_a_person_is_shown_once_and_works(
    db_url: str, session: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    person = make_person(session, name="Jay")
    assert main(["link-code", person.ref, "--days", "3", "--database-url", db_url]) == 0
    out = capsys.readouterr().out
    assert f"Link code for Jay ({person.ref})" in out and "runs out on" in out
    (code,) = CODE.findall(out)
    stored = session.query(LinkCode).one()
    assert code.replace("-", "") not in stored.code_hash
    assert (stored.expires_at - stored.created_at).days == 3
    # Redeemed with the hasher the command used: the one the settings make.
    link = linking.redeem_link_code(session, "telegram", 1234, code, stored.created_at,
                                    hasher=Settings.from_env().link_hasher)
    assert link.person_id == person.id


def test_link_code_for_a_worker_and_bad_usage(
    db_url: str, session: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    worker = make_worker(session, name="Dee", ref="W-LEW-014")
    assert main(["link-code", "--worker", "W-LEW-014", "--database-url", db_url]) == 0
    assert "Link code for Dee (W-LEW-014)" in capsys.readouterr().out
    assert session.query(LinkCode).one().worker_id == worker.id

    assert main(["link-code", "--database-url", db_url]) == 2
    assert main(["link-code", "P-X", "--worker", "W-LEW-014", "--database-url", db_url]) == 2
    assert "not both" in capsys.readouterr().err
    assert main(["link-code", "P-NOBODY", "--database-url", db_url]) == 1
    assert "No person has the reference P-NOBODY" in capsys.readouterr().err
    assert main(["link-code", "--worker", "W-LEW-014", "--days", "400", "--database-url", db_url]) == 1
    assert "1 to 90 days" in capsys.readouterr().err
