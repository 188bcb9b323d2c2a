"""SIGNPOST_LOG_FORMAT: text or JSON lines, and in both no personal field, bot token or error detail gets through."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import REDACTED, configure_logging
from bot.settings import SettingError, Settings

TOKEN = "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-ra"


@pytest.fixture
def logs() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    """A JSON stream and a text stream, each as configure_logging sets them; the root logger put back after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    json_stream, text_stream = io.StringIO(), io.StringIO()
    configure_logging("json", stream=json_stream)
    [json_handler] = root.handlers
    configure_logging("text", stream=text_stream)
    root.addHandler(json_handler)
    yield json_stream, text_stream
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def test_json_lines_carry_ids_and_never_personal_fields_tokens_or_an_errors_details(
    logs: tuple[io.StringIO, io.StringIO],
) -> None:
    json_stream, text_stream = logs
    log = logging.getLogger("bot.reminders.dispatcher")
    log.info("outbox row %s sent", 42, extra={"outbox_id": 42, "phone": "07700 900123", "preferred_name": "Alex",
                                              "chat_text": "I am at 14 Acacia Avenue", "secret_thing": "x"})
    logging.getLogger("httpx").warning("HTTP Request: POST https://api.telegram.org/bot%s/sendMessage", TOKEN)
    try:
        raise ValueError("(psycopg.errors.UniqueViolation) duplicate key\nDETAIL: Key (ref)=(X123456) already exists.\n"
                         "[parameters: ('Alex', '07700 900123')]")
    except ValueError:
        log.exception("could not save")

    lines = [json.loads(line) for line in json_stream.getvalue().splitlines()]
    assert [(line["level"], line["logger"], line["message"]) for line in lines] == [
        ("info", "bot.reminders.dispatcher", "outbox row 42 sent"),
        ("warning", "httpx", "HTTP Request: POST https://api.telegram.org/bot[token]/sendMessage"),
        ("error", "bot.reminders.dispatcher", "could not save"),
    ]
    assert lines[0]["outbox_id"] == 42 and "phone" not in lines[0] and "secret_thing" not in lines[0]
    assert lines[0]["time"].endswith("+00:00")
    assert lines[2]["error"] == "ValueError: (psycopg.errors.UniqueViolation) duplicate key"
    assert any("test_logs.py" in frame for frame in lines[2]["trace"])
    for stream in (json_stream, text_stream):
        written = stream.getvalue()
        for private in ("07700 900123", "Alex", "Acacia", "X123456", TOKEN):
            assert private not in written, private
    assert "ValueError: (psycopg.errors.UniqueViolation) duplicate key" in text_stream.getvalue()
    assert "INFO bot.reminders.dispatcher: outbox row 42 sent" in text_stream.getvalue()


def test_a_personal_field_on_a_record_is_redacted_for_every_handler_after(logs: tuple[io.StringIO, io.StringIO]) -> None:
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    logging.getLogger().addHandler(Keep())
    logging.getLogger("bot.test").warning("linked", extra={"phone": "07700 900123"})
    assert seen and seen[0].phone == REDACTED  # type: ignore[attr-defined]


def test_the_log_format_setting_is_text_or_json() -> None:
    assert Settings.from_env({}).log_format == "text"
    assert Settings.from_env({"SIGNPOST_LOG_FORMAT": "JSON"}).log_format == "json"
    with pytest.raises(SettingError, match="SIGNPOST_LOG_FORMAT"):
        Settings.from_env({"SIGNPOST_LOG_FORMAT": "xml"})
    assert Settings.from_env({"SIGNPOST_METRICS_LISTEN": ":9464"}).metrics_listen == ("127.0.0.1", 9464)
    with pytest.raises(SettingError, match="SIGNPOST_METRICS_LISTEN"):
        Settings.from_env({"SIGNPOST_METRICS_LISTEN": "9464"})
