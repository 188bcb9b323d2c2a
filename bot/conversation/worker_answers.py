"""The key worker's side of the chat: /caseload, /book, /move, /cancel, /message, /updates.

A chat linked with a staff code comes here for every message (see handlers.dispatch). Guided steps
keep what is chosen so far in the chat's state (`ChatState.worker_flow`, bot.conversation.state),
which runs out after a day; in the case file proper only the booking itself and the one message
actually sent are stored. Every person or
appointment named by a button is checked against the worker's caseload through the case file,
which refuses (and audits) anyone else, so forged button data gets nowhere.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from bot import i18n
from bot.conversation.state import Flow
from bot.messages import Button, Reply
from casefile import errors, outbox, staff
from casefile.actors import StaffActor
from casefile.models import APPOINTMENT_KINDS, Appointment
from glossary.message_check import check_message
from glossary.plain_language import read_plain_words

if TYPE_CHECKING:
    from bot.conversation.turn import Turn

BOOKING_DAYS = 14
TIMES = tuple(time(hour, minute) for hour in range(9, 17) for minute in (0, 30))
LENGTHS = {30: "30 min", 60: "1 hour", 120: "2 hours"}  # minutes -> button label
PLACE_LIMIT, ADDRESS_LIMIT = 200, 400
_DESCRIBE = {
    "appointment.confirmed": "said they will be there",
    "appointment.cant_make_it": "said they cannot make it",
    "appointment.booked": "appointment booked",
    "appointment.moved": "appointment moved",
    "appointment.cancelled": "appointment cancelled",
    "reminder.failed": "a reminder could not be sent",
    "reminder.blocked": "blocked Signpost: reminders stopped",
    "message.queued": "message sent",
}


def dispatch(turn: Turn) -> list[Reply]:
    try:
        return _dispatch(turn)
    except errors.CasefileError as problem:
        turn.session.rollback()
        turn.state.worker_flow = None
        return [_say(turn, "worker/refused.txt.j2", message=problem.message)]


def _dispatch(turn: Turn) -> list[Reply]:
    incoming = turn.incoming
    if incoming.button is not None:
        return _button(turn, incoming.button)
    raw = (incoming.text or "").strip()[:4000]
    if raw.startswith("/"):
        name = raw[1:].split(maxsplit=1)[0].split("@")[0].lower() if len(raw) > 1 else ""
        return _command(turn, name)
    flow = _flow(turn)
    if flow is not None and flow.step in ("place", "address", "bring", "message", "check"):
        return _typed(turn, flow, raw)
    return [_menu(turn)]


def _command(turn: Turn, name: str) -> list[Reply]:
    turn.state.worker_flow = None
    if name == "caseload":
        rows = staff.caseload(turn.session, _worker(turn), turn.today, turn.now)
        return [_say(turn, "worker/caseload.txt.j2", rows=rows)]
    if name in ("book", "message"):
        flow = Flow(action=name, step="person")
        turn.state.worker_flow = flow
        return [_ask_person(turn)]
    if name in ("move", "cancel"):
        turn.state.worker_flow = Flow(action=name, step="appointment")
        return [_ask_appointment(turn)]
    if name == "updates":
        return [_updates(turn)]
    return [_menu(turn)]


# -- buttons: w:<what>:<value> ------------------------------------------------------------------------
def _button(turn: Turn, data: str) -> list[Reply]:
    kind, _sep, rest = data.partition(":")
    what, _sep, value = rest.partition(":")
    flow = _flow(turn)
    if kind != "w" or flow is None:
        return [_say(turn, "worker/refused.txt.j2", message="That button has run out. Please start again.")]
    if what == "p" and value.isdigit() and flow.step == "person":
        person_id = int(value)
        _require_on_caseload(turn, person_id)
        flow.person_id = person_id
        if flow.action == "message":
            flow.step = "message"
            return [_say(turn, "worker/ask.txt.j2", step="message", flow=flow)]
        flow.step = "date"
        return [_ask_date(turn)]
    if what == "a" and value.isdigit() and flow.step == "appointment":
        appointment = _appointment_on_caseload(turn, int(value))
        flow.appointment_id, flow.version, flow.person_id = appointment.id, appointment.version, appointment.person_id
        flow.place, flow.kind, flow.start = appointment.place, appointment.kind, appointment.starts_at
        if flow.action == "cancel":
            flow.step = "confirm"
            return [_readback(turn, flow)]
        flow.extra["old_start"] = appointment.starts_at.isoformat()
        flow.step = "date"
        return [_ask_date(turn)]
    if what == "d" and flow.step == "date" and _day(value, turn) is not None:
        flow.day = _day(value, turn)
        flow.step = "time"
        return [_ask_time(turn, flow)]
    if what == "t" and flow.step == "time" and flow.day is not None and _clock(value) is not None:
        start = datetime.combine(flow.day, _clock(value), tzinfo=i18n.LONDON)  # type: ignore[arg-type]
        flow.start = start.astimezone(UTC)
        if flow.action == "move":
            flow.step = "confirm"
            return [_readback(turn, flow)]
        flow.step = "length"
        return [_ask_length(turn, flow)]
    if what == "m" and flow.step == "length" and value.isdigit() and int(value) in LENGTHS:
        flow.minutes, flow.step = int(value), "place"
        return [_say(turn, "worker/ask.txt.j2", step="place", flow=flow)]
    if what == "ad" and flow.step == "address" and value in ("same", "skip"):
        flow.address, flow.address_choice = "", value
        return [_ask_kind(turn, flow)]
    if what == "k" and flow.step == "kind" and value in APPOINTMENT_KINDS:
        flow.kind = value
        flow.step = "bring"
        return [_say(turn, "worker/ask.txt.j2", step="bring", flow=flow,
                     buttons=((Button("Nothing", "w:b:none"),),))]
    if what == "b" and value == "none" and flow.step == "bring":
        flow.bring, flow.step = "", "confirm"
        return [_readback(turn, flow)]
    if what == "ok" and flow.step == "confirm":
        return [_confirm(turn, flow)]
    if what == "send" and flow.step == "check":
        return [_send_message(turn, flow)]
    if what == "stop":
        turn.state.worker_flow = None
        return [_menu(turn, intro="Nothing was changed.")]
    return [_say(turn, "worker/refused.txt.j2", message="That button has run out. Please start again.")]


def _typed(turn: Turn, flow: Flow, raw: str) -> list[Reply]:
    if not raw:
        return [_say(turn, "worker/ask.txt.j2", step=flow.step, flow=flow)]
    if flow.step == "place":
        flow.place, flow.step = raw[:PLACE_LIMIT], "address"
        buttons = ((Button("Same as place", "w:ad:same"), Button("Skip", "w:ad:skip")),)
        return [_say(turn, "worker/ask.txt.j2", step="address", flow=flow, buttons=buttons)]
    if flow.step == "address":
        flow.address, flow.address_choice = raw[:ADDRESS_LIMIT], "typed"
        return [_ask_kind(turn, flow)]
    if flow.step == "bring":
        flow.bring, flow.step = raw[:500], "confirm"
        return [_readback(turn, flow)]
    # The message itself: checked first; the worker decides.
    flow.text = raw[: outbox.WORKER_MESSAGE_LIMIT]
    index = turn.glossary_index
    notes = check_message(index, flow.text, read_plain_words(turn.content_dir)[0])
    if not notes:
        return [_send_message(turn, flow)]
    # Typing a new version instead goes through the check again.
    flow.step = "check"
    buttons = ((Button("Send it as it is", "w:send"), Button("Don't send", "w:stop")),)
    return [_say(turn, "worker/message_check.txt.j2", notes=notes, buttons=buttons)]


# -- the questions ------------------------------------------------------------------------------------
def _ask_length(turn: Turn, flow: Flow) -> Reply:
    buttons = (tuple(Button(label, f"w:m:{minutes}") for minutes, label in LENGTHS.items()),
               (Button("Stop", "w:stop"),))
    return _say(turn, "worker/ask.txt.j2", step="length", flow=flow, buttons=buttons)


def _ask_kind(turn: Turn, flow: Flow) -> Reply:
    flow.step = "kind"
    return _say(turn, "worker/ask.txt.j2", step="kind", flow=flow, buttons=kind_buttons())


def kind_buttons() -> tuple[tuple[Button, ...], ...]:
    """Every kind the case file takes, three to a row: the same list the console's form offers."""
    return tuple(tuple(Button(kind.replace("_", " ").capitalize(), f"w:k:{kind}") for kind in APPOINTMENT_KINDS[i:i + 3])
                 for i in range(0, len(APPOINTMENT_KINDS), 3))


