"""`signpost casefile import|export|forget` and `signpost demo-data`, run as an operator would."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from bot.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


@pytest.fixture
def empty(db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """The commands use DATABASE_URL; point it at the (empty) test database."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("SIGNPOST_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    return db_url


@pytest.fixture
def database(empty: str) -> str:
    """The test database with the demo data in it."""
    assert main(["demo-data", "--today", "2027-06-09"]) == 0
    return empty


def test_demo_data_lists_the_people_with_a_code_each_and_runs_again_without_copies(
    empty: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo-data", "--today", "2027-06-09"]) == 0
    first = capsys.readouterr().out.splitlines()
    assert first[0] == "Demo people for Wednesday 9 June 2027 (all made up):"
    assert [line.split()[:3] for line in first[1:5]] == [
        ["DEMO-1", "Alex", "made"], ["DEMO-2", "Jordan", "made"], ["DEMO-3", "Casey", "made"],
        ["DEMO-4", "Robin", "made"]]
    assert all(" link code " in line for line in first[1:5])
    assert first[5] == "Link codes work once, for 14 days. Try: signpost chat --as DEMO-1"
    assert main(["demo-data", "--today", "2027-06-09"]) == 0
    assert [line.split()[2] for line in capsys.readouterr().out.splitlines()[1:5]] == ["kept"] * 4


def test_demo_data_makes_a_new_database_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'fresh' / 'signpost.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["demo-data", "--today", "2027-06-09"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == f"Made the case-file database ready: {url}"


def test_import_says_what_it_did_and_twice_changes_nothing(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["casefile", "import", str(EXAMPLES / "people.csv")]) == 0
    assert main(["casefile", "import", str(EXAMPLES / "release_dates.csv"), "--dry-run"]) == 0
    assert main(["casefile", "import", str(EXAMPLES / "release_dates.json")]) == 0
    assert main(["casefile", "import", str(EXAMPLES / "release_dates.csv")]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Imported 2 rows: 2 new, 0 changed, 0 unchanged.",
        "Checked 2 rows: all fine. 1 would be new, 1 would change, 0 unchanged. Nothing was saved (dry run).",
        "Imported 2 rows: 1 new, 1 changed, 0 unchanged.",
        "Imported 2 rows: 0 new, 0 changed, 2 unchanged.",
    ]


def test_a_bad_file_lists_every_problem_and_exits_1(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    bad = tmp_path / "appointments.csv"
    bad.write_text(
        "ref,person,date,time,place,kind\n"
        "A-1,DEMO-1,2027-06-14,10:00,Office,probation\n"
        "A-2,P-9999,2027-06-31,10:00,Office,probation\n"
        "A-1,DEMO-2,2027-06-15,,Office,probation\n",
        encoding="utf-8",
    )
    assert main(["casefile", "import", str(bad), "--agency", "PS"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "The file was not imported, because it has 4 problems. Nothing was saved.",
        'row 3: date "2027-06-31" is not a real date. Use YYYY-MM-DD, for example 2026-03-14.',
        'row 3: no person with reference "P-9999". Check the reference, or add the person first.',
        "row 4: time is missing. Each row needs: ref, person, date, time, place, kind.",
        'row 4: reference "A-1" appears twice (rows 2 and 4). Each row needs its own reference.',
        "Fix these and import the file again.",
    ]
    assert main(["casefile", "import", str(tmp_path / "missing.json")]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"There is no file called {tmp_path / 'missing.json'}. Check the name and the folder.",
        "Nothing was saved.",
    ]


def test_export_writes_readable_json_only_the_owner_can_read(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["casefile", "export", "DEMO-2"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["person"]["ref"] == "DEMO-2" and document["export"]["made_by"] == "system:cli"
    target = tmp_path / "demo-2.json"
    assert main(["casefile", "export", "DEMO-2", "-o", str(target)]) == 0
    assert capsys.readouterr().out == f"Wrote the file for DEMO-2 to {target}. It is private: keep it safe.\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert json.loads(target.read_text(encoding="utf-8"))["journey"]["stage"] == "on_licence"
    assert main(["casefile", "export", "NOBODY"]) == 1
    assert capsys.readouterr().err == 'There is no person with reference "NOBODY".\n'


def test_forget_needs_yes_then_closes_the_file_once(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["casefile", "forget", "DEMO-4"]) == 2
    assert "To go ahead, add --yes." in capsys.readouterr().err
    assert main(["casefile", "forget", "DEMO-4", "--yes"]) == 0
    assert capsys.readouterr().out.startswith('The file for "DEMO-4" is closed. ')
    assert main(["casefile", "forget", "DEMO-4", "--yes"]) == 1
    assert capsys.readouterr().err.startswith('The file for "DEMO-4" was closed already, on ')


def test_an_empty_database_is_refused_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    assert main(["casefile", "export", "DEMO-1"]) == 2
    assert capsys.readouterr().err == "The database needs updating. Run: signpost db upgrade\n"


def test_a_database_failure_is_one_plain_line_not_a_traceback(
    database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import casefile.importing

    def broken(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("INSERT ...", {}, Exception("disk I/O error"))

    monkeypatch.setattr(casefile.importing, "import_feed", broken)
    capsys.readouterr()
    assert main(["casefile", "import", str(EXAMPLES / "people.json")]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "The database stopped the work: disk I/O error.", "Nothing was saved."]
