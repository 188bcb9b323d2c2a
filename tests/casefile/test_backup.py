"""`signpost db backup` and `signpost db restore`: a backup taken while Signpost writes restores to an equal database.

On SQLite through the online backup API; on PostgreSQL through pg_dump and pg_restore (installed with
the server the tests use). "Equal" is every table's row count and a sample of rows from each end of
every table, compared column by column.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.cli import main
from bot.settings import Settings
from casefile import db, demo, directory
from casefile.actors import SystemActor
from casefile.linking import CodeHasher
from casefile.models import Agency, AuditEvent, Base
from tests.support.postgres import create_postgres_database, drop_postgres_database, postgres_url

TODAY = date(2027, 6, 9)
NOW = datetime(2027, 6, 9, 8, 0, tzinfo=UTC)
SAMPLE = 5


def seed(sessions: sessionmaker[Session]) -> None:
    demo.seed_demo(sessions, TODAY, NOW, policy=Settings.built_in().reminder_policy, hasher=CodeHasher(n=2, r=1, p=1))


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {table.name: int(connection.execute(select(func.count()).select_from(table)).scalar() or 0)
                for table in Base.metadata.sorted_tables}


def samples(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """The first and last few rows of every table, by primary key."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            key = list(table.primary_key.columns)
            first = connection.execute(select(table).order_by(*key).limit(SAMPLE)).all()
            last = connection.execute(select(table).order_by(*(column.desc() for column in key)).limit(SAMPLE)).all()
            found[table.name] = [tuple(row) for row in [*first, *last]]
    return found


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    said = capsys.readouterr()
    return status, said.out, said.err


@pytest.fixture
def source(db_url: str) -> Iterator[Engine]:
    engine = db.make_engine(db_url)
    seed(db.session_factory(engine))
    yield engine
    engine.dispose()


class Writer(threading.Thread):
    """Adds agencies one unit of work at a time (each with its audit row) until told to stop."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(daemon=True)
        self.sessions = db.session_factory(engine)
        self.stop = threading.Event()
        self.written = 0
        self.started_writing = threading.Event()
        self.problems: list[BaseException] = []

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                with self.sessions() as session:
                    directory.add_agency(session, SystemActor("tests"), f"Agency {self.written}",
                                         f"AG{self.written}", now=NOW)
                self.written += 1
                if self.written >= 20:
                    self.started_writing.set()
        except BaseException as problem:  # the test says what stopped the writer
            self.problems.append(problem)
            self.started_writing.set()


def agencies_and_their_audit(engine: Engine) -> tuple[int, int]:
    with engine.connect() as connection:
        agencies = connection.execute(select(func.count()).select_from(Agency)).scalar()
        audited = connection.execute(select(func.count()).select_from(AuditEvent)
                                     .where(AuditEvent.action == "write.agency.add")).scalar()
    return int(agencies or 0), int(audited or 0)


def test_a_backup_taken_while_signpost_writes_restores_whole_and_a_quiet_one_restores_equal(
    source: Engine, db_url: str, blank_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    suffix = ".db" if db_url.startswith("sqlite") else ".dump"
    busy_backup, quiet_backup = tmp_path / f"busy{suffix}", tmp_path / f"quiet{suffix}"
    seeded_agencies, seeded_audit = agencies_and_their_audit(source)
    writer = Writer(source)
    writer.start()
    try:
        assert writer.started_writing.wait(30)
        before = writer.written
        status, out, err = cli(capsys, "db", "backup", str(busy_backup), "--database-url", db_url)
        after = writer.written
    finally:
        writer.stop.set()
        writer.join(30)
    assert status == 0, err
    assert writer.problems == []  # the backup never held the writer up past its busy timeout
    assert "Backed up" in out and "signpost db restore" in out

    status, out, err = cli(capsys, "db", "restore", str(busy_backup), "--database-url", blank_url)
    assert status == 0, err
    restored = db.make_engine(blank_url)
    try:
        # A snapshot of one moment: every agency written with its audit row, none half-written.
        agencies, audited = agencies_and_their_audit(restored)
        assert agencies - seeded_agencies == audited - seeded_audit
        assert before <= agencies - seeded_agencies <= after
        db.ensure_current(restored)
    finally:
        restored.dispose()

    # Nothing writing now: the restore is the same database, table by table and row by row.
    status, out, err = cli(capsys, "db", "backup", str(quiet_backup), "--database-url", db_url)
    assert status == 0, err
    status, out, err = cli(capsys, "db", "restore", str(quiet_backup), "--database-url", blank_url, "--force")
    assert status == 0, err
    assert "restored it into" in out
    restored = db.make_engine(blank_url)
    try:
        assert counts(restored) == counts(source)
        assert sum(counts(source).values()) > 200  # the demo data and the agencies: a real database
        assert samples(restored) == samples(source)
    finally:
        restored.dispose()


def test_restore_refuses_a_database_with_rows_unless_forced_and_a_backup_it_cannot_trust(
    source: Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    suffix = ".db" if db_url.startswith("sqlite") else ".dump"
    backup = tmp_path / f"backup{suffix}"
    assert cli(capsys, "db", "backup", str(backup), "--database-url", db_url)[0] == 0
    status, _out, err = cli(capsys, "db", "backup", str(backup), "--database-url", db_url)
    assert (status, "is there already" in err) == (1, True)  # a backup is never overwritten

    with db.session_factory(source)() as session:
        directory.add_agency(session, SystemActor("tests"), "Added after the backup", "LATE", now=NOW)
    rows_now = counts(source)
    status, _out, err = cli(capsys, "db", "restore", str(backup), "--database-url", db_url)
    assert status == 1
    assert "is not empty" in err and "--force" in err
    assert counts(source) == rows_now  # nothing was touched

    damaged = tmp_path / f"damaged{suffix}"
    whole = backup.read_bytes()
    damaged.write_bytes(whole[: len(whole) // 3])
    status, _out, err = cli(capsys, "db", "restore", str(damaged), "--database-url", db_url, "--force")
    assert status == 1 and err.strip()
    assert "Traceback" not in err
    assert counts(source) == rows_now

    status, out, err = cli(capsys, "db", "restore", str(backup), "--database-url", db_url, "--force")
    assert status == 0, err
    assert counts(source)["agencies"] == rows_now["agencies"] - 1  # back to the moment of the backup


@pytest.mark.postgres
def test_without_postgresqls_tools_the_commands_to_run_are_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    name = create_postgres_database()
    try:
        monkeypatch.setenv("PATH", str(tmp_path))  # pg_dump and pg_restore are not found
        status, _out, err = cli(capsys, "db", "backup", str(tmp_path / "a.dump"), "--database-url",
                                postgres_url(name))
    finally:
        drop_postgres_database(name)
    assert status == 2
    assert "pg_dump --format=custom" in err and "pg_restore --clean" in err
    assert not (tmp_path / "a.dump").exists()
