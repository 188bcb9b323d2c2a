"""The layout's rules, checked on the import graph: which product package may import which.

The product packages are bot, console, casefile, glossary and journeys (the README's Layout section).
The graph comes from grimp, which reads every import statement without running the code, so imports
inside functions and under TYPE_CHECKING count too: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
import functools
import itertools
import pkgutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import grimp
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("bot", "console", "casefile", "glossary", "journeys")
NOT_PRODUCT = ("tests", "bench")
# Running these at import time does something: `python -m bot` starts the CLI, and alembic's env.py
# needs alembic's context. The import graph still checks what they import.
ENTRY_POINTS = {"bot.__main__", "casefile.migrations.env"}
# The `signpost` command: the composition root that wires every room together, so it may import any of
# them; nothing imports it back. Leaving it out of the cycle check is what lets bot.settings and
# bot.i18n be the shared wording and settings the console reads.
COMPOSITION_ROOT = ("bot.cli", "bot.__main__")
# The only places allowed to talk to Telegram's library: the channel, and the dispatcher's sender.
TELEGRAM_DOORS = ("bot.channels", "bot.reminders.sender")
# The same for GOV.UK Notify's client: the SMS channel, and the dispatcher's text sender.
NOTIFY_DOORS = ("bot.channels", "bot.reminders.sender", "bot.reminders.sender_sms")


@functools.cache
def graph() -> grimp.ImportGraph:
    # cache_dir=None: grimp would otherwise leave a .grimp_cache folder in the working tree.
    return grimp.build_graph(*PRODUCT, include_external_packages=True, cache_dir=None)


def modules_on_disk() -> set[str]:
    """Every product module as the files say, namespace packages included."""
    found = set()
    for package in PRODUCT:
        for path in (REPO_ROOT / package).rglob("*.py"):
            parts = path.relative_to(REPO_ROOT).with_suffix("").parts
            found.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


def modules_by_pkgutil() -> set[str]:
    """Every product module that Python's package machinery finds by walking the packages."""
    found = set(PRODUCT)
    for package in PRODUCT:
        found.update(info.name for info in pkgutil.walk_packages([str(REPO_ROOT / package)], prefix=f"{package}."))
    return found


def in_any(module: str, packages: Iterable[str]) -> bool:
    return any(module == package or module.startswith(f"{package}.") for package in packages)


def imports_from(importers: Iterable[str], imported: str) -> list[str]:
    """'importer -> imported (line n)' for each direct import from the `importers` packages into `imported`."""
    details = []
    for module in sorted(graph().modules):
        if not in_any(module, importers):
            continue
        for target in graph().find_modules_directly_imported_by(module):
            if in_any(target, [imported]):
                for line in graph().get_import_details(importer=module, imported=target):
                    details.append(f"{module} -> {target} (line {line['line_number']})")
    return sorted(details)


def test_every_product_folder_is_a_regular_package() -> None:
    # A folder of modules without __init__.py is a namespace package: pkgutil and grimp skip it, so every
    # rule below would pass without looking at it, and mypy can find its modules under two names.
    missed = sorted(modules_on_disk() - modules_by_pkgutil())
    assert not missed, f"modules in folders without __init__.py: {missed}"


def test_product_modules_import_without_tests_or_bench() -> None:
    # A fresh interpreter, because this test run has already imported tests.* for its fixtures.
    modules = sorted((modules_on_disk() | modules_by_pkgutil()) - ENTRY_POINTS)
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"print('\\n'.join(sorted(m for m in sys.modules if m.split('.')[0] in {NOT_PRODUCT!r})))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == []
    # The graph also sees imports in code that importing alone does not run (functions, entry points).
    assert [line for package in NOT_PRODUCT for line in imports_from(PRODUCT, package)] == []


