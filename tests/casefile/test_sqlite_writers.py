"""SQLite with several writers: another PROCESS holds the write lock, and Signpost waits its turn or says plainly
that the case file is busy, with nothing half-saved and no traceback.

Before, a chat action that reads and then writes (/discreet) failed at once beside another writer, whatever the
busy timeout, because a SQLite reader cannot become a writer while someone else writes; and a writer gave up
after 5 s, so anything beside a long import ended in "database is locked".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from factories import make_person, make_worker
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import REPO_ROOT
from casefile import db, directory, people
from casefile.actors import PersonActor
from casefile.errors import CaseFileBusy
from casefile.models import Agency, Appointment, AuditEvent, Person
from tests.bot.conversation_helpers import Chat, make_case, make_conversation
from tests.support.sqlite_lock import release, write_lock_held


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'casefile.db'}"
    db.upgrade(url)
    return url


def _engine(url: str, busy_seconds: float) -> Iterator[Engine]:
    engine = db.make_engine(url, busy_seconds=busy_seconds)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def patient(sqlite_url: str) -> Iterator[Engine]:
    """An engine that waits up to 20 s for another writer: longer than any lock these tests hold."""
    yield from _engine(sqlite_url, 20)


@pytest.fixture
def impatient(sqlite_url: str) -> Iterator[Engine]:
    """An engine that waits only half a second, so a held lock outlasts its busy timeout."""
    yield from _engine(sqlite_url, 0.5)


def _linked_chat(sessions: sessionmaker[Session], chat_id: str = "4242") -> tuple[Chat, int]:
    with sessions() as session:
        case = make_case(session, name=f"Sam{chat_id}")
        person_id = case.person.id
    chat = Chat(make_conversation(sessions), chat_id)
    chat.push("/start")
    chat.push(case.code)
    assert "Your chat is now linked" in chat.text
    return chat, person_id


def _discreet(sessions: sessionmaker[Session], person_id: int) -> bool:
    with sessions() as session:
        return bool(session.scalar(select(Person.discreet).where(Person.id == person_id)))


def test_a_chat_write_that_reads_first_waits_for_another_process_to_finish(sqlite_url: str, patient: Engine) -> None:
    sessions = db.session_factory(patient)
    chat, person_id = _linked_chat(sessions)
    results: list[str] = []
    with write_lock_held(sqlite_url, 1.5):
        # /discreet reads the person's file, then writes: it must queue for the lock, not fail at once.
        worker = threading.Thread(target=lambda: results.append(chat.push("/discreet")[0].text))
        worker.start()
        worker.join(timeout=30)
    assert results and "Discreet mode is on" in results[0]
    assert _discreet(sessions, person_id) is True


def test_many_chat_writes_beside_another_writer_all_land(sqlite_url: str, patient: Engine) -> None:
    """Twelve chats each toggle /discreet five times while another process takes the lock again and again."""
    sessions = db.session_factory(patient)
    chats = [_linked_chat(sessions, chat_id=str(5000 + n)) for n in range(12)]
    stop = threading.Event()

    def other_writer() -> None:
        while not stop.is_set():
            with write_lock_held(sqlite_url, 0.3):
                pass

    replies: list[str] = []

    def toggle(chat: Chat) -> None:
        for _ in range(5):
            replies.append(chat.push("/discreet")[0].text)

    holder = threading.Thread(target=other_writer)
    holder.start()
    try:
        threads = [threading.Thread(target=toggle, args=(chat,)) for chat, _person in chats]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        stop.set()
        holder.join(timeout=30)
    assert len(replies) == 60
    assert all("Discreet mode is" in text for text in replies), [t for t in replies if "Discreet" not in t][:3]
    # Five toggles each, from off: every one of them landed, so each person ends with discreet mode on.
    assert all(_discreet(sessions, person_id) for _chat, person_id in chats)


def test_a_lock_held_past_the_busy_timeout_gives_the_busy_message_and_saves_nothing(
    sqlite_url: str, impatient: Engine,
) -> None:
    sessions = db.session_factory(impatient)
    chat, person_id = _linked_chat(sessions)
    with sessions() as session:
        audits_before = session.scalar(select(func.count()).select_from(AuditEvent))
    with write_lock_held(sqlite_url, 3):
        text = chat.push("/discreet")[0].text
        with sessions() as session, pytest.raises(CaseFileBusy) as busy:
            people.set_discreet(session, PersonActor(person_id), person_id, True)
    assert "Nothing was lost" in text and "try again" in text
    assert busy.value.message.startswith("The case file is busy, try again in a moment")
    assert _discreet(sessions, person_id) is False
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == audits_before
    # Once the other process has finished, the same action goes through.
    assert "Discreet mode is on" in chat.push("/discreet")[0].text
    assert _discreet(sessions, person_id) is True


# -- the shell beside a big import -----------------------------------------------------------------------

PEOPLE_ROWS = 20_000


def _signpost(url: str, *args: str, busy_seconds: float | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, "DATABASE_URL": url}
    if busy_seconds is not None:
        env["SIGNPOST_SQLITE_BUSY_SECONDS"] = str(busy_seconds)
    return subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=REPO_ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _caseload(sessions: sessionmaker[Session]) -> tuple[str, str]:
    with sessions() as session:
        worker = make_worker(session, ref="W-SHELL-1")
        person = make_person(session, lead=worker)
        return worker.ref or "", person.ref


def _book(url: str, worker: str, person: str, hour: int, busy_seconds: float | None = None
          ) -> subprocess.Popen[str]:
    return _signpost(url, "worker", "book", "--worker", worker, "--person", person,
                     "--at", f"2031-03-{3 + hour % 20:02d} {9 + hour % 8}:15", "--place", "Lewisham office",
                     "--kind", "probation", busy_seconds=busy_seconds)


def _people_feed(folder: Path, rows: int) -> Path:
    path = folder / "people-roll.json"
    path.write_text(json.dumps({"feed": "people", "agency": "HMPX", "agency_name": "HMP Example",
                                "rows": [{"ref": f"P-ROLL-{n:06d}", "preferred_name": f"Sam {n}"}
                                         for n in range(rows)]}))
    return path


def _count(sessions: sessionmaker[Session], model: type[Any]) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_shell_bookings_beside_a_running_import_all_go_through(
    sqlite_url: str, patient: Engine, tmp_path: Path,
) -> None:
    sessions = db.session_factory(patient)
    worker, person = _caseload(sessions)
    feed = _people_feed(tmp_path, PEOPLE_ROWS)
    people_before = _count(sessions, Person)
    importing = _signpost(sqlite_url, "casefile", "import", str(feed))
    bookings = []
    for hour in range(12):
        bookings.append(_book(sqlite_url, worker, person, hour))
        if len(bookings) % 2 == 0:  # two at a time, beside the import (a 2-core machine)
            for booking in bookings[-2:]:
                booking.wait(timeout=120)
    results = [(booking.wait(timeout=120), *booking.communicate(timeout=10)) for booking in bookings]
    out, err = importing.communicate(timeout=300)
    assert importing.returncode == 0, err
    assert f"Imported {PEOPLE_ROWS} rows" in out
    for status, booked, problem in results:
        assert status == 0 and "Traceback" not in problem, problem
        assert "Booked appointment" in booked
    assert _count(sessions, Appointment) == 12
    assert _count(sessions, Person) == people_before + PEOPLE_ROWS


def test_an_import_checks_without_the_write_lock_and_says_plainly_when_it_cannot_write(
    sqlite_url: str, patient: Engine, tmp_path: Path,
) -> None:
    sessions = db.session_factory(patient)
    feed = _people_feed(tmp_path, 50)
    with write_lock_held(sqlite_url, 300) as holder:
        # The checks read a snapshot: a dry run finishes while another process is writing.
        dry = _signpost(sqlite_url, "casefile", "import", str(feed), "--dry-run", busy_seconds=0.5)
        out, err = dry.communicate(timeout=120)
        assert dry.returncode == 0, err
        assert "Checked 50 rows: all fine" in out
        real = _signpost(sqlite_url, "casefile", "import", str(feed), busy_seconds=0.5)
        out, err = real.communicate(timeout=120)
        assert holder.poll() is None, "the other process still held the lock all along"
        release(holder)
    assert real.returncode != 0 and "Traceback" not in err
    assert "The case file is busy, try again in a moment" in err
    assert _count(sessions, Person) == 0  # nothing half-saved: not even the new agency
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Agency)) == 0


def test_a_shell_booking_that_cannot_get_the_lock_is_told_plainly_and_saves_nothing(
    sqlite_url: str, patient: Engine,
) -> None:
    sessions = db.session_factory(patient)
    worker, person = _caseload(sessions)
    with write_lock_held(sqlite_url, 300) as holder:
        booking = _book(sqlite_url, worker, person, 1, busy_seconds=0.5)
        out, err = booking.communicate(timeout=120)
        assert holder.poll() is None, "the other process still held the lock all along"
        release(holder)
    assert booking.returncode == 1, (out, err)
    assert "Traceback" not in err and "The case file is busy, try again in a moment" in err
    assert _count(sessions, Appointment) == 0
    # Then it works.
    again = _book(sqlite_url, worker, person, 1, busy_seconds=0.5)
    out, err = again.communicate(timeout=60)
    assert again.returncode == 0, err


# -- a write that lands between an import's checks and its write --------------------------------------------


def test_an_import_checks_again_when_the_case_file_changed_after_its_checks(
    engine: Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Someone adds one of the file's people between the checks (no lock) and the write: the write checks
    again, so that person counts as already there, and nothing is added twice or refused by the database."""
    from casefile.importing import import_feed, parse_json, run
    from tests.casefile.factories import NOW, POLICY, SYSTEM

    sessions = db.session_factory(engine)
    feed = parse_json(json.dumps({"feed": "people", "agency": "HMPX", "agency_name": "HMP Example",
                                  "rows": [{"ref": f"P-RACE-{n}", "preferred_name": "Sam"} for n in range(3)]}),
                      "people.json")
    write = run._write

    def meanwhile(*args: Any) -> Any:
        with sessions() as session:
            directory.add_person(session, SYSTEM, "Sam", ref="P-RACE-1", now=NOW)
        return write(*args)

    monkeypatch.setattr(run, "_write", meanwhile)
    result = import_feed(engine, feed, policy=POLICY, now=NOW)
    assert (result.new, result.unchanged) == (2, 1)
    with sessions() as session:
        refs = session.scalars(select(Person.ref).where(Person.ref.like("P-RACE-%"))).all()
    assert sorted(refs) == ["P-RACE-0", "P-RACE-1", "P-RACE-2"]
