"""`signpost db backup PATH` and `signpost db restore PATH` (casefile/backup.py says how each works).

    signpost db backup /backups/signpost-2027-06-09.db     # SQLite: safe while Signpost runs
    signpost db backup /backups/signpost-2027-06-09.dump   # PostgreSQL: pg_dump --format=custom
    signpost db restore /backups/signpost-2027-06-09.db    # into an empty database; --force to replace one

Exit status: 0 done, 1 it could not be done (the message says why), 2 PostgreSQL's tools are not
installed (the commands to run by hand are printed instead).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError

from bot.cli.db import CommandFailed, database_url, reports_failures
from bot.settings import child_environment
from casefile import backup, db

OK, PROBLEM, NO_TOOLS = 0, 1, 2


def register(commands: argparse._SubParsersAction) -> None:
    make = commands.add_parser(
        "backup", help="Copy the database to a file, safely while Signpost runs (pg_dump for PostgreSQL).",
        description="SQLite: a consistent copy through SQLite's online backup, while Signpost goes on writing. "
        "PostgreSQL: pg_dump --format=custom (the command is printed if pg_dump is not installed).")
    make.add_argument("path", metavar="PATH", type=Path, help="the new backup file (it must not exist yet)")
    put_back = commands.add_parser(
        "restore", help="Put a backup in place of the database (stop Signpost first).",
        description="Checks the backup first. Refuses a database that has rows in it unless --force.")
    put_back.add_argument("path", metavar="PATH", type=Path, help="a file `signpost db backup` made")
    put_back.add_argument("--force", action="store_true", help="replace a database that is not empty")
    for sub in (make, put_back):
        sub.add_argument("--database-url", metavar="URL", help="use this database instead of DATABASE_URL")
    make.set_defaults(func=_backup)
    put_back.set_defaults(func=_restore)


@reports_failures
def _backup(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    url = database_url(args.database_url)
    path: Path = args.path
    try:
        if backup.is_sqlite(url):
            found = backup.backup_sqlite(url, path)
            print(f"Backed up {db.redacted_url(url)} to {path}: {found.line()}.", file=out)
            print(f"To put it back: signpost db restore {path}", file=out)
            return OK
        dump, restore = backup.pg_commands(url, path)
        if not backup.have("pg_dump"):
            print("pg_dump is not installed here (it comes with PostgreSQL's client tools). Run:", file=err)
            print(f"  {dump.shown()}", file=err)
            print(f"and to restore: {restore.shown()}", file=err)
            return NO_TOOLS
        if path.exists():
            raise backup.BackupProblem(f"{path} is there already. Choose a new file name, so no backup is overwritten.")
        backup.run_pg(dump, child_environment())
    except backup.BackupProblem as problem:
        raise CommandFailed(problem.message) from problem
    print(f"Backed up {db.redacted_url(url)} to {path} with pg_dump ({path.stat().st_size} bytes).", file=out)
    print(f"To put it back: signpost db restore {path}  (pg_restore; see the README)", file=out)
    return OK


@reports_failures
def _restore(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    url = database_url(args.database_url)
    path: Path = args.path
    try:
        if backup.is_sqlite(url):
            before, after = backup.restore_sqlite(path, url, force=args.force)
            replaced = "an empty database" if before.empty else f"what was there ({before.line()})"
            print(f"Checked {path} (integrity ok) and restored it into {db.redacted_url(url)}, "
                  f"replacing {replaced}: {after.line()}.", file=out)
            _say_if_outdated(after.revision, out)
            return OK
        _dump, restore = backup.pg_commands(url, path)
        if not backup.have("pg_restore"):
            print("pg_restore is not installed here (it comes with PostgreSQL's client tools). Run:", file=err)
            print(f"  {restore.shown()}", file=err)
            return NO_TOOLS
        items = backup.check_pg_backup(path)
        engine = db.make_engine(url)
        try:
            before = backup.contents(engine)
            if not before.empty and not args.force:
                raise backup.BackupProblem(
                    f"The database {db.redacted_url(url)} is not empty ({before.line()}). A restore replaces all of "
                    "it: stop Signpost, back up what is there, then run the restore again with --force.")
            backup.run_pg(restore, child_environment())
            after = backup.contents(engine)
        finally:
            engine.dispose()
    except backup.BackupProblem as problem:
        raise CommandFailed(problem.message) from problem
    except SQLAlchemyError as problem:
        raise CommandFailed(f"Could not open the database {db.redacted_url(url)}. Check DATABASE_URL and that the "
                            f"database server is running. ({type(problem).__name__})") from problem
    print(f"Checked {path} ({items} items) and restored it into {db.redacted_url(url)} with pg_restore: "
          f"{after.line()}.", file=out)
    _say_if_outdated(after.revision, out)
    return OK


def _say_if_outdated(revision: str | None, out: TextIO) -> None:
    if revision != db.head_revision():
        print(f"The backup's schema is {revision}; run signpost db upgrade before starting Signpost.", file=out)
