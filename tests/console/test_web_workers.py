"""The console in several processes: what must hold across them, and `signpost web --workers`.

Sessions, revocation and the per-account sign-in lock live in the cookie and the database, so they
hold in every process; glossary saves take a lock that holds across processes.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from anyio import to_thread
from argon2 import PasswordHasher
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot.settings import REPO_ROOT, Settings
from casefile.actors import SystemActor
from console import accounts
from console.app import create_app
from console.locks import ProcessLock, lock_for_content
from tests.casefile.factories import NOW
from tests.console.console_helpers import PASSWORD, SECRET, seed_team

SIGNPOST = Path(sys.executable).with_name("signpost")
# Slow enough that guesses sent together really overlap while the password is checked.
OVERLAPPING_HASHER = PasswordHasher(time_cost=1, memory_cost=4096, parallelism=1)


def _all_at_once(count: int, attempt: Callable[[], Any]) -> list[Any]:
    start = threading.Barrier(count)

    def run() -> Any:
        start.wait()
        try:
            return attempt()
        except Exception as problem:  # the outcome is what the test looks at
            return problem

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda _: run(), range(count)))


def test_guesses_sent_at_once_are_each_counted_by_the_account_lock(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory() as session:
        accounts.add_account(session, SystemActor("tests"), "gus@example.org", "editor", password=PASSWORD,
                             hasher=OVERLAPPING_HASHER, now=NOW)

    def guess() -> Any:
        with session_factory() as session:
            return accounts.sign_in_with_password(session, "gus@example.org", "not the password!",
                                                  hasher=OVERLAPPING_HASHER, now=NOW)

    outcomes = _all_at_once(8, guess)
    kinds = sorted(type(outcome).__name__ for outcome in outcomes)
    # Four wrong, the fifth locks the account, the rest find it locked: no guess slipped past the count.
    assert kinds == ["AccountLocked"] * 4 + ["SignInRefused"] * 4
    with session_factory() as session, pytest.raises(accounts.AccountLocked):
        accounts.sign_in_with_password(session, "gus@example.org", PASSWORD, hasher=OVERLAPPING_HASHER, now=NOW)


def test_a_sign_in_link_opened_twice_at_once_works_once(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        account = accounts.add_account(session, SystemActor("tests"), "lin@example.org", "admin",
                                       hasher=OVERLAPPING_HASHER, now=NOW)
        token = accounts.issue_sign_in_link(session, SystemActor("tests"), account.id, now=NOW)

    def use() -> Any:
        with session_factory() as session:
            return accounts.sign_in_with_link(session, token, now=NOW)

    outcomes = _all_at_once(6, use)
    assert sum(isinstance(outcome, accounts.Principal) for outcome in outcomes) == 1
    assert sum(isinstance(outcome, accounts.SignInRefused) for outcome in outcomes) == 5


def test_the_content_lock_keeps_out_another_process(tmp_path: Path) -> None:
    lock = lock_for_content(tmp_path)
    assert lock.path == lock_for_content(tmp_path / "sub" / "..").path  # the same folder, the same lock
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from pathlib import Path
            from console.locks import ProcessLock
            with ProcessLock(Path({str(lock.path)!r})):
                print("held", flush=True)
                time.sleep(0.6)
        """)],
        stdout=subprocess.PIPE, text=True, cwd=REPO_ROOT,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        with lock:
            waited = time.monotonic() - started
    finally:
        holder.wait(timeout=10)
    assert waited > 0.3  # it waited for the other process to let go


def test_the_content_lock_lets_one_thread_in_at_a_time(tmp_path: Path) -> None:
    lock = ProcessLock(tmp_path / "one.lock")
    inside, most = 0, 0
    guard = threading.Lock()

    def work() -> None:
        nonlocal inside, most
        with lock:
            with guard:
                inside += 1
                most = max(most, inside)
            time.sleep(0.01)
            with guard:
                inside -= 1

    _all_at_once(6, work)
    assert most == 1


def test_a_running_console_follows_glossary_files_and_keeps_few_database_threads(
    _sqlite_database: str, content_copy: Path
) -> None:
    """Not about the database: SQLite only."""
    settings = Settings.from_env({"DATABASE_URL": _sqlite_database, "SIGNPOST_CONTENT_DIR": str(content_copy),
                                  "SIGNPOST_WEB_SECRET": SECRET})
    app = create_app(settings)
    glossary = app.state.ctx.glossary
    with TestClient(app) as client:  # the app is running: its glossary watches the files
        # ...and a few threads, not anyio's 40, do its database work.
        assert client.portal.call(lambda: to_thread.current_default_thread_limiter().total_tokens) == 2
        before = glossary.loads
        some_file = next((content_copy / "glossary").glob("*.yaml"))
        some_file.write_text(some_file.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        deadline = time.monotonic() + 5
        while glossary.loads == before and time.monotonic() < deadline:
            time.sleep(0.1)
        assert glossary.loads == before + 1
    assert glossary._watcher is None  # stopped with the app


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.fixture
def two_process_console(db_url: str, session_factory: sessionmaker[Session]) -> Iterator[str]:
    seed_team(session_factory)
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": db_url, "SIGNPOST_WEB_WORKERS": "2"}
    env.pop("SIGNPOST_WEB_SECRET", None)  # the processes must still agree on one
    # Its own process group, so a server that never answers is stopped with its worker processes, which
    # hold its output open.
    server = subprocess.Popen([str(SIGNPOST), "web", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # two cores shared with other work: a slow start is not a failure
    while True:
        try:
            with urllib.request.urlopen(f"{base}/sign-in", timeout=2):
                break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                os.killpg(server.pid, signal.SIGKILL)
                pytest.fail(f"signpost web did not start:\n{server.stdout.read() if server.stdout else ''}")
            time.sleep(0.2)
    workers = [pid for pid in _children(server.pid)
               if b"multiprocessing.spawn" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    try:
        assert len(workers) == 2
        yield base
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=15)
        assert "with 2 processes" in output and "Traceback" not in output


def test_two_processes_share_sessions_and_a_sign_out_ends_the_session_in_both(two_process_console: str) -> None:
    with httpx.Client(base_url=two_process_console) as lou:
        token = re.search(r'name="csrf_token" value="([^"]+)"', lou.get("/sign-in").text).group(1)  # type: ignore[union-attr]
        assert lou.post("/sign-in", data={"email": "lou@example.org", "password": PASSWORD,
                                          "csrf_token": token}).status_code == 303
        copied = lou.cookies.get("signpost_session")
        # Many requests on fresh connections land on both processes: each knows the session.
        for _ in range(12):
            with httpx.Client(base_url=two_process_console, cookies={"signpost_session": copied}) as other:
                assert other.get("/caseload").status_code == 200
        token = re.search(r'name="csrf_token" value="([^"]+)"', lou.get("/caseload").text).group(1)  # type: ignore[union-attr]
        assert "You have signed out" in lou.post("/sign-out", data={"csrf_token": token}).text
    for _ in range(12):
        with httpx.Client(base_url=two_process_console, cookies={"signpost_session": copied}) as thief:
            assert thief.get("/caseload").status_code == 303
