from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from bot.text import render
from casefile import staff
from journeys.calendar import BankHolidays
from journeys.money import ClaimFacts, MoneyCatalog, MoneyStep, add_months, money_plan
from journeys.person_facts import claim_facts
from tests.bot.conversation_helpers import SETTINGS, make_case
from tests.casefile.factories import NOW, SYSTEM

FRIDAY_RELEASE = date(2026, 6, 5)


def _by_key(plan: list[MoneyStep]) -> dict[str, MoneyStep]:
    return {step.key: step for step in plan}


def test_plan_from_a_friday_release_without_a_claim_date(money_catalog: MoneyCatalog,
                                                         holidays: BankHolidays) -> None:
    plan = _by_key(money_plan(FRIDAY_RELEASE, None, FRIDAY_RELEASE, catalog=money_catalog, holidays=holidays))
    assert list(plan) == ["bank_account", "discharge_grant", "claim_online", "verify_identity",
                          "jobcentre_interview", "advance_payment", "food_help", "first_payment"]
    assert (plan["claim_online"].starts, plan["claim_online"].due) == (FRIDAY_RELEASE, FRIDAY_RELEASE)
    assert (plan["verify_identity"].starts, plan["verify_identity"].due) == (date(2026, 6, 5), date(2026, 6, 12))
    assert (plan["jobcentre_interview"].starts, plan["jobcentre_interview"].due) == (date(2026, 6, 6),
                                                                                   date(2026, 6, 12))
    assert plan["bank_account"].starts == date(2026, 5, 8)
    # Claimed on release day: the assessment month ends 4 July, so payment is due Saturday 11 July,
    # which is paid on the working day before.
    assert plan["first_payment"].due == date(2026, 7, 10)
    assert plan["first_payment"].estimated
    assert not plan["claim_online"].estimated
    assert plan["discharge_grant"].days_to_due == 0


def test_first_payment_from_the_real_claim_date(money_catalog: MoneyCatalog, holidays: BankHolidays) -> None:
    claim = ClaimFacts(claim_date=date(2026, 6, 8), steps_done=frozenset({"claim_online"}))
    plan = _by_key(money_plan(FRIDAY_RELEASE, claim, date(2026, 6, 9), catalog=money_catalog, holidays=holidays))
    assert plan["first_payment"].due == date(2026, 7, 14)
    assert not plan["first_payment"].estimated
    assert (plan["food_help"].starts, plan["food_help"].due) == (date(2026, 6, 8), date(2026, 7, 13))
    assert plan["claim_online"].done and not plan["claim_online"].overdue


def test_first_payment_moves_off_a_bank_holiday(money_catalog: MoneyCatalog, holidays: BankHolidays) -> None:
    claim = ClaimFacts(claim_date=date(2026, 7, 25))  # due Monday 31 August, the summer bank holiday
    plan = _by_key(money_plan(date(2026, 7, 24), claim, date(2026, 7, 25), catalog=money_catalog,
                              holidays=holidays))
    assert plan["first_payment"].due == date(2026, 8, 28)


def test_steps_done_and_overdue(money_catalog: MoneyCatalog, holidays: BankHolidays) -> None:
    claim = ClaimFacts(claim_date=FRIDAY_RELEASE, steps_done=frozenset({"claim_online", "discharge_grant"}))
    today = date(2026, 6, 20)
    plan = _by_key(money_plan(FRIDAY_RELEASE, claim, today, catalog=money_catalog, holidays=holidays))
    assert plan["claim_online"].done and not plan["claim_online"].overdue
    assert plan["verify_identity"].overdue and not plan["verify_identity"].done
    assert plan["verify_identity"].days_to_due == -8
    assert not plan["first_payment"].overdue
    assert plan["food_help"].is_due_on(today)
    assert not plan["claim_online"].is_due_on(FRIDAY_RELEASE)  # done already


