"""The console in a real browser: Debian's headless Chromium (driven by Playwright) against a real
uvicorn server on 127.0.0.1, with a temporary SQLite database holding the demo data.

Every page visited is checked with axe-core (from node_modules): no serious or critical violations.
One server and one browser serve the whole module, so it stays quick.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest

from bot.settings import REPO_ROOT, Settings
from casefile import db, directory, staff
from casefile.actors import SystemActor
from casefile.clock import LONDON
from casefile.demo import DEMO_STAFF_PASSWORD, demo_now, seed_demo, seed_demo_staff
from casefile.models import ChatLink
from tests.console.console_helpers import CHEAP_CODES, FAST_HASHER

CHROMIUM = Path("/usr/bin/chromium")
AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SIGNPOST = Path(sys.executable).with_name("signpost")
WORKER, EDITOR, ADMIN = "dana.brooks@demo.example.org", "editor@demo.example.org", "admin@demo.example.org"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A real `signpost web` on loopback, its database seeded with the demo, on a copy of the content."""
    root = tmp_path_factory.mktemp("console")
    content = root / "content"
    shutil.copytree(REPO_ROOT / "content", content)
    url = f"sqlite:///{root / 'signpost.db'}"
    db.upgrade(url)
    engine = db.make_engine(url)
    today = datetime.now(UTC).astimezone(LONDON).date()
    sessions = db.session_factory(engine)
    seed_demo(sessions, today, demo_now(today), policy=Settings.built_in().reminder_policy, hasher=CHEAP_CODES)
    seed_demo_staff(sessions, demo_now(today), FAST_HASHER.hash)
    with sessions() as session:
        # Alex has linked a Telegram chat, so a worker's message can reach them.
        alex = directory.find_person(session, "DEMO-1")
        assert alex is not None
        session.add(ChatLink(channel="telegram", chat_id="7000001", person_id=alex.id, linked_at=demo_now(today)))
        session.commit()
        # An appointment that began two hours ago, for the worker to mark (and correct).
        dana = directory.find_worker(session, "DEMO-W-PS-1")
        assert dana is not None
        staff.book_appointment(session, SystemActor("tests"), alex.id, datetime.now(UTC) - timedelta(hours=2), 30,
                               "Browser past office", "", "probation", "", dana.id,
                               policy=Settings.built_in().reminder_policy)
    engine.dispose()
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "SIGNPOST_CONTENT_DIR": str(content),
           "SIGNPOST_WEB_SECRET": "browser-test-secret-0123456789", "SIGNPOST_LINK_CODE_PEPPER": ""}
    # Its own process group, so a server that never answers is stopped with its worker processes, which
    # hold its output open.
    server = subprocess.Popen([str(SIGNPOST), "web", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # two cores shared with other work: a slow start is not a failure
    while True:
        try:
            with urllib.request.urlopen(f"{base}/sign-in", timeout=2):
                break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                os.killpg(server.pid, signal.SIGKILL)  # first: reading its output waits for the end of it
                output = server.stdout.read().decode() if server.stdout else ""
                pytest.fail(f"signpost web did not start:\n{output}")
            time.sleep(0.2)
    try:
        yield {"base": base, "content": content, "env": env}
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not CHROMIUM.exists() or not AXE.exists():
        pytest.fail("Chromium or axe-core is missing: run ./dev test (it installs chromium and the npm packages).")
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True, bypass_csp=True,
            viewport={"width": 1100, "height": 900})
        try:
            yield context
        finally:
            context.close()


class Visit:
    """One signed-in tab that checks each page it lands on with axe-core."""

    def __init__(self, context: Any, site: dict[str, Any]) -> None:
        context.clear_cookies()
        self.page = context.new_page()
        self.base = site["base"]
        self.problems: list[str] = []
        self.checked: list[str] = []

    def go(self, path: str) -> Any:
        self.page.goto(self.base + path)
        self.check()
        return self.page

    def check(self) -> None:
        page = self.page
        if page.evaluate("typeof window.axe") == "undefined":
            page.add_script_tag(content=AXE.read_text())
        result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                               ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
                               ".map(v => v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target.join(' ')).join(', '))")
        self.checked.append(page.url)
        self.problems += [f"{page.url}: {line}" for line in result]

    def click(self, selector: str) -> Any:
        """Press a link or button that loads a new page, wait for it, and check it."""
        with self.page.expect_navigation():
            self.page.click(selector)
        self.check()
        return self.page

    def sign_in(self, email: str) -> None:
        self.go("/sign-in")
        self.page.fill("#email", email)
        self.page.fill("#password", DEMO_STAFF_PASSWORD)
        self.click("button:has-text('Sign in')")

    def close(self) -> None:
        self.page.close()


