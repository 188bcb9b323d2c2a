"""Several real Signpost processes on one PostgreSQL case file, sending as one bot to the Telegram stand-in.

Shared by tests/reminders/test_multiprocess.py (at scaled limits, so it takes seconds) and
bench/multiprocess.py (at Telegram's real 30 a second). What runs:

- `signpost serve` processes behind one webhook address: the address is ours (`WebhookFanOut`), and
  it passes each update to one of the processes, the way a reverse proxy would. One chat's updates go
  one after another (the next when the last was answered), alternately to each process; an update a
  process did not answer (it died) goes to another, as Telegram sends an update again.
- `signpost reminders run` processes, the plain dispatchers.
Each process's output goes to a log file of its own, shown when something goes wrong.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import REPO_ROOT, Settings
from casefile import outbox
from casefile.models import Agency, Appointment, ChatLink, OutboxMessage, Person, Worker
from tests.support.telegram_standin import TelegramStandIn
from tests.support.telegram_standin.standin_limits import RateLimits

SECRET = "multiprocess-secret"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Reminders are due now by the real clock: one 90 minutes before appointments booked for minutes from now.
REMINDER_ENV = {"SIGNPOST_REMINDER_OFFSETS": "90m", "SIGNPOST_QUIET_HOURS": "00:00-00:00"}


@dataclass(frozen=True)
class Limits:
    """Telegram's limits, or a multiple of them (the stand-in's and the processes' alike)."""

    overall: int = 30
    per_chat: int = 1

    @property
    def send_per_second(self) -> float:
        return self.overall * 29.5 / 30  # the default margin under the limit, scaled

    def standin(self) -> RateLimits:
        return RateLimits(overall_per_second=self.overall, per_chat_per_second=self.per_chat)

    def env(self) -> dict[str, str]:
        return {"SIGNPOST_TELEGRAM_LIMITS": f"{self.overall},{self.per_chat}",
                "SIGNPOST_SEND_PER_SECOND": f"{self.send_per_second:g}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    port: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram"

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """kill -9: no clean stop, no lease given back, whatever was in flight is in flight."""
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(10)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(30)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(10)


@dataclass
class Fleet:
    """The processes of one run, started with one environment."""

    url: str
    standin: TelegramStandIn
    folder: Path
    limits: Limits
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: list[Process] = field(default_factory=list)
    webhook_address: str = field(default_factory=lambda: f"http://127.0.0.1:{free_port()}/telegram")

    def env(self, **more: str) -> dict[str, str]:
        return {**os.environ, "DATABASE_URL": self.url, "SIGNPOST_DATA_DIR": str(self.folder / "data"),
                "TELEGRAM_BOT_TOKEN": self.standin.token, "SIGNPOST_TELEGRAM_API_URL": self.standin.api_url,
                "SIGNPOST_WEBHOOK_SECRET": SECRET, "PYTHONPATH": str(REPO_ROOT), **REMINDER_ENV,
                **self.limits.env(), **self.extra_env, **more}

    def _start(self, name: str, args: Sequence[str], env: dict[str, str], port: int | None = None) -> Process:
        log = self.folder / f"{name}.log"
        with log.open("wb") as out:
            popen = subprocess.Popen([sys.executable, "-m", "bot", *args], env=env, stdout=out,
                                     stderr=subprocess.STDOUT, cwd=REPO_ROOT)
        process = Process(name, popen, log, port)
        self.processes.append(process)
        return process

    def serve(self, name: str) -> Process:
        """A `signpost serve` on a port of its own; Telegram is told the one webhook address."""
        port = free_port()
        env = self.env(SIGNPOST_WEBHOOK_URL=self.webhook_address, SIGNPOST_WEBHOOK_LISTEN=f"127.0.0.1:{port}")
        return self._start(name, ["serve"], env, port)

    def dispatcher(self, name: str) -> Process:
        return self._start(name, ["reminders", "run", "--name", name], self.env())

    def wait_listening(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        for process in self.processes:
            if process.port is None:
                continue
            while True:
                if process.popen.poll() is not None:
                    raise AssertionError(f"{process.name} stopped at start:\n{process.output()[-3000:]}")
                try:
                    with socket.create_connection(("127.0.0.1", process.port), timeout=0.5):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise AssertionError(f"{process.name} never listened:\n{process.output()[-3000:]}") from None
                    time.sleep(0.2)

    def stop(self) -> None:
        for process in self.processes:
            process.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name} ---\n{p.output()[-4000:]}" for p in self.processes)


def due_reminders(sessions: sessionmaker[Session], *, people: int, per_person: int, first_chat: int) -> list[int]:
    """people x per_person appointments minutes from now, each with one reminder due now. Returns chat ids."""
    policy = Settings.from_env(REMINDER_ENV).reminder_policy
    now = datetime.now(UTC)
    booked_at = now - timedelta(hours=2)
    with sessions() as session:
        agency = Agency(name="Multiprocess Probation", short_name=f"MP{first_chat}")
        session.add(agency)
        session.flush()
        worker = Worker(ref=f"W-MP-{first_chat}", agency_id=agency.id, name="Dee", role="Probation officer")
        session.add(worker)
        persons = [Person(ref=f"P-MP-{first_chat + n}", preferred_name=f"Sam {n}", created_at=booked_at)
                   for n in range(people)]
        session.add_all(persons)
        session.flush()
        chats = [first_chat + n for n in range(people)]
        session.add_all(ChatLink(channel="telegram", chat_id=str(chat), person_id=person.id, linked_at=booked_at)
                        for chat, person in zip(chats, persons, strict=True))
        booked = [(person, Appointment(
            person_id=person.id, worker_id=worker.id, starts_at=now + timedelta(minutes=5 + slot), minutes=30,
            place="Office", address="", kind="probation", bring="", status="booked", created_at=booked_at,
            updated_at=booked_at)) for person in persons for slot in range(per_person)]
        session.add_all(appointment for _person, appointment in booked)
        session.flush()
        for person, appointment in booked:
            assert outbox.schedule_appointment(session, appointment, booked_at, policy=policy, person=person)
        session.commit()
    return chats


def outbox_states(sessions: sessionmaker[Session]) -> Counter[str]:
    """The states of the reminders `due_reminders` made (other rows, a test's own booking say, left out)."""
    theirs = select(Person.id).where(Person.ref.like("P-MP-%"))
    with sessions() as session:
        return Counter(dict(session.execute(
            select(OutboxMessage.state, func.count()).where(OutboxMessage.person_id.in_(theirs.scalar_subquery()))
            .group_by(OutboxMessage.state)).all()))


def claimed_by_process(sessions: sessionmaker[Session], pid: int) -> int:
    """Rows a process had claimed and not marked: in flight when it was killed."""
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.state == outbox.CLAIMED, OutboxMessage.claimed_by.like(f"%:{pid}:%"))) or 0)


