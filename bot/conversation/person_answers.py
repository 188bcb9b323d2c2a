"""Answers that need the person's own file: their stage, team, appointments, money and pharmacy.

Each reads one `PersonView` (a fixed number of queries) and renders a template. A chat with no
linked file gets the general version and a nudge to send their code.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING

from bot import i18n
from bot.conversation import journey_answers
from bot.conversation.intents import Intent
from bot.conversation.state import Waiting
from bot.messages import Button, Reply
from casefile import errors, linking, people, services, sms_consent
from casefile.actors import PersonActor
from casefile.models import CHANNEL_CHOICES
from casefile.views import AppointmentView, PersonView, TeamMember
from casefile.working_hours import read_working_hours
from glossary.normalize import fold_accents

if TYPE_CHECKING:
    from bot.conversation.turn import Turn

CANT_MAKE_IT_REASONS = ("ill", "work", "transport", "other")


def view_for(turn: Turn) -> PersonView:
    assert turn.person_id is not None
    return people.person_view(turn.session, turn.person_id, today=turn.today, now=turn.now)


def topic(turn: Turn, intent: Intent) -> list[Reply]:
    if not turn.linked:
        return journey_answers.general(turn, intent)
    view = view_for(turn)
    replies = updates(turn, view)
    if intent is Intent.WHERE:
        replies += journey_answers.answer_where(turn, view)
    elif intent is Intent.TEAM:
        replies.append(team(turn, view))
    elif intent is Intent.APPOINTMENTS:
        replies.append(appointments(turn, view))
    elif intent is Intent.MONEY:
        replies.append(journey_answers.answer_money(turn, view))
    elif intent is Intent.PHARMACY:
        replies.append(journey_answers.answer_pharmacy(turn, view))
    return replies


# -- what changed ---------------------------------------------------------------------------------
def updates(turn: Turn, view: PersonView) -> list[Reply]:
    """Unseen changes to the file are shown once, before the answer, then marked seen."""
    if not view.unseen_updates:
        return []
    body = turn.render("chat/updates.txt.j2", turn.language, updates=view.unseen_updates)
    people.mark_updates_seen(turn.session, view.person.id, [u.id for u in view.unseen_updates], turn.now)
    return [turn.answer(body)]


# -- my team --------------------------------------------------------------------------------------
def team(turn: Turn, view: PersonView) -> Reply:
    members = sorted(view.team, key=lambda m: (not m.is_lead, m.name))
    back = _nobody_working(turn, members)
    body = turn.render(
        "chat/team.txt.j2", turn.language, members=members, lead=view.lead, shared=_shared_help(members),
        back=back,
    )
    extra = ((Button(turn.journeys.help_now.word("help_now", turn.language), "m:help_now"),),) if back else ()
    return turn.answer(body, extra=extra)


def _nobody_working(turn: Turn, members: list[TeamMember]) -> tuple[str, datetime] | None:
    """When every worker's hours can be read and none is working now (a Sunday, say): who is back first,
    and when. None when someone is working, or when any worker's hours are not clear enough to tell."""
    soonest: tuple[str, datetime] | None = None
    for member in members:
        weekly = read_working_hours(member.hours)
        if weekly is None:
            return None
        state = services.open_state(weekly, (), turn.now, turn.journeys.holidays.is_holiday)
        if state.open:
            return None
        if state.opens is not None and (soonest is None or state.opens < soonest[1]):
            soonest = (member.name, state.opens)
    return soonest


def _shared_help(members: list[TeamMember]) -> list[tuple[str, list[TeamMember]]]:
    """Topics that two or more workers help with, each with its workers, the one to ask first first."""
    by_topic: dict[str, list[TeamMember]] = defaultdict(list)
    for member in members:
        for topic_name in _topics(member.helps_with):
            by_topic[topic_name].append(member)
    return [(name, workers) for name, workers in sorted(by_topic.items()) if len(workers) > 1]


def _topics(helps_with: str) -> list[str]:
    parts = helps_with.replace(" and ", ",").replace(";", ",").split(",")
    return [part.strip().casefold() for part in parts if part.strip()]


# -- my appointments ------------------------------------------------------------------------------
def appointments(turn: Turn, view: PersonView) -> Reply:
    upcoming = [a for a in view.appointments if a.status != "cancelled"][:5]
    body = turn.render("chat/appointments.txt.j2", turn.language, appointments=upcoming)
    extra: tuple[tuple[Button, ...], ...] = ()
    next_one = view.next_appointment
    if next_one is not None and next_one.status in ("booked", "moved"):
        extra = appointment_buttons(turn, turn.language, next_one)
    return turn.answer(body, extra=extra)


