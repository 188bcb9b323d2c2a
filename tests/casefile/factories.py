"""Small helpers that make fictional case-file records through the real service functions."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from bot.settings import Settings
from casefile import directory, staff
from casefile.actors import SystemActor
from casefile.models import Agency, Appointment, Assignment, ChatLink, Person, Worker

SYSTEM = SystemActor("tests")
# The reminder rules an appointment write is handed: the settings' defaults (bot/settings.py).
POLICY = Settings.built_in().reminder_policy
# A fixed "now" keeps tests independent of the real clock: a Wednesday morning in London (BST).
NOW = datetime(2027, 6, 9, 8, 30, tzinfo=UTC)
_numbers = itertools.count(1)


def make_agency(session: Session, short_name: str | None = None, name: str | None = None) -> Agency:
    number = next(_numbers)
    short = short_name or f"AG{number}"
    return directory.add_agency(session, SYSTEM, name or f"Test Agency {number}", short,
                                contact="020 7946 0000", now=NOW)


def make_worker(
    session: Session,
    agency: Agency | None = None,
    name: str | None = None,
    role: str = "Helps you with your plan",
    ref: str | None = None,
) -> Worker:
    agency = agency or make_agency(session)
    number = next(_numbers)
    return directory.add_worker(
        session, SYSTEM, agency.id, name or f"Worker {number}", role,
        ref=ref or f"W-TEST-{number}", helps_with="Your plan and your appointments",
        contact="07700 900000", hours="Monday to Friday, 9am to 5pm", now=NOW,
    )


def make_person(
    session: Session,
    name: str = "Sam",
    language: str = "en",
    lead: Worker | None = None,
    stage: str | None = None,
) -> Person:
    """A person; with `lead`, that worker is their lead professional; with `stage`, a journey position."""
    person = directory.add_person(session, SYSTEM, name, language=language, now=NOW)
    if lead is not None:
        assign(session, person, lead, lead=True, role="Probation officer")
    if stage is not None:
        staff.update_journey(session, SYSTEM, person.id, None, stage=stage, now=NOW)
    return person


def assign(session: Session, person: Person, worker: Worker, lead: bool = False,
           role: str = "Key worker") -> Assignment:
    return staff.assign_worker(session, SYSTEM, person.id, worker.id, role, lead, now=NOW)


def make_appointment(
    session: Session,
    person: Person,
    worker: Worker | None = None,
    start: datetime | None = None,
    minutes: int = 60,
    place: str = "Lewisham office",
    kind: str = "probation",
) -> Appointment:
    return staff.book_appointment(
        session, SYSTEM, person.id, start or NOW + timedelta(days=1), minutes, place,
        "1 High Street, London SE13 0AA", kind, "Your letter", worker.id if worker else None, policy=POLICY, now=NOW,
    )


def link_telegram(session: Session, person_id: int, chat_id: str = "5550001") -> ChatLink:
    """The person's Telegram chat, linked as if they had sent their code (tests of what reaches a chat)."""
    link = ChatLink(channel="telegram", chat_id=chat_id, person_id=person_id, linked_at=NOW, active=True)
    session.add(link)
    session.commit()
    return link
