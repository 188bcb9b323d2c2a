"""The SMS channel end to end: texts posted by the Notify stand-in to Signpost's callback, served by
uvicorn over real HTTP, and the replies Signpost sent through Notify's API, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.sms_text import encoding, fragment_count
from bot.conversation import state as chat_states
from casefile import linking, sms_consent
from casefile.models import (
    Appointment,
    CaseUpdate,
    ChatLink,
    OutboxMessage,
    Person,
    SavedChatState,
    SmsInbound,
)
from glossary.discreet_words import words as discreet_words
from tests.bot.conversation_helpers import CONTENT, Case, make_case
from tests.bot.sms_harness import SmsHarness
from tests.casefile.factories import NOW
from tests.support.notify_standin import NotifyStandIn

PHONE = "07700 900123"
E164 = "+447700900123"
OTHER = "+447700900456"


@pytest.fixture
def sms(session_factory: sessionmaker[Session]) -> Iterator[SmsHarness]:
    with NotifyStandIn() as notify:
        harness = SmsHarness(notify, session_factory)
        harness.start()
        try:
            yield harness
        finally:
            harness.close()


def linked(sms: SmsHarness, session: Session, language: str = "en") -> Case:
    """Someone who texted the code from their release pack: the number is now theirs."""
    case = make_case(session, language=language)
    replies = sms.text(PHONE, case.code)
    assert replies, "the code got an answer"
    return case


def fresh(session: Session) -> None:
    """See what the server wrote: end this session's read and forget what it had loaded."""
    session.rollback()
    session.expire_all()


def private_words(text: str) -> list[str]:
    return discreet_words(CONTENT).found_in(text)


def test_a_code_from_the_release_pack_links_the_number_and_the_first_text_says_what_signpost_is(
        sms: SmsHarness, session: Session) -> None:
    case = make_case(session)
    first, linked_reply = sms.text(PHONE, case.code)
    assert "Signpost" in first and "not an emergency service" in first and "999" in first and "STOP" in first
    assert "not your worker or officer" in first
    assert "Sam" in linked_reply and "linked" in linked_reply
    link = linking.chat_link_for(session, "sms", E164)
    assert link is not None and link.person_id == case.person.id
    # Only the first text ever carries the introduction.
    again = sms.text(PHONE, "help")
    assert len(again) == 1 and "not an emergency service" not in again[0]
    for body in (first, linked_reply, *again):
        assert not private_words(body), body


def test_a_number_a_worker_added_is_linked_only_by_the_persons_reply(sms: SmsHarness, session: Session) -> None:
    from casefile.actors import StaffActor

    case = make_case(session)
    number = sms_consent.offer_number(session, StaffActor(case.lead.id), case.person.id, PHONE, now=NOW)
    assert number == E164
    # `signpost serve` texts the code (the console cannot): made there, and only its hash is kept.
    assert sms.run(sms.service.channel.text_codes()) == 1  # type: ignore[union-attr]
    assert sms.run(sms.service.channel.text_codes()) == 0, "one code per request"  # type: ignore[union-attr]
    request = sms.sent_to(E164)[-1].body
    code = "".join(char for char in request.split("reply ")[1][:6])
    assert code.isdigit() and "WRONG NUMBER" in request and "STOP" in request and "999" in request
    assert not private_words(request)
    fresh(session)
    assert linking.chat_link_for(session, "sms", E164) is None, "nothing is linked before the reply"
    assert sms.text(PHONE, "000000") != [] and linking.chat_link_for(session, "sms", E164) is None
    replies = sms.text(PHONE, code)
    assert any("This number is now linked" in body for body in replies)
    fresh(session)
    link = linking.chat_link_for(session, "sms", E164)
    assert link is not None and link.person_id == case.person.id
    # The code worked once: it is gone from the database, and was only ever kept as a hash.
    assert sms_consent.pending_numbers(session, case.person.id, NOW) == []


