"""Help now through the conversation core: crisis first in every state of the chat and every language,
nothing of the message kept, places open now on the London clock, and Tell my worker now reaching the lead."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from conversation_helpers import CONTENT, Case, Chat, make_case, make_conversation, shared_journeys
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.reminders.compose import Composer
from bot.services_yaml import read_services_yaml
from casefile import linking, services
from casefile.models import CaseUpdate, OutboxMessage, SavedChatState, UnknownTerm, UrgentRequest
from tests.casefile.factories import NOW, SYSTEM
from tests.journeys.crisis_phrasings import CRISIS
from tests.reminders.reminder_helpers import make_world

DEMO_SERVICES = CONTENT / "services" / "lewisham-demo.yaml"
FRIDAY_EVENING = datetime(2027, 6, 4, 18, 30, tzinfo=UTC)  # 19:30 in London (summer time)
SUNDAY_MORNING = datetime(2027, 6, 6, 10, 0, tzinfo=UTC)  # 11:00 in London


def help_now():
    return shared_journeys().current().help_now


def assert_crisis_first(chat: Chat, kind: str, language: str, text: str, *, only: bool = True) -> None:
    first = chat.last[0]
    said = help_now().kinds[kind].say[language]
    assert first.text.startswith(said), f"{text!r} got {first.text[:80]!r}"
    data = [button.data for row in first.buttons for button in row]
    assert f"h:tell:{kind}" in data and "m:menu" in data, text
    if only:
        assert len(chat.last) == 1, text


def nothing_kept(session_factory: sessionmaker[Session], texts: list[str]) -> None:
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(UnknownTerm)) == 0
        kept = " ".join(session.scalars(select(SavedChatState.data)).all()).casefold()
        notes = " ".join(session.scalars(select(CaseUpdate.summary)).all()).casefold()
    for text in texts:
        assert text.casefold() not in kept and text.casefold() not in notes


def linked_chat(session_factory: sessionmaker[Session], case: Case, chat_id: str, now: datetime | None = None
                ) -> Chat:
    chat = Chat(make_conversation(session_factory, now) if now else make_conversation(session_factory), chat_id)
    chat.push(case.code)
    assert "linked" in chat.text
    return chat


@pytest.fixture
def case(session: Session) -> Case:
    return make_case(session)


def test_every_crisis_phrasing_comes_first_in_an_unlinked_chat(session_factory: sessionmaker[Session]) -> None:
    for number, (text, kind) in enumerate(CRISIS):
        chat = Chat(make_conversation(session_factory), f"unlinked-{number}")
        chat.push(text)
        assert_crisis_first(chat, kind, "en", text)
    nothing_kept(session_factory, [text for text, _kind in CRISIS])


def test_at_the_code_prompt_a_crisis_comes_first_and_costs_no_try(session_factory: sessionmaker[Session]) -> None:
    for number, (text, kind) in enumerate(CRISIS):
        chat = Chat(make_conversation(session_factory), f"code-{number}")
        chat.press("code")
        chat.push(text)
        assert_crisis_first(chat, kind, "en", text)
    with session_factory() as session:
        assert linking.LinkAttempt.__tablename__  # the table exists...
        assert session.scalar(select(func.count()).select_from(linking.LinkAttempt)) == 0  # ...and is empty


@pytest.mark.parametrize(("language", "discreet"), [("en", False), ("en", True), ("cy", False), ("pl", True)])
def test_in_a_linked_chat_in_every_language_and_discreet_mode(
    session: Session, session_factory: sessionmaker[Session], case: Case, language: str, discreet: bool,
) -> None:
    chat = linked_chat(session_factory, case, "linked")
    chat.press(f"lang:{language}")
    if discreet:
        chat.press("discreet:on")
    for text, kind in CRISIS:
        chat.push(text)
        assert_crisis_first(chat, kind, language, text)
    nothing_kept(session_factory, [text for text, _kind in CRISIS])


def test_in_a_key_workers_guided_booking_the_crisis_comes_first_and_the_flow_goes_on(
    session: Session, session_factory: sessionmaker[Session],
) -> None:
    world = make_world(session)
    chat = Chat(make_conversation(session_factory), str(world.worker_chat))
    chat.push("/book")
    chat.press_label("Sam 1 (P-1)")
    chat.press("w:d:20270611")
    chat.press_label("10:30")
    chat.press_label("1 hour")
    chat.push("my mate isnt breathing")
    assert_crisis_first(chat, "overdose", "en", "worker", only=False)
    assert "What is the address?" in chat.text  # the typed place was taken, the booking goes on


def test_a_maybe_gets_a_gentle_line_then_its_normal_answer(session_factory: sessionmaker[Session]) -> None:
    chat = Chat(make_conversation(session_factory), "maybe")
    chat.push("am i homeless if i stay on sofas")
    assert chat.last[0].text == help_now().word("gentle", "en")
    assert "m:help_now" in [button.data for row in chat.last[0].buttons for button in row]
    assert len(chat.last) >= 2


def test_the_menus_help_now_lists_each_kind_and_999_first(session_factory: sessionmaker[Session]) -> None:
    chat = Chat(make_conversation(session_factory), "menu")
    chat.push("/menu")
    assert chat.button_data()[0] == "m:help_now"
    chat.press("m:help_now")
    assert "call 999 now" in chat.text and "116 123" in chat.text
    assert {f"h:k:{kind}" for kind in help_now().kinds} <= set(chat.button_data())
    chat.press("h:k:no_bed")
    assert "StreetLink" in chat.text and "0300 500 0914" in chat.text


@pytest.mark.parametrize(("now", "desk"), [(FRIDAY_EVENING, "Opens Monday at 09:00"),
                                           (SUNDAY_MORNING, "Opens tomorrow at 09:00")])
def test_places_open_now_on_a_friday_evening_and_a_sunday(
    session: Session, session_factory: sessionmaker[Session], now: datetime, desk: str,
) -> None:
    services.replace_directory(session, SYSTEM, read_services_yaml(DEMO_SERVICES))
    session.commit()
    chat = Chat(make_conversation(session_factory, now), "places")
    chat.push("i have nowhere to sleep tonight")
    chat.press("h:open:no_bed")
    assert "Open now:\n- Out-of-hours Housing Line (demo): Open now, all day and night. Call 020 7946 0102." in chat.text
    assert f"Housing Options Desk (demo): {desk}." in chat.text  # shut till Monday, said plainly


def test_when_nothing_local_is_open_the_national_lines_are_given(
    session: Session, session_factory: sessionmaker[Session],
) -> None:
    services.replace_directory(session, SYSTEM, read_services_yaml(DEMO_SERVICES))
    session.commit()
    chat = Chat(make_conversation(session_factory, SUNDAY_MORNING), "food")
    chat.push("i have no food")
    chat.press("h:open:no_food")
    # Nothing local is open on a Sunday morning: the lines open day and night, not the weekday helplines.
    assert help_now().word("nothing_open", "en") in chat.text and "116 123" in chat.text
    assert "0800 328 5644" not in chat.text
    assert "Opens tomorrow at 18:00" in chat.text


def test_tell_my_worker_now_asks_first_then_tells_the_lead_without_the_words(
    session: Session, session_factory: sessionmaker[Session], case: Case,
) -> None:
    chat = linked_chat(session_factory, case, "tell")
    chat.push("i cant go on any more, i want to end it all")
    chat.press("h:tell:suicide")
    assert case.lead.name in chat.text and "999" in chat.text  # honest: who sees it, and not an emergency line
    with session_factory() as check:
        assert check.scalar(select(func.count()).select_from(UrgentRequest)) == 0  # nothing before the yes
    chat.press("h:yes:suicide")
    assert f"I have told {case.lead.name}" in chat.text
    with session_factory() as check:
        request = check.scalars(select(UrgentRequest)).one()
        assert (request.person_id, request.kind, request.seen_at) == (case.person.id, "suicide", None)
        notice = check.scalars(select(OutboxMessage).where(OutboxMessage.kind == "worker_notice")).one()
        assert notice.worker_id == case.lead.id and notice.payload["event"] == "urgent_help"
        assert notice.due_at == NOW  # at once, whatever the hour
        assert "end it all" not in str(notice.payload)
    message = Composer(CONTENT, shared_journeys()).worker_urgent(case.person.preferred_name, case.person.ref,
                                                                  "suicide")
    assert message.text.startswith("URGENT: Sam") and "i might hurt myself" in message.text
    assert "end it all" not in message.text


def test_tell_my_worker_now_in_an_unlinked_chat_says_what_to_do_instead(session_factory: sessionmaker[Session]) -> None:
    chat = Chat(make_conversation(session_factory), "unlinked-tell")
    chat.push("im homeless")
    chat.press("h:tell:no_bed")
    assert help_now().word("not_linked", "en") in chat.text


def test_a_crisis_in_a_sentence_nobody_can_answer_is_never_offered_to_the_editors(
    session_factory: sessionmaker[Session],
) -> None:
    chat = Chat(make_conversation(session_factory), "never-sent")
    chat.push("everything feels hopeless and I do not know who to ask about my licence stuff")
    assert "ask:yes" not in chat.button_data()
    nothing_kept(session_factory, ["hopeless"])


def test_help_now_content_is_shipped_for_a_content_folder_without_it(tmp_path: Path) -> None:
    from journeys.help_now import read_help_now

    loaded, findings = read_help_now(tmp_path)
    assert loaded is not None and findings == []


def test_a_card_with_places_says_what_is_open_now(session: Session, session_factory: sessionmaker[Session]) -> None:
    services.replace_directory(session, SYSTEM, read_services_yaml(DEMO_SERVICES))
    session.commit()
    chat = Chat(make_conversation(session_factory, FRIDAY_EVENING), "card-places")
    chat.press("q:food-bank")
    assert help_now().word("opens_later", "en") in chat.text or help_now().word("open_now", "en") in chat.text
    assert "Catford Community Larder (demo)" in chat.text
