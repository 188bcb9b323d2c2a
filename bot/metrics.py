"""Prometheus metrics: every metric Signpost exposes is defined here, and /metrics serves them.

Two kinds:
- Counted in the process (prometheus-client counters and a histogram): messages that left for a chat,
  429s and failed sends by channel, and how long a person waits for an answer. Each process counts its
  own; Prometheus adds the processes up (`sum(rate(signpost_messages_sent_total[1m]))` is sends a second).
- Read from the database when scraped (OutboxCollector): the outbox queue, and reminders due and overdue.
  Every process reads the same rows, so every process reports the same figures: take `max`, not `sum`,
  across processes. One cheap grouped COUNT on the outbox's (state, due_at) index, kept for a few seconds
  so that several scrapers (or one scraping every process) cost one query.

Label values are a fixed, short list (the channel: telegram now, sms later; a failure's reason), never
a chat id, a person, a reference or words from a message.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from anyio import CapacityLimiter, to_thread
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from casefile import outbox
from casefile.models import OutboxMessage

log = logging.getLogger(__name__)

TELEGRAM = "telegram"
SMS = "sms"
# Why a send failed, as the metrics say it (bot/reminders/sender.py sorts Telegram's answers into these).
FAILURE_REASONS = ("blocked", "refused", "server_error", "timeout", "network")

MESSAGES_SENT = Counter("signpost_messages_sent", "Messages a channel took for delivery (replies and reminders).",
                        ["channel"])
RATE_LIMITED = Counter("signpost_rate_limited", "Sends the channel refused with 429 Too Many Requests.", ["channel"])
SEND_FAILURES = Counter("signpost_send_failures", "Sends that did not go, by channel and why.",
                        ["channel", "reason"])
# From an update reaching Signpost to the last of its answers being sent: a person waiting on the bot.
REPLY_SECONDS = Histogram("signpost_reply_seconds", "Seconds from a person's message arriving to its answer sent.",
                          ["channel"], buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0))

# A reminder due this long ago and not yet sent is overdue: the dispatchers are behind, or stopped.
OVERDUE_AFTER = timedelta(minutes=5)
CACHE_SECONDS = 5.0
QUERY_TIMEOUT_SECONDS = 2.0


def message_sent(channel: str) -> None:
    MESSAGES_SENT.labels(channel=channel).inc()


def rate_limited(channel: str) -> None:
    RATE_LIMITED.labels(channel=channel).inc()


def send_failed(channel: str, reason: str) -> None:
    assert reason in FAILURE_REASONS, reason  # a fixed list: a label value never carries an error's words
    SEND_FAILURES.labels(channel=channel, reason=reason).inc()


@contextlib.contextmanager
def reply_timer(channel: str) -> Iterator[None]:
    """Time one update's answer, however it ends."""
    started = time.perf_counter()
    try:
        yield
    finally:
        REPLY_SECONDS.labels(channel=channel).observe(time.perf_counter() - started)


@dataclass(frozen=True)
class OutboxFigures:
    pending: int = 0
    claimed: int = 0
    due: int = 0
    overdue: int = 0
    oldest_due_seconds: float = 0.0


def read_outbox_figures(session: Session, now: datetime) -> OutboxFigures:
    """The queue in one grouped query over open rows (pending and claimed), which the state index serves."""
    if session.get_bind().dialect.name == "postgresql":
        # A scrape must never wait long on a busy database; the local setting ends with the transaction.
        session.execute(select(func.set_config("statement_timeout", f"{int(QUERY_TIMEOUT_SECONDS * 1000)}", True)))
    due_now = or_(*outbox.due_filters(now))
    due = case((due_now, 1), else_=0)
    overdue = case((OutboxMessage.due_at <= now - OVERDUE_AFTER, 1), else_=0)
    oldest = func.min(case((due_now, OutboxMessage.due_at), else_=None))
    rows = session.execute(
        select(OutboxMessage.state, func.count(), func.sum(due), func.sum(overdue), oldest)
        .where(OutboxMessage.state.in_(outbox.OPEN_STATES)).group_by(OutboxMessage.state)
    ).all()
    counts = {state: int(count) for state, count, _due, _overdue, _oldest in rows}
    oldest_due = [moment for *_rest, moment in rows if moment is not None]
    oldest_seconds = 0.0
    if oldest_due:
        first = min(oldest_due)
        first = first if first.tzinfo else first.replace(tzinfo=UTC)
        oldest_seconds = max(0.0, (now - first).total_seconds())
    return OutboxFigures(
        pending=counts.get(outbox.PENDING, 0), claimed=counts.get(outbox.CLAIMED, 0),
        due=sum(int(due_count or 0) for _s, _c, due_count, _o, _m in rows),
        overdue=sum(int(overdue_count or 0) for _s, _c, _d, overdue_count, _m in rows),
        oldest_due_seconds=oldest_seconds,
    )