@functools.cache
def graph_without_the_composition_root() -> grimp.ImportGraph:
    rooms = grimp.build_graph(*PRODUCT, include_external_packages=True, cache_dir=None)
    for module in sorted(rooms.modules):
        if in_any(module, COMPOSITION_ROOT):
            rooms.remove_module(module)
    return rooms


def test_nothing_imports_the_composition_root() -> None:
    assert [line for line in imports_from(PRODUCT, "bot.cli") if not in_any(line.split(" -> ")[0], COMPOSITION_ROOT)] == []


@pytest.mark.parametrize(("one", "other"), list(itertools.combinations(PRODUCT, 2)))
def test_no_import_cycle_between_product_packages(one: str, other: str) -> None:
    rooms = graph_without_the_composition_root()
    there = rooms.find_shortest_chains(importer=one, imported=other, as_packages=True)
    back = rooms.find_shortest_chains(importer=other, imported=one, as_packages=True)
    # Either direction alone is a layer; both together make the two packages one tangle.
    assert not (there and back), f"{one} -> {other}: {sorted(there)}; {other} -> {one}: {sorted(back)}"


def test_no_import_cycle_inside_the_conversation() -> None:
    assert "bot.conversation" in graph().modules, "bot/conversation is not a package grimp can see"
    # Each nominated import is one that would have to go for the conversation's modules to be acyclic.
    assert graph().nominate_cycle_breakers("bot.conversation") == set()


@pytest.mark.parametrize("banned", ["bot.conversation", "bot.channels", "bot.reminders"])
def test_console_leaves_the_chat_and_the_reminders_alone(banned: str) -> None:
    assert banned in graph().modules, f"{banned} is not a package grimp can see"
    assert imports_from(["console"], banned) == []


@pytest.mark.parametrize("banned", ["bot", "console", "glossary", "journeys"])
def test_casefile_imports_no_other_product_package(banned: str) -> None:
    assert imports_from(["casefile"], banned) == []


def test_only_the_channel_and_the_sender_import_telegram() -> None:
    everywhere = imports_from(PRODUCT, "telegram")
    assert everywhere, "the graph sees no Telegram import at all: is grimp looking at external packages?"
    assert [line for line in everywhere if not in_any(line.split(" -> ")[0], TELEGRAM_DOORS)] == []


def test_only_the_channel_and_the_senders_import_notify() -> None:
    everywhere = imports_from(PRODUCT, "notifications_python_client")
    assert everywhere, "the graph sees no Notify import at all: is grimp looking at external packages?"
    assert [line for line in everywhere if not in_any(line.split(" -> ")[0], NOTIFY_DOORS)] == []


def test_no_test_module_imports_a_conftest() -> None:
    # pytest loads conftest.py files itself; importing one as a module as well gives two copies of its
    # fixtures' state. Shared helpers live in helper modules (tests/console/console_helpers.py).
    offenders = []
    for path in sorted((REPO_ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or "", *(f"{node.module}.{alias.name}" for alias in node.names)]
            if any(name.split(".")[-1] == "conftest" for name in names):
                offenders.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno}")
    assert offenders == []


def test_one_content_error_class() -> None:
    # Every content loader raises the same ContentError, so callers catch one class and editors read one
    # `file:line: problem. Fix.` whichever file is wrong; a second class would split both.
    defined = []
    for package in PRODUCT:
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ClassDef) and node.name == "ContentError":
                    defined.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno}")
    assert [place.split(":")[0] for place in defined] == ["glossary/findings.py"], defined


def test_one_reader_of_editors_yaml() -> None:
    # Editors' YAML is read by glossary.yaml_source alone, which keeps the line of every key and words every
    # problem the same way; a second reader would bring its own lines and wording. glossary.edit is the
    # console's writer: it edits entries in place, keeping the editors' comments, and reports no lines.
    readers = {line.split(" -> ")[0] for line in imports_from(PRODUCT, "ruamel")}
    assert readers == {"glossary.yaml_source", "glossary.edit"}
