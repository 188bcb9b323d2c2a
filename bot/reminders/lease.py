"""One process sends reminders where processes cannot share a send budget (SQLite, or SIGNPOST_SEND_BUDGET=local).

Each process pacing itself would together go past Telegram's limits, so the processes agree through
the case file which one sends: the one holding the sending lease (casefile/send_budget.py). It renews
the lease a few times in each lease period; the others look again as often, and one of them takes
over when the holder stops or dies (at most one lease period later). Each says which it is, once,
in one log line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.reminders.dispatcher import Dispatcher, DispatchStats
from casefile import send_budget

log = logging.getLogger(__name__)
LEASE_NAME = send_budget.TELEGRAM
RENEWALS_PER_LEASE = 3


class SendingLease:
    def __init__(self, sessions: sessionmaker[Session], holder: str, lasts: timedelta,
                 name: str = LEASE_NAME) -> None:
        self.sessions = sessions
        self.holder = holder
        self.lasts = lasts
        self.name = name

    def hold(self) -> str:
        """Take or renew the lease if free; who holds it now."""
        with self.sessions() as session:
            return send_budget.hold_lease(session, self.name, self.holder, datetime.now(UTC), self.lasts)

    def release(self) -> None:
        with self.sessions() as session:
            send_budget.release_lease(session, self.name, self.holder)

    @property
    def every(self) -> float:
        return self.lasts.total_seconds() / RENEWALS_PER_LEASE


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def _holder(lease: SendingLease) -> str | None:
    """Who holds the lease now; None when the case file could not say (busy, full, away): ask again later."""
    try:
        return await asyncio.to_thread(lease.hold)
    except Exception as problem:  # SQLAlchemy's errors, and the case file's own CaseFileBusy and CaseFileFull
        # The kind and the database's own first line ("database or disk is full"), never SQLAlchemy's later lines,
        # which carry the statement's parameters: while no lease is held, no dispatcher line says what is wrong.
        said = str(getattr(problem, "orig", None) or problem).strip().splitlines()
        log.warning("could not check the sending lease (%s: %s); checking again in %.0f s", type(problem).__name__,
                    said[0][:200] if said else "no message", lease.every)
        return None


async def _keep(lease: SendingLease, stop: asyncio.Event, until: asyncio.Event) -> None:
    """Renew while sending; set `until` when the lease was lost (asking to stop sets it at once, `_relay`)."""
    try:
        while not stop.is_set():
            await _wait(stop, lease.every)
            if stop.is_set():
                break
            holder = await _holder(lease)
            if holder is not None and holder != lease.holder:
                log.warning("the sending lease went to %s; this process stops sending reminders", holder)
                break
    finally:
        until.set()


async def _relay(stop: asyncio.Event, until: asyncio.Event) -> None:
    await stop.wait()
    until.set()


async def run_holding_lease(dispatcher: Dispatcher, lease: SendingLease, stop: asyncio.Event, *,
                            once: bool = False) -> DispatchStats:
    """Run `dispatcher` while this process holds the lease; with `once`, one pass if it holds it now."""
    total = DispatchStats()
    said: str | None = None
    while not stop.is_set():
        holder = await _holder(lease)
        if holder == lease.holder:
            log.info("this process (%s) sends the reminders: it holds the sending lease, so no other does "
                     "(the case file cannot share a send budget)", lease.holder)
            said = lease.holder
            until = asyncio.Event()
            helpers = [asyncio.create_task(_keep(lease, stop, until)), asyncio.create_task(_relay(stop, until))]
            try:
                total.add(await dispatcher.run(until, once=once))
            finally:
                until.set()
                for helper in helpers:
                    helper.cancel()
                await asyncio.gather(*helpers, return_exceptions=True)
            if stop.is_set() or once:
                with contextlib.suppress(Exception):  # not given back: it runs out by itself
                    await asyncio.to_thread(lease.release)
                return total
            continue
        if holder is not None and holder != said:
            log.info("process %s sends the reminders (it holds the sending lease); this one does not, and "
                     "takes over if it stops", holder)
            said = holder
        if once:
            return total
        await _wait(stop, lease.every)
    return total
