"""The person page's text messages: a worker adds a mobile number (linked only on the person's reply),
and sets where reminders go and whether texts are discreet, as the person asked. Every change audited."""

from __future__ import annotations

from sqlalchemy import select

from casefile import linking
from casefile.models import AuditEvent, ChatLink, Person, SmsNumber
from tests.casefile.factories import NOW
from tests.console.console_helpers import Console, post_form


def test_a_worker_adds_a_mobile_number_and_nothing_is_linked_until_the_person_replies(console: Console) -> None:
    lou = console.as_user("lou@example.org")
    sam = console.ids["sam"]
    page = f"/people/{sam}"
    shown = lou.get(page)
    assert "Text messages" in shown.text and "No mobile number yet." in shown.text
    assert "Discreet texts: <strong>on</strong>" in shown.text  # on by default
    bad = post_form(lou, page, f"{page}/texts/number", {"sms_number": "12345"})
    assert bad.status_code == 400 and "does not look like a mobile number" in bad.text and 'href="#sms_number"' in bad.text
    response = post_form(lou, page, f"{page}/texts/number", {"sms_number": "07700 900123"})
    assert response.status_code == 303
    after = lou.get(response.headers["location"])
    assert "Signpost will text that number a code" in after.text
    assert "Mobile ending 0123: waiting for their reply" in after.text
    with console.sessions() as session:
        row = session.get(SmsNumber, "+447700900123")
        assert row is not None and row.pending_person_id == sam and row.pending_worker_id == console.ids["lou"]
        assert row.pending_code_hash is None, "the code is made by the process that texts it"
        assert session.scalars(select(ChatLink).where(ChatLink.channel == "sms")).all() == []
        audited = session.scalars(select(AuditEvent.action).where(AuditEvent.person_id == sam)).all()
        assert "write.sms.offer_number" in audited


def test_someone_off_the_caseload_cannot_add_a_number(console: Console) -> None:
    cat = console.as_user("cat@example.org")
    kim_page = f"/people/{console.ids['kim']}"
    sam = console.ids["sam"]
    token_page = cat.get(kim_page)
    assert token_page.status_code == 200
    response = post_form(cat, kim_page, f"/people/{sam}/texts/number", {"sms_number": "07700 900123"})
    assert response.status_code in (403, 404)
    with console.sessions() as session:
        assert session.get(SmsNumber, "+447700900123") is None


def test_channel_choice_and_discreet_texts_are_saved_and_shown(console: Console) -> None:
    lou = console.as_user("lou@example.org")
    sam = console.ids["sam"]
    page = f"/people/{sam}"
    response = post_form(lou, page, f"{page}/texts/settings", {"channel_choice": "sms", "sms_discreet": "off"})
    assert response.status_code == 303
    shown = lou.get(response.headers["location"])
    assert "Their text message settings are saved." in shown.text
    assert "Reminders go by: <strong>Text messages only</strong>" in shown.text
    assert "Discreet texts: <strong>off</strong>" in shown.text
    with console.sessions() as session:
        person = session.get(Person, sam)
        assert person is not None and (person.channel_choice, person.sms_discreet) == ("sms", False)
        # Reminders follow the choice: a Telegram chat alone would not get them now.
        session.add(ChatLink(channel="telegram", chat_id="555", person_id=sam, linked_at=NOW, active=True))
        session.commit()
        assert linking.reminder_channels(session, sam) == ()
    wrong = post_form(lou, page, f"{page}/texts/settings", {"channel_choice": "pigeon", "sms_discreet": "on"})
    assert wrong.status_code == 400 and "Choose Telegram, text messages, or both." in wrong.text
