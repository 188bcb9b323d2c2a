"""Backing up the case file and putting a backup back: `signpost db backup` and `signpost db restore`.

SQLite: the online backup API (sqlite3.Connection.backup), which copies the database in one step
as one consistent snapshot while the bot and the dispatcher go on writing (in WAL mode a reader
never blocks a writer, and one step means the copy never restarts because someone wrote). The copy
is written beside the destination and renamed into place only once its integrity check passes, so
a half-written file never looks like a backup. Restoring checks the backup first, then copies it
into the database the same way.

PostgreSQL: `pg_dump --format=custom` and `pg_restore`, PostgreSQL's own tools, run with the
password (if the URL has one) in PGPASSWORD rather than on the command line, where `ps` shows it.
When they are not installed, `pg_commands` gives the exact commands to run by hand.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, column, func, inspect, select, table
from sqlalchemy.engine import make_url

from casefile.errors import CasefileError

VERSION_TABLE = "alembic_version"
BUSY_MS = 30_000


class BackupProblem(CasefileError):
    """A backup or restore that cannot go ahead; the message says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Contents:
    """What a database holds: its schema revision and each table's row count."""

    revision: str | None
    rows: Mapping[str, int]

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def empty(self) -> bool:
        return self.total_rows == 0

    def line(self) -> str:
        return f"{len(self.rows)} tables, {self.total_rows} rows, schema {self.revision or 'empty'}"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupProblem("Only a SQLite database in a file can be backed up (DATABASE_URL=sqlite:///path).")
    return Path(database).expanduser()


def contents(engine: Engine) -> Contents:
    """Row counts of every table but the schema version's, and the schema version."""
    rows: dict[str, int] = {}
    revision = None
    with engine.connect() as connection:
        for name in sorted(inspect(connection).get_table_names()):
            if name == VERSION_TABLE:
                revision = connection.execute(select(column("version_num")).select_from(table(name))).scalar()
            else:
                rows[name] = int(connection.execute(select(func.count()).select_from(table(name))).scalar() or 0)
    return Contents(revision, rows)