def _ask_person(turn: Turn) -> Reply:
    rows = staff.caseload(turn.session, _worker(turn), turn.today, turn.now)
    buttons = tuple((Button(f"{row.preferred_name} ({row.ref})", f"w:p:{row.person_id}"),) for row in rows[:30])
    return _say(turn, "worker/ask.txt.j2", step="person", flow=None,
                buttons=(*buttons, (Button("Stop", "w:stop"),)))


def _ask_appointment(turn: Turn) -> Reply:
    rows = staff.coming_appointments(turn.session, _worker(turn), turn.now)
    if not rows:
        turn.state.worker_flow = None
        return _menu(turn, intro="There are no appointments coming up on your caseload.")
    buttons = tuple((Button(f"{row.preferred_name}: {i18n.long_datetime(row.starts_at, 'en')}"[:60],
                            f"w:a:{row.appointment_id}"),) for row in rows)
    return _say(turn, "worker/ask.txt.j2", step="appointment", flow=None,
                buttons=(*buttons, (Button("Stop", "w:stop"),)))


def _ask_date(turn: Turn) -> Reply:
    holidays = turn.journeys.holidays
    today = turn.today
    days = [today + timedelta(days=n) for n in range(BOOKING_DAYS)]
    labels = [f"{d:%a %d %b}" + (" (BH)" if holidays.is_holiday(d) else "") for d in days]
    buttons = tuple(tuple(Button(label, f"w:d:{d:%Y%m%d}") for d, label in zip(days[i:i + 2], labels[i:i + 2],
                                                                                strict=True))
                    for i in range(0, BOOKING_DAYS, 2))
    return _say(turn, "worker/ask.txt.j2", step="date", flow=None, buttons=(*buttons, (Button("Stop", "w:stop"),)))


