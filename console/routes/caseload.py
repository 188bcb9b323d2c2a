"""A worker's caseload: each person, their stage, next appointment and whether it is confirmed, with
the people who need attention first (missed pick-ups, missed or unrecorded appointments, failed reminders).

Above it all, "Needs help now": requests from the chat's "Tell my worker now", until someone on the
team marks them seen (`/urgent/{id}/seen`, also posted from the person's page).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, CompoundSelect, bindparam, func, literal, select, union_all
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from casefile import linking, staff, urgent
from casefile.actors import StaffActor
from casefile.clock import LONDON
from casefile.health_access import sees_health_details
from casefile.models import Appointment, OutboxMessage, PharmacyPlan
from casefile.views import CaseloadRow
from console.accounts import Principal
from console.pages import context_of, page, read_form, redirect, render, text_field
from console.urgent_panel import SEEN_DONE, UrgentLine, back_to, open_requests

LOOK_BACK = timedelta(days=14)
_OPEN_STATUSES = ("booked", "confirmed", "moved", "cant_make_it")


@dataclass(frozen=True)
class CaseloadLine:
    row: CaseloadRow
    attention: tuple[str, ...]
    linked: bool = True  # a message can reach them (a linked chat that has not blocked the bot)


FILTERS = {"": "Everyone", "attention": "Needs attention", "this_week": "Appointment this week",
           "no_chat": "No linked chat"}
SORTS = {"attention": "Needs attention first", "name": "Name", "next": "Next appointment", "stage": "Stage"}


@dataclass(frozen=True)
class CaseloadView:
    """What the worker asked to see: `?q=` (name or reference), `filter`, `stage` and `sort`."""

    query: str = ""
    filter: str = ""
    stage: str = ""
    sort: str = "attention"

    @classmethod
    def from_params(cls, params: Any) -> CaseloadView:
        filter_, sort = params.get("filter", ""), params.get("sort", "attention")
        return cls(query=params.get("q", "").strip()[:100], filter=filter_ if filter_ in FILTERS else "",
                   stage=params.get("stage", "").strip()[:40], sort=sort if sort in SORTS else "attention")

    def apply(self, lines: list[CaseloadLine], today: date) -> list[CaseloadLine]:
        wanted = self.query.casefold()
        monday = today - timedelta(days=today.weekday())
        week = (monday, monday + timedelta(days=7))

        def keep(line: CaseloadLine) -> bool:
            row = line.row
            if wanted and wanted not in row.preferred_name.casefold() and wanted not in row.ref.casefold():
                return False
            if self.stage and row.stage != self.stage:
                return False
            if self.filter == "attention":
                return bool(line.attention)
            if self.filter == "no_chat":
                return not line.linked
            if self.filter == "this_week":
                at = row.next_appointment_at
                return at is not None and week[0] <= at.astimezone(LONDON).date() < week[1]
            return True

        kept = [line for line in lines if keep(line)]
        far = datetime.max.replace(tzinfo=UTC)
        keys: dict[str, Any] = {
            "attention": lambda line: not line.attention,  # stable: name order within each group
            "name": lambda line: line.row.preferred_name.casefold(),
            "next": lambda line: line.row.next_appointment_at or far,
            "stage": lambda line: (line.row.stage is None, line.row.stage or ""),
        }
        return sorted(kept, key=keys[self.sort])


def _attention_statement() -> CompoundSelect[Any]:
    """Why people need a look, as (person_id, reason, count) rows: one query, built once."""
    people: BindParameter[int] = bindparam("person_ids", expanding=True)
    since: BindParameter[datetime] = bindparam("since")
    hour_ago: BindParameter[datetime] = bindparam("hour_ago")
    return union_all(
        select(PharmacyPlan.person_id, literal(_PICKUPS).label("reason"), PharmacyPlan.missed_in_a_row)
        .where(PharmacyPlan.person_id.in_(people), PharmacyPlan.missed_in_a_row > 0),
        select(Appointment.person_id, literal(_MISSED), func.count())
        .where(Appointment.person_id.in_(people), Appointment.status == "missed", Appointment.starts_at >= since)
        .group_by(Appointment.person_id),
        select(Appointment.person_id, literal(_UNRECORDED), func.count())
        .where(Appointment.person_id.in_(people), Appointment.status.in_(_OPEN_STATUSES),
               Appointment.starts_at >= since, Appointment.starts_at < hour_ago)
        .group_by(Appointment.person_id),
        select(OutboxMessage.person_id, literal(_FAILED), func.count())
        .where(OutboxMessage.person_id.in_(people), OutboxMessage.state == "failed",
               OutboxMessage.created_at >= since)
        .group_by(OutboxMessage.person_id),
    )


_PICKUPS, _MISSED, _UNRECORDED, _FAILED = 1, 2, 3, 4  # also the order the notes are shown in
_ATTENTION = _attention_statement()


def _note(reason: int, count: int) -> str:
    plural = "s" if count != 1 else ""
    if reason == _PICKUPS:
        return f"Missed {count} pharmacy pick-up{plural} in a row"
    if reason == _MISSED:
        return f"Missed {count} appointment{plural} in the last 2 weeks"
    if reason == _UNRECORDED:
        return f"{count} past appointment{plural} not marked attended or missed"
    return f"{count} reminder{plural} could not be sent"


def attention_notes(session: Session, person_ids: list[int], now: datetime,
                    health_for: set[int] | None = None) -> dict[int, list[str]]:
    """Why each person needs a look, for people the caseload service has just shown this worker.

    Missed pharmacy pick-ups are health details: only for the people in `health_for` (all when None).
    """
    notes: dict[int, list[str]] = {person_id: [] for person_id in person_ids}
    if not person_ids:
        return notes
    found = session.connection().execute(_ATTENTION, {"person_ids": person_ids, "since": now - LOOK_BACK,
                                         "hour_ago": now - timedelta(hours=1)}).all()
    for person_id, reason, count in sorted(found, key=lambda row: row[1]):
        if int(reason) == _PICKUPS and health_for is not None and person_id not in health_for:
            continue
        notes[person_id].append(_note(int(reason), int(count)))
    return notes


def load_caseload(session: Session, worker_id: int, now: datetime, today: date) -> list[CaseloadLine]:
    rows = staff.caseload(session, worker_id, today, now)
    notes = attention_notes(session, [row.person_id for row in rows], now,
                            health_for={row.person_id for row in rows
                                        if sees_health_details(row.is_lead, row.assignment_role)})
    for row in rows:
        if row.next_appointment_status == "cant_make_it":
            notes[row.person_id].insert(0, "Cannot make their next appointment")
    linked = linking.people_with_message_channels(session, [row.person_id for row in rows])
    lines = [CaseloadLine(row, tuple(notes[row.person_id]), row.person_id in linked) for row in rows]
    # Stable sort: those needing attention first, each group still in name order.
    return sorted(lines, key=lambda line: not line.attention)


@page(roles=("worker",))
async def caseload_page(request: Request) -> Response:
    ctx = context_of(request)
    user: Principal = request.state.user
    help_now = ctx.journeys.current().help_now

    def load() -> tuple[tuple[UrgentLine, ...], list[CaseloadLine]]:
        with ctx.sessions() as session:
            now = ctx.now()
            everyone = load_caseload(session, user.own_worker_id, now, ctx.today())
            # Last: it reads in the same transaction as the attention notes (one transaction fewer), and its
            # audit, when there is anything to show, is still written before the page is.
            return open_requests(session, user.own_worker_id, now, help_now), everyone

    requests, everyone = await run_in_threadpool(load)
    view = CaseloadView.from_params(request.query_params)
    lines = view.apply(everyone, ctx.today())
    needing = sum(1 for line in everyone if line.attention)
    done = SEEN_DONE if request.query_params.get("done") == "urgent_seen" else None
    stages = sorted({line.row.stage for line in everyone if line.row.stage})
    return render(request, "caseload.html", title="Your caseload", lines=lines, everyone=len(everyone),
                  needing=needing, urgent_requests=requests, done=done, view=view, filters=FILTERS, sorts=SORTS,
                  stages=stages)


@page(roles=("worker",))
async def mark_seen(request: Request) -> Response:
    """A worker on the person's team has seen a request for help; the case file refuses anyone else (403)."""
    ctx = context_of(request)
    user: Principal = request.state.user
    request_id: int = request.path_params["request_id"]
    form = await read_form(request)
    back = back_to(text_field(form, "back"))

    def mark() -> None:
        with ctx.sessions() as session:
            urgent.mark_urgent_seen(session, StaffActor(user.own_worker_id), request_id, now=ctx.now())

    await run_in_threadpool(mark)
    return redirect(f"{back}?done=urgent_seen")


routes = [
    Route("/caseload", caseload_page, methods=["GET"]),
    Route("/urgent/{request_id:int}/seen", mark_seen, methods=["POST"]),
]
