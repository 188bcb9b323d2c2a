"""Workers and leads in the console: caseload, a person's page, and every action from it."""

from __future__ import annotations

import re
from datetime import time, timedelta

from sqlalchemy import select

from bot.i18n import LONDON
from casefile import linking, people, staff
from casefile.actors import PersonActor, StaffActor
from casefile.models import Appointment, AuditEvent, OutboxMessage, Person, PharmacyPlan
from tests.casefile.factories import NOW, SYSTEM, make_appointment
from tests.web.conftest import CHEAP_CODES, Console, post_form


def _booking(console: Console, **changes: str) -> dict[str, str]:
    start = (NOW + timedelta(days=3)).astimezone(LONDON)
    form = {"date-day": str(start.day), "date-month": str(start.month), "date-year": str(start.year),
            "time": "2:30pm", "minutes": "45", "place": "Lewisham probation office", "address": "1 High Street",
            "kind": "probation", "bring": "Your letter", "worker": str(console.ids["lou"])}
    return {**form, **changes}


def test_caseload_shows_only_ones_own_people_with_attention_first(console: Console) -> None:
    with console.sessions() as session:
        staff.update_pharmacy_plan(session, SYSTEM, console.ids["sam"], None, pharmacy_name="Hill Pharmacy",
                                   missed_in_a_row=2, now=NOW)
    page = console.as_user("lou@example.org").get("/caseload")
    assert page.status_code == 200
    assert "Sam" in page.text and "Kim" not in page.text
    assert "Missed 2 pharmacy pick-ups in a row" in page.text
    assert "you are lead" in page.text
    with console.sessions() as session:
        reads = session.scalars(select(AuditEvent).where(AuditEvent.action == "read.caseload")).all()
    assert [event.actor_name for event in reads] == [f"staff:{console.ids['lou']}"]


def test_booking_shows_the_appointment_and_its_planned_reminders(console: Console) -> None:
    lou = console.as_user("lou@example.org")
    sam = console.ids["sam"]
    form_page = f"/people/{sam}/appointments/new"
    response = post_form(lou, form_page, form_page, _booking(console))
    assert response.status_code == 303
    page = lou.get(response.headers["location"])
    assert "The appointment is booked" in page.text
    assert "Lewisham probation office" in page.text and "14:30" in page.text
    assert "Reminders for this appointment" in page.text
    assert len(re.findall(r">\s*Planned\s*<", page.text)) == 2  # the default offsets: a day and two hours before
    assert "Lou Lead (PS)" in page.text  # the case update says who made it
    with console.sessions() as session:
        appointment = session.scalars(select(Appointment).where(Appointment.place == "Lewisham probation office")).one()
        assert appointment.worker_id == console.ids["lou"]
        assert appointment.minutes == 45


def test_a_form_with_problems_lists_them_at_the_top_and_beside_each_field(console: Console) -> None:
    lou = console.as_user("lou@example.org")
    path = f"/people/{console.ids['sam']}/appointments/new"
    response = post_form(lou, path, path, _booking(console, **{"date-day": "31", "date-month": "2", "time": "25:00",
                                                              "place": ""}))
    assert response.status_code == 400
    text = response.text
    assert "There is a problem" in text
    assert 'href="#date-day"' in text and 'href="#time"' in text and 'href="#place"' in text
    assert "must be a real date" in text and "Enter where it is" in text
    assert "Your letter" in text  # the typed words come back


def test_a_lead_books_for_the_team_and_others_may_not(console: Console) -> None:
    sam = console.ids["sam"]
    path = f"/people/{sam}/appointments/new"
    lou = console.as_user("lou@example.org")
    assert "Bo Helper" in lou.get(path).text  # the lead may choose anyone on the team
    response = post_form(lou, path, path, _booking(console, worker=str(console.ids["bo"]), place="Housing office"))
    assert response.status_code == 303
    bo = console.as_user("bo@example.org")
    assert "Lou Lead" not in bo.get(path).text
    response = post_form(bo, path, path, _booking(console, worker=str(console.ids["lou"]), place="Sneaky"))
    assert response.status_code == 403
    with console.sessions() as session:
        booked = {a.place: a.worker_id for a in session.scalars(select(Appointment))}
    assert booked == {"Housing office": console.ids["bo"]}


def test_moving_and_cancelling_take_the_reminders_along(console: Console) -> None:
    with console.sessions() as session:
        appointment = make_appointment(session, session.get_one(Person, console.ids["sam"]),
                                       start=NOW + timedelta(days=2))
        appointment_id = appointment.id
    lou = console.as_user("lou@example.org")
    base = f"/people/{console.ids['sam']}/appointments/{appointment_id}"
    form = lou.get(f"{base}/move")
    assert form.status_code == 200 and 'name="version" value="1"' in form.text
    start = (NOW + timedelta(days=5)).astimezone(LONDON)
    response = post_form(lou, f"{base}/move", f"{base}/move", {
        "date-day": str(start.day), "date-month": str(start.month), "date-year": str(start.year), "time": "11:00",
        "minutes": "60", "place": "New office", "address": "", "version": "1"})
    assert response.status_code == 303
    with console.sessions() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.appointment_id == appointment_id)).all()
        assert {row.state for row in rows} == {"cancelled", "pending"}
        version = session.get_one(Appointment, appointment_id).version
    page = lou.get(f"/people/{console.ids['sam']}")
    assert "New office" in page.text and re.search(r">\s*Cancelled\s*<", page.text)
    stale = post_form(lou, f"{base}/cancel", f"{base}/cancel", {"reason": "", "version": "1"})
    assert stale.status_code == 400 and "Someone else changed this" in stale.text
    response = post_form(lou, f"{base}/cancel", f"{base}/cancel", {"reason": "Office closed", "version": str(version)})
    assert response.status_code == 303
    with console.sessions() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.appointment_id == appointment_id)).all()
        assert {row.state for row in rows} == {"cancelled"}


