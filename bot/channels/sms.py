"""SMS adapter (GOV.UK Notify): received texts in, `Conversation.handle`, replies out as text messages.

Notify posts each text a person sends to Signpost's number to the route `inbound_routes` gives (JSON with
id, source_number, destination_number, message, date_received), with the bearer token it was given
(SIGNPOST_NOTIFY_CALLBACK_TOKEN); anything else is refused with 401. At start `catch_up` reads Notify's
list of received texts for any that came while Signpost was down, newer than the newest one handled.
Each text is handled once, whichever way it came: its id is claimed in the database first
(casefile.sms_consent.claim_inbound), and only ids and times are kept, never what it said.

Before the conversation, in this order (a crisis is never held up by any of it):
  STOP and its Welsh and Polish words stop every text to the number at once, confirmed once;
  a message that may be a crisis goes to the conversation, which answers it first (even after STOP);
  a stopped number gets nothing else but the answers to START and HELP;
  "wrong number" or "not me" unlinks the number and tells the lead professional;
  the confirmation code a worker's request sent links the number;
  DISCREET ON/OFF sets the person's discreet texts (REMINDERS is the conversation's /reminders);
  "1", "2" ... press the numbered choices of the last text sent (kept in the chat state, so any process
  can answer), and "yes" or "can't make it" answer the reminder those choices belong to.
Replies: buttons become numbered choices (bot.channels.sms_text), a picture or a voice note becomes a
line saying how to get it, and a text that would carry a word from content/discreet-words.yaml while the
person's texts are discreet is held back for a plain one that says how to see it. The crisis answer is
never held back. The very first text to a number says what Signpost is, what it is not, and how to stop.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot import i18n
from bot.channels import sms_text
from bot.channels.notify_client import ReceivedSms
from bot.conversation import help_now, journey_answers
from bot.conversation import state as chat_states
from bot.conversation.core import Conversation
from bot.messages import Button, Incoming, Reply
from bot.reminders.sender import Outcome
from bot.reminders.sender_sms import SmsSender
from casefile import linking, people, sms_consent
from casefile.actors import PersonActor
from casefile.linking import CodeHasher
from glossary import discreet_words
from glossary.normalize import fold_accents

log = logging.getLogger(__name__)
CHANNEL = sms_consent.SMS
INBOUND_PATH = "/notify/received-text"
SEND_TRIES = 3
FIRST_RETRY_SECONDS = 1.0
CATCH_UP_PAGES = 20  # 250 texts a page: far more than a restart can miss

# Whole-message keywords, after folding case and accents ("Rezygnuję" -> "rezygnuje"). The language a
# keyword is in answers it when the number has no language yet.
STOP_WORDS = {"stop": None, "stopall": "en", "unsubscribe": "en", "cancel": "en", "end": "en", "quit": "en",
              "stopio": "cy", "diwedd": "cy", "dad danysgrifio": "cy", "koniec": "pl", "rezygnuje": "pl",
              "wypisz": "pl"}
START_WORDS = {"start": None, "unstop": "en", "dechrau": "cy", "ailddechrau": "cy", "wznow": "pl"}
HELP_WORDS = {"help": "en", "info": None, "cymorth": "cy", "help os gwelwch yn dda": "cy", "pomoc": "pl"}
WRONG_NUMBER = ("wrong number", "not me", "wrong person", "who is this", "rhif anghywir", "nid fi", "dim fi",
                "zly numer", "pomylka", "to nie ja", "nie ja")
DISCREET_WORDS = {"discreet on": True, "discreet off": False, "cynnil ymlaen": True, "cynnil i ffwrdd": False, "dyskretnie wlacz": True,
                  "dyskretnie wylacz": False}
# Where reminders go is the conversation's /reminders (Telegram, text messages or both, as numbered choices).
REMINDERS_WORDS = {"reminders", "nodiadau atgoffa", "przypomnienia"}
# Words that answer a reminder the way its buttons do, in English, Welsh and Polish.
YES_WORDS = {"yes", "y", "yeah", "yep", "ok", "okay", "ill be there", "i will be there", "will be there", "coming",
             "ie", "iawn", "bydda", "bydda i yno", "mi fydda i yno", "dof", "tak", "bede", "bede tam", "przyjde"}
NO_WORDS = {"no", "n", "nope", "na", "nac ydw", "nie", "nie przyjde", "nie dam rady"}
_DIGITS = re.compile(r"^\d{1,2}$")


@dataclass(frozen=True)
class ReceivedText:
    """One text a person sent, as Notify's callback or its list gives it."""

    id: str
    source_number: str
    message: str
    received_at: datetime

    @classmethod
    def from_callback(cls, payload: dict[str, Any]) -> ReceivedText:
        when = str(payload.get("date_received") or "")
        try:
            received_at = datetime.fromisoformat(when.replace("Z", "+00:00"))
        except ValueError:
            received_at = datetime.now(UTC)
        if received_at.tzinfo is None:
            received_at = received_at.replace(tzinfo=UTC)
        return cls(str(payload["id"]), str(payload["source_number"]), str(payload.get("message") or ""), received_at)

    @classmethod
    def from_list(cls, item: ReceivedSms) -> ReceivedText:
        return cls(item.id, item.source_number, item.message, item.received_at)


