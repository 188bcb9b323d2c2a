"""What every feed handler shares: problems, planned rows, the import context and bulk look-ups."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from casefile.actors import SystemActor
from casefile.errors import CasefileError
from casefile.importing.bulk import rows_where_in
from casefile.models import Agency, Person, Worker
from casefile.reminder_rules import ReminderPolicy

NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong. `row` is None for the file as a whole."""

    row: int | None
    message: str

    def __str__(self) -> str:
        return self.message if self.row is None else f"row {self.row}: {self.message}"


class ImportRefused(CasefileError):
    """Nothing was imported. `problems` lists every bad row, in row order."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = sorted(problems, key=lambda problem: (problem.row is not None, problem.row or 0))
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"The file was not imported, because it has {count} {noun}. Nothing was saved.")


@dataclass(frozen=True)
class Refusal:
    """Why a row cannot be applied, found when comparing it with what the case file holds."""

    message: str


@dataclass
class Planned:
    """A row that passed every check, and what importing it will do."""

    row: int
    action: str  # NEW, CHANGED or UNCHANGED
    values: dict[str, Any]
    existing: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


Rows = Sequence[tuple[int, dict[str, Any]]]  # (row number, values read) for the rows that passed
PlanResult = tuple[list[Problem], list[Planned]]


@dataclass
class ImportContext:
    session: Session  # joined to `connection`'s transaction: a service's commit is only a savepoint
    connection: Connection
    actor: SystemActor
    agency_id: int
    agency_short_name: str
    now: datetime
    policy: ReminderPolicy  # when imported appointments' reminders go (from the settings)

    @property
    def today(self) -> date:
        return self.now.date()


@dataclass(frozen=True)
class PersonKey:
    id: int
    closed: bool


@dataclass(frozen=True)
class WorkerKey:
    id: int
    agency_id: int
    agency_short_name: str
    active: bool


def people_by_ref(connection: Connection, refs: Iterable[str]) -> dict[str, PersonKey]:
    rows = rows_where_in(connection, (Person.ref, Person.id, Person.closed_at), Person.ref, refs)
    return {ref: PersonKey(person_id, closed_at is not None) for ref, person_id, closed_at in rows}


def workers_by_ref(connection: Connection, refs: Iterable[str]) -> dict[str, WorkerKey]:
    agency_name = select(Agency.short_name).where(Agency.id == Worker.agency_id).scalar_subquery()
    columns = (Worker.ref, Worker.id, Worker.agency_id, agency_name, Worker.active)
    rows = rows_where_in(connection, columns, Worker.ref, refs)
    return {ref: WorkerKey(worker_id, agency_id, short_name, bool(active))
            for ref, worker_id, agency_id, short_name, active in rows}


def unknown_person(ref: str) -> str:
    return f'no person with reference "{ref}". Check the reference, or add the person first.'


def closed_person(ref: str) -> str:
    return f'the file for "{ref}" is closed, so nothing can be added to it.'


def unknown_worker(ref: str) -> str:
    return f'no worker with reference "{ref}". Check the reference, or import the workers first.'


def person_problem(people: dict[str, PersonKey], ref: str) -> str | None:
    """Why rows for this person cannot be imported, or None if they can."""
    person = people.get(ref)
    if person is None:
        return unknown_person(ref)
    if person.closed:
        return closed_person(ref)
    return None
