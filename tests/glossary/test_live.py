"""Live reload: new content is served only after it passes the check; broken content never is."""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from fixtures_check.helpers import content_with

from glossary import live as live_module
from glossary.check import CheckReport
from glossary.findings import ContentError, Finding
from glossary.live import ContentCheckFailed, LiveGlossary

NEW_ENTRY = """
  - term: CPS
    full_form: Crown Prosecution Service
    explanation: The lawyers who take a case to court.
    sources: [https://www.cps.gov.uk/]
    reviewed: 2026-12-01
    translations: {cy: {explanation: Esboniad byr.}, pl: {explanation: Krótkie wyjaśnienie.}}
"""


class Collected:
    """A findings handler that keeps what it was given."""

    def __init__(self) -> None:
        self.batches: list[list[Finding]] = []

    def __call__(self, findings: Sequence[Finding]) -> None:
        self.batches.append(list(findings))

    def lines(self, relative_to: Path) -> list[str]:
        return [finding.format(relative_to) for batch in self.batches for finding in batch]


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def rewrite(path: Path, text: str) -> None:
    """Write and move the change time on, so the change shows even on coarse-timestamp filesystems."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    if path.stat().st_mtime_ns <= before:
        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    return content_with("_base", tmp_path / "content")


@pytest.fixture
def live(content_dir: Path) -> Iterator[tuple[LiveGlossary, Collected]]:
    collected = Collected()
    glossary = LiveGlossary(content_dir, on_findings=collected)
    yield glossary, collected
    glossary.stop()


def add_entry(content_dir: Path) -> None:
    general = content_dir / "glossary" / "general.yaml"
    rewrite(general, general.read_text(encoding="utf-8") + NEW_ENTRY)


def break_content(content_dir: Path) -> None:
    general = content_dir / "glossary" / "general.yaml"
    rewrite(general, general.read_text(encoding="utf-8").replace("  - term: PSR", "  - term: MAPPA"))


def test_first_load_serves_the_content(live: tuple[LiveGlossary, Collected]) -> None:
    glossary, collected = live
    current, index = glossary.current()
    assert [entry.term for entry in current] == ["probation officer", "MAPPA", "PSR"]
    assert index.lookup("mapa").entry is current.get("MAPPA")
    assert collected.batches == []
    assert glossary.loads == 1


def test_first_load_of_broken_content_refuses_to_start(content_dir: Path) -> None:
    break_content(content_dir)
    collected = Collected()
    with pytest.raises(ContentError) as raised:
        LiveGlossary(content_dir, on_findings=collected)
    assert isinstance(raised.value, ContentCheckFailed)
    message = raised.value.finding.format(content_dir)
    assert message.startswith('glossary/general.yaml:19: "MAPPA" is used by two entries')
    assert collected.lines(content_dir) == [finding.format(content_dir) for finding in raised.value.findings]


def test_changed_content_is_served_after_reload(
    live: tuple[LiveGlossary, Collected], content_dir: Path
) -> None:
    glossary, _ = live
    before = glossary.current()
    add_entry(content_dir)
    assert glossary.reload() is True
    current, index = glossary.current()
    assert current.get("CPS") is not None
    assert index.lookup("Crown Prosecution Service").entry is current.get("CPS")
    assert before[0].get("CPS") is None  # the old pair is untouched: replies in flight keep a consistent view
    assert glossary.loads == 2


def test_broken_content_is_never_served(
    live: tuple[LiveGlossary, Collected], content_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    glossary, collected = live
    good = glossary.current()
    break_content(content_dir)
    with caplog.at_level(logging.ERROR, logger="signpost.content"):
        assert glossary.reload() is False
    assert glossary.current() is good
    assert collected.lines(content_dir) == [
        'glossary/general.yaml:19: "MAPPA" is used by two entries, MAPPA (general.yaml:11) and MAPPA '
        "(general.yaml:19). Merge them into one entry, and use meanings: if the word has more than one "
        "meaning.",
    ]
    assert "the last good content is still served" in caplog.text


def test_findings_go_to_a_logger_when_given_one(content_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    glossary = LiveGlossary(content_dir, on_findings=logging.getLogger("editors"))
    general = content_dir / "glossary" / "general.yaml"
    rewrite(general, general.read_text(encoding="utf-8").replace("term: PSR", "term: PSR\n    core: maybe"))
    with caplog.at_level(logging.WARNING, logger="editors"):
        assert glossary.reload() is False
    logged = [
        (record.name, record.levelname, record.getMessage())
        for record in caplog.records
        if record.name == "editors"
    ]
    assert logged == [
        (
            "editors",
            "ERROR",
            f'{general}:20: "core" of the entry "PSR" should be true or false, but '
            'it says "maybe". Write core: true or core: false, without quotes.',
        )
    ]


def test_watcher_reloads_when_a_file_changes(live: tuple[LiveGlossary, Collected], content_dir: Path) -> None:
    glossary, _ = live
    glossary.start_watching(interval=0.05)
    add_entry(content_dir)
    assert wait_for(lambda: glossary.current()[0].get("CPS") is not None)
    assert glossary.loads == 2


def test_watcher_keeps_old_content_when_a_change_breaks_it(
    live: tuple[LiveGlossary, Collected], content_dir: Path
) -> None:
    glossary, collected = live
    good = glossary.current()
    glossary.start_watching(interval=0.05)
    break_content(content_dir)
    assert wait_for(lambda: bool(collected.batches))
    assert glossary.current() is good
    # Fixing the file is picked up too.
    general = content_dir / "glossary" / "general.yaml"
    rewrite(
        general,
        general.read_text(encoding="utf-8").replace(
            "term: MAPPA\n    full_form: Pre", "term: PSR\n    full_form: Pre"
        ),
    )
    assert wait_for(lambda: glossary.loads == 2)


def test_watcher_sees_a_new_file(live: tuple[LiveGlossary, Collected], content_dir: Path) -> None:
    glossary, _ = live
    glossary.start_watching(interval=0.05)
    rewrite(content_dir / "glossary" / "courts.yaml", "category: courts\nentries:" + NEW_ENTRY)
    assert wait_for(lambda: glossary.current()[0].get("CPS") is not None)


def test_sighup_reloads(live: tuple[LiveGlossary, Collected], content_dir: Path) -> None:
    glossary, _ = live
    previous = glossary.install_sighup_handler()
    try:
        add_entry(content_dir)
        os.kill(os.getpid(), signal.SIGHUP)
        assert wait_for(lambda: glossary.loads == 2)
        assert glossary.current()[0].get("CPS") is not None
    finally:
        signal.signal(signal.SIGHUP, previous)


def test_a_save_during_the_check_is_checked_before_it_is_served(
    live: tuple[LiveGlossary, Collected], content_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loader reads the files again after the check: a save in between must not slip through unchecked."""
    glossary, collected = live
    good = glossary.current()
    general = content_dir / "glossary" / "general.yaml"
    real_check = live_module.check_glossary
    checks: list[int] = []

    def check_then_an_editor_saves(directory: Path) -> CheckReport:
        report = real_check(directory)
        if not checks:  # the loader would happily take this text; the checker would not
            rewrite(general, general.read_text(encoding="utf-8").replace("the court", "the HMCTS court"))
        checks.append(report.errors)
        return report

    monkeypatch.setattr(live_module, "check_glossary", check_then_an_editor_saves)
    assert glossary.reload() is False
    assert glossary.current() is good
    assert checks == [0, 1]
    assert collected.lines(content_dir) == [
        'glossary/general.yaml:21: The explanation of "PSR" uses "HMCTS", which is not in the glossary. '
        "Add an entry for HMCTS or write the words out.",
    ]
