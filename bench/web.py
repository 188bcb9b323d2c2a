"""Staff console load test: requests a second and p99 for the caseload page (60 people) and a person's
page, with 50,000 people in the case file, on SQLite and PostgreSQL, 50 requests at a time on loopback.

    .venv/bin/python -m bench.web [--only sqlite|postgresql] [--people 50000] [--seconds 10] [--workers N]
    .venv/bin/python -m bench.web --profile [--only sqlite|postgresql]   # where one request's time goes

The database comes from bench/casefile.py's builders (cached SQLite file; PostgreSQL by COPY). A real
`signpost web` serves it, with --workers processes (one per core unless told, as the console does).
The load generator is `wrk` when it is installed (apt install wrk), otherwise an asyncio httpx client;
both keep 50 connections busy for a bounded time and count. Baseline in the same run: the sign-in page (a template, no database), so the ratios show
what the case file adds. Target: p99 at most 50 ms at 50 concurrent requests.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.casefile import CASELOAD, drop_postgres, postgres_database, sqlite_database
from casefile import db
from casefile.actors import SystemActor
from console import accounts
from console.security import password_hasher

CONCURRENCY = 50
TARGET_P99_MS = 50.0
PASSWORD = "bench password for the console"
EMAIL = "bench.worker@example.org"
SIGNPOST = Path(sys.executable).with_name("signpost")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def add_bench_account(url: str) -> None:
    engine = db.make_engine(url)
    try:
        with db.session_factory(engine)() as session:
            if accounts.find_account(session, EMAIL) is not None:  # a database kept from an earlier run
                return
            accounts.add_account(session, SystemActor("bench"), EMAIL, "worker", worker_ref="W-00001",
                                 password=PASSWORD, hasher=password_hasher(), now=datetime.now(UTC))
    finally:
        engine.dispose()


def start_server(url: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "SIGNPOST_WEB_SECRET": "bench-secret-0123456789abcdef"}
    server = subprocess.Popen([str(SIGNPOST), "web", "--port", str(port), "--workers", str(workers)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/sign-in", timeout=2):
                return server, base
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                problem = server.stderr.read().decode() if server.stderr else ''
                raise SystemExit(f"signpost web did not start: {problem}") from None
            time.sleep(0.2)


def sign_in(base: str) -> str:
    """The session cookie for the bench worker (caseload: people 1 to 60)."""
    with httpx.Client(base_url=base) as client:
        token = _CSRF.search(client.get("/sign-in").text).group(1)  # type: ignore[union-attr]
        response = client.post("/sign-in", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 303, response.text
        cookie = client.cookies.get("signpost_session")
        assert cookie and client.get("/caseload").status_code == 200
        return f"signpost_session={cookie}"


_WRK_SCRIPT = """
local paths = {%(paths)s}
local headers = {%(headers)s}
local i = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) not_ok = 0 end
function request()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1], headers)
end
-- A redirect (a session that ran out) is fast and would look like success: count anything but 200.
function response(status, headers, body) if status ~= 200 then not_ok = not_ok + 1 end end
function done(summary, latency, requests)
  local bad = summary.errors.connect + summary.errors.read + summary.errors.timeout
  for _, thread in ipairs(threads) do bad = bad + thread:get("not_ok") end
  io.write(string.format("RESULT %%f %%f %%f %%d\\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, bad))
end
"""


def _wrk(base: str, paths: Sequence[str], cookie: str, seconds: float) -> tuple[float, float, float, int]:
    """(requests a second, p50 ms, p99 ms, answers other than 200) from wrk, spreading requests over `paths`."""
    script = Path(tempfile.mkdtemp()) / "paths.lua"
    script.write_text(_WRK_SCRIPT % {"paths": ", ".join(f'"{path}"' for path in paths),
                                     "headers": f'["Cookie"] = "{cookie}"' if cookie else ""})
    output = subprocess.run(["wrk", "-t2", f"-c{CONCURRENCY}", f"-d{int(seconds)}s", "--timeout", "5s",
                             "-s", str(script), base], capture_output=True, text=True, check=True).stdout
    found = re.search(r"RESULT (\S+) (\S+) (\S+) (\d+)", output)
    assert found, output
    return float(found.group(1)), float(found.group(2)), float(found.group(3)), int(found.group(4))


def _httpx(base: str, paths: Sequence[str], cookie: str, seconds: float,
           max_requests: int = 20_000) -> tuple[float, float, float, int]:
    async def run() -> tuple[float, float, float, int]:
        latencies: list[float] = []
        errors = 0
        counter = 0
        stop_at = time.perf_counter() + seconds
        limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
        headers = {"Cookie": cookie} if cookie else {}
        async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=5) as client:
            async def worker() -> None:
                nonlocal errors, counter
                while time.perf_counter() < stop_at and counter < max_requests:
                    path = paths[counter % len(paths)]
                    counter += 1
                    started = time.perf_counter()
                    try:
                        response = await client.get(path)
                        if response.status_code != 200:
                            errors += 1
                    except httpx.HTTPError:
                        errors += 1
                    latencies.append(time.perf_counter() - started)
            began = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
            elapsed = time.perf_counter() - began
        latencies.sort()
        return (len(latencies) / elapsed, 1000 * latencies[len(latencies) // 2],
                1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], errors)

    return asyncio.run(run())


def load(base: str, paths: Sequence[str], cookie: str, seconds: float) -> tuple[float, float, float, int]:
    if shutil.which("wrk"):
        return _wrk(base, paths, cookie, seconds)
    return _httpx(base, paths, cookie, seconds)


def measure(name: str, url: str, seconds: float, workers: int) -> dict[str, tuple[float, float, float, int]]:
    add_bench_account(url)
    server, base = start_server(url, workers)
    try:
        cookie = sign_in(base)
        people = [f"/people/{pid}" for pid in range(4, CASELOAD + 1)]  # 1-3 are the bench's outliers
        for _ in range(4 * workers):  # warm every process's templates and the database cache
            for path in ("/sign-in", "/caseload", people[0]):
                httpx.get(base + path, headers={"Cookie": cookie})
        load_before = os.getloadavg()[0]
        results = {
            # Without the cookie: signed in, /sign-in would look the account up and redirect.
            "baseline: sign-in page (no database)": load(base, ["/sign-in"], "", seconds),
            "caseload page (60 people)": load(base, ["/caseload"], cookie, seconds),
            "person page": load(base, people, cookie, seconds),
        }
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"\n{name} ({workers} {'process' if workers == 1 else 'processes'}, load average before the run "
          f"{load_before:.1f}):")
    baseline_p99 = next(iter(results.values()))[2]
    for page, (rps, p50, p99, errors) in results.items():
        verdict = "ok" if p99 <= TARGET_P99_MS else f"over the {TARGET_P99_MS:.0f} ms target"
        print(f"  {page:<38} {rps:8.0f} req/s   p50 {p50:7.1f} ms   p99 {p99:7.1f} ms "
              f"({p99 / baseline_p99:4.1f}x baseline)   errors {errors}   {verdict}")
    return results


# -- in-process profile: one request at a time, no HTTP server, no load generator -------------------
def _asgi_get(app: Any, path: str, cookie: str) -> tuple[int, bytes]:
    """One GET straight into the ASGI app (no server, no client library): what the console itself costs."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"127.0.0.1:8000"), (b"cookie", cookie.encode())],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "state": {}}
    _LOOP.run_until_complete(app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


_LOOP = asyncio.new_event_loop()


async def _inline(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


class _DatabaseTraffic:
    """Statements, transactions ended and connection check-outs (each one a ping on PostgreSQL)."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.counts = {"statements": 0, "transactions": 0, "checkouts": 0}

        def count(name: str) -> Callable[..., None]:
            def counted(*_args: Any, **_kwargs: Any) -> None:
                self.counts[name] += 1
            return counted

        event.listen(engine, "before_cursor_execute", count("statements"))
        event.listen(engine, "commit", count("transactions"))
        event.listen(engine, "rollback", count("transactions"))
        event.listen(engine.pool, "checkout", count("checkouts"))

    def snapshot(self) -> dict[str, int]:
        return dict(self.counts)


def profile(name: str, url: str, requests: int = 300, detail: bool = False) -> None:
    """Time the sign-in, caseload and person pages in-process, one request at a time, and say where time goes:
    wall time, this process's CPU time (less disturbed by other work on the machine), and the database
    traffic per request. With `detail`, cProfile's top functions for each page too."""
    import cProfile
    import pstats

    from bot.settings import Settings
    from console import pages
    from console.app import create_app
    from console.routes import caseload, person

    add_bench_account(url)
    settings = Settings.from_env({**os.environ, "DATABASE_URL": url,
                                  "SIGNPOST_WEB_SECRET": "bench-secret-0123456789abcdef"})
    app = create_app(settings)
    ctx = app.state.ctx
    with ctx.sessions() as session:
        account = accounts.find_account(session, EMAIL)
        assert account is not None
        account_id = account.id
    cookie = f"signpost_session={ctx.codec.dump(ctx.codec.new(account_id))}"
    # cProfile sees one thread only: run the handlers' thread-pool work inline for the profile.
    for module in (pages, caseload, person):
        module.run_in_threadpool = _inline  # type: ignore[attr-defined]
    traffic = _DatabaseTraffic(ctx.engine)
    print(f"\n{name}, in-process, {requests} requests a page one at a time (load average "
          f"{os.getloadavg()[0]:.1f}):")
    print(f"  {'page':<14} {'mean ms':>8} {'p50 ms':>8} {'CPU ms':>8} {'statements':>11} {'transactions':>13} "
          f"{'check-outs':>11}")
    pages_to_profile = {"sign-in": ["/sign-in"], "caseload": ["/caseload"],
                        "person": [f"/people/{pid}" for pid in range(4, CASELOAD + 1)]}
    for page_name, paths in pages_to_profile.items():
        sent_cookie = "" if page_name == "sign-in" else cookie  # signed in, it would redirect
        for path in paths[:3]:
            status, _ = _asgi_get(app, path, sent_cookie)
            assert status == 200, (path, status)
        timings = []
        before, cpu_before = traffic.snapshot(), time.process_time()
        for index in range(requests):
            started = time.perf_counter()
            _asgi_get(app, paths[index % len(paths)], sent_cookie)
            timings.append(time.perf_counter() - started)
        cpu = (time.process_time() - cpu_before) / requests
        after = traffic.snapshot()
        per_request = {key: (after[key] - before[key]) / requests for key in after}
        timings.sort()
        print(f"  {page_name:<14} {1000 * sum(timings) / requests:8.2f} {1000 * timings[requests // 2]:8.2f} "
              f"{1000 * cpu:8.2f} {per_request['statements']:11.1f} {per_request['transactions']:13.1f} "
              f"{per_request['checkouts']:11.1f}")
        if detail:
            profiler = cProfile.Profile()
            profiler.enable()
            for index in range(requests):
                _asgi_get(app, paths[index % len(paths)], sent_cookie)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(
                r"(console|casefile|jinja2/environment|sqlalchemy/orm/session|sqlalchemy/engine/base|psycopg/conn)"
                r".*\((render|load_|_principal|caseload|person_file|attention|build_person|commit|execute|wait|"
                r"guarded|record|_updates|_messages|_money|_pharmacy|dump|_connection_for_bind|close)", 20)
    ctx.engine.dispose()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--appointments", type=int, default=200_000)
    parser.add_argument("--seconds", type=float, default=10.0, help="how long each page is loaded (10)")
    parser.add_argument("--profile", action="store_true",
                        help="instead of the load test, time single requests in-process (add --detail for cProfile)")
    parser.add_argument("--detail", action="store_true", help="with --profile: cProfile's top functions")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="console processes (signpost web --workers; default one per core, as the console)")
    args = parser.parse_args(argv)
    if args.profile:
        if args.only != "postgresql":
            with tempfile.TemporaryDirectory() as workdir:
                url, _built = sqlite_database(args.people, args.appointments, False, Path(workdir))
                profile("SQLite", url, detail=args.detail)
        if args.only != "sqlite":
            name, url, _built = postgres_database(args.people, args.appointments)
            try:
                profile("PostgreSQL", url, detail=args.detail)
            finally:
                drop_postgres(name)
        return
    generator = "wrk" if shutil.which("wrk") else "asyncio httpx client"
    print(f"Staff console, {args.people:,} people, {args.appointments:,} appointments, {CONCURRENCY} concurrent "
          f"requests for {args.seconds:.0f} s per page ({generator}, {os.cpu_count()} cores shared with it).")
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory() as workdir:
            url, built = sqlite_database(args.people, args.appointments, False, Path(workdir))
            if built:
                print(f"Built the SQLite database in {built:.0f} s (cached for next time).")
            measure("SQLite", url, args.seconds, args.workers)
    if args.only != "sqlite":
        name, url, built = postgres_database(args.people, args.appointments)
        print(f"Built the PostgreSQL database in {built:.0f} s.")
        try:
            measure("PostgreSQL", url, args.seconds, args.workers)
        finally:
            drop_postgres(name)


if __name__ == "__main__":
    main()
