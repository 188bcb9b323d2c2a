"""`signpost explain`: the bot's glossary answers from the shell, as text or JSON, with exit codes."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import build_parser, main
from bot.cli.explain import PROMPT, interactive
from tests.glossary.fixtures_check.helpers import content_with

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "glossary" / "fixtures_engine"
LETTERS = ROOT / "tests" / "glossary" / "letters"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["explain", "--content", str(FIXTURES), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_question_is_explained_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "whats", "a", "mapa")
    assert code == 0 and err == ""
    assert out == (
        "MAPPA (Multi-Agency Public Protection Arrangements)\n"
        "Police, probation and prison staff meet to plan how to keep people safe. They do it for people who "
        "could cause serious harm.\n"
        "For you: If you are under MAPPA, more people check on how you are doing.\n"
    )


def test_an_unknown_word_exits_1_without_claiming_a_note(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = _run(capsys, "zxq")
    assert code == 1
    assert out == "I don't know that word yet.\nCheck the spelling, or ask your key worker what it means.\n"


def test_language_choice(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = _run(capsys, "--lang", "cy", "HDC")
    assert code == 0 and "Rydych chi'n gadael y carchar yn gynnar ac yn gwisgo tag." in out


def test_json_for_a_look_up(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = _run(capsys, "--json", "whats a mapa")
    assert code == 0
    data = json.loads(out)
    assert data["query"] == "whats a mapa" and data["language"] == "en"
    assert data["suggestions"] == [] and data["unknown_term"] is None
    assert data["matches"] == [{
        "term": "MAPPA",
        "full_form": "Multi-Agency Public Protection Arrangements",
        "meanings": [{
            "full_form": "Multi-Agency Public Protection Arrangements",
            "explanation": "Police, probation and prison staff meet to plan how to keep people safe. They do it "
                           "for people who could cause serious harm.",
            "for_you": "If you are under MAPPA, more people check on how you are doing.",
            "used_by": None,
            "in_english": False,
        }],
        "explanation": "Police, probation and prison staff meet to plan how to keep people safe. They do it for "
                       "people who could cause serious harm.",
        "for_you": "If you are under MAPPA, more people check on how you are doing.",
        "in_english": False,
        "confidence": 0.95,
        "how": "question",
        "start": 8,
        "end": 12,
        "matched": "mapa",
    }]
    assert data["reply"].startswith("MAPPA (Multi-Agency Public Protection Arrangements)")


def test_json_suggestions_when_nothing_matched(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = _run(capsys, "--json", "DPI")
    assert code == 1
    data = json.loads(out)
    assert data["matches"] == []
    assert data["suggestions"] == [{"term": "DIP", "full_form": "Drug Interventions Programme"}]
    assert data["unknown_term"] == "dpi"


def test_json_for_a_text_from_standard_input(capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("Your PO and your HDC.\n"))
    code, out, _err = _run(capsys, "--json", "--text", "-")
    assert code == 0
    data = json.loads(out)
    assert [(m["term"], m["start"], m["end"], m["matched"], m["how"]) for m in data["matches"]] == [
        ("PO", 5, 7, "PO", "exact"), ("HDC", 17, 20, "HDC", "exact")]
    po = data["matches"][0]
    assert po["full_form"] is None and po["explanation"] is None  # several meanings: see "meanings"
    assert [m["full_form"] for m in po["meanings"]] == ["Probation officer", "Prison officer", "Post Office"]


def test_a_text_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    letter = tmp_path / "letter.txt"
    letter.write_text("Your curfew and your tag start on Monday.", encoding="utf-8")
    code, out, _err = _run(capsys, "--text", str(letter))
    assert code == 0
    assert out.startswith("I found 2 words in your text:\n\n• curfew: Set hours when you must be at home.\n")


def test_a_text_with_no_glossary_words_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    letter = tmp_path / "note.txt"
    letter.write_text("See you at the cafe on Monday.", encoding="utf-8")
    code, out, _err = _run(capsys, "--text", str(letter))
    assert code == 1 and out.startswith("I did not find any words I know in your text.")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--text", "no-such-letter.txt"], "There is no file called no-such-letter.txt. Check the name and the folder."),
        (["--text", "."], ". is a folder. Give the name of a text file."),
        (["--text", "x.txt", "HDC"], "Give either words or --text FILE, not both."),
        (["--json"], "--json needs words or --text FILE."),
    ],
)
def test_bad_usage_exits_2_with_one_kind_line(capsys: pytest.CaptureFixture[str], args: list[str],
                                              message: str) -> None:
    code, out, err = _run(capsys, *args)
    assert code == 2 and out == ""
    assert err == message + "\n"


def test_a_file_that_is_not_text(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    binary = tmp_path / "scan.pdf"
    binary.write_bytes(b"%PDF-1.4\xff\xfe\x00\x81")
    code, _out, err = _run(capsys, "--text", str(binary))
    assert code == 2 and "is not plain text" in err and "Traceback" not in err


def test_broken_content_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "glossary").mkdir()
    (tmp_path / "glossary" / "general.yaml").write_text("category: general\nentries:\n  - term: x\n")
    code = main(["explain", "--content", str(tmp_path), "x"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("The glossary cannot be loaded: ") and "general.yaml:3: this entry has no `explanation`" in err


def test_interactive_answers_each_line_until_an_empty_one() -> None:
    out = io.StringIO()
    code = interactive(FIXTURES, "en", io.StringIO("mapa\nzxq\n\nHDC\n"), out)
    assert code == 0
    text = out.getvalue()
    assert text.startswith(PROMPT + "\nMAPPA (Multi-Agency Public Protection Arrangements)\n")
    assert "I don't know that word yet." in text
    assert "HDC" not in text  # after the empty line nothing more is read


def test_the_command_is_listed_with_one_line_of_help() -> None:
    listing = " ".join(build_parser().format_help().split())
    assert "explain Explain a word, or every known word in a letter, as the bot would answer." in listing


def _real(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "explain", *args], capture_output=True, text=True,
                          cwd=ROOT, input=stdin, check=False)


def test_done_when_whats_a_mapa_explains_mappa_on_the_real_content() -> None:
    result = _real("whats a mapa")
    assert result.returncode == 0, result.stderr
    first, explanation = result.stdout.splitlines()[:2]
    assert first == "MAPPA (Multi-Agency Public Protection Arrangements)"
    assert "police" in explanation.casefold() and "probation" in explanation.casefold()


def test_done_when_a_probation_letter_has_every_acronym_explained() -> None:
    result = _real("--json", "--text", str(LETTERS / "probation_appointment.txt"))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    terms = {m["term"]: m for m in data["matches"]}
    assert {"HMPPS", "HMP", "COM", "LED", "TUSED", "ID", "OASys", "RoSH", "CAS3", "RAR", "MAPPA level", "IOM", "POM",
            "ETE", "JCP", "DIP", "PO"} <= set(terms)
    assert terms["approved premises"]["matched"] == "AP"
    assert terms["Thinking Skills Programme"]["matched"] == "Thinking Skills Programme"  # and its (TSP) after it
    assert all(m["explanation"] or m["meanings"] for m in data["matches"])
    assert all(m["confidence"] == 1.0 for m in data["matches"])


def test_a_reader_that_stops_early_gets_no_traceback() -> None:
    # Like `signpost explain MAPPA | head -c1`: the pipe is closed before the answer is written.
    process = subprocess.Popen([sys.executable, "-m", "bot", "explain", "MAPPA", "OASys", "HDC"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    process.stdout.close()
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 0
    assert b"Traceback" not in err and b"Exception ignored" not in err


def test_nation_answers_as_for_a_person_in_wales(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    content = content_with("wales_variant", tmp_path / "content")
    for folder in ("templates", "locale"):
        shutil.copytree(ROOT / "content" / folder, content / folder)

    def explain(*args: str) -> str:
        assert main(["explain", "--content", str(content), *args]) == 0
        return capsys.readouterr().out

    assert "In Wales the council must help you" in explain("--nation", "wales", "duty", "to", "refer")
    as_written = explain("duty", "to", "refer")
    assert "Some services must tell the council" in as_written and "In Wales" not in as_written
    answer = json.loads(explain("--nation", "wales", "--json", "talking", "therapies"))
    assert answer["matches"][0]["meanings"][0]["explanation"].startswith("Free help to talk")
    assert "This is how it works in England." in answer["reply"]
