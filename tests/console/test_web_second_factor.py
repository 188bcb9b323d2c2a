"""The staff second factor (TOTP): set up on the account page, asked for after the password or a sign-in link,
each code once, wrong codes counted toward the sign-in limits, required for admins, reset by another admin.
Codes are computed here with pyotp, as a phone's authenticator app would."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from sqlalchemy import select

from casefile.actors import SystemActor
from casefile.models import AuditEvent, StaffAccount
from console import accounts
from tests.casefile.factories import NOW
from tests.console.console_helpers import FAST_HASHER, PASSWORD, Console, csrf, post_form

ONLY_SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
SET_UP = "/account/second-factor"


def _now(console: Console) -> Any:
    return console.client.app.state.ctx.now()  # type: ignore[attr-defined]


def _set_up(console: Console, browser: Any) -> tuple[pyotp.TOTP, str]:
    """Read the key off the set-up page and confirm it with the app's first code (returned, with the app)."""
    page = browser.get(SET_UP)
    assert page.status_code == 200
    found = re.search(r'id="secret">([A-Z2-7 ]+)</strong>', page.text)
    assert found, page.text
    totp = pyotp.TOTP(found.group(1).replace(" ", ""))
    first = totp.at(_now(console))
    done = browser.post(SET_UP, data={"code": first, "csrf_token": csrf(page)})
    assert done.status_code == 303 and done.headers["location"] == f"{SET_UP}?done=1", done.text
    return totp, first


def _password(console: Console, email: str) -> tuple[Any, Any]:
    browser = console.as_user(None)
    return browser, post_form(browser, "/sign-in", "/sign-in", {"email": email, "password": PASSWORD})


def _code(browser: Any, code: str) -> Any:
    return post_form(browser, "/sign-in/code", "/sign-in/code", {"code": code, "next": "/caseload"})


def _audit(console: Console, action: str) -> list[tuple[str, str, int | None]]:
    with console.sessions() as session:
        return [(row.actor_name, row.outcome, row.subject_id) for row in session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))]


@ONLY_SQLITE
def test_a_worker_sets_up_a_second_factor_then_signs_in_with_a_code_that_works_once(console: Console) -> None:
    lou_id, account_id = console.ids["lou"], console.ids["lou@example.org"]
    lou = console.as_user("lou@example.org")
    page = lou.get(SET_UP)
    assert "<svg" in page.text and 'id="qr-title"' in page.text  # the QR code, drawn inline
    assert "otpauth://totp/Signpost:lou%40example.org?secret=" in page.text and "issuer=Signpost" in page.text
    secret = re.search(r'id="secret">([A-Z2-7 ]+)</strong>', page.text).group(1)  # type: ignore[union-attr]
    assert lou.get(SET_UP).text.count(secret) == 1  # the same key on a reload, not a new one each time
    wrong = post_form(lou, SET_UP, SET_UP, {"code": "123456"})
    assert wrong.status_code == 400 and "That code is not right" in wrong.text
    totp, first = _set_up(console, lou)
    done = lou.get(f"{SET_UP}?done=1").text
    assert "Your second factor is set up" in done and secret not in done and totp.secret not in done
    assert lou.get("/caseload").status_code == 200  # this session goes on
    assert _audit(console, "write.staff_account.second_factor_set_up") == [
        (f"staff:{lou_id}", "denied", account_id), (f"staff:{lou_id}", "ok", account_id)]

    browser, response = _password(console, "lou@example.org")
    assert response.status_code == 303 and response.headers["location"] == "/sign-in/code?next=%2Fcaseload"
    assert browser.get("/caseload").status_code == 303  # not signed in until the code
    kind = _code(browser, "000000")
    assert kind.status_code == 400 and "That code is not right. Type the 6 numbers" in kind.text
    assert 'id="code-error"' in kind.text and "There is a problem" in kind.text
    assert _code(browser, first).status_code == 400  # the set-up's code: used already
    code = totp.at(_now(console) + timedelta(seconds=30))  # the next step's, allowed for a clock a little out
    signed_in = _code(browser, code)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/caseload"
    assert browser.get("/caseload").status_code == 200
    # The same code again, on another computer: refused, though still inside its 30 seconds.
    other, _ = _password(console, "lou@example.org")
    assert _code(other, code).status_code == 400
    assert other.get("/caseload").status_code == 303
    outcomes = [outcome for _, outcome, _ in _audit(console, "sign_in.code")]
    assert outcomes == ["denied", "denied", "ok", "denied"]

    # A one-time sign-in link asks for the code too.
    with console.sessions() as session:
        token = accounts.issue_sign_in_link(session, SystemActor("tests"), account_id, now=_now(console))
    linked = console.as_user(None)
    response = post_form(linked, f"/sign-in/link?token={token}", "/sign-in/link", {"token": token})
    assert response.headers["location"].startswith("/sign-in/code")
    assert linked.get("/caseload").status_code == 303


