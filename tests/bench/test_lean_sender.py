"""The benchmark's lean unpaced sender, over real HTTP to the stand-in: the same outcomes as the PTB sender."""

from __future__ import annotations

import asyncio
import time

from bench.lean_sender import BotApiSender
from bot.messages import Button
from bot.reminders.sender import Outcome, SendResult
from tests.support.telegram_standin import TelegramStandIn

BUTTONS = ((Button("I'll be there", "appt:yes:1:1"), Button("I can't make it", "appt:no:1:1")),)


def send_all(standin: TelegramStandIn, *messages: tuple[int, str]) -> list[SendResult]:
    async def go() -> list[SendResult]:
        async with BotApiSender(f"http://127.0.0.1:{standin.port}", standin.token, connections=2) as sender:
            return [await sender.send(str(chat), text, BUTTONS) for chat, text in messages]

    return asyncio.run(asyncio.wait_for(go(), 60))


def test_sends_text_and_buttons_and_returns_the_message_id(standin: TelegramStandIn) -> None:
    results = send_all(standin, (41, "Reminder: appointment today at 10:30."), (42, "Dziś o 10:30 — ważne."))
    assert [r.outcome for r in results] == [Outcome.SENT, Outcome.SENT]
    first = standin.pop(41)
    assert first.text == "Reminder: appointment today at 10:30." and first.message_id == results[0].message_id
    assert first.callback_data_for("I can't make it") == "appt:no:1:1"
    assert standin.pop(42).text == "Dziś o 10:30 — ważne."  # UTF-8 and a dash arrive as written


def test_blocked_refused_and_server_trouble_map_to_the_dispatchers_outcomes(standin: TelegramStandIn) -> None:
    standin.block_chat(50, notify=False)
    standin.fail_next("sendMessage", status=400, description="Bad Request: chat not found")
    standin.fail_next("sendMessage", status=400, description="Bad Request: message text is empty")
    standin.fail_next("sendMessage", status=502)
    # Injected failures answer the next calls first, whoever they are for; the blocked chat comes last.
    results = send_all(standin, (51, "b"), (52, "c"), (53, "d"), (50, "a"))
    assert [r.outcome for r in results] == [Outcome.BLOCKED, Outcome.REFUSED, Outcome.RETRY, Outcome.BLOCKED]
    assert "chat not found" in (results[0].error or "") and "502" in (results[2].error or "")
    assert "blocked" in (results[3].error or "")


def test_retry_after_is_waited_out_and_the_message_goes(standin: TelegramStandIn) -> None:
    standin.fail_next("sendMessage", status=429, retry_after=1)
    started = time.monotonic()
    [result] = send_all(standin, (60, "after a wait"))
    assert result.outcome is Outcome.SENT and time.monotonic() - started >= 1.0
    assert standin.pop(60).text == "after a wait" and standin.count_429 == 1


def test_a_dropped_kept_alive_connection_is_tried_once_more_then_reported(standin: TelegramStandIn) -> None:
    # The first message opens the connection; the second finds it dropped before any answer and
    # goes again on a new one. Two drops in a row on the third: reported for a later retry.
    async def go() -> list[SendResult]:
        async with BotApiSender(f"http://127.0.0.1:{standin.port}", standin.token, connections=1) as sender:
            first = await sender.send("70", "one", ())
            standin.disconnect_next("sendMessage")
            second = await sender.send("70", "two", ())
            standin.disconnect_next("sendMessage", times=2)
            third = await sender.send("70", "three", ())
            return [first, second, third]

    results = asyncio.run(asyncio.wait_for(go(), 60))
    assert [r.outcome for r in results] == [Outcome.SENT, Outcome.SENT, Outcome.RETRY]
    assert [m.text for m in standin.sent] == ["one", "two"]
