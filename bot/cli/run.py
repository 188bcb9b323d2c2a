"""`signpost run`: what the README's run command starts."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="Start Signpost on its built-in defaults (what './dev run' does).",
        description="Start Signpost on its built-in defaults: the terminal chat on demo data.",
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from bot.cli.explain import interactive

    return interactive()
