"""Release dates from a prison: one row per person, keyed by the person's reference.

This feed can be the whole prison roll (tens of thousands of rows), so it is applied in bulk: one
statement per kind of write, each run for many rows at once. It writes exactly what
`records.update_journey` writes for each changed person: the journey row (with its version bumped
and checked), a case update and an audit event, all in the import's one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from casefile import plan_marks
from casefile.actors import actor_id, actor_kind, actor_label
from casefile.errors import ConflictError
from casefile.importing import bulk
from casefile.importing.bulk import rows_where_in
from casefile.importing.common import (
    CHANGED,
    NEW,
    UNCHANGED,
    ImportContext,
    Planned,
    PlanResult,
    Problem,
    Rows,
    people_by_ref,
    person_problem,
)
from casefile.models import AuditEvent, CaseUpdate, JourneyPosition, table_of
from casefile.unit import jsonable

KEY = ("person", "person")
# A prison's feed is about people still inside; a journey needs a stage to start from.
STAGE_FOR_NEW = "in_prison"
_FIELDS = ("release_date", "release_confirmed", "prison")


def plan(ctx: ImportContext, rows: Rows) -> PlanResult:
    people = people_by_ref(ctx.connection, (values["person"] for _, values in rows))
    ids = {people[v["person"]].id for _, v in rows if v["person"] in people}
    journeys = {
        row.person_id: row
        for row in rows_where_in(
            ctx.connection, (JourneyPosition.person_id, JourneyPosition.version, *_columns()),
            JourneyPosition.person_id, ids,
        )
    }
    problems: list[Problem] = []
    planned: list[Planned] = []
    for number, values in rows:
        why = person_problem(people, values["person"])
        if why:
            problems.append(Problem(number, why))
            continue
        person_id = people[values["person"]].id
        journey = journeys.get(person_id)
        wanted = {
            "release_date": values["release_date"],
            "release_confirmed": values["confirmed"],
            "prison": values["prison"] if values["prison"] else (journey.prison if journey else None),
        }
        if journey is None:
            planned.append(Planned(number, NEW, wanted, extra={"person_id": person_id}))
            continue
        before = {name: getattr(journey, name) for name in _FIELDS if getattr(journey, name) != wanted[name]}
        action = CHANGED if before else UNCHANGED
        planned.append(Planned(number, action, wanted, existing=journey,
                               extra={"person_id": person_id, "before": before}))
    return problems, planned


def apply(ctx: ImportContext, planned: Sequence[Planned]) -> None:
    new = [item for item in planned if item.action == NEW]
    changed = [item for item in planned if item.action == CHANGED]
    connection = ctx.connection
    journeys = table_of(JourneyPosition)
    bulk.insert_rows(connection, journeys, [
        {"person_id": item.extra["person_id"], "stage": STAGE_FOR_NEW, "updated_at": ctx.now, "version": 1,
         **item.values}
        for item in new
    ])
    updated = bulk.update_versioned(
        connection, journeys, "person_id",
        [{"person_id": item.extra["person_id"], "version": item.existing.version, **item.values}
         for item in changed],
        extra={"updated_at": ctx.now},
    )
    if updated != len(changed):
        # Someone changed one of these journeys after we read it: the whole import is rolled back.
        raise ConflictError(
            "Someone changed a release date while this file was being imported, so nothing was saved. "
            "Please import the file again."
        )
    written = (*new, *changed)
    bulk.insert_rows(connection, table_of(CaseUpdate), [_case_update(ctx, item) for item in written])
    bulk.insert_rows(connection, table_of(AuditEvent), [_audit_event(ctx, item) for item in written])
    # The bulk write goes round the session, so it marks its people for the planner itself.
    plan_marks.mark(connection, (item.extra["person_id"] for item in written))


def _columns() -> list[Any]:
    return [getattr(JourneyPosition, name) for name in _FIELDS]


def _case_update(ctx: ImportContext, item: Planned) -> dict[str, Any]:
    if item.action == NEW:
        before: dict[str, Any] = {}
        after = {"stage": STAGE_FOR_NEW, **item.values}
    else:
        before = item.extra["before"]
        after = {name: item.values[name] for name in before}
    return {
        "person_id": item.extra["person_id"],
        "worker_id": None,
        "agency_id": ctx.agency_id,
        "actor": actor_label(ctx.actor),
        "at": ctx.now,
        "kind": "journey.changed",
        "subject": "journey",
        "subject_id": item.extra["person_id"],
        "field": ",".join(sorted(set(before) | set(after)))[:300],
        "before": {key: jsonable(value) for key, value in before.items()},
        "after": {key: jsonable(value) for key, value in after.items()},
        "summary": _summary(before, after),
        "tell_person": "release_date" in after or "release_confirmed" in after,
        "seen_at": None,
    }


def _summary(before: dict[str, Any], after: dict[str, Any]) -> str:
    if "release_date" in after and before.get("release_date") is not None:
        return "Your release date has changed."
    if "release_date" in after:
        return "You have a release date now."
    if after.get("release_confirmed"):
        return "Your release date is confirmed."
    if "release_confirmed" in after:
        return "Your release date is not confirmed yet."
    return "There is news about where you are."


def _audit_event(ctx: ImportContext, item: Planned) -> dict[str, Any]:
    return {
        "at": ctx.now,
        "actor_kind": actor_kind(ctx.actor),
        "actor_id": actor_id(ctx.actor),
        "actor_name": actor_label(ctx.actor),
        "action": "write.journey",
        "subject": "journey",
        "subject_id": item.extra["person_id"],
        "person_id": item.extra["person_id"],
        "outcome": "ok",
        "detail": f"release date from a {ctx.agency_short_name} feed, row {item.row}",
    }
