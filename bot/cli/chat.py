"""`signpost chat` (the conversation in a terminal) and `signpost serve` (the Telegram bot)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from bot.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    chat = subparsers.add_parser(
        "chat",
        help="Talk to Signpost in this terminal, as a person on the demo data.",
        description="The same conversation as on Telegram, in a terminal. Buttons are numbered: type the "
        "number to press one. When standard input is not a terminal, each line is one message.",
    )
    chat.add_argument("--as", dest="person", metavar="PERSON",
                      help="The person's reference (for example DEMO-1). Without it: not linked, like a new user.")
    chat.add_argument("--lang", choices=("en", "cy", "pl"), default=None, help="Language to start in.")
    chat.set_defaults(func=run_chat)

    serve = subparsers.add_parser(
        "serve",
        help="Run the Telegram bot (long polling, or a webhook when SIGNPOST_WEBHOOK_URL is set).",
        description="Run the Telegram bot. Needs TELEGRAM_BOT_TOKEN.",
    )
    serve.set_defaults(func=run_serve)


def run_chat(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.app import StartupProblem, build_app
    from bot.channels import terminal
    from bot.cli.startup import database_unreachable

    settings = Settings.from_env()
    try:
        app = build_app(settings, watch_content=sys.stdin.isatty())
    except StartupProblem as problem:
        print(problem, file=sys.stderr)
        return 1
    except SQLAlchemyError as problem:  # someone at a keyboard: say so and stop (bot/cli/startup.py)
        print(f"{database_unreachable(settings.database_url, problem)} Signpost did not start.", file=sys.stderr)
        return 2
    try:
        chat_id = "local"
        if args.person:
            found = _link_terminal(app, args.person, args.lang)
            if found is None:
                print(f'No person with reference "{args.person}". Try signpost demo-data, then DEMO-1.',
                      file=sys.stderr)
                return 1
            chat_id = found
        chat = terminal.TerminalChat(
            app.conversation, chat_id, args.lang, sys.stdout, settings.data_dir / "terminal-media",
            speak=_speaker(settings),
        )
        return terminal.run(chat)
    finally:
        app.close()


def _link_terminal(app, person_ref: str, language: str | None = None) -> str | None:
    """Link a terminal chat to a person the way a phone is linked: a one-time code, issued and redeemed.

    Whoever runs this command can read the database anyway; the code keeps it on the audited path.
    `--lang` is the person's choice of language, as if they chose it with /language in the chat.
    """
    from casefile import directory, linking, people
    from casefile.actors import PersonActor, SystemActor

    chat_id = f"local-{person_ref}"
    now = datetime.now(UTC)
    with app.conversation.sessions() as session:
        person = directory.find_person(session, person_ref)
        if person is None:
            return None
        link = linking.chat_link_for(session, terminal_channel(), chat_id)
        if link is None or link.person_id != person.id:
            hasher = app.settings.link_hasher
            code = linking.issue_link_code(session, SystemActor("terminal"), person_id=person.id, days=1, now=now,
                                           hasher=hasher)
            linking.redeem_link_code(session, terminal_channel(), chat_id, code, now, hasher=hasher)
        if language is not None and language != person.language:
            people.set_language(session, PersonActor(person.id), person.id, language, now=now)
    return chat_id


def terminal_channel() -> str:
    from bot.channels.terminal import CHANNEL

    return CHANNEL


def _speaker(settings: Settings):
    """Voice notes in the terminal are OGG files written next to the pictures."""
    import asyncio

    from bot.voice import VoiceNotes

    def speak(text: str, language: str):
        async def make():
            voice = VoiceNotes(settings.voice_cache_dir or settings.data_dir / "voice-cache",
                               timeout_seconds=settings.voice_timeout_seconds)
            try:
                return (await voice.voice_note(text, language)).path
            finally:
                voice.close()

        return asyncio.run(make())

    return speak


def run_serve(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.app import App, StartupProblem, build_app
    from bot.cli.startup import database_unreachable, keep_trying, telegram_ready
    from bot.logs import configure_logging
    from bot.metrics_listener import CannotListen
    from bot.reminders.sender import TelegramRefused
    from bot.serve import build_serve
    from bot.voice import VoiceNotes

    settings = Settings.from_env()
    if not settings.telegram_token:
        print("TELEGRAM_BOT_TOKEN is not set. Get a token from BotFather and set it, then try again.",
              file=sys.stderr)
        return 2
    configure_logging(settings.log_format)  # text or JSON lines, with no personal data (bot/logs.py)
    token = settings.telegram_token

    def open_app() -> App:
        try:
            return build_app(settings)
        except SQLAlchemyError as problem:
            raise database_unreachable(settings.database_url, problem) from problem

    # The database first, then Telegram: each waited for with one plain line a try (bot/cli/startup.py).
    try:
        app = keep_trying(open_app)
    except StartupProblem as problem:
        print(problem, file=sys.stderr)
        return 1
    try:
        keep_trying(lambda: telegram_ready(token, settings.telegram_api_url))
    except TelegramRefused as refused:
        print(refused, file=sys.stderr)
        app.close()
        return 2
    voice = VoiceNotes(settings.voice_cache_dir or settings.data_dir / "voice-cache",
                       timeout_seconds=settings.voice_timeout_seconds)
    try:
        build_serve(settings, app.conversation, voice).run()
    except CannotListen as problem:
        print(problem, file=sys.stderr)
        return 2
    finally:
        app.close()
    return 0
