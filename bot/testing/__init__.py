"""Test helpers that are real servers, usable from tests, benchmarks and by hand.

`TelegramStandIn` is a local Telegram Bot API over HTTP; see `bot/testing/telegram_standin.py`.
"""

from bot.testing.standin_http import UploadedFile
from bot.testing.standin_limits import RateLimits
from bot.testing.standin_objects import Call, SentMessage, StoredFile, WebhookDelivery
from bot.testing.telegram_standin import DEFAULT_TOKEN, TelegramStandIn

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
