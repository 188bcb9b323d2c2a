"""Hostile text from any surface, refused once in the case file (issue 15 item 6): control characters (NUL broke
PostgreSQL writes), look-alike references (zero-width spaces, Cyrillic letters), and dates no one means.

These run on SQLite and PostgreSQL; the console, chat and shell all come through these service functions.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from factories import NOW, POLICY, SYSTEM, link_telegram, make_person, make_worker
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casefile import directory, outbox, staff
from casefile.actors import StaffActor
from casefile.errors import InvalidInput
from casefile.models import Appointment, AuditEvent, OutboxMessage, Person


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize("hostile", ["Sam\x00", "Sam\x07", "Sam\x1b[2J", "Sam\x9b", "Sam\ud800"])
def test_a_control_character_in_any_text_is_refused_plainly_and_nothing_is_saved(
    session: Session, hostile: str,
) -> None:
    worker = make_worker(session)
    person = make_person(session, lead=worker)
    link_telegram(session, person.id)
    audits = _count(session, AuditEvent)
    with pytest.raises(InvalidInput, match="place has a hidden control character"):
        staff.book_appointment(session, StaffActor(worker.id), person.id, NOW + timedelta(days=2), 60,
                               f"Office {hostile}", "", "probation", "", policy=POLICY, now=NOW)
    with pytest.raises(InvalidInput, match="body has a hidden control character"):
        outbox.queue_worker_message(session, StaffActor(worker.id), person.id, f"See you, {hostile}",
                                    policy=POLICY, now=NOW)
    with pytest.raises(InvalidInput, match="preferred name has a hidden control character"):
        directory.add_person(session, SYSTEM, hostile, ref="P-HOSTILE", now=NOW)
    assert _count(session, Appointment) == 0 and _count(session, OutboxMessage) == 0
    assert directory.find_person(session, "P-HOSTILE") is None
    assert _count(session, AuditEvent) == audits  # nothing half-saved, not even an audit row of a write


def test_tabs_and_new_lines_are_still_fine(session: Session) -> None:
    worker = make_worker(session)
    person = make_person(session, lead=worker)
    link_telegram(session, person.id)
    row = outbox.queue_worker_message(session, StaffActor(worker.id), person.id, "Hello Sam.\n\tSee you Tuesday.",
                                      policy=POLICY, now=NOW)
    assert "\n\t" in row.body


@pytest.mark.parametrize(("ref", "why"), [
    ("P-\u200b77", "invisible character"),
    ("P-77\u2060", "invisible character"),
    ("\u0420-77", "Cyrillic"),  # a Cyrillic Er, which looks like a Latin P
    ("P-7\u03bf", "Cyrillic or Greek"),  # a Greek omicron for an o
])
def test_look_alike_references_are_refused(session: Session, ref: str, why: str) -> None:
    with pytest.raises(InvalidInput, match=why):
        directory.add_person(session, SYSTEM, "Sam", ref=ref, now=NOW)
    assert _count(session, Person) == 0


def test_references_are_kept_and_found_as_people_read_them(session: Session) -> None:
    person = directory.add_person(session, SYSTEM, "Sam", ref="\uff30-\uff17\uff17", now=NOW)  # full-width P-77
    assert person.ref == "P-77"
    found = directory.find_person(session, " \uff30-77 ")
    assert found is not None and found.id == person.id


@pytest.mark.parametrize("year", [1800, 1899, 2101, 9999])
def test_appointments_out_of_all_sensible_years_are_refused(session: Session, year: int) -> None:
    worker = make_worker(session)
    person = make_person(session, lead=worker)
    start = datetime(year, 6, 1, 9, 0, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="Check the year"):
        staff.book_appointment(session, StaffActor(worker.id), person.id, start, 60, "Office", "", "probation", "",
                               policy=POLICY, now=NOW)
    assert _count(session, Appointment) == 0