def test_a_worker_signs_in_books_and_sees_the_reminders(browser: Any, site: dict[str, Any]) -> None:
    tab = Visit(browser, site)
    tab.sign_in(WORKER)
    page = tab.page
    assert page.locator("h1").inner_text() == "Your caseload"
    tab.click("a:has-text('Alex')")
    tab.click("a:has-text('Book an appointment')")
    day = datetime.now(UTC).astimezone(LONDON).date() + timedelta(days=6)
    page.fill("#date-day", str(day.day))
    page.fill("#date-month", str(day.month))
    page.fill("#date-year", str(day.year))
    page.fill("#time", "11:15")
    page.fill("#place", "Browser test office")
    page.select_option("#kind", "housing")
    tab.click("button:has-text('Book the appointment')")
    assert "The appointment is booked" in page.content()
    card = page.locator(".govuk-summary-card", has_text="Browser test office")
    assert card.count() == 1
    assert card.locator(".govuk-tag", has_text="Planned").count() == 2
    # A message: checked first, then sent, then on the page.
    tab.click("a:has-text('Send a message')")
    page.fill("#text", "Your HDC paperwork is ready.")
    tab.click("button:has-text('Check the message')")
    assert "HDC" in page.locator("#message-notes").inner_text()
    tab.click("button:has-text('Send it as it is')")
    assert "Your message is queued" in page.content()
    assert tab.problems == [], "\n".join(tab.problems)
    tab.close()


def test_a_worker_finds_a_person_writes_a_note_corrects_an_outcome_and_sees_the_week(
        browser: Any, site: dict[str, Any]) -> None:
    tab = Visit(browser, site)
    tab.sign_in(WORKER)
    page = tab.page
    # Search the caseload.
    page.fill("#q", "alex")
    tab.click("button:has-text('Show')")
    assert "Showing 1 of" in page.locator("#caseload-count").inner_text()
    tab.click("a:has-text('Alex')")
    # A case note, shared with Alex.
    page.fill("#note", "Bus pass form sent to the council.")
    page.check("#share")
    tab.click("button:has-text('Add the note')")
    assert "Your note is on the file" in page.content()
    assert "Bus pass form sent to the council." in page.locator("#case-notes").inner_text()
    # Mark a past appointment missed, then correct it with the reason.
    recent = page.locator(".govuk-summary-card", has_text="Browser past office")
    with page.expect_navigation():
        recent.locator("button:has-text('Mark as missed')").click()
    tab.check()
    assert "Marked as missed" in page.content()
    corrected = page.locator(".govuk-summary-card", has_text="Browser past office").locator(
        ".govuk-details", has_text="Marked wrongly")
    corrected.locator("summary").click()
    corrected.locator("textarea").fill("They came in late and signed in at reception.")
    with page.expect_navigation():
        corrected.locator("button").click()
    tab.check()
    assert "Marked as attended" in page.content()
    # The week.
    tab.click("a:has-text('Your week')")
    assert page.locator("h1").inner_text() == "Your week"
    tab.click("a:has-text('Next week')")
    assert "Week starting" in page.content()
    assert tab.problems == [], "\n".join(tab.problems)
    tab.close()