def test_stop_stops_every_text_at_once_and_is_confirmed_once_start_resumes(sms: SmsHarness, session: Session) -> None:
    case = linked(sms, session)
    assert linking.reminder_channels(session, case.person.id) == ("sms",)
    stopped = sms.text(PHONE, "STOP")
    assert len(stopped) == 1 and "no more texts" in stopped[0] and "START" in stopped[0]
    assert sms.text(PHONE, "stop") == [], "STOP is confirmed once"
    assert sms.text(PHONE, "what does MAPPA mean") == [], "a stopped number gets nothing but START and HELP"
    fresh(session)
    # A reminder that falls due now finds no channel: nothing would be sent to the number.
    assert linking.reminder_channels(session, case.person.id) == ()
    assert linking.message_channels(session, case.person.id) == ()
    help_reply = sms.text(PHONE, "HELP")
    assert len(help_reply) == 1 and "Alex Morgan Sam" in help_reply[0]
    resumed = sms.text(PHONE, "START")
    assert len(resumed) == 1 and "back on" in resumed[0]
    fresh(session)
    assert linking.reminder_channels(session, case.person.id) == ("sms",)


@pytest.mark.parametrize(("word", "language", "expected"), [
    ("STOPALL", "en", "no more texts"), ("Unsubscribe", "en", "no more texts"), ("cancel", "en", "no more texts"),
    ("END", "en", "no more texts"), ("quit", "en", "no more texts"),
    ("STOPIO", "cy", "Fyddwch chi ddim yn cael mwy o negeseuon"), ("diwedd", "cy", "DECHRAU"),
    ("KONIEC", "pl", "Nie dostaniesz już SMS-ów"), ("Rezygnuję", "pl", "START"),
])
def test_stop_words_in_three_languages(sms: SmsHarness, session: Session, word: str, language: str,
                                       expected: str) -> None:
    replies = sms.text(OTHER, word)
    assert len(replies) == 1 and expected in replies[0]
    assert sms_consent.is_stopped(session, OTHER)


def test_help_says_what_signpost_is_and_who_to_contact(sms: SmsHarness, session: Session) -> None:
    unlinked = sms.text(OTHER, "HELP")
    assert any("explains appointments and hard words" in body and "code from your pack" in body
               for body in unlinked)
    linked(sms, session)
    reply = sms.text(PHONE, "help")[-1]
    assert "Alex Morgan Sam" in reply and "020 7946 0001" in reply and "999" in reply
    assert not private_words(reply)


def test_wrong_number_unlinks_and_tells_the_worker(sms: SmsHarness, session: Session) -> None:
    case = linked(sms, session)
    replies = sms.text(PHONE, "Wrong number")
    assert len(replies) == 1 and "no longer linked" in replies[0]
    fresh(session)
    assert linking.chat_link_for(session, "sms", E164) is None
    notice = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "worker_notice",
                                                         OutboxMessage.worker_id == case.lead.id)).all()
    assert [row.payload["event"] for row in notice] == [sms_consent.WRONG_NUMBER_EVENT]
    note = session.scalars(select(CaseUpdate).where(CaseUpdate.kind == "sms.wrong_number")).one()
    assert note.person_id == case.person.id and "wrong number" in note.summary


def test_one_after_a_reminder_confirms_and_the_worker_sees_it(sms: SmsHarness, session: Session) -> None:
    case = linked(sms, session)
    appointment = session.get(Appointment, case.appointment_id)
    assert appointment is not None
    # What the dispatcher keeps when it texts a reminder: its numbered choices, for the reply.
    reminder_choices = (f"appt:yes:{appointment.id}:{appointment.version}",
                        f"appt:no:{appointment.id}:{appointment.version}")
    chat_states.remember_choices(session, "sms", E164, reminder_choices, NOW)
    session.commit()
    replies = sms.text(PHONE, "1")
    assert any("told your worker you will be there" in body for body in replies), replies
    fresh(session)
    assert session.get(Appointment, case.appointment_id).status == "confirmed"  # type: ignore[union-attr]
    told = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "worker_notice")).all()
    assert [row.payload["event"] for row in told] == ["confirmed"]


@pytest.mark.parametrize(("answer", "status"), [("yes", "confirmed"), ("Tak", "confirmed"), ("iawn", "confirmed"),
                                                ("can't make it", "cant_make_it"), ("nie", "cant_make_it")])
def test_words_answer_the_reminder_they_follow(sms: SmsHarness, session: Session, answer: str, status: str) -> None:
    case = linked(sms, session)
    appointment = session.get(Appointment, case.appointment_id)
    assert appointment is not None
    chat_states.remember_choices(session, "sms", E164, (f"appt:yes:{appointment.id}:{appointment.version}",
                                                        f"appt:no:{appointment.id}:{appointment.version}"), NOW)
    session.commit()
    replies = sms.text(PHONE, answer)
    if status == "cant_make_it":  # asked why first, with the reasons as numbers; "2" is work or training
        assert any("Why can you not make it?" in body and "Reply 1 for" in body for body in replies), replies
        replies = sms.text(PHONE, "2")
    fresh(session)
    assert session.get(Appointment, case.appointment_id).status == status  # type: ignore[union-attr]


