"""A person's page and what a worker does from it: book, move, cancel, mark attended or missed,
send a message (checked for plain language first), print a link-code card, and (the lead
professional only) change the stage and key dates.

Every read and write goes through the case-file services as the worker (`StaffActor`), which check
the caseload and audit the access. A lead professional may also book for the others on the team.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from casefile import directory, export, linking, notes, outbox, records, sms_consent, staff
from casefile.actors import StaffActor
from casefile.errors import InvalidInput
from casefile.models import APPOINTMENT_KINDS
from casefile.views import BookingTeam, PersonView
from console.accounts import Principal
from console.forms import FormCheck, date_parts, skipped_problem
from console.linkcard import bot_link, qr_svg
from console.pages import (
    audit_denied,
    context_of,
    forbidden,
    not_found,
    page,
    read_form,
    redirect,
    render,
    text_field,
)
from console.person_data import load_person_page
from console.urgent_panel import SEEN_DONE
from glossary.message_check import check_message
from glossary.plain_language import read_plain_words
from journeys.live import JourneyContent

T = TypeVar("T")
DONE_MESSAGES = {
    "booked": "The appointment is booked. Its reminders are planned below.",
    "moved": "The appointment has moved. Its reminders have moved with it.",
    "cancelled": "The appointment is cancelled. Its reminders will not be sent.",
    "attended": "Marked as attended.",
    "missed": "Marked as missed. The person will get a kind message about what to do next.",
    "message": "Your message is queued. It is sent as soon as it is not quiet hours.",
    "journey": "The stage and dates are saved.",
    "note": "Your note is on the file.",
    "team": "The team is changed. The person is told in the chat.",
    "licence": "The licence conditions are saved. The person is told in the chat.",
    "urgent_seen": SEEN_DONE,
    "sms_number": "Signpost will text that number a code. The number is linked only when the person texts the "
                  "code back.",
    "sms_settings": "Their text message settings are saved.",
}
# The key dates a lead can change here, with their labels. Top-up supervision is left out: the
# Sentencing Act 2026 ended it, so nobody should be given a new top-up date.
JOURNEY_DATES = (
    ("sentence_date", "Sentence date", "the sentence date"),
    ("release_date", "Release date", "the release date"),
    ("hdc_eligibility_date", "HDC eligibility date", "the HDC eligibility date"),
    ("licence_end", "Licence ends", "the date the licence ends"),
    ("community_order_end", "Community order ends", "the date the community order ends"),
)
LEAD_ONLY_JOURNEY = "Only the lead professional can change the stage and dates. Ask them to do it."


def _ids(request: Request, *names: str) -> tuple[int, ...]:
    """The ids in the path; the routes' `:int` converters have already turned away anything else (404)."""
    return tuple(request.path_params[name] for name in names)


async def _with_session(request: Request, work: Callable[[Session], T]) -> T:
    ctx = context_of(request)

    def run() -> T:
        with ctx.sessions() as session:
            return work(session)

    return await run_in_threadpool(run)


def _actor(request: Request) -> StaffActor:
    user: Principal = request.state.user
    return StaffActor(user.worker_id)  # type: ignore[arg-type]


def _journeys(request: Request) -> JourneyContent:
    return context_of(request).journeys.current()


@page(roles=("worker",))
async def person_page(request: Request) -> Response:
    ids = _ids(request, "person_id")
    ctx = context_of(request)
    journeys = _journeys(request)
    data = await _with_session(request, lambda s: load_person_page(s, _actor(request), ids[0], ctx.today(),
                                                                    ctx.now(), journeys))
    done = DONE_MESSAGES.get(request.query_params.get("done", ""))
    return render(request, "person/page.html", title=data.view.person.preferred_name, p=data, done=done,
                  printing=False)


@page(roles=("worker",))
async def print_view(request: Request) -> Response:
    """The whole page with every list open and no forms: what the page holds, on paper."""
    ids = _ids(request, "person_id")
    ctx = context_of(request)
    journeys = _journeys(request)
    data = await _with_session(request, lambda s: load_person_page(s, _actor(request), ids[0], ctx.today(),
                                                                    ctx.now(), journeys))
    return render(request, "person/page.html", title=f"{data.view.person.preferred_name}: print view", p=data,
                  done=None, printing=True)


async def _file(request: Request, person_id: int) -> PersonView:
    ctx = context_of(request)
    return await _with_session(request, lambda s: staff.person_file(s, _actor(request), person_id, ctx.today(),
                                                                     ctx.now()))


