"""The README is part of the product: every command and setting it names is real, and none is missing."""

from __future__ import annotations

import argparse
import re

from bot.cli import build_parser
from bot.settings import REPO_ROOT, SETTINGS

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def _commands(parser: argparse.ArgumentParser, prefix: str = "signpost") -> set[str]:
    found: set[str] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.add(f"{prefix} {name}")
                found |= _commands(sub, f"{prefix} {name}")
    return found


def _leaf_commands() -> set[str]:
    every = _commands(build_parser())
    return {command for command in every if not any(other.startswith(command + " ") for other in every)}


def settings_table() -> str:
    rows = ["| variable | default | meaning |", "| --- | --- | --- |"]
    rows += [f"| `{s.name}` | {s.readme_default} | {s.meaning} |" for s in SETTINGS]
    return "\n".join(rows)


def test_every_command_is_documented() -> None:
    documented = set(re.findall(r"`(signpost(?: [a-z][a-z-]*)+)", README))
    missing = {command for command in _leaf_commands() if not any(d.startswith(command) for d in documented)}
    assert not missing, f"Document these commands in README.md: {sorted(missing)}"


def test_every_documented_command_is_real() -> None:
    real = _commands(build_parser())
    documented = set(re.findall(r"`(signpost(?: [a-z][a-z-]*)+)", README))
    unknown = {d for d in documented if not any(d == r or d.startswith(r + " ") for r in real)}
    # A documented command may carry a plain argument word ("signpost explain licence").
    unknown = {d for d in unknown if " ".join(d.split()[:2]) not in real}
    assert not unknown, f"README.md names commands that do not exist: {sorted(unknown)}"


def test_settings_table_matches_the_code() -> None:
    start = README.index("<!-- settings-table")
    start = README.index("\n", start) + 1
    end = README.index("<!-- end settings-table -->")
    assert README[start:end].strip() == settings_table(), (
        "The README settings table is out of date. Replace it with:\n" + settings_table()
    )