def appointment_buttons(turn: Turn, language: str, appointment: AppointmentView) -> tuple[tuple[Button, ...], ...]:
    _ = turn.gettext(language)
    ref = f"{appointment.id}:{appointment.version}"
    return (
        (Button(_("I'll be there"), f"appt:yes:{ref}"), Button(_("I can't make it"), f"appt:no:{ref}")),
        (Button(_("Where is it?"), f"appt:where:{ref}"),),
    )


def appointment_button(turn: Turn, rest: str) -> list[Reply]:
    """`yes|no|where:<id>:<version>` or `why:<reason>:<id>:<version>`. Forged data changes nothing."""
    parts = rest.split(":")
    if not turn.linked or len(parts) not in (3, 4) or not all(p.isdigit() for p in parts[-2:]):
        return [_expired(turn)]
    action = parts[0]
    appointment_id, version = int(parts[-2]), int(parts[-1])
    view = view_for(turn)
    appointment = next((a for a in view.appointments if a.id == appointment_id), None)
    if appointment is None:  # not theirs, or already over: say nothing about whose it is
        return [_expired(turn)]
    if action == "where":
        return [turn.answer(turn.render("chat/appointment_where.txt.j2", turn.language, a=appointment))]
    if action == "yes":
        return [_respond(turn, appointment, version, confirmed=True, reason=None)]
    if action == "no":
        return [_ask_reason(turn, appointment, version)]
    if action == "why" and len(parts) == 4 and parts[1] in CANT_MAKE_IT_REASONS:
        return [_respond(turn, appointment, version, confirmed=False, reason=parts[1])]
    return [_expired(turn)]


# "I can't make it" typed, not tapped: in any of the three languages, after folding accents and apostrophes.
CANT_MAKE_IT_TYPED = (
    "cant make it", "cannot make it", "can not make it", "wont make it", "cant come", "cannot come",
    "not coming", "wont be there", "cant be there", "cant go today", "cant go tomorrow",
    "methu dod", "alla i ddim dod", "fedra i ddim dod", "dim yn gallu dod",
    "nie dam rady", "nie przyjde", "nie moge przyjsc", "nie bede mogl", "nie bede mogla",
)
_CANT_MAKE_IT = re.compile(r"(?:^| )(?:" + "|".join(re.escape(phrase) for phrase in CANT_MAKE_IT_TYPED) + r")(?: |$)")


def says_cant_make_it(text: str) -> bool:
    return bool(_CANT_MAKE_IT.search(fold_accents(text)))


def cant_make_it_typed(turn: Turn) -> Reply | None:
    """The person typed that they cannot come: the same as tapping "I can't make it" on their next
    appointment, even after they tapped "I'll be there". None when they have no appointment coming."""
    if not turn.linked:
        return None
    appointment = view_for(turn).next_appointment
    if appointment is None:
        return None
    return _ask_reason(turn, appointment, appointment.version)


def _ask_reason(turn: Turn, appointment: AppointmentView, version: int) -> Reply:
    _ = turn.gettext(turn.language)
    labels = {"ill": _("I am ill"), "work": _("Work or training"), "transport": _("No way to get there"),
              "other": _("Something else")}
    ref = f"{appointment.id}:{version}"
    return Reply(
        text=turn.render("chat/cant_make_it_why.txt.j2", turn.language),
        buttons=tuple((Button(labels[key], f"appt:why:{key}:{ref}"),) for key in CANT_MAKE_IT_REASONS),
    )


def _respond(turn: Turn, appointment: AppointmentView, version: int,
             *, confirmed: bool, reason: str | None) -> Reply:
    assert turn.person_id is not None
    try:
        people.respond_to_appointment(
            turn.session, PersonActor(turn.person_id), appointment.id, confirmed, reason, version, now=turn.now,
        )
    except errors.ConflictError:
        turn.session.rollback()
        return turn.answer(turn.render("chat/appointment_changed.txt.j2", turn.language))
    template = "chat/appointment_confirmed.txt.j2" if confirmed else "chat/appointment_cant.txt.j2"
    return turn.answer(turn.render(template, turn.language, a=appointment))


def _expired(turn: Turn) -> Reply:
    return Reply(text=turn.render("chat/expired_button.txt.j2", turn.language),
                 buttons=turn.menu_buttons(turn.language))


