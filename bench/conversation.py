"""Conversation benchmark: the core on SQLite and PostgreSQL, end to end through Telegram, and voice.

    .venv/bin/python -m bench.conversation [--messages 3000] [--updates 600] [--skip-postgres]

Baselines measured in the same run:
- core: `Conversation.handle` for the realistic mix, beside the floor of one `person_view` read (the
  case-file work every linked answer needs at least) on the same database;
- end to end: updates/s through `signpost serve` (a subprocess) and the local Bot API stand-in, beside
  a bare python-telegram-bot echo bot (same stand-in, same PTB settings) as the floor; both with the
  30 messages/s send limit lifted (SIGNPOST_TELEGRAM_RATE), since the stand-in does not throttle;
- voice: first synthesis of a 40-word answer and a cached one, beside the raw espeak-ng + opusenc
  command line for the same text.
Targets (issue 4): core >= 1,000 messages/s with p99 <= 10 ms on SQLite; end to end >= 200 updates/s;
voice first synthesis <= 500 ms, cached <= 5 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bot.conversation.core import Conversation
from bot.messages import Incoming
from bot.settings import REPO_ROOT
from casefile import db, people
from glossary.live import LiveGlossary
from tests.bot.conversation_helpers import SETTINGS, make_case
from tests.casefile.factories import NOW

LETTER = (
    "Dear Sam, your next supervision appointment is on Monday. Please bring your licence. Your OASys "
    "review is due and your PO will discuss MAPPA and your HDC curfew. Contact the DIP team or JCP."
)
# What people send, by how often: menu buttons most, then questions about words, then letters.
MIX: list[tuple[str, str]] = [
    ("button", "m:menu"), ("button", "m:appointments"), ("button", "m:team"), ("button", "m:where"),
    ("button", "m:money"), ("button", "m:pharmacy"), ("text", "whats a mapa"), ("text", "what does HDC mean?"),
    ("text", "rotl"), ("text", "when is my next appointment"), ("text", LETTER), ("text", "zorblax"),
    ("button", "m:appointments"), ("text", "oasis"), ("button", "m:menu"), ("text", "licence"),
]


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _postgres_url() -> str | None:
    import psycopg

    name = f"signpost_bench_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError:
        return None
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def _drop_postgres(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_core(url: str, label: str, messages: int, people_count: int = 50) -> tuple[float, float, float]:
    db.upgrade(url)
    engine, sessions = db.open_database(url)
    chats: list[str] = []
    conversation = Conversation(REPO_ROOT / "content", sessions, LiveGlossary(REPO_ROOT / "content"),
                                clock=lambda: NOW, reminder_policy=SETTINGS.reminder_policy,
                                link_hasher=SETTINGS.link_hasher)
    for number in range(people_count):
        with sessions() as session:
            case = make_case(session, name=f"B{number}")
        chat = f"bench-{number}"
        conversation.handle(Incoming("telegram", chat, text=case.code))
        chats.append(chat)
        person_id = case.person.id
    # Warm up: templates compiled, pictures drawn, indexes cached.
    for chat in chats[:5]:
        for kind, value in MIX:
            conversation.handle(_incoming(chat, kind, value))
    samples: list[float] = []
    started = time.perf_counter()
    for number in range(messages):
        kind, value = MIX[number % len(MIX)]
        incoming = _incoming(chats[number % len(chats)], kind, value)
        start = time.perf_counter()
        conversation.handle(incoming)
        samples.append((time.perf_counter() - start) * 1000)
    elapsed = time.perf_counter() - started
    today = NOW.date()

    def floor() -> None:
        with sessions() as session:
            people.person_view(session, person_id, today, NOW)

    floor_samples = timed(floor, 500)
    engine.dispose()
    rate = messages / elapsed
    p50, p99 = percentile(samples, 0.5), percentile(samples, 0.99)
    print(f"{label:<10} core: {rate:7.0f} messages/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   "
          f"(floor: one person view p50 {percentile(floor_samples, .5):.2f} ms, p99 {percentile(floor_samples, .99):.2f} ms;"
          f" p50 ratio {p50 / percentile(floor_samples, .5):.1f}x)")
    return rate, p50, p99


def _incoming(chat: str, kind: str, value: str) -> Incoming:
    if kind == "button":
        return Incoming("telegram", chat, button=value, language_hint="en")
    return Incoming("telegram", chat, text=value, language_hint="en")


def bench_end_to_end(updates: int) -> tuple[float, float]:
    from tests.support.telegram_standin import TelegramStandIn

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/signpost.db"
        db.upgrade(url)
        engine, sessions = db.open_database(url)
        codes = []
        for number in range(20):
            with sessions() as session:
                codes.append(make_case(session, name=f"E{number}").code)
        engine.dispose()
        with TelegramStandIn() as standin:
            # The stand-in is unthrottled; lifting the 30/s send limit measures our own work per update.
            env = {**os.environ, "DATABASE_URL": url, "SIGNPOST_DATA_DIR": folder, "SIGNPOST_TELEGRAM_RATE": "100000",
                   "TELEGRAM_BOT_TOKEN": standin.token, "SIGNPOST_TELEGRAM_API_URL": standin.api_url}
            process = subprocess.Popen([sys.executable, "-m", "bot", "serve"], env=env,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                standin.wait_for("getUpdates", timeout=60)
                for number, code in enumerate(codes):
                    standin.push_message(9000 + number, code)
                for number in range(len(codes)):
                    standin.pop(9000 + number, timeout=30)
                rate = _drive(standin, updates, chats=len(codes), text="what is a licence")
            finally:
                process.terminate()
                process.wait(timeout=20)
        floor = _echo_floor(updates)
    return rate, floor


def _drive(standin, updates: int, chats: int, text: str) -> float:
    start = time.perf_counter()
    for number in range(updates):
        standin.push_message(9000 + number % chats, text)
    for _ in range(updates):
        standin.pop(timeout=60)
    return updates / (time.perf_counter() - start)


ECHO_BOT = """
import sys
from telegram.ext import AIORateLimiter, ApplicationBuilder, MessageHandler, filters
async def echo(update, context):
    await context.bot.send_message(update.effective_chat.id, update.effective_message.text)
