"""Outcomes for the partnership: attendance week by week, by agency and kind, split by whether the person
confirmed the reminder. The numbers come from the same query as `signpost report attendance`. And what
text messages cost: texts and fragments month by month, by agency (casefile/text_costs.py).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from casefile import audit
from casefile.attendance import OUTCOMES, AttendanceRow, attendance
from casefile.clock import LONDON
from casefile.models import Agency
from casefile.spreadsheet import write_csv
from casefile.text_costs import TextMonth, texts_by_month
from console.accounts import Principal
from console.charts import Series, line_chart, stacked_bars
from console.pages import context_of, page, render, security_headers

DEFAULT_WEEKS = 12
MAX_WEEKS = 52
CSV_HEADERS = ("week starting", "agency", "kind", "confirmed", "attended", "missed", "cancelled", "not recorded",
               "total", "reminded", "attended %")
TEXTS_CSV_HEADERS = ("month", "agency", "texts", "fragments")


@dataclass(frozen=True)
class Week:
    start: date
    rows: tuple[AttendanceRow, ...]

    def count(self, outcome: str, confirmed: bool | None = None) -> int:
        return sum(row.counts[outcome] for row in self.rows if confirmed is None or row.confirmed == confirmed)

    def share(self, confirmed: bool) -> float | None:
        attended, missed = self.count("attended", confirmed), self.count("missed", confirmed)
        return 100 * attended / (attended + missed) if attended + missed else None


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _filters(request: Request) -> tuple[int, str | None, str | None]:
    raw = request.query_params.get("weeks", "")
    weeks = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 4 and 1 <= int(raw) <= MAX_WEEKS else DEFAULT_WEEKS
    agency = request.query_params.get("agency", "").strip()[:40] or None
    kind = request.query_params.get("kind", "").strip()[:40] or None
    return weeks, agency, kind


def load_texts(request: Request, weeks: int, agency: str | None, action: str) -> list[TextMonth]:
    """Texts and fragments for each month the period touches, by agency."""
    ctx = context_of(request)
    user: Principal = request.state.user
    first = (_monday(ctx.today()) - timedelta(weeks=weeks - 1)).replace(day=1)
    with ctx.sessions() as session:
        months = texts_by_month(session, datetime.combine(first, time(), LONDON), ctx.now(), agency)
        if action:
            audit.record(session, user.actor, action, "report", now=ctx.now(),
                         detail=f"texts, {weeks} weeks, agency {agency or 'all'}")
            session.commit()
    return months


def load_weeks(request: Request, weeks: int, agency: str | None, kind: str | None,
               action: str = "read.outcomes") -> tuple[list[Week], list[str]]:
    ctx = context_of(request)
    user: Principal = request.state.user
    first = _monday(ctx.today()) - timedelta(weeks=weeks - 1)
    result: list[Week] = []
    with ctx.sessions() as session:
        for number in range(weeks):
            start = first + timedelta(weeks=number)
            rows = attendance(session, datetime.combine(start, time(), LONDON),
                              datetime.combine(start + timedelta(weeks=1), time(), LONDON), agency, now=ctx.now())
            result.append(Week(start, tuple(row for row in rows if kind is None or row.kind == kind)))
        agencies = list(session.scalars(select(Agency.short_name).order_by(Agency.short_name)))
        audit.record(session, user.actor, action, "report", now=ctx.now(),
                     detail=f"{weeks} weeks, agency {agency or 'all'}, kind {kind or 'all'}")
        session.commit()
    return result, agencies


@page(roles=("worker", "admin"))
async def outcomes_page(request: Request) -> Response:
    weeks, agency, kind = _filters(request)
    data, agencies = await run_in_threadpool(load_weeks, request, weeks, agency, kind)
    texts = await run_in_threadpool(load_texts, request, weeks, agency, "")  # the page's read is audited above
    labels = [f"{week.start.day} {week.start:%b}" for week in data]
    share = line_chart(
        "attended-share", "Share of appointments attended, week by week",
        "Attended out of attended or missed, for appointments the person confirmed and for ones they did not. "
        "The table below has the same numbers.",
        labels,
        [Series("Confirmed", [w.share(True) for w in data], "#00703c"),
         Series("Not confirmed", [w.share(False) for w in data], "#1d70b8", "8 5")],
    )
    bars = stacked_bars(
        "outcome-counts", "How appointments went, week by week",
        "The number of appointments each week, split into attended, missed, cancelled and not recorded. "
        "The table below has the same numbers.",
        labels,
        [("attended", [w.count("attended") for w in data], "#00703c"),
         ("missed", [w.count("missed") for w in data], "#d4351c"),
         ("cancelled", [w.count("cancelled") for w in data], "#505a5f"),
         ("not recorded", [w.count("not_recorded") for w in data], "#b1b4b6")],
    )
    totals: dict[tuple[str, str, bool], dict[str, int]] = {}
    for week in data:
        for row in week.rows:
            counts = totals.setdefault((row.agency, row.kind, row.confirmed), {name: 0 for name in OUTCOMES})
            for name in OUTCOMES:
                counts[name] += row.counts[name]
    kinds = sorted({row.kind for week in data for row in week.rows} | ({kind} if kind else set()))
    query = request.url.query
    return render(request, "outcomes.html", title="Outcomes", weeks=weeks, agency=agency, kind=kind, data=data,
                  share_chart=share, count_chart=bars, totals=sorted(totals.items()), agencies=agencies,
                  kinds=kinds, csv_url="/outcomes.csv" + (f"?{query}" if query else ""), texts=texts,
                  texts_csv_url="/outcomes/texts.csv" + (f"?{query}" if query else ""))


@page(roles=("worker", "admin"))
async def outcomes_csv(request: Request) -> Response:
    weeks, agency, kind = _filters(request)
    data, _ = await run_in_threadpool(load_weeks, request, weeks, agency, kind, "read.outcomes.download")
    out = io.StringIO()
    write_csv(out, CSV_HEADERS, (
        (week.start.isoformat(), row.agency, row.kind, "yes" if row.confirmed else "no",
         *(row.counts[name] for name in OUTCOMES), row.total, row.reminded,
         "" if row.attended_share is None else f"{100 * row.attended_share:.0f}")
        for week in data for row in week.rows))
    response = Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="attendance.csv"'})
    security_headers(request, response)
    return response


@page(roles=("worker", "admin"))
async def texts_csv(request: Request) -> Response:
    weeks, agency, _kind = _filters(request)
    months = await run_in_threadpool(load_texts, request, weeks, agency, "read.outcomes.texts.download")
    out = io.StringIO()
    write_csv(out, TEXTS_CSV_HEADERS, ((month.month.strftime("%Y-%m"), month.agency, month.texts, month.fragments)
                                       for month in months))
    response = Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="text-messages.csv"'})
    security_headers(request, response)
    return response


routes = [
    Route("/outcomes", outcomes_page, methods=["GET"]),
    Route("/outcomes.csv", outcomes_csv, methods=["GET"]),
    Route("/outcomes/texts.csv", texts_csv, methods=["GET"]),
]