# -- SQLite ----------------------------------------------------------------------------------------------
def _sqlite_contents(connection: sqlite3.Connection) -> Contents:
    names = [name for (name,) in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    revision = None
    rows: dict[str, int] = {}
    for name in names:
        quoted = '"' + name.replace('"', '""') + '"'
        if name == VERSION_TABLE:
            found = connection.execute(f"SELECT version_num FROM {quoted}").fetchone()
            revision = found[0] if found else None
        else:
            rows[name] = int(connection.execute(f"SELECT COUNT(*) FROM {quoted}").fetchone()[0])
    return Contents(revision, rows)


def _integrity(connection: sqlite3.Connection) -> str:
    return "; ".join(str(row[0]) for row in connection.execute("PRAGMA integrity_check").fetchall())


def _open(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute(f"PRAGMA busy_timeout={BUSY_MS}")
    return connection


def backup_sqlite(url: str, destination: Path) -> Contents:
    """Copy the SQLite case file to `destination` (which must not exist yet), safe while Signpost runs."""
    source = sqlite_file(url)
    if not source.is_file():
        raise BackupProblem(f"There is no database at {source} to back up.")
    if destination.exists():
        raise BackupProblem(f"{destination} is there already. Choose a new file name, so no backup is overwritten.")
    if destination.resolve() == source.resolve():
        raise BackupProblem("The backup must be a different file from the database.")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with closing(_open(source)) as live, closing(sqlite3.connect(partial, isolation_level=None)) as copy:
            live.backup(copy)  # pages=-1: all in one step, one snapshot; writers carry on (WAL)
            copy.execute("PRAGMA journal_mode=DELETE")  # the backup is one self-contained file
            problems = _integrity(copy)
            if problems != "ok":
                raise BackupProblem(f"The copy failed its integrity check ({problems[:300]}); nothing was kept.")
            found = _sqlite_contents(copy)
        partial.replace(destination)
    finally:
        partial.unlink(missing_ok=True)
    return found


def check_sqlite_backup(path: Path) -> Contents:
    """A backup that is a whole, readable Signpost database; raises BackupProblem saying what is wrong."""
    if not path.is_file():
        raise BackupProblem(f"There is no backup file at {path}.")
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as backup:
            problems = _integrity(backup)
            if problems != "ok":
                raise BackupProblem(f"{path} failed its integrity check ({problems[:300]}). Use another backup.")
            found = _sqlite_contents(backup)
    except sqlite3.DatabaseError as problem:
        raise BackupProblem(f"{path} is not a SQLite database ({problem}). Use a file `signpost db backup` made.") \
            from problem
    if found.revision is None:
        raise BackupProblem(f"{path} is not a Signpost backup: it has no schema version.")
    return found


def restore_sqlite(backup: Path, url: str, *, force: bool) -> tuple[Contents, Contents]:
    """Put a checked backup in place of the SQLite case file. Returns (what was there, what is there now).

    Refuses a database that has rows in it unless `force`: a restore replaces everything.
    """
    incoming = check_sqlite_backup(backup)
    target = sqlite_file(url)
    if target.exists() and target.resolve() == backup.resolve():
        raise BackupProblem("The backup and the database are the same file.")
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(_open(target)) as live:
        before = _sqlite_contents(live)
        if not before.empty and not force:
            raise BackupProblem(
                f"The database {target} is not empty ({before.line()}). A restore replaces all of it: stop "
                "Signpost, back up what is there, then run the restore again with --force.")
        with closing(sqlite3.connect(f"file:{backup}?mode=ro", uri=True)) as source:
            source.backup(live)
        live.execute("PRAGMA journal_mode=WAL")
        problems = _integrity(live)
        if problems != "ok":  # pragma: no cover - a checked backup copied by SQLite itself
            raise BackupProblem(f"The restored database failed its integrity check ({problems[:300]}).")
        after = _sqlite_contents(live)
    if after != incoming:  # pragma: no cover - the same pages, copied
        raise BackupProblem("The restored database does not match the backup. Run the restore again.")
    return before, after


# -- PostgreSQL --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PgCommand:
    argv: list[str]
    password: str | None  # for PGPASSWORD

    def shown(self) -> str:
        """The command as an operator would type it (the password left to PGPASSWORD or ~/.pgpass)."""
        return " ".join(_shell_quote(part) for part in self.argv)


def _shell_quote(part: str) -> str:
    import shlex

    return shlex.quote(part)


def _libpq(url: str) -> tuple[str, str | None]:
    """A libpq connection URL for pg_dump and pg_restore (no driver name, no password) and the password."""
    parsed = make_url(url)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), parsed.password


def pg_commands(url: str, path: Path) -> tuple[PgCommand, PgCommand]:
    """The pg_dump that makes a backup at `path`, and the pg_restore that puts it back."""
    target, password = _libpq(url)
    dump = PgCommand(["pg_dump", "--format=custom", "--no-owner", f"--file={path}", f"--dbname={target}"], password)
    restore = PgCommand(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                         "--exit-on-error", f"--dbname={target}", str(path)], password)
    return dump, restore


def have(program: str) -> bool:
    return shutil.which(program) is not None


def run_pg(command: PgCommand, environment: Mapping[str, str]) -> None:
    """Run pg_dump or pg_restore in `environment` (the caller's, from bot/settings.py: the case file never reads
    the process's own), with the password in PGPASSWORD rather than on the command line. A failure raises
    BackupProblem with the tool's own first line."""
    env = dict(environment)
    if command.password:
        env["PGPASSWORD"] = command.password
    result = subprocess.run(command.argv, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        said = (result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])[0]
        raise BackupProblem(f"{command.argv[0]} failed: {said}")


def check_pg_backup(path: Path) -> int:
    """How many items a pg_dump archive lists; raises BackupProblem when pg_restore cannot read it."""
    if not path.is_file():
        raise BackupProblem(f"There is no backup file at {path}.")
    result = subprocess.run(["pg_restore", "--list", str(path)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        said = (result.stderr.strip().splitlines() or ["it cannot be read"])[0]
        raise BackupProblem(f"{path} is not a backup pg_restore can read ({said}).")
    return sum(1 for line in result.stdout.splitlines() if line and not line.startswith(";"))
