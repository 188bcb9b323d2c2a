"""`signpost run` and `signpost chat` as a person meets them: real processes, scripted input, a fresh data folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _signpost(args: list[str], data_dir: Path, stdin: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "SIGNPOST_DATA_DIR": str(data_dir), **env}
    environment.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                          env=environment, timeout=120)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    data_dir = tmp_path_factory.mktemp("first-run")
    return data_dir, _signpost(["run"], data_dir, "2\n2\nwhats a mapa\n1\n")


def test_run_makes_the_demo_on_first_start_and_chats_as_demo_1(first_run) -> None:
    _data_dir, result = first_run
    assert result.returncode == 0, result.stderr
    assert "First start" in result.stdout
    assert "DEMO-1" in result.stdout and "DEMO-4" in result.stdout
    assert "[1] Help now" in result.stdout and "[2] Where am I?" in result.stdout
    assert "Multi-Agency Public Protection Arrangements" in result.stdout
    assert "[voice note: " in result.stdout
    assert "Traceback" not in result.stderr


def test_the_where_picture_is_saved_as_a_png(first_run) -> None:
    data_dir, result = first_run
    pictures = list((data_dir / "terminal-media").glob("*.png"))
    assert pictures and pictures[0].read_bytes().startswith(b"\x89PNG")


def test_run_again_keeps_the_data_and_goes_straight_to_the_chat(first_run) -> None:
    data_dir, _first = first_run
    result = _signpost(["run"], data_dir, "")
    assert result.returncode == 0, result.stderr
    assert "First start" not in result.stdout
    assert "What would you like to know?" in result.stdout


def test_chat_without_a_person_is_a_new_unlinked_user(first_run) -> None:
    data_dir, _first = first_run
    result = _signpost(["chat", "--lang", "pl"], data_dir, "what is ROTL\n")
    assert result.returncode == 0, result.stderr
    assert "Signpost" in result.stdout
    assert "ROTL" in result.stdout


def test_chat_as_a_person_honours_the_language_asked_for(first_run) -> None:
    data_dir, _first = first_run
    result = _signpost(["chat", "--as", "DEMO-2", "--lang", "cy"], data_dir, "")
    assert result.returncode == 0, result.stderr
    assert "Ble ydw i?" in result.stdout  # the menu in Welsh
    again = _signpost(["chat", "--as", "DEMO-2", "--lang", "pl"], data_dir, "")
    assert "Gdzie jestem?" in again.stdout


def test_chat_as_an_unknown_person_says_what_to_do(first_run) -> None:
    data_dir, _first = first_run
    result = _signpost(["chat", "--as", "NOBODY"], data_dir, "")
    assert result.returncode == 1
    assert 'No person with reference "NOBODY"' in result.stderr
    assert "Traceback" not in result.stderr


def test_chat_on_an_outdated_database_says_which_command_fixes_it(tmp_path: Path) -> None:
    result = _signpost(["chat"], tmp_path, "")
    assert result.returncode == 1
    assert "signpost db upgrade" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_on_a_database_from_an_older_version_updates_it_first(tmp_path: Path) -> None:
    from casefile import db

    db.upgrade(f"sqlite:///{tmp_path / 'signpost.db'}", revision="0004_staff_accounts")
    result = _signpost(["run"], tmp_path, "whats a mapa\n")
    assert result.returncode == 0, result.stderr
    assert "Updating the database to this version" in result.stdout and "First start" not in result.stdout
    assert "Multi-Agency Public Protection Arrangements" in result.stdout
    engine = db.make_engine(f"sqlite:///{tmp_path / 'signpost.db'}")
    try:
        assert db.current_revision(engine) == db.head_revision()
    finally:
        engine.dispose()
