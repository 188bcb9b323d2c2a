"""The `signpost` command. Each group of subcommands lives in its own module with a `register` function.

To add a group: write `bot/cli/<name>.py` with `register(subparsers)` and list it in COMMAND_MODULES.
Each subcommand sets `func(args) -> int` with `set_defaults`; the exit status is its return value.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

COMMAND_MODULES: tuple[str, ...] = (
    "bot.cli.run",
    "bot.cli.db",
    "bot.cli.link",
    "bot.cli.content",
    "bot.cli.explain",
    "bot.cli.journeys",
    "bot.cli.chat",
    "bot.cli.reminders",
    "bot.cli.worker",
    "bot.cli.report",
    "bot.cli.casefile",
    "bot.cli.services",
    "bot.cli.demo",
    "bot.cli.web",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="signpost",
        description="Signpost: plain answers about probation, release and the words the system uses.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from bot.settings import SettingError, Settings

    try:
        Settings.from_env()  # a setting that cannot be used stops every command here, before it starts
    except SettingError as problem:
        print(f"{problem}\nSignpost did not start. Fix or remove that setting, then try again.", file=sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader stopped early (`signpost content stats | head`): nothing went wrong here.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
