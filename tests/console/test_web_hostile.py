"""Hostile files and fields in the staff console (issue 15 item 6): a plain page that says what is wrong, never a
500; nothing saved. Feeds nested deep, with a 5,000-digit number, NaN or a name given twice; a booking at a time
the clocks skip, in the year 9999, or with a control character typed into it.
"""

from __future__ import annotations

import html

import pytest
from sqlalchemy import func, select

from casefile.models import Appointment
from tests.console.console_helpers import Console, csrf, post_form

ONLY_SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
ROW = '{"feed": "appointments", "agency": "PS", "rows": [{"ref": "A-1", "minutes": %s}]}'


@ONLY_SQLITE
@pytest.mark.parametrize(("feed", "says"), [
    ('{"feed": "people", "agency": "PS", "rows": ' + "[" * 50_000 + "]" * 50_000 + "}", "nested more than"),
    (ROW % ("9" * 5000), "5000 digits long"),
    (ROW % "NaN", "NaN in it"),
    ('{"feed": "people", "feed": "people", "agency": "PS", "rows": []}', 'gives "feed" twice'),
    ("ref,preferred_name,agency\nP-\u200b1,Sam,PS\n", "invisible character"),
])
def test_a_hostile_feed_gets_a_plain_page(console: Console, feed: str, says: str) -> None:
    ada = console.as_user("ada@example.org")
    token = csrf(ada.get("/admin/import"))
    name = "people.csv" if feed.startswith("ref,") else "feed.json"
    response = ada.post("/admin/import", data={"csrf_token": token, "step": "check"},
                        files={"feed": (name, feed.encode(), "application/octet-stream")})
    assert response.status_code == 400
    assert says in html.unescape(response.text)


def _booking(console: Console, **changes: str) -> dict[str, str]:
    form = {"date-day": "26", "date-month": "3", "date-year": "2028", "time": "10:30", "minutes": "45",
            "place": "Lewisham probation office", "address": "1 High Street", "kind": "probation",
            "bring": "Your letter", "worker": str(console.ids["lou"])}
    return {**form, **changes}


@pytest.mark.parametrize(("changes", "says"), [
    ({"time": "1:30am"}, "01:30 on 2028-03-26 does not happen in London"),  # the last Sunday of March
    ({"date-year": "9999"}, "too far in the past or the future"),
    ({"date-year": "1800"}, "too far in the past or the future"),
    ({"date-day": "\u00b2\u2076"}, "must be a real date"),  # superscript digits
    ({"minutes": "\u0664\u0665"}, "whole number from 5 to 1440"),  # Arabic-Indic digits
    ({"place": "Office\x00 2"}, "hidden control character"),
    ({"bring": "Your letter\x1b[2J"}, "hidden control character"),
])
def test_a_hostile_booking_gets_a_plain_page_and_saves_nothing(console: Console, changes: dict[str, str],
                                                                says: str) -> None:
    lou = console.as_user("lou@example.org")
    path = f"/people/{console.ids['sam']}/appointments/new"
    response = post_form(lou, path, path, _booking(console, **changes))
    assert response.status_code == 400
    assert says in html.unescape(response.text)
    with console.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Appointment)) == 0


def test_the_same_booking_at_a_real_time_goes_through(console: Console) -> None:
    lou = console.as_user("lou@example.org")
    path = f"/people/{console.ids['sam']}/appointments/new"
    # A superscript "1" for the worker was a 500 (int() cannot read it); like any word, it books with oneself.
    assert post_form(lou, path, path, _booking(console, time="2:30am", worker="\u00b9")).status_code == 303
    with console.sessions() as session:
        assert session.scalars(select(Appointment.worker_id)).one() == console.ids["lou"]