async def _booking_team(request: Request, person_id: int) -> BookingTeam:
    return await _with_session(request, lambda s: staff.booking_team(s, _actor(request), person_id,
                                                                      now=context_of(request).now()))


def _team_choices(booking: BookingTeam, viewer: int) -> list[dict[str, Any]]:
    return [{"value": str(m.worker_id), "text": f"{m.name} ({m.agency_short_name}, {m.assignment_role})"}
            for m in booking.bookable_for(viewer)]


def _appointment_form(request: Request, person_id: int, person_name: str, *, mode: str, values: dict[str, str],
                      booking: BookingTeam | None = None, check: FormCheck | None = None, appointment: Any = None,
                      status_code: int = 200) -> Response:
    """The book form (with who it is with, from `booking`) or the move form (no `booking`)."""
    viewer = _actor(request).worker_id
    titles = {"book": "Book an appointment", "move": "Move an appointment"}
    return render(request, "person/appointment_form.html", status_code=status_code, title=titles[mode], mode=mode,
                  person_id=person_id, person_name=person_name, values=values,
                  errors=check.errors if check else {}, error_list=check.summary() if check else None, kinds=APPOINTMENT_KINDS,
                  appointment=appointment, team=_team_choices(booking, viewer) if booking else [],
                  is_lead=booking.asked_by_lead if booking else False)


@page(roles=("worker",))
async def book_form(request: Request) -> Response:
    ids = _ids(request, "person_id")
    booking = await _booking_team(request, ids[0])
    values = {"minutes": "60", "worker": str(_actor(request).worker_id), "kind": "probation"}
    return _appointment_form(request, booking.person_id, booking.preferred_name, mode="book", values=values,
                             booking=booking)


@page(roles=("worker",))
async def book(request: Request) -> Response:
    ids = _ids(request, "person_id")
    ctx = context_of(request)
    actor = _actor(request)
    form = await read_form(request)
    booking = await _booking_team(request, ids[0])
    check = FormCheck(form)
    day = check.day("date", label="the date")
    clock = check.clock("time", label="the time")
    minutes = check.whole_number("minutes", label="how long it lasts, in minutes", low=5, high=1440, default=60)
    place = check.text("place", label="where it is", required=True, limit=200)
    address = check.text("address", label="the address", limit=400)
    kind = check.text("kind", label="what it is for", required=True, limit=40)
    if kind and kind not in APPOINTMENT_KINDS:
        check.error("kind", "Choose what the appointment is for")
    bring = check.text("bring", label="what to bring", limit=1000)
    worker_raw = check.text("worker", label="who it is with")
    allowed = {m.worker_id for m in booking.bookable_for(actor.worker_id)}
    chosen = worker_raw.isascii() and worker_raw.isdigit() and len(worker_raw) <= 18
    worker_id = int(worker_raw) if chosen else actor.worker_id
    if worker_id not in allowed:
        if chosen and not booking.asked_by_lead:
            # Booking for someone else needs the lead's say-so: refuse and record the try.
            await audit_denied(request, request.state.user, f"book for worker {worker_id} without being lead")
            return forbidden(request, "Only the lead professional can book for someone else on the team.")
        check.error("worker", "Choose someone on this person's team")
    moment = skipped_problem(check, "time", day, clock)
    if moment is not None and moment <= ctx.now():
        check.error("date", "The appointment must be in the future")
    if not check.ok:
        return _appointment_form(request, booking.person_id, booking.preferred_name, mode="book",
                                 values={k: v for k, v in form.items() if isinstance(v, str)}, booking=booking,
                                 check=check, status_code=400)
    start = moment  # checked above: the form is only applied when every field is fine
    assert start is not None
    await _with_session(request, lambda s: staff.book_appointment(
        s, actor, ids[0], start, minutes or 60, place, address, kind, bring, worker_id,
        policy=ctx.settings.reminder_policy, now=ctx.now()))
    return redirect(f"/people/{ids[0]}?done=booked#appointments")


async def _upcoming_appointment(request: Request, verb: str) -> tuple[tuple[int, ...], PersonView, Any] | Response:
    """The person's file and one of their coming appointments from the URL, or the page to show instead."""
    ids = _ids(request, "person_id", "appointment_id")
    view = await _file(request, ids[0])
    appointment = next((a for a in view.appointments if a.id == ids[1]), None)
    if appointment is None:
        return not_found(request, f"That appointment is not coming up, so it cannot be {verb}.")
    return ids, view, appointment