class OutboxCollector(Collector):
    """The outbox's figures, read from the database at scrape time and kept for `cache_seconds`."""

    def __init__(self, sessions: sessionmaker[Session], *, cache_seconds: float = CACHE_SECONDS,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.sessions = sessions
        self.cache_seconds = cache_seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._read_at = -float("inf")
        self._figures: OutboxFigures | None = None
        self.queries = 0  # how many times the database was asked (the cache is tested on it)

    def figures(self) -> OutboxFigures | None:
        """The latest figures, or None when the database did not answer."""
        with self._lock:
            if time.monotonic() - self._read_at >= self.cache_seconds:
                self.queries += 1
                try:
                    with self.sessions() as session:
                        self._figures = read_outbox_figures(session, self.clock())
                except Exception as problem:  # a scrape reports the trouble; it never fails the page
                    log.warning("metrics: could not read the outbox: %s", type(problem).__name__)
                    self._figures = None
                self._read_at = time.monotonic()
            return self._figures

    def collect(self) -> Iterable[Metric]:
        figures = self.figures()
        up = GaugeMetricFamily("signpost_database_up", "1 when the outbox figures could be read from the database.")
        up.add_metric([], 0 if figures is None else 1)
        yield up
        if figures is None:
            return
        queue = GaugeMetricFamily("signpost_outbox_messages", "Outbox messages waiting (pending) or being sent "
                                  "(claimed).", labels=["state"])
        queue.add_metric([outbox.PENDING], figures.pending)
        queue.add_metric([outbox.CLAIMED], figures.claimed)
        yield queue
        yield GaugeMetricFamily("signpost_outbox_due", "Outbox messages due now that a dispatcher may take.",
                                value=figures.due)
        yield GaugeMetricFamily("signpost_outbox_overdue", "Outbox messages due more than "
                                f"{int(OVERDUE_AFTER.total_seconds() // 60)} minutes ago and not sent yet.",
                                value=figures.overdue)
        yield GaugeMetricFamily("signpost_outbox_oldest_due_seconds", "How long the oldest due message has waited.",
                                value=figures.oldest_due_seconds)


class _ProcessMetrics(Collector):
    """This process's counters and histogram (and prometheus-client's process figures), in another registry."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def metrics_registry(sessions: sessionmaker[Session], *, cache_seconds: float = CACHE_SECONDS) -> CollectorRegistry:
    """What one /metrics page shows: this process's counts and the database's figures."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_ProcessMetrics())
    registry.register(OutboxCollector(sessions, cache_seconds=cache_seconds))
    return registry


def metrics_routes(sessions: sessionmaker[Session], token: str | None) -> list[Route]:
    """GET /metrics in Prometheus's text format; with a token, only for `Authorization: Bearer <token>`."""
    registry = metrics_registry(sessions)
    expected = f"Bearer {token}".encode() if token else None
    # One scrape at a time per app, on a thread of its own (not the pages'), so a slow database cannot pile
    # them up; made at the first scrape, inside the event loop that serves it.
    one_at_a_time: list[CapacityLimiter] = []

    async def metrics(request: Request) -> Response:
        if expected is not None:
            given = request.headers.get("authorization", "").encode()
            if not hmac.compare_digest(given, expected):
                return Response("A metrics token is needed.\n", status_code=401, media_type="text/plain",
                                headers={"WWW-Authenticate": "Bearer"})
        if not one_at_a_time:
            one_at_a_time.append(CapacityLimiter(1))
        body = await to_thread.run_sync(generate_latest, registry, limiter=one_at_a_time[0])
        return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})

    return [Route("/metrics", metrics, methods=["GET"], name="metrics")]

