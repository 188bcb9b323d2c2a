"""The staff console with 50,000 people in the case file, on SQLite and PostgreSQL: what each page costs
the server, and how fast it answers a busy probation office.

    .venv/bin/python -m bench.web [--only sqlite|postgresql] [--people 50000] [--requests 200] [--seconds 30]
    .venv/bin/python -m bench.web --profile [--detail] [--only sqlite|postgresql]   # where one request's time goes

Two measurements (issue 12, section 4), each printed beside its target with met or MISSED:

1. Server CPU per request, page by page, beside the sign-in page's (a template, no database) in the same
   run; target: the caseload and a person's page at most 2x the sign-in page. The CPU is read from the
   server's own processes (/proc/<pid>/stat, every thread, the worker processes included) before and
   after a batch of requests sent one at a time, so the load generator's CPU is never counted. The pages
   take turns, batch by batch, so a busy moment on the shared machine falls on all of them alike.
2. p50 and p99 latency at a fixed offered rate of 50 requests a second (open loop): requests leave on a
   fixed timetable whether or not earlier ones have answered, and each latency is counted from the time
   the request was due, so a slow answer cannot hide the ones queued behind it (no coordinated omission).
   The requests are a worker's mix: caseload, people's pages, a search and the diary. Target: p99 at
   most 50 ms on SQLite; PostgreSQL is printed beside it.

The database comes from bench/casefile.py's builders (the SQLite file is built once with bulk inserts and
kept under the temp folder, keyed by schema revision and data shape; PostgreSQL gets a throwaway database
filled by COPY and dropped at the end). A real `signpost web` serves it, with --workers processes (one
per core unless told, as the console does).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.casefile import CASELOAD, drop_postgres, postgres_database, sqlite_database
from casefile import db
from casefile.actors import SystemActor
from console import accounts
from console.security import password_hasher

OFFERED_RATE = 50.0  # requests a second: a busy probation office
TARGET_P99_MS = 50.0  # at OFFERED_RATE, on SQLite
TARGET_CPU_RATIO = 2.0  # caseload and person page, against the sign-in page
PASSWORD = "bench password for the console"
EMAIL = "bench.worker@example.org"
SECRET = "bench-secret-0123456789abcdef"
SIGNPOST = Path(sys.executable).with_name("signpost")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
BASELINE = "sign-in page"
TARGETED = ("caseload", "person page")


@dataclass(frozen=True)
class Page:
    name: str
    paths: tuple[str, ...]  # taken in turn
    signed_in: bool = True  # the sign-in page is asked for signed out: signed in, it redirects
    share: float = 1.0  # of --requests: a page that costs a hundred times more needs far fewer to measure


def console_pages(people: int) -> list[Page]:
    """The bench worker's pages (their caseload is people 1 to 60; 1 to 3 have 1, 20 and 200 appointments)."""
    caseload = min(CASELOAD, people)
    return [
        Page(BASELINE, ("/sign-in",), signed_in=False),
        Page("caseload", ("/caseload",)),
        Page("caseload search", ("/caseload?q=Person+1",)),
        Page("person page", tuple(f"/people/{pid}" for pid in range(1, caseload + 1))),
        Page("diary", ("/diary",)),
        Page("outcomes", ("/outcomes",), share=0.1),
    ]


