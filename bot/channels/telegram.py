"""Telegram adapter (python-telegram-bot 22): updates in, `Conversation.handle`, replies out.

Handler groups, in order:
  0. callback queries (button presses) and text messages, commands included: both go to the core.
The error handler logs and sends the person a kind message, but not for Telegram's own trouble:
replies that Telegram did not take are sent again by ReplyRetry (bot/channels/telegram_replies.py),
so a slow or failing API never earns the person a "Sorry, something went wrong". Sends wait
`send_timeout` seconds for Telegram's answer (PTB's default is 5 s; Telegram under load can take
longer, and a request it has taken is delivered anyway). What starts and stops with the application
(voice, the command list, the reminder dispatcher) is the caller's post_init and post_shutdown, given
to TelegramChannel: `signpost serve` wires them in bot/serve.py. Updates come by long polling (PTB's
Updater), or through our own webhook server (bot/channels/telegram_webhook.py), which several processes
can share. Replies are paced by PTB's AIORateLimiter in one process, or take their turn from the send
budget every process shares (bot/channels/telegram_limiter.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.routing import BaseRoute
from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import Forbidden, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import i18n, metrics
from bot.channels.telegram_limiter import BudgetRateLimiter
from bot.channels.telegram_replies import ReplyRetry, trouble_of
from bot.channels.telegram_webhook import ChatTurns, WebhookServer
from bot.conversation.core import Conversation
from bot.messages import Incoming, Reply
from bot.reminders.pacing import SendPacer
from bot.reminders.sender import SendTimeouts
from bot.settings import default_of
from bot.voice import SpeechUnavailable, VoiceNotes

log = logging.getLogger(__name__)
CHANNEL = "telegram"
PHOTO_CAPTION_LIMIT = 1024
BOT_CONNECTIONS = 256  # PTB's own default for an Application's Bot
Hook = Callable[[], Awaitable[None]]  # run as the application starts or stops; it needs no Telegram types


@dataclass(frozen=True)
class TelegramOptions:
    token: str
    api_url: str | None = None  # another Bot API server: self-hosted, or a stand-in in tests
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    rate_per_second: float = default_of("telegram_rate")  # overall; PTB's limiter also waits out Telegram's RetryAfter
    send_timeout: float = default_of("telegram_send_timeout")


def command_list(conversation: Conversation, language: str) -> list[BotCommand]:
    _ = conversation.gettext(language)
    return [
        BotCommand("start", _("Start, or turn messages back on")),
        BotCommand("menu", _("Show the menu")),
        BotCommand("help", _("What I can do")),
        BotCommand("language", _("Change language")),
        BotCommand("discreet", _("Hide private words on your lock screen")),
        BotCommand("reminders", _("Choose where reminders come: Telegram, texts or both")),
        BotCommand("stop", _("Pause my messages")),
        BotCommand("forget", _("Unlink this chat and delete its data")),
    ]


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(button.label, callback_data=button.data) for button in row] for row in reply.buttons]
    )


def _with_application(hook: Hook) -> Callable[[Application], Coroutine[Any, Any, None]]:
    async def call(_application: Application) -> None:
        await hook()

    return call


class TelegramChannel:
    """`pacer`: where replies take their moment to send (the budget every process shares); without one,
    PTB's AIORateLimiter paces this process's replies. `turns` and `routes` are for the webhook server
    (bot/channels/telegram_webhook.py): one chat's updates in order, and other routes on its app."""

    def __init__(self, conversation: Conversation, voice: VoiceNotes | None, options: TelegramOptions, *,
                 post_init: Hook | None = None, post_shutdown: Hook | None = None, pacer: SendPacer | None = None,
                 turns: ChatTurns | None = None, routes: Sequence[BaseRoute] = ()) -> None:
        self.conversation = conversation
        self.voice = voice
        self.options = options
        self.replies = ReplyRetry()
        self.pacer = pacer
        self.turns = turns or ChatTurns(conversation.sessions, None)
        self.routes = tuple(routes)
        self.application = self._build(post_init, post_shutdown)

    def _build(self, post_init: Hook | None, post_shutdown: Hook | None) -> Application:
        timeouts = SendTimeouts(answer=self.options.send_timeout)
        limiter = (BudgetRateLimiter(self.pacer) if self.pacer is not None
                   else AIORateLimiter(overall_max_rate=self.options.rate_per_second, max_retries=5))
        builder = (
            ApplicationBuilder()
            .token(self.options.token)
            .rate_limiter(limiter)
            .concurrent_updates(16)
            .request(timeouts.request(BOT_CONNECTIONS))  # counted for the metrics (bot/metrics.py)
            # Before the Bot shuts down: the replies still waiting for Telegram get a last try.
            .post_stop(_with_application(self.replies.drain))
        )
        if self.options.webhook_url:
            builder = builder.updater(None)  # updates come in through our own webhook server
        if post_init is not None:
            builder = builder.post_init(_with_application(post_init))
        if post_shutdown is not None:
            builder = builder.post_shutdown(_with_application(post_shutdown))
        if self.options.api_url:
            base = self.options.api_url.rstrip("/")
            builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
        application = builder.build()
        # Private chats only: in a group every member would see the person's file.
        application.add_handler(CallbackQueryHandler(self._on_button), group=0)
        application.add_handler(MessageHandler(filters.TEXT & filters.ChatType.PRIVATE, self._on_text), group=0)
        application.add_handler(MessageHandler(filters.TEXT & ~filters.ChatType.PRIVATE, self._on_group), group=0)
        application.add_error_handler(self._on_error)
        return application

    async def set_commands(self) -> None:
        """The menu of commands Telegram shows, in each language."""
        for language in i18n.LANGUAGES:
            code = None if language == i18n.DEFAULT_LANGUAGE else language
            await self.application.bot.set_my_commands(command_list(self.conversation, language),
                                                       language_code=code)

    # -- incoming ---------------------------------------------------------------------------------
    async def _on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        chat = update.effective_chat
        if message is None or chat is None or message.text is None:
            return
        user = update.effective_user
        incoming = Incoming(CHANNEL, str(chat.id), text=message.text,
                            language_hint=user.language_code if user else None)
        await self._answer(context, chat.id, incoming)

    async def _on_group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A group or channel: nothing is linked or shown; it is told once that Signpost works in private."""
        chat = update.effective_chat
        if chat is None:
            return
        user = update.effective_user
        notice = await asyncio.to_thread(self.conversation.private_only_notice, CHANNEL, str(chat.id),
                                         user.language_code if user else None)
        if notice is not None:
            await self.send(context, chat.id, notice)

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        chat = update.effective_chat
        if query is None or chat is None:
            return
        try:
            await query.answer()
        except TelegramError as problem:  # "query is too old", or Telegram in trouble: the press still counts
            log.info("could not answer a callback query: %s", problem)
        if chat.type != ChatType.PRIVATE:  # a button in a group does nothing, like a message there
            return
        data = query.data or ""
        if data.startswith("appt:") and query.message is not None:
            # An answered reminder loses its buttons, so it cannot be answered twice by accident.
            try:
                await context.bot.edit_message_reply_markup(chat.id, query.message.message_id, reply_markup=None)
            except TelegramError as problem:  # too old to edit, no buttons left, or Telegram down: answer anyway
                log.info("could not remove answered buttons: %s", problem)
        user = update.effective_user
        incoming = Incoming(CHANNEL, str(chat.id), button=data, language_hint=user.language_code if user else None)
        await self._answer(context, chat.id, incoming)

    async def _answer(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, incoming: Incoming) -> None:
        with metrics.reply_timer(CHANNEL):
            # The core uses the database synchronously: keep it off the event loop.
            replies = await asyncio.to_thread(self.conversation.handle, incoming)
            for reply in replies:
                await self.send(context, chat_id, reply)

    # -- outgoing ---------------------------------------------------------------------------------
    async def send(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, reply: Reply) -> None:
        """Send one reply; if Telegram does not take it, ReplyRetry sends it again when it can."""
        bot = context.bot
        markup = keyboard(reply)
        if reply.voice_text is not None:
            await self._send_voice(context, chat_id, reply)
            return
        if reply.photo_png is not None:
            caption = reply.text if len(reply.text) <= PHOTO_CAPTION_LIMIT else None
            photo = reply.photo_png
            await self.replies.send(
                chat_id, lambda: bot.send_photo(chat_id, photo=photo, caption=caption, reply_markup=markup),
                "a picture")
            if caption is None and reply.text:
                await self.replies.send(chat_id, lambda: bot.send_message(chat_id, reply.text), "a message")
            return
        await self.replies.send(chat_id, lambda: bot.send_message(chat_id, reply.text, reply_markup=markup),
                                "a message")

    async def _send_voice(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, reply: Reply) -> None:
        bot = context.bot
        markup = keyboard(reply)
        apology = self._speech_unavailable(reply)
        if self.voice is None:
            await self.replies.send(chat_id, lambda: bot.send_message(chat_id, apology, reply_markup=markup),
                                    "a message")
            return
        voice = self.voice
        try:
            await bot.send_chat_action(chat_id, ChatAction.RECORD_VOICE)
        except NetworkError as problem:  # only a "recording..." hint: the note itself still goes
            log.info("could not show that a voice note is coming: %s", problem)
        try:
            note = await voice.voice_note(reply.voice_text or "", reply.voice_language)
        except SpeechUnavailable:
            log.warning("speech is not available; sent the text apology instead")
            await self.replies.send(chat_id, lambda: bot.send_message(chat_id, apology, reply_markup=markup),
                                    "a message")
            return
        file_id = voice.file_id_for(note.key)

        async def send_note() -> None:
            sent = await bot.send_voice(chat_id, voice=file_id or note.ogg, reply_markup=markup,
                                        duration=max(1, round(note.duration_seconds)))
            if file_id is None and sent.voice is not None:
                voice.remember_file_id(note.key, sent.voice.file_id)

        await self.replies.send(chat_id, send_note, "a voice note")

    def _speech_unavailable(self, reply: Reply) -> str:
        return self.conversation.render("chat/speech_unavailable.txt.j2", reply.voice_language)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        if isinstance(error, Forbidden):
            log.info("a chat blocked the bot: %s", error)
            return
        if error is not None and trouble_of(error) is not None:
            # Telegram itself is slow or failing: an apology would fail the same way, or arrive beside a
            # reply that was delivered after all. Replies are sent again by ReplyRetry.
            log.warning("Telegram trouble while handling an update: %s: %s", type(error).__name__, error)
            return
        log.error("error while handling an update", exc_info=error)
        if isinstance(update, Update) and update.effective_chat is not None:
            user = update.effective_user
            language = i18n.choose_language(user.language_code if user else None)
            try:
                await context.bot.send_message(
                    update.effective_chat.id, self.conversation.render("chat/error.txt.j2", language)
                )
            except TelegramError:
                log.exception("could not send the error message either")

    # -- running ----------------------------------------------------------------------------------
    def run(self) -> None:
        """Long polling, or a webhook when a webhook URL is set. Blocks until stopped.

        `signpost serve` has checked that Telegram answers before this (bot/cli/startup.py); should it go
        away in the moment between, PTB tries its start again (bootstrap_retries=-1) instead of failing.
        The webhook is our own server (bot/channels/telegram_webhook.py), so several processes can share it.
        """
        if self.options.webhook_url:
            asyncio.run(WebhookServer(self, self.turns, self.routes).serve())
        else:
            self.application.run_polling(allowed_updates=["message", "callback_query"], bootstrap_retries=-1)
