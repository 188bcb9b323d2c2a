"""Unpaced, several chats are sent to at once, but never two messages to one chat at a time, and in order."""

from __future__ import annotations

import asyncio
from collections import Counter

from reminder_helpers import reminder_policy, run

from bot.messages import Button
from bot.reminders.compose import Composed
from bot.reminders.dispatcher import Dispatcher, DispatchSettings, Job
from bot.reminders.sender import Outcome, SendResult


class RecordingSender:
    pacer = None

    def __init__(self) -> None:
        self.in_flight: Counter[str] = Counter()
        self.most_at_once = 0
        self.most_for_one_chat = 0
        self.order: list[tuple[str, str]] = []

    async def send(self, chat_id: str, text: str, buttons: tuple[tuple[Button, ...], ...]) -> SendResult:
        self.in_flight[chat_id] += 1
        self.most_for_one_chat = max(self.most_for_one_chat, self.in_flight[chat_id])
        self.most_at_once = max(self.most_at_once, sum(self.in_flight.values()))
        await asyncio.sleep(0.002)
        self.order.append((chat_id, text))
        self.in_flight[chat_id] -= 1
        return SendResult(Outcome.SENT, message_id=len(self.order))


def test_one_in_flight_per_chat_in_order_and_many_chats_at_once() -> None:
    sender = RecordingSender()
    dispatcher = Dispatcher(None, sender, None, policy=reminder_policy(),  # type: ignore[arg-type]
                            settings=DispatchSettings(concurrency=8))
    jobs = [Job(row_id=n, chat_id=str(n % 10), message=Composed(f"message {n}"), person_id=1, attempts=0)
            for n in range(60)]
    results = run(dispatcher._send_all(jobs))
    assert {result.outcome for result in results.values()} == {Outcome.SENT} and len(results) == 60
    assert sender.most_for_one_chat == 1 and sender.most_at_once == 8
    for chat in map(str, range(10)):
        sent = [int(text.split()[1]) for to, text in sender.order if to == chat]
        assert sent == sorted(sent) and len(sent) == 6
