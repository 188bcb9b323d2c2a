"""Importing one feed: check every row first, then apply all of them in one transaction, or none.

The order is: read each field of each row, find repeated references, then check each row against a
snapshot of the case file, holding no lock. Any problem at all and nothing is written, with every
problem listed. Otherwise the rows are applied in one short write transaction (checked again there
if the case file changed in between), the import is audited, and it all commits together.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from casefile import audit, directory
from casefile.actors import SystemActor, actor_label
from casefile.db import WRITE_OPTION, casefile_error_for
from casefile.errors import CasefileError, ConflictError
from casefile.importing import appointments, people, release_dates, team
from casefile.importing.common import (
    CHANGED,
    NEW,
    UNCHANGED,
    ImportContext,
    ImportRefused,
    Planned,
    Problem,
    Rows,
    people_by_ref,
    person_problem,
    unknown_worker,
    workers_by_ref,
)
from casefile.importing.fields import FEED_FIELDS, check_row, field_list, shown
from casefile.importing.source import Feed
from casefile.models import Agency, AuditEvent, CaseUpdate
from casefile.reminder_rules import ReminderPolicy
from casefile.unit import aware_now

Plan = Callable[[ImportContext, Sequence[tuple[int, dict[str, Any]]]], tuple[list[Problem], list[Planned]]]
Apply = Callable[[ImportContext, Sequence[Planned]], None]


RowList = list[tuple[int, dict[str, Any]]]
NOT_A_ROW = 'this row is not a set of named fields in { }, like {"ref": ...}.'


@dataclass(frozen=True)
class Handler:
    key: tuple[str, str]  # (what to call it in messages, which field)
    plan: Plan
    apply: Apply


HANDLERS: dict[str, Handler] = {
    "people": Handler(people.KEY, people.plan, people.apply),
    "release_dates": Handler(release_dates.KEY, release_dates.plan, release_dates.apply),
    "appointments": Handler(appointments.KEY, appointments.plan, appointments.apply),
    "workers": Handler(team.KEY, team.plan_workers, team.apply_workers),
    "assignments": Handler(team.KEY, team.plan_assignments, team.apply_assignments),
}


@dataclass(frozen=True)
class ImportResult:
    kind: str
    agency: str
    rows: int
    new: int
    changed: int
    unchanged: int
    dry_run: bool
    agency_added: bool

    def summary(self) -> str:
        rows = "1 row" if self.rows == 1 else f"{self.rows} rows"
        if self.dry_run:
            return (f"Checked {rows}: all fine. {self.new} would be new, {self.changed} would change, "
                    f"{self.unchanged} unchanged. Nothing was saved (dry run).")
        return f"Imported {rows}: {self.new} new, {self.changed} changed, {self.unchanged} unchanged."


def import_feed(
    engine: Engine, feed: Feed, *, policy: ReminderPolicy, now: datetime | None = None, dry_run: bool = False
) -> ImportResult:
    """Import `feed` (see `source.read_feed`). Raises ImportRefused, with every problem, if any row is bad.

    `policy` times the reminders of the appointments a feed books or moves (from the settings).
    Two steps, so that a big file holds SQLite's one write lock only while it writes: every row is
    checked against a snapshot of the case file first, holding no lock (a dry run ends there); then
    the rows are applied in one short write transaction. If anyone wrote to the case file in between,
    the rows are checked again inside that transaction, so nothing is applied on stale checks; and the
    version checks and unique references still refuse a change that raced in. All or nothing either way.
    """
    moment = aware_now(now)
    handler = HANDLERS[feed.kind]
    checked, problems, flawed = read_rows(feed, handler.key)
    actor = SystemActor(f"import:{feed.agency}")
    with engine.connect() as connection, connection.begin():
        session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            seen = _last_audit(connection)  # first, so a write that lands while the checks read is noticed
            agency_id = _known_agency(session, feed)
            ctx = ImportContext(session, connection, actor, agency_id or 0, feed.agency, moment, policy)
            result, planned = _check(ctx, feed, handler, checked, problems, flawed, dry_run, agency_id is None)
        finally:
            session.close()
    if dry_run:
        return result
    try:
        return _write(engine, actor, feed, handler, checked, problems, flawed, moment, policy, planned, seen, result)
    except OperationalError as error:
        plain = casefile_error_for(error)  # busy past the timeout, or a full disk: nothing was saved
        if plain is None:
            raise
        raise plain from error


def _write(
    engine: Engine, actor: SystemActor, feed: Feed, handler: Handler, checked: Rows, problems: list[Problem],
    flawed: Rows, moment: datetime, policy: ReminderPolicy, planned: list[Planned], seen: int,
    result: ImportResult,
) -> ImportResult:
    """The one short write transaction that applies what the checks planned."""
    with engine.connect() as raw:
        # On SQLite the write lock is taken at BEGIN, so the checks made again in here see what is written.
        connection = raw.execution_options(**{WRITE_OPTION: True})
        outer = connection.begin()
        session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            result = _apply(session, connection, actor, feed, handler, checked, problems, flawed, moment, policy,
                            planned if _last_audit(connection) == seen else None, result)
            session.commit()
        except BaseException:
            session.close()
            outer.rollback()
            raise
        session.close()
        outer.commit()
        return result


def _check(
    ctx: ImportContext, feed: Feed, handler: Handler, checked: Rows, problems: list[Problem], flawed: Rows,
    dry_run: bool, agency_to_add: bool,
) -> tuple[ImportResult, list[Planned]]:
    """Every problem of every row (ImportRefused), else what importing the rows will do."""
    if agency_to_add and not feed.agency_name:
        raise ImportRefused([*problems, Problem(
            None,
            f'Signpost does not know the agency "{feed.agency}" yet. To add it, give its full name: '
            f'"agency_name" in a JSON feed, or {feed.surface.give_agency_name}.',
        )])
    more, planned = handler.plan(ctx, checked)
    problems = [*problems, *more, *_reference_problems(ctx, flawed)]
    if problems:
        raise ImportRefused(problems)
    counts = {action: sum(1 for item in planned if item.action == action)
              for action in (NEW, CHANGED, UNCHANGED)}
    result = ImportResult(feed.kind, feed.agency, len(feed.rows), counts[NEW], counts[CHANGED],
                          counts[UNCHANGED], dry_run, agency_to_add)
    return result, planned


def _apply(
    session: Session, connection: Connection, actor: SystemActor, feed: Feed, handler: Handler,
    checked: Rows, problems: list[Problem], flawed: Rows, moment: datetime, policy: ReminderPolicy,
    planned: list[Planned] | None, result: ImportResult,
) -> ImportResult:
    """Write the checked rows. `planned` is None when the case file changed since the checks: check again."""
    agency_id = _known_agency(session, feed)
    if agency_id is None:
        try:
            agency_id = directory.add_agency(session, actor, feed.agency_name or "", feed.agency, now=moment).id
        except CasefileError as error:
            raise ImportRefused([*problems, Problem(None, error.message)]) from error
    ctx = ImportContext(session, connection, actor, agency_id, feed.agency, moment, policy)
    if planned is None:
        result, planned = _check(ctx, feed, handler, checked, problems, flawed, False, result.agency_added)
    last_update = connection.execute(select(func.max(CaseUpdate.id))).scalar() or 0
    try:
        handler.apply(ctx, [item for item in planned if item.action != UNCHANGED])
    except IntegrityError as error:  # a reference added by someone else since the checks
        raise ConflictError("Someone changed the case file while this file was being imported, so nothing "
                            "was saved. Please import the file again.") from error
    _credit_agency(ctx, last_update)
    audit.record(session, actor, f"import.{feed.kind}", "feed", now=moment,
                 detail=f"{feed.file_name}: {result.summary()}")
    return result


def _last_audit(connection: Connection) -> int:
    """The newest audit event: every write to the case file adds one, so a newer one means something changed."""
    return int(connection.execute(select(func.max(AuditEvent.id))).scalar() or 0)


def read_rows(feed: Feed, key: tuple[str, str]) -> tuple[RowList, list[Problem], RowList]:
    """Read every field of every row and find repeated keys.

    Returns the good rows, the problems, and the rows with problems (with what could be read of them).
    """
    problems: list[Problem] = []
    good: RowList = []
    flawed: RowList = []
    if feed.file_format == "csv":
        unknown = [column for column in feed.columns if column not in FEED_FIELDS[feed.kind]]
        for column in unknown:
            problems.append(Problem(None, f'The column "{shown(column)}" is not a field of a {feed.kind} '
                                          f"feed. The fields are: {field_list(feed.kind)}."))
    if not feed.rows:
        problems.append(Problem(None, f"{feed.file_name} has no rows to import."))
    label, key_field = key
    seen: dict[str, list[int]] = {}
    for row in feed.rows:
        if not isinstance(row.values, dict):
            problems.append(Problem(row.number, NOT_A_ROW))
            continue
        values, found = check_row(feed.kind, row.values, report_unknown=feed.file_format == "json")
        key_value = values.get(key_field)
        if key_value:
            earlier = seen.setdefault(key_value, [])
            earlier.append(row.number)
            if len(earlier) > 1:
                found.append(_repeated(label, key_value, earlier))
        problems.extend(Problem(row.number, message) for message in found)
        (flawed if found else good).append((row.number, values))
    return good, problems, flawed


def _reference_problems(ctx: ImportContext, flawed: Rows) -> list[Problem]:
    """Unknown people and workers in rows that already have a problem, so one pass shows them all."""
    people = people_by_ref(ctx.connection, (values["person"] for _, values in flawed if values.get("person")))
    workers = workers_by_ref(ctx.connection,
                             (values["worker"] for _, values in flawed if values.get("worker")))
    problems: list[Problem] = []
    for number, values in flawed:
        if values.get("person") and (why := person_problem(people, values["person"])):
            problems.append(Problem(number, why))
        if values.get("worker") and values["worker"] not in workers:
            problems.append(Problem(number, unknown_worker(values["worker"])))
    return problems


def refused_report(error: ImportRefused) -> list[str]:
    """The lines to show for a refused import: what happened, each problem, what to do."""
    lines = [error.message]
    lines.extend(str(problem) for problem in error.problems)
    lines.append("Fix these and import the file again.")
    return lines


def _repeated(label: str, value: str, rows: list[int]) -> str:
    times = "twice" if len(rows) == 2 else f"{len(rows)} times"
    listed = ", ".join(str(number) for number in rows[:-1]) + f" and {rows[-1]}"
    advice = "Each person needs just one row." if label == "person" else "Each row needs its own reference."
    return f'{label} "{value}" appears {times} (rows {listed}). {advice}'


def _known_agency(session: Session, feed: Feed) -> int | None:
    """The sending agency's id, or None if Signpost does not know it yet."""
    return session.scalars(select(Agency.id).where(Agency.short_name == feed.agency)).first()


def _credit_agency(ctx: ImportContext, after_id: int) -> None:
    """Case updates written by the services during this import name the agency that sent the feed."""
    ctx.connection.execute(
        update(CaseUpdate)
        .where(CaseUpdate.id > after_id, CaseUpdate.actor == actor_label(ctx.actor),
               CaseUpdate.agency_id.is_(None))
        .values(agency_id=ctx.agency_id)
    )
