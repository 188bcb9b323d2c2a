"""A local GOV.UK Notify API over HTTP for tests and benchmarks; see notify_standin.py."""

from tests.support.notify_standin.notify_standin import (
    CALLBACK_TOKEN,
    RECEIPT_STATUSES,
    NotifyStandIn,
    ReceivedText,
    SentSms,
)

__all__ = ["CALLBACK_TOKEN", "RECEIPT_STATUSES", "NotifyStandIn", "ReceivedText", "SentSms"]
