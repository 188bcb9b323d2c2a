"""Shared pieces for the reminder tests: a clock we move by hand, people with linked chats, dispatch runs."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.reminders.compose import Composer
from bot.reminders.dispatcher import Dispatcher, DispatchSettings, DispatchStats
from bot.reminders.pacing import PaceLimits, Pacer
from bot.reminders.planner import Planner
from bot.reminders.sender import SendTimeouts, TelegramSender, make_bot
from bot.settings import REPO_ROOT, Settings
from casefile import directory, linking, staff
from casefile.actors import StaffActor, SystemActor
from casefile.models import Base, OutboxMessage
from casefile.reminder_rules import ReminderPolicy
from tests.support.telegram_standin import TelegramStandIn
from tests.support.telegram_standin.standin_objects import SentMessage

CONTENT = REPO_ROOT / "content"
# A fixed Wednesday morning in London (BST): 09:30 local.
NOW = datetime(2027, 6, 9, 8, 30, tzinfo=UTC)
CHEAP = linking.CodeHasher(n=2, r=1, p=1)
SYSTEM = SystemActor("tests")
T = TypeVar("T")
# The stand-in enforces no flood limits unless asked, so tests pace far faster than Telegram allows;
# the short per-chat gap still keeps one chat's messages in order, as Telegram's one a second does.
STANDIN_PACE = PaceLimits(per_second=1000.0, burst=100, per_chat_gap=0.05)


def standin_pacer() -> Pacer:
    return Pacer(STANDIN_PACE)


class Clock:
    """A clock that moves only when the test says so."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, moment: datetime) -> datetime:
        self.now = moment
        return moment


@dataclass(frozen=True)
class World:
    agency_id: int
    worker_id: int
    person_id: int
    worker_chat: int
    person_chat: int


def make_world(session: Session, *, number: int = 1, language: str = "en", discreet: bool = False,
               link_worker: bool = True, link_person: bool = True, agency_id: int | None = None) -> World:
    """An agency, a lead worker and one person on their caseload, each with a linked Telegram chat."""
    if agency_id is None:
        agency_id = directory.add_agency(session, SYSTEM, f"Probation Service {number}", f"PS{number}",
                                         now=NOW).id
    worker = directory.add_worker(session, SYSTEM, agency_id, f"Dee {number}", "Your probation officer",
                                  ref=f"W-{number}", contact="07700 900123", now=NOW)
    person = directory.add_person(session, SYSTEM, f"Sam {number}", language=language, discreet=discreet,
                                  ref=f"P-{number}", now=NOW)
    staff.assign_worker(session, SYSTEM, person.id, worker.id, "Probation officer", True, now=NOW)
    worker_chat, person_chat = 500_000 + number, 100_000 + number
    if link_worker:
        link_chat(session, worker_chat, worker_id=worker.id)
    if link_person:
        link_chat(session, person_chat, person_id=person.id)
    return World(agency_id, worker.id, person.id, worker_chat, person_chat)


def reminder_policy() -> ReminderPolicy:
    """The reminder rules the settings make from the environment (some tests set the variables)."""
    return Settings.from_env().reminder_policy


def chat_settings() -> dict[str, Any]:
    """What a Conversation is handed from the settings (as bot.app does), from the environment."""
    settings = Settings.from_env()
    return {"reminder_policy": settings.reminder_policy, "link_hasher": settings.link_hasher}


def book(session: Session, world: World, start: datetime, *, kind: str = "probation",
         place: str = "Lewisham probation office", now: datetime = NOW) -> int:
    appointment = staff.book_appointment(
        session, StaffActor(world.worker_id), world.person_id, start, 60, place, "1 High Street, SE13 0AA",
        kind, "Your letter", policy=reminder_policy(), now=now)
    return appointment.id


def link_chat(session: Session, chat_id: int | str, *, person_id: int | None = None,
              worker_id: int | None = None, now: datetime = NOW) -> None:
    """Link a Telegram chat the real way: a one-time code, redeemed."""
    code = linking.issue_link_code(session, SYSTEM, person_id=person_id, worker_id=worker_id, now=now,
                                   hasher=CHEAP)
    linking.redeem_link_code(session, "telegram", chat_id, code, now, hasher=CHEAP)