def _ask_time(turn: Turn, flow: Flow) -> Reply:
    assert flow.day is not None
    choices = [t for t in TIMES if datetime.combine(flow.day, t, tzinfo=i18n.LONDON) > turn.now]
    buttons = tuple(tuple(Button(f"{t:%H:%M}", f"w:t:{t:%H%M}") for t in choices[i:i + 4])
                    for i in range(0, len(choices), 4))
    return _say(turn, "worker/ask.txt.j2", step="time", flow=flow, buttons=(*buttons, (Button("Stop", "w:stop"),)))


def _readback(turn: Turn, flow: Flow) -> Reply:
    assert flow.person_id is not None and flow.start is not None
    name, ref = staff.caseload_person(turn.session, StaffActor(_worker(turn)), flow.person_id, now=turn.now)
    old = flow.extra.get("old_start")
    return _say(turn, "worker/readback.txt.j2", action=flow.action, name=name,
                ref=ref, start=flow.start, place=flow.place, kind=flow.kind, bring=flow.bring,
                length=LENGTHS.get(flow.minutes, f"{flow.minutes} min"), address=flow.address,
                address_choice=flow.address_choice,
                old_start=datetime.fromisoformat(old) if old else None,
                buttons=((Button("Yes, do it", "w:ok"), Button("No, stop", "w:stop")),))


