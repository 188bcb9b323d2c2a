"""A signed session cookie is not enough on its own: every page checks the account is still allowed in."""

from __future__ import annotations

import pyotp
from sqlalchemy import update

from casefile.models import StaffAccount, Worker
from tests.console.console_helpers import Console


def test_switching_off_an_account_ends_its_sessions_at_the_next_page(console: Console) -> None:
    lou = console.as_user("lou@example.org")
    assert lou.get("/caseload").status_code == 200
    with console.sessions() as session:
        session.execute(update(StaffAccount).where(StaffAccount.email == "lou@example.org").values(active=False))
        session.commit()
    response = lou.get("/caseload")
    assert response.status_code == 303 and response.headers["location"].startswith("/sign-in")


def test_switching_off_the_worker_ends_their_account_sessions(console: Console) -> None:
    bo = console.as_user("bo@example.org")
    assert bo.get("/caseload").status_code == 200
    with console.sessions() as session:
        session.execute(update(Worker).where(Worker.id == console.ids["bo"]).values(active=False))
        session.commit()
    assert bo.get("/caseload").status_code == 303


def test_a_new_role_counts_from_the_next_page(console: Console) -> None:
    ed = console.as_user("ed@example.org")
    assert ed.get("/content").status_code == 200
    with console.sessions() as session:
        session.execute(update(StaffAccount).where(StaffAccount.email == "ed@example.org").values(role="admin"))
        session.commit()
    # An admin with no second factor is sent to set one up first, from any page.
    assert ed.get("/content").headers["location"] == "/account/second-factor"
    with console.sessions() as session:
        session.execute(update(StaffAccount).where(StaffAccount.email == "ed@example.org")
                        .values(totp_secret=pyotp.random_base32()))
        session.commit()
    assert ed.get("/content").status_code == 403
    assert ed.get("/admin/accounts").status_code == 200