def test_no_picture_or_voice_note_by_text_only_how_to_get_them(sms: SmsHarness, session: Session) -> None:
    linked(sms, session)
    sms.text(PHONE, "DISCREET OFF")
    where = sms.text(PHONE, "where am I")
    assert any("cannot send pictures or voice notes by text" in body and "Telegram" in body for body in where), where
    assert all(sms.body for sms in sms.sent_to(E164))  # every one a text: the stand-in takes nothing else
    listen = sms.text(PHONE, "listen")
    assert len(listen) == 1 and "cannot send pictures or voice notes by text" in listen[0]
    assert all("Listen" not in body for body in where + listen), "no Listen choice by text"


def test_a_glossary_question_is_answered_by_text(sms: SmsHarness, session: Session) -> None:
    linked(sms, session)
    held = sms.text(PHONE, "what does MAPPA mean")
    # Texts are discreet by default: an answer naming probation or prison is held back, with how to see it.
    assert len(held) == 1 and "private words" in held[0] and "DISCREET OFF" in held[0]
    assert not private_words(held[0])
    assert any("Discreet texts are off" in body for body in sms.text(PHONE, "DISCREET OFF"))
    answer = sms.text(PHONE, "what does MAPPA mean")
    assert len(answer) == 1 and "MAPPA" in answer[0] and "Listen" not in answer[0]
    assert "Multi-Agency Public Protection Arrangements" in answer[0]


# The most fragments the crisis answer may take: GSM-7 in English; Welsh "â" and Polish letters need UCS-2
# (70 characters a fragment), and the Welsh answer also gives Samaritans' Welsh-language line.
@pytest.mark.parametrize(("language", "message", "welsh_line", "most"), [
    ("en", "I want to kill myself", None, 3),
    ("cy", "dw i eisiau lladd fy hun", "0808 164 0123", 8),
    ("pl", "chcę się zabić", None, 6),
])
def test_the_crisis_answer_comes_first_by_text_short_and_complete(sms: SmsHarness, session: Session, language: str,
                                                                    message: str, welsh_line: str | None,
                                                                    most: int) -> None:
    linked(sms, session, language=language)
    assert sms.text(PHONE, "STOP"), "stopped first: even then a crisis gets its answer"
    replies = sms.text(PHONE, message)
    assert len(replies) == 1, replies
    answer = replies[0]
    # Complete: what to do now, and every line's number (999, Samaritans, Shout, NHS 111), and the choices.
    for number in ("999", "116 123", "85258", "111", *((welsh_line,) if welsh_line else ())):
        assert number in answer, (number, answer)
    places = {"en": "Places open now", "cy": "Lleoedd ar agor nawr", "pl": "Co jest teraz otwarte"}[language]
    assert f"1 for {places}" in answer or f"1: {places}" in answer or places in answer.split("\n")[-1], answer
    # Short: the chat's extra sentences are left out, and it is within its bound of fragments.
    assert fragment_count(answer) <= most, (fragment_count(answer), answer)
    print(f"crisis answer by text, {language}: {fragment_count(answer)} fragments, {len(answer)} characters")


def test_welsh_and_polish_replies_and_their_fragments(sms: SmsHarness, session: Session) -> None:
    from casefile import people
    from casefile.actors import SystemActor

    case = make_case(session, language="cy")
    welsh = sms.text(PHONE, case.code)
    assert any("Signpost yw hwn" in body for body in welsh)
    assert all(fragment_count(body) <= 3 for body in welsh), [(fragment_count(b), b) for b in welsh]
    help_cy = sms.text(PHONE, "HELP")[-1]
    assert "Argyfwng: 999" in help_cy and fragment_count(help_cy) <= 4
    people.set_language(session, SystemActor("tests"), case.person.id, "pl", now=NOW)
    session.commit()
    help_pl = sms.text(PHONE, "POMOC")[-1]
    assert "Nagły wypadek: 999" in help_pl
    stopped = sms.text(PHONE, "KONIEC")[-1]
    assert "Nie dostaniesz już SMS-ów" in stopped and fragment_count(stopped) == 1
    for name, body in (("cy first text", welsh[0]), ("cy linked", welsh[-1]), ("cy HELP", help_cy),
                       ("pl HELP", help_pl), ("pl STOP", stopped)):
        print(f"{name}: {fragment_count(body)} fragments, {encoding(body)}, {len(body)} characters")


