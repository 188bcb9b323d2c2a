"""`signpost content check|stats|review|gaps`, run as editors run them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from bot.cli import main
from casefile.gaps import record_unknown_term
from tests.glossary.fixtures_check.helpers import content_with


@pytest.fixture
def in_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from inside a content folder, as an editor would, so paths print short."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_check_exits_1_on_errors_and_ends_with_the_summary(
    in_content: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content_with("missing_explanation", in_content)
    assert main(["content", "check", "."]) == 1
    assert capsys.readouterr().out.splitlines() == [
        'glossary/courts.yaml:16: The entry "CPS" has no explanation. Add an explanation: line under the '
        "term.",
        "Reading age: 4 of 5 explanations (80%) read at age 9 or below (the aim is 90%); 0 read above 11.",
        "Checked 6 entries in 3 files: 1 error, 0 warnings.",
    ]


def test_check_exits_0_with_warnings_only(in_content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content_with("hard_word", in_content)
    assert main(["content", "check", "."]) == 0
    assert capsys.readouterr().out.splitlines() == [
        'glossary/housing.yaml:5: warning: "accommodation" is a hard word. Use "somewhere to live" or '
        '"housing" '
        "instead.",
        "Reading age: 3 of 4 explanations (75%) read at age 9 or below (the aim is 90%); 0 read above 11.",
        "Checked 4 entries in 3 files: 0 errors, 1 warning.",
    ]


def test_check_defaults_to_the_settings_content_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    content_dir = content_with("_base", tmp_path / "editors-content")
    monkeypatch.setenv("SIGNPOST_CONTENT_DIR", str(content_dir))
    assert main(["content", "check"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Reading age: 2 of 3 explanations (67%) read at age 9 or below (the aim is 90%); 0 read above 11.",
        "Checked 3 entries in 2 files: 0 errors, 0 warnings.",
    ]


def test_check_of_a_missing_folder_says_so(in_content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["content", "check", "contnet"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == (
        "There is no folder called contnet. Check the name, or leave it out to use the usual content folder."
    )


def test_check_through_the_installed_command(in_content: Path) -> None:
    content_with("yaml11_trap", in_content)
    signpost = Path(sys.executable).parent / "signpost"
    finished = subprocess.run(
        [str(signpost), "content", "check", "."],
        capture_output=True,
        text=True,
        cwd=in_content,
        timeout=60,
        check=False,
    )
    assert finished.returncode == 1
    assert finished.stdout.splitlines() == [
        'glossary/courts.yaml:5: `no` is read as true/false by some tools. Put it in quotes: "no".',
        "Reading age: 3 of 4 explanations (75%) read at age 9 or below (the aim is 90%); 0 read above 11.",
        "Checked 4 entries in 3 files: 1 error, 0 warnings.",
    ]
    assert finished.stderr == ""


def test_stats(in_content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content_with("core_translation_missing_for_you", in_content)
    assert main(["content", "stats", "."]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Entries by category:",
        "  courts      1",
        "  general     3",
        "  Total       4",
        "",
        "Languages (entries that can be read in it, and how many of those are reviewed):",
        "  English (en)  4 of 4 entries (100%), core 1 of 1, reviewed 4 (100%)",
        "  Welsh (cy)    4 of 4 entries (100%), core 1 of 1, reviewed 3 (75%)",
        "  Polish (pl)   4 of 4 entries (100%), core 1 of 1, reviewed 3 (75%)",
        "  (English reviewed: checked against its sources in the last 12 months; Welsh and Polish: checked by a"
        " native speaker)",
        "",
        "Reading age: 3 of 4 explanations (75%) read at age 9 or below (the aim is 90%); 0 read above 11.",
        "",
        "Longest explanations:",
        "   15 words  MAPPA  (glossary/general.yaml:13)",
        "   13 words  probation officer  (glossary/general.yaml:5)",
        "    9 words  PSR  (glossary/general.yaml:21)",
        "    8 words  CPS  (glossary/courts.yaml:4)",
    ]


def test_stats_says_when_files_have_problems(in_content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content_with("syntax_tab", in_content)
    assert main(["content", "stats", "."]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:4] == ["Entries by category:", "  general     3", "  Total       3", ""]
    assert (
        out[-1] == "Some files have problems (1), so these figures may be short. Run: signpost content check"
    )


def test_gaps_lists_the_most_asked_unknown_words(
    db_url: str, session: Session, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for term, language, times in [
        ("curfew order", "en", 3),
        ("Curfew  Order", "pl", 2),
        ("tag", "en", 4),
        ("ETE", "en", 1),
    ]:
        for _ in range(times):
            record_unknown_term(session, term, language)
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert main(["content", "gaps", "--limit", "2"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Words people asked about that the glossary does not have (most asked first):",
        "  5  curfew order",
        "  4  tag",
        "Add the ones that matter to content/glossary/, then run: signpost content check",
    ]
    assert main(["content", "gaps", "--lang", "pl"]) == 0
    assert capsys.readouterr().out.splitlines()[1:2] == ["  2  curfew order"]


def test_gaps_with_nothing_asked(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert main(["content", "gaps"]) == 0
    assert capsys.readouterr().out.strip() == (
        "Nobody has asked about a word the glossary does not have. Nothing to add yet."
    )


def test_gaps_with_an_unreachable_database_is_a_plain_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://editor:secret@127.0.0.1:1/signpost")
    assert main(["content", "gaps"]) == 1
    captured = capsys.readouterr()
    assert captured.err.strip() == (
        "Signpost cannot read the database at postgresql+psycopg://editor:***@127.0.0.1:1/signpost "
        "(OperationalError). Check DATABASE_URL and that the database is running."
    )


def test_gaps_limit_must_be_a_positive_number(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["content", "gaps", "--limit", "lots"])
    assert raised.value.code == 2
    assert 'argument --limit: "lots" is not a whole number, like 20' in capsys.readouterr().err


def test_content_alone_shows_the_three_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["content"]) == 2
    out = capsys.readouterr().out
    for command in ("check", "stats", "gaps"):
        assert f"    {command} " in out


def test_check_lists_each_problem_in_the_services_files(in_content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (in_content / "services").mkdir()
    demo = (Path(__file__).resolve().parents[2] / "content" / "services" / "lewisham-demo.yaml").read_text()
    (in_content / "services" / "lewisham.yaml").write_text(
        demo.replace("categories: [housing]", "categories: [castles]", 1), encoding="utf-8")
    assert main(["content", "check", "."]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("services/lewisham.yaml:") and '"castles" is not a category. Use one or more of: '
               "housing" in line for line in lines), lines


def test_review_lists_what_is_due_oldest_first(in_content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content_with("review_dates", in_content)
    assert main(["content", "review", "."]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Due for review now, oldest first (")
    assert out[1:4] == [
        '  glossary/courts.yaml:18: glossary "fine", never reviewed',
        '  glossary/courts.yaml:11: glossary "Crown Court", reviewed 2024-06-01, due 2025-06-02',
        '  glossary/courts.yaml:6: glossary "CPS", reviewed 2025-11-01, due 2026-11-02',
    ]
    assert out[-1] == "Check each against its sources, then write today's date after reviewed:."


def test_review_translations_lists_each_unreviewed_one_by_language(
    in_content: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content_with("unreviewed_translation", in_content)
    assert main(["content", "review", ".", "--translations"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Welsh (cy): 1 translation not reviewed yet",
        '  glossary/courts.yaml:8: the Welsh (cy) translation of "CPS" is not reviewed yet. When a native speaker '
        "has checked it, write reviewed: true under it.",
        "Polish (pl): 1 translation not reviewed yet",
        '  glossary/courts.yaml:11: the Polish (pl) translation of "CPS" is not reviewed yet. When a native speaker '
        "has checked it, write reviewed: true under it.",
    ]


def test_review_refuses_a_negative_number_of_days(in_content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content_with("_base", in_content)
    with pytest.raises(SystemExit) as stopped:
        main(["content", "review", ".", "--due-within", "-3"])
    assert stopped.value.code == 2
    assert "it must be 0 or more" in capsys.readouterr().err
