"""The dispatcher on SQLite under faults: another PROCESS holding the write lock for longer than the busy timeout,
and a full disk (a small tmpfs the test mounts and fills). A real `signpost reminders run` process and a stand-in
Bot API over HTTP: it logs, tries again, recovers, and every reminder goes out.

Before, the first "database is locked" or "database or disk is full" ended the dispatcher for good.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from reminder_helpers import due_now_in_bulk
from test_crash_and_concurrency import deliveries, sent_count, start_dispatcher, stop, wait_until

from casefile import db
from tests.support.sqlite_lock import release, write_lock_held
from tests.support.telegram_standin import TelegramStandIn

REMINDERS = 100
BATCH = 20


@pytest.fixture(autouse=True)
def one_due_reminder_per_appointment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNPOST_REMINDER_OFFSETS", "90m")
    monkeypatch.setenv("SIGNPOST_QUIET_HOURS", "00:00-00:00")  # equal edges: no quiet hours on the real clock
    # A short wait for the lock, so a lock held for seconds outlasts it and the dispatcher has to recover.
    monkeypatch.setenv("SIGNPOST_SQLITE_BUSY_SECONDS", "1")


def _seed(url: str) -> None:
    engine = db.make_engine(url)
    try:
        with db.session_factory(engine)() as session:
            due_now_in_bulk(session, people=REMINDERS // 5, per_person=5, real_now=datetime.now(UTC))
    finally:
        engine.dispose()


def _check_run(standin: TelegramStandIn, log: str) -> None:
    seen = deliveries(standin)
    assert len(seen) == REMINDERS  # every reminder reached its chat...
    assert sum(seen.values()) - REMINDERS <= BATCH  # ...and only those in flight at the fault went twice
    # The fault is met either by the dispatcher mid-batch, or first by its check of the sending lease (on SQLite
    # one process holds it, bot/reminders/lease.py): either way it says so plainly, waits, and carries on.
    by_dispatcher = "trying again" in log and "sending again after" in log
    by_lease_check = "could not check the sending lease (OperationalError: database" in log
    assert by_dispatcher or by_lease_check, log[-3000:]
    assert "Traceback" not in log


def test_another_process_holding_the_write_lock_stops_no_reminder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'casefile.db'}"
    db.upgrade(url)
    _seed(url)
    sessions = db.session_factory(engine := db.make_engine(url))
    try:
        with TelegramStandIn(latency=0.02) as standin:
            process = start_dispatcher(url, standin, "locked-out", lease_seconds=3, batch=BATCH)
            try:
                wait_until(lambda: len(standin.sent) >= BATCH, 60, "the first reminders to go")
                with write_lock_held(url, 300) as holder:
                    # Held for several busy timeouts: the dispatcher's writes give up, again and again.
                    time.sleep(5)
                    assert holder.poll() is None
                    release(holder)
                wait_until(lambda: sent_count(sessions) == REMINDERS, 120, "every reminder marked sent")
                assert process.poll() is None, "the dispatcher is still running"
            finally:
                log = stop(process)
            _check_run(standin, log)
        assert "The case file is busy" in log or "database is locked" in log
    finally:
        engine.dispose()


# -- a full disk ----------------------------------------------------------------------------------------------


@contextlib.contextmanager
def small_disk(folder: Path, megabytes: int = 8) -> Iterator[Path]:
    """A tmpfs of its own, mounted for this test (the sandbox runs tests as root), unmounted after."""
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(folder)],
                             capture_output=True, text=True, check=False)
    assert mounted.returncode == 0, f"this test mounts a small tmpfs and could not: {mounted.stderr.strip()}"
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> Path:
    """Write a file until the filesystem is full; deleting it frees the disk again."""
    filler = folder / "filler"
    block = b"\0" * 65536
    with filler.open("wb") as out:
        try:
            while True:
                out.write(block)
                out.flush()
        except OSError as error:
            assert error.errno == errno.ENOSPC
        with contextlib.suppress(OSError):  # the last, partly written block: keep what fitted
            out.close()
    return filler


def test_a_full_disk_while_the_dispatcher_runs_stops_no_reminder(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk") as disk:
        url = f"sqlite:///{disk / 'casefile.db'}"
        db.upgrade(url)
        # Kept open through the test, so SQLite's -wal and -shm files stay and need no space to reopen.
        keeper = sqlite3.connect(disk / "casefile.db", isolation_level=None)
        engine = db.make_engine(url)
        sessions = db.session_factory(engine)
        try:
            with TelegramStandIn(latency=0.02) as standin:
                process = start_dispatcher(url, standin, "full-disk", lease_seconds=3, batch=BATCH)
                try:
                    time.sleep(2)  # running, with nothing due yet
                    _seed(url)
                    # An empty write-ahead log: the dispatcher's next write has to grow it, and the disk is full.
                    keeper.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    filler = fill(disk)
                    wait_until(lambda: "disk is full" in _log_so_far(process), 60, "the dispatcher to hit the full disk")
                    time.sleep(3)  # a few tries against the full disk
                    filler.unlink()
                    wait_until(lambda: sent_count(sessions) == REMINDERS, 120, "every reminder marked sent")
                    assert process.poll() is None, "the dispatcher is still running"
                finally:
                    log = _stderr_seen.pop(process.pid, "") + stop(process)
                _check_run(standin, log)
        finally:
            keeper.close()
            engine.dispose()
            shutil.rmtree(disk, ignore_errors=True)


_stderr_seen: dict[int, str] = {}


def _log_so_far(process: subprocess.Popen[bytes]) -> str:
    """What the dispatcher has logged so far, read without blocking (kept for the end of the test)."""
    assert process.stderr is not None
    os.set_blocking(process.stderr.fileno(), False)
    try:
        chunk = process.stderr.read() or b""
    finally:
        os.set_blocking(process.stderr.fileno(), True)
    _stderr_seen[process.pid] = _stderr_seen.get(process.pid, "") + chunk.decode(errors="replace")
    return _stderr_seen[process.pid]
