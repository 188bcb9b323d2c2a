"""Reminders under broken content: a template or catalog an editor broke never cancels a reminder.

Before, any error while wording a reminder marked it cancelled: a reminder template broken for six seconds
lost every due reminder, and one bad byte in the Welsh catalog lost every Welsh reminder. Now the last good
template and catalog word it; with none, it is tried again later; and only if it still cannot be worded at
its appointment time is the lead professional told, once. Each test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from reminder_helpers import NOW, Clock, Dispatch, book, drain, due_now_in_bulk, make_world, outbox_rows
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from test_crash_and_concurrency import sent_count, start_dispatcher, stop, wait_until

from bot import i18n
from casefile import records
from casefile.actors import StaffActor
from casefile.models import CaseUpdate
from tests.bot.wording_helpers import (
    CATALOG_RECHECK,
    WELSH,
    break_appointment_template,
    copy_of_content,
    one_bad_byte,
    save,
)
from tests.support.telegram_standin import TelegramStandIn

START = datetime(2027, 6, 11, 9, 30, tzinfo=UTC)  # Friday 10:30 in London
BROKEN_FOR_SECONDS = 4.0
AFTER_BREAK = 10


def test_a_reminder_template_broken_for_seconds_while_the_dispatcher_runs_loses_nothing(
    db_url: str, session: Session, session_factory: sessionmaker[Session], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SIGNPOST_REMINDER_OFFSETS", "90m")
    monkeypatch.setenv("SIGNPOST_QUIET_HOURS", "00:00-00:00")  # equal edges: no quiet hours on the real clock
    content_dir = copy_of_content(tmp_path)
    due_now_in_bulk(session, people=1, per_person=1, real_now=datetime.now(UTC), first_chat=810_000)
    with TelegramStandIn() as standin:
        # A real `signpost reminders run`, on the real clock, reading the test's own content folder.
        process = start_dispatcher(db_url, standin, "wording", content_dir=content_dir)
        try:
            wait_until(lambda: sent_count(session_factory) == 1, 60, "the first reminder (the dispatcher is up)")
            template, good = break_appointment_template(content_dir)
            broken_at = time.monotonic()
            due_now_in_bulk(session, people=AFTER_BREAK, per_person=1, real_now=datetime.now(UTC),
                            first_chat=820_000)
            wait_until(lambda: sent_count(session_factory) == 1 + AFTER_BREAK, 30,
                       "every reminder due while the template is broken to be sent")
            assert time.monotonic() - broken_at < BROKEN_FOR_SECONDS + 30
            time.sleep(max(0.0, BROKEN_FOR_SECONDS - (time.monotonic() - broken_at)))
            save(template, good)
        finally:
            log = stop(process)
        texts = [message.text or "" for message in standin.sent]
    rows = outbox_rows(session, kind="appointment_reminder")
    assert [row.state for row in rows] == ["sent"] * (1 + AFTER_BREAK)  # none cancelled
    assert len(texts) == 1 + AFTER_BREAK
    # The last good wording, the one the template had before it broke.
    assert all(words.startswith("Reminder: appointment today at ") and "Can you come?" in words for words in texts)
    broken_line = f"{template}:10: This template has a mistake: Encountered unknown tag 'endfi'"
    assert log.count(broken_line) == 1, log  # one plain line for the change, naming the file and line
    assert "The last good version is still used." in log
    assert "Traceback" not in log


def test_one_bad_byte_in_the_welsh_catalog_still_sends_welsh_reminders(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, clock: Clock,
    tmp_path: Path,
) -> None:
    content_dir = copy_of_content(tmp_path)
    world = make_world(session, language="cy")
    book(session, world, START)
    welsh = i18n.translations(content_dir / "locale", "cy").gettext  # read, as by a dispatcher already running
    tomorrow, today = (welsh(f"Reminder: appointment {when} at %(time)s.") % {"time": "10:30"}
                       for when in ("tomorrow", "today"))
    assert not tomorrow.startswith("Reminder")

    one_bad_byte(content_dir / WELSH, b'msgstr "Helo.')
    time.sleep(CATALOG_RECHECK)
    dispatch = Dispatch(session_factory, standin, clock, content=content_dir)
    clock.set(START - timedelta(hours=24))
    assert dispatch.once().sent == 1
    assert (standin.pop(world.person_chat).text or "").startswith(tomorrow)
    clock.set(START - timedelta(hours=2))
    assert dispatch.once().sent == 1
    assert (standin.pop(world.person_chat).text or "").startswith(today)
    assert {row.state for row in outbox_rows(session, kind="appointment_reminder")} == {"sent"}


def test_a_welsh_catalog_broken_before_it_was_ever_read_sends_the_reminder_in_english(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, clock: Clock,
    tmp_path: Path,
) -> None:
    content_dir = copy_of_content(tmp_path)
    one_bad_byte(content_dir / WELSH, b'msgstr "Helo.')
    world = make_world(session, language="cy")
    book(session, world, START)
    clock.set(START - timedelta(hours=24))
    assert Dispatch(session_factory, standin, clock, content=content_dir).once().sent == 1
    assert (standin.pop(world.person_chat).text or "").startswith("Reminder: appointment tomorrow at 10:30.")


def test_a_reminder_that_cannot_be_worded_is_tried_again_and_sent_once_the_template_is_fixed(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, clock: Clock,
    tmp_path: Path,
) -> None:
    content_dir = copy_of_content(tmp_path)
    template, good = break_appointment_template(content_dir)  # before it was ever read: no last good version
    world = make_world(session)
    book(session, world, START)
    dispatch = Dispatch(session_factory, standin, clock, content=content_dir)
    clock.set(START - timedelta(hours=24))
    stats = dispatch.once()
    assert (stats.sent, stats.cancelled, stats.retried) == (0, 0, 1)
    [row, later] = outbox_rows(session, kind="appointment_reminder")
    assert (row.state, row.attempts, row.due_at) == ("pending", 0, clock.now + timedelta(seconds=30))
    assert (row.last_error or "").startswith(f"could not word it: {template}:10: This template has a mistake: ")
    assert row.payload["wording_failures"] == 1
    standin.assert_nothing_sent(world.person_chat, within=0.05)
    assert dispatch.once().claimed == 0  # not before its wait

    save(template, good)
    clock.advance(seconds=30)
    assert dispatch.once().sent == 1
    assert (standin.pop(world.person_chat).text or "").startswith("Reminder: appointment tomorrow at 10:30.")
    assert [r.state for r in outbox_rows(session, kind="appointment_reminder")] == ["sent", "pending"]


def test_a_wording_failure_that_lasts_past_the_appointment_time_tells_the_lead_once(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, clock: Clock,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SIGNPOST_REMINDER_OFFSETS", "120m")
    content_dir = copy_of_content(tmp_path)
    template, _good = break_appointment_template(content_dir)
    world = make_world(session)
    start = NOW + timedelta(hours=4)
    book(session, world, start)
    dispatch = Dispatch(session_factory, standin, clock, content=content_dir)

    clock.set(start - timedelta(hours=2))
    assert dispatch.once().retried == 1
    clock.set(start - timedelta(minutes=1))
    assert dispatch.once().retried == 1
    [row] = outbox_rows(session, kind="appointment_reminder")
    assert row.state == "pending" and row.due_at == start  # one last look at its time, never later
    assert dispatch.once().claimed == 0 and not standin.sent  # the lead is not told while there is time

    clock.set(start)
    assert dispatch.once().failed == 1
    [row] = outbox_rows(session, kind="appointment_reminder")
    assert row.state == "failed" and row.payload["wording_failures"] == 2
    for _ in range(3):
        dispatch.once()
        clock.advance(minutes=20)
    to_lead = [message.text or "" for message in standin.sent if str(message.chat_id) == str(world.worker_chat)]
    assert to_lead == ["A message to Sam 1 (P-1) could not be sent after 2 tries.\nPlease contact them another way."]
    standin.assert_nothing_sent(world.person_chat, within=0.05)
    with session_factory() as check:
        [summary] = check.scalars(select(CaseUpdate.summary).where(CaseUpdate.kind == "reminder.failed")).all()
    assert summary.startswith(f"A message was not sent: Signpost tried 2 times to write it, but a content file has a "
                              f"mistake ({template}:10: This template has a mistake: ")


def test_a_planned_message_that_cannot_be_worded_keeps_its_wait_through_sweeps_and_tells_the_lead_once(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, clock: Clock,
    tmp_path: Path,
) -> None:
    content_dir = copy_of_content(tmp_path)
    template = content_dir / "templates/reminders/release_day.txt.j2"
    save(template, template.read_bytes() + b"\n{% if %}\n")  # broken before it was ever read
    world = make_world(session)
    release = date(2027, 6, 11)
    records.update_journey(session, StaffActor(world.worker_id), world.person_id, None, now=NOW,
                           stage="in_prison", release_date=release)
    dispatch = Dispatch(session_factory, standin, clock, plan=True, content=content_dir)
    clock.set(datetime(2027, 6, 11, 7, 0, tzinfo=UTC))  # 08:00 in London on release day
    assert dispatch.once().retried == 1
    [row] = outbox_rows(session, kind="release_day")
    assert (row.state, row.due_at, row.payload["wording_failures"]) == ("pending", clock.now + timedelta(seconds=30), 1)

    clock.advance(seconds=10)
    dispatch.once()  # a planning sweep first: it must not cut the wait short or forget the count
    [row] = outbox_rows(session, kind="release_day")
    assert (row.state, row.due_at, row.payload["wording_failures"]) == ("pending", clock.now + timedelta(seconds=20), 1)

    clock.set(datetime(2027, 6, 11, 17, 30, tzinfo=UTC))  # 18:30: too late for a release-day message
    dispatch.once()
    dispatch.once()  # the notice to the lead
    [row] = outbox_rows(session, kind="release_day")
    assert row.state == "failed"
    assert [message.text or "" for message in drain(standin)] == [
        "A message to Sam 1 (P-1) could not be sent after 1 tries.\nPlease contact them another way."]
    clock.advance(minutes=20)
    dispatch.once()
    assert drain(standin) == []