# The open-loop mix, one request each in turn: what a worker's day asks for most. The outcomes report
# (every appointment of the agency over weeks) is asked for now and then, not 50 times a second: its CPU
# is in the table, but not in the mix.
MIX = ("caseload", "person page", "person page", "diary", "person page", "caseload search", "person page")


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
    env = {**os.environ, "DATABASE_URL": url, "SIGNPOST_WEB_SECRET": SECRET}
    server = subprocess.Popen([str(SIGNPOST), "web", "--port", str(port), "--workers", str(workers)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{base}/sign-in", timeout=2):
                return server, base
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                problem = server.stderr.read().decode() if server.stderr else ""
                raise SystemExit(f"signpost web did not start: {problem}") from None
            time.sleep(0.2)


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.terminate()  # uvicorn's supervisor stops its worker processes on SIGTERM
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        for pid in reversed(_process_tree(server.pid)):
            with contextlib.suppress(ProcessLookupError):  # it ended on its own meanwhile
                os.kill(pid, 9)
        server.wait()


def sign_in(base: str) -> str:
    """The session cookie for the bench worker."""
    with httpx.Client(base_url=base) as client:
        token = _CSRF.search(client.get("/sign-in").text).group(1)  # type: ignore[union-attr]
        response = client.post("/sign-in", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 303, response.text
        cookie = client.cookies.get("signpost_session")
        assert cookie and client.get("/caseload").status_code == 200
        return f"signpost_session={cookie}"


# -- server CPU -------------------------------------------------------------------------------------
def _process_tree(root: int) -> list[int]:
    """`root` and every process under it (uvicorn's worker processes, with --workers above 1)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parent = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # a process that ended while we looked
            children.setdefault(parent, []).append(int(entry))
    found, waiting = [], [root]
    while waiting:
        pid = waiting.pop()
        found.append(pid)
        waiting += children.get(pid, [])
    return found


def server_cpu_seconds(pids: Sequence[int]) -> float:
    """User and system CPU the server's processes have used so far, every thread counted."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime and stime: fields 14 and 15 of proc(5)
    return ticks / _CLOCK_TICKS


def cpu_per_request(base: str, pids: Sequence[int], pages: Sequence[Page], cookie: str, requests: int,
                    rounds: int = 4) -> dict[str, float]:
    """Server CPU milliseconds per request for each page: `requests` sent one at a time, in `rounds`
    batches that take turns with the other pages'."""
    spent = {page.name: 0.0 for page in pages}
    sent = {page.name: 0 for page in pages}
    clients = {True: httpx.Client(base_url=base, headers={"Cookie": cookie}, timeout=30),
               False: httpx.Client(base_url=base, timeout=30)}
    try:
        for _ in range(rounds):
            for page in pages:
                client = clients[page.signed_in]
                batch = max(1, round(requests * page.share / rounds))
                before = server_cpu_seconds(pids)
                for number in range(batch):
                    response = client.get(page.paths[(sent[page.name] + number) % len(page.paths)])
                    assert response.status_code == 200, (page.name, response.status_code)
                spent[page.name] += server_cpu_seconds(pids) - before
                sent[page.name] += batch
    finally:
        for client in clients.values():
            client.close()
    return {name: 1000 * seconds / sent[name] for name, seconds in spent.items()}


# -- latency at a fixed offered rate ------------------------------------------------------------------
def open_loop(base: str, pages: Sequence[Page], cookie: str, seconds: float,
              rate: float = OFFERED_RATE) -> tuple[dict[str, list[float]], int, float]:
    """Latencies (ms, from the time each request was due) by page, answers other than 200, and how late
    the generator itself sent (worst, ms): requests leave every 1/rate seconds whatever came back."""
    by_name = {page.name: page for page in pages}
    turns = [0] * len(MIX)

    def next_request(number: int) -> tuple[str, str]:
        which = number % len(MIX)
        page = by_name[MIX[which]]
        path = page.paths[turns[which] % len(page.paths)]
        turns[which] += 1
        return page.name, path

    async def run() -> tuple[dict[str, list[float]], int, float]:
        latencies: dict[str, list[float]] = {name: [] for name in MIX}
        bad = 0
        late = 0.0
        limits = httpx.Limits(max_connections=500, max_keepalive_connections=100)
        async with httpx.AsyncClient(base_url=base, headers={"Cookie": cookie}, limits=limits,
                                     timeout=30) as client:
            loop = asyncio.get_running_loop()

            async def one(name: str, path: str, due: float) -> None:
                nonlocal bad
                try:
                    response = await client.get(path)
                    if response.status_code != 200:
                        bad += 1
                except httpx.HTTPError:
                    bad += 1
                latencies[name].append(1000 * (loop.time() - due))

            for number in range(20):  # open the connections the run will need before timing
                await one(*next_request(number), loop.time())
            latencies = {name: [] for name in MIX}
            start = loop.time() + 0.2
            total = int(seconds * rate)
            tasks = []
            for number in range(total):
                due = start + number / rate
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                late = max(late, loop.time() - due)
                tasks.append(asyncio.create_task(one(*next_request(number), due)))
            await asyncio.gather(*tasks)
        return latencies, bad, 1000 * late

    return asyncio.run(run())


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def measure(name: str, url: str, people: int, requests: int, seconds: float, workers: int,
            p99_target: float | None) -> dict[str, Any]:
    add_bench_account(url)
    server, base = start_server(url, workers)
    pages = console_pages(people)
    try:
        cookie = sign_in(base)
        time.sleep(1)  # uvicorn's worker processes are all up
        pids = _process_tree(server.pid)
        with httpx.Client(base_url=base, headers={"Cookie": cookie}, timeout=30) as warm:
            for _ in range(4 * workers):  # every process's templates and the database's cache
                for page in pages:
                    for path in page.paths[:5]:
                        warm.get(path, headers={} if page.signed_in else {"Cookie": ""})
        load_before = os.getloadavg()[0]
        cpu = cpu_per_request(base, pids, pages, cookie, requests)
        latencies, bad, late = open_loop(base, pages, cookie, seconds)
    finally:
        stop_server(server)
    print(f"\n{name} ({workers} {'process' if workers == 1 else 'processes'}; load average before the run "
          f"{load_before:.1f} on {os.cpu_count()} cores):")
    print(f"  Server CPU per request, {requests} requests a page (the outcomes report fewer) one at a time, "
          f"against the {BASELINE}:")
    baseline = cpu[BASELINE]
    for page in pages:
        ratio = cpu[page.name] / baseline if baseline else float("inf")
        line = f"    {page.name:<18} {cpu[page.name]:7.2f} ms CPU   {ratio:5.1f}x the {BASELINE}"
        if page.name in TARGETED:
            line += f"   target at most {TARGET_CPU_RATIO:g}x: {'met' if ratio <= TARGET_CPU_RATIO else 'MISSED'}"
        print(line)
    every = [value for values in latencies.values() for value in values]
    print(f"  Latency at {OFFERED_RATE:g} requests a second offered, open loop, {seconds:g} s "
          f"({len(every)} requests, {bad} answers not 200; the generator sent at most {late:.1f} ms late):")
    for page_name, values in latencies.items():
        if values:
            print(f"    {page_name:<18} p50 {statistics.median(values):7.1f} ms   p99 {_percentile(values, 0.99):7.1f} ms"
                  f"   ({len(values)} requests)")
    p50, p99 = statistics.median(every), _percentile(every, 0.99)
    verdict = (f"target p99 at most {p99_target:g} ms: {'met' if p99 <= p99_target else 'MISSED'}"
               if p99_target is not None else f"(the {TARGET_P99_MS:g} ms target is for SQLite; printed beside it)")
    print(f"    {'all':<18} p50 {p50:7.1f} ms   p99 {p99:7.1f} ms   {verdict}")
    return {"cpu": cpu, "p50": p50, "p99": p99, "bad": bad}


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
    parser.add_argument("--requests", type=int, default=200, help="requests a page for the CPU figures (200)")
    parser.add_argument("--seconds", type=float, default=30.0, help=f"how long {OFFERED_RATE:g} a second are sent (30)")
    parser.add_argument("--profile", action="store_true",
                        help="instead, time single requests in-process (add --detail for cProfile)")
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
    print(f"Staff console, {args.people:,} people, {args.appointments:,} appointments; "
          f"{os.cpu_count()} cores, shared with the load generator and whatever else runs.")
    results: dict[str, dict[str, Any]] = {}
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory() as workdir:
            url, built = sqlite_database(args.people, args.appointments, False, Path(workdir))
            if built:
                print(f"Built the SQLite database in {built:.0f} s (kept for next time).")
            results["SQLite"] = measure("SQLite", url, args.people, args.requests, args.seconds, args.workers,
                                        TARGET_P99_MS)
    if args.only != "sqlite":
        name, url, built = postgres_database(args.people, args.appointments)
        print(f"Built the PostgreSQL database in {built:.0f} s.")
        try:
            results["PostgreSQL"] = measure("PostgreSQL", url, args.people, args.requests, args.seconds,
                                            args.workers, None)
        finally:
            drop_postgres(name)
    print("\nTargets:")
    for database, figures in results.items():
        baseline = figures["cpu"][BASELINE]
        for page in TARGETED:
            ratio = figures["cpu"][page] / baseline
            print(f"  {database}: {page} server CPU at most {TARGET_CPU_RATIO:g}x the {BASELINE}: {ratio:.1f}x, "
                  f"{'met' if ratio <= TARGET_CPU_RATIO else 'MISSED'}")
        if database == "SQLite":
            print(f"  {database}: p99 at most {TARGET_P99_MS:g} ms at {OFFERED_RATE:g} requests a second: "
                  f"{figures['p99']:.1f} ms, {'met' if figures['p99'] <= TARGET_P99_MS else 'MISSED'}")
        else:
            print(f"  {database}: p99 at {OFFERED_RATE:g} requests a second: {figures['p99']:.1f} ms "
                  f"(no target; SQLite's is {TARGET_P99_MS:g} ms)")


if __name__ == "__main__":
    main()