def test_wording_in_each_language(money_catalog: MoneyCatalog) -> None:
    english, welsh, polish = (_by_key(money_plan(FRIDAY_RELEASE, None, FRIDAY_RELEASE, catalog=money_catalog,
                                                 language=language))["claim_online"]
                              for language in ("en", "cy", "pl"))
    assert english.title == "Claim Universal Credit"
    assert welsh.title == "Hawlio Credyd Cynhwysol"
    assert polish.title == "Złóż wniosek o Universal Credit"
    assert "0800 328 5644" in english.what_to_do and "0800 328 5644" in polish.what_to_do


@pytest.mark.parametrize(("start", "months", "expected"), [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2026, 12, 15), 1, date(2027, 1, 15)),
    (date(2026, 3, 30), 13, date(2027, 4, 30)),
    (date(2026, 3, 30), 0, date(2026, 3, 30)),
])
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_money_reply(money_catalog: MoneyCatalog, holidays: BankHolidays) -> None:
    claim = ClaimFacts(claim_date=FRIDAY_RELEASE, steps_done=frozenset({"claim_online", "discharge_grant"}))
    plan = money_plan(FRIDAY_RELEASE, claim, date(2026, 6, 20), catalog=money_catalog, holidays=holidays)
    content = Path(__file__).resolve().parents[2] / "content"
    text = render(content, "journeys/money.txt.j2", "en", plan=plan, release_date=FRIDAY_RELEASE)
    assert text.startswith("Your money plan, counted from your release day: Friday 5 June 2026.\n\n")
    assert "✓ Claim Universal Credit: done.\n" in text
    assert "Prove who you are\nThis was due by Friday 12 June 2026.\nYou must prove who you are" in text
    assert ("Go to your first Jobcentre meeting\nThis was due by Friday 12 June 2026.\n"
            "Your online account shows the day and time.") in text
    assert "If you missed it, call the Jobcentre today to get a new time." in text
    assert "Your first payment\nOn Friday 10 July 2026.\n" in text
    assert "Get help with food if you run out\nAny day from Friday 5 June 2026 to Friday 10 July 2026.\n" in text


def test_money_reply_in_polish(money_catalog: MoneyCatalog, holidays: BankHolidays) -> None:
    plan = money_plan(FRIDAY_RELEASE, None, FRIDAY_RELEASE, catalog=money_catalog, language="pl",
                      holidays=holidays)
    content = Path(__file__).resolve().parents[2] / "content"
    lines = render(content, "journeys/money.txt.j2", "pl", plan=plan, release_date=FRIDAY_RELEASE).splitlines()
    # Step words come from money.yaml; the fixed words around them may still be English until the
    # Polish catalog has them, so only the dates are checked there.
    payment = lines.index("Twoja pierwsza wypłata")
    assert "piątek 10 lipca 2026" in lines[payment + 1]
    assert lines[payment + 2].startswith("Pierwsza wypłata Universal Credit przychodzi około 5 tygodni")
    assert "Złóż wniosek o Universal Credit" in lines


def test_a_booked_jobcentre_appointment_is_the_jobcentre_step(money_catalog: MoneyCatalog,
                                                              holidays: BankHolidays) -> None:
    claim = ClaimFacts(booked={"jobcentre_interview": date(2026, 6, 10)})
    plan = _by_key(money_plan(FRIDAY_RELEASE, claim, FRIDAY_RELEASE, catalog=money_catalog, holidays=holidays))
    step = plan["jobcentre_interview"]
    assert (step.starts, step.due, step.estimated) == (date(2026, 6, 10), date(2026, 6, 10), False)


def test_the_person_file_gives_the_booked_jobcentre_day(session: Session) -> None:
    case = make_case(session)
    staff.book_appointment(session, SYSTEM, case.person.id, datetime(2027, 6, 14, 9, 30, tzinfo=UTC), 30,
                           "Lewisham Jobcentre", "", "jobcentre", "", case.lead.id, policy=SETTINGS.reminder_policy,
                           now=NOW)
    session.commit()
    view = staff.person_file(session, SYSTEM, case.person.id, NOW.date(), NOW)
    facts = claim_facts(view)
    assert facts is not None and facts.booked == {"jobcentre_interview": date(2027, 6, 14)}
