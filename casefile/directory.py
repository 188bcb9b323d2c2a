"""Adding agencies, workers and people. Signpost's own tools only (imports, demo data, the command line).

Staff accounts come later; for now a Worker row is the staff identity, so creating one is an admin act.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from casefile.actors import Actor
from casefile.errors import InvalidInput, NotFound
from casefile.linking import ALPHABET
from casefile.models import NATIONS, Agency, Person, Worker
from casefile.people import SUPPORTED_LANGUAGES
from casefile.safe_text import checked_reference, normal_reference
from casefile.unit import unit_of_work

PERSON_REF_PREFIX = "P-"
PERSON_REF_LENGTH = 8


def new_person_ref() -> str:
    """A pseudonymous reference such as P-7KQ4MX2T: no name, no prison number."""
    return PERSON_REF_PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(PERSON_REF_LENGTH))


def add_agency(
    session: Session, actor: Actor, name: str, short_name: str, contact: str | None = None,
    *, now: datetime | None = None,
) -> Agency:
    name, short_name = _required(name, "agency name", 200), _required(short_name, "short name", 40)
    with unit_of_work(session, actor, "write.agency.add", "agency", now=now) as unit:
        unit.require_system()
        if session.scalars(select(Agency.id).where(Agency.short_name == short_name)).first() is not None:
            raise InvalidInput(f"There is already an agency called {short_name}.")
        agency = Agency(name=name, short_name=short_name, contact=(contact or "").strip() or None)
        session.add(agency)
        session.flush()
        unit.subject_id = agency.id
        return agency


def add_worker(
    session: Session,
    actor: Actor,
    agency_id: int,
    name: str,
    role: str,
    *,
    ref: str | None = None,
    helps_with: str = "",
    contact: str = "",
    hours: str = "",
    now: datetime | None = None,
) -> Worker:
    """A key worker. `role` in plain words ("Helps you find somewhere to live")."""
    name, role = _required(name, "name", 200), _required(role, "role", 200)
    with unit_of_work(session, actor, "write.worker.add", "worker", now=now) as unit:
        unit.require_system()
        if session.get(Agency, agency_id) is None:
            raise NotFound("Sorry, we could not find that agency.")
        ref = (checked_reference(ref, "worker's reference") if ref and ref.strip()
               else f"W-{secrets.token_hex(4).upper()}")
        if session.scalars(select(Worker.id).where(Worker.ref == ref)).first() is not None:
            raise InvalidInput(f"There is already a worker with the reference {ref}.")
        worker = Worker(ref=ref, agency_id=agency_id, name=name, role=role, helps_with=helps_with.strip(),
                        contact=contact.strip(), hours=hours.strip(), active=True)
        session.add(worker)
        session.flush()
        unit.subject_id = worker.id
        return worker


def add_person(
    session: Session,
    actor: Actor,
    preferred_name: str,
    *,
    language: str = "en",
    discreet: bool = False,
    ref: str | None = None,
    nation: str | None = None,
    now: datetime | None = None,
) -> Person:
    """A new person, with a pseudonymous reference made up for them unless one is given. `nation`
    ("england" or "wales") is where their probation is, when known."""
    preferred_name = _required(preferred_name, "preferred name", 100)
    if language not in SUPPORTED_LANGUAGES:
        raise InvalidInput("Signpost can talk in English, Welsh (Cymraeg) or Polish (Polski).")
    if ref is not None:
        ref = checked_reference(ref, "person's reference")
    if nation is not None and nation not in NATIONS:
        raise InvalidInput("The nation is England or Wales (england or wales), or left out when not known.")
    with unit_of_work(session, actor, "write.person.add", "person", now=now) as unit:
        unit.require_system()
        if ref is not None and session.scalars(select(Person.id).where(Person.ref == ref)).first():
            raise InvalidInput(f"There is already a person with the reference {ref}.")
        person = Person(ref=ref or new_person_ref(), preferred_name=preferred_name, language=language,
                        nation=nation, discreet=discreet, created_at=unit.now)
        session.add(person)
        session.flush()
        unit.subject_id = unit.person_id = person.id
        return person


def find_person(session: Session, ref: str) -> Person | None:
    return session.scalars(select(Person).where(Person.ref == normal_reference(ref))).first()


def find_worker(session: Session, ref: str) -> Worker | None:
    return session.scalars(select(Worker).where(Worker.ref == normal_reference(ref))).first()


def _required(value: str, what: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"Please fill in the {what}.")
    if len(value) > limit:
        raise InvalidInput(f"The {what} is too long (at most {limit} letters).")
    return value
