"""A lock that holds across the console's worker processes, for work that must happen one at a time.

`signpost web` may run several processes (SIGNPOST_WEB_WORKERS), so a threading.Lock only keeps out
the other threads of one process. Glossary saves check the whole folder and then write a file; two
saves at once, from any two processes, could lose one of them. This lock is an flock on a small file
in the temporary folder, named after the content folder, so every console process on the machine
that edits the same content takes the same lock. The kernel lets go of it if a process dies.
"""

from __future__ import annotations

import fcntl
import hashlib
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import IO


class ProcessLock:
    """`with lock:` — one holder at a time across threads and processes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._threads = threading.Lock()  # one holder per process first; the flock then settles the processes
        self._file: IO[bytes] | None = None

    def __enter__(self) -> ProcessLock:
        self._threads.acquire()
        try:
            handle = open(self.path, "ab")  # noqa: SIM115 - kept open while the lock is held
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            except BaseException:
                handle.close()
                raise
            self._file = handle
        except BaseException:
            self._threads.release()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        handle, self._file = self._file, None
        try:
            if handle is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
                handle.close()
        finally:
            self._threads.release()


def lock_for_content(content_dir: Path) -> ProcessLock:
    """The lock for saving into `content_dir`, shared by every process that edits that folder."""
    name = hashlib.sha256(str(Path(content_dir).resolve()).encode()).hexdigest()[:16]
    return ProcessLock(Path(tempfile.gettempdir()) / f"signpost-content-{name}.lock")
