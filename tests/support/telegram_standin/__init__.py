"""Test helpers that are real servers, usable from tests, benchmarks and by hand.

`TelegramStandIn` is a local Telegram Bot API over HTTP; see `tests/support/telegram_standin/telegram_standin.py`.
"""

from tests.support.telegram_standin.standin_http import UploadedFile
from tests.support.telegram_standin.standin_limits import RateLimits
from tests.support.telegram_standin.standin_objects import Call, SentMessage, StoredFile, WebhookDelivery
from tests.support.telegram_standin.telegram_standin import DEFAULT_TOKEN, TelegramStandIn

__all__ = [
    "DEFAULT_TOKEN",
    "Call",
    "RateLimits",
    "SentMessage",
    "StoredFile",
    "TelegramStandIn",
    "UploadedFile",
    "WebhookDelivery",
]
