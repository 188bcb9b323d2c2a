"""The conversation core, message by message, on a real case file (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.messages import MAX_MESSAGE_LENGTH
from casefile import gaps
from casefile.models import Appointment, CaseUpdate, Worker
from tests.bot.conversation_helpers import SETTINGS, Case, Chat, make_case, make_conversation
from tests.casefile.factories import NOW


@pytest.fixture
def case(session_factory: sessionmaker[Session]) -> Case:
    with session_factory() as session:
        return make_case(session)


@pytest.fixture
def chat(session_factory: sessionmaker[Session]) -> Chat:
    return Chat(make_conversation(session_factory), chat_id="1001")


@pytest.fixture
def linked(chat: Chat, case: Case) -> Chat:
    chat.push("/start")
    chat.push(case.code)
    assert "Your chat is now linked" in chat.text
    return chat


def test_start_welcomes_and_asks_for_a_code(chat: Chat) -> None:
    replies = chat.push("/start")
    assert len(replies) == 1
    assert "I am Signpost" in chat.text
    assert "not an emergency service" in chat.text
    assert "/stop" in chat.text and "/forget" in chat.text
    assert "code" in chat.text
    assert "code" in chat.button_data()


def test_a_good_code_links_the_chat_and_shows_the_menu(linked: Chat) -> None:
    assert "Thank you, Sam" in linked.text
    assert {"m:where", "m:team", "m:appointments", "m:money", "m:pharmacy", "m:meaning"} <= set(linked.button_data())


def test_a_wrong_code_gets_a_kind_message_and_five_lock_the_chat(chat: Chat, case: Case) -> None:
    chat.push("/start")
    for _ in range(4):
        chat.push("ABCD-EFGH")
        assert "did not work" in chat.text
    chat.push("ABCD-EFGH")
    assert "too many wrong codes" in chat.text
    chat.push(case.code)  # even the right code waits out the hour
    assert "too many wrong codes" in chat.text


def test_a_used_code_does_not_link_another_chat(linked: Chat, case: Case, session_factory) -> None:
    other = Chat(linked.conversation, chat_id="2002")
    other.push("/start")
    other.push(case.code)
    assert "did not work" in other.text
    other.press("m:team")
    assert "Alex Morgan" not in other.text


def test_where_am_i_sends_the_picture_and_the_dates(linked: Chat) -> None:
    replies = linked.press("m:where")
    pictures = [reply for reply in replies if reply.photo_png]
    assert len(pictures) == 1
    assert pictures[0].photo_png.startswith(b"\x89PNG\r\n\x1a\n")
    assert "You are here" in pictures[0].text
    text = linked.text
    assert "licence ends on" in text
    assert "in 97 days" in text
    assert "Do not contact the victim in any way." in text


def test_my_team_names_the_lead_and_who_to_ask_first(linked: Chat) -> None:
    linked.press("m:team")
    text = linked.text
    assert "Alex Morgan Sam - your lead professional" in text
    assert "Drug Intervention Programme." in text  # its test short name is no glossary word: not shown
    assert "For housing, more than one person can help. Ask Alex Morgan Sam first." in text


def test_my_appointments_show_time_place_and_answer_buttons(linked: Chat, case: Case) -> None:
    linked.press("m:appointments")
    assert "Lewisham probation office" in linked.text
    assert "Bring: Your licence letter" in linked.text
    assert f"appt:yes:{case.appointment_id}:1" in linked.button_data()


def test_ill_be_there_confirms_the_appointment(linked: Chat, case: Case, session_factory) -> None:
    linked.press("m:appointments")
    linked.press_label("I'll be there")
    assert "you will be there" in linked.text
    with session_factory() as session:
        assert session.get(Appointment, case.appointment_id).status == "confirmed"


def test_cant_make_it_asks_why_and_says_what_happens_next(linked: Chat, case: Case, session_factory) -> None:
    linked.press("m:appointments")
    linked.press_label("I can't make it")
    assert "Why can you not make it?" in linked.text
    linked.press_label("I am ill")
    assert "What happens next" in linked.text
    with session_factory() as session:
        appointment = session.get(Appointment, case.appointment_id)
        assert (appointment.status, appointment.status_reason) == ("cant_make_it", "ill")


def test_money_and_pharmacy_come_from_the_file(linked: Chat) -> None:
    linked.press("m:money")
    assert "money plan" in linked.text.lower()
    linked.press("m:pharmacy")
    assert "High Street Pharmacy" in linked.text


def test_free_text_glossary_question_is_explained(linked: Chat) -> None:
    linked.push("whats a mapa")
    assert "MAPPA" in linked.text
    assert "Multi-Agency Public Protection Arrangements" in linked.text


def test_free_text_menu_question_is_routed(linked: Chat) -> None:
    linked.push("when is my next appointment?")
    assert "Lewisham probation office" in linked.text


def test_an_unknown_word_is_noted_without_the_message(linked: Chat, session_factory) -> None:
    linked.push("what does zorblax mean")
    assert "noted" in linked.text
    assert "lead:" not in linked.text
    with session_factory() as session:
        assert gaps.top_unknown_terms(session, 5) == [("zorblax", 1)]


def test_tell_my_lead_adds_a_note_for_the_lead(linked: Chat, case: Case, session_factory) -> None:
    linked.push("what does zorblax mean")
    linked.press("tell:lead")
    assert "I have told Alex Morgan Sam" in linked.text
    with session_factory() as session:
        notes = session.scalars(select(CaseUpdate).where(CaseUpdate.kind == "question")).all()
        assert [n.summary for n in notes] == [
            'Asked Signpost what "zorblax" means. Signpost could not explain it yet: please explain it.'
        ]


def test_listen_speaks_the_answer_it_is_under(linked: Chat) -> None:
    linked.push("what is a licence")
    answer = linked.text
    listen = next(d for d in linked.button_data() if d.startswith("listen:"))
    replies = linked.press(listen)
    assert replies[0].voice_text == answer


def test_forged_buttons_do_nothing(linked: Chat, session_factory) -> None:
    for data in ("listen:forged", "appt:yes:999999:1", "appt:yes:abc", "m:nothing", "lang:xx", "x" * 60):
        linked.press(data)
        assert "that button is old" in linked.text


def test_person_a_cannot_answer_person_b_appointment(linked: Chat, session_factory) -> None:
    with session_factory() as session:
        other = make_case(session, name="Robin")
    linked.press(f"appt:yes:{other.appointment_id}:1")
    assert "that button is old" in linked.text
    linked.press(f"appt:why:ill:{other.appointment_id}:1")
    with session_factory() as session:
        assert session.get(Appointment, other.appointment_id).status == "booked"


def test_updates_are_shown_once(linked: Chat, case: Case, session_factory) -> None:
    from casefile import staff
    from casefile.actors import StaffActor

    with session_factory() as session:
        staff.move_appointment(session, StaffActor(case.lead.id), case.appointment_id,
                               NOW + timedelta(days=2), 1, policy=SETTINGS.reminder_policy, now=NOW)
    linked.press("m:appointments")
    assert "What is new in your file" in linked.text
    linked.press("m:appointments")
    assert "What is new in your file" not in linked.text


def test_stop_and_start_pause_and_resume(linked: Chat, session_factory, case: Case) -> None:
    from casefile.models import Person

    linked.push("/stop")
    assert "I will not send you any more messages" in linked.text
    with session_factory() as session:
        assert session.get(Person, case.person.id).paused is True
    linked.push("/start")
    assert "Welcome back" in linked.text
    with session_factory() as session:
        assert session.get(Person, case.person.id).paused is False


def test_forget_needs_a_confirmation_then_unlinks(linked: Chat) -> None:
    linked.push("/forget")
    linked.press("forget:no")
    linked.press("m:team")
    assert "Alex Morgan" in linked.text
    linked.push("/forget")
    linked.press("forget:yes")
    assert "I have unlinked this chat" in linked.text
    linked.press("m:team")
    assert "Alex Morgan" not in linked.text


def test_discreet_mode_toggles(linked: Chat) -> None:
    linked.push("/discreet")
    assert "Discreet mode is on" in linked.text
    linked.press("discreet:off")
    assert "Discreet mode is off" in linked.text


def test_without_a_code_the_glossary_and_general_journey_still_work(chat: Chat) -> None:
    chat.push("what is HDC")
    assert "Home detention curfew" in chat.text or "home detention curfew" in chat.text.lower()
    chat.press("m:where")
    assert "usual steps" in chat.text
    chat.press("m:money")
    assert "If you left prison today" in chat.text
    chat.press("m:appointments")
    assert "send me the code" in chat.text.lower()


def test_a_long_letter_is_split_within_the_limit(linked: Chat) -> None:
    letter = " ".join(["You must attend your OASys review with your probation officer and MAPPA panel."] * 200)
    replies = linked.push(letter)
    assert replies and all(len(reply.text) <= MAX_MESSAGE_LENGTH for reply in replies)
    assert "OASys" in linked.text and "MAPPA" in linked.text


def test_language_choice_is_kept_in_the_file(linked: Chat, case: Case, session_factory) -> None:
    from casefile.models import Person

    linked.press("lang:cy")
    with session_factory() as session:
        assert session.get(Person, case.person.id).language == "cy"


def test_help_keeps_one_line_per_button(chat: Chat) -> None:
    chat.press("m:help")
    lines = chat.text.splitlines()
    assert "My team: who your workers are and how to reach them." in lines
    assert "Pharmacy: when to pick up your medicine." in lines


def test_i_cant_make_it_typed_after_ill_be_there_changes_the_answer(linked: Chat, case: Case, session_factory) -> None:
    linked.press(f"appt:yes:{case.appointment_id}:1")
    assert "Thank you" in linked.text
    linked.push("sorry i cant make it now")
    assert "m:menu" not in linked.button_data() and any(d.startswith("appt:why:") for d in linked.button_data())
    reason = next(d for d in linked.button_data() if d.startswith("appt:why:ill:"))
    linked.press(reason)
    assert "Your worker decides if it is OK to miss it" in linked.text
    with session_factory() as session:
        assert session.get(Appointment, case.appointment_id).status == "cant_make_it"


def test_words_at_the_code_prompt_are_messages_not_wrong_tries(chat: Chat, case: Case) -> None:
    chat.press("code")
    for word in ("hello", "thanks", "licence", "please", "recall", "goodbye"):
        chat.push(word)
        assert "did not work" not in chat.text and "too many wrong codes" not in chat.text
        chat.press("code")
    chat.push(case.code)
    assert "Your chat is now linked" in chat.text


def test_my_team_on_a_sunday_says_nobody_is_working_and_who_to_call(session_factory, case: Case) -> None:
    sunday = datetime(2027, 6, 13, 11, 0, tzinfo=UTC)  # the lead works Monday to Friday, 9am to 5pm
    chat = Chat(make_conversation(session_factory, sunday), "sunday")
    chat.push(case.code)
    chat.press("m:team")
    # The drug worker's hours ("Monday to Thursday") say no times, so nobody can tell: nothing is claimed.
    assert "Nobody on your team is working right now" not in chat.text
    with session_factory() as session:
        worker = session.get(Worker, case.drugs_worker.id)
        worker.hours = "Monday to Thursday, 10am to 4pm"
        session.commit()
    chat.press("m:team")
    assert f"Nobody on your team is working right now. {case.lead.name} is back on Monday 14 June 2027, 09:00." in chat.text
    assert "116 123" in chat.text and "m:help_now" in chat.button_data()
    weekday = Chat(make_conversation(session_factory, datetime(2027, 6, 14, 9, 30, tzinfo=UTC)), "sunday")
    weekday.press("m:team")
    assert "Nobody on your team is working" not in weekday.text


def test_where_is_it_gives_the_place_and_the_address_apart(linked: Chat, case: Case) -> None:
    linked.press(f"appt:where:{case.appointment_id}:1")
    assert "Place: Lewisham probation office\nAddress: 1 High Street, London SE13 0AA" in linked.text
