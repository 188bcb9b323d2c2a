"""Templates and catalogs under faults: `signpost content check` names each broken file and line, and a
template or catalog broken while the bot runs leaves the last good one in use, so nobody goes without a reply.
"""

from __future__ import annotations

import logging
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot import i18n, text, wording_check
from bot.cli import main
from bot.conversation.core import Conversation
from glossary.findings import ContentError
from tests.bot.conversation_helpers import SETTINGS, Chat, shared_glossary, shared_journeys, shared_questions
from tests.bot.wording_helpers import (
    CATALOG_RECHECK,
    CONTENT,
    WELSH,
    content_errors,
    copy_of_content,
    one_bad_byte,
    save,
)
from tests.glossary.fixtures_check.helpers import content_with

FIXTURES = Path(__file__).resolve().parent / "fixtures_wording"
WELCOME = Path("templates/chat/welcome.txt.j2")


def conversation(content_dir: Path, sessions: sessionmaker[Session]) -> Conversation:
    return Conversation(content_dir, sessions, shared_glossary(), journeys=shared_journeys(),
                        reminder_policy=SETTINGS.reminder_policy, link_hasher=SETTINGS.link_hasher,
                        questions=shared_questions())


# -- signpost content check ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fixture", "line"),
    [
        ("template_syntax",
         "templates/reminders/appointment.txt.j2:4: This template has a mistake: Encountered unknown tag 'endfi'. "
         "Jinja was looking for the following tags: 'elif' or 'else' or 'endif'. The innermost block that needs "
         "to be closed is 'if'. Check the {% %} and {{ }} on this line: each opened tag needs its closing tag, "
         "and names are spelt as in the other templates."),
        ("catalog_not_utf8",
         "locale/cy/LC_MESSAGES/signpost.po:14: This line has a byte (0xf4) that is not UTF-8 text, so Signpost "
         "cannot read the file. Save the file as UTF-8 (in Poedit or your text editor: Save as, encoding UTF-8), "
         "and check the letters on this line."),
        ("catalog_broken",
         "locale/pl/LC_MESSAGES/signpost.po:13: Signpost cannot read this line (missing msgstr for msgid "
         "'What I can do'). Fix the line as content/locale/README.md shows (msgid, then msgstr, each text in "
         "double quotes)."),
        ("placeholder_mismatch",
         "locale/cy/LC_MESSAGES/signpost.po:10: The translation 'Ble: %(lle)s' has %(lle)s, which the English "
         "has not, and lost %(place)s. Keep every placeholder of the English 'Where: %(place)s' exactly as it is "
         "(you may move it in the sentence)."),
    ],
)
def test_content_check_names_the_broken_wording_file_and_line(
    fixture: str, line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    content_with("_base", tmp_path)
    shutil.copytree(FIXTURES / fixture, tmp_path, dirs_exist_ok=True)
    monkeypatch.chdir(tmp_path)
    assert main(["content", "check", "."]) == 1
    printed = capsys.readouterr().out.splitlines()
    # Between them the glossary's own figures (reading age, translations waiting for review).
    assert (printed[0], printed[-1]) == (line, "Checked 3 entries in 3 files: 1 error, 0 warnings.")


def test_content_check_looks_at_every_shipped_template_and_catalog_and_finds_nothing() -> None:
    templates = wording_check.check_templates(CONTENT)
    catalogs = wording_check.check_catalogs(CONTENT)
    assert templates.file_count == len(list((CONTENT / "templates").rglob("*.j2"))) > 50
    assert catalogs.file_count == 2
    assert templates.findings == [] and catalogs.findings == []


def test_a_brace_placeholder_lost_in_translation_is_found() -> None:
    assert i18n.placeholder_problems("Hello {name}", "Cześć {imie}") == [
        "The translation 'Cześć {imie}' has {imie}, which the English has not, and lost {name}"]
    assert i18n.placeholder_problems("Hello {name}", "Cześć {name}") == []


# -- catalogs while the bot runs ---------------------------------------------------------------------
def test_one_bad_byte_in_the_welsh_catalog_still_gets_welsh_replies(
    tmp_path: Path, session_factory: sessionmaker[Session], caplog: pytest.LogCaptureFixture,
) -> None:
    content_dir = copy_of_content(tmp_path)
    chat = conversation(content_dir, session_factory)
    assert Chat(chat, "81", language_hint="cy").push("/start")[0].text.startswith("Helo. Signpost ydw i.")

    caplog.set_level(logging.ERROR, logger="signpost.content")
    line = one_bad_byte(content_dir / WELSH, b'msgstr "Helo.')
    time.sleep(CATALOG_RECHECK)
    for chat_id in ("82", "83"):
        replies = Chat(chat, chat_id, language_hint="cy").push("/start")
        assert replies[0].text.startswith("Helo. Signpost ydw i."), replies[0].text
    assert content_errors(caplog) == [
        f"{content_dir / WELSH}:{line}: This line has a byte (0xff) that is not UTF-8 text, so Signpost cannot "
        "read the file. Save the file as UTF-8 (in Poedit or your text editor: Save as, encoding UTF-8), and check "
        "the letters on this line. (So the last good one is still used.)"]


def test_a_welsh_catalog_that_was_never_good_gives_english_replies_not_none(
    tmp_path: Path, session_factory: sessionmaker[Session], caplog: pytest.LogCaptureFixture,
) -> None:
    content_dir = copy_of_content(tmp_path)
    line = one_bad_byte(content_dir / WELSH, b'msgstr "Helo.')
    caplog.set_level(logging.ERROR, logger="signpost.content")
    replies = Chat(conversation(content_dir, session_factory), "84", language_hint="cy").push("/start")
    assert replies[0].text.startswith("Hello. I am Signpost.")
    assert [message.split(": ", 1)[0] for message in content_errors(caplog)] == [f"{content_dir / WELSH}:{line}"]
    assert content_errors(caplog)[0].endswith("(So English is used until it is fixed.)")


def test_a_translation_with_a_wrong_placeholder_shows_in_english_and_the_rest_stays_welsh(tmp_path: Path) -> None:
    content_dir = copy_of_content(tmp_path)
    po = content_dir / WELSH
    save(po, po.read_bytes().replace(b'msgstr "Ble: %(place)s"', b'msgstr "Ble: %(lle)s"'))
    assert b"%(lle)s" in po.read_bytes()

    appointment = SimpleNamespace(starts_at=datetime(2027, 6, 2, 9, 30, tzinfo=UTC), worker_name="Alex Morgan",
                                  agency_name="", place="Lewisham office", address="", bring="")
    words = text.render(content_dir, "reminders/appointment.txt.j2", "cy", a=appointment, when="today",
                        discreet=False, day="")
    assert "Where: Lewisham office" in words  # the one broken string, in English
    assert words.endswith(i18n.translations(content_dir / "locale", "cy").gettext("Can you come? Tap a button."))
    assert "Tap a button" not in words


# -- templates while the bot runs --------------------------------------------------------------------
def test_a_template_broken_while_running_keeps_its_last_good_wording(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    content_dir = copy_of_content(tmp_path)
    good = text.render(content_dir, "chat/welcome.txt.j2", "en")  # it has been in use
    template = content_dir / WELCOME
    source = template.read_text(encoding="utf-8")

    caplog.set_level(logging.ERROR, logger="signpost.content")
    save(template, source.replace("{% trans %}", "{% tarns %}", 1).encode())  # a typo on line 1
    assert text.render(content_dir, "chat/welcome.txt.j2", "en") == good
    assert text.render(content_dir, "chat/welcome.txt.j2", "en") == good
    errors = content_errors(caplog)
    assert len(errors) == 1, errors  # one line per change, not one per reply
    assert errors[0].startswith(f"{template}:1: This template has a mistake: Encountered unknown tag 'tarns'")
    assert errors[0].endswith("(The last good version is still used.)")

    save(template, source.replace("Hello. I am Signpost.", "Hello. This is Signpost.").encode())
    assert text.render(content_dir, "chat/welcome.txt.j2", "en").startswith("Hello. This is Signpost.")


def test_a_template_that_fails_while_filled_in_falls_back_to_the_version_that_worked(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    content_dir = copy_of_content(tmp_path)
    good = text.render(content_dir, "chat/welcome.txt.j2", "en")
    template = content_dir / WELCOME
    caplog.set_level(logging.ERROR, logger="signpost.content")
    save(template, (template.read_text(encoding="utf-8") + "\n{{ nobody_gives_this }}\n").encode())
    assert text.render(content_dir, "chat/welcome.txt.j2", "en") == good
    [error] = content_errors(caplog)
    assert error.startswith(f"{template}:") and "'nobody_gives_this' is undefined" in error


def test_a_template_broken_before_it_was_ever_good_says_where(tmp_path: Path) -> None:
    content_dir = copy_of_content(tmp_path)
    template = content_dir / WELCOME
    save(template, b"{% if %}\n")
    with pytest.raises(ContentError) as raised:
        text.render(content_dir, "chat/welcome.txt.j2", "en")
    assert str(raised.value).startswith(f"{template}:1: This template has a mistake: ")
