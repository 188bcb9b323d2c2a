"""Forgetting a person: `signpost casefile forget PERSON`.

Signpost is not the record of truth: the prison, probation and the other agencies keep their own
records, and those are what the law needs. So when a person asks to be forgotten (or leaves), Signpost
removes everything it holds about them and keeps only:

- the `people` row with its pseudonymous reference, when it was made and when it was closed
  (every other field is blanked or set back to its default). Keeping the reference means a later
  agency feed cannot quietly fill the file again: rows for a closed file are refused;
- the audit events about them, with their text (`detail`) removed: who did what and when, which
  is how misuse is found later, but nothing that was said or written.

Everything else goes: every row of every table that has a person_id (chat links and link codes,
journey and dates, licence conditions, the team, appointments and their reminders, money, pharmacy,
every case update) and the contact preferences on the person row. A closed file refuses
new codes and every service write, so the chat cannot start again for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, delete, select, update
from sqlalchemy.orm import Session

from casefile import chat_state, sms_consent
from casefile.actors import Actor
from casefile.db import rows_changed
from casefile.errors import InvalidInput, NotFound
from casefile.models import AuditEvent, Base, ChatLink, LinkAttempt, OutboxMessage, Person
from casefile.unit import unit_of_work

FORGOTTEN_NAME = "(forgotten)"



def personal_tables() -> list[Table]:
    """Every table that holds rows about one person (it has a person_id), children before parents.

    Found from the schema, so a table added later (the reminders outbox, say) is forgotten too.
    The audit trail is the one exception: it is kept, emptied of text.
    """
    return [
        table for table in reversed(Base.metadata.sorted_tables)
        if "person_id" in table.c and table.name != AuditEvent.__tablename__
    ]


# The person row after forgetting: only ref, created_at, closed_at and version keep meaning.
_BLANK_PERSON = {
    "preferred_name": FORGOTTEN_NAME,
    "language": "en",
    "discreet": False,
    "paused": True,
    "reminders_on": False,
    "remind_day_before": False,
    "remind_hours_before": 0,
    "voice_notes": False,
    "quiet_from": None,
    "quiet_until": None,
}


@dataclass(frozen=True)
class ForgetReport:
    person_ref: str
    closed_at: datetime
    removed: dict[str, int]  # table name -> rows removed
    audit_events_kept: int

    def summary(self) -> str:
        removed = sum(self.removed.values())
        return (f'The file for "{self.person_ref}" is closed. {removed} records were removed. '
                f"{self.audit_events_kept} audit events were kept, without their text.")


def forget_person(session: Session, actor: Actor, person_ref: str, *, now: datetime | None = None
                  ) -> ForgetReport:
    """Remove all about the person but the bare audit trail, and close the file. Signpost's tools only."""
    ref = (person_ref or "").strip()
    with unit_of_work(session, actor, "write.person.forget", "person", now=now) as unit:
        unit.require_system()
        person = session.scalars(
            select(Person).where(Person.ref == ref).execution_options(populate_existing=True)
        ).first()
        if person is None:
            raise NotFound(f'There is no person with reference "{ref}".')
        if person.closed_at is not None:
            raise InvalidInput(f'The file for "{ref}" was closed already, on {person.closed_at:%Y-%m-%d}.')
        unit.person_id = unit.subject_id = person.id
        chats = session.execute(
            select(ChatLink.channel, ChatLink.chat_id).where(ChatLink.person_id == person.id)
        ).all()
        removed: dict[str, int] = {}
        for table in personal_tables():
            result = session.execute(delete(table).where(table.c.person_id == person.id))
            removed[table.name] = rows_changed(result)
        # Notices to workers about the person (their "can't make it" reason, say) name them only inside
        # the payload; those notices about appointments went with the appointments already.
        notices = session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.person_id.is_(None),
                OutboxMessage.payload["person_id"].as_integer() == person.id,
            )
        )
        outbox = OutboxMessage.__tablename__
        removed[outbox] = removed.get(outbox, 0) + rows_changed(notices)
        # Wrong-code counts, chat state and Listen answers are kept per chat, not per person; the
        # person's own chats need none of them now.
        for channel, chat_id in chats:
            session.execute(
                delete(LinkAttempt).where(LinkAttempt.channel == channel, LinkAttempt.chat_id == chat_id))
            chat_state.forget_chat(session, channel, chat_id)
        sms_consent.forget_person(session, person.id)
        kept = session.execute(
            update(AuditEvent).where(AuditEvent.person_id == person.id).values(detail="")
            .execution_options(synchronize_session=False)
        )
        for name, value in _BLANK_PERSON.items():
            setattr(person, name, value)
        person.closed_at = unit.now
        session.flush()
        unit.detail = ", ".join(f"{table} {count}" for table, count in removed.items() if count)
        session.expire_all()
        return ForgetReport(ref, unit.now, removed, rows_changed(kept))
