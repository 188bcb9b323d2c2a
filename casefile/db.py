"""Connecting to the case file: engines, sessions, migrations and the schema check.

`DATABASE_URL` picks the database. SQLite (the default) gets WAL, foreign keys and a busy timeout;
PostgreSQL (`postgresql+psycopg://...`) needs nothing special. Sessions are short: one per unit of work.

SQLite lets one writer in at a time. A writer waits its turn for up to the busy timeout
(SIGNPOST_SQLITE_BUSY_SECONDS), and a unit of work that reads before it writes starts as a writer
(`begin_write`), because a reader that tries to become a writer while another process writes fails
at once, whatever the timeout. A wait that runs out reaches people as CaseFileBusy, never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import ColumnElement, Engine, Integer, any_, bindparam, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Connection, CursorResult, Result, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from casefile.errors import CaseFileBusy, CasefileError, CaseFileFull, SchemaOutdated

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Long enough for any real unit of work to finish (imports hold the write lock for a short write only);
# bot/settings.py's SIGNPOST_SQLITE_BUSY_SECONDS has the same default and tunes it.
SQLITE_BUSY_SECONDS = 30.0
# Services that write set this execution option so SQLite takes the write lock at BEGIN.
# Without it two writers both start reading, and the second one fails to upgrade its lock
# with "database is locked" instead of waiting its turn and then seeing the version conflict.
WRITE_OPTION = "signpost_write"


# On the DBAPI connection's info: whether its SQLite transaction may hold the write lock (BEGIN IMMEDIATE,
# or a statement that writes).
_WRITING = "signpost_writing"
_NOT_WRITING = ("SELECT", "PRAGMA", "WITH", "EXPLAIN", "BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK")


def make_engine(url: str, *, busy_seconds: float = SQLITE_BUSY_SECONDS, **kwargs: Any) -> Engine:
    """An engine for `url`. For a SQLite file, the folder is created if it is missing.

    `busy_seconds`: how long a SQLite writer waits for another to finish (from the settings).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine, busy_seconds)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def make_coordination_engine(url: str | URL, *, connections: int = 12) -> Engine:
    """An engine for the statements processes coordinate with (casefile/send_budget.py, casefile/chat_turns.py).

    Autocommit, so a row or advisory lock is held no longer than its statement or session; a pool of its
    own, so a chat waiting its turn never takes the connection a unit of work needs; and no ping before
    each use, since these statements are many and short (a broken connection fails one and is replaced).
    """
    return create_engine(url, isolation_level="AUTOCOMMIT", pool_size=connections // 2,
                         max_overflow=connections - connections // 2)


def _configure_sqlite(engine: Engine, busy_seconds: float) -> None:
    busy_ms = max(1, int(busy_seconds * 1000))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so BEGIN is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")  # first: even switching to WAL may have to wait
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        writing = bool(connection.get_execution_options().get(WRITE_OPTION, False))
        connection.info[_WRITING] = writing
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

    @event.listens_for(engine, "before_cursor_execute")
    def _on_execute(connection: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip()[:9].upper().startswith(_NOT_WRITING):
            connection.info[_WRITING] = True


def session_factory(engine: Engine) -> sessionmaker[Session]:
    # expire_on_commit=False: views built from a session stay readable after it commits.
    return sessionmaker(bind=engine, expire_on_commit=False)


def upsert_insert(dialect_name: str) -> Any:
    """The INSERT that can say ON CONFLICT for this database: SQLite's or PostgreSQL's (both are supported)."""
    return postgresql.insert if dialect_name == "postgresql" else sqlite.insert


def among(column: Any, ids: list[int], dialect_name: str) -> ColumnElement[bool]:
    """`column IN (ids)` for thousands of ids: on PostgreSQL one array parameter (`= ANY`), which costs a
    fraction of thousands of parameters to build and send; elsewhere the plain IN."""
    if dialect_name == "postgresql":
        return column == any_(bindparam("among_ids", ids, type_=postgresql.ARRAY(Integer), unique=True))
    return column.in_(ids)


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE run through a Session touched."""
    # Session.execute is typed to return a plain Result, but for these statements SQLAlchemy hands back
    # the CursorResult that carries the count.
    return int(cast("CursorResult[Any]", result).rowcount)


def begin_write(session: Session) -> None:
    """Start the session's transaction as a writing one (matters on SQLite only).

    Call first thing in a unit of work that writes. A transaction that has only read so far (a chat
    that looked at the person's file first) is ended and a writing one started: on SQLite a reader
    cannot become a writer while another process writes. A transaction that has written already
    carries on as it is: the version checks still prevent lost updates.
    """
    if session.in_transaction():
        connection = session.connection()
        if (connection.dialect.name != "sqlite" or connection.info.get(_WRITING, True)
                or session.new or session.dirty or session.deleted):
            return
        # Nothing to lose: no change is pending, and expire_on_commit=False keeps what was read readable.
        session.commit()
    try:
        session.connection(execution_options={WRITE_OPTION: True})
    except OperationalError as error:  # another writer kept the lock past the busy timeout
        session.rollback()
        plain = casefile_error_for(error)
        if plain is None:
            raise
        raise plain from error


def casefile_error_for(error: OperationalError) -> CasefileError | None:
    """The plain-words error for a database that is busy or full, or None for any other failure."""
    cause = str(error.orig if error.orig is not None else error).lower()
    if "database is locked" in cause or "database is busy" in cause or "database table is locked" in cause:
        return CaseFileBusy()
    if "disk is full" in cause or "no space left" in cause or "could not extend file" in cause:
        return CaseFileFull()
    return None


def _alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships its migrations
        raise RuntimeError("no migrations found in casefile/migrations")
    return head


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, or None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(url_or_engine: str | Engine, revision: str = "head") -> None:
    """Bring the database to the current schema (or to `revision`)."""
    engine = make_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
    try:
        with engine.begin() as connection:
            command.upgrade(_alembic_config(connection), revision)
    finally:
        if isinstance(url_or_engine, str):
            engine.dispose()


def downgrade(url_or_engine: str | Engine, revision: str) -> None:
    engine = make_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
    try:
        with engine.begin() as connection:
            command.downgrade(_alembic_config(connection), revision)
    finally:
        if isinstance(url_or_engine, str):
            engine.dispose()


def ensure_current(engine: Engine) -> None:
    """Refuse to go on with a database whose schema is not the one this code expects."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    known = {script.revision for script in ScriptDirectory.from_config(_alembic_config()).walk_revisions()}
    if current is not None and current not in known:
        raise SchemaOutdated(
            "This database was made by a newer version of Signpost. Please update Signpost first."
        )
    raise SchemaOutdated()


def open_database(url: str, *, busy_seconds: float = SQLITE_BUSY_SECONDS) -> tuple[Engine, sessionmaker[Session]]:
    """Engine and session factory for a command to use, after checking the schema is current."""
    engine = make_engine(url, busy_seconds=busy_seconds)
    try:
        ensure_current(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine, session_factory(engine)


def redacted_url(url: str) -> str:
    """The URL with any password hidden, for messages (a URL too broken to read is not shown at all)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(a DATABASE_URL that is not a database address)"
