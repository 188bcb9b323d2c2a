"""A worker's caseload: each person, their stage, next appointment and whether it is confirmed, with
the people who need attention first (missed pick-ups, missed or unrecorded appointments, failed reminders).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.web.accounts import Principal
from bot.web.pages import context_of, page, render
from casefile import staff
from casefile.models import Appointment, OutboxMessage, PharmacyPlan
from casefile.views import CaseloadRow

LOOK_BACK = timedelta(days=14)
_OPEN_STATUSES = ("booked", "confirmed", "moved", "cant_make_it")


@dataclass(frozen=True)
class CaseloadLine:
    row: CaseloadRow
    attention: tuple[str, ...]


def attention_notes(session: Session, person_ids: list[int], now: datetime) -> dict[int, list[str]]:
    """Why each person needs a look, for people the caseload service has just shown this worker."""
    notes: dict[int, list[str]] = {person_id: [] for person_id in person_ids}
    if not person_ids:
        return notes
    for person_id, missed in session.execute(
        select(PharmacyPlan.person_id, PharmacyPlan.missed_in_a_row)
        .where(PharmacyPlan.person_id.in_(person_ids), PharmacyPlan.missed_in_a_row > 0)
    ):
        notes[person_id].append(f"Missed {missed} pharmacy pick-up{'s' if missed != 1 else ''} in a row")
    for person_id, count in session.execute(
        select(Appointment.person_id, func.count())
        .where(Appointment.person_id.in_(person_ids), Appointment.status == "missed",
               Appointment.starts_at >= now - LOOK_BACK)
        .group_by(Appointment.person_id)
    ):
        notes[person_id].append(f"Missed {count} appointment{'s' if count != 1 else ''} in the last 2 weeks")
    for person_id, count in session.execute(
        select(Appointment.person_id, func.count())
        .where(Appointment.person_id.in_(person_ids), Appointment.status.in_(_OPEN_STATUSES),
               Appointment.starts_at >= now - LOOK_BACK, Appointment.starts_at < now - timedelta(hours=1))
        .group_by(Appointment.person_id)
    ):
        notes[person_id].append(f"{count} past appointment{'s' if count != 1 else ''} not marked attended or missed")
    for person_id, count in session.execute(
        select(OutboxMessage.person_id, func.count())
        .where(OutboxMessage.person_id.in_(person_ids), OutboxMessage.state == "failed",
               OutboxMessage.created_at >= now - LOOK_BACK)
        .group_by(OutboxMessage.person_id)
    ):
        notes[person_id].append(f"{count} reminder{'s' if count != 1 else ''} could not be sent")
    return notes


def load_caseload(session: Session, worker_id: int, now: datetime, today: object) -> list[CaseloadLine]:
    rows = staff.caseload(session, worker_id, today, now)  # type: ignore[arg-type]
    notes = attention_notes(session, [row.person_id for row in rows], now)
    for row in rows:
        if row.next_appointment_status == "cant_make_it":
            notes[row.person_id].insert(0, "Cannot make their next appointment")
    lines = [CaseloadLine(row, tuple(notes[row.person_id])) for row in rows]
    # Stable sort: those needing attention first, each group still in name order.
    return sorted(lines, key=lambda line: not line.attention)


@page(roles=("worker",))
async def caseload_page(request: Request) -> Response:
    ctx = context_of(request)
    user: Principal = request.state.user

    def load() -> list[CaseloadLine]:
        with ctx.sessions() as session:
            return load_caseload(session, user.worker_id, ctx.now(), ctx.today())  # type: ignore[arg-type]

    lines = await run_in_threadpool(load)
    needing = sum(1 for line in lines if line.attention)
    return render(request, "caseload.html", title="Your caseload", lines=lines, needing=needing)


routes = [Route("/caseload", caseload_page, methods=["GET"])]