@page(roles=("worker",))
async def move_form(request: Request) -> Response:
    found = await _upcoming_appointment(request, "moved")
    if isinstance(found, Response):
        return found
    _ids_found, view, appointment = found
    parts = date_parts(appointment.starts_at)
    values = {"date-day": parts["day"], "date-month": parts["month"], "date-year": parts["year"],
              "time": parts["time"], "minutes": str(appointment.minutes), "place": appointment.place,
              "address": appointment.address, "version": str(appointment.version)}
    return _appointment_form(request, view.person.id, view.person.preferred_name, mode="move", values=values,
                             appointment=appointment)


@page(roles=("worker",))
async def move(request: Request) -> Response:
    found = await _upcoming_appointment(request, "moved")
    if isinstance(found, Response):
        return found
    ids, view, appointment = found
    ctx = context_of(request)
    form = await read_form(request)
    check = FormCheck(form)
    day = check.day("date", label="the new date")
    clock = check.clock("time", label="the new time")
    minutes = check.whole_number("minutes", label="how long it lasts, in minutes", low=5, high=1440, default=60)
    place = check.text("place", label="where it is", required=True, limit=200)
    address = check.text("address", label="the address", limit=400)
    version = check.whole_number("version", label="the version", low=1, high=10**9)
    moment = skipped_problem(check, "time", day, clock)
    if moment is not None and moment <= ctx.now():
        check.error("date", "The new time must be in the future")
    if not check.ok:
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        return _appointment_form(request, view.person.id, view.person.preferred_name, mode="move", values=values,
                                 check=check, appointment=appointment, status_code=400)
    start = moment  # checked above: the form is only applied when every field is fine
    assert start is not None
    await _with_session(request, lambda s: staff.move_appointment(
        s, _actor(request), ids[1], start, version or 0, place=place, address=address, minutes=minutes,
        policy=ctx.settings.reminder_policy, now=ctx.now(), person_id=ids[0]))
    return redirect(f"/people/{ids[0]}?done=moved#appointments")


@page(roles=("worker",))
async def cancel_form(request: Request) -> Response:
    found = await _upcoming_appointment(request, "cancelled")
    if isinstance(found, Response):
        return found
    _ids_found, view, appointment = found
    return render(request, "person/cancel.html", title="Cancel an appointment", view=view, appointment=appointment,
                  values={}, errors={})


@page(roles=("worker",))
async def cancel(request: Request) -> Response:
    ids = _ids(request, "person_id", "appointment_id")
    ctx = context_of(request)
    form = await read_form(request)
    check = FormCheck(form)
    reason = check.text("reason", label="the reason", limit=500)
    version = check.whole_number("version", label="the version", low=1, high=10**9)
    if not check.ok:
        return render(request, "errors/bad_request.html", status_code=400,
                      message="Sorry, that form was not complete. Please go back and try again.")
    await _with_session(request, lambda s: staff.cancel_appointment(
        s, _actor(request), ids[1], version or 0, reason or None, now=ctx.now(), person_id=ids[0]))
    return redirect(f"/people/{ids[0]}?done=cancelled#appointments")


@page(roles=("worker",))
async def record_outcome(request: Request) -> Response:
    ids = _ids(request, "person_id", "appointment_id")
    ctx = context_of(request)
    form = await read_form(request)
    check = FormCheck(form)
    status = check.text("status", label="what happened", required=True)
    version = check.whole_number("version", label="the version", low=1, high=10**9)
    reason = check.text("reason", label="why it was wrong", limit=500)
    if status not in ("attended", "missed") or not check.ok:
        return render(request, "errors/bad_request.html", status_code=400,
                      message="Please choose attended or missed.")
    await _with_session(request, lambda s: staff.set_appointment_status(
        s, _actor(request), ids[1], status, version or 0, reason or None, policy=ctx.settings.reminder_policy,
        now=ctx.now(), person_id=ids[0]))
    return redirect(f"/people/{ids[0]}?done={status}#recent")


@page(roles=("worker",))
async def add_note(request: Request) -> Response:
    ids = _ids(request, "person_id")
    ctx = context_of(request)
    form = await read_form(request)
    text = text_field(form, "note")
    try:
        await _with_session(request, lambda s: notes.add_note(s, _actor(request), ids[0], text,
                                                             shared=text_field(form, "share") == "yes",
                                                             now=ctx.now()))
    except InvalidInput as problem:
        journeys = _journeys(request)
        data = await _with_session(request, lambda s: load_person_page(s, _actor(request), ids[0], ctx.today(),
                                                                        ctx.now(), journeys))
        return render(request, "person/page.html", status_code=400, title=data.view.person.preferred_name, p=data,
                      done=None, printing=False, note_error=problem.message, note_text=text,
                      error_list=[{"text": problem.message, "href": "#note"}])
    return redirect(f"/people/{ids[0]}?done=note#notes")


