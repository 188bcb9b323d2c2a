"""New people, keyed by their pseudonymous reference.

A feed only adds people. The name a person likes to be called and their language are theirs to change
in the chat, so a feed never overwrites them: a row for someone already known counts as unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

from casefile import directory
from casefile.errors import CasefileError
from casefile.importing.common import (
    NEW,
    UNCHANGED,
    ImportContext,
    ImportRefused,
    Planned,
    PlanResult,
    Problem,
    Rows,
    closed_person,
    people_by_ref,
)

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
    for item in planned:
        try:
            directory.add_person(
                ctx.session, ctx.actor, item.values["preferred_name"], language=item.values["language"],
                ref=item.values["ref"], nation=item.values.get("nation"), now=ctx.now,
            )
        except CasefileError as error:
            raise ImportRefused([Problem(item.row, error.message)]) from error
