"""signpost worker book|message, reminders list|cancel and report attendance, against a real database."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from reminder_helpers import NOW, book, make_world, outbox_rows, reminder_policy
from sqlalchemy.orm import Session

from bot.cli import main
from casefile import people, staff
from casefile.actors import PersonActor, StaffActor


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_worker_book_and_message_from_the_shell(db_url: str, session: Session,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    world = make_world(session, number=1)
    other = make_world(session, number=2)
    later = (datetime.now(UTC) + timedelta(days=3)).astimezone().strftime("%Y-%m-%d") + " 10:30"
    status, out, _err = run_cli(capsys, "worker", "book", "--worker", "W-1", "--person", "P-1", "--at", later,
                                "--place", "Lewisham office", "--kind", "probation", "--bring", "Your letter",
                                "--database-url", db_url)
    assert status == 0 and "Booked appointment" in out and out.count("reminder ") == 2
    status, _out, err = run_cli(capsys, "worker", "book", "--worker", "W-1", "--person", "P-2", "--at", later,
                                "--place", "X", "--kind", "probation", "--database-url", db_url)
    assert status == 1 and "not on your caseload" in err
    status, _out, err = run_cli(capsys, "worker", "book", "--worker", "W-1", "--person", "P-1", "--at", "soon",
                                "--place", "X", "--kind", "probation", "--database-url", db_url)
    assert status == 2 and "is not a time" in err

    status, _out, err = run_cli(capsys, "worker", "message", "--worker", "W-1", "--person", "P-1",
                                "Your OASys is due.", "--database-url", db_url)
    assert status == 1 and "OASys" in err and "Not sent" in err
    status, out, _err = run_cli(capsys, "worker", "message", "--worker", "W-1", "--person", "P-1",
                                "See you on Friday at 10.", "--database-url", db_url)
    assert status == 0 and "goes" in out
    status, _out, err = run_cli(capsys, "worker", "message", "--worker", "W-1", "--person", "P-2",
                                "Hello.", "--database-url", db_url)
    assert status == 1 and "not on your caseload" in err
    assert [row.person_id for row in outbox_rows(session, kind="worker_message")] == [world.person_id]
    assert other.person_id != world.person_id


def test_reminders_list_and_cancel(db_url: str, session: Session, capsys: pytest.CaptureFixture[str]) -> None:
    world = make_world(session)
    book(session, world, datetime.now(UTC) + timedelta(days=3), now=datetime.now(UTC))
    status, out, _err = run_cli(capsys, "reminders", "list", "--person", "P-1", "--state", "pending",
                                "--database-url", db_url)
    assert status == 0 and out.count("appointment_reminder") == 2
    first_id = outbox_rows(session, state="pending")[0].id
    status, out, _err = run_cli(capsys, "reminders", "cancel", str(first_id), "--database-url", db_url)
    assert status == 0 and "cancelled" in out
    status, _out, err = run_cli(capsys, "reminders", "cancel", str(first_id), "--database-url", db_url)
    assert status == 1 and "cannot be cancelled" in err
    status, _out, err = run_cli(capsys, "reminders", "cancel", "999999", "--database-url", db_url)
    assert status == 1 and "no reminder" in err


def test_attendance_report_splits_by_confirmation(db_url: str, session: Session,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    world = make_world(session)
    worker = StaffActor(world.worker_id)
    starts = [datetime(2027, 6, 10 + n, 9, 0, tzinfo=UTC) for n in range(3)]
    ids = [book(session, world, start) for start in starts]
    people.respond_to_appointment(session, PersonActor(world.person_id), ids[0], True, None, 1, now=NOW)
    staff.set_appointment_status(session, worker, ids[0], "attended", 2, policy=reminder_policy(), now=starts[0] + timedelta(hours=1))
    staff.set_appointment_status(session, worker, ids[1], "missed", 1, policy=reminder_policy(), now=starts[1] + timedelta(hours=1))
    staff.cancel_appointment(session, worker, ids[2], 1, now=NOW)
    # A missed appointment gets its "Missed it?" follow-up queued.
    assert len(outbox_rows(session, kind="appointment_missed")) == 1
    status, out, _err = run_cli(capsys, "report", "attendance", "--from", "2027-06-01", "--to", "2027-07-01",
                                "--csv", "--database-url", db_url)
    assert status == 0
    rows = {(r["confirmed"]): r for r in csv.DictReader(io.StringIO(out))}
    assert (rows["yes"]["attended"], rows["yes"]["missed"]) == ("1", "0")
    assert (rows["no"]["missed"], rows["no"]["cancelled"], rows["no"]["attended %"]) == ("1", "1", "0")
    status, out, _err = run_cli(capsys, "report", "attendance", "--from", "2027-06-01", "--to", "2027-07-01",
                                "--agency", "PS1", "--database-url", db_url)
    assert status == 0 and "PS1" in out and "attended %" in out
