""""Needs help now": the open urgent requests ("Tell my worker now") a worker sees at the top of their
caseload and of the person's page, until someone on the team marks them seen.

Only the kind of help and when it was asked for are kept, never the person's words, so that is all the
console can show. The reads and the marking go through casefile/urgent.py, which checks and audits them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.i18n import long_datetime, short_time
from casefile import urgent
from casefile.clock import LONDON
from journeys.help_now import HelpNow

CASELOAD = "/caseload"
SEEN_DONE = "Marked as seen. It is off the top of the page for everyone on the team."
_PERSON_PAGE = re.compile(r"/people/[0-9]{1,12}")


@dataclass(frozen=True)
class UrgentLine:
    request_id: int
    person_id: int
    ref: str
    preferred_name: str
    kind: str
    help_words: str  # the kind of help, in the words the person tapped (English)
    raised_at: datetime
    when: str  # "Today at 14:05", "Yesterday at 21:40" or the London date and time


def when_words(moment: datetime, now: datetime) -> str:
    """When a request was made, on the London clock, as a worker would say it."""
    day = moment.astimezone(LONDON).date()
    today = now.astimezone(LONDON).date()
    if day == today:
        return f"Today at {short_time(moment, 'en')}"
    if day == today - timedelta(days=1):
        return f"Yesterday at {short_time(moment, 'en')}"
    return long_datetime(moment, "en")


def help_words(kind: str, help_now: HelpNow | None) -> str:
    found = help_now.kinds.get(kind) if help_now is not None else None
    label = found.label.get("en") if found is not None else None
    return label or kind.replace("_", " ").capitalize()


def open_requests(session: Session, worker_id: int, now: datetime, help_now: HelpNow | None, *,
                  person_id: int | None = None) -> tuple[UrgentLine, ...]:
    """The worker's open requests, oldest first (only `person_id`'s when given). Audited by the case file."""
    found = urgent.open_urgent(session, worker_id, now=now)
    return tuple(
        UrgentLine(row.request_id, row.person_id, row.ref, row.preferred_name, row.kind,
                   help_words(row.kind, help_now), row.raised_at, when_words(row.raised_at, now))
        for row in found if person_id is None or row.person_id == person_id
    )


def back_to(target: str) -> str:
    """Where "Mark as seen" returns: the caseload or a person's page, nowhere else."""
    return target if target == CASELOAD or _PERSON_PAGE.fullmatch(target) else CASELOAD
