"""Another process that holds a SQLite database's write lock, as a second Signpost (or an import) would."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# BEGIN IMMEDIATE takes the write lock at once; the process then keeps it for the time given, or until it
# is told to let go (a line on its stdin), and commits.
_HOLDER = textwrap.dedent("""
    import select, sqlite3, sys
    connection = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=60)
    connection.execute("BEGIN IMMEDIATE")
    print("locked", flush=True)
    select.select([sys.stdin], [], [], float(sys.argv[2]))
    connection.execute("COMMIT")
    print("released", flush=True)
""")


def sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


@contextmanager
def write_lock_held(url: str, seconds: float) -> Iterator[subprocess.Popen[str]]:
    """A separate process holds the write lock of the SQLite database at `url` for `seconds`.

    The block starts once the lock is held; leaving it waits for the holder to let go. `release(holder)`
    lets go sooner.
    """
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(sqlite_path(url)), str(seconds)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        first = holder.stdout.readline().strip()
        assert first == "locked", f"the lock holder did not start: {first!r} {holder.stderr.read() if holder.stderr else ''}"
        yield holder
        holder.wait(timeout=seconds + 30)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(timeout=10)


def release(holder: subprocess.Popen[str]) -> None:
    """Tell a lock holder to commit now, and wait until it has."""
    assert holder.stdin is not None
    if holder.poll() is None:
        holder.stdin.write("go\n")
        holder.stdin.flush()
    holder.wait(timeout=30)
