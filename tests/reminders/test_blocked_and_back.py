"""A person who blocked the bot and then writes again: their chat is active again and messages resume."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from reminder_helpers import CONTENT, NOW, Clock, Dispatch, book, chat_settings, make_world, outbox_rows
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.core import Conversation
from bot.messages import Incoming
from casefile import linking, records
from casefile.actors import StaffActor
from casefile.models import AuditEvent, ChatLink
from glossary.live import LiveGlossary
from tests.support.telegram_standin import TelegramStandIn

START = datetime(2027, 6, 11, 9, 30, tzinfo=UTC)  # Friday 10:30 in London


def link_active(sessions: sessionmaker[Session], person_id: int) -> bool:
    with sessions() as check:
        return bool(check.scalars(select(ChatLink.active).where(ChatLink.person_id == person_id)).one())


def test_a_blocked_then_returning_person_gets_messages_again(
    session: Session, session_factory: sessionmaker[Session], standin: TelegramStandIn, clock: Clock,
) -> None:
    world = make_world(session)
    book(session, world, START)
    book(session, world, START + timedelta(days=2))
    records.update_pharmacy_plan(
        session, StaffActor(world.worker_id), world.person_id, None, now=NOW, pharmacy_name="Boots",
        open_days=[0, 1, 2, 3, 4, 5, 6], opens_at=time(9, 0), closes_at=time(18, 0),
        pickup_days=[0, 1, 2, 3, 4, 5, 6], pickup_time=time(12, 0), dose_mode="supervised")
    standin.block_chat(world.person_chat, notify=False)
    dispatch = Dispatch(session_factory, standin, clock, plan=True)
    clock.set(START - timedelta(hours=24))  # Thursday 10:30: Friday's day-before reminder
    assert dispatch.once().blocked == 1
    assert not link_active(session_factory, world.person_id)
    assert dispatch.once().sent == 1 and "has blocked Signpost" in (standin.pop(world.worker_chat).text or "")
    # While blocked the planned pick-up reminders are stood down.
    assert {row.state for row in outbox_rows(session, kind="pharmacy_pickup")} == {"cancelled"}

    # They unblock the bot and write to it: the link is active again, and that is audited.
    standin.unblock_chat(world.person_chat)
    conversation = Conversation(CONTENT, session_factory, LiveGlossary(CONTENT), clock=clock, **chat_settings())
    replies = conversation.handle(Incoming("telegram", str(world.person_chat), text="hello"))
    assert replies and "Sorry" not in replies[0].text
    assert link_active(session_factory, world.person_id)
    with session_factory() as check:
        assert check.scalars(select(AuditEvent.action).where(AuditEvent.action == "write.chat_link.active")).one()

    # Reminders flow again: the next appointment's day-before reminder, and the pick-ups, planned again.
    clock.set(START + timedelta(days=1, minutes=30))  # Saturday 11:00: Sunday's reminder, an hour before 12:00
    stats = dispatch.once()
    texts = sorted(message.text or "" for message in [standin.pop(world.person_chat), standin.pop(world.person_chat)])
    assert stats.sent == 2 and stats.blocked == 0
    assert texts[0].startswith("Reminder: appointment tomorrow at 10:30.")
    assert texts[1].startswith("Reminder: pick up from the pharmacy today at 12:00.")


def test_an_active_chat_costs_no_write(session: Session) -> None:
    world = make_world(session)
    owner = linking.chat_owner(session, "telegram", world.person_chat)
    assert owner is not None and owner.active
    assert linking.reactivate_if_needed(session, "telegram", world.person_chat, owner, now=NOW) is False
    session.rollback()
    session.execute(ChatLink.__table__.update().values(active=False))
    session.commit()
    inactive = linking.chat_owner(session, "telegram", world.person_chat)
    assert inactive is not None and not inactive.active
    assert linking.reactivate_if_needed(session, "telegram", world.person_chat, inactive, now=NOW) is True
    assert linking.chat_owner(session, "telegram", world.person_chat).active  # type: ignore[union-attr]