async def _page_with_error(request: Request, person_id: int, field: str, message: str, **values: Any) -> Response:
    ctx = context_of(request)
    journeys = _journeys(request)
    data = await _with_session(request, lambda s: load_person_page(s, _actor(request), person_id, ctx.today(),
                                                                    ctx.now(), journeys))
    return render(request, "person/page.html", status_code=400, title=data.view.person.preferred_name, p=data,
                  done=None, error_list=[{"text": message, "href": f"#{field}"}],
                  **{f"{field}_error": message}, **values)


@page(roles=("worker",))
async def add_mobile_number(request: Request) -> Response:
    """A worker adds the person's mobile number: Signpost texts it a code, and links it only on the reply."""
    ids = _ids(request, "person_id")
    ctx = context_of(request)
    form = await read_form(request)
    number = text_field(form, "sms_number")
    try:
        await _with_session(request, lambda s: sms_consent.offer_number(s, _actor(request), ids[0], number,
                                                                        now=ctx.now()))
    except InvalidInput as problem:
        return await _page_with_error(request, ids[0], "sms_number", problem.message, sms_number_text=number)
    return redirect(f"/people/{ids[0]}?done=sms_number#texts")


@page(roles=("worker",))
async def sms_settings(request: Request) -> Response:
    """Where reminders go (Telegram, texts or both) and whether texts are discreet, as the person asked."""
    ids = _ids(request, "person_id")
    ctx = context_of(request)
    form = await read_form(request)
    choice = text_field(form, "channel_choice")
    discreet = text_field(form, "sms_discreet") != "off"

    def save(session: Session) -> None:
        sms_consent.set_channel_choice(session, _actor(request), ids[0], choice, now=ctx.now())
        sms_consent.set_sms_discreet(session, _actor(request), ids[0], discreet, now=ctx.now())

    try:
        await _with_session(request, save)
    except InvalidInput as problem:
        return await _page_with_error(request, ids[0], "channel_choice", problem.message)
    return redirect(f"/people/{ids[0]}?done=sms_settings#texts")


@page(roles=("worker",))
async def change_team(request: Request) -> Response:
    """The lead adds someone to the team, changes their role, or hands the lead to them."""
    ids = _ids(request, "person_id")
    ctx = context_of(request)
    form = await read_form(request)
    check = FormCheck(form)
    ref = check.text("worker_ref", label="the worker's reference", required=True, limit=40)
    role = check.text("role", label="their role for this person", required=True, limit=200)
    lead = text_field(form, "lead") == "yes"
    if not check.ok:
        return render(request, "errors/bad_request.html", status_code=400,
                      message=" ".join(check.errors.values()) + " Please go back and try again.")

    def change(session: Session) -> None:
        worker = directory.find_worker(session, ref)
        if worker is None:
            raise InvalidInput(f"No worker has the reference {ref}. Check it on their staff card.")
        staff.assign_worker(session, _actor(request), ids[0], worker.id, role, lead, now=ctx.now())

    await _with_session(request, change)
    return redirect(f"/people/{ids[0]}?done=team#team")


@page(roles=("worker",))
async def end_team_member(request: Request) -> Response:
    ids = _ids(request, "person_id", "worker_id")
    ctx = context_of(request)
    await _with_session(request, lambda s: staff.end_assignment(s, _actor(request), ids[0], ids[1], now=ctx.now()))
    return redirect(f"/people/{ids[0]}?done=team#team")


