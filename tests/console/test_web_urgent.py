""""Needs help now" in the console: a person's "Tell my worker now" at the top of the caseload and of
their page, marked seen by anyone on their team (and nobody else), every read and write audited, and
never a word of what the person wrote."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import inspect, select

from casefile import urgent
from casefile.actors import PersonActor
from casefile.models import AuditEvent, Person, UrgentRequest
from console.urgent_panel import back_to, help_words, when_words
from tests.casefile.factories import NOW
from tests.console.console_helpers import Console, csrf, post_form
from tests.journeys.crisis_phrasings import CRISIS

PANEL = 'aria-labelledby="needs-help-now"'


def _raise(console: Console, who: str, kind: str, at: datetime) -> int:
    person_id = console.ids[who]
    with console.sessions() as session:
        return urgent.raise_urgent(session, PersonActor(person_id), person_id, kind, now=at).request_id


def _ref(console: Console, who: str) -> str:
    with console.sessions() as session:
        return session.get_one(Person, console.ids[who]).ref


def _audit(console: Console, action: str) -> list[AuditEvent]:
    with console.sessions() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _open(console: Console) -> list[int]:
    with console.sessions() as session:
        return list(session.scalars(select(UrgentRequest.id).where(UrgentRequest.seen_at.is_(None))))


def test_the_caseload_shows_each_open_request_at_the_very_top_oldest_first(console: Console) -> None:
    sam = console.ids["sam"]
    _raise(console, "sam", "suicide", NOW - timedelta(minutes=30))  # 09:00 in London (summer time)
    _raise(console, "sam", "no_bed", NOW - timedelta(days=1, hours=2))  # yesterday, 07:30 in London
    _raise(console, "sam", "no_food", NOW - timedelta(days=3, hours=2))  # Sunday
    _raise(console, "kim", "medical", NOW - timedelta(minutes=5))  # Cat's, not Lou's
    page = console.as_user("lou@example.org").get("/caseload")
    assert page.status_code == 200
    text = page.text
    assert PANEL in text and 'id="needs-help-now"' in text and "console-urgent" in text
    assert text.index("Needs help now") < text.index("<h1")  # above everything else on the page
    assert "3 requests for help, not seen yet." in text
    panel = text[text.index(PANEL):text.index("<h1")]
    assert "Sunday 6 June 2027, 07:30" in panel and "Yesterday at 07:30" in panel and "Today at 09:00" in panel
    order = [panel.index(words) for words in ("No food or money today", "Nowhere to sleep tonight", "I might hurt myself")]
    assert order == sorted(order), "oldest first"
    assert f'href="/people/{sam}"' in panel and _ref(console, "sam") in panel
    assert "A medical emergency" not in panel and "Kim" not in panel
    assert len(re.findall(r'action="/urgent/\d+/seen"', panel)) == 3
    assert 'name="csrf_token"' in panel and 'name="back" value="/caseload"' in panel
    assert "Their own words are not kept" in panel
    reads = _audit(console, "read.urgent_requests")
    assert [(event.actor_name, event.outcome, event.detail) for event in reads] == [
        (f"staff:{console.ids['lou']}", "ok", "3 open")]


def test_nothing_is_shown_when_there_is_nothing_open(console: Console) -> None:
    page = console.as_user("lou@example.org").get("/caseload")
    assert "Needs help now" not in page.text
    assert "Needs help now" not in console.as_user("lou@example.org").get(f"/people/{console.ids['sam']}").text
    assert _audit(console, "read.urgent_requests") == []  # an empty list is not a read of anything


def test_marking_it_seen_takes_it_off_for_everyone_on_the_team(console: Console) -> None:
    sam = console.ids["sam"]
    request_id = _raise(console, "sam", "no_bed", NOW - timedelta(minutes=10))
    lou, bo = console.as_user("lou@example.org"), console.as_user("bo@example.org")
    assert "Nowhere to sleep tonight" in lou.get("/caseload").text
    assert "Nowhere to sleep tonight" in bo.get("/caseload").text  # on the team, though not the lead
    done = post_form(bo, "/caseload", f"/urgent/{request_id}/seen", {"back": "/caseload"})
    assert done.status_code == 303 and done.headers["location"] == "/caseload?done=urgent_seen"
    after = bo.get(done.headers["location"]).text
    assert "Marked as seen" in after and PANEL not in after
    for browser in (lou, bo):
        assert PANEL not in browser.get("/caseload").text
        assert PANEL not in browser.get(f"/people/{sam}").text
    with console.sessions() as session:
        seen = session.get_one(UrgentRequest, request_id)
        assert seen.seen_by == console.ids["bo"] and seen.seen_at is not None
    writes = _audit(console, "write.urgent_seen")
    assert [(event.actor_name, event.outcome, event.person_id) for event in writes] == [
        (f"staff:{console.ids['bo']}", "ok", sam)]


def test_the_persons_page_shows_it_at_the_top_and_marks_it_seen_from_there(console: Console) -> None:
    sam = console.ids["sam"]
    _raise(console, "kim", "medical", NOW - timedelta(minutes=5))
    request_id = _raise(console, "sam", "violence", NOW - timedelta(minutes=20))
    lou = console.as_user("lou@example.org")
    text = lou.get(f"/people/{sam}").text
    assert PANEL in text and text.index("Needs help now") < text.index("<h1")
    panel = text[text.index(PANEL):text.index("<h1")]
    assert "Sam asked in the chat for their worker to know now" in panel
    assert "I am not safe" in panel and "Today at 09:10" in panel
    assert f'name="back" value="/people/{sam}"' in panel and "Their own words are not kept" in panel
    done = post_form(lou, f"/people/{sam}", f"/urgent/{request_id}/seen", {"back": f"/people/{sam}"})
    assert done.headers["location"] == f"/people/{sam}?done=urgent_seen"
    after = lou.get(done.headers["location"]).text
    assert "Marked as seen" in after and PANEL not in after
    assert len(_open(console)) == 1  # Kim's is still open, for Kim's team
    assert "A medical emergency" in console.as_user("cat@example.org").get("/caseload").text


def test_nobody_off_the_team_can_mark_it_seen_and_the_refusal_is_audited(console: Console) -> None:
    request_id = _raise(console, "sam", "relapse", NOW - timedelta(minutes=10))
    cat = console.as_user("cat@example.org")  # a worker, but not on Sam's team
    assert PANEL not in cat.get("/caseload").text
    refused = post_form(cat, "/caseload", f"/urgent/{request_id}/seen", {"back": "/caseload"})
    assert refused.status_code == 403 and "not on your caseload" in refused.text
    missing = post_form(cat, "/caseload", "/urgent/999999/seen", {"back": "/caseload"})
    assert missing.status_code == 403  # no request looks the same as someone else's: no probing
    assert _open(console) == [request_id]
    denied = _audit(console, "write.urgent_seen")
    assert [(event.actor_name, event.outcome) for event in denied] == [(f"staff:{console.ids['cat']}", "denied")] * 2
    editor = console.as_user("ed@example.org")
    assert post_form(editor, "/content", f"/urgent/{request_id}/seen", {}).status_code == 403  # not a worker
    lou = console.as_user("lou@example.org")
    assert lou.post(f"/urgent/{request_id}/seen", data={"back": "/caseload"}).status_code == 403  # no CSRF token
    assert lou.post("/urgent/sam/seen", data={"csrf_token": csrf(lou.get("/caseload"))}).status_code == 404
    assert _open(console) == [request_id]


def test_the_page_shows_none_of_the_persons_words(console: Console) -> None:
    _raise(console, "sam", "no_bed", NOW - timedelta(minutes=10))
    text = console.as_user("lou@example.org").get("/caseload").text
    assert "Signpost keeps only the kind of help they chose and the time." in text
    for message, _kind in CRISIS:
        if len(message) > 12:  # a short one ("kms") could be part of anything
            assert message not in text
    # Nothing else is kept to show: the request has its kind and times, and no text of the person's.
    assert {column.key for column in inspect(UrgentRequest).columns} == {
        "id", "person_id", "kind", "raised_at", "seen_at", "seen_by"}


def test_going_back_is_only_ever_to_the_caseload_or_a_persons_page(console: Console) -> None:
    request_id = _raise(console, "sam", "overdose", NOW - timedelta(minutes=10))
    lou = console.as_user("lou@example.org")
    done = post_form(lou, "/caseload", f"/urgent/{request_id}/seen", {"back": "https://elsewhere.example/"})
    assert done.status_code == 303 and done.headers["location"] == "/caseload?done=urgent_seen"
    assert back_to("//elsewhere.example") == back_to("/people/1/x") == back_to("") == "/caseload"
    assert back_to("/people/12") == "/people/12"


def test_the_words_for_the_kind_and_the_time() -> None:
    assert help_words("no_bed", None) == "No bed"  # content missing: the key, readable
    winter = datetime(2027, 1, 12, 14, 5, tzinfo=NOW.tzinfo)  # GMT: London is on UTC
    assert when_words(winter, winter + timedelta(hours=9)) == "Today at 14:05"
    assert when_words(winter, winter + timedelta(hours=11)) == "Yesterday at 14:05"
    assert when_words(winter, winter + timedelta(days=2)) == "Tuesday 12 January 2027, 14:05"
