"""New people, keyed by their pseudonymous reference.

A feed only adds people. The name a person likes to be called and their language are theirs to change
in the chat, so a feed never overwrites them: a row for someone already known counts as unchanged.
A prison roll is tens of thousands of rows, so they go in as one bulk insert with their audit rows
(what `directory.add_person` writes for one person), keeping SQLite's write lock for a moment only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table

from casefile.actors import actor_id, actor_kind, actor_label
from casefile.audit import OK
from casefile.importing import bulk
from casefile.importing.common import (
    NEW,
    UNCHANGED,
    ImportContext,
    Planned,
    PlanResult,
    Problem,
    Rows,
    closed_person,
    people_by_ref,
)
from casefile.models import AuditEvent, Person, table_of

KEY = ("reference", "ref")


def plan(ctx: ImportContext, rows: Rows) -> PlanResult:
    known = people_by_ref(ctx.connection, (values["ref"] for _, values in rows))
    problems: list[Problem] = []
    planned: list[Planned] = []
    for number, values in rows:
        person = known.get(values["ref"])
        if person is not None and person.closed:
            problems.append(Problem(number, closed_person(values["ref"])))
        else:
            planned.append(Planned(number, UNCHANGED if person else NEW, values))
    return problems, planned


def apply(ctx: ImportContext, planned: Sequence[Planned]) -> None:
    new = [item for item in planned if item.action == NEW]
    if not new:
        return
    people = table_of(Person)
    defaults = column_defaults(people)
    bulk.insert_rows(ctx.connection, people, [
        {**defaults, "ref": item.values["ref"], "preferred_name": item.values["preferred_name"],
         "language": item.values["language"], "nation": item.values.get("nation"), "quiet_from": None,
         "quiet_until": None, "created_at": ctx.now, "closed_at": None}
        for item in new
    ])
    ids = people_by_ref(ctx.connection, (item.values["ref"] for item in new))
    who = {"at": ctx.now, "actor_kind": actor_kind(ctx.actor), "actor_id": actor_id(ctx.actor),
           "actor_name": actor_label(ctx.actor), "action": "write.person.add", "subject": "person", "outcome": OK}
    bulk.insert_rows(ctx.connection, table_of(AuditEvent), [
        {**who, "subject_id": ids[item.values["ref"]].id, "person_id": ids[item.values["ref"]].id,
         "detail": f"from a {ctx.agency_short_name} feed, row {item.row}"}
        for item in new
    ])


def column_defaults(table: Table) -> dict[str, Any]:
    """The plain values the model fills in for columns left out (a bulk insert skips the model)."""
    return {column.name: column.default.arg for column in table.columns  # type: ignore[attr-defined]
            if column.default is not None and column.default.is_scalar}