def test_a_lead_edits_the_licence_and_hands_a_team_member_off(browser: Any, site: dict[str, Any]) -> None:
    tab = Visit(browser, site)
    tab.sign_in(WORKER)
    page = tab.page
    tab.click("a:has-text('Alex')")
    if "Change the licence conditions" not in page.content():
        pytest.fail("the demo worker is expected to be Alex's lead professional")
    tab.click("a:has-text('Change the licence conditions')")
    page.fill("#official-0", "Not to contact any victim of the offence, directly or indirectly")
    page.fill("#plain-0", "Do not contact the victim, not even through someone else.")
    tab.click("button:has-text('Save the licence conditions')")
    assert "The licence conditions are saved" in page.content()
    assert "Do not contact the victim" in page.locator("#licence-conditions").inner_text()
    members = page.locator("button:has-text('Take off the team')")
    assert members.count() >= 1  # Alex's team has more than the lead
    with page.expect_navigation():
        members.first.click()
    tab.check()
    assert "The team is changed" in page.content()
    assert tab.problems == [], "\n".join(tab.problems)
    tab.close()


def test_the_caseload_person_page_and_week_fit_a_phone(browser: Any, site: dict[str, Any]) -> None:
    tab = Visit(browser, site)
    tab.page.set_viewport_size({"width": 390, "height": 844})
    tab.sign_in(WORKER)
    person = tab.go("/caseload").locator("a:has-text('Alex')").get_attribute("href")
    for path in ("/caseload", person, "/diary", "/caseload?q=alex"):
        page = tab.go(path)
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        wide = page.evaluate("[...document.querySelectorAll('body *')].filter(e => !e.closest('table')"
                             " && e.getBoundingClientRect().right > window.innerWidth + 1)"
                             ".map(e => e.tagName + '.' + e.className + '#' + e.id)")
        assert width[0] <= width[1], f"{path} is {width[0]} px wide on a {width[1]} px phone: {wide}"
    assert tab.problems == [], "\n".join(tab.problems)
    tab.close()


def test_an_editor_fixes_an_entry_and_the_bot_says_the_new_text(browser: Any, site: dict[str, Any]) -> None:
    path = site["content"] / "glossary" / "probation.yaml"
    before = path.read_bytes()
    tab = Visit(browser, site)
    tab.sign_in(EDITOR)
    page = tab.go("/content/entries/probation/MAPPA/edit")
    page.fill("#explanation", "This sentence keeps going and going with many more words than anyone should ever "
                              "need to read in one go at all today.")
    tab.click("button:has-text('Check and save')")
    assert page.locator(".govuk-error-summary").is_visible()
    assert page.locator("#explanation-error").is_visible()
    assert path.read_bytes() == before
    new_text = "Police, probation and prisons plan together to keep everyone safe."
    page.fill("#explanation", new_text)
    tab.click("button:has-text('Check and save')")
    assert "Saved." in page.content()
    explained = subprocess.run([str(SIGNPOST), "explain", "MAPPA"], env=site["env"], capture_output=True, text=True,
                               timeout=60)
    assert explained.returncode == 0, explained.stderr
    assert new_text in explained.stdout
    assert tab.problems == [], "\n".join(tab.problems)
    tab.close()