@page(roles=("worker",))
async def export_file(request: Request) -> Response:
    """The subject access export, as a download for the lead (the case file refuses anyone else)."""
    ids = _ids(request, "person_id")
    ctx = context_of(request)
    view = await _file(request, ids[0])
    document = await _with_session(request, lambda s: export.export_person(s, _actor(request), view.person.ref,
                                                                           now=ctx.now()))
    return Response(export.export_json(document), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="signpost-{view.person.ref}.json"'})


LICENCE_ROWS_SPARE = 3


@page(roles=("worker",))
async def licence_form(request: Request) -> Response:
    ids = _ids(request, "person_id")
    view = await _file(request, ids[0])
    if not _is_lead(request, view):
        return forbidden(request, "Only the lead professional changes the licence conditions.")
    rows = [(c.official, c.plain) for c in view.licence_conditions] + [("", "")] * LICENCE_ROWS_SPARE
    return render(request, "person/licence.html", title="Licence conditions", view=view, rows=rows, problem=None)


@page(roles=("worker",))
async def save_licence(request: Request) -> Response:
    ids = _ids(request, "person_id")
    ctx = context_of(request)
    form = await read_form(request)
    count = min(int(text_field(form, "rows") or 0) if text_field(form, "rows").isdigit() else 0, 60)
    pairs = [(text_field(form, f"official-{n}").strip(), text_field(form, f"plain-{n}").strip()) for n in range(count)]
    conditions = [pair for pair in pairs if pair[0] or pair[1]]
    try:
        await _with_session(request, lambda s: records.set_licence_conditions(s, _actor(request), ids[0], conditions,
                                                                              now=ctx.now()))
    except InvalidInput as problem:
        view = await _file(request, ids[0])
        return render(request, "person/licence.html", status_code=400, title="Licence conditions", view=view,
                      rows=pairs, problem=problem.message, error_list=[{"text": problem.message, "href": "#official-0"}])
    return redirect(f"/people/{ids[0]}?done=licence#licence")


@page(roles=("worker",))
async def message_form(request: Request) -> Response:
    ids = _ids(request, "person_id")
    view = await _file(request, ids[0])
    linked = await _with_session(request, lambda s: linking.message_channels(s, ids[0]))
    return render(request, "person/message.html", title="Send a message", view=view, text="", notes=None,
                  errors={}, checked=False, linked=linked)


@page(roles=("worker",))
async def message(request: Request) -> Response:
    ids = _ids(request, "person_id")
    ctx = context_of(request)
    form = await read_form(request)
    check = FormCheck(form)
    text = check.text("text", label="your message", required=True, limit=outbox.WORKER_MESSAGE_LIMIT)
    step = check.text("step", label="the step")
    view = await _file(request, ids[0])
    linked = await _with_session(request, lambda s: linking.message_channels(s, ids[0]))
    if not linked and step == "send":
        check.error("text", outbox.NOT_LINKED)
    if not check.ok:
        return render(request, "person/message.html", status_code=400, title="Send a message", view=view, text=text,
                      notes=None, errors=check.errors, error_list=check.summary(), checked=False, linked=linked)
    if step != "send":
        # The same check the Telegram /message uses; the worker reads it, changes the text or sends it as it is.
        notes = check_message(ctx.glossary.index, text, read_plain_words(ctx.settings.content_dir)[0])
        return render(request, "person/message.html", title="Check your message", view=view, text=text, notes=notes,
                      errors={}, checked=True, linked=linked)
    await _with_session(request, lambda s: outbox.queue_worker_message(s, _actor(request), ids[0], text,
                                                                       policy=ctx.settings.reminder_policy,
                                                                       now=ctx.now()))
    return redirect(f"/people/{ids[0]}?done=message#messages")


def _is_lead(request: Request, view: PersonView) -> bool:
    return any(m.is_lead and m.worker_id == _actor(request).worker_id for m in view.team)


def _journey_form(request: Request, view: PersonView, values: dict[str, str], *, check: FormCheck | None = None,
                  status_code: int = 200) -> Response:
    stages = _journeys(request).stages
    choices = [{"value": stage.key, "text": stage.text("en").title} for stage in stages.stages]
    return render(request, "person/journey.html", status_code=status_code, title="Change the stage and dates",
                  view=view, stages=choices, dates=JOURNEY_DATES, values=values,
                  errors=check.errors if check else {}, error_list=check.summary() if check else None)


@page(roles=("worker",))
async def journey_form(request: Request) -> Response:
    ids = _ids(request, "person_id")
    view = await _file(request, ids[0])
    if not _is_lead(request, view):
        await audit_denied(request, request.state.user, f"journey form for person {ids[0]} without being lead")
        return forbidden(request, LEAD_ONLY_JOURNEY)
    values = {"stage": view.stage or "", "prison": view.prison or "", "version": str(view.journey_version or ""),
              "release_confirmed": "yes" if view.dates.release_confirmed else "", "tell_person": "yes"}
    for name, _legend, _label in JOURNEY_DATES:
        day = getattr(view.dates, name)
        if day is not None:
            values.update({f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)})
    return _journey_form(request, view, values)