# -- doing it -----------------------------------------------------------------------------------------
def _confirm(turn: Turn, flow: Flow) -> Reply:
    actor = StaffActor(_worker(turn))
    assert flow.person_id is not None and flow.start is not None
    name, _ref = staff.caseload_person(turn.session, actor, flow.person_id, now=turn.now)
    turn.state.worker_flow = None
    if flow.action == "book":
        appointment = staff.book_appointment(turn.session, actor, flow.person_id, flow.start, flow.minutes, flow.place,
                                             flow.address, flow.kind, flow.bring, policy=turn.reminder_policy,
                                             now=turn.now)
    elif flow.action == "move":
        assert flow.appointment_id is not None
        appointment = staff.move_appointment(turn.session, actor, flow.appointment_id, flow.start, flow.version or 0,
                                             policy=turn.reminder_policy, now=turn.now)
    else:
        assert flow.appointment_id is not None
        staff.cancel_appointment(turn.session, actor, flow.appointment_id, flow.version or 0, now=turn.now)
        return _say(turn, "worker/done.txt.j2", action="cancel", name=name, reminders=[], due=None)
    reminders = [r.due_at for r in outbox.reminders_for(turn.session, [appointment.id]) if r.state == "pending"]
    return _say(turn, "worker/done.txt.j2", action=flow.action, name=name, reminders=reminders, due=None)


def _send_message(turn: Turn, flow: Flow) -> Reply:
    assert flow.person_id is not None
    row = outbox.queue_worker_message(turn.session, StaffActor(_worker(turn)), flow.person_id, flow.text,
                                      policy=turn.reminder_policy, now=turn.now)
    name, _ref = staff.caseload_person(turn.session, StaffActor(_worker(turn)), flow.person_id, now=turn.now)
    turn.state.worker_flow = None
    return _say(turn, "worker/done.txt.j2", action="message", name=name,
                reminders=[], due=row.due_at)


def _updates(turn: Turn) -> Reply:
    updates = staff.caseload_updates(turn.session, _worker(turn), turn.now - timedelta(days=7), _DESCRIBE,
                                     now=turn.now)
    return _say(turn, "worker/updates.txt.j2", updates=updates,
                describe=lambda u: _DESCRIBE.get(u.kind, u.kind) + (f' ("{u.status_reason}")' if u.status_reason
                                                                   else ""))


# -- checks and small helpers -------------------------------------------------------------------------
def _require_on_caseload(turn: Turn, person_id: int) -> None:
    """Raises PermissionDenied (audited by the case file) unless the person is on this worker's caseload."""
    staff.caseload_person(turn.session, StaffActor(_worker(turn)), person_id, now=turn.now)


def _appointment_on_caseload(turn: Turn, appointment_id: int) -> Appointment:
    return staff.caseload_appointment(turn.session, StaffActor(_worker(turn)), appointment_id, now=turn.now)


def _flow(turn: Turn) -> Flow | None:
    flow = turn.state.worker_flow
    return flow if isinstance(flow, Flow) else None


def _worker(turn: Turn) -> int:
    assert turn.worker_id is not None
    return turn.worker_id


def _day(value: str, turn: Turn) -> date | None:
    try:
        chosen = datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        return None
    today = turn.today
    return chosen if today <= chosen < today + timedelta(days=BOOKING_DAYS) else None


def _clock(value: str) -> time | None:
    try:
        chosen = datetime.strptime(value, "%H%M").time()
    except ValueError:
        return None
    return chosen if chosen in TIMES else None


def _menu(turn: Turn, intro: str = "") -> Reply:
    body = turn.render("worker/menu.txt.j2", "en", name=staff.worker_name(turn.session, _worker(turn)))
    return Reply(text=f"{intro}\n\n{body}".strip())


def _say(turn: Turn, template: str, *, buttons: tuple[tuple[Button, ...], ...] = (),
         **context: object) -> Reply:
    return Reply(text=turn.render(template, "en", **context), buttons=buttons)
