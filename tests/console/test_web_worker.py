"""Workers and leads in the console: caseload, a person's page, and every action from it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from casefile import linking, notes, people, staff
from casefile.actors import PersonActor, StaffActor
from casefile.clock import LONDON
from casefile.models import (
    Appointment,
    AuditEvent,
    CaseUpdate,
    JourneyPosition,
    OutboxMessage,
    Person,
    PharmacyPlan,
    Worker,
)
from console import accounts
from tests.casefile.factories import (
    NOW,
    POLICY,
    SYSTEM,
    assign,
    link_telegram,
    make_agency,
    make_appointment,
    make_worker,
)
from tests.console.console_helpers import CHEAP_CODES, FAST_HASHER, PASSWORD, Console, post_form


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


def test_what_to_bring_starts_empty_and_empty_means_nothing_to_bring(console: Console) -> None:
    lou = console.as_user("lou@example.org")
    form_page = f"/people/{console.ids['sam']}/appointments/new"
    blank = lou.get(form_page)
    textarea = re.search(r'<textarea[^>]*name="bring"[^>]*>(.*?)</textarea>', blank.text, re.S)
    assert textarea is not None and textarea.group(1) == ""
    assert ">None<" not in blank.text and 'value="None"' not in blank.text
    response = post_form(lou, form_page, form_page, {**_booking(console), "bring": textarea.group(1)})
    assert response.status_code == 303
    page = lou.get(response.headers["location"])
    assert "None" not in re.sub(r"<[^>]+>", " ", page.text).split()
    with console.sessions() as session:
        appointment = session.scalars(select(Appointment).where(Appointment.place == "Lewisham probation office")).one()
        assert appointment.bring == ""


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
    # Not linked yet: the worker is told at once, and nothing is queued to be cancelled later unseen.
    assert "Not linked yet" in lou.get(path).text and "Not linked yet" in lou.get(f"/people/{console.ids['sam']}").text
    refused = post_form(lou, path, path, {"text": "See you on Tuesday at 10.", "step": "send"})
    assert refused.status_code == 400 and "has not linked a chat yet" in refused.text
    with console.sessions() as session:
        assert session.scalars(select(OutboxMessage)).all() == []
        link_telegram(session, console.ids["sam"])
    assert "Chat linked: Telegram" in lou.get(f"/people/{console.ids['sam']}").text
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
    # Bo is Sam's housing worker: pharmacy details are for the lead and the health or drug worker.
    assert "Hill Pharmacy" not in page.text
    assert "for the lead professional and the health or drug worker" in page.text
    assert "Hill Pharmacy" in console.as_user("lou@example.org").get(f"/people/{console.ids['sam']}").text


def test_pharmacy_details_reach_the_lead_and_the_drug_worker_only(console: Console) -> None:
    sam = console.ids["sam"]
    with console.sessions() as session:
        staff.update_pharmacy_plan(session, StaffActor(console.ids["lou"]), sam, None, pharmacy_name="Hill Pharmacy",
                                   open_days=[0, 1, 2, 3, 4], opens_at=time(9), closes_at=time(17),
                                   pickup_days=[0, 1, 2, 3, 4], missed_in_a_row=2, now=NOW)
        staff.assign_worker(session, StaffActor(console.ids["lou"]), sam, console.ids["cat"],
                            "Drug and alcohol worker", False, now=NOW)
        bo_view = staff.person_file(session, StaffActor(console.ids["bo"]), sam, NOW.date(), NOW)
        cat_view = staff.person_file(session, StaffActor(console.ids["cat"]), sam, NOW.date(), NOW)
    assert bo_view.pharmacy_plan is None and cat_view.pharmacy_plan is not None  # in the case file, every surface
    assert "Hill Pharmacy" in console.as_user("cat@example.org").get(f"/people/{sam}").text
    assert "pharmacy pick-ups in a row" in console.as_user("cat@example.org").get("/caseload").text
    assert "pharmacy pick-ups in a row" not in console.as_user("bo@example.org").get("/caseload").text


def test_an_appointment_changed_through_another_persons_page_is_not_found_and_left_alone(console: Console) -> None:
    # Lou works with Kim too, so the service would allow the change: only the page's person is wrong.
    with console.sessions() as session:
        kim = session.get_one(Person, console.ids["kim"])
        staff.assign_worker(session, SYSTEM, kim.id, console.ids["lou"], "Probation officer", False, now=NOW)
        kims = make_appointment(session, kim, session.get_one(Worker, console.ids["lou"]), start=NOW + timedelta(days=2),
                                place="Kim's office")
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


def _journey_form(**changes: str) -> dict[str, str]:
    form = {"stage": "recalled", "prison": "HMP Brixton", "version": "1",
            "release_date-day": "21", "release_date-month": "1", "release_date-year": "2027",
            "release_confirmed": "yes", "tell_person": "yes"}
    return {**form, **changes}


def test_the_lead_changes_the_stage_and_dates_and_the_person_is_told(console: Console) -> None:
    sam, lou = console.ids["sam"], console.as_user("lou@example.org")
    page = f"/people/{sam}/journey"
    assert "Change the stage and dates" in lou.get(f"/people/{sam}").text
    form = lou.get(page)
    assert form.status_code == 200 and '<option value="on_licence" selected>' in form.text
    assert "Back in prison on recall" in form.text  # the stages come from the journeys content
    response = post_form(lou, page, page, _journey_form())
    assert response.status_code == 303 and response.headers["location"].endswith("done=journey#stage")
    with console.sessions() as session:
        position = session.get_one(JourneyPosition, sam)
        assert (position.stage, position.prison, position.release_confirmed) == ("recalled", "HMP Brixton", True)
        assert position.release_date == date(2027, 1, 21) and position.licence_end is None
        view = people.person_view(session, sam, NOW.date(), NOW)
    assert "journey.changed" in {update.kind for update in view.unseen_updates}
    assert "The stage and dates are saved." in lou.get(f"/people/{sam}?done=journey").text
    # The form read before that change is now out of date: nothing is overwritten.
    stale = post_form(lou, page, page, _journey_form(stage="on_licence"))
    assert stale.status_code == 400 and "Someone else changed this" in stale.text


def test_a_bad_journey_form_is_shown_again_with_every_problem_and_changes_nothing(console: Console) -> None:
    sam, lou = console.ids["sam"], console.as_user("lou@example.org")
    page = f"/people/{sam}/journey"
    response = post_form(lou, page, page, _journey_form(
        stage="on_the_moon", **{"release_date-month": "", "licence_end-day": "31", "licence_end-month": "2",
                                "licence_end-year": "2027"}))
    assert response.status_code == 400
    assert "Choose one of the stages" in response.text
    assert "Enter the release date, with a day, month and year" in response.text
    assert "The date the licence ends must be a real date" in response.text
    assert 'href="#release_date-day"' in response.text  # the error summary links to the first box
    unconfirmed = post_form(lou, page, page, _journey_form(**{"release_date-day": "", "release_date-month": "",
                                                             "release_date-year": ""}))
    assert "Enter the release date before you mark it confirmed" in unconfirmed.text
    with console.sessions() as session:
        position = session.get_one(JourneyPosition, sam)
        assert (position.stage, position.version) == ("on_licence", 1)


def test_only_the_lead_changes_the_stage_and_the_refusal_is_audited(console: Console) -> None:
    sam, bo = console.ids["sam"], console.as_user("bo@example.org")
    page = f"/people/{sam}/journey"
    assert "Change the stage and dates" not in bo.get(f"/people/{sam}").text
    assert bo.get(page).status_code == 403
    refused = post_form(bo, f"/people/{sam}", page, _journey_form())
    assert refused.status_code == 403 and "Only the lead professional" in refused.text
    with console.sessions() as session:
        assert session.get_one(JourneyPosition, sam).stage == "on_licence"
        denied = session.scalars(select(AuditEvent).where(AuditEvent.action == "read.web.denied")).all()
    assert len(denied) == 2 and all(event.actor_name == f"staff:{console.ids['bo']}" for event in denied)
    cat = console.as_user("cat@example.org")  # not on Sam's team at all
    assert cat.get(page).status_code == 403


def test_ids_that_are_not_numbers_are_not_found(console: Console) -> None:
    lou = console.as_user("lou@example.org")
    sam = console.ids["sam"]
    assert lou.get("/people/sam").status_code == 404
    assert lou.get(f"/people/{sam}/appointments/first/move").status_code == 404
    assert "could not find that page" in lou.get(f"/people/{sam}x/journey").text


def test_case_notes_are_for_the_team_audited_and_reach_the_person_only_when_shared(console: Console) -> None:
    sam = console.ids["sam"]
    person = f"/people/{sam}"
    lou = console.as_user("lou@example.org")
    empty = post_form(lou, person, f"{person}/notes", {"note": "   "})
    assert empty.status_code == 400 and 'id="note-error"' in empty.text and "Please write the note" in empty.text
    assert post_form(lou, person, f"{person}/notes", {"note": "Housing form sent to the council."}).status_code == 303
    shared = post_form(lou, person, f"{person}/notes", {"note": "Well done on your first week.", "share": "yes"})
    page = lou.get(shared.headers["location"])
    assert "Your note is on the file" in page.text
    # Bo, on Sam's team for another role, reads both; Cat, not on the team, cannot add one.
    bo_page = console.as_user("bo@example.org").get(person)
    assert "Housing form sent to the council." in bo_page.text and "Well done on your first week." in bo_page.text
    assert "Lou Lead (PS)" in bo_page.text
    cat = console.as_user("cat@example.org")
    assert post_form(cat, "/caseload", f"{person}/notes", {"note": "Not my person"}).status_code == 403
    with console.sessions() as session:
        told = session.scalars(select(CaseUpdate).where(CaseUpdate.person_id == sam, CaseUpdate.kind == "note.added")
                               .order_by(CaseUpdate.id)).all()
        reads = session.scalars(select(AuditEvent.actor_name).where(AuditEvent.action == "read.case_notes")).all()
        denied = session.scalars(select(AuditEvent).where(AuditEvent.action == "write.case_note",
                                                          AuditEvent.outcome == "denied")).all()
    assert [(update.tell_person, update.summary) for update in told] == [
        (False, ""), (True, "Well done on your first week.")]  # the unshared note's words stay off the person's side
    assert f"staff:{console.ids['bo']}" in reads and len(denied) == 1


def test_a_wrong_outcome_is_corrected_with_its_reason_and_a_future_one_is_refused(console: Console) -> None:
    sam = console.ids["sam"]
    person = f"/people/{sam}"
    now = console.client.app.state.ctx.now()
    with console.sessions() as session:
        sam_person = session.get_one(Person, sam)
        past = make_appointment(session, sam_person, start=now - timedelta(hours=3))
        coming = make_appointment(session, sam_person, start=now + timedelta(days=2))
        past_id, coming_id = past.id, coming.id
    lou = console.as_user("lou@example.org")
    early = post_form(lou, person, f"{person}/appointments/{coming_id}/outcome", {"status": "missed", "version": "1"})
    assert early.status_code == 400 and "has not started yet" in early.text
    marked = post_form(lou, person, f"{person}/appointments/{past_id}/outcome", {"status": "missed", "version": "1"})
    assert marked.status_code == 303
    page = lou.get(person)
    assert "Marked wrongly? Correct it to attended" in page.text
    no_reason = post_form(lou, person, f"{person}/appointments/{past_id}/outcome",
                          {"status": "attended", "version": "2", "reason": ""})
    assert no_reason.status_code == 400 and "say why the outcome was wrong" in no_reason.text
    fixed = post_form(lou, person, f"{person}/appointments/{past_id}/outcome",
                      {"status": "attended", "version": "2", "reason": "They signed in late at reception"})
    assert fixed.status_code == 303
    with console.sessions() as session:
        appointment = session.get_one(Appointment, past_id)
        assert (appointment.status, appointment.status_reason) == ("attended", "They signed in late at reception")
        kinds = session.scalars(select(CaseUpdate.kind).where(CaseUpdate.subject_id == past_id,
                                                              CaseUpdate.subject == "appointment")).all()
    assert kinds[-2:] == ["appointment.missed", "appointment.attended"]


def test_the_week_view_shows_ones_own_appointments_and_for_a_lead_the_team_s(console: Console) -> None:
    now = console.client.app.state.ctx.now()  # a Wednesday morning
    monday = (now.astimezone(LONDON) - timedelta(days=now.astimezone(LONDON).weekday())).date()
    with console.sessions() as session:
        sam, kim = session.get_one(Person, console.ids["sam"]), session.get_one(Person, console.ids["kim"])
        lou, bo, cat = (session.get_one(Worker, console.ids[name]) for name in ("lou", "bo", "cat"))
        make_appointment(session, sam, lou, start=now + timedelta(hours=2), place="Lewisham office")
        make_appointment(session, sam, bo, start=now + timedelta(days=1), place="Housing hub", kind="housing")
        make_appointment(session, kim, cat, start=now + timedelta(days=1), place="Kim's prison")
        make_appointment(session, sam, lou, start=now + timedelta(days=8), place="Next week's office")
    lou_week = console.as_user("lou@example.org").get("/diary")
    assert lou_week.status_code == 200 and "Week starting" in lou_week.text
    assert "Lewisham office" in lou_week.text and "Housing hub" in lou_week.text  # Lou leads Sam: the team's too
    assert "Kim&#39;s prison" not in lou_week.text and "Next week&#39;s office" not in lou_week.text
    assert "2 appointments" in lou_week.text and "Bo Helper" in lou_week.text
    bo_week = console.as_user("bo@example.org").get("/diary")
    assert "Housing hub" in bo_week.text and "Lewisham office" not in bo_week.text  # Bo: only Bo's own
    following = console.as_user("lou@example.org").get("/diary",
                                                       params={"week": (monday + timedelta(days=7)).isoformat()})
    assert "Next week&#39;s office" in following.text
    assert console.as_user("lou@example.org").get("/diary", params={"week": "not a date"}).status_code == 200


def test_the_lead_hands_a_person_over_and_the_person_is_told(console: Console) -> None:
    sam = console.ids["sam"]
    person = f"/people/{sam}"
    lou = console.as_user("lou@example.org")
    bo = console.as_user("bo@example.org")
    # Only the lead changes the team.
    assert post_form(bo, person, f"{person}/team", {"worker_ref": "W-CAT", "role": "Mentor"}).status_code == 403
    unknown = post_form(lou, person, f"{person}/team", {"worker_ref": "W-NOBODY", "role": "Mentor"})
    assert unknown.status_code == 400 and "No worker has the reference W-NOBODY" in unknown.text
    added = post_form(lou, person, f"{person}/team", {"worker_ref": "W-CAT", "role": "Probation officer", "lead": "yes"})
    assert added.status_code == 303
    page = console.as_user("cat@example.org").get(person)
    assert "Cat Other" in page.text and "Take off the team" in page.text  # Cat is lead now
    assert "Take off the team" not in lou.get(person).text  # Lou is not lead any more
    cat = console.as_user("cat@example.org")
    assert post_form(cat, person, f"{person}/team/{console.ids['lou']}/end", {}).status_code == 303
    assert lou.get(person).status_code == 403  # Lou has handed Sam over
    with console.sessions() as session:
        told = session.scalars(select(CaseUpdate.summary).where(
            CaseUpdate.person_id == sam, CaseUpdate.tell_person.is_(True),
            CaseUpdate.kind.in_(("team.changed", "team.lead_changed", "team.left"))).order_by(CaseUpdate.id)).all()
    assert "Cat Other is now your lead professional: the one person who keeps your plan together." in told
    assert "Lou Lead is no longer on your team." in told


def test_the_lead_edits_the_licence_conditions_in_plain_words(console: Console) -> None:
    sam = console.ids["sam"]
    person = f"/people/{sam}"
    lou = console.as_user("lou@example.org")
    form = lou.get(f"{person}/licence")
    assert form.status_code == 200 and 'name="official-0"' in form.text
    assert console.as_user("bo@example.org").get(f"{person}/licence").status_code == 403
    half = post_form(lou, f"{person}/licence", f"{person}/licence",
                     {"rows": "2", "official-0": "Reside permanently at an address approved by the supervising "
                                                 "officer", "plain-0": ""})
    assert half.status_code == 400 and "needs the official wording and a plain version" in half.text
    saved = post_form(lou, f"{person}/licence", f"{person}/licence", {
        "rows": "3",
        "official-0": "Reside permanently at an address approved by the supervising officer",
        "plain-0": "Live at the address your probation officer agreed.",
        "official-1": "Not travel outside the United Kingdom without prior permission",
        "plain-1": "Ask your probation officer before you leave the UK.",
        "official-2": "", "plain-2": ""})
    assert saved.status_code == 303
    page = lou.get(person)
    assert "Live at the address your probation officer agreed." in page.text
    assert "Official words: Not travel outside the United Kingdom" in page.text
    with console.sessions() as session:
        update = session.scalars(select(CaseUpdate).where(CaseUpdate.kind == "licence_conditions.changed")).one()
    assert update.tell_person and update.summary == "Your licence rules have changed."


def test_case_updates_say_what_changed_in_words_not_field_names(console: Console) -> None:
    sam = console.ids["sam"]
    start = datetime(2027, 6, 15, 10, 0, tzinfo=LONDON)  # a Tuesday
    with console.sessions() as session:
        appointment = make_appointment(session, session.get_one(Person, sam), start=start.astimezone(UTC))
        staff.move_appointment(session, StaffActor(console.ids["lou"]), appointment.id,
                               datetime(2027, 6, 16, 14, 0, tzinfo=LONDON), 1, policy=POLICY, now=NOW)
        staff.update_journey(session, StaffActor(console.ids["lou"]), sam, 1, stage="recalled", now=NOW)
    page = console.as_user("lou@example.org").get(f"/people/{sam}")
    updates = page.text[page.text.index('id="updates"'):page.text.index('id="money"')]
    assert "Appointment moved from Tue 15 Jun 10:00 to Wed 16 Jun 14:00." in updates
    assert "Changed stage from on licence to recalled." in updates
    assert "starts_at" not in updates and "status" not in updates


def test_the_lead_downloads_the_subject_access_export_and_nobody_else_does(console: Console) -> None:
    sam = console.ids["sam"]
    lou = console.as_user("lou@example.org")
    assert "Download everything Signpost holds about Sam" in lou.get(f"/people/{sam}").text
    download = lou.get(f"/people/{sam}/export.json")
    assert download.status_code == 200 and download.headers["content-type"].startswith("application/json")
    assert download.headers["content-disposition"].startswith('attachment; filename="signpost-')
    assert download.json()["person"]["preferred_name"] == "Sam"
    bo = console.as_user("bo@example.org")  # on Sam's team, not the lead
    assert "Download everything" not in bo.get(f"/people/{sam}").text
    assert bo.get(f"/people/{sam}/export.json").status_code == 403
    with console.sessions() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "read.export")).all()
    assert {(event.actor_name, event.outcome) for event in events} == {
        (f"staff:{console.ids['bo']}", "denied"), (f"staff:{console.ids['lou']}", "ok")}


def test_buttons_for_another_agencys_appointments_show_only_to_those_who_may_change_them(console: Console) -> None:
    with console.sessions() as session:
        sam = session.get_one(Person, console.ids["sam"])
        lou = session.get_one(Worker, console.ids["lou"])
        hal = make_worker(session, make_agency(session, "HOUSE"), name="Hal Housing", ref="W-HAL")
        assign(session, sam, hal, role="Housing worker")
        accounts.add_account(session, SYSTEM, "hal@example.org", "worker", worker_ref="W-HAL", password=PASSWORD,
                             hasher=FAST_HASHER, now=NOW)
        coming = make_appointment(session, sam, lou, start=NOW + timedelta(days=2), place="Probation office")
        past = make_appointment(session, sam, lou, start=NOW - timedelta(days=1), place="Past probation office")
        own = make_appointment(session, sam, hal, start=NOW + timedelta(days=3), place="Housing office",
                               kind="housing")
    person = f"/people/{console.ids['sam']}"
    move, cancel = f"{person}/appointments/{coming.id}/move", f"{person}/appointments/{coming.id}/cancel"
    outcome = f"{person}/appointments/{past.id}/outcome"
    hal_page = console.as_user("hal@example.org").get(person).text
    assert "Probation office" in hal_page and "Past probation office" in hal_page
    assert move not in hal_page and cancel not in hal_page and outcome not in hal_page
    assert f"{person}/appointments/{own.id}/move" in hal_page  # their own agency's: theirs to change
    assert "ask the lead professional to move or cancel it" in hal_page
    for who in ("lou@example.org", "bo@example.org"):  # the lead; a worker of the appointment's own agency
        page = console.as_user(who).get(person).text
        assert move in page and cancel in page and outcome in page, who
    lead_page = console.as_user("lou@example.org").get(person).text
    assert f"{person}/appointments/{own.id}/move" in lead_page  # the lead changes any agency's
    # A crafted request from Hal is still refused by the case file.
    hal = console.as_user("hal@example.org")
    refused = post_form(hal, person, outcome, {"status": "attended", "version": "1"})
    assert refused.status_code == 403 and "another agency" in refused.text
    assert post_form(hal, person, cancel, {"version": "1", "reason": "x"}).status_code == 403


def test_the_person_page_puts_the_days_things_first_and_folds_long_lists_the_print_view_shows_all(
        console: Console) -> None:
    sam = console.ids["sam"]
    with console.sessions() as session:
        person = session.get_one(Person, sam)
        lou = session.get_one(Worker, console.ids["lou"])
        make_appointment(session, person, lou, start=NOW + timedelta(days=2), place="Next office")
        for n in range(8):
            notes.add_note(session, StaffActor(lou.id), sam, f"Note {n} about the bus pass.", now=NOW)
    lou_browser = console.as_user("lou@example.org")
    page = lou_browser.get(f"/people/{sam}").text
    order = [page.index(marker) for marker in ('id="at-a-glance"', "Next office", 'id="team"', 'id="notes"',
                                               'id="updates"', 'id="stage"')]
    assert order == sorted(order), order  # next appointment and team before the long lists and the dates
    glance = page[page.index('id="at-a-glance"'):page.index('id="appointments"')]
    assert "Next office" in glance and "Lou Lead" in glance
    shown, folded = page.split('id="all-case-notes"')
    assert [f"Note {n} " in shown.split('id="case-notes"')[1] for n in range(8)] == [False] * 3 + [True] * 5
    assert all(f"Note {n} " in folded for n in range(3)) and "Show all 8 case notes" in folded
    assert '<details class="govuk-details" id="all-case-notes">' in page  # closed on the page
    printed = lou_browser.get(f"/people/{sam}/print")
    assert printed.status_code == 200
    assert '<details class="govuk-details" id="all-case-notes" open>' in printed.text
    assert all(f"Note {n} " in printed.text for n in range(8))
    assert 'action="/people/' not in printed.text  # no forms on the print view
    assert "data-print" in printed.text
    assert console.as_user("cat@example.org").get(f"/people/{sam}/print").status_code == 403  # not Cat's person
