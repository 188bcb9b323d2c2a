"""Shared database fixtures: every case-file test runs on SQLite and on PostgreSQL.

`db_url` is parametrised over both. Each test session (each xdist worker) makes one SQLite file and
one fresh PostgreSQL database `signpost_test_<random>`, brings them to the current schema once,
and empties the tables before every test. With no PostgreSQL at 127.0.0.1:5432 the PostgreSQL
cases are skipped with a reason that shows in the summary, unless `CI` is set: then they fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from casefile import db
from casefile.models import Base
from tests.support.postgres import (
    POSTGRES_UNREACHABLE,
    _postgres_problem,
    create_postgres_database,
    drop_postgres_database,
    finish_dropping,
    postgres_url,
)


@pytest.fixture(scope="session")
def _engines() -> Iterator[dict[str, Engine]]:
    engines: dict[str, Engine] = {}
    yield engines
    for engine in engines.values():
        engine.dispose()


@pytest.fixture(scope="session")
def _sqlite_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("casefile") / "casefile.db"
    url = f"sqlite:///{path}"
    db.upgrade(url)
    return url


@pytest.fixture(scope="session")
def _postgresql_database(_engines: dict[str, Engine]) -> Iterator[str]:
    name = create_postgres_database()
    url = postgres_url(name)
    try:
        db.upgrade(url)
        yield url
    finally:
        engine = _engines.pop(url, None)
        if engine is not None:
            engine.dispose()
        drop_postgres_database(name)


def _cached_engine(engines: dict[str, Engine], url: str) -> Engine:
    if url not in engines:
        engines[url] = db.make_engine(url)
    return engines[url]


def empty_tables(engine: Engine) -> None:
    """Remove every row (but keep the schema and its alembic version)."""
    tables = [table.name for table in Base.metadata.sorted_tables]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, _engines: dict[str, Engine]) -> str:
    """A current-schema, empty case-file database: SQLite, then PostgreSQL."""
    url: str = request.getfixturevalue(f"_{request.param}_database")
    empty_tables(_cached_engine(_engines, url))
    return url


@pytest.fixture
def blank_url(request: pytest.FixtureRequest, tmp_path: Path, db_url: str) -> str:
    """A brand-new empty database of the same kind as `db_url` (dropped again after the test)."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'blank.db'}"
    name = create_postgres_database()
    request.addfinalizer(lambda: drop_postgres_database(name))
    return postgres_url(name)


@pytest.fixture
def engine(db_url: str, _engines: dict[str, Engine]) -> Engine:
    return _cached_engine(_engines, db_url)


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return db.session_factory(engine)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as opened:
        yield opened


def pytest_sessionfinish(session: pytest.Session) -> None:
    finish_dropping()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _postgres_problem:
        terminalreporter.write_line(f"NOTE: {POSTGRES_UNREACHABLE} ({_postgres_problem[0]})", yellow=True)
