"""`signpost services import|list` and the demo services in `signpost demo-data`, run as an operator would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.cli import main

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "casefile" / "data"
DEMO_YAML = REPO / "content" / "services" / "lewisham-demo.yaml"


@pytest.fixture
def empty(db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """The commands use DATABASE_URL; point it at the (empty) test database."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("SIGNPOST_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    return db_url


def test_import_open_referral_json_then_list_what_is_open(empty: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["services", "list"]) == 0
    assert capsys.readouterr().out == (
        "The services directory is empty. Add services with: signpost services import FILE\n")
    assert main(["services", "import", str(DATA / "open-referral-good.json")]) == 0
    assert capsys.readouterr().out.splitlines() == [
        'Left out "Toddler Music Group (test)" (left-out-5): none of its taxonomies is one of Signpost\'s '
        "categories (housing, food, money, drugs_alcohol, mental_health, id_documents, legal, health).",
        'Left out "Old Advice Shop (test)" (left-out-6): its status is "inactive", not active.',
        "The services directory now has 4 services from 3 organisations, from open-referral-good.json. "
        "Left out 2 services of the file that Signpost does not list.",
    ]
    assert main(["services", "list", "--category", "housing"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Housing Advice Desk (test) (housing)",
        "    Civic Centre (test), 1 Example Road, London, Lewisham SE6 0YA",
        "    Call 020 7946 0201.",
        "    Monday to Friday, 09:00 to 17:00 (from 01/01/2027)",
        "Weekend Night Shelter (test) (housing)",
        "    Church Hall (test), 2 Sample Street, London SE13 0YE",
        "    Call 020 7946 0202.",
        "    Friday and Saturday, 20:00 to 02:00",
    ]
    assert main(["services", "list", "--open-now", "--at", "2027-06-05 01:00"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "At Saturday 5 June 2027, 01:00 (London):",
        "Open now:",
        "    Crisis Money Line (test): Open now, all day and night. Call 020 7946 0204.",
        "    Weekend Night Shelter (test): Open now until 02:00. Call 020 7946 0202.",
        "Closed now:",
        "    Housing Advice Desk (test): Opens Monday at 09:00. Call 020 7946 0201.",
        "    Food Bank (test): Opens Monday at 10:00.",
    ]


def test_a_broken_file_is_refused_whole_and_the_directory_is_kept(
    empty: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["services", "import", str(DATA / "open-referral-good.json")]) == 0
    capsys.readouterr()
    assert main(["services", "import", str(DATA / "open-referral-broken.json")]) == 1
    captured = capsys.readouterr()
    err = captured.err.splitlines()
    assert err[0] == "The file was not imported, because it has 12 problems. Nothing was saved."
    assert len(err) == 14 and err[-1] == "Fix these and import the file again."
    assert 'row 2: service "bad-2", regular_schedules item 1: opens_at "09:00Z" has a time zone on it.' in captured.err
    assert main(["services", "list", "--open-now", "--at", "2027-06-05 01:00", "--category", "money"]) == 0
    assert "Crisis Money Line (test): Open now, all day and night." in capsys.readouterr().out


def test_yaml_dry_run_other_suffixes_and_missing_files(
    empty: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["services", "import", str(DEMO_YAML), "--dry-run"]) == 0
    assert capsys.readouterr().out == "Checked lewisham-demo.yaml: 11 services, all fine. Nothing was saved (dry run).\n"
    assert main(["services", "list"]) == 0
    assert "empty" in capsys.readouterr().out
    (tmp_path / "services.csv").write_text("id,name\n", encoding="utf-8")
    assert main(["services", "import", "services.csv"]) == 1
    assert capsys.readouterr().err == (
        "Signpost reads services from a .json file (Open Referral UK) or a .yaml file, not services.csv.\n"
        "Nothing was saved.\n")
    assert main(["services", "import", "nowhere.json"]) == 1
    assert "There is no file called nowhere.json" in capsys.readouterr().err
    assert main(["services", "list", "--at", "2027-06-05 01:00"]) == 2
    assert "--at goes with --open-now" in capsys.readouterr().err


def test_demo_data_loads_the_demo_services_friday_evening_and_sunday(
    empty: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo-data", "--today", "2027-06-09"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "The services directory now has 11 services from 7 organisations, from lewisham-demo.yaml. "
        "Try: signpost services list --open-now")
    assert main(["services", "list", "--open-now", "--at", "2027-06-04 19:30"]) == 0
    friday = capsys.readouterr().out.splitlines()
    assert friday[:4] == [
        "At Friday 4 June 2027, 19:30 (London):",
        "Open now:",
        "    Out-of-hours Housing Line (demo): Open now, all day and night. Call 020 7946 0102.",
        "Closed now:",
    ]
    assert friday[4] == "    Friday Night Recovery Cafe (demo): Opens today at 21:00. Call 020 7946 0108."
    assert main(["services", "list", "--open-now", "--at", "2027-06-06 11:00", "--category", "food"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "At Sunday 6 June 2027, 11:00 (London):",
        "Nothing in the directory is open now.",
        "Closed now:",
        "    Deptford Evening Kitchen (demo): Opens tomorrow at 18:00. Call 020 7946 0104.",
        "    Catford Community Larder (demo): Opens Tuesday at 10:00. Call 020 7946 0103.",
    ]
    # A real directory imported afterwards is never replaced by the demo.
    assert main(["services", "import", str(DATA / "open-referral-good.json")]) == 0
    assert main(["demo-data", "--today", "2027-06-09"]) == 0
    assert "so the demo services were not added" in capsys.readouterr().out


def test_the_installed_command_lists_services(empty: str) -> None:
    done = subprocess.run([sys.executable, "-m", "bot", "services", "import", str(DEMO_YAML)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    listed = subprocess.run([sys.executable, "-m", "bot", "services", "list", "--open-now",
                             "--at", "2027-06-06 11:00"], capture_output=True, text=True, timeout=120, check=False)
    assert listed.returncode == 0, listed.stderr
    assert "Out-of-hours Housing Line (demo): Open now, all day and night." in listed.stdout