def test_marking_a_past_appointment_attended_or_missed(console: Console) -> None:
    with console.sessions() as session:
        sam = session.get_one(Person, console.ids["sam"])
        earlier = make_appointment(session, sam, start=NOW - timedelta(days=2), place="Past office")
        other = make_appointment(session, sam, start=NOW - timedelta(days=3), place="Older office")
        ids = (earlier.id, other.id)
    lou = console.as_user("lou@example.org")
    page = lou.get(f"/people/{console.ids['sam']}")
    assert "Past office" in page.text and "Mark as attended" in page.text
    person = f"/people/{console.ids['sam']}"
    for appointment_id, status in zip(ids, ("attended", "missed"), strict=True):
        response = post_form(lou, person, f"{person}/appointments/{appointment_id}/outcome",
                             {"status": status, "version": "1"})
        assert response.status_code == 303
    with console.sessions() as session:
        assert [session.get_one(Appointment, i).status for i in ids] == ["attended", "missed"]
        follow_up = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "appointment_missed")).all()
        assert [row.appointment_id for row in follow_up] == [ids[1]]
    assert "Missed 1 appointment in the last 2 weeks" in lou.get("/caseload").text


def test_a_message_is_checked_then_queued_through_the_outbox(console: Console) -> None:
    lou = console.as_user("lou@example.org")
    path = f"/people/{console.ids['sam']}/message"
    hard = ("Your OASys review is booked and you must bring every document you have been given by the housing "
            "team and the jobcentre and the council so we can check them all.")
    checked = post_form(lou, path, path, {"text": hard, "step": "check"})
    assert checked.status_code == 200
    assert "OASys" in checked.text and "try plain words" in checked.text
    assert "words. Try two short sentences" in checked.text
    with console.sessions() as session:
        assert session.scalars(select(OutboxMessage)).all() == []
    sent = post_form(lou, path, path, {"text": "See you on Tuesday at 10.", "step": "send"})
    assert sent.status_code == 303
    with console.sessions() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "worker_message")).one()
        assert row.body == "See you on Tuesday at 10." and row.person_id == console.ids["sam"]
    page = lou.get(sent.headers["location"])
    assert "Your message is queued" in page.text and "See you on Tuesday at 10." in page.text


def test_the_link_code_card_has_the_code_and_a_qr_code_that_opens_the_bot(console: Console) -> None:
    lou = console.as_user("lou@example.org")
    person = f"/people/{console.ids['sam']}"
    card = post_form(lou, person, f"{person}/link-code", {})
    assert card.status_code == 200
    code = re.search(r'id="link-code">([A-Z0-9-]+)<', card.text).group(1)  # type: ignore[union-attr]
    assert "<svg" in card.text and "<title" in card.text and "@test_signpost_bot" in card.text
    with console.sessions() as session:
        link = linking.redeem_link_code(session, "telegram", "555", code, NOW + timedelta(minutes=1),
                                        hasher=CHEAP_CODES)
    assert link.person_id == console.ids["sam"]


def test_a_person_page_shows_the_answer_the_person_gave(console: Console) -> None:
    with console.sessions() as session:
        appointment = make_appointment(session, session.get_one(Person, console.ids["sam"]),
                                       start=NOW + timedelta(days=4), place="Answer office")
        people.respond_to_appointment(session, PersonActor(console.ids["sam"]), appointment.id, False,
                                      "My bus is off", appointment.version, now=NOW)
        staff.update_pharmacy_plan(session, StaffActor(console.ids["lou"]), console.ids["sam"], None,
                                   pharmacy_name="Hill Pharmacy", open_days=[0, 1, 2, 3, 4],
                                   opens_at=time(9), closes_at=time(17),
                                   pickup_days=[0, 1, 2, 3, 4], now=NOW)
        assert session.get_one(PharmacyPlan, console.ids["sam"]).pharmacy_name == "Hill Pharmacy"
    page = console.as_user("bo@example.org").get(f"/people/{console.ids['sam']}")
    assert "Cannot make it" in page.text and "My bus is off" in page.text
    assert "The person, in the chat" in page.text
    assert "Hill Pharmacy" in page.text


def test_an_appointment_changed_through_another_persons_page_is_not_found_and_left_alone(console: Console) -> None:
    # Lou works with Kim too, so the service would allow the change: only the page's person is wrong.
    with console.sessions() as session:
        kim = session.get_one(Person, console.ids["kim"])
        staff.assign_worker(session, SYSTEM, kim.id, console.ids["lou"], "Probation officer", False, now=NOW)
        kims = make_appointment(session, kim, start=NOW + timedelta(days=2), place="Kim's office")
        kims_id = kims.id
    lou = console.as_user("lou@example.org")
    wrong = f"/people/{console.ids['sam']}/appointments/{kims_id}"
    sam_page = f"/people/{console.ids['sam']}"
    cancelled = post_form(lou, sam_page, f"{wrong}/cancel", {"reason": "", "version": "1"})
    marked = post_form(lou, sam_page, f"{wrong}/outcome", {"status": "missed", "version": "1"})
    assert cancelled.status_code == marked.status_code == 404
    assert "could not find that appointment" in cancelled.text
    with console.sessions() as session:
        appointment = session.get_one(Appointment, kims_id)
        assert (appointment.status, appointment.version) == ("booked", 1)
    right = f"/people/{console.ids['kim']}/appointments/{kims_id}/cancel"
    assert post_form(lou, right, right, {"reason": "", "version": "1"}).status_code == 303
