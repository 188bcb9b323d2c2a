"""What the staff console tests share: a console app on one database, its made-up team, and forms.

The fixtures that build these live in conftest.py; test modules import from here, never from conftest."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot.settings import REPO_ROOT, Settings
from casefile.actors import SystemActor
from casefile.linking import CodeHasher
from casefile.models import StaffAccount
from console import accounts
from console.app import create_app
from console.security import password_hasher
from glossary.live import LiveGlossary
from tests.casefile.factories import NOW, assign, make_agency, make_person, make_worker

PASSWORD = "correct horse battery staple"
FAST_HASHER = password_hasher(fast=True)
CHEAP_CODES = CodeHasher(n=2, r=1, p=1)
SECRET = "test-secret-for-the-console-0123456789"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# The made-up admin's authenticator app (admins must have a second factor).
ADMIN_TOTP = pyotp.TOTP(pyotp.random_base32())
_shared_glossary: list[LiveGlossary] = []


def shared_glossary() -> LiveGlossary:
    """The real content, loaded once for the tests that only read it."""
    if not _shared_glossary:
        _shared_glossary.append(LiveGlossary(REPO_ROOT / "content"))
    return _shared_glossary[0]


def ticking_clock(start: datetime = NOW) -> Any:
    """`start`, moving on with real time: sign-out needs later sessions to be later."""
    began = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - began)


@dataclass
class Console:
    """One console app on one database, its made-up team and a way to act as each account."""

    client: TestClient
    engine: Engine
    sessions: sessionmaker[Session]
    content_dir: Path
    ids: dict[str, int] = field(default_factory=dict)

    def as_user(self, email: str | None) -> TestClient:
        """A fresh browser (its own cookies), signed in as `email` when given (with the admin's code for ada)."""
        browser = TestClient(self.client.app, follow_redirects=False)
        if email is not None:
            token = csrf(browser.get("/sign-in"))
            response = browser.post("/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": token})
            assert response.status_code == 303, response.text
            if response.headers["location"].startswith("/sign-in/code"):
                # Tests sign ada in many times a second, and a code works once: forget the last step used
                # (test_web_second_factor.py checks that rule itself).
                with self.sessions.begin() as session:
                    session.execute(update(StaffAccount).where(StaffAccount.email == email)
                                    .values(totp_last_step=None))
                code_page = browser.get(response.headers["location"])
                response = browser.post("/sign-in/code", data={
                    "code": ADMIN_TOTP.at(self.client.app.state.ctx.now()), "csrf_token": csrf(code_page)})
                assert response.status_code == 303, response.text
        return browser


def csrf(response: Any) -> str:
    found = _CSRF.search(response.text)
    assert found, f"no CSRF token on {response.url}"
    return found.group(1)


def post_form(browser: TestClient, page: str, action: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """Open `page` (for its CSRF token) and post `data` to `action`, like a person pressing the button."""
    token = csrf(browser.get(page))
    return browser.post(action, data={**data, "csrf_token": token}, **kwargs)


def seed_team(sessions: sessionmaker[Session]) -> dict[str, int]:
    """Lead Lou (lead for Sam), Bo on Sam's team, Cat (lead for Kim only), an editor and an admin."""
    with sessions() as session:
        agency = make_agency(session, "PS")
        lou = make_worker(session, agency, name="Lou Lead", ref="W-LOU")
        bo = make_worker(session, agency, name="Bo Helper", ref="W-BO")
        cat = make_worker(session, agency, name="Cat Other", ref="W-CAT")
        sam = make_person(session, "Sam", lead=lou, stage="on_licence")
        assign(session, sam, bo, role="Housing worker")
        kim = make_person(session, "Kim", lead=cat, stage="in_prison")
        system = SystemActor("tests")
        ids = {"lou": lou.id, "bo": bo.id, "cat": cat.id, "sam": sam.id, "kim": kim.id}
        for email, role, ref in (("lou@example.org", "worker", "W-LOU"), ("bo@example.org", "worker", "W-BO"),
                                 ("cat@example.org", "worker", "W-CAT"), ("ed@example.org", "editor", None),
                                 ("ada@example.org", "admin", None)):
            account = accounts.add_account(session, system, email, role, worker_ref=ref, password=PASSWORD,
                                           hasher=FAST_HASHER, now=NOW)
            ids[email] = account.id
            if role == "admin":  # set up as if through the account page, which test_web_second_factor.py drives
                account.totp_secret, account.totp_set_up_at = ADMIN_TOTP.secret, NOW
                session.commit()
        return ids


def make_console(engine: Engine, sessions: sessionmaker[Session], content_dir: Path,
                 glossary: LiveGlossary, **more_settings: str) -> TestClient:
    """The console app in a test client; `more_settings` are further environment variables."""
    settings = Settings.from_env({"DATABASE_URL": str(engine.url), "SIGNPOST_CONTENT_DIR": str(content_dir),
                                  "SIGNPOST_WEB_SECRET": SECRET, "SIGNPOST_BOT_USERNAME": "test_signpost_bot",
                                  **more_settings})
    app = create_app(settings, engine=engine, clock=ticking_clock(), hasher=FAST_HASHER, link_hasher=CHEAP_CODES,
                     glossary=glossary)
    return TestClient(app, follow_redirects=False)
