"""What text messages cost a partnership: texts Notify took and their fragments, month by month, by agency.

Notify charges by the fragment (bot/channels/sms_text.py counts them as the dispatcher sends), so
the outcomes report shows both. A text to a person counts for the agency of their lead professional
now; a notice to a worker, for the worker's own agency. Months are London months.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from casefile.clock import LONDON
from casefile.models import Agency, Assignment, OutboxMessage, Worker

NO_AGENCY = "(none)"


@dataclass(frozen=True)
class TextMonth:
    month: date  # the first day of the London month
    agency: str  # the agency's short name
    texts: int
    fragments: int


def texts_by_month(session: Session, start: datetime, end: datetime, agency: str | None = None) -> list[TextMonth]:
    """Texts sent in [start, end), by month and agency (short name `agency` only, if given), oldest first."""
    lead = (select(Assignment.person_id, Worker.agency_id)
            .join(Worker, Worker.id == Assignment.worker_id)
            .where(Assignment.is_lead.is_(True), Assignment.ended_at.is_(None))
            .subquery())
    notified = aliased(Worker)
    query = (
        select(OutboxMessage.sent_at, OutboxMessage.sms_fragments, Agency.short_name)
        .outerjoin(lead, lead.c.person_id == OutboxMessage.person_id)
        .outerjoin(notified, notified.id == OutboxMessage.worker_id)
        .outerjoin(Agency, Agency.id == func.coalesce(lead.c.agency_id, notified.agency_id))
        .where(OutboxMessage.notify_id.is_not(None), OutboxMessage.sent_at >= start, OutboxMessage.sent_at < end)
    )
    if agency:
        query = query.where(Agency.short_name == agency)
    totals: dict[tuple[date, str], list[int]] = {}
    for sent_at, fragments, short_name in session.execute(query):
        assert sent_at is not None  # the query asks for rows sent in the period
        month = sent_at.astimezone(LONDON).date().replace(day=1)
        counts = totals.setdefault((month, short_name or NO_AGENCY), [0, 0])
        counts[0] += 1
        counts[1] += fragments or 0
    return [TextMonth(month, name, texts, fragments) for (month, name), (texts, fragments) in sorted(totals.items())]
