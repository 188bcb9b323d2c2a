"""Bad command-line arguments, bad settings and hostile files through the real `signpost` command: every one gets
a plain message and a nonzero exit status (2 for bad use), never a traceback (issue 15 item 6).

Each case runs through `bot.cli.main` as the shell would call it; a few run as real subprocesses too, so what an
operator sees on the terminal is checked end to end. Before, 13 of 78 such cases ended in a traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import REPO_ROOT
from casefile import db, directory, staff
from tests.casefile.factories import NOW, SYSTEM

BAD_USE = 2
UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/nowhere"
BOOK = ["worker", "book", "--worker", "W-CLI-1", "--person", "P-CLI-1", "--place", "Lewisham office",
        "--kind", "probation"]


@dataclass(frozen=True)
class Case:
    name: str
    argv: Callable[[Path], list[str]]  # given the folder with the hostile files
    env: dict[str, str] = field(default_factory=dict)
    status: int | None = None  # the exit status it must have; None: any nonzero one
    says: str = ""  # words the message must have


def _args(*argv: str) -> Callable[[Path], list[str]]:
    return lambda _folder: list(argv)


def _file(name: str, *argv: str) -> Callable[[Path], list[str]]:
    return lambda folder: [arg.replace("{file}", str(folder / name)) for arg in argv]


CASES: tuple[Case, ...] = (
    # Bad use of the command itself.
    Case("no such option", _args("--nonsense"), status=BAD_USE),
    Case("no such command", _args("nonsense"), status=BAD_USE),
    Case("db with no subcommand", _args("db"), status=BAD_USE),
    Case("worker with no subcommand", _args("worker"), status=BAD_USE),
    Case("casefile with no subcommand", _args("casefile"), status=BAD_USE),
    Case("link-code with no one", _args("link-code"), status=BAD_USE),
    Case("explain a file that is not there", _args("explain", "--text", "/nonexistent/letter.txt"),
         status=BAD_USE, says="no file called"),
    Case("link-code for 500 days", _args("link-code", "P-CLI-1", "--days", "500"), says="90"),
    Case("reminders run, batch not a number", _args("reminders", "run", "--batch", "lots"), status=BAD_USE),
    Case("reminders run, batch of zero", _args("reminders", "run", "--batch", "0"), status=BAD_USE),
    Case("reminders cancel, not a number", _args("reminders", "cancel", "first"), status=BAD_USE),
    Case("reminders cancel, a number of 5,000 digits", _args("reminders", "cancel", "9" * 5000), status=BAD_USE),
    Case("reminders cancel, a number too big for the database", _args("reminders", "cancel", "9" * 30),
         status=BAD_USE),
    Case("reminders plan, no days", _args("reminders", "plan", "--days", "0"), status=BAD_USE),
    Case("reminders list, limit below one", _args("reminders", "list", "--limit", "-5"), status=BAD_USE),
    Case("reminders list, an odd state", _args("reminders", "list", "--state", "lost"), status=BAD_USE),
    Case("journeys picture, no such stage", _args("journeys", "picture", "--stage", "moon"), status=BAD_USE),
    Case("report, a date that is not one", _args("report", "attendance", "--from", "2027-02-30"), status=BAD_USE),
    Case("report, year 9999", _args("report", "attendance", "--from", "9999-01-01"), status=BAD_USE),
    Case("report, non-ASCII digits", _args("report", "attendance", "--from", "٢٠٢٧-٠١-٠١"), status=BAD_USE),
    Case("demo-data, a day that is not one", _args("demo-data", "--today", "yesterday"), status=BAD_USE),
    Case("demo-data, year 1800", _args("demo-data", "--today", "1800-01-01"), status=BAD_USE),
    # worker book: times, numbers and text.
    Case("book, the year 1800", _args(*BOOK, "--at", "1800-06-01 10:00"), status=BAD_USE, says="Check the year"),
    Case("book, the year 9999", _args(*BOOK, "--at", "9999-06-01 10:00"), status=BAD_USE, says="Check the year"),
    Case("book, a time the clocks skip", _args(*BOOK, "--at", "2027-03-28 01:30"), status=BAD_USE,
         says="clocks go forward"),
    Case("book, not a time", _args(*BOOK, "--at", "next Tuesday"), status=BAD_USE),
    Case("book, the 30th of February", _args(*BOOK, "--at", "2027-02-30 10:00"), status=BAD_USE),
    Case("book, superscript digits", _args(*BOOK, "--at", "2027-06-1² 10:00"), status=BAD_USE),
    Case("book, minutes not a number", _args(*BOOK, "--at", "2027-06-10 10:00", "--minutes", "an hour"),
         status=BAD_USE),
    Case("book, minutes of 5,000 digits", _args(*BOOK, "--at", "2027-06-10 10:00", "--minutes", "9" * 5000),
         status=BAD_USE),
    Case("book, minutes of zero", _args(*BOOK, "--at", "2027-06-10 10:00", "--minutes", "0"), status=BAD_USE,
         says="from 1 to 1440"),
    Case("book, a kind Signpost does not know", _args(*BOOK[:-1], "picnic", "--at", "2027-06-10 10:00"),
         says="not a kind of appointment"),
    Case("book, a control character in the place",
         _args(*BOOK[:7], "Office\x07 2", *BOOK[8:], "--at", "2027-06-10 10:00"), says="control character"),
    Case("book, a zero-width space in the worker", _args("worker", "book", "--worker", "W-CLI\u200b-1",
                                                          *BOOK[4:], "--at", "2027-06-10 10:00"),
         says="No worker"),
    Case("book, a Cyrillic letter in the person",
         _args("worker", "book", "--worker", "W-CLI-1", "--person", "\u0420-CLI-1", *BOOK[6:],
               "--at", "2027-06-10 10:00"), says="No person"),
    Case("message, nobody with that reference", _args("worker", "message", "--worker", "W-CLI-1", "--person",
                                                      "P-NOBODY", "See you soon.")),
    Case("export, nobody with that reference", _args("casefile", "export", "P-NOBODY")),
    Case("forget without --yes", _args("casefile", "forget", "P-CLI-1"), status=BAD_USE),
    # Hostile feed files.
    Case("import /dev/zero", _args("casefile", "import", "/dev/zero", "--feed", "people", "--agency", "PS"),
         says="line longer than"),
    Case("import a JSON nested 100,000 deep", _file("deep.json", "casefile", "import", "{file}"),
         says="nested more than"),
    Case("import a JSON nested 50 deep", _file("fifty.json", "casefile", "import", "{file}"),
         says="nested more than"),
    Case("import a number of 5,000 digits", _file("long-number.json", "casefile", "import", "{file}"),
         says="5000 digits long"),
    Case("import NaN", _file("nan.json", "casefile", "import", "{file}"), says="NaN"),
    Case("import Infinity", _file("infinity.json", "casefile", "import", "{file}"), says="Infinity"),
    Case("import 1e999", _file("huge-float.json", "casefile", "import", "{file}"), says="too big to be real"),
    Case("import a name given twice", _file("twice.json", "casefile", "import", "{file}"), says="twice"),
    Case("import non-ASCII digits", _file("appointments-digits.csv", "casefile", "import", "{file}",
                                          "--agency", "PS"), says="minutes"),
    Case("import a zero-width reference", _file("people-zero-width.csv", "casefile", "import", "{file}",
                                                "--agency", "PS"), says="invisible character"),
    Case("import a Cyrillic reference", _file("people-cyrillic.csv", "casefile", "import", "{file}",
                                              "--agency", "PS"), says="Cyrillic"),
    Case("import a NUL in a name", _file("people-nul.csv", "casefile", "import", "{file}", "--agency", "PS"),
         says="control character"),
    Case("import a file that is not there", _file("missing.json", "casefile", "import", "{file}"),
         says="no file called"),
    Case("import a folder", _file("", "casefile", "import", "{file}"), says="is a folder"),
    Case("import an odd feed type", _file("deep.json", "casefile", "import", "{file}", "--feed", "moon"),
         status=BAD_USE),
    Case("services import /dev/zero", _args("services", "import", "/dev/zero")),
    Case("services import a JSON nested 100,000 deep", _file("services-deep.json", "services", "import",
                                                              "{file}"), says="nested more than"),
    Case("services import a number of 5,000 digits", _file("services-number.json", "services", "import",
                                                            "{file}"), says="digits long"),
    # Databases that cannot be used.
    Case("db status, a database URL that is not one", _args("db", "status", "--database-url", "not a url")),
    Case("db status, no such driver", _args("db", "status", "--database-url", "nosuchdb://x/y")),
    Case("db status, a server that is not there", _args("db", "status", "--database-url", UNREACHABLE)),
    Case("db upgrade, a folder that cannot be made",
         _args("db", "upgrade", "--database-url", "sqlite:////proc/signpost/no.db")),
    Case("export, a server that is not there", _args("casefile", "export", "P-CLI-1"),
         env={"DATABASE_URL": UNREACHABLE}),
    Case("reminders list, a database URL that is not one", _args("reminders", "list"),
         env={"DATABASE_URL": "sqlite:/\x01/x"}),
    # Bad settings: each stops the command with a plain message, before it starts.
    Case("offsets that are not times", _args("reminders", "list"), env={"SIGNPOST_REMINDER_OFFSETS": "soon"},
         status=BAD_USE, says="SIGNPOST_REMINDER_OFFSETS"),
    Case("offsets of 5,000 digits", _args("reminders", "list"),
         env={"SIGNPOST_REMINDER_OFFSETS": "9" * 5000 + "m"}, status=BAD_USE),
    Case("a console secret too short to sign sessions", _args("web", "--port", "1"),
         env={"SIGNPOST_WEB_SECRET": "short"}, status=BAD_USE, says="SIGNPOST_WEB_SECRET"),
    Case("quiet hours at 25:00", _args("reminders", "list"), env={"SIGNPOST_QUIET_HOURS": "25:00-08:00"},
         status=BAD_USE, says="SIGNPOST_QUIET_HOURS"),
    Case("quiet hours in other digits", _args("reminders", "list"), env={"SIGNPOST_QUIET_HOURS": "٢١:٠٠-٠٨:٠٠"},
         status=BAD_USE, says="SIGNPOST_QUIET_HOURS"),
    Case("a follow-up of forever", _args("reminders", "list"), env={"SIGNPOST_MISSED_FOLLOW_UP": "forever"},
         status=BAD_USE, says="SIGNPOST_MISSED_FOLLOW_UP"),
    Case("kind offsets with no kind", _args("reminders", "list"),
         env={"SIGNPOST_REMINDER_KIND_OFFSETS": "=24h"}, status=BAD_USE),
    Case("a content folder that is not there", _args("content", "check"),
         env={"SIGNPOST_CONTENT_DIR": "/nonexistent/content"}),
)


def _hostile_files(folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    (folder / "deep.json").write_text('{"feed": "people", "agency": "PS", "rows": ' + "[" * 100_000 + "]" * 100_000 + "}")
    (folder / "fifty.json").write_text('{"feed": "people", "agency": "PS", "rows": [' + "[" * 50 + "]" * 50 + "]}")
    row = '{"feed": "appointments", "agency": "PS", "rows": [{"ref": "A1", "minutes": %s}]}'
    (folder / "long-number.json").write_text(row % ("9" * 5000))
    (folder / "nan.json").write_text(row % "NaN")
    (folder / "infinity.json").write_text(row % "-Infinity")
    (folder / "huge-float.json").write_text(row % "1e999")
    (folder / "twice.json").write_text('{"feed": "people", "agency": "PS", "rows": [{"ref": "P-9", "ref": "P-10", '
                                       '"preferred_name": "Sam"}]}')
    (folder / "appointments-digits.csv").write_text(
        "ref,person,date,time,minutes,place,kind\nA-1,P-CLI-1,2027-06-10,10:00,\u00b3\u2070,Office,probation\n")
    (folder / "people-zero-width.csv").write_text("ref,preferred_name\nP-\u200b77,Sam\n")
    (folder / "people-cyrillic.csv").write_text("ref,preferred_name\n\u0420-77,Sam\n")
    (folder / "people-nul.csv").write_text("ref,preferred_name\nP-78,Sa\x00m\n")
    (folder / "services-deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (folder / "services-number.json").write_text('[{"id": "s1", "name": "Food bank", "minimum_age": ' + "1" * 5000 + "}]")


@pytest.fixture
def shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A current SQLite case file with one worker and one person on their caseload, and the hostile files."""
    url = f"sqlite:///{tmp_path / 'casefile.db'}"
    db.upgrade(url)
    engine = db.make_engine(url)
    try:
        with db.session_factory(engine)() as session:
            agency = directory.add_agency(session, SYSTEM, "Probation Service", "PS", now=NOW)
            worker = directory.add_worker(session, SYSTEM, agency.id, "Dee", "Probation officer", ref="W-CLI-1",
                                          now=NOW)
            person = directory.add_person(session, SYSTEM, "Sam", ref="P-CLI-1", now=NOW)
            staff.assign_worker(session, SYSTEM, person.id, worker.id, "Probation officer", True, now=NOW)
    finally:
        engine.dispose()
    for name in [name for name in os.environ if name.startswith("SIGNPOST_") or name == "DATABASE_URL"]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SIGNPOST_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    _hostile_files(tmp_path / "files")
    return tmp_path / "files"


