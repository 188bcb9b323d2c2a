"""Reminders by text message through GOV.UK Notify: real HTTP to the Notify and Telegram stand-ins."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from reminder_helpers import Clock, book, make_world, outbox_rows, run
from sms_helpers import SmsDispatch, link_sms
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.sms_callbacks import CallbackServer
from bot.channels.sms_receipts import RECEIPTS_PATH, receipt_routes
from bot.channels.sms_text import fragment_count, is_gsm7
from bot.reminders.sms_pacing import SmsLimits
from casefile.models import ChatLink, OutboxMessage
from tests.support.notify_standin import NotifyStandIn
from tests.support.telegram_standin import TelegramStandIn

START = datetime(2027, 6, 11, 9, 30, tzinfo=UTC)  # Friday 10:30 in London
DAY_BEFORE = START - timedelta(hours=24)
PHONE = "+447700900101"
SENSITIVE = re.compile(r"probation|prison|methadone|drug|pharmacy|licence", re.IGNORECASE)


@pytest.fixture
def notify() -> Iterator[NotifyStandIn]:
    with NotifyStandIn() as server:
        yield server


def sms_link_active(sessions: sessionmaker[Session], number: str) -> bool:
    with sessions() as check:
        return bool(check.scalars(select(ChatLink.active).where(ChatLink.channel == "sms",
                                                                ChatLink.chat_id == number)).one())


def test_a_reminder_goes_by_text_discreetly_with_numbered_choices_and_its_fragments(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, notify: NotifyStandIn,
    clock: Clock,
) -> None:
    world = make_world(session, link_person=False)  # not discreet on Telegram: texts are discreet anyway
    link_sms(session, PHONE, person_id=world.person_id)
    book(session, world, START)
    clock.set(DAY_BEFORE)
    stats = run(SmsDispatch(session_factory, standin, notify, clock).once())
    assert stats.sent == 1
    [sms] = notify.sent
    assert sms.phone_number == PHONE and sms.template_id == notify.template_id
    assert sms.body == ("Reminder: appointment tomorrow at 10:30.\nCan you come?\n"
                        "Reply 1 for I'll be there, 2 for I can't make it, 3 for Where is it?")
    assert not SENSITIVE.search(sms.body)  # the booking says "Lewisham probation office"
    [row] = outbox_rows(session, kind="appointment_reminder", state="sent")
    assert (row.notify_id, row.sms_state, row.sms_fragments) == (sms.id, "sending", 1)
    assert fragment_count(sms.body) == 1 and is_gsm7(sms.body)
    assert row.payload["sms_choices"][:2] == [f"appt:yes:{row.appointment_id}:1", f"appt:no:{row.appointment_id}:1"]
    # The reference names the outbox row only: no name, person ref, number or words.
    assert sms.reference == f"outbox-{row.id}"
    assert not any(secret in (sms.reference or "") for secret in ("Sam", "P-1", PHONE, "0770"))
    assert [message for message in standin.sent if str(message.chat_id) == str(world.person_chat)] == []


def test_a_person_on_both_channels_gets_one_reminder_on_each_and_a_notify_outage_never_repeats_telegram(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, notify: NotifyStandIn,
    clock: Clock,
) -> None:
    world = make_world(session)
    link_sms(session, PHONE, person_id=world.person_id)
    book(session, world, START)
    clock.set(DAY_BEFORE)
    notify.fail_next(500)
    dispatch = SmsDispatch(session_factory, standin, notify, clock)
    assert run(dispatch.once()).retried == 1
    [row] = outbox_rows(session, kind="appointment_reminder", state="pending", offset_minutes=1440)
    assert row.attempts == 1 and row.payload["sent_on"] == ["telegram"] and row.telegram_message_id
    assert row.due_at == DAY_BEFORE + timedelta(seconds=30) and "500" in (row.last_error or "")
    assert notify.count_5xx == 1 and notify.sent == []
    clock.advance(seconds=31)
    assert run(dispatch.once()).sent == 1
    [row] = outbox_rows(session, kind="appointment_reminder", offset_minutes=1440)
    assert row.state == "sent" and row.notify_id == notify.sent[0].id and row.telegram_message_id
    telegram_copies = [m for m in standin.sent if str(m.chat_id) == str(world.person_chat)]
    assert len(telegram_copies) == 1 and len(notify.sent) == 1
    assert telegram_copies[0].text.endswith("Tap a button.")  # the chat wording stays the chat's


def test_a_429_is_waited_out_and_the_same_text_goes(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, notify: NotifyStandIn,
    clock: Clock,
) -> None:
    world = make_world(session, link_person=False)
    link_sms(session, PHONE, person_id=world.person_id)
    book(session, world, START)
    clock.set(DAY_BEFORE)
    notify.fail_next(429, count=2)
    stats = run(SmsDispatch(session_factory, standin, notify, clock).once())
    assert (stats.sent, stats.retried, notify.count_429, len(notify.sent)) == (1, 0, 2, 1)


def test_the_days_limit_holds_texts_until_the_london_day_turns(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, notify: NotifyStandIn,
    clock: Clock,
) -> None:
    world = make_world(session, link_person=False)
    link_sms(session, PHONE, person_id=world.person_id)
    book(session, world, START)
    book(session, world, START + timedelta(hours=3))
    clock.set(DAY_BEFORE + timedelta(hours=3))  # both reminders due; the day allows one text
    dispatch = SmsDispatch(session_factory, standin, notify, clock,
                           limits=SmsLimits(per_minute=600_000.0, per_day=1, burst=100))
    stats = run(dispatch.once())
    assert (stats.sent, stats.retried, len(notify.sent)) == (1, 1, 1)
    [held] = [row for row in outbox_rows(session, kind="appointment_reminder", state="pending") if row.attempts]
    assert held.due_at >= datetime(2027, 6, 9, 23, 0, tzinfo=UTC)  # London midnight (BST)
    assert "SIGNPOST_SMS_PER_DAY" in (held.last_error or "")


@pytest.mark.parametrize(("language", "first_line", "encoding", "fragments"), [
    ("cy", "Nodyn atgoffa: apwyntiad yfory am 10:30.", "GSM-7", 1),
    ("pl", "Przypomnienie: spotkanie jutro o 10:30.", "UCS-2", 2),
])
def test_welsh_and_polish_texts_and_their_fragment_counts(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, notify: NotifyStandIn,
    clock: Clock, language: str, first_line: str, encoding: str, fragments: int,
) -> None:
    world = make_world(session, language=language, link_person=False)
    link_sms(session, PHONE, person_id=world.person_id)
    book(session, world, START)
    clock.set(DAY_BEFORE)
    run(SmsDispatch(session_factory, standin, notify, clock).once())
    [sms] = notify.sent
    assert sms.body.splitlines()[0] == first_line
    assert ("GSM-7" if is_gsm7(sms.body) else "UCS-2") == encoding
    [row] = outbox_rows(session, kind="appointment_reminder", offset_minutes=1440)
    assert row.sms_fragments == fragment_count(sms.body) == fragments


def test_a_number_notify_will_not_text_stops_its_link_and_tells_the_lead(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, notify: NotifyStandIn,
    clock: Clock,
) -> None:
    world = make_world(session, link_person=False)
    link_sms(session, "+15551234567", person_id=world.person_id)  # not a UK mobile: Notify says 400
    book(session, world, START)
    clock.set(DAY_BEFORE)
    dispatch = SmsDispatch(session_factory, standin, notify, clock)
    assert run(dispatch.once()).blocked == 1
    assert not sms_link_active(session_factory, "+15551234567")
    assert run(dispatch.once()).sent == 1  # the lead's notice, on their Telegram chat
    notice = standin.pop(world.worker_chat).text or ""
    assert "Texts to Sam 1 (P-1) cannot be delivered" in notice


def test_a_permanent_failure_receipt_reaches_the_lead_and_stops_further_texts(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, notify: NotifyStandIn,
    clock: Clock,
) -> None:
    world = make_world(session, link_person=False)
    link_sms(session, PHONE, person_id=world.person_id)
    book(session, world, START)
    book(session, world, START + timedelta(days=3))
    clock.set(DAY_BEFORE)
    dispatch = SmsDispatch(session_factory, standin, notify, clock)

    async def scenario() -> list[int]:
        server = CallbackServer(receipt_routes(session_factory, notify.callback_token, clock=clock), port=0)
        await server.start()
        try:
            await dispatch.once()
            [sms] = notify.sent
            url = server.url + RECEIPTS_PATH
            wrong = await notify.send_receipt_async(sms.id, "permanent-failure", url=url, token="not-the-token")
            no_header = await httpx.AsyncClient().post(url, json=notify.receipt_payload(sms.id, "delivered"))
            assert sms_link_active(session_factory, PHONE)  # a wrong token changed nothing
            right = await notify.send_receipt_async(sms.id, "permanent-failure", url=url)
            again = await notify.send_receipt_async(sms.id, "permanent-failure", url=url)  # Notify may repeat
            return [wrong.status_code, no_header.status_code, right.status_code, again.status_code]
        finally:
            await server.stop()

    assert run(scenario()) == [401, 401, 204, 204]
    [row] = outbox_rows(session, kind="appointment_reminder", state="sent")
    assert row.sms_state == "permanent-failure"
    assert not sms_link_active(session_factory, PHONE)
    notices = outbox_rows(session, kind="worker_notice")
    assert [(n.payload["event"], n.payload["by"]) for n in notices] == [("blocked", "sms")]  # told once
    run(dispatch.once())
    assert "cannot be delivered to their phone number" in (standin.pop(world.worker_chat).text or "")
    clock.set(START + timedelta(days=2))  # the next appointment's day-before reminder: no text now
    run(dispatch.once())
    assert len(notify.sent) == 1
    with session_factory() as check:
        later = check.scalars(select(OutboxMessage).where(OutboxMessage.kind == "appointment_reminder",
                                                          OutboxMessage.state == "cancelled")).all()
    assert any(row.last_error == "no active chat" for row in later)


def test_a_delivered_receipt_is_kept_on_the_row(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, notify: NotifyStandIn,
    clock: Clock,
) -> None:
    world = make_world(session, link_person=False)
    link_sms(session, PHONE, person_id=world.person_id)
    book(session, world, START)
    clock.set(DAY_BEFORE)

    async def scenario() -> int:
        server = CallbackServer(receipt_routes(session_factory, notify.callback_token, clock=clock), port=0)
        await server.start()
        try:
            await SmsDispatch(session_factory, standin, notify, clock).once()
            answer = await notify.send_receipt_async(notify.sent[0].id, "delivered", url=server.url + RECEIPTS_PATH)
            return answer.status_code
        finally:
            await server.stop()

    assert run(scenario()) == 204
    [row] = outbox_rows(session, kind="appointment_reminder", offset_minutes=1440)
    assert row.sms_state == "delivered" and sms_link_active(session_factory, PHONE)
