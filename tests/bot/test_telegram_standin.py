"""The Telegram stand-in, driven over real HTTP by python-telegram-bot itself."""

from __future__ import annotations

import asyncio
import io
import math
import socket
import struct
import subprocess
import sys
import threading
import time
import wave
from collections.abc import AsyncIterator, Awaitable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from PIL import Image
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from telegram import Update as TelegramUpdate
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from tests.support.telegram_standin import DEFAULT_TOKEN, RateLimits, TelegramStandIn
from tests.support.telegram_standin.standin_limits import SendLimits

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


@pytest.fixture
def standin() -> Iterator[TelegramStandIn]:
    with TelegramStandIn() as server:
        yield server


def run(scenario: Awaitable[None]) -> None:
    asyncio.run(asyncio.wait_for(scenario, timeout=30))


def bot_for(standin: TelegramStandIn, token: str | None = None) -> Bot:
    return Bot(token or standin.token, base_url=standin.base_url, base_file_url=standin.base_file_url)


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=text.lower()) for text in labels]])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def ogg_opus_tone(seconds: float) -> bytes:
    """A real Ogg Opus voice note: a tone written as WAV, encoded by opusenc."""
    rate = 16_000
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        samples = (int(8000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(int(rate * seconds)))
        wav.writeframes(b"".join(struct.pack("<h", sample) for sample in samples))
    encoded = subprocess.run(["opusenc", "--quiet", "-", "-"], input=buffer.getvalue(),
                             capture_output=True, check=True)
    return encoded.stdout


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (20, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


@asynccontextmanager
async def polling_app(standin: TelegramStandIn, *handlers: Any) -> AsyncIterator[AnyApplication]:
    """A real Application long-polling the stand-in, with `handlers`, for the length of the block."""
    app = (ApplicationBuilder().token(standin.token).base_url(standin.base_url)
           .base_file_url(standin.base_file_url).build())
    for handler in handlers:
        app.add_handler(handler)
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=5)
        await app.start()
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


# ----- plain Bot API calls ----------------------------------------------------------------------


def test_get_me_answers_a_realistic_bot_user(standin: TelegramStandIn) -> None:
    async def scenario() -> None:
        async with bot_for(standin) as bot:
            me = await bot.get_me()
        assert me.is_bot and me.username == "signpost_test_bot" and me.can_join_groups is True
        assert me.id == int(DEFAULT_TOKEN.split(":")[0])

    run(scenario())
    assert standin.calls_to("getMe")[0].status == 200
    assert standin.base_url == f"http://127.0.0.1:{standin.port}/bot"


def test_async_context_manager_and_restart() -> None:
    async def scenario() -> None:
        async with TelegramStandIn() as server, bot_for(server) as bot:
            assert (await bot.get_me()).username == "signpost_test_bot"
        assert not server.running
        with server:
            assert httpx.get(f"{server.base_url}{server.token}/getMe").json()["ok"] is True

    run(scenario())


def test_wrong_and_malformed_tokens_are_refused_like_telegram(standin: TelegramStandIn) -> None:
    async def scenario() -> None:
        with pytest.raises(InvalidToken):
            await bot_for(standin, token="999:wrong-token").get_me()
        with pytest.raises(InvalidToken):
            await bot_for(standin, token="not-a-token").get_me()

    run(scenario())
    assert [call.status for call in standin.calls] == [401, 404]


def test_unknown_method_gets_telegrams_404_body(standin: TelegramStandIn) -> None:
    response = httpx.post(f"{standin.base_url}{standin.token}/sendTelepathy", data={"chat_id": "1"})
    assert response.status_code == 404
    assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
    assert standin.calls[-1].method == "sendTelepathy"


def test_send_message_echoes_keyboard_and_numbers_messages_per_chat(standin: TelegramStandIn) -> None:
    async def scenario() -> None:
        async with bot_for(standin) as bot:
            first = await bot.send_message(42, "Your next meeting is <b>Monday</b>.", parse_mode="HTML",
                                           reply_markup=keyboard("Remind me", "No thanks"))
            second = await bot.send_message(42, "Anything else?")
            other = await bot.send_message(7, "Hello")
        assert (first.message_id, second.message_id, other.message_id) == (1, 2, 1)
        assert first.text == "Your next meeting is Monday."
        assert first.reply_markup == keyboard("Remind me", "No thanks")
        assert first.chat.type == "private" and first.from_user is not None and first.from_user.is_bot

    run(scenario())
    popped = standin.pop(42)
    assert popped.method == "sendMessage" and popped.text == "Your next meeting is <b>Monday</b>."
    assert popped.plain_text == "Your next meeting is Monday."
    assert popped.button_labels == ["Remind me", "No thanks"]
    assert popped.callback_data_for("No thanks") == "no thanks"
    assert standin.pop(7).plain_text == "Hello"
    assert standin.pop().plain_text == "Anything else?"


def test_voice_note_upload_keeps_bytes_and_can_be_reused_and_downloaded(standin: TelegramStandIn) -> None:
    voice_bytes = ogg_opus_tone(1.6)

    async def scenario() -> None:
        async with bot_for(standin) as bot:
            sent = await bot.send_voice(42, voice=voice_bytes, filename="meeting.ogg", caption="Listen")
            assert sent.voice is not None and sent.voice.mime_type == "audio/ogg"
            assert sent.voice.file_size == len(voice_bytes)
            again = await bot.send_voice(43, voice=sent.voice.file_id)
            assert again.voice is not None and again.voice.file_unique_id == sent.voice.file_unique_id
            downloaded = await (await bot.get_file(sent.voice.file_id)).download_as_bytearray()
            assert bytes(downloaded) == voice_bytes

    run(scenario())
    popped = standin.pop(42)
    assert popped.kind == "voice" and popped.text == "Listen"
    assert popped.message["voice"]["duration"] == 2  # 1.6 s, measured from the Ogg pages
    assert popped.upload is not None and popped.upload.data == voice_bytes
    assert popped.upload.filename == "meeting.ogg"
    assert standin.pop(43).upload is not None


def test_photo_upload_reports_scaled_sizes_and_refuses_non_images(standin: TelegramStandIn) -> None:
    async def scenario() -> None:
        async with bot_for(standin) as bot:
            sent = await bot.send_photo(42, photo=png(1600, 900), caption="Your map")
            widths = [(size.width, size.height) for size in sent.photo]
            assert widths[-1] == (1280, 720) and widths[0] == (90, 51)
            with pytest.raises(BadRequest, match="(?i)image_process_failed"):
                await bot.send_photo(42, photo=b"not a picture at all")
            with pytest.raises(BadRequest, match="(?i)wrong file identifier"):
                await bot.send_photo(42, photo="no-such-file-id")

    run(scenario())
    assert standin.pop(42).upload is not None
    assert len(standin.sent) == 1


def test_commands_are_kept_per_language_and_scope(standin: TelegramStandIn) -> None:
    async def scenario() -> None:
        async with bot_for(standin) as bot:
            await bot.set_my_commands([BotCommand("start", "Begin"), BotCommand("words", "What words mean")])
            await bot.set_my_commands([BotCommand("start", "Dechrau")], language_code="cy")
            await bot.set_my_commands([BotCommand("help", "Help")], scope=BotCommandScopeAllPrivateChats())
            welsh = await bot.get_my_commands(language_code="cy")
            assert [(c.command, c.description) for c in welsh] == [("start", "Dechrau")]
            with pytest.raises(BadRequest, match="(?i)bot_command_invalid"):
                await bot.set_my_commands([BotCommand("Start!", "Nope")])

    run(scenario())
    assert [c["command"] for c in standin.commands()] == ["start", "words"]
    assert standin.commands("cy") == [{"command": "start", "description": "Dechrau"}]
    assert standin.commands(scope={"type": "all_private_chats"})[0]["command"] == "help"


def test_callback_answer_and_keyboard_edit_follow_telegram_rules(standin: TelegramStandIn) -> None:
    async def scenario() -> None:
        async with bot_for(standin) as bot:
            await bot.send_message(42, "Did you get to your meeting?", reply_markup=keyboard("Yes", "No"))
            sent = standin.pop(42)
            query_id = standin.press_button(sent, "Yes")
            updates = await bot.get_updates(timeout=1)
            query = updates[0].callback_query
            assert query is not None and query.id == query_id and query.data == "yes"
            assert query.message is not None and query.message.message_id == sent.message_id
            assert await bot.answer_callback_query(query_id, text="Thanks")
            with pytest.raises(BadRequest, match="(?i)query is too old"):
                await bot.answer_callback_query(query_id)
            edited = await bot.edit_message_reply_markup(42, sent.message_id, reply_markup=None)
            assert isinstance(edited, Message) and edited.reply_markup is None
            with pytest.raises(BadRequest, match="(?i)message is not modified"):
                await bot.edit_message_reply_markup(42, sent.message_id, reply_markup=None)
            changed = await bot.edit_message_text("Thanks for telling me.", 42, sent.message_id)
            assert isinstance(changed, Message) and changed.text == "Thanks for telling me."
            with pytest.raises(BadRequest, match="(?i)message to edit not found"):
                await bot.edit_message_text("Hi", 42, 999)
        with pytest.raises(AssertionError, match="no button with callback data"):
            standin.push_callback(42, "maybe", message_id=sent.message_id)

    run(scenario())
    assert [c.status for c in standin.calls_to("answerCallbackQuery")] == [200, 400]


def test_get_updates_long_polls_and_confirms_by_offset(standin: TelegramStandIn) -> None:
    async def scenario() -> None:
        async with bot_for(standin) as bot:
            started = time.monotonic()
            waiting = asyncio.create_task(bot.get_updates(timeout=10, read_timeout=15))
            await asyncio.sleep(0.2)
            standin.push_message(42, "hello")
            updates = await waiting
            assert time.monotonic() - started < 8  # answered when the message came, not at the 10 s timeout
            assert updates[0].message is not None and updates[0].message.text == "hello"
            for text in ("one", "two", "three"):
                standin.push_message(42, text)
            again = await bot.get_updates(offset=updates[0].update_id + 1, limit=2)
            assert [u.message.text for u in again if u.message] == ["one", "two"]
            rest = await bot.get_updates(offset=again[-1].update_id + 1, allowed_updates=["callback_query"])
            assert rest == ()
        assert standin.pending_updates == 0

    run(scenario())


def test_second_long_poll_ends_the_first_with_conflict(standin: TelegramStandIn) -> None:
    async def scenario() -> None:
        async with bot_for(standin) as first, bot_for(standin) as second:
            waiting = asyncio.create_task(first.get_updates(timeout=5))
            await asyncio.sleep(0.2)
            newer = asyncio.create_task(second.get_updates(timeout=1))
            with pytest.raises(Conflict, match="terminated by other getUpdates"):
                await waiting
            assert await newer == ()

    run(scenario())


@pytest.mark.parametrize(("text", "parse_mode", "problem"), [
    ("", None, "message text is empty"),
    ("x" * 4097, None, "message is too long"),
    ("<b>Monday", "HTML", "Can't find end tag"),
    ("Bring <ID> with you", "HTML", "Unsupported start tag"),
    ("1 < 2", "HTML", "Unexpected character"),
    ("See you on Monday.", "MarkdownV2", "Character '.' is reserved"),
])
def test_text_telegram_could_not_parse_is_refused(standin: TelegramStandIn, text: str, parse_mode: str | None,
                                                  problem: str) -> None:
    async def scenario() -> None:
        async with bot_for(standin) as bot:
            with pytest.raises(BadRequest, match=f"(?i){problem}"):
                await bot.send_message(42, text, parse_mode=parse_mode)

    run(scenario())
    assert standin.sent == []


def test_well_formed_markup_is_accepted_and_shown_plain(standin: TelegramStandIn) -> None:
    async def scenario() -> None:
        async with bot_for(standin) as bot:
            await bot.send_message(42, "Fish &amp; chips &lt;3 <i>now</i>", parse_mode="HTML")
            await bot.send_message(42, r"*Monday* at 10\.30 \- see [your letter](https://example.org/a.b)",
                                   parse_mode="MarkdownV2")
            with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
                await bot.send_message(42, "Pick", reply_markup=InlineKeyboardMarkup(
                    [[InlineKeyboardButton("Long", callback_data="x" * 65)]]))

    run(scenario())
    assert standin.pop(42).plain_text == "Fish & chips <3 now"
    assert standin.pop(42).plain_text == "Monday at 10.30 - see your letter"


def test_every_body_encoding_is_understood(standin: TelegramStandIn) -> None:
    api = f"{standin.base_url}{standin.token}"
    with httpx.Client() as client:
        as_json = client.post(f"{api}/sendMessage", json={"chat_id": 5, "text": "json",
                                                          "reply_markup": {"inline_keyboard": [[{
                                                              "text": "A", "callback_data": "a"}]]}})
        as_form = client.post(f"{api}/sendMessage", data={"chat_id": "5", "text": "form"})
        upload = client.post(f"{api}/sendDocument", data={"chat_id": "5"},
                             files={"document": ("letter.pdf", b"%PDF-1.4 fictional", "application/pdf")})
        file_id = upload.json()["result"]["document"]["file_id"]
        by_id = client.post(f"{api}/sendDocument", data={"chat_id": "5", "document": file_id})
        by_get = client.get(f"{api}/getMe")
        bad_json = client.post(f"{api}/sendMessage", content=b"{oops",
                               headers={"content-type": "application/json"})
    assert [r.status_code for r in (as_json, as_form, upload, by_id, by_get)] == [200] * 5
    assert bad_json.status_code == 400 and bad_json.json()["ok"] is False
    assert as_json.json()["result"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "A"
    texts = [standin.pop(5) for _ in range(4)]
    assert [m.plain_text for m in texts[:2]] == ["json", "form"]
    assert texts[2].upload is not None and texts[2].upload.content_type == "application/pdf"
    assert texts[3].file is not None and texts[3].file.file_id == file_id
    assert by_id.json()["result"]["document"]["file_name"] == "letter.pdf"


def test_housekeeping_methods_and_latency(standin: TelegramStandIn) -> None:
    async def scenario() -> None:
        async with bot_for(standin) as bot:
            assert await bot.send_chat_action(42, "typing")
            with pytest.raises(BadRequest, match="(?i)wrong parameter action"):
                await bot.send_chat_action(42, "juggling")
            sent = await bot.send_message(42, "Delete me")
            assert await bot.delete_message(42, sent.message_id)
            with pytest.raises(BadRequest, match="(?i)message to delete not found"):
                await bot.delete_message(42, sent.message_id)
            standin.push_message(42, "waiting")
            assert (await bot.get_webhook_info()).pending_update_count == 1
            assert await bot.set_webhook("http://127.0.0.1:9/hook", drop_pending_updates=True)
            info = await bot.get_webhook_info()
            assert info.url == "http://127.0.0.1:9/hook" and info.pending_update_count == 0
            assert await bot.delete_webhook()
            assert (await bot.get_webhook_info()).url == ""
            standin.latency = 0.1
            started = time.monotonic()
            await bot.get_me()
            assert time.monotonic() - started >= 0.1  # every answer waits at least the latency

    run(scenario())
    assert standin.pending_updates == 0


# ----- whole conversations through a real Application --------------------------------------------


async def reply_to_start(update: TelegramUpdate, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None and update.effective_user is not None
    await context.bot.send_message(update.effective_chat.id, f"Hello {update.effective_user.first_name}",
                                   reply_markup=keyboard("Yes", "No"))


async def on_button(update: TelegramUpdate, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(f"You chose {query.data}")


async def echo(update: TelegramUpdate, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text.upper())


def test_application_conversation_over_long_polling(standin: TelegramStandIn) -> None:
    async def scenario() -> None:
        handlers = (CommandHandler("start", reply_to_start), CallbackQueryHandler(on_button),
                    MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
        async with polling_app(standin, *handlers):
            standin.push_command(42, "start", first_name="Sam")
            hello = await standin.pop_async(42)
            assert hello.plain_text == "Hello Sam" and hello.button_labels == ["Yes", "No"]
            standin.press_button(hello, "Yes")
            await standin.wait_for_async("editMessageText")
            assert standin.calls_to("answerCallbackQuery")[0].ok
            standin.push_message(42, "what is mappa")
            assert (await standin.pop_async(42)).plain_text == "WHAT IS MAPPA"
            await standin.assert_nothing_sent_async(42)

    run(scenario())
    assert standin.calls_to("editMessageText")[0].result["text"] == "You chose yes"


def test_sync_test_drives_a_bot_running_in_another_thread(standin: TelegramStandIn) -> None:
    stop = threading.Event()

    async def serve() -> None:
        async with polling_app(standin, CommandHandler("start", reply_to_start)):
            while not stop.is_set():
                await asyncio.sleep(0.02)

    runner = threading.Thread(target=lambda: asyncio.run(serve()))
    runner.start()
    try:
        standin.push_command(9, "start")
        assert standin.pop(9).plain_text == "Hello Test"
        standin.assert_nothing_sent(9, within=0.2)
    finally:
        stop.set()
        runner.join(timeout=10)


def test_webhook_delivery_with_secret_header(standin: TelegramStandIn) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"

    async def scenario() -> None:
        app = ApplicationBuilder().token(standin.token).base_url(standin.base_url).build()
        app.add_handler(CommandHandler("start", reply_to_start))
        async with app:
            assert app.updater is not None
            await app.updater.start_webhook(listen="127.0.0.1", port=port, url_path="telegram",
                                            webhook_url=url, secret_token="s3cret-Token")
            await app.start()
            try:
                assert standin.webhook is not None and standin.webhook.url == url
                assert standin.webhook.secret_token == "s3cret-Token"
                standin.push_command(42, "start")
                assert (await standin.pop_async(42)).plain_text == "Hello Test"
                update = standin.message_update(42, "/start")
                assert await standin.deliver_webhook_async(url, update, "wrong-secret") == 403
                assert await standin.deliver_webhook_async(url, update, "s3cret-Token") == 200
                assert (await standin.pop_async(42)).plain_text == "Hello Test"
                async with bot_for(standin) as bare:
                    with pytest.raises(Conflict, match="webhook is active"):
                        await bare.get_updates()
            finally:
                await app.updater.stop()
                await app.stop()

    run(scenario())
    assert [d.status for d in standin.webhook_deliveries] == [200]


# ----- limits and trouble ---------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # RetryAfter's int seconds
def test_bare_bot_over_the_limit_gets_retry_after(standin: TelegramStandIn) -> None:
    standin.enforce_limits = True

    async def scenario() -> None:
        async with bot_for(standin) as bot:
            await bot.send_message(42, "first")
            with pytest.raises(RetryAfter) as raised:
                await bot.send_message(42, "second, too soon")
            assert "Retry in 1 seconds" in str(raised.value)
            await bot.send_message(43, "another chat is fine")

    run(scenario())
    assert standin.count_429 == 1
    assert standin.calls_to("sendMessage")[1].response["parameters"] == {"retry_after": 1}


# AIORateLimiter reads RetryAfter.retry_after, which warns about PTB's coming switch to timedelta.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_aio_rate_limiter_gets_everything_delivered_with_almost_no_429s(standin: TelegramStandIn) -> None:
    standin.enforce_limits = True
    chats = range(1, 46)

    async def scenario() -> None:
        # A connection pool like an Application's, so requests do not queue up after their permit.
        bot = ExtBot(standin.token, base_url=standin.base_url, rate_limiter=AIORateLimiter(max_retries=3),
                     request=HTTPXRequest(connection_pool_size=32))
        async with bot:
            await asyncio.gather(*(bot.send_message(chat, f"Reminder for {chat}") for chat in chats))

    run(scenario())
    assert sorted(m.chat_id for m in standin.sent) == list(chats)
    refused = [round(c.at, 3) for c in standin.calls_to("sendMessage") if c.status == 429]
    assert standin.count_429 <= 2, f"429s at {refused}"


def test_limit_models_count_like_telegram() -> None:
    bucket = SendLimits(RateLimits(tolerance=0.0))
    assert [bucket.try_send(chat, 0.0) for chat in range(30)] == [0] * 30
    assert bucket.try_send(99, 0.0) == 1
    assert bucket.try_send(99, 1 / 30) == 0
    assert bucket.try_send(0, 1 / 30 + 0.5) == 1  # one a second to the same chat

    window = SendLimits(RateLimits(model="sliding_window", tolerance=0.0))
    assert all(window.try_send(chat, i / 30) == 0 for i, chat in enumerate(range(30)))
    assert window.try_send(99, 0.99) == 1  # 30 already in the last second
    assert window.try_send(99, 1.0) == 0

    forgiving = SendLimits(RateLimits(model="sliding_window", tolerance=0.05))
    assert forgiving.try_send(5, 0.0) == 0
    assert forgiving.try_send(5, 0.97) == 0  # early by less than the allowance for network jitter
    assert forgiving.try_send(5, 1.5) == 1

    groups = SendLimits(RateLimits())
    assert all(groups.try_send(-100, 0.0) == 0 for _ in range(20))
    assert groups.try_send(-100, 1.0) == 2  # 20 a minute to a group


def test_blocked_chat_is_forbidden_and_the_bot_is_told(standin: TelegramStandIn) -> None:
    async def scenario() -> None:
        async with bot_for(standin) as bot:
            standin.block_chat(42)
            with pytest.raises(Forbidden, match="bot was blocked by the user"):
                await bot.send_message(42, "Your meeting is tomorrow")
            updates = await bot.get_updates()
            member = updates[0].my_chat_member
            assert member is not None and member.new_chat_member.status == "kicked"
            standin.unblock_chat(42)
            await bot.send_message(42, "Welcome back")

    run(scenario())
    assert [m.plain_text for m in standin.sent] == ["Welcome back"]


def test_injected_server_and_network_failures(standin: TelegramStandIn) -> None:
    standin.fail_next("sendMessage", status=502)
    standin.fail_next("sendMessage", status=500)
    standin.disconnect_next("sendMessage")

    async def scenario() -> None:
        async with bot_for(standin) as bot:
            for _ in range(3):
                with pytest.raises(NetworkError):
                    await bot.send_message(42, "try")
            await bot.send_message(42, "works now")

    run(scenario())
    assert [c.status for c in standin.calls_to("sendMessage")] == [502, 500, 0, 200]
    assert [m.plain_text for m in standin.sent] == ["works now"]
    with pytest.raises(ValueError, match="does not answer"):
        standin.fail_next("sendPigeon")


def test_a_slow_answer_comes_after_the_message_is_delivered(standin: TelegramStandIn) -> None:
    """Telegram under load: the message arrives at once, the answer late; a client that gives up has sent it."""
    standin.slow_answers(0.5, "sendMessage")

    async def scenario() -> None:
        request = HTTPXRequest(read_timeout=0.2)
        async with Bot(standin.token, base_url=standin.base_url, request=request) as bot:
            with pytest.raises(TimedOut):
                await bot.send_message(42, "gave up waiting")
            started = time.monotonic()
            await bot.get_me()  # other methods answer at once
            assert time.monotonic() - started < 0.4
            standin.slow_answers(0, "sendMessage")
            await bot.send_message(42, "quick again")

    run(scenario())
    assert [m.plain_text for m in standin.sent] == ["gave up waiting", "quick again"]


def test_refused_connections_until_it_listens_again(standin: TelegramStandIn) -> None:
    port = standin.port

    async def scenario() -> None:
        async with bot_for(standin) as bot:
            await bot.send_message(42, "before")
            await asyncio.to_thread(standin.refuse_connections)
            with pytest.raises(NetworkError) as refused:
                await bot.send_message(42, "while down")
            assert not isinstance(refused.value, TimedOut)
            with pytest.raises(httpx.ConnectError):
                httpx.get(f"http://127.0.0.1:{port}/")
            await asyncio.to_thread(standin.accept_connections)
            await bot.send_message(42, "after")

    run(scenario())
    assert standin.port == port
    assert [m.plain_text for m in standin.sent] == ["before", "after"]


def test_pop_timeout_says_what_was_sent_and_what_failed(standin: TelegramStandIn) -> None:
    async def scenario() -> None:
        async with bot_for(standin) as bot:
            await bot.send_message(1, "for chat one")
            with pytest.raises(BadRequest):
                await bot.send_message(2, "")

    run(scenario())
    with pytest.raises(AssertionError) as raised:
        standin.pop(2, timeout=0.1)
    explanation = str(raised.value)
    assert "no new message to chat 2 within 0.1 s" in explanation
    assert "for chat one" in explanation and "message text is empty" in explanation


def test_reset_forgets_the_last_test(standin: TelegramStandIn) -> None:
    standin.push_message(1, "hello")
    httpx.post(f"{standin.base_url}{standin.token}/sendMessage", data={"chat_id": "1", "text": "hi"})
    standin.block_chat(3, notify=False)
    standin.reset()
    assert (standin.calls, standin.sent, standin.pending_updates, standin.count_429) == ([], [], 0, 0)
    reply = httpx.post(f"{standin.base_url}{standin.token}/sendMessage", data={"chat_id": "3", "text": "hi"})
    assert reply.status_code == 200 and reply.json()["result"]["message_id"] == 1


def test_demo_console_runs_and_quits() -> None:
    port = free_port()
    demo = subprocess.run(
        [sys.executable, "-m", "tests.support.telegram_standin.telegram_standin", "--port", str(port)],
        input="hello\n:calls\n:quit\n", capture_output=True, text=True, timeout=20,
    )
    assert demo.returncode == 0, demo.stderr
    assert f"http://127.0.0.1:{port}/bot" in demo.stdout and "(no calls yet)" in demo.stdout

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port_in_use = str(taken.getsockname()[1])
        command = [sys.executable, "-m", "tests.support.telegram_standin.telegram_standin", "--port", port_in_use]
        busy = subprocess.run(command, input="", capture_output=True, text=True, timeout=20)
    assert busy.returncode == 1 and "Could not listen" in busy.stdout
