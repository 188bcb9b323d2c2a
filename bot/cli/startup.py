"""Start-up when the database or Telegram cannot be reached yet: one plain line, then try again.

`signpost serve`, `signpost web` and `signpost reminders run` wait for what they need, saying so in
one line each time (what could not be reached, why, and when the next try is), the waits doubling
from 1 s to at most a minute, until it is there or they are stopped with Ctrl+C or SIGTERM.
`signpost chat` is a person at a keyboard: it says the same line and stops with exit status 2.
Never a traceback: a database or Telegram that is down is the operator's to fix, not a bug.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from casefile import db

T = TypeVar("T")
FIRST_WAIT_SECONDS = 1.0
MOST_WAIT_SECONDS = 60.0


class Unreachable(Exception):
    """A start-up step could not reach the database or Telegram; the message is one plain line."""


def first_line(problem: BaseException) -> str:
    """The useful line of a driver's error: psycopg and SQLite put the cause first."""
    text = str(getattr(problem, "orig", None) or problem).strip()
    return (text.splitlines() or [type(problem).__name__])[0][:300]


def database_unreachable(url: str, problem: SQLAlchemyError) -> Unreachable:
    return Unreachable(f"Cannot reach the database {db.redacted_url(url)}: {first_line(problem)}.")


def keep_trying(step: Callable[[], T], *, err: TextIO | None = None,
                sleep: Callable[[float], None] = time.sleep) -> T:
    """`step()`, tried again after each Unreachable with one line on `err`, until it works."""
    err = sys.stderr if err is None else err
    wait = FIRST_WAIT_SECONDS
    while True:
        try:
            return step()
        except Unreachable as down:
            print(f"{down} Trying again in {wait:g} s (Ctrl+C to stop).", file=err, flush=True)
            sleep(wait)
            wait = min(wait * 2, MOST_WAIT_SECONDS)


def telegram_ready(token: str, api_url: str | None) -> None:
    """Raises Unreachable while Telegram cannot be reached; TelegramRefused (a wrong token) goes through."""
    from bot.reminders.sender import TelegramUnreachable, reach_telegram

    try:
        reach_telegram(token, api_url)
    except TelegramUnreachable as down:
        raise Unreachable(str(down)) from down