def sends_by_chat(standin: TelegramStandIn, chats: Iterable[int]) -> Counter[int]:
    """Messages Telegram took, by chat, for `chats`."""
    wanted = set(chats)
    counted: Counter[int] = Counter()
    for call in standin.calls_to("sendMessage"):
        if call.ok:
            chat = int(call.params["chat_id"])
            if chat in wanted:
                counted[chat] += 1
    return counted


def lost_and_copies(got: Counter[int], expected: dict[int, int]) -> tuple[int, int]:
    lost = sum(max(0, want - got.get(chat, 0)) for chat, want in expected.items())
    copies = sum(max(0, got.get(chat, 0) - want) for chat, want in expected.items())
    return lost, copies


class WebhookFanOut:
    """The one webhook address in front of several `signpost serve` processes, as a reverse proxy is.

    Each chat's updates go one after another (the next once the last was answered), to the processes in
    turn: chat-by-chat alternation, so consecutive updates of one chat reach different processes. An
    update a process does not answer (refused, dropped, 5xx) goes to the next process, as Telegram sends
    it again. Counts what was in flight at a process when it went away.
    """

    def __init__(self, processes: Sequence[Process]) -> None:
        self.processes = list(processes)
        self.gone: set[str] = set()
        self.in_flight: Counter[str] = Counter()
        self.in_flight_when_gone = 0
        self.retried = 0
        self.client = httpx.AsyncClient(timeout=120.0, limits=httpx.Limits(max_connections=400))

    def went_away(self, process: Process) -> None:
        self.in_flight_when_gone += self.in_flight[process.name]
        self.gone.add(process.name)

    async def deliver(self, update: dict[str, Any], turn: int) -> str:
        """Delivers one update, first to process `turn` (mod the number); the process that answered."""
        for attempt in range(len(self.processes) * 20):
            process = self.processes[(turn + attempt) % len(self.processes)]
            if process.name in self.gone:
                continue
            self.in_flight[process.name] += 1
            try:
                response = await self.client.post(process.url, json=update, headers={SECRET_HEADER: SECRET})
            except httpx.HTTPError:
                response = None
            finally:
                self.in_flight[process.name] -= 1
            if response is not None and response.status_code == 200:
                return process.name
            self.retried += 1
            await asyncio.sleep(0.2)
        raise AssertionError(f"no process answered update {update['update_id']}")

    async def chat(self, updates: Sequence[dict[str, Any]], first_turn: int) -> list[str]:
        return [await self.deliver(update, first_turn + n) for n, update in enumerate(updates)]

    async def close(self) -> None:
        await self.client.aclose()


