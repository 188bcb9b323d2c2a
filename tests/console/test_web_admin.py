"""Admins in the console (accounts, feed imports), the outcomes page, and `signpost staff` / `signpost web`."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from bot.cli.web import _add, _list
from casefile import staff
from casefile.models import Appointment, AuditEvent, Person, StaffAccount
from casefile.spreadsheet import FORMULA_STARTS, write_csv
from console import accounts
from console.charts import Series, line_chart
from tests.casefile.factories import NOW, POLICY, SYSTEM, make_agency, make_appointment, make_worker
from tests.console.console_helpers import PASSWORD, Console, csrf, post_form

ONLY_SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _feed(rows: list[dict[str, object]]) -> bytes:
    return json.dumps({"feed": "appointments", "agency": "PS", "rows": rows}).encode()


def _row(ref: str, person: str, **changes: object) -> dict[str, object]:
    row: dict[str, object] = {"ref": ref, "person": person, "date": "2027-07-01", "time": "10:30",
                              "place": "Probation office", "kind": "probation"}
    return {**row, **changes}


TEMPORARY = "lantern orchard seven ducks"
OWN = "velvet tractor hums quietly"


def _sign_in(console: Console, email: str, password: str) -> Any:
    browser = console.as_user(None)
    response = post_form(browser, "/sign-in", "/sign-in", {"email": email, "password": password})
    return browser, response


@ONLY_SQLITE
def test_an_admin_adds_an_account_with_a_temporary_password_that_only_opens_choosing_ones_own(
        console: Console) -> None:
    ada = console.as_user("ada@example.org")
    page = ada.get("/admin/accounts")
    assert "lou@example.org" in page.text and "sign-in/link" not in page.text
    weak = post_form(ada, "/admin/accounts", "/admin/accounts",
                     {"email": "new.worker@example.org", "role": "editor", "password": "password1234"})
    assert weak.status_code == 400 and "easy to guess" in weak.text
    response = post_form(ada, "/admin/accounts", "/admin/accounts",
                         {"email": "New.Worker@Example.org", "role": "editor", "worker": "", "password": TEMPORARY})
    assert response.status_code == 200 and "Account added for new.worker@example.org" in response.text
    assert "token=" not in response.text and TEMPORARY not in response.text  # no link, no password shown back
    browser, signed = _sign_in(console, "new.worker@example.org", TEMPORARY)
    assert signed.headers["location"] == "/content"
    # The temporary password opens nothing but the page to choose one's own.
    for path in ("/content", "/", "/content/gaps"):
        assert browser.get(path).headers["location"] == "/account/password", path
    choose = browser.get("/account/password")
    assert "Choose your own password" in choose.text
    mismatch = post_form(browser, "/account/password", "/account/password",
                         {"current": TEMPORARY, "new": OWN, "again": OWN + "x"})
    assert mismatch.status_code == 400 and "not the same" in mismatch.text
    done = post_form(browser, "/account/password", "/account/password", {"current": TEMPORARY, "new": OWN, "again": OWN})
    assert done.headers["location"] == "/content"
    assert browser.get("/content").status_code == 200
    # Whoever used the temporary password is out: it no longer works, and the new one does.
    assert _sign_in(console, "new.worker@example.org", TEMPORARY)[1].status_code == 400
    assert _sign_in(console, "new.worker@example.org", OWN)[1].headers["location"] == "/content"
    with console.sessions() as session:
        account = accounts.find_account(session, "new.worker@example.org")
        assert account is not None
        events = {event.action: event.actor_name for event in session.scalars(
            select(AuditEvent).where(AuditEvent.subject_id == account.id,
                                     AuditEvent.action.like("write.staff_account.%")))}
    admin_id = console.ids["ada@example.org"]
    assert events == {"write.staff_account.add": f"system:console:{admin_id}",
                      "write.staff_account.own_password": f"system:console:{account.id}"}
    duplicate = post_form(ada, "/admin/accounts", "/admin/accounts",
                          {"email": "new.worker@example.org", "role": "editor", "password": TEMPORARY})
    assert duplicate.status_code == 400 and "already an account" in duplicate.text


@ONLY_SQLITE
def test_an_admin_resetting_a_worker_ends_their_sessions_and_never_sees_a_link(console: Console) -> None:
    lou = console.as_user("lou@example.org")
    assert lou.get("/caseload").status_code == 200
    ada = console.as_user("ada@example.org")
    lou_id = console.ids["lou@example.org"]
    assert ada.post(f"/admin/accounts/{lou_id}/link", data={}).status_code in (403, 404, 405)
    reset = post_form(ada, "/admin/accounts", f"/admin/accounts/{lou_id}/password", {f"password-{lou_id}": TEMPORARY})
    assert reset.status_code == 200 and "signed out everywhere" in reset.text and "token=" not in reset.text
    assert lou.get("/caseload").status_code == 303  # lou's old session has ended
    # Whoever signs in with the temporary password sees no case file until they choose a password,
    # and lou finds out at once: lou's own password stopped working.
    browser, _ = _sign_in(console, "lou@example.org", TEMPORARY)
    assert browser.get(f"/people/{console.ids['sam']}").headers["location"] == "/account/password"
    assert _sign_in(console, "lou@example.org", PASSWORD)[1].status_code == 400
    with console.sessions() as session:
        actors = session.scalars(select(AuditEvent.actor_name).where(
            AuditEvent.action == "write.staff_account.temporary_password")).all()
    assert actors == [f"system:console:{console.ids['ada@example.org']}"]


@ONLY_SQLITE
def test_an_import_lists_every_bad_row_before_anything_is_applied(console: Console) -> None:
    with console.sessions() as session:
        sam_ref = session.get_one(Person, console.ids["sam"]).ref
    ada = console.as_user("ada@example.org")
    bad = _feed([_row("A-1", sam_ref), _row("A-2", "NO-SUCH-PERSON"), _row("A-3", sam_ref, date="2027-02-30")])
    token = csrf(ada.get("/admin/import"))
    response = ada.post("/admin/import", data={"csrf_token": token, "step": "check"},
                        files={"feed": ("appointments.json", bad, "application/json")})
    assert response.status_code == 400
    assert "row 2:" in response.text and "row 3:" in response.text and "Nothing was imported" in response.text
    good = _feed([_row("A-1", sam_ref), _row("A-2", sam_ref, time="14:00")])
    checked = ada.post("/admin/import", data={"csrf_token": token, "step": "check"},
                       files={"feed": ("appointments.json", good, "application/json")})
    assert checked.status_code == 200 and "2 would be new" in checked.text
    with console.sessions() as session:
        assert session.scalars(select(Appointment)).all() == []
    payload = re.search(r'name="payload" value="([^"]+)"', checked.text).group(1)  # type: ignore[union-attr]
    applied = ada.post("/admin/import", data={"csrf_token": csrf(checked), "step": "apply", "payload": payload,
                                              "file_name": "appointments.json"})
    assert applied.status_code == 200 and "Imported 2 rows" in applied.text
    with console.sessions() as session:
        assert len(session.scalars(select(Appointment)).all()) == 2


@ONLY_SQLITE
def test_the_import_page_advises_in_the_forms_words_and_takes_the_kind_and_agency(console: Console) -> None:
    ada = console.as_user("ada@example.org")
    token = csrf(ada.get("/admin/import"))
    roll = b"ref,name,role\nW-NEW,Dee Day,Officer\n"  # no feed or agency column, a name that says neither
    refused = ada.post("/admin/import", data={"csrf_token": token, "step": "check"},
                       files={"feed": ("roll.csv", roll, "text/csv")})
    assert refused.status_code == 400
    assert "--" not in refused.text.split('id="problems"')[1].split("</ul>")[0]  # no command-line advice
    assert "Choose one under &#34;Kind of feed&#34;" in refused.text or "Choose one under &quot;Kind of feed&quot;" in refused.text
    no_agency = ada.post("/admin/import", data={"csrf_token": token, "step": "check", "kind": "workers"},
                         files={"feed": ("roll.csv", roll, "text/csv")})
    assert "Agency short name" in no_agency.text.split('id="problems"')[1]
    assert 'value="workers" selected' in no_agency.text  # the choice is kept
    new_agency = ada.post("/admin/import", data={"csrf_token": token, "step": "check", "kind": "workers",
                                                 "agency": "NEWAG"}, files={"feed": ("roll.csv", roll, "text/csv")})
    problems = new_agency.text.split('id="problems"')[1].split("</ul>")[0]
    assert "under &#34;Agency full name&#34; on the form" in problems or "under &quot;Agency full name&quot;" in problems
    assert "--agency-name" not in problems
    mismatch = ada.post("/admin/import", data={"csrf_token": token, "step": "check", "kind": "people", "agency": "PS"},
                        files={"feed": ("roll.csv", b"feed,ref,name,role\nworkers,W-NEW,Dee Day,Officer\n", "text/csv")})
    assert "You chose &#34;people&#34; for Kind of feed" in mismatch.text or "You chose &quot;people&quot;" in mismatch.text
    checked = ada.post("/admin/import", data={"csrf_token": token, "step": "check", "kind": "workers", "agency": "PS"},
                       files={"feed": ("roll.csv", roll, "text/csv")})
    assert checked.status_code == 200 and "1 would be new" in checked.text, checked.text
    payload = re.search(r'name="payload" value="([^"]+)"', checked.text).group(1)  # type: ignore[union-attr]
    assert 'name="kind" value="workers"' in checked.text and 'name="agency" value="PS"' in checked.text
    applied = ada.post("/admin/import", data={"csrf_token": csrf(checked), "step": "apply", "payload": payload,
                                              "file_name": "roll.csv", "kind": "workers", "agency": "PS"})
    assert applied.status_code == 200 and "Imported 1 row" in applied.text


@ONLY_SQLITE
def test_outcomes_draw_charts_with_a_table_and_download_as_csv(console: Console) -> None:
    with console.sessions() as session:
        sam = session.get_one(Person, console.ids["sam"])
        now = console.client.app.state.ctx.now()
        for days, status in ((9, "attended"), (8, "missed"), (2, "attended")):
            appointment = make_appointment(session, sam, start=now - timedelta(days=days))
            staff.set_appointment_status(session, SYSTEM, appointment.id, status, appointment.version,
                                         policy=POLICY, now=NOW)
        make_appointment(session, sam, start=now + timedelta(hours=1))  # later this week: no outcome yet
    for email in ("ada@example.org", "lou@example.org"):
        page = console.as_user(email).get("/outcomes", params={"weeks": "4"})
        assert page.status_code == 200
        assert page.text.count("class=\"console-chart\"") == 2 and "<title id=\"attended-share-title\">" in page.text
        assert "The numbers in the charts" in page.text
    download = console.as_user("ada@example.org").get("/outcomes.csv", params={"weeks": "4"})
    assert download.headers["content-type"].startswith("text/csv")
    lines = download.text.strip().splitlines()
    assert lines[0].startswith("week starting,agency,kind,confirmed,attended,missed")
    assert sum(int(line.split(",")[4]) for line in lines[1:]) == 2
    assert sum(int(line.split(",")[5]) for line in lines[1:]) == 1
    assert sum(int(line.split(",")[7]) for line in lines[1:]) == 0  # the one still to come is not "not recorded"
    with console.sessions() as session:
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("read.outcomes%"))).all()
    assert actions.count("read.outcomes.download") == 1 and actions.count("read.outcomes") == 2


@ONLY_SQLITE
@pytest.mark.parametrize("formula", ['=HYPERLINK("http://x.io","Go")', "+1+1", "-2+3", "@SUM(A1:A9)"])
def test_no_csv_cell_can_run_as_a_spreadsheet_formula(console: Console, formula: str) -> None:
    with console.sessions() as session:
        agency = make_agency(session, formula, "Evil agency")
        worker = make_worker(session, agency, name="Eve Agency", ref="W-EVE")
        sam = session.get_one(Person, console.ids["sam"])
        now = console.client.app.state.ctx.now()
        appointment = make_appointment(session, sam, worker, start=now - timedelta(days=2))
        staff.set_appointment_status(session, SYSTEM, appointment.id, "attended", appointment.version,
                                     policy=POLICY, now=now)
    download = console.as_user("ada@example.org").get("/outcomes.csv", params={"weeks": "4"})
    assert download.headers["content-disposition"].startswith("attachment")
    cells = [cell for row in csv.reader(io.StringIO(download.text)) for cell in row]
    assert "'" + formula in cells
    assert not any(cell.startswith(FORMULA_STARTS) for cell in cells)


def test_every_formula_start_is_neutralised_and_numbers_stay_numbers() -> None:
    out = io.StringIO()
    formulas = ["=1+1", "+1", "-1+1", "@A1", "\t=1", "\r=1"]
    write_csv(out, ["agency", "count"], [*([formula, 1] for formula in formulas), ["plain", -3]])
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert rows[1:] == [*(["'" + formula, "1"] for formula in formulas), ["plain", "-3"]]


def test_a_line_chart_leaves_a_gap_where_there_is_no_data() -> None:
    svg = line_chart("c", "T <b>", "D", ["a", "b", "c"], [Series("S", [50.0, None, 75.0], "#000")])
    assert svg.count("<polyline") == 2 and "T &lt;b&gt;" in svg


@ONLY_SQLITE
def test_staff_add_and_list_from_the_command_line(console: Console) -> None:
    url = console.engine.url.render_as_string(hide_password=False)
    out, err = io.StringIO(), io.StringIO()
    args = SimpleNamespace(email="pat@example.org", role="worker", worker="W-BO", password_stdin=False,
                           base_url="http://127.0.0.1:8000", database_url=url)
    assert _add(args, out, err) == 1  # Bo already has an account
    assert "already an account" in err.getvalue()
    args.worker, out = "W-CAT-NOPE", io.StringIO()
    assert _add(args, out, io.StringIO()) == 1
    with console.sessions() as session:
        from tests.casefile.factories import make_worker
        make_worker(session, ref="W-PAT", name="Pat")
    args.worker, out = "W-PAT", io.StringIO()
    assert _add(args, out, io.StringIO()) == 0
    assert "http://127.0.0.1:8000/sign-in/link?token=" in out.getvalue()
    args2 = SimpleNamespace(email="ed2@example.org", role="editor", worker=None, password_stdin=True,
                            base_url="http://x", database_url=url)
    assert _add(args2, io.StringIO(), io.StringIO(), stdin=io.StringIO("a long enough password\n")) == 0
    assert _add(SimpleNamespace(**{**vars(args2), "email": "ed3@example.org"}), io.StringIO(), err := io.StringIO(),
                stdin=io.StringIO("short\n")) == 1
    assert "at least 12" in err.getvalue()
    listing = io.StringIO()
    assert _list(SimpleNamespace(database_url=url), listing, io.StringIO()) == 0
    assert "pat@example.org" in listing.getvalue() and "ed2@example.org" in listing.getvalue()
    with console.sessions() as session:
        account = session.scalars(select(StaffAccount).where(StaffAccount.email == "ed2@example.org")).one()
        assert account.password_hash and account.password_hash.startswith("$argon2id$")


@ONLY_SQLITE
def test_an_admin_switches_off_unlocks_and_changes_the_role_of_an_account(console: Console) -> None:
    ada = console.as_user("ada@example.org")
    lou_id, ed_id, ada_id = (console.ids[f"{name}@example.org"] for name in ("lou", "ed", "ada"))
    lou = console.as_user("lou@example.org")
    off = post_form(ada, "/admin/accounts", f"/admin/accounts/{lou_id}/change", {"change": "disable"})
    assert off.status_code == 200 and "is switched off" in off.text
    assert lou.get("/caseload").status_code == 303  # signed out at once
    assert _sign_in(console, "lou@example.org", PASSWORD)[1].status_code == 400
    post_form(ada, "/admin/accounts", f"/admin/accounts/{lou_id}/change", {"change": "enable"})
    for _ in range(accounts.LOCK_AFTER_FAILURES):
        _sign_in(console, "lou@example.org", "not the password")
    assert "Too many wrong passwords" in _sign_in(console, "lou@example.org", PASSWORD)[1].text
    unlocked = post_form(ada, "/admin/accounts", f"/admin/accounts/{lou_id}/change", {"change": "unlock"})
    assert "is unlocked" in unlocked.text
    assert _sign_in(console, "lou@example.org", PASSWORD)[1].headers["location"] == "/caseload"
    ed = console.as_user("ed@example.org")
    made = post_form(ada, "/admin/accounts", f"/admin/accounts/{ed_id}/change", {"change": "role:admin"})
    assert "is now admin" in made.text
    assert ed.get("/content").status_code == 303  # the editor's open session does not keep going as before
    assert _sign_in(console, "ed@example.org", PASSWORD)[1].headers["location"] == "/admin/accounts"
    no_worker = post_form(ada, "/admin/accounts", f"/admin/accounts/{ed_id}/change", {"change": "role:worker"})
    assert no_worker.status_code == 400 and "can be a worker account" in no_worker.text
    own = post_form(ada, "/admin/accounts", f"/admin/accounts/{ada_id}/change", {"change": "disable"})
    assert own.status_code == 400 and "cannot switch off your own account" in own.text
    with console.sessions() as session:
        changes = session.scalars(select(AuditEvent.action).where(
            AuditEvent.action.like("write.staff_account.%"),
            AuditEvent.actor_name == f"system:console:{ada_id}")).all()
    assert changes == ["write.staff_account.disable", "write.staff_account.enable", "write.staff_account.unlock",
                       "write.staff_account.role"]