app = (ApplicationBuilder().token(sys.argv[1]).base_url(sys.argv[2] + "/bot")
       .rate_limiter(AIORateLimiter(overall_max_rate=100000))
       .concurrent_updates(16).build())
app.add_handler(MessageHandler(filters.TEXT, echo))
app.run_polling()
"""


def _echo_floor(updates: int) -> float:
    from tests.support.telegram_standin import TelegramStandIn

    with TelegramStandIn() as standin:
        process = subprocess.Popen([sys.executable, "-c", ECHO_BOT, standin.token, standin.api_url],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            standin.wait_for("getUpdates", timeout=60)
            return _drive(standin, updates, chats=20, text="hello")
        finally:
            process.terminate()
            process.wait(timeout=20)


def bench_voice() -> tuple[float, float, float]:
    from bot.voice import VoiceNotes

    text = ("Your licence ends on Wednesday 3 March 2027, in 97 days. Until then, go to every appointment "
            "with your probation officer, live at the address they agreed, and tell them if anything "
            "changes. If you cannot make an appointment, tell them before, not after.")
    with tempfile.TemporaryDirectory() as folder:
        wav, ogg = Path(folder) / "raw.wav", Path(folder) / "raw.ogg"
        raw = timed(lambda: (subprocess.run(["espeak-ng", "-v", "en-gb", "-w", str(wav), text], check=True),
                             subprocess.run(["opusenc", "--quiet", "--bitrate", "24", "--speech", "--comp", "5",
                                             str(wav), str(ogg)], check=True)), 5)

        async def run() -> tuple[float, float]:
            voice = VoiceNotes(Path(folder) / "cache", 20)
            await voice.start()
            start = time.perf_counter()
            await voice.voice_note(text, "en")
            first = (time.perf_counter() - start) * 1000
            cached = []
            for _ in range(200):
                start = time.perf_counter()
                await voice.voice_note(text, "en")
                cached.append((time.perf_counter() - start) * 1000)
            voice.close()
            return first, percentile(cached, 0.5)

        first, cached = asyncio.run(run())
    return first, cached, percentile(raw, 0.5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--updates", type=int, default=600)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    print(f"Signpost conversation benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
          f"{os.cpu_count()} CPUs (shared machine: figures vary)\n")
    with tempfile.TemporaryDirectory() as folder:
        rate, _p50, p99 = bench_core(f"sqlite:///{folder}/bench.db", "SQLite", args.messages)
    print(f"  target: >= 1,000 messages/s and p99 <= 10 ms: {'met' if rate >= 1000 and p99 <= 10 else 'MISSED'}")
    if not args.skip_postgres:
        url = _postgres_url()
        if url is None:
            print("PostgreSQL not reachable at 127.0.0.1:5432: PostgreSQL figures not measured")
        else:
            try:
                bench_core(url, "PostgreSQL", args.messages)
            finally:
                _drop_postgres(url)
    e2e, floor = bench_end_to_end(args.updates)
    print(f"\nend to end (signpost serve + stand-in): {e2e:6.0f} updates/s   "
          f"(floor: bare PTB echo bot {floor:.0f} updates/s, ratio {e2e / floor:.2f})")
    print(f"  target: >= 200 updates/s: {'met' if e2e >= 200 else 'MISSED'}")
    first, cached, raw = bench_voice()
    print(f"\nvoice, 40 words: first synthesis {first:.0f} ms (raw espeak-ng + opusenc {raw:.0f} ms, "
          f"ratio {first / raw:.2f}); cached {cached:.2f} ms")
    print(f"  targets: first <= 500 ms: {'met' if first <= 500 else 'MISSED'}; "
          f"cached <= 5 ms: {'met' if cached <= 5 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