# -- linking, settings and leaving ----------------------------------------------------------------
def redeem_code(turn: Turn, code: str) -> list[Reply]:
    incoming = turn.incoming
    try:
        link = linking.redeem_link_code(turn.session, incoming.channel, incoming.chat_id, code, turn.now,
                                        hasher=turn.link_hasher)
    except errors.ChatLocked as locked:
        turn.session.commit()  # keep the count of wrong tries
        until = i18n.short_time(locked.until, turn.language)
        return [Reply(text=turn.render("chat/code_locked.txt.j2", turn.language, until=until),
                      buttons=turn.menu_buttons(turn.language))]
    except errors.LinkCodeInvalid as wrong:
        turn.session.commit()
        turn.state.waiting = Waiting.CODE
        tries_left = getattr(wrong, "tries_left", -1)
        return [Reply(text=turn.render("chat/code_wrong.txt.j2", turn.language, tries_left=tries_left),
                      buttons=turn.menu_buttons(turn.language))]
    if link.person_id is None:
        return [Reply(text=turn.render("chat/linked_worker.txt.j2", turn.language))]
    name = people.person_view(turn.session, link.person_id, today=turn.now.date(), now=turn.now).person.preferred_name
    if turn.state.language and turn.state.language != turn.language:
        people.set_language(turn.session, PersonActor(link.person_id), link.person_id, turn.state.language,
                            now=turn.now)
    language = turn.state.language or turn.language
    return [Reply(text=turn.render("chat/linked.txt.j2", language, name=name),
                  buttons=turn.menu_buttons(language))]


def set_language(turn: Turn, language: str) -> Reply:
    turn.state.language = language
    if turn.person_id is not None:
        people.set_language(turn.session, PersonActor(turn.person_id), turn.person_id, language, now=turn.now)
    return Reply(text=turn.render("chat/language_set.txt.j2", language),
                 buttons=turn.menu_buttons(language))


def pause(turn: Turn, *, paused: bool) -> list[Reply]:
    if turn.person_id is not None:
        people.set_paused(turn.session, PersonActor(turn.person_id), turn.person_id, paused, now=turn.now)
    template = "chat/paused.txt.j2" if paused else "chat/resumed.txt.j2"
    if not paused and turn.person_id is None:
        return []
    return [Reply(text=turn.render(template, turn.language))]


def toggle_discreet(turn: Turn) -> list[Reply]:
    if turn.person_id is None:
        return [Reply(text=turn.render("chat/not_linked.txt.j2", turn.language),
                      buttons=turn.menu_buttons(turn.language))]
    current = view_for(turn).person.discreet
    return set_discreet(turn, not current)


def set_discreet(turn: Turn, on: bool) -> list[Reply]:
    if turn.person_id is None:
        return [_expired(turn)]
    people.set_discreet(turn.session, PersonActor(turn.person_id), turn.person_id, on, now=turn.now)
    _ = turn.gettext(turn.language)
    switch = Button(_("Turn it off"), "discreet:off") if on else Button(_("Turn it on"), "discreet:on")
    return [Reply(text=turn.render("chat/discreet.txt.j2", turn.language, discreet=on),
                  buttons=((switch,), *turn.menu_row(turn.language)))]


def reminder_channel_question(turn: Turn) -> Reply:
    """/reminders: where the person wants their reminders, Telegram, text messages or both."""
    if turn.person_id is None:
        return Reply(text=turn.render("chat/not_linked.txt.j2", turn.language), buttons=turn.menu_buttons(turn.language))
    _ = turn.gettext(turn.language)
    return Reply(text=turn.render("chat/reminder_channel.txt.j2", turn.language),
                 buttons=((Button(_("Telegram"), "rem:telegram"), Button(_("Text messages"), "rem:sms")),
                          (Button(_("Both"), "rem:both"),)))


def set_reminder_channel(turn: Turn, choice: str) -> Reply:
    if turn.person_id is None or choice not in CHANNEL_CHOICES:
        return _expired(turn)
    sms_consent.set_channel_choice(turn.session, PersonActor(turn.person_id), turn.person_id, choice, now=turn.now)
    return Reply(text=turn.render("chat/reminder_channel_set.txt.j2", turn.language, choice=choice),
                 buttons=turn.menu_row(turn.language))


def tell_lead(turn: Turn) -> list[Reply]:
    term = turn.state.unknown_term
    if turn.person_id is None or not term:
        return [_expired(turn)]
    people.ask_lead(turn.session, PersonActor(turn.person_id), turn.person_id, term, now=turn.now)
    lead = view_for(turn).lead
    turn.state.unknown_term = None
    body = turn.render("chat/told_lead.txt.j2", turn.language, lead=lead.name if lead else "", term=term)
    return [turn.answer(body)]


def forget_chat(turn: Turn) -> Reply:
    incoming = turn.incoming
    linking.unlink_chat(turn.session, incoming.channel, incoming.chat_id, now=turn.now)
    turn.forget_chat_state()
    return Reply(text=turn.render("chat/forgotten.txt.j2", turn.language))