def run(awaitable: Awaitable[T], timeout: float = 60) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(awaitable, timeout)

    return asyncio.run(bounded())


@dataclass
class Dispatch:
    """Runs a real dispatcher (PTB Bot over HTTP) against the stand-in, with the test's clock."""

    sessions: sessionmaker[Session]
    standin: TelegramStandIn
    clock: Clock
    settings: DispatchSettings = DispatchSettings(batch=50, poll_seconds=0.05)
    pacer: Pacer = field(default_factory=standin_pacer)
    name: str = "test-dispatcher"
    plan: bool = False  # run the planning sweep first, as the dispatcher loop does at its start
    timeouts: SendTimeouts = SendTimeouts()
    content: Path = CONTENT  # a test that breaks templates or catalogs gives a copy of its own

    async def _once(self) -> DispatchStats:
        bot = make_bot(self.standin.token, f"http://127.0.0.1:{self.standin.port}", timeouts=self.timeouts)
        async with bot:
            sender = TelegramSender(bot, self.pacer, self.timeouts)
            composer = Composer(self.content)
            policy = reminder_policy()
            planner = Planner(self.sessions, composer.journeys, policy=policy) if self.plan else None
            dispatcher = Dispatcher(self.sessions, sender, composer, policy=policy, settings=self.settings,
                                    name=self.name, clock=self.clock, planner=planner)
            return await dispatcher.run(once=True)

    def once(self) -> DispatchStats:
        return run(self._once())


def outbox_rows(session: Session, **where: object) -> list[OutboxMessage]:
    session.rollback()  # end any open read, so rows written by the dispatcher are seen
    session.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.due_at, OutboxMessage.id)
    for name, value in where.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return list(session.scalars(query))


def due_now_in_bulk(session: Session, *, people: int, per_person: int, real_now: datetime,
                    first_chat: int = 700_000) -> list[int]:
    """people × per_person appointments, each with one reminder already due by the real clock.

    Made in one transaction (the volume tests need thousands), with the same scheduling function the
    appointment writes call. Needs SIGNPOST_REMINDER_OFFSETS=90m and quiet hours off. Returns chat ids.
    """
    from casefile import outbox
    from casefile.models import Agency, Appointment, ChatLink, Person, Worker

    booked_at = real_now - timedelta(hours=2)
    agency = Agency(name="Bulk Probation", short_name=f"BULK{first_chat}")
    session.add(agency)
    session.flush()
    worker = Worker(ref=f"W-BULK-{first_chat}", agency_id=agency.id, name="Dee", role="Probation officer")
    session.add(worker)
    persons = [Person(ref=f"P-BULK-{first_chat + n}", preferred_name=f"Sam {n}", created_at=booked_at)
               for n in range(people)]
    session.add_all(persons)
    session.flush()  # one multi-row INSERT for all the people, one for all the appointments below
    chats = [first_chat + n for n in range(people)]
    session.add_all(ChatLink(channel="telegram", chat_id=str(chat), person_id=person.id, linked_at=booked_at)
                    for chat, person in zip(chats, persons, strict=True))
    appointments = [
        (person, Appointment(
            person_id=person.id, worker_id=worker.id, starts_at=real_now + timedelta(minutes=5 + slot),
            minutes=30, place="Office", address="", kind="probation", bring="", status="booked",
            created_at=booked_at, updated_at=booked_at))
        for person in persons for slot in range(per_person)
    ]
    session.add_all(appointment for _person, appointment in appointments)
    session.flush()
    policy = reminder_policy()
    for person, appointment in appointments:
        assert outbox.schedule_appointment(session, appointment, booked_at, policy=policy, person=person)
    session.commit()
    return chats


def empty_postgres(engine: Engine) -> None:
    """Remove every row from a PostgreSQL case file (the shared fixture does this for `db_url` tests)."""
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def drain(standin: TelegramStandIn) -> list[SentMessage]:
    """Every message sent and not yet popped (a dispatch run has finished its sends when it returns)."""
    taken: list[SentMessage] = []
    while True:
        try:
            taken.append(standin.pop(timeout=0))
        except AssertionError:
            return taken
