"""Notify's delivery receipts: where each text went, on its outbox row; a number that cannot get texts stops.

Notify POSTs a receipt to the callback URL set in its dashboard when a text is delivered or fails,
with `Authorization: Bearer <token>` (the token given to Notify; SIGNPOST_NOTIFY_CALLBACK_TOKEN). The
token is compared in constant time; anything else gets 401 and changes nothing. A receipt names the
text by Notify's id, which the dispatcher stored on the row (`notify_id`), and its status:
  delivered          it reached the phone.
  permanent-failure  the number does not exist or cannot get texts: the person's SMS link stops and
                     the lead professional is told, as when a person blocks the bot on Telegram, so no
                     more texts go to it.
  temporary-failure  the phone was off or full for Notify's whole retry window: kept on the row.
  technical-failure  Notify's own trouble: kept on the row.
A receipt for an id Signpost does not know (another service on the same callback, or a row since
forgotten) is answered 204 and ignored, so Notify does not keep sending it.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from casefile import outbox
from casefile.db import begin_write
from casefile.models import ChatLink, OutboxMessage

log = logging.getLogger(__name__)
RECEIPTS_PATH = "/notify/delivery-receipts"
RECEIPT_STATES = ("delivered", "permanent-failure", "temporary-failure", "technical-failure")
ACTOR = "system:sms"
MAX_BODY_BYTES = 64 * 1024


def bearer_ok(request: Request, token: str) -> bool:
    """The Authorization header is exactly `Bearer <token>`, compared in constant time."""
    given = request.headers.get("authorization", "").encode()
    return bool(token) and hmac.compare_digest(given, f"Bearer {token}".encode())


def apply_receipt(session: Session, notify_id: str, status: str, now: datetime) -> bool:
    """Record a receipt on its row; a permanent failure stops the number's link. False: no such text."""
    begin_write(session)
    found = session.execute(
        select(OutboxMessage.id, OutboxMessage.person_id, OutboxMessage.worker_id)
        .where(OutboxMessage.notify_id == notify_id)).first()
    if found is None:
        return False
    session.execute(update(OutboxMessage).where(OutboxMessage.id == found.id).values(sms_state=status)
                    .execution_options(synchronize_session=False))
    if status == "permanent-failure":
        owner = (ChatLink.person_id == found.person_id if found.person_id is not None
                 else ChatLink.worker_id == found.worker_id)
        for number in session.scalars(select(ChatLink.chat_id).where(ChatLink.channel == "sms", owner,
                                                                      ChatLink.active.is_(True))):
            outbox.chat_gone(session, "sms", number, found.person_id, now, actor=ACTOR,
                             detail="Notify said texts to this number failed for good (permanent-failure)",
                             summary="Texts cannot reach the person's phone number. Text reminders have stopped.")
    session.commit()
    return True


def receipt_routes(sessions: sessionmaker[Session], token: str, *, path: str = RECEIPTS_PATH,
                   clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> list[Route]:
    """The route for Notify's delivery-receipt callback, for the SMS callbacks app."""

    async def receipt(request: Request) -> Response:
        if not bearer_ok(request, token):
            log.warning("a delivery receipt came without the right bearer token; it was refused")
            return JSONResponse({"error": "unauthorised"}, status_code=401)
        body = await request.body()
        try:
            data = json.loads(body) if len(body) <= MAX_BODY_BYTES else {}
            notify_id, status = str(data["id"]), str(data["status"])
        except (ValueError, TypeError, KeyError):
            return JSONResponse({"error": "a receipt needs an id and a status"}, status_code=400)
        if status not in RECEIPT_STATES:
            return Response(status_code=204)  # a status on the way (sending, created): nothing to record yet

        def record() -> bool:
            with sessions() as session:
                return apply_receipt(session, notify_id, status, clock())

        known = await asyncio.to_thread(record)
        if not known:
            log.info("a delivery receipt for a text Signpost does not know (%s) was ignored", notify_id[:36])
        return Response(status_code=204)

    return [Route(path, receipt, methods=["POST"])]
