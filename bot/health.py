"""/healthz: is this process fit to serve? For load balancers, container platforms and monitoring.

`health_routes(sessions)` is the one route every Signpost web server mounts: the staff console, the
webhook server of `signpost serve`, and the metrics listener (bot/metrics_listener.py). It asks the
database a cheap question (the schema version, which also says the schema is the one this code
expects), with a time limit, and answers 200 {"status": "ok", ...} or 503 with the check that failed.
The answer names checks and plain reasons only: never a person, a URL with a password, or an
error's own words (those can carry SQL parameters).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from casefile import db

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 2.0
OK = "ok"


class DatabaseCheck:
    """One schema-version read at a time, in a thread, given `timeout` seconds.

    While a check is still stuck on a database that does not answer, the next one reports that at once
    instead of starting another thread: a hung database cannot fill the process with waiting threads.
    """

    def __init__(self, sessions: sessionmaker[Session], timeout: float = TIMEOUT_SECONDS) -> None:
        self.sessions = sessions
        self.timeout = timeout
        self.expected = db.head_revision()
        self._busy = threading.Lock()

    def _ask(self) -> str:
        try:
            with self.sessions() as session:
                revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception as problem:
            log.warning("health check: the database did not answer: %s", type(problem).__name__)
            return f"cannot read the database ({type(problem).__name__})"
        finally:
            self._busy.release()
        if revision != self.expected:
            return f"the schema is {revision or 'empty'}, not {self.expected}: run signpost db upgrade"
        return OK

    async def __call__(self) -> str:
        if not self._busy.acquire(blocking=False):
            return f"the last check has not finished (more than {self.timeout:g} s)"
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[str] = loop.create_future()

        def settle(result: str) -> None:
            if not answer.done():  # a check that ran out of time has been answered already
                answer.set_result(result)

        def ask() -> None:
            result = self._ask()
            with contextlib.suppress(RuntimeError):  # the loop may have closed while the database was stuck
                loop.call_soon_threadsafe(settle, result)

        # A thread of its own, not the loop's executor: a server stopping never waits for a stuck database.
        threading.Thread(target=ask, name="signpost-health-check", daemon=True).start()
        try:
            return await asyncio.wait_for(answer, self.timeout)
        except TimeoutError:
            return f"the database did not answer within {self.timeout:g} s"


def health_routes(sessions: sessionmaker[Session], *, timeout: float = TIMEOUT_SECONDS) -> list[Route]:
    """GET /healthz: 200 when every check passes, else 503 naming the ones that failed."""
    database = DatabaseCheck(sessions, timeout)

    async def healthz(_request: Request) -> JSONResponse:
        checks = {"database": await database()}
        healthy = all(result == OK for result in checks.values())
        return JSONResponse({"status": "ok" if healthy else "failing", "checks": checks},
                            status_code=200 if healthy else 503, headers={"Cache-Control": "no-store"})

    return [Route("/healthz", healthz, methods=["GET"], name="healthz")]
