"""What a person's page reads after the file itself: recent appointments, reminders, updates, messages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from bot.settings import REPO_ROOT
from casefile import outbox
from casefile.actors import StaffActor
from console.person_data import load_person_page
from journeys.live import load_journeys
from tests.casefile.factories import (
    NOW,
    POLICY,
    assign,
    link_telegram,
    make_appointment,
    make_person,
    make_worker,
)

JOURNEYS = load_journeys(REPO_ROOT / "content")


def _statements(engine: Engine, work: Any) -> tuple[Any, list[str]]:
    seen: list[str] = []

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(sql)

    event.listen(engine, "before_cursor_execute", statement)
    try:
        return work(), seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)


def test_recent_and_upcoming_appointments_with_their_workers_and_reminders(session: Session) -> None:
    lou = make_worker(session, name="Lou")
    bo = make_worker(session, name="Bo")
    sam = make_person(session, name="Sam", lead=lou)
    link_telegram(session, sam.id)
    assign(session, sam, bo)
    make_appointment(session, sam, lou, start=NOW - timedelta(days=31), place="Too long ago")
    older = make_appointment(session, sam, bo, start=NOW - timedelta(days=10), place="Older")
    newer = make_appointment(session, sam, None, start=NOW - timedelta(days=2), place="Newer")
    going_on = make_appointment(session, sam, lou, start=NOW - timedelta(minutes=20), place="Going on now")
    later = make_appointment(session, sam, bo, start=NOW + timedelta(days=3), place="Later")

    page = load_person_page(session, StaffActor(lou.id), sam.id, NOW.date(), NOW, JOURNEYS)

    assert [(line.view.place, line.worker_id) for line in page.upcoming] == [("Going on now", lou.id),
                                                                             ("Later", bo.id)]
    assert [(line.view.id, line.worker_id) for line in page.recent] == [(newer.id, None), (older.id, bo.id)]
    assert page.recent[0].view.worker_name is None and page.recent[1].view.worker_name == "Bo"
    assert page.upcoming[0].view.id == going_on.id
    # Booked three days ahead, the later one has its reminders planned, soonest first.
    reminders = page.upcoming[1].reminders
    assert reminders and [r.due_at for r in reminders] == sorted(r.due_at for r in reminders)
    assert all(r.due_at < later.starts_at for r in reminders)
    assert page.viewer_is_lead and page.viewer_worker_id == lou.id


def test_messages_name_their_sender_and_updates_say_who(session: Session, engine: Engine) -> None:
    lou = make_worker(session, name="Lou")
    bo = make_worker(session, name="Bo")
    sam = make_person(session, name="Sam", lead=lou)
    link_telegram(session, sam.id)
    assign(session, sam, bo)

    page, seen = _statements(engine, lambda: load_person_page(session, StaffActor(lou.id), sam.id, NOW.date(), NOW,
                                                              JOURNEYS))
    assert page.messages == ()
    assert not any("workers.id IN" in sql or "workers.id, workers.name" in sql for sql in seen)  # nobody to name

    outbox.queue_worker_message(session, StaffActor(bo.id), sam.id, "See you on Tuesday.", policy=POLICY, now=NOW)
    outbox.queue_worker_message(session, StaffActor(lou.id), sam.id, "Bring your letter.", policy=POLICY,
                                now=NOW + timedelta(minutes=1))
    page = load_person_page(session, StaffActor(lou.id), sam.id, NOW.date(), NOW + timedelta(minutes=2), JOURNEYS)
    assert [(m.body, m.from_worker) for m in page.messages] == [("Bring your letter.", "Lou"),
                                                                ("See you on Tuesday.", "Bo")]
    assert page.updates and page.updates[0].at >= page.updates[-1].at
    assert {update.who for update in page.updates} >= {"Signpost"}