# The pages are checked in a test per role, so that the two test workers share them out (the admin's pages
# are checked by the second-factor test below, since an admin must set one up first).
def test_every_workers_page_passes_the_accessibility_check(browser: Any, site: dict[str, Any]) -> None:
    tab = Visit(browser, site)
    tab.go("/sign-in")
    tab.go("/sign-in/link?token=nothing")
    tab.go("/no-such-page")
    tab.sign_in(WORKER)
    page = tab.page
    for path in ("/caseload", "/caseload?filter=no_chat&sort=next", "/diary", "/outcomes", "/account/password"):
        tab.go(path)
    person = tab.go("/caseload").locator("a:has-text('Alex')").get_attribute("href")
    tab.go(person)
    tab.go(f"{person}/appointments/new")
    tab.click("button:has-text('Book the appointment')")  # empty: the error summary page
    move = tab.go(person).locator("a:has-text('Move')").first.get_attribute("href")
    tab.go(move)
    cancel = tab.go(person).locator("a:has-text('Cancel')").first.get_attribute("href")
    tab.go(cancel)
    tab.go(f"{person}/message")
    tab.go(f"{person}/licence")
    tab.go(f"{person}/journey")
    page.fill("#release_date-month", "")  # half a date: the page comes back with its error summary
    tab.click("button:has-text('Save the stage and dates')")
    assert "Enter the release date, with a day, month and year" in page.content()
    tab.go(f"{person}/print")
    tab.go(person)
    tab.click("button:has-text('Add the note')")  # no words: the page again with its error
    assert "There is a problem" in page.content()
    tab.go(person)
    page.click("summary:has-text('Add someone')")
    tab.click("button:has-text('Save the team')")  # no reference: refused plainly
    tab.go("/account/second-factor")  # optional for a worker: the set-up page
    assert "Set up your second factor" in page.content()
    page.fill("#code", "12")
    tab.click("button:has-text('Finish setting up')")
    tab.go(person)
    tab.click("button:has-text('Print a link-code card')")
    tab.click("button:has-text('Sign out')")
    assert len(tab.checked) >= 25
    assert tab.problems == [], "\n".join(tab.problems)
    tab.close()


def test_every_editors_page_passes_the_accessibility_check(browser: Any, site: dict[str, Any]) -> None:
    tab = Visit(browser, site)
    tab.sign_in(EDITOR)
    for path in ("/content", "/content?page=2", "/content?q=mapa", "/content/entries/probation/MAPPA",
                 "/content/entries/police/NFA", "/content/entries/probation/licence/edit", "/content/new?term=tag",
                 "/content/gaps", "/content/translations", "/content/translations?language=pl&page=2",
                 "/content/journeys", "/caseload"):
        tab.go(path)
    tab.click("button:has-text('Sign out')")
    assert len(tab.checked) >= 13
    assert tab.problems == [], "\n".join(tab.problems)
    tab.close()


def test_an_admin_is_made_to_set_up_the_second_factor_then_signs_in_with_a_code(
        browser: Any, site: dict[str, Any]) -> None:
    tab = Visit(browser, site)
    tab.sign_in(ADMIN)
    page = tab.page
    assert page.url.endswith("/account/second-factor")
    assert page.locator("h1").inner_text() == "Set up your second factor"
    assert "Admins must use a second factor" in page.content()
    tab.go("/admin/accounts")  # nothing else opens until it is set up
    assert page.url.endswith("/account/second-factor")
    assert page.locator("svg.console-qr").is_visible()
    app = pyotp.TOTP(page.locator("#secret").inner_text().replace(" ", ""))
    page.fill("#code", "123456" if app.now() != "123456" else "654321")
    tab.click("button:has-text('Finish setting up')")
    assert page.locator(".govuk-error-summary").is_visible()
    assert "That code is not right. Type the 6 numbers your authenticator app shows now." in page.locator(
        "#code-error").inner_text()
    page.fill("#code", app.now())
    tab.click("button:has-text('Finish setting up')")
    assert "Your second factor is set up" in page.content()
    tab.click("a:has-text('Continue')")
    assert page.locator("h1").inner_text() == "Staff accounts"
    for path in ("/admin/import", "/outcomes", "/admin/accounts"):
        tab.go(path)
    tab.click("button:has-text('Add the account')")  # empty: errors
    # Signing in again asks for the code after the password.
    tab.click("button:has-text('Sign out')")
    tab.sign_in(ADMIN)
    assert page.locator("h1").inner_text() == "Type the code from your app"
    page.fill("#code", "000000" if app.now() != "000000" else "111111")
    tab.click("button:has-text('Sign in')")
    assert "That code is not right" in page.locator("#code-error").inner_text()
    page.fill("#code", app.at(datetime.now(UTC) + timedelta(seconds=30)))  # the set-up's own code is used up
    tab.click("button:has-text('Sign in')")
    assert page.locator("h1").inner_text() == "Staff accounts"
    assert tab.problems == [], "\n".join(tab.problems)
    tab.close()