@dataclass(frozen=True)
class LoadResult:
    """What a load run sent, and what of it was lost or sent twice."""

    sent: int
    seconds: float
    count_429: int
    reminders: int
    replies: int
    reminder_lost: int
    reminder_copies: int
    rows_in_flight: int  # claimed by the killed process and not marked when it died
    reply_lost: int
    reply_copies: int
    updates_in_flight: int  # at the killed process when it died
    per_update: int  # messages one "/start" is answered with

    @property
    def per_second(self) -> float:
        return self.sent / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        return (f"{self.sent} sent in {self.seconds:.1f} s ({self.per_second:.1f} a second), 429s: "
                f"{self.count_429}; reminders {self.reminders}: lost {self.reminder_lost}, copies "
                f"{self.reminder_copies} (in flight at the kill: {self.rows_in_flight}); replies {self.replies}: "
                f"lost {self.reply_lost}, copies {self.reply_copies} (updates in flight at the kill: "
                f"{self.updates_in_flight}, {self.per_update} message(s) each)")


async def run_load(fleet: Fleet, sessions: sessionmaker[Session], *, people: int, per_person: int,
                   reply_chats: int, per_chat: int, kill: Process | None, kill_at: float = 0.4,
                   first_chat: int = 700_000, most_seconds: float = 600.0) -> LoadResult:
    """people x per_person reminders due now and reply_chats x per_chat "/start" updates through the
    webhook fan-out; `kill` is killed (-9) once `kill_at` of the messages expected have gone."""
    standin = fleet.standin
    serving = [p for p in fleet.processes if p.port is not None]
    reminder_chats = due_reminders(sessions, people=people, per_person=per_person, first_chat=first_chat)
    calibration, chats = first_chat + people, [first_chat + people + 1 + n for n in range(reply_chats)]
    fan = WebhookFanOut(serving)
    in_flight_rows = 0
    try:
        await fan.deliver(standin.message_update(calibration, "/start"), 0)
        per_update = sends_by_chat(standin, [calibration])[calibration]
        expected = people * per_person + (reply_chats * per_chat + 1) * per_update
        deliveries = asyncio.gather(*(
            fan.chat([standin.message_update(chat, "/start") for _ in range(per_chat)], n)
            for n, chat in enumerate(chats)))
        deadline = time.monotonic() + most_seconds
        if kill is not None:
            while standin.call_count < expected * kill_at:
                assert time.monotonic() < deadline, "the run did not get far enough to kill a process"
                await asyncio.sleep(0.1)
            fan.went_away(kill)
            kill.kill()
            in_flight_rows = claimed_by_process(sessions, kill.popen.pid)
        await deliveries
        while set(outbox_states(sessions)) - {"sent"}:
            assert time.monotonic() < deadline, f"reminders left unsent: {outbox_states(sessions)}"
            await asyncio.sleep(0.5)
    finally:
        await fan.close()
    sends = [call for call in standin.calls_to("sendMessage") if call.ok]
    reminder_lost, reminder_copies = lost_and_copies(sends_by_chat(standin, reminder_chats),
                                                     dict.fromkeys(reminder_chats, per_person))
    reply_lost, reply_copies = lost_and_copies(sends_by_chat(standin, chats),
                                               dict.fromkeys(chats, per_chat * per_update))
    return LoadResult(
        sent=len(sends), seconds=max(c.at for c in sends) - min(c.at for c in sends), count_429=standin.count_429,
        reminders=people * per_person, replies=reply_chats * per_chat, reminder_lost=reminder_lost,
        reminder_copies=reminder_copies, rows_in_flight=in_flight_rows, reply_lost=reply_lost,
        reply_copies=reply_copies, updates_in_flight=fan.in_flight_when_gone, per_update=per_update)


def refusals(standin: TelegramStandIn) -> tuple[int, int, float]:
    """The 429s: how many came within a second of the chat's last message (the per-chat limit), how many
    did not (the overall limit), and the shortest gap seen between two messages taken by one chat."""
    last_to: dict[int, float] = {}
    per_chat = overall = 0
    shortest = float("inf")
    for call in standin.calls_to("sendMessage"):
        chat = int(call.params["chat_id"])
        if call.status == 429:
            if call.at - last_to.get(chat, float("-inf")) < 1.0:
                per_chat += 1
            else:
                overall += 1
        elif call.ok:
            shortest = min(shortest, call.at - last_to.get(chat, float("-inf")))
            last_to[chat] = call.at
    return per_chat, overall, shortest
