"""A worker's week: their appointments, and the team's for the people they lead, day by day, printable."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from casefile import staff
from casefile.clock import LONDON
from casefile.views import DiaryEntry
from console.accounts import Principal
from console.pages import context_of, page, render


def week_of(request: Request, today: date) -> date:
    """The Monday of `?week=YYYY-MM-DD` (any day of that week), else of this week. Nonsense means this week."""
    try:
        chosen = date.fromisoformat(request.query_params.get("week", ""))
    except ValueError:
        chosen = today
    if abs((chosen - today).days) > 366 * 5:
        chosen = today
    return chosen - timedelta(days=chosen.weekday())


@page(roles=("worker",))
async def diary_page(request: Request) -> Response:
    ctx = context_of(request)
    user: Principal = request.state.user
    monday = week_of(request, ctx.today())
    start = datetime.combine(monday, time(), LONDON)
    end = datetime.combine(monday + timedelta(days=7), time(), LONDON)

    def load() -> list[DiaryEntry]:
        with ctx.sessions() as session:
            return staff.diary(session, user.own_worker_id, start, end, now=ctx.now())

    entries = await run_in_threadpool(load)
    days = [(monday + timedelta(days=number),
             [entry for entry in entries if entry.starts_at.astimezone(LONDON).date() == monday + timedelta(days=number)])
            for number in range(7)]
    return render(request, "diary.html", title="Your week", monday=monday, days=days, count=len(entries),
                  previous=(monday - timedelta(days=7)).isoformat(), following=(monday + timedelta(days=7)).isoformat(),
                  this_week=monday == ctx.today() - timedelta(days=ctx.today().weekday()))


routes = [Route("/diary", diary_page, methods=["GET"])]
