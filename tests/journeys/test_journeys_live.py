"""The live journeys content: checked before it is served, the last good content kept on errors."""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.core import Conversation
from bot.messages import Incoming
from bot.settings import REPO_ROOT, Settings
from glossary.live import ContentCheckFailed, LiveGlossary
from journeys.live import LiveJourneys

STAGES = Path("journeys") / "stages.yaml"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    copy = tmp_path / "content"
    shutil.copytree(REPO_ROOT / "content", copy)
    return copy


def break_stages(content: Path) -> None:
    path = content / STAGES
    path.write_text(path.read_text(encoding="utf-8").replace("  - key: in_court", "  - key: in_the_pub", 1),
                    encoding="utf-8")


def test_broken_stages_keep_the_last_good_content_and_a_fix_is_picked_up(content: Path) -> None:
    live = LiveJourneys(content)
    good = live.current()
    break_stages(content)
    assert live.changed()
    assert live.reload() is False
    assert live.current() is good
    path = content / STAGES
    text = path.read_text(encoding="utf-8").replace("  - key: in_the_pub", "  - key: in_court", 1)
    path.write_text(text.replace("title: Your case is in court", "title: Your case is at court", 1), encoding="utf-8")
    assert live.reload() is True
    assert live.current().stages.get("in_court").text("en").title == "Your case is at court"
    assert live.loads == 2


def test_broken_content_at_start_is_refused_with_the_file_and_line(content: Path) -> None:
    break_stages(content)
    with pytest.raises(ContentCheckFailed) as refused:
        LiveJourneys(content)
    assert "stages.yaml" in str(refused.value.findings[0].path)


def test_the_chat_goes_on_answering_while_stages_yaml_is_broken(content: Path,
                                                                session_factory: sessionmaker[Session]) -> None:
    journeys = LiveJourneys(content)
    journeys.start_watching(interval=0.05)
    try:
        built_in = Settings.built_in()
        conversation = Conversation(content, session_factory, LiveGlossary(content), journeys=journeys,
                                    reminder_policy=built_in.reminder_policy, link_hasher=built_in.link_hasher)
        where = Incoming("telegram", "live-journeys-1", button="m:where", language_hint="en")
        before = [reply.text for reply in conversation.handle(where)]
        assert any("court" in text.lower() for text in before)
        break_stages(content)
        deadline = time.monotonic() + 5
        while journeys.changed() and time.monotonic() < deadline:  # the watcher has tried the broken file
            time.sleep(0.05)
        assert not journeys.changed()
        assert [reply.text for reply in conversation.handle(where)] == before
        money = conversation.handle(Incoming("telegram", "live-journeys-1", button="m:money", language_hint="en"))
        assert money and money[0].text
    finally:
        journeys.stop()


def test_sighup_reloads_the_journeys(content: Path) -> None:
    live = LiveJourneys(content)
    previous = live.install_sighup_handler()
    try:
        path = content / STAGES
        path.write_text(path.read_text(encoding="utf-8").replace(
            "title: Your case is in court", "title: Your case is at court", 1), encoding="utf-8")
        os.kill(os.getpid(), signal.SIGHUP)
        deadline = time.monotonic() + 5
        while live.loads < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert live.current().stages.get("in_court").text("en").title == "Your case is at court"
    finally:
        signal.signal(signal.SIGHUP, previous)
