"""bot/channels/notify_client.py against the Notify stand-in, over real HTTP with the official client."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterator
from typing import TypeVar

import httpx
import jwt
import pytest

from bot.channels.notify_client import NotifyClient, SmsOutcome
from tests.support.notify_standin import NotifyStandIn

PHONE = "+447700900123"
T = TypeVar("T")


@pytest.fixture
def notify() -> Iterator[NotifyStandIn]:
    with NotifyStandIn() as server:
        yield server


def run(awaitable: Awaitable[T]) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(awaitable, 30)

    return asyncio.run(bounded())


def client_for(notify: NotifyStandIn, timeout: float = 10.0) -> NotifyClient:
    return NotifyClient(notify.api_key, notify.template_id, base_url=notify.base_url, sender_id=notify.sender_id,
                        timeout=timeout)


def test_a_text_goes_with_the_body_in_the_one_template_and_the_reference() -> None:
    async def scenario() -> None:
        async with NotifyStandIn() as notify:
            client = client_for(notify)
            try:
                result = await client.send_sms(PHONE, "Reminder: appointment tomorrow at 10:30.", "outbox-41")
                assert result.outcome is SmsOutcome.SENT
                sms = notify.notification(result.notification_id or "")
                assert (sms.phone_number, sms.body, sms.reference, sms.sms_sender_id) == (
                    PHONE, "Reminder: appointment tomorrow at 10:30.", "outbox-41", notify.sender_id)
                assert await client.notification_status(sms.id) == "sending"
                notify.receipt_payload(sms.id, "delivered")
                assert await client.notification_status(sms.id) == "delivered"
            finally:
                client.close()

    run(scenario())


def test_the_outcomes_say_what_to_do_next(notify: NotifyStandIn) -> None:
    async def scenario() -> None:
        client = client_for(notify)
        try:
            notify.fail_next(429)
            limited = await client.send_sms(PHONE, "x", "r1")
            assert (limited.outcome, limited.daily) == (SmsOutcome.RATE_LIMITED, False)
            assert "RateLimitError" in (limited.error or "")
            notify.fail_next(429, daily=True)
            assert (await client.send_sms(PHONE, "x", "r2")).daily is True
            notify.fail_next(500)
            assert (await client.send_sms(PHONE, "x", "r3")).outcome is SmsOutcome.RETRY
            notify.fail_next(502, drop_connection=True)
            dropped = await client.send_sms(PHONE, "x", "r4")
            assert dropped.outcome is SmsOutcome.RETRY
            bad = await client.send_sms("+15551234567", "x", "r5")
            assert bad.outcome is SmsOutcome.REFUSED
            assert "Not a UK mobile number" in (bad.error or "") and "5551234567" not in (bad.error or "")
            assert notify.sent == []
            assert (await client.send_sms(PHONE, "x", "r6")).outcome is SmsOutcome.SENT
        finally:
            client.close()

    run(scenario())


def test_nothing_answering_is_a_retry_and_a_late_answer_is_uncertain() -> None:
    async def scenario() -> None:
        async with NotifyStandIn() as notify:
            base_url = notify.base_url
        gone = NotifyClient(NotifyStandIn().api_key, "t", base_url=base_url)
        try:
            assert (await gone.send_sms(PHONE, "x", "r")).outcome is SmsOutcome.RETRY
        finally:
            gone.close()
        async with NotifyStandIn(latency=0.5) as slow:
            client = client_for(slow, timeout=0.1)
            try:
                assert (await client.send_sms(PHONE, "x", "r")).outcome is SmsOutcome.UNCERTAIN
            finally:
                client.close()

    run(scenario())


def test_a_wrong_key_is_refused_by_the_standins_jwt_check(notify: NotifyStandIn) -> None:
    async def scenario() -> None:
        wrong = NotifyClient(notify.api_key[:-4] + "0000", notify.template_id, base_url=notify.base_url)
        try:
            result = await wrong.send_sms(PHONE, "x", "r")
        finally:
            wrong.close()
        assert result.outcome is SmsOutcome.REFUSED and result.error and result.error.startswith("403")
        assert notify.refused_auth == 1
        stale = jwt.encode({"iss": notify.service_id, "iat": 1_000_000}, notify.secret, algorithm="HS256")
        answer = httpx.get(f"{notify.base_url}/v2/received-text-messages", headers={"Authorization": f"Bearer {stale}"})
        assert answer.status_code == 403
        assert "30 seconds" in answer.json()["errors"][0]["message"]

    run(scenario())


def test_received_texts_come_newest_first_in_pages_with_older_than() -> None:
    async def scenario() -> None:
        async with NotifyStandIn(page_size=2) as notify:
            for number in range(5):
                notify.receive(f"+44770090010{number}", f"text {number}")
            client = client_for(notify)
            try:
                seen: list[str] = []
                page = await client.received_texts()
                seen += [text.message for text in page.texts]
                while page.older_than is not None:
                    page = await client.received_texts(older_than=page.older_than)
                    seen += [text.message for text in page.texts]
            finally:
                client.close()
            assert seen == ["text 4", "text 3", "text 2", "text 1", "text 0"]
            assert page.texts[-1].source_number == "+447700900100"


    def test_receipts_and_inbound_texts_have_notifys_fields(notify: NotifyStandIn) -> None:
        async def scenario() -> str | None:
            client = client_for(notify)
            try:
                return (await client.send_sms(PHONE, "x", "r")).notification_id
            finally:
                client.close()

        notification_id = run(scenario())
        payload = notify.receipt_payload(notification_id or "", "permanent-failure")
        assert (payload["status"], payload["reference"], payload["to"]) == ("permanent-failure", "r", PHONE)
        assert set(payload) >= {"id", "reference", "to", "status", "created_at", "completed_at", "notification_type"}
        assert notify.notification(notification_id or "").status == "permanent-failure"
        inbound = notify.inbound_payload(notify.receive(PHONE, "1"))
        assert set(inbound) == {"id", "source_number", "destination_number", "message", "date_received"}
        with pytest.raises(ValueError):
            notify.receipt_payload(notification_id or "", "lost")

    run(scenario())
