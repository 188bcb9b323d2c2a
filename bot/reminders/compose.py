"""Reminder wording: templates under content/templates/reminders and /worker, in the person's language.

Discreet mode is decided here and in the templates: a discreet reminder names no service, place,
agency or medicine, because it may show on a locked phone ("Reminder: appointment tomorrow at 10:30").

By text message (`channel="sms"`) a reminder uses its short variant under reminders/sms/ where there is
one (the chat wording says "Tap a button" and runs longer), its buttons become numbered choices, and it
is kept within two fragments where it can (bot/channels/sms_text.py). Texts are discreet by default
(SMS_DISCREET): they show on lock screens and shared phones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot import i18n, text
from bot.channels.sms_text import render_sms
from bot.messages import Button
from bot.reminders import planning
from casefile.views import AppointmentView, PersonView
from journeys.live import LiveJourneys

Buttons = tuple[tuple[Button, ...], ...]
TELEGRAM = "telegram"
SMS = "sms"
# A text is discreet unless the person chose otherwise (their choice is wired in by the SMS channel's settings).
SMS_DISCREET = True
_SMS_VARIANTS = "reminders/sms"
REASON_LABELS = {"ill": "They are ill", "work": "Work or training", "transport": "No way to get there",
                 "other": "Something else"}


def discreet_for(chosen: bool, channel: str, *, sms_discreet: bool = SMS_DISCREET) -> bool:
    """Whether a message on `channel` is discreet: the person's choice in a chat; by text, discreet by default."""
    return sms_discreet if channel == SMS else chosen


@dataclass(frozen=True)
class Composed:
    text: str
    buttons: Buttons = ()
    # A text message: the fragments it costs, and the buttons it offers by number (choices[0] is "1").
    fragments: int | None = None
    choices: tuple[Button, ...] = ()