def test_the_table_has_enough_cases() -> None:
    assert len(CASES) >= 40
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_bad_argument_or_setting_gets_a_plain_message_and_a_nonzero_exit(
    case: Case, shell: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    try:
        status = main(case.argv(shell))
    except SystemExit as exit_:  # argparse's own way out, as the shell sees it
        status = exit_.code if isinstance(exit_.code, int) else 1
    out, err = capsys.readouterr()
    said = out + err
    assert status != 0, said
    if case.status is not None:
        assert status == case.status, said
    assert "Traceback" not in said
    assert err.strip() or case.status == BAD_USE and out.strip(), "the failure is explained"
    assert case.says in said, said


SUBPROCESS_CASES = ("book, a time the clocks skip", "import /dev/zero", "import a JSON nested 100,000 deep",
                    "quiet hours at 25:00", "db status, a server that is not there")


@pytest.mark.parametrize("name", SUBPROCESS_CASES)
def test_the_same_through_a_real_shell_command(name: str, shell: Path) -> None:
    case = next(case for case in CASES if case.name == name)
    finished = subprocess.run([sys.executable, "-m", "bot", *case.argv(shell)], cwd=shell.parent,
                              env={**os.environ, **case.env}, capture_output=True, text=True, timeout=120)
    assert finished.returncode != 0 and "Traceback" not in finished.stderr, finished.stderr
    if case.status is not None:
        assert finished.returncode == case.status, finished.stderr
    assert case.says in finished.stdout + finished.stderr


def test_an_endless_pipe_is_refused_with_bounded_memory(shell: Path) -> None:
    """Rows without end from a pipe: refused once the row limit is passed, and memory stays bounded."""
    fifo = shell / "people-endless.csv"
    os.mkfifo(fifo)
    feeder = subprocess.Popen([sys.executable, "-c", (
        "import sys\n"
        "out = open(sys.argv[1], 'w')\n"
        "out.write('ref,preferred_name\\n')\n"
        "n = 0\n"
        "try:\n"
        "    while True:\n"
        "        out.write(f'P-END-{n},Sam\\n'); n += 1\n"
        "except BrokenPipeError:\n"
        "    pass\n"), str(fifo)], stderr=subprocess.DEVNULL)
    try:
        finished = subprocess.run(
            [sys.executable, "-c", (
                "import resource, sys\n"
                "from bot.cli import main\n"
                "status = main(['casefile', 'import', sys.argv[1], '--agency', 'PS'])\n"
                "print('peak KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
                "sys.exit(status)\n"), str(fifo)],
            cwd=REPO_ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=300)
    finally:
        feeder.kill()
        feeder.wait(timeout=10)
    assert finished.returncode == 1 and "Traceback" not in finished.stderr, finished.stderr
    assert "more than 100,000 rows" in finished.stderr
    peak_kb = int(finished.stderr.rsplit("peak KB", 1)[1].split()[0])
    print(f"endless pipe: refused at the row limit, peak RSS {peak_kb / 1024:.0f} MB")
    assert peak_kb < 1024 * 1024, "memory stayed well under 1 GB"


def test_json_feeds_over_the_limit_are_refused_before_they_are_read_whole(shell: Path) -> None:
    from casefile.importing.source import MAX_JSON_BYTES

    big = shell / "people-big.json"
    with big.open("w") as out:
        out.write('{"feed": "people", "agency": "PS", "rows": [')
        out.write(" " * (MAX_JSON_BYTES + 10))
        out.write("]}")
    status = main(["casefile", "import", str(big)])
    assert status == 1


def test_twice_json_shows_which_name(shell: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["casefile", "import", str(shell / "twice.json")]) == 1
    assert 'gives "ref" twice in one { }' in capsys.readouterr().err
    assert json.loads('{"a": 1}') == {"a": 1}  # plain JSON elsewhere is untouched
