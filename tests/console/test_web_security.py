"""The console's locks: sign-in, roles, other workers' people, CSRF, password guessing, escaping."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from casefile.actors import SystemActor
from casefile.models import AuditEvent, OutboxMessage, SignInFailure
from console import accounts
from console.security import SESSION_COOKIE, SessionCodec, SignInThrottle
from tests.casefile.factories import NOW, link_telegram
from tests.console.console_helpers import (
    PASSWORD,
    SECRET,
    Console,
    csrf,
    make_console,
    post_form,
    shared_glossary,
)

XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def _denials(console: Console, action: str) -> list[AuditEvent]:
    with console.sessions() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action,
                                                             AuditEvent.outcome == "denied")))


def test_no_session_is_sent_to_sign_in(console: Console) -> None:
    browser = console.as_user(None)
    for path in ("/caseload", "/people/1", "/content", "/admin/accounts", "/outcomes", "/"):
        response = browser.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/sign-in?next="), path


def test_a_post_without_a_session_changes_nothing(console: Console) -> None:
    browser = console.as_user(None)
    response = browser.post(f"/people/{console.ids['sam']}/message", data={"text": "Hello", "step": "send"})
    assert response.status_code == 303
    with console.sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_page_outside_ones_role_is_403_and_audited(console: Console) -> None:
    cases = [("ed@example.org", "/caseload"), ("ed@example.org", "/outcomes"), ("ada@example.org", "/content"),
             ("lou@example.org", "/admin/accounts"), ("lou@example.org", "/content/gaps"),
             ("ada@example.org", "/people/1")]
    for email, path in cases:
        response = console.as_user(email).get(path)
        assert response.status_code == 403, (email, path)
        assert "You cannot see this page" in response.text
        assert any(path in event.detail for event in _denials(console, "read.web.denied")), path


def test_another_workers_person_is_403_and_audited(console: Console) -> None:
    cat = console.as_user("cat@example.org")
    response = cat.get(f"/people/{console.ids['sam']}")
    assert response.status_code == 403
    assert "not on your caseload" in response.text
    denied = _denials(console, "read.person_file")
    assert [event.person_id for event in denied] == [console.ids["sam"]]
    assert denied[0].actor_name == f"staff:{console.ids['cat']}"
    # Writing is refused the same way.
    response = post_form(cat, "/caseload", f"/people/{console.ids['sam']}/message", {"text": "Hi", "step": "send"})
    assert response.status_code == 403


@pytest.mark.parametrize("token", [None, "", "not-the-token"])
def test_missing_or_wrong_csrf_token_is_403(console: Console, token: str | None) -> None:
    lou = console.as_user("lou@example.org")
    data = {"text": "See you on Tuesday.", "step": "send"}
    if token is not None:
        data["csrf_token"] = token
    response = lou.post(f"/people/{console.ids['sam']}/message", data=data)
    assert response.status_code == 403
    assert "did not come from Signpost" in response.text
    with console.sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_token_from_another_session_does_not_work(console: Console) -> None:
    other = csrf(console.as_user("bo@example.org").get("/caseload"))
    lou = console.as_user("lou@example.org")
    response = lou.post(f"/people/{console.ids['sam']}/message", data={"text": "Hi", "step": "send",
                                                                        "csrf_token": other})
    assert response.status_code == 403


def test_the_sign_in_form_needs_its_token_too(console: Console) -> None:
    browser = console.as_user(None)
    browser.get("/sign-in")
    response = browser.post("/sign-in", data={"email": "lou@example.org", "password": PASSWORD})
    assert response.status_code == 403


def test_repeated_wrong_passwords_lock_the_account_with_a_plain_message(console: Console) -> None:
    browser = console.as_user(None)
    for _ in range(4):
        response = post_form(browser, "/sign-in", "/sign-in", {"email": "lou@example.org", "password": "wrong one!"})
        assert response.status_code == 400
        assert "email address or password is not right" in response.text
    response = post_form(browser, "/sign-in", "/sign-in", {"email": "lou@example.org", "password": "wrong one!"})
    assert "Too many wrong passwords. Please wait 15 minutes" in response.text
    # Locked: even the right password waits.
    response = post_form(browser, "/sign-in", "/sign-in", {"email": "lou@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert "Too many wrong passwords" in response.text
    assert SESSION_COOKIE in browser.cookies
    assert browser.get("/caseload").status_code == 303


def test_many_failures_from_one_address_are_throttled_but_never_keep_out_a_right_password(console: Console) -> None:
    browser = console.as_user(None)
    for number in range(10):
        post_form(browser, "/sign-in", "/sign-in", {"email": f"nobody{number}@example.org", "password": "guess"})
    response = post_form(browser, "/sign-in", "/sign-in", {"email": "bo@example.org", "password": "wrong again"})
    assert response.status_code == 400
    assert "Too many sign-in tries from this computer" in response.text
    # A whole office behind one address: bo's own right password still works (bo's account is not locked).
    response = post_form(browser, "/sign-in", "/sign-in", {"email": "bo@example.org", "password": PASSWORD})
    assert response.status_code == 303


def test_a_good_sign_in_does_not_wipe_out_the_failures_on_other_accounts(console: Console) -> None:
    browser = console.as_user(None)
    for round_number in range(4):
        for number in range(4):
            post_form(browser, "/sign-in", "/sign-in",
                      {"email": f"nobody{round_number}{number}@example.org", "password": "guess"})
        # The attacker's own account signs in between guesses: before the fix this reset the count.
        assert post_form(TestClient(console.client.app, follow_redirects=False), "/sign-in", "/sign-in",
                         {"email": "bo@example.org", "password": PASSWORD}).status_code == 303
    response = post_form(browser, "/sign-in", "/sign-in", {"email": "nobody99@example.org", "password": "guess"})
    assert "Too many sign-in tries from this computer" in response.text
    with console.sessions() as session:
        assert session.scalar(select(func.count()).select_from(SignInFailure)) >= 16


def test_the_address_limit_is_shared_by_every_console_process_and_keeps_no_address(console: Console) -> None:
    # A second app on the same database stands for a second `signpost web` worker process.
    other_process = make_console(console.engine, console.sessions, console.content_dir, shared_glossary())
    browser = console.as_user(None)
    for number in range(10):
        post_form(browser, "/sign-in", "/sign-in", {"email": f"nobody{number}@example.org", "password": "guess"})
    elsewhere = TestClient(other_process.app, follow_redirects=False)
    response = post_form(elsewhere, "/sign-in", "/sign-in", {"email": "bo@example.org", "password": "not it"})
    assert response.status_code == 400
    assert "Too many sign-in tries from this computer. Please wait 15 minutes" in response.text
    with console.sessions() as session:
        keys = session.scalars(select(SignInFailure.client_key)).all()
    # One key for the address (11 tries), one per email address tried: HMACs, never the addresses.
    assert len(keys) == 22 and len(set(keys)) == 12
    assert all(re.fullmatch("[0-9a-f]{64}", key) for key in keys)
    assert not any("example.org" in key or "testclient" in key for key in keys)


def test_the_address_limit_never_holds_back_a_one_time_link(console: Console) -> None:
    browser = console.as_user(None)
    for number in range(12):
        post_form(browser, "/sign-in", "/sign-in", {"email": f"nobody{number}@example.org", "password": "guess"})
    with console.sessions() as session:
        account = accounts.find_account(session, "bo@example.org")
        assert account is not None
        token = accounts.issue_sign_in_link(session, SystemActor("cli"), account.id, now=NOW)
    response = post_form(browser, f"/sign-in/link?token={token}", "/sign-in/link", {"token": token})
    assert response.status_code == 303 and response.headers["location"] == "/caseload"


def test_an_email_with_no_account_gets_the_same_lock_message_after_the_same_tries(console: Console) -> None:
    answers: dict[str, list[str]] = {}
    for email in ("lou@example.org", "nobody-at-all@example.org"):
        browser = TestClient(console.client.app, follow_redirects=False, client=(f"198.51.100.{len(answers) + 1}", 1))
        answers[email] = []
        for _ in range(accounts.LOCK_AFTER_FAILURES + 1):
            response = post_form(browser, "/sign-in", "/sign-in", {"email": email, "password": "wrong one!"})
            answers[email].append(re.sub(r"\s+", " ", re.search(
                r'govuk-error-message">(.*?)</p>', response.text, re.S).group(1)).strip())
    assert answers["lou@example.org"] == answers["nobody-at-all@example.org"]
    assert "Too many wrong passwords" in answers["lou@example.org"][-1]
    assert "Too many wrong passwords" not in answers["lou@example.org"][accounts.LOCK_AFTER_FAILURES - 2]


def test_the_address_limit_opens_again_as_old_failures_leave_the_window(console: Console) -> None:
    throttle = SignInThrottle(console.sessions, SECRET, limit=3, window_seconds=600)
    address, neighbour = "203.0.113.9", "198.51.100.7"
    for minute in range(4):
        throttle.failed(address, NOW + timedelta(minutes=minute))
    # The newest three failures (minutes 1 to 3) block until the one at minute 1 is ten minutes old.
    assert throttle.blocked_for(address, NOW + timedelta(minutes=5)) == 360
    assert throttle.blocked_for(neighbour, NOW + timedelta(minutes=5)) == 0
    assert throttle.blocked_for(address, NOW + timedelta(minutes=11, seconds=1)) == 0
    throttle.failed(neighbour, NOW + timedelta(minutes=30))  # old failures are deleted as new ones come
    with console.sessions() as session:
        assert session.scalar(select(func.count()).select_from(SignInFailure)) == 1


def _behind_proxy(console: Console, proxy: str, trusted: str) -> TestClient:
    app = make_console(console.engine, console.sessions, console.content_dir, shared_glossary(),
                       SIGNPOST_FORWARDED_ALLOW_IPS=trusted).app
    return TestClient(app, follow_redirects=False, client=(proxy, 443))


def test_client_addresses_come_from_x_forwarded_for_only_through_a_named_proxy(console: Console) -> None:
    proxy = _behind_proxy(console, "10.0.0.5", "10.0.0.5")
    # Ten people in ten places fail once each through the proxy: nobody is throttled.
    for number in range(10):
        post_form(proxy, "/sign-in", "/sign-in", {"email": f"nobody{number}@example.org", "password": "guess"},
                  headers={"X-Forwarded-For": f"203.0.113.{number}"})
    response = post_form(proxy, "/sign-in", "/sign-in", {"email": "bo@example.org", "password": "wrong"},
                         headers={"X-Forwarded-For": "203.0.113.50"})
    assert "Too many sign-in tries" not in response.text
    # Someone not named as a proxy cannot pick a fresh address for each guess.
    stranger = _behind_proxy(console, "192.0.2.66", "10.0.0.5")
    for number in range(10):
        post_form(stranger, "/sign-in", "/sign-in", {"email": f"x{number}@example.org", "password": "guess"},
                  headers={"X-Forwarded-For": f"198.51.100.{number}"})
    response = post_form(stranger, "/sign-in", "/sign-in", {"email": "bo@example.org", "password": "wrong"},
                         headers={"X-Forwarded-For": "198.51.100.99"})
    assert "Too many sign-in tries from this computer" in response.text


def test_https_at_a_named_proxy_gives_a_secure_cookie_and_hsts_on_pages_and_static_files(console: Console) -> None:
    proxied = _behind_proxy(console, "10.0.0.5", "10.0.0.5")
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    page = proxied.get("/sign-in", headers=https)
    assert "secure" in page.headers["set-cookie"].lower()
    assert page.headers["strict-transport-security"].startswith("max-age=31536000")
    static = proxied.get("/static/console.css", headers=https)
    assert static.status_code == 200
    for name in ("strict-transport-security", "x-content-type-options", "referrer-policy", "x-frame-options",
                 "content-security-policy"):
        assert name in static.headers, name
    # The same header from anyone else is not believed.
    stranger = _behind_proxy(console, "192.0.2.66", "10.0.0.5")
    page = stranger.get("/sign-in", headers=https)
    assert "secure" not in page.headers["set-cookie"].lower()
    assert "strict-transport-security" not in page.headers
    assert "strict-transport-security" not in stranger.get("/static/console.css", headers=https).headers


def test_sign_out_ends_the_session_even_for_a_copied_cookie(console: Console) -> None:
    lou = console.as_user("lou@example.org")
    copied = lou.cookies.get(SESSION_COOKIE)
    response = post_form(lou, "/caseload", "/sign-out", {})
    assert "You have signed out" in response.text
    thief = TestClient(console.client.app, follow_redirects=False, cookies={SESSION_COOKIE: copied})
    assert thief.get("/caseload").status_code == 303
    # Signing in again works.
    assert console.as_user("lou@example.org").get("/caseload").status_code == 200


def test_sessions_run_out() -> None:
    codec = SessionCodec(SECRET, idle=1, lifetime=60)
    session = codec.new(7, now=1000.0)
    cookie = codec.dump(session)
    assert codec.load(cookie, now=1000.0) == session
    assert codec.load(cookie, now=1000.0 + 61) is None  # past its lifetime
    assert codec.load(cookie + "x") is None  # tampered
    time.sleep(2.1)
    assert codec.load(cookie, now=1000.0) is None  # idle too long


def test_a_one_time_link_works_once(console: Console) -> None:
    with console.sessions() as session:
        token = accounts.issue_sign_in_link(session, SystemActor("tests"), console.ids["bo@example.org"], now=NOW)
    browser = console.as_user(None)
    page = browser.get(f"/sign-in/link?token={token}")
    assert page.status_code == 200 and "works once" in page.text
    response = browser.post("/sign-in/link", data={"token": token, "csrf_token": csrf(page)})
    assert response.status_code == 303 and response.headers["location"] == "/caseload"
    again = console.as_user(None)
    response = post_form(again, f"/sign-in/link?token={token}", "/sign-in/link", {"token": token})
    assert response.status_code == 400
    assert "has been used or has run out" in response.text


def test_next_never_leaves_the_site(console: Console) -> None:
    browser = console.as_user(None)
    response = post_form(browser, "/sign-in", "/sign-in",
                         {"email": "lou@example.org", "password": PASSWORD, "next": "//evil.example/steal"})
    assert response.headers["location"] == "/caseload"


def test_pages_carry_security_headers(console: Console) -> None:
    response = console.as_user("lou@example.org").get("/caseload")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self' 'nonce-" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["cache-control"] == "no-store"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_html_in_every_worker_text_field_is_escaped(console: Console) -> None:
    lou = console.as_user("lou@example.org")
    sam = console.ids["sam"]
    book = f"/people/{sam}/appointments/new"
    response = post_form(lou, book, book, {
        "date-day": "1", "date-month": "7", "date-year": "2027", "time": "10:30", "minutes": "60",
        "place": XSS, "address": XSS, "kind": "probation", "bring": XSS, "worker": str(console.ids["lou"])})
    assert response.status_code == 303, response.text
    with console.sessions() as session:
        link_telegram(session, sam)
    message = f"/people/{sam}/message"
    checked = post_form(lou, message, message, {"text": XSS, "step": "check"})
    assert ESCAPED in checked.text and XSS not in checked.text
    post_form(lou, message, message, {"text": XSS, "step": "send"})
    page = lou.get(f"/people/{sam}")
    assert page.text.count(ESCAPED) >= 4  # place, address, bring, message
    assert XSS not in page.text
    # A rejected form shows the words back, escaped.
    bad = post_form(lou, book, book, {"place": XSS, "bring": XSS, "time": XSS})
    assert bad.status_code == 400 and ESCAPED in bad.text and XSS not in bad.text
    # Sign-in and account forms too.
    browser = console.as_user(None)
    signed = post_form(browser, "/sign-in", "/sign-in", {"email": XSS, "password": XSS})
    assert XSS not in signed.text and ESCAPED in signed.text
    ada = console.as_user("ada@example.org")
    added = post_form(ada, "/admin/accounts", "/admin/accounts", {"email": XSS, "role": "worker", "worker": XSS})
    assert added.status_code == 400 and XSS not in added.text and ESCAPED in added.text


def test_every_staff_action_is_audited_with_its_client_address_and_session(console: Console) -> None:
    proxied = _behind_proxy(console, "10.0.0.5", "10.0.0.5")
    office = {"X-Forwarded-For": "203.0.113.44"}
    token = csrf(proxied.get("/sign-in", headers=office))
    proxied.post("/sign-in", data={"email": "lou@example.org", "password": PASSWORD, "csrf_token": token},
                 headers=office)
    assert proxied.get(f"/people/{console.ids['sam']}", headers=office).status_code == 200
    ada = console.as_user("ada@example.org")
    assert ada.get("/admin/accounts").status_code == 200
    assert ada.get("/admin/import").status_code == 200
    with console.sessions() as session:
        lou_reads = session.scalars(select(AuditEvent).where(
            AuditEvent.actor_name == f"staff:{console.ids['lou']}", AuditEvent.action.like("read.%"))).all()
        admin_reads = session.scalars(select(AuditEvent).where(AuditEvent.action == "read.web.page")).all()
    assert lou_reads and all(event.client_address == "203.0.113.44" for event in lou_reads)
    assert len({event.session_id for event in lou_reads}) == 1 and lou_reads[0].session_id
    assert [event.detail for event in admin_reads] == ["/admin/accounts", "/admin/import"]
    assert all(event.client_address == "testclient" for event in admin_reads)
    assert admin_reads[0].session_id == admin_reads[1].session_id != lou_reads[0].session_id
    assert re.fullmatch("[0-9a-f]{32}", admin_reads[0].session_id or "")