class Composer:
    def __init__(self, content_dir: Path, journeys: LiveJourneys | None = None) -> None:
        self.content_dir = content_dir
        # Every template and catalog compiled now, so each has a last good version if an editor breaks it later.
        text.load_all(content_dir)
        # Shared with the conversation in `signpost serve`; made here for `signpost reminders run`.
        self.journeys = journeys or LiveJourneys(content_dir)
        folder = content_dir / "templates" / _SMS_VARIANTS
        self._sms_variants = {f"reminders/{path.name}" for path in folder.glob("*.txt.j2")}

    def render(self, template: str, language: str, *, channel: str = TELEGRAM, **context: Any) -> str:
        if channel == SMS and template in self._sms_variants:
            template = template.replace("reminders/", f"{_SMS_VARIANTS}/", 1)
        return text.render(self.content_dir, template, language, **context)

    def for_channel(self, composed: Composed, language: str, channel: str) -> Composed:
        """As it goes on `channel`: by text, its buttons as numbered choices within two fragments where it can."""
        if channel != SMS:
            return composed
        sms = render_sms(composed.text, composed.buttons, language, self.content_dir / "locale")
        return Composed(sms.text, (), sms.fragments, sms.choices)

    def gettext(self, language: str) -> Callable[[str], str]:
        return i18n.translations(self.content_dir / "locale", language).gettext

    # -- to the person ---------------------------------------------------------------------------
    def appointment(self, a: AppointmentView, language: str, discreet: bool, now: datetime, *,
                    channel: str = TELEGRAM) -> Composed:
        start_day = a.starts_at.astimezone(i18n.LONDON).date()
        today = now.astimezone(i18n.LONDON).date()
        when = {0: "today", 1: "tomorrow"}.get((start_day - today).days, "later")
        body = self.render("reminders/appointment.txt.j2", language, channel=channel, a=a, when=when,
                           discreet=discreet, day=i18n.long_date(start_day, language))
        return self.for_channel(Composed(body, self.appointment_buttons(a, language)), language, channel)

    def appointment_buttons(self, a: AppointmentView, language: str) -> Buttons:
        _ = self.gettext(language)
        ref = f"{a.id}:{a.version}"
        return (
            (Button(_("I'll be there"), f"appt:yes:{ref}"), Button(_("I can't make it"), f"appt:no:{ref}")),
            (Button(_("Where is it?"), f"appt:where:{ref}"),),
        )

    def missed(self, a: AppointmentView, language: str, discreet: bool, contact: str, *,
               channel: str = TELEGRAM) -> Composed:
        _ = self.gettext(language)
        body = self.render("reminders/missed.txt.j2", language, channel=channel, a=a, discreet=discreet,
                           contact=contact)
        return self.for_channel(Composed(body, ((Button(_("My team"), "m:team"), Button(_("Menu"), "m:menu")),)),
                                language, channel)

    def worker_message(self, sender: str, agency: str, body: str, language: str, discreet: bool, *,
                       channel: str = TELEGRAM) -> Composed:
        _ = self.gettext(language)
        words = self.render("reminders/worker_message.txt.j2", language, channel=channel, sender=sender,
                            agency=agency, body=body, discreet=discreet)
        return self.for_channel(Composed(words, ((Button(_("Menu"), "m:menu"),),)), language, channel)

    def planned(self, item: planning.Planned, view: PersonView, now: datetime, *, channel: str = TELEGRAM,
                discreet: bool | None = None) -> Composed:
        """Release-day, money-step and pharmacy wording, from a plan just made from the case file."""
        composed = self._planned(item, view, now, channel,
                                 view.person.discreet if discreet is None else discreet)
        return self.for_channel(composed, view.person.language, channel)

    def _planned(self, item: planning.Planned, view: PersonView, now: datetime, channel: str,
                 discreet: bool) -> Composed:
        language = view.person.language
        _ = self.gettext(language)
        today = now.astimezone(i18n.LONDON).date()
        when = "today" if item.day <= today else "tomorrow"
        plan = view.pharmacy_plan
        pharmacy_name = plan.pharmacy_name if plan is not None else ""
        menu = Button(_("Menu"), "m:menu")
        if item.kind == planning.RELEASE_DAY:
            body = self.render(
                "reminders/release_day.txt.j2", language, channel=channel, discreet=discreet,
                money=[step.title for step in item.money_steps],
                appointments=planning.release_day_appointments(view, item.day),
                pickup_at=item.visit.pickup_at if item.visit else None, pharmacy=pharmacy_name)
            return Composed(body, ((Button(_("Money"), "m:money"), Button(_("My appointments"), "m:appointments")),
                                   (menu,)))
        if item.kind == planning.MONEY_STEP:
            step = item.money_steps[0]
            body = self.render("reminders/money_step.txt.j2", language, channel=channel, discreet=discreet,
                               title=step.title, what=step.what_to_do)
            return Composed(body, ((Button(_("Money"), "m:money"), menu),))
        # A pharmacy button on a discreet chat would say what the message is about: Menu only.
        buttons = ((menu,),) if discreet else ((Button(_("Pharmacy"), "m:pharmacy"), menu),)
        if item.kind == planning.PHARMACY_PICKUP and item.visit is not None:
            body = self.render("reminders/pharmacy_pickup.txt.j2", language, channel=channel, discreet=discreet, when=when,
                               pickup_at=item.visit.pickup_at, place=pharmacy_name)
            return Composed(body, buttons)
        if item.kind == planning.PHARMACY_CHANGE and item.notice is not None:
            body = self.render("reminders/pharmacy_change.txt.j2", language, channel=channel, discreet=discreet, when=when,
                               notice=item.notice)
            return Composed(body, buttons)
        raise ValueError(f"no wording for planned kind {item.kind!r}")

    # -- to a worker (English: staff tools are in English for now) ---------------------------------
    def worker_answer(self, name: str, ref: str, event: str, reason: str | None, a: AppointmentView | None, *,
                      channel: str = TELEGRAM) -> Composed:
        reason_text = REASON_LABELS.get(reason or "", reason or "")
        body = self.render("worker/answer.txt.j2", "en", name=name, ref=ref, event=event, reason=reason,
                           reason_text=reason_text, a=a)
        return self.for_channel(Composed(body), "en", channel)

    def worker_failed(self, name: str, ref: str, tries: int, *, channel: str = TELEGRAM) -> Composed:
        return self.for_channel(Composed(self.render("worker/failed.txt.j2", "en", name=name, ref=ref, tries=tries)),
                                "en", channel)

    def worker_blocked(self, name: str, ref: str, *, by: str = TELEGRAM, channel: str = TELEGRAM) -> Composed:
        """The person's chat on `by` is gone (blocked on Telegram, or a number Notify cannot text)."""
        body = self.render("worker/blocked.txt.j2", "en", name=name, ref=ref, by=by)
        return self.for_channel(Composed(body), "en", channel)

    def worker_wrong_number(self, name: str, ref: str, *, channel: str = TELEGRAM) -> Composed:
        """The person's mobile number answered "wrong number": it is unlinked, and the worker should check it."""
        return self.for_channel(Composed(self.render("worker/sms_wrong_number.txt.j2", "en", name=name, ref=ref)),
                                "en", channel)

    def worker_urgent(self, name: str, ref: str, kind: str, *, channel: str = TELEGRAM) -> Composed:
        """"Tell my worker now": the kind of help in words (content/help-now), never the person's message."""
        found = self.journeys.current().help_now.kinds.get(kind)
        label = found.label["en"] if found is not None else "help"
        body = self.render("worker/urgent.txt.j2", "en", name=name, ref=ref, label=label.casefold())
        return self.for_channel(Composed(body), "en", channel)
