"""Start-up with the database or Telegram away (issue 15 item 7): one plain line, then a retry, never a traceback.

Each command runs as a real process. serve, web and reminders run wait and then recover when what
they need comes back (a PostgreSQL database refusing connections, then allowing them; a Bot API
stand-in started on the port that was closed); chat says so once and exits 2.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.settings import REPO_ROOT
from casefile import db
from tests.support.postgres import (
    admin_connection,
    create_postgres_database,
    drop_postgres_database,
    postgres_url,
)
from tests.support.telegram_standin import TelegramStandIn

WAIT_SECONDS = 60.0
DATABASE_DOWN = "Cannot reach the database"
TELEGRAM_DOWN = "Cannot reach Telegram"
RETRYING = "Trying again in"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def closed_postgres_url() -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/signpost"


class Command:
    """`signpost ...` in its own process, its output in files we can read while it runs."""

    def __init__(self, tmp_path: Path, args: list[str], **env: str) -> None:
        self.out_path, self.err_path = tmp_path / "out.txt", tmp_path / "err.txt"
        environment = {key: value for key, value in os.environ.items()
                       if not key.startswith(("SIGNPOST_", "DATABASE_URL", "TELEGRAM_"))}
        environment.update({"SIGNPOST_DATA_DIR": str(tmp_path / "data"), "SIGNPOST_WEB_WORKERS": "1", **env})
        with self.out_path.open("wb") as out, self.err_path.open("wb") as err:
            self.process = subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=REPO_ROOT, env=environment,
                                            stdin=subprocess.DEVNULL, stdout=out, stderr=err)

    @property
    def err(self) -> str:
        return self.err_path.read_text(errors="replace")

    @property
    def out(self) -> str:
        return self.out_path.read_text(errors="replace")

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while not condition():
            if self.process.poll() is not None:
                raise AssertionError(f"stopped ({self.process.returncode}) before {what}:\n{self.err}")
            if time.monotonic() > deadline:
                raise AssertionError(f"waited {WAIT_SECONDS:g} s for {what}:\n{self.err}")
            time.sleep(0.1)

    def wait_for_err(self, text: str, count: int = 1) -> None:
        self.wait_for(lambda: self.err.count(text) >= count, f"{count} x {text!r} on stderr")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise

    def __enter__(self) -> Command:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def plain_lines(err: str, marker: str) -> list[str]:
    lines = [line for line in err.splitlines() if marker in line]
    assert lines, err
    assert "Traceback" not in err, err
    return lines


@pytest.fixture
def refusing_database() -> Iterator[tuple[str, Callable[[], None]]]:
    """A current PostgreSQL case file that refuses connections until the test calls the function given."""
    name = create_postgres_database()
    url = postgres_url(name)
    db.upgrade(url)
    with admin_connection() as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')

    def allow() -> None:
        with admin_connection() as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')

    try:
        yield url, allow
    finally:
        drop_postgres_database(name)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'signpost.db'}"
    db.upgrade(url)
    return url


@pytest.mark.postgres
def test_serve_waits_for_the_database_then_runs(tmp_path: Path, refusing_database: tuple[str, Callable[[], None]]
                                                ) -> None:
    url, allow = refusing_database
    with TelegramStandIn() as standin, Command(
        tmp_path, ["serve"], DATABASE_URL=url, TELEGRAM_BOT_TOKEN=standin.token,
        SIGNPOST_TELEGRAM_API_URL=standin.api_url,
    ) as serve:
        serve.wait_for_err(RETRYING, count=2)  # it tried, said so, and tried again
        [first, *_] = plain_lines(serve.err, DATABASE_DOWN)
        assert "is not currently accepting connections" in first and RETRYING in first
        allow()
        standin.wait_for("getUpdates", timeout=WAIT_SECONDS)  # the bot is up and polling
        assert serve.stop() == 0
        assert "Traceback" not in serve.err, serve.err


def test_serve_waits_for_telegram_then_runs(tmp_path: Path, sqlite_url: str) -> None:
    port = free_port()
    standin = TelegramStandIn(port=port)
    with Command(tmp_path, ["serve"], DATABASE_URL=sqlite_url, TELEGRAM_BOT_TOKEN=standin.token,
                 SIGNPOST_TELEGRAM_API_URL=f"http://127.0.0.1:{port}") as serve:
        serve.wait_for_err(RETRYING)
        [line, *_] = plain_lines(serve.err, TELEGRAM_DOWN)
        assert f"http://127.0.0.1:{port}" in line and standin.token not in serve.err
        with standin:
            standin.wait_for("getUpdates", timeout=WAIT_SECONDS)
            standin.push_message(77, "/start")
            assert standin.pop(77, timeout=WAIT_SECONDS).text  # it answers
            assert serve.stop() == 0
        assert "Traceback" not in serve.err, serve.err


def test_serve_with_a_wrong_token_says_so_and_exits_2(tmp_path: Path, sqlite_url: str) -> None:
    with TelegramStandIn() as standin, Command(
        tmp_path, ["serve"], DATABASE_URL=sqlite_url, TELEGRAM_BOT_TOKEN="111:wrong-token",
        SIGNPOST_TELEGRAM_API_URL=standin.api_url,
    ) as serve:
        assert serve.process.wait(timeout=WAIT_SECONDS) == 2
        assert plain_lines(serve.err, "refused the bot token")


def test_chat_with_the_database_away_says_so_in_one_line_and_exits_2(tmp_path: Path) -> None:
    with Command(tmp_path, ["chat"], DATABASE_URL=closed_postgres_url()) as chat:
        assert chat.process.wait(timeout=WAIT_SECONDS) == 2
        [line] = plain_lines(chat.err, DATABASE_DOWN)
        assert "Connection refused" in line and line.endswith("Signpost did not start.")
        assert chat.err.strip() == line


@pytest.mark.postgres
def test_web_waits_for_the_database_then_serves(tmp_path: Path, refusing_database: tuple[str, Callable[[], None]]
                                                ) -> None:
    url, allow = refusing_database
    port = free_port()
    with Command(tmp_path, ["web", "--port", str(port), "--workers", "1"], DATABASE_URL=url,
                 SIGNPOST_WEB_SECRET="a-test-secret-of-some-length") as web:
        web.wait_for_err(RETRYING)
        plain_lines(web.err, DATABASE_DOWN)
        allow()
        web.wait_for(lambda: "Staff console on" in web.out, "the console to start")

        def answers() -> bool:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return True
            except OSError:
                return False

        web.wait_for(answers, "the console to listen")
        web.stop()
        assert "Traceback" not in web.err, web.err


def test_web_with_the_database_on_a_closed_port_says_so_and_tries_again(tmp_path: Path) -> None:
    with Command(tmp_path, ["web", "--port", str(free_port())], DATABASE_URL=closed_postgres_url()) as web:
        web.wait_for_err(RETRYING, count=2)
        assert len(plain_lines(web.err, DATABASE_DOWN)) >= 2
        web.stop()
        assert "Traceback" not in web.err


def test_reminders_run_with_the_database_on_a_closed_port_says_so_and_tries_again(tmp_path: Path) -> None:
    with Command(tmp_path, ["reminders", "run"], DATABASE_URL=closed_postgres_url(),
                 TELEGRAM_BOT_TOKEN="123:abc") as run:
        run.wait_for_err(RETRYING, count=2)
        assert len(plain_lines(run.err, DATABASE_DOWN)) >= 2
        run.stop()
        assert "Traceback" not in run.err


def test_reminders_run_waits_for_telegram_then_dispatches(tmp_path: Path, sqlite_url: str) -> None:
    port = free_port()
    standin = TelegramStandIn(port=port)
    with Command(tmp_path, ["reminders", "run"], DATABASE_URL=sqlite_url, TELEGRAM_BOT_TOKEN=standin.token,
                 SIGNPOST_TELEGRAM_API_URL=f"http://127.0.0.1:{port}") as run:
        run.wait_for_err(RETRYING)
        plain_lines(run.err, TELEGRAM_DOWN)
        with standin:
            standin.wait_for("getMe", count=2, timeout=WAIT_SECONDS)  # the check, then the dispatcher's own Bot
            time.sleep(0.5)
            assert run.stop() == 0
        assert "Sent 0" in run.out
        assert "Traceback" not in run.err, run.err


def test_reminders_run_once_with_telegram_away_says_so_and_exits_1(tmp_path: Path, sqlite_url: str) -> None:
    with Command(tmp_path, ["reminders", "run", "--once"], DATABASE_URL=sqlite_url, TELEGRAM_BOT_TOKEN="123:abc",
                 SIGNPOST_TELEGRAM_API_URL=f"http://127.0.0.1:{free_port()}") as run:
        assert run.process.wait(timeout=WAIT_SECONDS) == 1
        [line] = plain_lines(run.err, TELEGRAM_DOWN)
        assert run.err.strip() == line
