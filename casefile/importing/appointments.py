"""Appointments from probation (or any agency), keyed by the agency's own appointment reference.

Every write goes through `casefile.appointments` (book, move, cancel), the only place appointments
change, so whatever hangs off those functions (reminders) happens for imported rows too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select, update

from casefile import appointments as service
from casefile.clock import london_to_utc, skipped_time
from casefile.errors import CasefileError
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
from casefile.models import Appointment

KEY = ("reference", "ref")
_MOVABLE = ("starts_at", "minutes", "place", "address")
_FIXED = ("kind", "bring", "worker_id")


def plan(ctx: ImportContext, rows: Rows) -> PlanResult:
    people = people_by_ref(ctx.connection, (values["person"] for _, values in rows))
    workers = workers_by_ref(ctx.connection, (values["worker"] for _, values in rows if values["worker"]))
    existing = _existing(ctx, [values["ref"] for _, values in rows])
    problems: list[Problem] = []
    planned: list[Planned] = []
    for number, values in rows:
        found = _row_problems(values, people, workers)
        starts_at = london_to_utc(values["date"], values["time"])
        if starts_at is None:
            found.append(skipped_time(values["date"], values["time"]))
        if found:
            problems.extend(Problem(number, message) for message in found)
            continue
        wanted = {
            "person_id": people[values["person"]].id,
            "starts_at": starts_at,
            "minutes": values["minutes"],
            "place": values["place"],
            "address": values["address"],
            "kind": values["kind"],
            "bring": values["bring"],
            "worker_id": workers[values["worker"]].id if values["worker"] else None,
            "status": values["status"],
        }
        outcome = _compare(values["ref"], wanted, existing.get(values["ref"]))
        if isinstance(outcome, Refusal):
            problems.append(Problem(number, outcome.message))
        else:
            planned.append(Planned(number, outcome, wanted, existing=existing.get(values["ref"]),
                                   extra={"ref": values["ref"]}))
    return problems, planned


def apply(ctx: ImportContext, planned: Sequence[Planned]) -> None:
    booked: list[dict[str, Any]] = []
    for item in planned:
        try:
            if item.action == NEW:
                booked.append({"b_id": _book(ctx, item), "b_ref": item.extra["ref"]})
            elif item.values["status"] == "cancelled":
                service.cancel_appointment(
                    ctx.session, ctx.actor, item.existing.id, item.existing.version, None, now=ctx.now,
                    tell_person=_matters_now(ctx, item),
                )
            else:
                service.move_appointment(
                    ctx.session, ctx.actor, item.existing.id, item.values["starts_at"], item.existing.version,
                    place=item.values["place"], address=item.values["address"],
                    minutes=item.values["minutes"], policy=ctx.policy, now=ctx.now,
                    tell_person=_matters_now(ctx, item),
                )
        except CasefileError as error:
            raise ImportRefused([Problem(item.row, error.message)]) from error
    if booked:
        # Set apart from the service's own write so the new row keeps version 1, as any new booking does.
        ctx.connection.execute(
            update(Appointment)
            .where(Appointment.id == bindparam("b_id"))
            .values(source_agency_id=ctx.agency_id, source_ref=bindparam("b_ref")),
            booked,
        )


def _book(ctx: ImportContext, item: Planned) -> int:
    values = item.values
    appointment = service.book_appointment(
        ctx.session, ctx.actor, values["person_id"], values["starts_at"], values["minutes"], values["place"],
        values["address"], values["kind"], values["bring"], values["worker_id"], policy=ctx.policy, now=ctx.now,
        tell_person=values["starts_at"] > ctx.now,
    )
    return appointment.id


def _matters_now(ctx: ImportContext, item: Planned) -> bool:
    """Tell the person about a change unless the appointment was and stays in the past."""
    return item.values["starts_at"] > ctx.now or item.existing.starts_at > ctx.now


def _row_problems(values: dict[str, Any], people: dict[str, Any], workers: dict[str, Any]) -> list[str]:
    found: list[str] = []
    why = person_problem(people, values["person"])
    if why:
        found.append(why)
    if values["worker"] and values["worker"] not in workers:
        found.append(unknown_worker(values["worker"]))
    return found


def _compare(ref: str, wanted: dict[str, Any], current: Any) -> str | Refusal:
    """NEW, CHANGED or UNCHANGED; or a problem message when the change cannot be made from a feed."""
    if current is None:
        # A cancellation of an appointment Signpost never had: there is nothing to do.
        return UNCHANGED if wanted["status"] == "cancelled" else NEW
    if current.person_id != wanted["person_id"]:
        return Refusal(f'appointment "{ref}" is for a different person in Signpost. '
                       "A reference cannot move to another person.")
    if current.status == "cancelled":
        if wanted["status"] == "cancelled":
            return UNCHANGED
        return Refusal(f'appointment "{ref}" was cancelled, so it cannot change now. '
                       "Give the new time a new reference.")
    if wanted["status"] == "cancelled":
        return CHANGED
    if any(getattr(current, name) != wanted[name] for name in _FIXED):
        return Refusal(f'appointment "{ref}" cannot change its kind, worker or what to bring. '
                       "Cancel it and send it again with a new reference.")
    if any(getattr(current, name) != wanted[name] for name in _MOVABLE):
        return CHANGED
    return UNCHANGED


def _existing(ctx: ImportContext, refs: list[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for part in chunks(sorted(set(refs))):
        rows = ctx.connection.execute(
            select(
                Appointment.source_ref, Appointment.id, Appointment.person_id, Appointment.version,
                Appointment.status, *(getattr(Appointment, name) for name in (*_MOVABLE, *_FIXED)),
            ).where(Appointment.source_agency_id == ctx.agency_id, Appointment.source_ref.in_(part))
        )
        for row in rows:
            found[row.source_ref] = row
    return found
