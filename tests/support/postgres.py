"""The test PostgreSQL server: where it is, and a database of a test's own made and dropped on it.

Shared by the fixtures in tests/conftest.py and by tests that need a database nobody else uses (one that
takes the database away from everyone for a while, say).
"""

from __future__ import annotations

import os
import secrets
from concurrent.futures import Future, ThreadPoolExecutor

import psycopg
import pytest

POSTGRES_HOST = "127.0.0.1"
# Overridable only to check what happens without a server (e.g. SIGNPOST_TEST_POSTGRES_PORT=1).
POSTGRES_PORT = int(os.environ.get("SIGNPOST_TEST_POSTGRES_PORT", "5432"))
POSTGRES_USER = "postgres"
POSTGRES_UNREACHABLE = (
    f"PostgreSQL not reachable at {POSTGRES_HOST}:{POSTGRES_PORT}: PostgreSQL tests did not run"
)

_postgres_problem: list[str] = []


def admin_connection() -> psycopg.Connection:
    return psycopg.connect(
        host=POSTGRES_HOST, port=POSTGRES_PORT, user=POSTGRES_USER, dbname="postgres",
        connect_timeout=3, autocommit=True,
    )


def postgres_url(database: str) -> str:
    return f"postgresql+psycopg://{POSTGRES_USER}@{POSTGRES_HOST}:{POSTGRES_PORT}/{database}"


def create_postgres_database() -> str:
    """A new empty database; returns its name. Skips (or fails in CI) when PostgreSQL is not there."""
    name = f"signpost_test_{secrets.token_hex(6)}"
    try:
        with admin_connection() as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
            # Test data need not survive a power cut; not waiting for the disk keeps the suite quick.
            admin.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"{POSTGRES_UNREACHABLE} (CI is set, so this is an error): {exc}", pytrace=False)
        _postgres_problem.append(str(exc).strip().splitlines()[0] if str(exc).strip() else "unreachable")
        pytest.skip(POSTGRES_UNREACHABLE)
    return name


# DROP DATABASE waits for a checkpoint, which takes many seconds while other tests write: the test that
# made the database need not wait for it, so drops happen on one background thread, all finished before
# the test session ends (`finish_dropping`).
_dropper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drop-test-database")
_drops: list[Future[None]] = []


def _drop_now(name: str) -> None:
    with admin_connection() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def drop_postgres_database(name: str) -> None:
    _drops.append(_dropper.submit(_drop_now, name))


def finish_dropping() -> None:
    """Wait for every drop asked for so far; a drop that failed raises here."""
    while _drops:
        _drops.pop().result()