@page(roles=("worker",))
async def journey(request: Request) -> Response:
    ids = _ids(request, "person_id")
    ctx = context_of(request)
    form = await read_form(request)
    view = await _file(request, ids[0])
    if not _is_lead(request, view):
        await audit_denied(request, request.state.user, f"change the journey of person {ids[0]} without being lead")
        return forbidden(request, LEAD_ONLY_JOURNEY)
    check = FormCheck(form)
    stage = check.text("stage", label="the stage", required=True)
    if stage and stage not in {choice.key for choice in _journeys(request).stages.stages}:
        check.error("stage", "Choose one of the stages")
    prison = check.text("prison", label="the prison", limit=200)
    dates = {name: check.optional_day(name, label=label) for name, _legend, label in JOURNEY_DATES}
    version = check.whole_number("version", label="the version", low=1, high=10**9) if form.get("version") else None
    if dates["release_date"] is None and form.get("release_confirmed"):
        check.error("release_date", "Enter the release date before you mark it confirmed")
    if not check.ok:
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        return _journey_form(request, view, values, check=check, status_code=400)
    changes = {"stage": stage, "prison": prison or None, "release_confirmed": bool(form.get("release_confirmed")),
               **dates}
    await _with_session(request, lambda s: staff.update_journey(
        s, _actor(request), ids[0], version, now=ctx.now(), tell_person=bool(form.get("tell_person")), **changes))
    return redirect(f"/people/{ids[0]}?done=journey#stage")


@page(roles=("worker",))
async def link_card(request: Request) -> Response:
    ids = _ids(request, "person_id")
    ctx = context_of(request)
    view = await _file(request, ids[0])

    def issue(session: Session) -> linking.IssuedCode:
        return linking.issue_code(session, _actor(request), person_id=ids[0], days=ctx.settings.link_code_days,
                                  now=ctx.now(), hasher=ctx.link_hasher)

    issued = await _with_session(request, issue)  # a refusal is audited and shown as 403 by the guard
    link = bot_link(ctx.settings.bot_username, issued.code)
    qr = qr_svg(link, title=f"QR code for the Signpost chat, code {issued.code}",
                description="Scan it with a phone camera to open Signpost in Telegram with this code.")
    return render(request, "person/link_card.html", title="Link code card", view=view, code=issued.code,
                  expires_at=issued.expires_at, link=link, qr=qr, bot_username=ctx.settings.bot_username)


routes = [
    Route("/people/{person_id:int}", person_page, methods=["GET"]),
    Route("/people/{person_id:int}/print", print_view, methods=["GET"]),
    Route("/people/{person_id:int}/appointments/new", book_form, methods=["GET"]),
    Route("/people/{person_id:int}/appointments/new", book, methods=["POST"]),
    Route("/people/{person_id:int}/appointments/{appointment_id:int}/move", move_form, methods=["GET"]),
    Route("/people/{person_id:int}/appointments/{appointment_id:int}/move", move, methods=["POST"]),
    Route("/people/{person_id:int}/appointments/{appointment_id:int}/cancel", cancel_form, methods=["GET"]),
    Route("/people/{person_id:int}/appointments/{appointment_id:int}/cancel", cancel, methods=["POST"]),
    Route("/people/{person_id:int}/appointments/{appointment_id:int}/outcome", record_outcome, methods=["POST"]),
    Route("/people/{person_id:int}/journey", journey_form, methods=["GET"]),
    Route("/people/{person_id:int}/journey", journey, methods=["POST"]),
    Route("/people/{person_id:int}/notes", add_note, methods=["POST"]),
    Route("/people/{person_id:int}/texts/number", add_mobile_number, methods=["POST"]),
    Route("/people/{person_id:int}/texts/settings", sms_settings, methods=["POST"]),
    Route("/people/{person_id:int}/team", change_team, methods=["POST"]),
    Route("/people/{person_id:int}/team/{worker_id:int}/end", end_team_member, methods=["POST"]),
    Route("/people/{person_id:int}/export.json", export_file, methods=["GET"]),
    Route("/people/{person_id:int}/licence", licence_form, methods=["GET"]),
    Route("/people/{person_id:int}/licence", save_licence, methods=["POST"]),
    Route("/people/{person_id:int}/message", message_form, methods=["GET"]),
    Route("/people/{person_id:int}/message", message, methods=["POST"]),
    Route("/people/{person_id:int}/link-code", link_card, methods=["POST"]),
]
