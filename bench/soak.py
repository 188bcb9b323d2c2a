"""Soak: `signpost serve` answering many chats for a while holds its memory and open files flat.

    .venv/bin/python -m bench.soak [--messages 2000] [--chats 100] [--fault-every 50]

A real `signpost serve` process on SQLite talks to the local Bot API stand-in over loopback (nothing
leaves this computer). Each of `--chats` people links their chat with a code, then `--messages`
messages go round the chats. Every `--fault-every`-th send answers 500 first, so replies waiting in
ReplyRetry are part of the soak. Printed at the start (after linking and a warm-up) and at the end:
the serve process's resident memory (VmRSS) and its open file descriptors, from /proc; and
how many replies arrived (each message must get exactly its one reply: none lost, none twice).
The figures are the run's own floor: the end is compared with the start of the same run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from casefile import db
from tests.bot.conversation_helpers import make_case
from tests.support.telegram_standin import TelegramStandIn

FIRST_CHAT = 60_000
ASKS = ("what is a licence", "whats a mapa", "what does HDC mean?", "rotl")
WARM_UP = 200


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc status")


def open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def figures(pid: int) -> tuple[int, int]:
    return rss_kib(pid), open_files(pid)


def send_round(standin: TelegramStandIn, count: int, chats: int, offset: int, fault_every: int) -> Counter[int]:
    """`count` messages round the chats; returns the replies each chat got."""
    for number in range(count):
        if fault_every and (offset + number) % fault_every == 0:
            standin.fail_next("sendMessage", status=500)
        standin.push_message(FIRST_CHAT + (offset + number) % chats, ASKS[(offset + number) % len(ASKS)])
    got: Counter[int] = Counter()
    for _ in range(count):
        got[int(standin.pop(timeout=120).chat_id)] += 1
    return got


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--chats", type=int, default=100)
    parser.add_argument("--fault-every", type=int, default=50, help="every Nth send answers 500 first (0: never)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/signpost.db"
        db.upgrade(url)
        engine, sessions = db.open_database(url)
        with sessions() as session:
            codes = [make_case(session, name=f"Soak {number}").code for number in range(args.chats)]
        engine.dispose()
        with TelegramStandIn() as standin:
            env = {**os.environ, "DATABASE_URL": url, "SIGNPOST_DATA_DIR": folder, "SIGNPOST_TELEGRAM_RATE": "100000",
                   "TELEGRAM_BOT_TOKEN": standin.token, "SIGNPOST_TELEGRAM_API_URL": standin.api_url}
            serve = subprocess.Popen([sys.executable, "-m", "bot", "serve"], env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
            try:
                standin.wait_for("getUpdates", timeout=60)
                for number, code in enumerate(codes):
                    standin.push_message(FIRST_CHAT + number, code)
                for number in range(len(codes)):
                    standin.pop(FIRST_CHAT + number, timeout=60)
                send_round(standin, WARM_UP, args.chats, 0, 0)  # caches, pools and PTB's queues all filled
                start_rss, start_files = figures(serve.pid)
                print(f"start: RSS {start_rss / 1024:.1f} MiB, {start_files} open files "
                      f"(serve pid {serve.pid}, {args.chats} chats linked, {WARM_UP} warm-up messages)")
                began = time.perf_counter()
                got = send_round(standin, args.messages, args.chats, WARM_UP, args.fault_every)
                took = time.perf_counter() - began
                end_rss, end_files = figures(serve.pid)
                print(f"end:   RSS {end_rss / 1024:.1f} MiB, {end_files} open files, after {args.messages} messages "
                      f"in {took:.1f} s ({args.messages / took:.0f}/s)")
                print(f"RSS grew {(end_rss - start_rss) / 1024:+.1f} MiB ({(end_rss - start_rss) / start_rss:+.1%}), "
                      f"open files {end_files - start_files:+d}")
                faults = sum(1 for call in standin.calls_to("sendMessage") if call.status == 500)
                time.sleep(2.0)  # a second copy of some reply would come in now
                extra = 0
                while True:
                    try:
                        standin.pop(timeout=0)
                    except AssertionError:
                        break
                    extra += 1
                per_chat = set(got.values())
                print(f"replies: {sum(got.values())} for {args.messages} messages, {faults} sends answered 500 "
                      f"and sent again, {extra} extra; replies per chat {sorted(per_chat)}")
            finally:
                serve.terminate()
                _out, err = serve.communicate(timeout=30)
        traceback = b"Traceback" in err
        print(f"serve stopped with status {serve.returncode}; traceback in its log: {'YES' if traceback else 'no'}")
    lost_or_twice = sum(got.values()) != args.messages or extra != 0
    return 1 if traceback or lost_or_twice else 0


if __name__ == "__main__":
    raise SystemExit(main())