@dataclass(frozen=True)
class Outgoing:
    number: str
    body: str


def _keyword(message: str) -> str:
    """A message as the keywords are written: "Rezygnuję!" -> "rezygnuje", "Wrong number." -> "wrong number"."""
    return fold_accents(message)


def without_voice(buttons: tuple[tuple[Button, ...], ...]) -> tuple[tuple[Button, ...], ...]:
    """A text cannot carry a voice note, so a Listen button has nothing to offer by SMS."""
    rows = (tuple(b for b in row if not b.data.startswith("listen:")) for row in buttons)
    return tuple(row for row in rows if row)


class SmsChannel:
    def __init__(self, conversation: Conversation, texts: SmsSender, *, hasher: CodeHasher,
                 clock: Callable[[], datetime] | None = None) -> None:
        """`texts` is the process's one way out by text (the dispatcher's too), so replies and reminders
        share Notify's minute and day limits; its client also reads Notify's list of received texts."""
        self.conversation = conversation
        self.texts = texts
        self.client = texts.client
        self.hasher = hasher
        self.clock = clock or conversation.clock

    # -- in -----------------------------------------------------------------------------------------
    async def receive(self, text: ReceivedText) -> int:
        """Answer one received text (once, however often it comes). Returns how many texts were sent."""
        outgoing = await asyncio.to_thread(self.answer, text)
        for message in outgoing:
            await self.send(message.number, message.body)
        return len(outgoing)

    async def catch_up(self) -> int:
        """At start: answer the texts that came while Signpost was not running, oldest first. Only those
        newer than the newest one handled are read; the ids claimed make a text met twice answered once."""
        since = await asyncio.to_thread(self._last_received_at)
        missed: list[ReceivedSms] = []
        older_than: str | None = None
        for _page in range(CATCH_UP_PAGES):
            page = await self.client.received_texts(older_than)
            fresh = [t for t in page.texts if since is None or t.received_at > since]
            missed += fresh
            if len(fresh) < len(page.texts) or page.older_than is None:
                break
            older_than = page.older_than
        if since is None and missed:
            # Never handled a text at all: this is a first start, and old texts are not answered out of the blue.
            log.info("first start with SMS: %d earlier received texts are left unanswered", len(missed))
            newest = max(missed, key=lambda t: t.received_at)
            await asyncio.to_thread(self._claim, newest.id, newest.received_at)
            return 0
        answered = 0
        for item in sorted(missed, key=lambda t: t.received_at):
            answered += 1 if await self.receive(ReceivedText.from_list(item)) else 0
        if missed:
            log.info("caught up with %d texts received while Signpost was not running", len(missed))
        return answered

    def _last_received_at(self) -> datetime | None:
        with self.conversation.sessions() as session:
            return sms_consent.last_received_at(session)

    def _claim(self, notification_id: str, received_at: datetime) -> bool:
        with self.conversation.sessions() as session:
            return sms_consent.claim_inbound(session, notification_id, received_at, self.clock())

    # -- the answer (synchronous: the database and the core) -----------------------------------------
    def answer(self, text: ReceivedText) -> list[Outgoing]:
        """The texts to send back for one received text; nothing when it was handled before."""
        number = sms_consent.normalise_number(text.source_number)
        if number is None:
            log.info("a received text came from a number that is not a mobile number; it is not answered")
            return []
        if not self._claim(text.id, text.received_at):
            return []
        now = self.clock()
        message = text.message.strip()[:1000]
        word = _keyword(message)
        with self.conversation.sessions() as session:
            owner = linking.chat_owner(session, CHANNEL, number)
            saved = chat_states.load(session, CHANNEL, number, now)
            crisis = self.conversation.journeys.current().help_now.detect(message) if word not in STOP_WORDS else None
            answered = self._keywords(session, number, message, word, owner, saved, crisis is not None, now)
            if answered is not None:
                return answered
            session.commit()
        if word in REMINDERS_WORDS or (word in START_WORDS and owner is None):
            message = f"/{'reminders' if word in REMINDERS_WORDS else 'start'}"
        incoming = self._incoming(number, message, word, saved.choices, crisis is not None)
        replies = self.conversation.handle(incoming)
        return self._outgoing(number, replies, now)

    def _keywords(self, session: Session, number: str, message: str, word: str, owner: linking.ChatOwner | None,
                  saved: chat_states.ChatState, crisis: bool, now: datetime) -> list[Outgoing] | None:
        """The answer to STOP, START, HELP, "wrong number", a confirmation code or DISCREET ON/OFF, in the
        order the module says; None when the text is for the conversation."""
        stopped = sms_consent.is_stopped(session, number)
        language = self._language(owner, saved, None)
        if word in STOP_WORDS:
            changed = sms_consent.set_stopped(session, number, True, now)
            language = self._language(owner, saved, STOP_WORDS[word])
            return [Outgoing(number, self._render("sms/stopped.txt.j2", language))] if changed else []
        if crisis:
            return None  # the conversation answers it first, even after STOP
        if word in WRONG_NUMBER:
            sms_consent.wrong_number(session, number, now)
            chat_states.save(session, CHANNEL, number, chat_states.ChatState(), now)
            session.commit()
            # After STOP the number hears nothing more, not even this.
            return [] if stopped else [Outgoing(number, self._render("sms/wrong_number.txt.j2", language))]
        if stopped:
            if word in START_WORDS:
                sms_consent.set_stopped(session, number, False, now)
                language = self._language(owner, saved, START_WORDS[word])
                return [Outgoing(number, self._render("sms/started.txt.j2", language))]
            if word in HELP_WORDS:
                return [Outgoing(number, self._help(session, owner, self._language(owner, saved, HELP_WORDS[word]),
                                                    now))]
            return []  # stopped: silence until START
        if word in START_WORDS and owner is not None:  # texts were not stopped: nothing to turn on
            return self._with_introduction(session, number, [self._render("sms/started.txt.j2", language)],
                                           language, now)
        if word in HELP_WORDS:
            help_language = self._language(owner, saved, HELP_WORDS[word])
            return self._with_introduction(session, number, [self._help(session, owner, help_language, now)],
                                           help_language, now)
        if owner is None:
            person_id = sms_consent.confirm_number(session, number, message, now, hasher=self.hasher)
            if person_id is not None:
                name = people.person_view(session, person_id, today=now.date(), now=now).person.preferred_name
                language = self._language(linking.chat_owner(session, CHANNEL, number), saved, None)
                return [Outgoing(number, self._render("sms/confirmed.txt.j2", language, name=name))]
        if owner is not None and owner.person_id is not None and word in DISCREET_WORDS:
            on = DISCREET_WORDS[word]
            sms_consent.set_sms_discreet(session, PersonActor(owner.person_id), owner.person_id, on, now=now)
            return [Outgoing(number, self._render("sms/discreet.txt.j2", language, discreet=on))]
        return None

    def _language(self, owner: linking.ChatOwner | None, saved: chat_states.ChatState, hint: str | None) -> str:
        if owner is not None and owner.language in i18n.LANGUAGES:
            return owner.language
        return saved.language or hint or i18n.DEFAULT_LANGUAGE

    def _incoming(self, number: str, message: str, word: str, choices: tuple[str, ...], crisis: bool) -> Incoming:
        """A numbered choice, or a word answering a reminder, becomes the press of that button."""
        if not crisis and _DIGITS.match(word) and choices:
            index = int(word) - 1
            if 0 <= index < len(choices):
                return Incoming(CHANNEL, number, button=choices[index])
        if not crisis:
            wanted = "appt:yes:" if word in YES_WORDS else "appt:no:" if word in NO_WORDS else None
            if wanted is not None:
                found = next((data for data in choices if data.startswith(wanted)), None)
                if found is not None:
                    return Incoming(CHANNEL, number, button=found)
        return Incoming(CHANNEL, number, text=message)

    def _help(self, session: Session, owner: linking.ChatOwner | None, language: str, now: datetime) -> str:
        lead = None
        if owner is not None and owner.person_id is not None:
            lead = people.person_view(session, owner.person_id, today=now.date(), now=now).lead
        return self._render("sms/help.txt.j2", language, linked=owner is not None,
                            lead=lead.name if lead else "", contact=lead.contact if lead else "")

    def _render(self, template: str, language: str, **context: Any) -> str:
        return self.conversation.render(template, language, **context)

    def _with_introduction(self, session: Session, number: str, bodies: list[str], language: str,
                           now: datetime) -> list[Outgoing]:
        """The first text a number ever gets starts with what Signpost is, what it is not, and how to stop."""
        outgoing = [Outgoing(number, body) for body in bodies]
        if not bodies or not sms_consent.needs_introduction(session, number):
            return outgoing
        sms_consent.mark_introduced(session, number, now)
        return [Outgoing(number, self._render("sms/intro.txt.j2", language)), *outgoing]

    def _outgoing(self, number: str, replies: Sequence[Reply], now: datetime) -> list[Outgoing]:
        with self.conversation.sessions() as session:
            owner = linking.chat_owner(session, CHANNEL, number)
            state = chat_states.load(session, CHANNEL, number, now)
            language = self._language(owner, state, None)
            discreet = owner is None or owner.person_id is None or sms_consent.sms_discreet(session, owner.person_id)
            bodies: list[str] = []
            choices: tuple[str, ...] = state.choices
            for reply in replies:
                body, reply_choices = self.render_reply(reply, language, discreet=discreet)
                if body:
                    bodies += sms_text.sms_parts(body)  # past Notify's 918 characters: several texts
                    choices = reply_choices
            chat_states.remember_choices(session, CHANNEL, number, choices, now)
            session.commit()
            outgoing = self._with_introduction(session, number, bodies, language, now)
            session.commit()
            return outgoing

    def render_reply(self, reply: Reply, language: str, *, discreet: bool) -> tuple[str, tuple[str, ...]]:
        """One reply as the text of one SMS and the button data its numbers stand for."""
        buttons = without_voice(reply.buttons)
        text = reply.text
        picture = reply.photo_png is not None or journey_answers.PICTURE_NOTE in reply.notes
        if picture or reply.voice_text is not None:
            no_media = self._render("sms/no_media.txt.j2", language)
            text = f"{text}\n\n{no_media}" if text and picture else no_media
        is_help_now = help_now.HELP_NOW_NOTE in reply.notes
        if discreet and not is_help_now:
            found = discreet_words.words(self.conversation.content_dir).found_in(
                text + " " + " ".join(b.label for row in buttons for b in row))
            if found:
                log.info("a text held back in discreet mode (%d private words)", len(found))
                menu = ((Button(self.conversation.gettext(language)("Menu"), "m:menu"),),)
                return self._render_sms(replace(reply, text=self._render("sms/withheld.txt.j2", language),
                                                buttons=menu), language)
        return self._render_sms(replace(reply, text=text, buttons=buttons), language)

    def _render_sms(self, reply: Reply, language: str) -> tuple[str, tuple[str, ...]]:
        rendered = sms_text.render_sms(reply.text, reply.buttons, language, self.conversation.content_dir / "locale")
        return rendered.text, tuple(button.data for button in rendered.choices)

    # -- out ----------------------------------------------------------------------------------------
    async def send(self, number: str, body: str) -> bool:
        """Send one reply, paced with every other text; one Notify did not take (a 5xx, no connection) is
        tried again a few times. The reference Notify keeps is a random id: it says nothing about the person."""
        wait = FIRST_RETRY_SECONDS
        for attempt in range(SEND_TRIES):
            result = await self.texts.send_sms(number, body, f"reply-{secrets.token_hex(8)}")
            if result.outcome is not Outcome.RETRY or result.wait is not None:  # sent, refused, or the day is used up
                break
            if attempt + 1 < SEND_TRIES:
                await asyncio.sleep(wait)
                wait *= 2
        if result.outcome is not Outcome.SENT:
            log.warning("a reply by text was not sent: %s", result.error)
        return result.outcome is Outcome.SENT

    async def text_codes(self) -> int:
        """Text each number a worker added its confirmation code (made here, so never stored: only its hash).
        A code that could not be sent is made and sent again next time. Returns how many went."""
        waiting = await asyncio.to_thread(self._codes_to_text)
        sent = 0
        for item in waiting:
            body = self._render("sms/confirm_request.txt.j2", item.language, code=item.code)
            if await self.send(item.number, body):
                sent += 1
                await asyncio.to_thread(self._introduced, item.number)  # the request says what Signpost is
            else:  # a new code next round (a number Notify cannot text waits for the worker to fix it)
                await asyncio.to_thread(self._code_not_texted, item.number)
        return sent

    def _codes_to_text(self) -> list[sms_consent.CodeToText]:
        with self.conversation.sessions() as session:
            return sms_consent.codes_to_text(session, self.clock(), hasher=self.hasher)

    def _introduced(self, number: str) -> None:
        with self.conversation.sessions() as session:
            sms_consent.mark_introduced(session, number, self.clock())

    def _code_not_texted(self, number: str) -> None:
        with self.conversation.sessions() as session:
            sms_consent.code_not_texted(session, number)


# -- the web side: Notify's callback ----------------------------------------------------------------
def token_matches(header: str | None, token: str) -> bool:
    """Whether an Authorization header carries the callback token, compared in constant time."""
    if not header or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header[len("Bearer "):].strip().encode(), token.encode())


def inbound_routes(channel: SmsChannel, callback_token: str) -> list[Route]:
    """Notify's received-text callback, to mount on any Starlette app (`signpost serve`'s own, or one that
    also takes Telegram's webhook)."""

    async def received_text(request: Request) -> Response:
        if not token_matches(request.headers.get("authorization"), callback_token):
            return JSONResponse({"error": "not authorised"}, status_code=401)
        try:
            payload = await request.json()
            text = ReceivedText.from_callback(payload)
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": "a received text needs id, source_number and message"}, status_code=400)
        await channel.receive(text)
        return Response(status_code=204)

    return [Route(INBOUND_PATH, received_text, methods=["POST"])]
