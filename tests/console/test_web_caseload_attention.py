"""Why a person on the caseload needs a look: every reason, in the order the page shows them."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from casefile import staff
from casefile.models import Appointment, OutboxMessage, Worker
from console.routes.caseload import attention_notes, load_caseload
from tests.casefile.factories import NOW, SYSTEM, link_telegram, make_appointment, make_person, make_worker
from tests.console.console_helpers import Console


def test_every_reason_is_listed_in_order_and_only_for_that_person(session: Session) -> None:
    dee = make_worker(session, name="Dee")
    ash = make_person(session, name="Zed", lead=dee)
    bo = make_person(session, name="Al", lead=dee)
    staff.update_pharmacy_plan(session, SYSTEM, ash.id, None, pharmacy_name="Hill Pharmacy", missed_in_a_row=1,
                               now=NOW)
    missed = [make_appointment(session, ash, dee, start=NOW - timedelta(days=days)) for days in (2, 3)]
    make_appointment(session, ash, dee, start=NOW - timedelta(days=4))  # not marked either way
    make_appointment(session, ash, dee, start=NOW - timedelta(days=20))  # too long ago to count
    make_appointment(session, ash, dee, start=NOW - timedelta(minutes=30))  # may still be going on
    soon = make_appointment(session, ash, dee, start=NOW + timedelta(days=2))
    session.execute(update(Appointment).where(Appointment.id.in_([a.id for a in missed])).values(status="missed"))
    reminder = session.scalars(select(OutboxMessage.id).where(OutboxMessage.appointment_id == soon.id)).first()
    session.execute(update(OutboxMessage).where(OutboxMessage.id == reminder).values(state="failed"))
    session.commit()

    notes = attention_notes(session, [ash.id, bo.id], NOW)
    assert notes == {
        ash.id: ["Missed 1 pharmacy pick-up in a row", "Missed 2 appointments in the last 2 weeks",
                 "1 past appointment not marked attended or missed", "1 reminder could not be sent"],
        bo.id: [],
    }
    lines = load_caseload(session, dee.id, NOW, NOW.date())
    assert [line.row.preferred_name for line in lines] == ["Zed", "Al"]  # needing attention first, then by name
    assert attention_notes(session, [], NOW) == {}


def _names(page: Any) -> list[str]:
    return re.findall(r'<a class="govuk-link" href="/people/\d+">([^<]+)</a>', page.text)


def test_a_worker_searches_filters_and_sorts_the_caseload_with_a_count(console: Console) -> None:
    with console.sessions() as session:
        lou = session.get_one(Worker, console.ids["lou"])
        ali = make_person(session, "Ali", lead=lou, stage="in_prison")
        zed = make_person(session, "Zed", lead=lou, stage="on_licence")
        now = console.client.app.state.ctx.now()
        make_appointment(session, zed, lou, start=now + timedelta(hours=3))
        make_appointment(session, ali, lou, start=now + timedelta(days=30))
        link_telegram(session, ali.id)
        ali_ref = ali.ref
    browser = console.as_user("lou@example.org")
    everyone = browser.get("/caseload")
    assert sorted(_names(everyone)) == ["Ali", "Sam", "Zed"] and "3 people." in everyone.text
    found = browser.get("/caseload", params={"q": "ali"})
    assert _names(found) == ["Ali"] and "Showing 1 of 3 people" in found.text
    assert _names(browser.get("/caseload", params={"q": ali_ref.lower()})) == ["Ali"]
    assert sorted(_names(browser.get("/caseload", params={"filter": "no_chat"}))) == ["Sam", "Zed"]
    assert _names(browser.get("/caseload", params={"filter": "this_week"})) == ["Zed"]
    assert _names(browser.get("/caseload", params={"stage": "in_prison"})) == ["Ali"]
    assert _names(browser.get("/caseload", params={"sort": "name"})) == ["Ali", "Sam", "Zed"]
    assert _names(browser.get("/caseload", params={"sort": "next"})) == ["Zed", "Ali", "Sam"]
    nobody = browser.get("/caseload", params={"q": "nobody like this"})
    assert _names(nobody) == [] and "Nobody matches" in nobody.text
    # Nonsense in the address is ignored, never an error.
    odd = browser.get("/caseload", params={"filter": "<x>", "sort": "drop table", "q": "x" * 500})
    assert odd.status_code == 200