def test_a_bad_bearer_token_is_refused(sms: SmsHarness, session: Session) -> None:
    assert sms.text(PHONE, "hello", token="not-the-token") == []
    payload = {"id": "a5e5e4b6-0000-4000-8000-000000000001", "source_number": "447700900123",
               "destination_number": "07700900000", "message": "hello", "date_received": "2027-06-09T08:30:00Z"}
    assert sms.post(payload, "signpost-test-callback-token-0123456788").status_code == 401
    no_header = httpx.post(sms.url, json=payload)
    assert no_header.status_code == 401
    assert session.scalars(select(SmsInbound)).all() == []
    assert sms.sent_to(E164) == []


def test_the_same_text_twice_is_answered_once(sms: SmsHarness, session: Session) -> None:
    payload = {"id": "a5e5e4b6-0000-4000-8000-000000000002", "source_number": "447700900123",
               "destination_number": "07700900000", "message": "what does HDC mean",
               "date_received": "2027-06-09T08:30:00.000000Z"}
    token = sms.notify.callback_token
    assert sms.post(payload, token).status_code == 204
    first = len(sms.sent_to(E164))
    assert first >= 1
    assert sms.post(payload, token).status_code == 204
    assert len(sms.sent_to(E164)) == first
    assert session.scalars(select(SmsInbound.notification_id)).all() == [payload["id"]]


def test_catch_up_at_start_answers_only_what_came_while_down(sms: SmsHarness, session: Session) -> None:
    sms.text(PHONE, "what does HDC mean")  # handled while running
    handled = len(sms.sent_to(E164))
    sms.stop()
    sms.notify.receive(PHONE, "what does ROTL mean")  # while Signpost is down
    sms.notify.receive(OTHER, "HELP")
    sms.start()
    assert len(sms.sent_to(E164)) == handled + 1
    assert len(sms.sent_to(OTHER)) >= 1
    fresh(session)
    assert len(session.scalars(select(SmsInbound)).all()) == 3
    # Starting again answers nothing twice.
    sms.stop()
    sms.start()
    assert len(sms.sent_to(E164)) == handled + 1


def test_no_text_of_the_messages_is_stored(sms: SmsHarness, session: Session) -> None:
    linked(sms, session)
    sms.text(PHONE, "my secret words about my licence conditions")
    fresh(session)
    for row in session.scalars(select(SmsInbound)):
        assert set(vars(row)) & {"message", "body"} == set()
    for saved in session.scalars(select(SavedChatState)):
        assert "secret" not in saved.data


def test_channel_choice_by_text_and_reminders_follow_it(sms: SmsHarness, session: Session) -> None:
    from tests.casefile.factories import link_telegram

    case = linked(sms, session)
    link_telegram(session, case.person.id)
    assert linking.reminder_channels(session, case.person.id) == ("sms", "telegram")
    question = sms.text(PHONE, "REMINDERS")
    assert len(question) == 1 and "Reply 1 for Telegram, 2 for Text messages, 3 for Both" in question[0], question
    assert any("on Telegram" in body for body in sms.text(PHONE, "1"))
    fresh(session)
    assert session.get(Person, case.person.id).channel_choice == "telegram"  # type: ignore[union-attr]
    assert linking.reminder_channels(session, case.person.id) == ("telegram",)
    sms.text(PHONE, "reminders")
    assert any("by text" in body for body in sms.text(PHONE, "2"))
    fresh(session)
    assert linking.reminder_channels(session, case.person.id) == ("sms",)
    assert session.scalars(select(ChatLink).where(ChatLink.channel == "sms")).one().active


def test_a_reply_notify_did_not_take_is_sent_again(sms: SmsHarness, session: Session) -> None:
    sms.notify.fail_next(503)
    replies = sms.text(PHONE, "HELP")
    assert len(replies) == 2 and "not an emergency service" in replies[0] and "hard words" in replies[1]
    assert sms.notify.count_5xx == 1
