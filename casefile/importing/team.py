"""Workers and assignments (who is on a person's team), keyed by the agency's own references.

Workers are added with `directory.add_worker`; their details change in a unit of work of their own
(audited, no case update: a worker is nobody's case file). Assignments go through
`staff.assign_worker` and `staff.end_assignment`, which keep one lead per person and tell the
person about a new worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from casefile import directory, staff
from casefile.actors import SystemActor
from casefile.errors import CasefileError, NotFound
from casefile.importing.bulk import chunks
from casefile.importing.common import (
    CHANGED,
    NEW,
    UNCHANGED,
    ImportContext,
    ImportRefused,
    Planned,
    PlanResult,
    Problem,
    Refusal,
    Rows,
    people_by_ref,
    person_problem,
    unknown_worker,
    workers_by_ref,
)
from casefile.models import Assignment, Worker
from casefile.unit import apply_changes, unit_of_work

KEY = ("reference", "ref")
WORKER_DETAILS = ("name", "role", "helps_with", "contact", "hours", "active")


def update_worker(
    session: Session, actor: SystemActor, worker_id: int, *, now: datetime | None = None, **changes: Any
) -> Worker:
    """Change a worker's details (name, role, helps_with, contact, hours, active). Signpost's tools only."""
    with unit_of_work(session, actor, "write.worker.update", "worker", now=now) as unit:
        unit.require_system()
        unit.subject_id = worker_id
        worker = session.get(Worker, worker_id, populate_existing=True)
        if worker is None:
            raise NotFound("Sorry, we could not find that worker.")
        wanted = {name: changes[name] for name in WORKER_DETAILS if name in changes}
        before, _after = apply_changes(worker, wanted)
        unit.detail = "changed: " + ", ".join(sorted(before)) if before else "no change"
        session.flush()
        return worker


def plan_workers(ctx: ImportContext, rows: Rows) -> PlanResult:
    known = workers_by_ref(ctx.connection, (values["ref"] for _, values in rows))
    details: dict[int, Any] = {}
    ids = sorted(key.id for key in known.values())
    for part in chunks(ids):
        for row in ctx.connection.execute(
            select(Worker.id, *(getattr(Worker, name) for name in WORKER_DETAILS)).where(Worker.id.in_(part))
        ):
            details[row.id] = row
    problems: list[Problem] = []
    planned: list[Planned] = []
    for number, values in rows:
        key = known.get(values["ref"])
        wanted = {name: values[name] for name in WORKER_DETAILS}
        if key is None:
            planned.append(Planned(number, NEW, wanted, extra={"ref": values["ref"]}))
        elif key.agency_id != ctx.agency_id:
            problems.append(Problem(
                number,
                f'worker "{values["ref"]}" belongs to another agency ({key.agency_short_name}). '
                "An agency can only send its own workers.",
            ))
        else:
            current = details[key.id]
            changed = any(getattr(current, name) != wanted[name] for name in WORKER_DETAILS)
            planned.append(Planned(number, CHANGED if changed else UNCHANGED, wanted, existing=key))
    return problems, planned


def apply_workers(ctx: ImportContext, planned: Sequence[Planned]) -> None:
    for item in planned:
        values = item.values
        try:
            if item.action == NEW:
                worker = directory.add_worker(
                    ctx.session, ctx.actor, ctx.agency_id, values["name"], values["role"],
                    ref=item.extra["ref"], helps_with=values["helps_with"], contact=values["contact"],
                    hours=values["hours"], now=ctx.now,
                )
                if not values["active"]:
                    update_worker(ctx.session, ctx.actor, worker.id, now=ctx.now, active=False)
            else:
                update_worker(ctx.session, ctx.actor, item.existing.id, now=ctx.now, **values)
        except CasefileError as error:
            raise ImportRefused([Problem(item.row, error.message)]) from error


def plan_assignments(ctx: ImportContext, rows: Rows) -> PlanResult:
    people = people_by_ref(ctx.connection, (values["person"] for _, values in rows))
    workers = workers_by_ref(ctx.connection, (values["worker"] for _, values in rows))
    by_ref = _assignments_by_ref(ctx, [values["ref"] for _, values in rows])
    current = _current_assignments(ctx, [people[v["person"]].id for _, v in rows if v["person"] in people])
    problems: list[Problem] = []
    planned: list[Planned] = []
    for number, values in rows:
        found = [why] if (why := person_problem(people, values["person"])) else []
        worker = workers.get(values["worker"])
        if worker is None:
            found.append(unknown_worker(values["worker"]))
        elif not worker.active and not values["ended"]:
            found.append(f'worker "{values["worker"]}" has left, so they cannot join a team.')
        if found:
            problems.extend(Problem(number, message) for message in found)
            continue
        assert worker is not None
        person_id = people[values["person"]].id
        wanted = {"person_id": person_id, "worker_id": worker.id, "role": values["role"],
                  "is_lead": values["lead"], "ended": values["ended"]}
        outcome = _compare(values, wanted, by_ref.get(values["ref"]), current.get((person_id, worker.id)))
        if isinstance(outcome, Refusal):
            problems.append(Problem(number, outcome.message))
        else:
            planned.append(Planned(number, outcome, wanted, existing=by_ref.get(values["ref"]),
                                   extra={"ref": values["ref"]}))
    return problems, planned


def apply_assignments(ctx: ImportContext, planned: Sequence[Planned]) -> None:
    tagged: list[dict[str, Any]] = []
    for item in planned:
        values = item.values
        try:
            if values["ended"]:
                staff.end_assignment(ctx.session, ctx.actor, values["person_id"], values["worker_id"],
                                     now=ctx.now)
                continue
            assignment = staff.assign_worker(
                ctx.session, ctx.actor, values["person_id"], values["worker_id"], values["role"],
                values["is_lead"], now=ctx.now, tell_person=item.action == NEW,
            )
        except CasefileError as error:
            raise ImportRefused([Problem(item.row, error.message)]) from error
        if item.action == NEW:
            tagged.append({"b_id": assignment.id, "b_ref": item.extra["ref"]})
    if tagged:
        # Apart from the service's write, so tagging a row with its reference does not count as a change.
        ctx.connection.execute(
            update(Assignment)
            .where(Assignment.id == bindparam("b_id"))
            .values(source_agency_id=ctx.agency_id, source_ref=bindparam("b_ref")),
            tagged,
        )


def _compare(values: dict[str, Any], wanted: dict[str, Any], by_ref: Any, current: Any) -> str | Refusal:
    ref = values["ref"]
    if by_ref is None:
        if wanted["ended"]:
            return UNCHANGED  # ending an assignment Signpost never had: nothing to do
        if current is not None and current.source_ref is not None:
            return Refusal(f'worker "{values["worker"]}" is already on the team of "{values["person"]}" '
                           f'under reference "{current.source_ref}".')
        return NEW
    if (by_ref.person_id, by_ref.worker_id) != (wanted["person_id"], wanted["worker_id"]):
        return Refusal(f'assignment "{ref}" is for a different person or worker in Signpost. '
                       "A reference cannot move.")
    if by_ref.ended_at is not None:
        if wanted["ended"]:
            return UNCHANGED
        return Refusal(f'assignment "{ref}" has ended. '
                       "Use a new reference to put the worker back on the team.")
    if wanted["ended"]:
        return CHANGED
    same = by_ref.role == wanted["role"] and by_ref.is_lead == wanted["is_lead"]
    return UNCHANGED if same else CHANGED


def _assignments_by_ref(ctx: ImportContext, refs: list[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for part in chunks(sorted(set(refs))):
        for row in ctx.connection.execute(
            select(Assignment.source_ref, Assignment.id, Assignment.person_id, Assignment.worker_id,
                   Assignment.role, Assignment.is_lead, Assignment.ended_at)
            .where(Assignment.source_agency_id == ctx.agency_id, Assignment.source_ref.in_(part))
        ):
            found[row.source_ref] = row
    return found


def _current_assignments(ctx: ImportContext, person_ids: list[int]) -> dict[tuple[int, int], Any]:
    found: dict[tuple[int, int], Any] = {}
    for part in chunks(sorted(set(person_ids))):
        for row in ctx.connection.execute(
            select(Assignment.person_id, Assignment.worker_id, Assignment.source_ref)
            .where(Assignment.person_id.in_(part), Assignment.ended_at.is_(None))
        ):
            found[(row.person_id, row.worker_id)] = row
    return found
