"""Texts and fragments per month by agency: casefile/text_costs.py, and on the console's outcomes page."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from casefile.models import AuditEvent, OutboxMessage
from casefile.text_costs import texts_by_month
from tests.casefile.factories import make_agency, make_person, make_worker
from tests.console.console_helpers import Console

ONLY_SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def sent_text(session: Session, sent_at: datetime, fragments: int, *, person_id: int | None = None,
              worker_id: int | None = None, notify_id: str | None = "n") -> None:
    """An outbox row as the dispatcher leaves it after Notify took the text (or, without an id, a Telegram one)."""
    session.add(OutboxMessage(
        kind="appointment_reminder" if person_id else "worker_notice", person_id=person_id, worker_id=worker_id,
        due_at=sent_at, sent_at=sent_at, state="sent", attempts=0, body="", payload={}, created_at=sent_at,
        notify_id=f"{notify_id}-{sent_at.isoformat()}-{fragments}" if notify_id else None,
        sms_state="sending" if notify_id else None, sms_fragments=fragments if notify_id else None))
    session.commit()


def test_texts_count_by_london_month_and_the_agency_of_the_lead_or_the_worker(session: Session) -> None:
    probation, housing = make_agency(session, "PS"), make_agency(session, "HOUSE")
    lead, housing_worker = make_worker(session, probation, ref="W-1"), make_worker(session, housing, ref="W-2")
    sam = make_person(session, "Sam", lead=lead)
    sent_text(session, datetime(2027, 5, 31, 23, 30, tzinfo=UTC), 1, person_id=sam.id)  # 00:30 on 1 June in London
    sent_text(session, datetime(2027, 6, 10, 9, 0, tzinfo=UTC), 2, person_id=sam.id)
    sent_text(session, datetime(2027, 6, 11, 9, 0, tzinfo=UTC), 1, worker_id=housing_worker.id)
    sent_text(session, datetime(2027, 5, 20, 9, 0, tzinfo=UTC), 3, person_id=sam.id)
    sent_text(session, datetime(2027, 6, 12, 9, 0, tzinfo=UTC), 1, person_id=sam.id, notify_id=None)  # Telegram
    months = texts_by_month(session, datetime(2027, 5, 1, tzinfo=UTC), datetime(2027, 7, 1, tzinfo=UTC))
    assert [(m.month.isoformat(), m.agency, m.texts, m.fragments) for m in months] == [
        ("2027-05-01", "PS", 1, 3), ("2027-06-01", "HOUSE", 1, 1), ("2027-06-01", "PS", 2, 3)]
    only = texts_by_month(session, datetime(2027, 5, 1, tzinfo=UTC), datetime(2027, 7, 1, tzinfo=UTC), "HOUSE")
    assert [(m.agency, m.texts) for m in only] == [("HOUSE", 1)]


@ONLY_SQLITE
def test_the_outcomes_page_shows_texts_and_fragments_and_downloads_them(console: Console) -> None:
    now = console.client.app.state.ctx.now()
    with console.sessions() as session:
        sent_text(session, now - timedelta(hours=1), 2, person_id=console.ids["sam"])
        sent_text(session, now - timedelta(hours=2), 1, person_id=console.ids["kim"])
    page = console.as_user("ada@example.org").get("/outcomes", params={"weeks": "4"})
    assert page.status_code == 200 and "Texts and fragments by month and agency" in page.text
    download = console.as_user("ada@example.org").get("/outcomes/texts.csv", params={"weeks": "4"})
    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows[0] == ["month", "agency", "texts", "fragments"]
    assert rows[1:] == [[f"{now:%Y-%m}", "PS", "2", "3"]]
    with console.sessions() as session:
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("read.outcomes%"))).all()
    assert actions.count("read.outcomes.texts.download") == 1


@ONLY_SQLITE
def test_a_texts_delivery_receipt_shows_on_the_persons_page(console: Console) -> None:
    from casefile.models import Person
    from tests.casefile.factories import make_appointment

    now = console.client.app.state.ctx.now()
    with console.sessions() as session:
        sam = session.get_one(Person, console.ids["sam"])
        appointment = make_appointment(session, sam, start=now + timedelta(days=3))
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.appointment_id == appointment.id)
                               .order_by(OutboxMessage.due_at)).all()
        rows[0].state, rows[0].sent_at, rows[0].notify_id, rows[0].sms_state = "sent", now, "n-1", "delivered"
        rows[1].state, rows[1].sent_at, rows[1].notify_id, rows[1].sms_state = "sent", now, "n-2", "permanent-failure"
        session.commit()
    page = console.as_user("lou@example.org").get(f"/people/{console.ids['sam']}")
    assert "Text: delivered to their phone" in page.text
    assert "Text: the number cannot get texts" in page.text
