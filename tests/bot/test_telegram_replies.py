"""Replies through the real Telegram channel when the Bot API is slow or failing: each arrives, once.

The channel (bot/channels/telegram.py) runs in this process on PTB's own polling, against the Bot
API stand-in over HTTP; the stand-in answers 500s, drops connections, or answers only after 7 s.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.telegram import TelegramChannel, TelegramOptions
from casefile import db
from tests.bot.conversation_helpers import make_conversation
from tests.support.telegram_standin import SentMessage, TelegramStandIn

CHAT = 4242
ERROR_WORDS = "went wrong"


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    url = f"sqlite:///{tmp_path / 'signpost.db'}"
    db.upgrade(url)
    engine, factory = db.open_database(url)
    yield factory
    engine.dispose()


@pytest.fixture
def standin() -> Iterator[TelegramStandIn]:
    with TelegramStandIn() as server:
        yield server


@asynccontextmanager
async def running(standin: TelegramStandIn, sessions: sessionmaker[Session]) -> AsyncIterator[TelegramChannel]:
    channel = TelegramChannel(make_conversation(sessions), None,
                              TelegramOptions(token=standin.token, api_url=standin.api_url))
    app = channel.application
    await app.initialize()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    await app.start()
    try:
        yield channel
    finally:
        await app.updater.stop()
        await app.stop()
        assert app.post_stop is not None
        await app.post_stop(app)  # as run_polling does: waiting replies get their last try here
        await app.shutdown()


async def replies_to(standin: TelegramStandIn, text: str, count: int, timeout: float = 30) -> list[str]:
    await asyncio.to_thread(standin.push_message, CHAT, text)
    return [(await standin.pop_async(CHAT, timeout=timeout)).text or "" for _ in range(count)]


def texts_sent(standin: TelegramStandIn) -> list[str]:
    return [message.text or "" for message in standin.sent if str(message.chat_id) == str(CHAT)]


def run(scenario: object) -> None:
    asyncio.run(asyncio.wait_for(scenario, 120))  # type: ignore[arg-type]


def test_a_reply_that_hits_500s_arrives_once_when_the_api_is_back(
    standin: TelegramStandIn, sessions: sessionmaker[Session],
) -> None:
    async def scenario() -> None:
        async with running(standin, sessions) as channel:
            expected = await replies_to(standin, "/start", 1)  # the answer when nothing goes wrong
            standin.reset()
            standin.fail_next("sendMessage", status=500, times=3)
            standin.disconnect_next("sendMessage")
            assert await replies_to(standin, "/start", 1) == expected
            await standin.assert_nothing_sent_async(CHAT, within=1.5)  # no second copy, no apology
            assert [call.status for call in standin.calls_to("sendMessage")] == [500, 500, 500, 0, 200]
            assert channel.replies.resent == 1 and channel.replies.waiting == 0

    run(scenario())
    assert not any(ERROR_WORDS in text for text in texts_sent(standin))


def test_replies_keep_their_order_while_one_waits_for_the_api(
    standin: TelegramStandIn, sessions: sessionmaker[Session],
) -> None:
    async def scenario() -> None:
        async with running(standin, sessions):
            first = await replies_to(standin, "/start", 1)
            second = await replies_to(standin, "/help", 1)
            standin.reset()
            standin.fail_next("sendMessage", status=502, times=2)
            await asyncio.to_thread(standin.push_message, CHAT, "/start")
            await asyncio.sleep(0.3)  # the first reply is waiting for its retry when the second comes
            await asyncio.to_thread(standin.push_message, CHAT, "/help")
            got = [(await standin.pop_async(CHAT, timeout=30)).text for _ in range(2)]
            assert got == first + second

    run(scenario())
    assert len(texts_sent(standin)) == 2


def test_a_button_answer_survives_500s(standin: TelegramStandIn, sessions: sessionmaker[Session]) -> None:
    async def scenario() -> None:
        async with running(standin, sessions):
            await asyncio.to_thread(standin.push_message, CHAT, "/menu")
            menu: SentMessage = await standin.pop_async(CHAT, timeout=30)
            label = menu.button_labels[0]
            standin.fail_next("answerCallbackQuery", status=500)
            standin.fail_next("sendMessage", status=500, times=2)
            await asyncio.to_thread(standin.press_button, menu, label)
            answer = await standin.pop_async(CHAT, timeout=30)
            assert answer.text and ERROR_WORDS not in answer.text
            await standin.assert_nothing_sent_async(CHAT, within=1.5)

    run(scenario())


def test_a_slow_api_gets_each_reply_once_and_no_apology(
    standin: TelegramStandIn, sessions: sessionmaker[Session],
) -> None:
    async def scenario() -> None:
        async with running(standin, sessions) as channel:
            expected = await replies_to(standin, "/start", 1)
            standin.reset()
            standin.slow_answers(7.0, "sendMessage")
            assert await replies_to(standin, "/start", 1) == expected  # delivered at once, answered late
            await asyncio.sleep(7.5)  # past the slow answer, and past PTB's own 5 s default
            await standin.assert_nothing_sent_async(CHAT, within=1.0)
            assert channel.replies.uncertain == 0 and channel.replies.waiting == 0
            standin.slow_answers(0, "sendMessage")

    run(scenario())
    assert len(texts_sent(standin)) == 1
    assert not any(ERROR_WORDS in text for text in texts_sent(standin))


def test_a_reply_waiting_when_the_bot_stops_gets_a_last_try(
    standin: TelegramStandIn, sessions: sessionmaker[Session],
) -> None:
    async def scenario() -> None:
        async with running(standin, sessions) as channel:
            standin.fail_next("sendMessage", status=503)
            await asyncio.to_thread(standin.push_message, CHAT, "/start")
            await standin.wait_for_async(lambda call: call.method == "sendMessage" and call.status == 503)
            await asyncio.sleep(0.1)
            assert channel.replies.waiting == 1
        # stopped before its 1 s retry came round: post_stop sent it

    run(scenario())
    assert len(texts_sent(standin)) == 1
