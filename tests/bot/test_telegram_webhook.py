"""The webhook server's parts: one chat's turn across processes, each update once, a port to share."""

from __future__ import annotations

import asyncio
import socket

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.telegram_webhook import ChatTurns, listening_socket
from casefile import db
from tests.support.postgres import create_postgres_database, drop_postgres_database, postgres_url


def test_two_servers_on_one_host_can_listen_on_one_port() -> None:
    first = listening_socket("127.0.0.1", 0)
    try:
        port = first.getsockname()[1]
        second = listening_socket("127.0.0.1", port)  # SO_REUSEPORT: the kernel shares connections out
        second.close()
    finally:
        first.close()
    assert hasattr(socket, "SO_REUSEPORT")


def test_an_update_answered_already_is_not_answered_again(session_factory: sessionmaker[Session]) -> None:
    turns = ChatTurns(session_factory, None)
    handled: list[int] = []

    async def deliver(update_id: int) -> None:
        async with turns.turn("55", update_id) as fresh:
            if fresh:
                handled.append(update_id)

    async def scenario() -> None:
        for update_id in (10, 11, 11, 9, 12):  # 11 sent again; 9 overtaken by 10 and 11
            await deliver(update_id)

    asyncio.run(scenario())
    assert handled == [10, 11, 12]
    assert turns.skipped == 2


@pytest.mark.postgres
def test_one_chat_is_handled_by_one_process_at_a_time() -> None:
    """Two ChatTurns on one database, as two `signpost serve` processes: the second waits for the first."""
    name = create_postgres_database()
    url = postgres_url(name)
    db.upgrade(url)
    engine, sessions = db.open_database(url)
    coordination = db.make_coordination_engine(url)
    try:
        first, second = ChatTurns(sessions, coordination), ChatTurns(sessions, coordination)
        events: list[str] = []

        async def handle(turns: ChatTurns, update_id: int, chat: str, seconds: float) -> None:
            async with turns.turn(chat, update_id) as fresh:
                assert fresh
                events.append(f"start {update_id}")
                await asyncio.sleep(seconds)
                events.append(f"end {update_id}")

        async def scenario() -> None:
            slow = asyncio.create_task(handle(first, 1, "77", 0.5))
            await asyncio.sleep(0.1)
            other_chat = asyncio.create_task(handle(second, 3, "78", 0.0))  # another chat does not wait
            await other_chat
            await handle(second, 2, "77", 0.0)
            await slow

        asyncio.run(scenario())
        assert events == ["start 1", "start 3", "end 3", "end 1", "start 2", "end 2"]
    finally:
        coordination.dispose()
        engine.dispose()
        drop_postgres_database(name)
