"""A slow or failing Bot API: no reminder is lost, and copies come only from sends Telegram never answered.

The delivery rule (bot/reminders/dispatcher.py): at least once; a second copy only after a send that
got no answer within the send timeout, never at once, counted; a slow answer within it makes none.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from reminder_helpers import (
    CONTENT,
    Clock,
    Dispatch,
    book,
    make_world,
    outbox_rows,
    reminder_policy,
    run,
    standin_pacer,
)
from sqlalchemy.orm import Session, sessionmaker

from bot.reminders.compose import Composer
from bot.reminders.dispatcher import Dispatcher, DispatchSettings, DispatchStats
from bot.reminders.sender import SendTimeouts, TelegramSender, make_bot
from bot.settings import default_of
from tests.support.telegram_standin import TelegramStandIn

START = datetime(2027, 6, 11, 9, 30, tzinfo=UTC)  # Friday 10:30 in London
PEOPLE = 50
# Each person's reminder is one send; the batch holds them all, so all 50 are in flight together.
SETTINGS = DispatchSettings(batch=100, poll_seconds=0.01)


def fifty_due(session: Session, clock: Clock) -> list[int]:
    worlds = [make_world(session, number=n, link_worker=False) for n in range(1, PEOPLE + 1)]
    for world in worlds:
        book(session, world, START)
    clock.set(START - timedelta(hours=2))  # each one's 2-hour reminder is due
    return [world.person_chat for world in worlds]


def copies(standin: TelegramStandIn) -> Counter[int]:
    return Counter(int(message.chat_id) for message in standin.sent)


def test_fifty_reminders_to_an_api_answering_after_7_seconds_arrive_once_each(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, clock: Clock,
) -> None:
    chats = fifty_due(session, clock)
    standin.slow_answers(7.0, "sendMessage")
    assert default_of("telegram_send_timeout") > 7.0  # the shipped timeout outwaits Telegram under load
    started = time.monotonic()
    stats = Dispatch(session_factory, standin, clock, settings=SETTINGS).once()
    took = time.monotonic() - started
    print(f"\n{PEOPLE} reminders, each answered after 7 s: {stats.sent} sent in {took:.1f} s, "
          f"{stats.uncertain} uncertain")
    assert took >= 7.0  # the answers really were slow
    assert (stats.sent, stats.retried, stats.uncertain) == (PEOPLE, 0, 0)
    assert copies(standin) == Counter({chat: 1 for chat in chats})
    sent = outbox_rows(session, state="sent")
    assert len(sent) == PEOPLE and all(row.attempts == 0 for row in sent)
    texts = [message.text or "" for message in standin.sent]
    assert not any("went wrong" in text for text in texts)


def test_a_send_never_answered_is_tried_again_only_later_and_makes_at_most_one_copy(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, clock: Clock,
) -> None:
    chats = fifty_due(session, clock)
    due = clock.now
    # Telegram slower than the send timeout: every message arrives, but no answer comes in time.
    standin.slow_answers(1.5, "sendMessage")
    short = SendTimeouts(answer=0.5)
    dispatch = Dispatch(session_factory, standin, clock, settings=SETTINGS, timeouts=short)
    first = dispatch.once()
    assert (first.sent, first.uncertain, first.retried) == (0, PEOPLE, PEOPLE)
    assert copies(standin) == Counter({chat: 1 for chat in chats})  # they did arrive
    waiting = outbox_rows(session, state="pending", attempts=1)
    assert len(waiting) == PEOPLE
    # Not sent again at once: the next try waits the uncertain wait (5 minutes), longer than the backoff.
    assert all(row.due_at >= due + SETTINGS.uncertain_wait for row in waiting)
    assert all((row.last_error or "").startswith("uncertain:") for row in waiting)
    clock.advance(minutes=1)
    assert dispatch.once().claimed == 0

    standin.slow_answers(0, "sendMessage")  # Telegram answers in time again
    clock.set(due + SETTINGS.uncertain_wait)
    second = dispatch.once()
    assert (second.sent, second.uncertain) == (PEOPLE, 0)
    # The bound: one copy more than the sends that got no answer (one each here), never more.
    assert copies(standin) == Counter({chat: 2 for chat in chats})


def test_a_refused_connection_is_not_uncertain_and_is_sent_once_when_the_api_is_back(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, clock: Clock,
) -> None:
    chats = fifty_due(session, clock)

    async def while_down() -> DispatchStats:
        async with make_bot(standin.token, standin.api_url) as bot:  # started while Telegram was up
            dispatcher = Dispatcher(session_factory, TelegramSender(bot, standin_pacer()), Composer(CONTENT),
                                    policy=reminder_policy(), settings=SETTINGS, name="test-dispatcher",
                                    clock=clock)
            await asyncio.to_thread(standin.refuse_connections)
            try:
                return await dispatcher.run(once=True)
            finally:
                await asyncio.to_thread(standin.accept_connections)

    down = run(while_down())
    assert (down.sent, down.retried, down.uncertain) == (0, PEOPLE, 0)
    assert standin.sent == []
    clock.advance(seconds=SETTINGS.backoff.total_seconds())
    assert Dispatch(session_factory, standin, clock, settings=SETTINGS).once().sent == PEOPLE
    assert copies(standin) == Counter({chat: 1 for chat in chats})
