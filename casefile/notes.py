"""Case notes: a worker's short notes on a person's file, for the person's team.

The whole current team reads them, as it reads the appointments; each note says who wrote it and for which
agency. A note reaches the person only when the worker marks it shared: then it is also a case update
the chat tells them about. Every write and every read is audited.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from casefile import audit
from casefile.actors import StaffActor
from casefile.errors import InvalidInput
from casefile.models import Agency, CaseNote, Worker
from casefile.unit import unit_of_work

NOTE_LIMIT = 1000


@dataclass(frozen=True)
class NoteView:
    id: int
    text: str
    shared: bool
    created_at: datetime
    worker_name: str | None
    agency_short_name: str | None


def add_note(session: Session, actor: StaffActor, person_id: int, text: str, *, shared: bool = False,
             now: datetime | None = None) -> CaseNote:
    """A note on the file of someone on the worker's caseload. Refused (and audited) otherwise."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput("Please write the note.")
    if len(text) > NOTE_LIMIT:
        raise InvalidInput(f"The note is too long (at most {NOTE_LIMIT} letters). Keep notes short.")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        raise InvalidInput("The note has a hidden control character in it. Please type it again.")
    with unit_of_work(session, actor, "write.case_note", "case_note", now=now) as unit:
        unit.require_person(person_id)
        worker = unit.worker
        note = CaseNote(person_id=person_id, worker_id=worker.id if worker else None,
                        agency_id=worker.agency_id if worker else None, text=text, shared=shared,
                        created_at=unit.now)
        session.add(note)
        session.flush()
        unit.subject_id = note.id
        # On the file that a note was written; its words only for the person when it is shared with them.
        unit.record_change("note.added", "case_note", note.id, {}, {"shared": shared},
                           summary=text if shared else "", tell_person=shared)
        return note


def notes_for(session: Session, actor: StaffActor, person_id: int, now: datetime, *, limit: int = 50
              ) -> list[NoteView]:
    """The newest notes on a person's file, for someone on their team. Audited."""
    with unit_of_work(session, actor, "read.case_notes", "person", now=now, write=False,
                      audit_success=False) as unit:
        unit.require_person(person_id)
        unit.subject_id = person_id
        found = read_notes(session, person_id, limit=limit)
        audit.record_read(session, actor, "read.case_notes", "person", subject_id=person_id, person_id=person_id,
                          now=unit.now)
        return found


def read_notes(session: Session, person_id: int, *, limit: int = 50) -> list[NoteView]:
    """The notes themselves, newest first, with no check and no audit: for a caller that has checked the
    reader is on the team and records the read as "read.case_notes" (as `notes_for` does)."""
    rows = session.connection().execute(_NOTES, {"person_id": person_id, "limit": limit}).all()
    return [NoteView(*row) for row in rows]


_NOTES = (
    select(CaseNote.id, CaseNote.text, CaseNote.shared, CaseNote.created_at, Worker.name, Agency.short_name)
    .outerjoin(Worker, Worker.id == CaseNote.worker_id)
    .outerjoin(Agency, Agency.id == CaseNote.agency_id)
    .where(CaseNote.person_id == bindparam("person_id"))
    .order_by(CaseNote.created_at.desc(), CaseNote.id.desc()).limit(bindparam("limit"))
)
