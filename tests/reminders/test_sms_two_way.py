"""Two-way reminders by text, end to end: the dispatcher texts a reminder through Notify's stand-in, the
person's reply comes back through Signpost's callback (uvicorn, real HTTP), and the worker sees it on
Telegram as they would for a button; STOP stops the next reminder, START lets the one after go."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from reminder_helpers import (
    CONTENT,
    Clock,
    book,
    drain,
    make_world,
    outbox_rows,
    reminder_policy,
    run,
    standin_pacer,
)
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.notify_client import NotifyClient
from bot.reminders.compose import Composer
from bot.reminders.dispatcher import Dispatcher, DispatchSettings, DispatchStats
from bot.reminders.sender import SendTimeouts, TelegramSender, make_bot
from bot.reminders.sender_sms import SmsSender
from bot.reminders.sms_pacing import SmsLimits, SmsPacer
from casefile import linking
from casefile.actors import SystemActor
from casefile.models import Appointment
from tests.bot.conversation_helpers import SETTINGS
from tests.bot.sms_harness import SmsHarness
from tests.casefile.factories import NOW
from tests.support.notify_standin import NotifyStandIn
from tests.support.telegram_standin import TelegramStandIn

PHONE = "07700 900321"
E164 = "+447700900321"
FAST = SmsLimits(per_minute=600_000.0, per_day=100_000, burst=100, rate_limited_pause=0.05)


@pytest.fixture
def sms(session_factory: sessionmaker[Session]) -> Iterator[SmsHarness]:
    with NotifyStandIn() as notify:
        harness = SmsHarness(notify, session_factory)
        harness.start()
        try:
            yield harness
        finally:
            harness.close()


def dispatch(sessions: sessionmaker[Session], telegram: TelegramStandIn, notify: NotifyStandIn,
             clock: Clock) -> DispatchStats:
    """One round of the real dispatcher: Telegram through PTB, texts through Notify's official client."""
    async def once() -> DispatchStats:
        bot = make_bot(telegram.token, f"http://127.0.0.1:{telegram.port}", timeouts=SendTimeouts())
        client = NotifyClient(notify.api_key, notify.template_id, base_url=notify.base_url,
                              sender_id=notify.sender_id)
        texts = SmsSender(client, SmsPacer(FAST, wall_clock=clock))
        try:
            async with bot:
                dispatcher = Dispatcher(sessions, TelegramSender(bot, standin_pacer()), Composer(CONTENT),
                                        policy=reminder_policy(), settings=DispatchSettings(batch=50),
                                        name="sms-two-way", clock=clock, sms_sender=texts)
                return await dispatcher.run(once=True)
        finally:
            client.close()

    return run(once())


def linked_by_text(sms: SmsHarness, session: Session) -> tuple[int, int, int]:
    """A person (on SMS only) whose lead worker is on Telegram, with an appointment in two days."""
    world = make_world(session, link_person=False)
    code = linking.issue_link_code(session, SystemActor("tests"), person_id=world.person_id, now=NOW,
                                   hasher=SETTINGS.link_hasher)
    session.commit()
    assert any("linked" in body for body in sms.text(PHONE, code))
    appointment_id = book(session, world, NOW + timedelta(days=2))
    session.commit()
    return world.person_id, world.worker_chat, appointment_id


def test_one_after_a_texted_reminder_confirms_and_the_worker_sees_it_on_telegram(
        sms: SmsHarness, standin: TelegramStandIn, session: Session, session_factory: sessionmaker[Session]) -> None:
    person_id, worker_chat, appointment_id = linked_by_text(sms, session)
    clock = Clock(NOW + timedelta(days=1, minutes=1))  # the day-before reminder is due
    before = len(sms.sent_to(E164))
    stats = dispatch(session_factory, standin, sms.notify, clock)
    assert stats.sent >= 1
    reminder = sms.sent_to(E164)[before:]
    assert len(reminder) == 1 and "Reply 1 for" in reminder[0].body, [s.body for s in reminder]
    assert "probation" not in reminder[0].body.casefold(), "texts are discreet by default"
    replies = sms.text(PHONE, "1")
    assert any("told your worker you will be there" in body for body in replies), replies
    session.rollback()
    session.expire_all()
    assert session.get(Appointment, appointment_id).status == "confirmed"  # type: ignore[union-attr]
    drain(standin)
    dispatch(session_factory, standin, sms.notify, clock)  # the worker's notice goes out
    told = [message for message in drain(standin) if str(message.chat_id) == str(worker_chat)]
    assert told and "says they will be there" in told[0].plain_text, [m.plain_text for m in told]


def test_stop_then_a_reminder_due_sends_nothing_and_start_lets_the_next_go(
        sms: SmsHarness, standin: TelegramStandIn, session: Session, session_factory: sessionmaker[Session]) -> None:
    person_id, _worker_chat, appointment_id = linked_by_text(sms, session)
    assert sms.text(PHONE, "STOP")
    before = len(sms.sent_to(E164))
    clock = Clock(NOW + timedelta(days=1, minutes=1))
    dispatch(session_factory, standin, sms.notify, clock)
    assert len(sms.sent_to(E164)) == before, "nothing is texted to a number that said STOP"
    day_before = [row for row in outbox_rows(session, appointment_id=appointment_id, kind="appointment_reminder")
                  if row.offset_minutes == 24 * 60]
    assert [row.state for row in day_before] == ["cancelled"]
    assert any("back on" in body for body in sms.text(PHONE, "START"))
    # The two-hours-before one (kept out of quiet hours: 08:00 in London) is due an hour before the start.
    clock.set(NOW + timedelta(days=2) - timedelta(hours=1))
    before = len(sms.sent_to(E164))
    dispatch(session_factory, standin, sms.notify, clock)
    assert len(sms.sent_to(E164)) == before + 1