@ONLY_SQLITE
def test_wrong_codes_count_toward_the_sign_in_limits_and_lock_even_the_right_code(console: Console) -> None:
    totp, _ = _set_up(console, console.as_user("bo@example.org"))
    browser, _ = _password(console, "bo@example.org")
    for _ in range(accounts.LOCK_AFTER_FAILURES - 1):
        assert "That code is not right" in _code(browser, "999999").text
    locked = _code(browser, "999999")
    assert locked.status_code == 400 and "Too many wrong tries. Please wait 15 minutes" in locked.text
    assert browser.get("/sign-in/code").headers["location"] == "/sign-in"  # start again, after the wait
    again, response = _password(console, "bo@example.org")  # the right password still reaches the code page...
    assert response.headers["location"].startswith("/sign-in/code")
    refused = _code(again, totp.at(_now(console) + timedelta(seconds=30)))  # ...but not even a right code passes
    assert refused.status_code == 400 and "Too many wrong tries" in refused.text
    assert again.get("/caseload").status_code == 303


@ONLY_SQLITE
def test_an_admin_must_set_up_a_second_factor_and_another_admin_resets_it(console: Console) -> None:
    with console.sessions() as session:
        lin = accounts.add_account(session, SystemActor("tests"), "lin@example.org", "admin", password=PASSWORD,
                                   hasher=FAST_HASHER, now=NOW).id
    browser, response = _password(console, "lin@example.org")
    assert response.headers["location"] == "/admin/accounts"  # no code yet: there is no second factor
    for path in ("/admin/accounts", "/admin/import", "/outcomes", "/account/password"):
        assert browser.get(path).headers["location"] == SET_UP, path
    page = browser.get(SET_UP)
    assert page.status_code == 200 and "Admins must use a second factor" in page.text
    totp, _ = _set_up(console, browser)
    assert browser.get("/admin/accounts").status_code == 200

    ada = console.as_user("ada@example.org")
    accounts_page = ada.get("/admin/accounts")
    assert "Reset second factor" in accounts_page.text
    own = post_form(ada, "/admin/accounts", f"/admin/accounts/{console.ids['ada@example.org']}/change",
                    {"change": "reset_second_factor"})
    assert own.status_code == 400 and "You cannot reset your own second factor" in own.text
    reset = post_form(ada, "/admin/accounts", f"/admin/accounts/{lin}/change", {"change": "reset_second_factor"})
    assert reset.status_code == 200 and "lin@example.org has no second factor now" in reset.text
    assert _audit(console, "write.staff_account.reset_second_factor") == [
        (f"system:console:{console.ids['ada@example.org']}", "ok", lin)]  # the real actor: the admin
    with console.sessions() as session:
        account = session.get_one(StaffAccount, lin)
        assert (account.totp_secret, account.totp_last_step) == (None, None)
    assert browser.get("/admin/accounts").status_code == 303  # signed out everywhere
    again, response = _password(console, "lin@example.org")
    assert response.headers["location"] == "/admin/accounts"  # the old app's codes are no longer asked for
    assert again.get("/admin/accounts").headers["location"] == SET_UP
    new_page = again.get(SET_UP).text
    assert totp.secret not in new_page.replace(" ", "")  # a new key
