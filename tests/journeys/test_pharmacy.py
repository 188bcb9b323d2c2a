from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta
from pathlib import Path

import pytest

from bot.text import render
from journeys.calendar import BankHolidays
from journeys.pharmacy import (
    FRIDAY,
    MONDAY,
    SATURDAY,
    SUNDAY,
    WEDNESDAY,
    MissedLevel,
    PharmacyFacts,
    PharmacyFactsError,
    ShutReason,
    changes_ahead,
    missed_warning,
    pharmacy_answer,
    pickup_schedule,
    script_end_notice,
    shut_days,
)

CONTENT = Path(__file__).resolve().parents[2] / "content"
NINE_TO_SIX = (time(9), time(18))
# Open Monday to Saturday, shut on Sunday; the person goes every day at 10:00.
DAILY = PharmacyFacts(
    name="Riverside Pharmacy",
    address="12 Station Road, London SE13",
    opening={day: NINE_TO_SIX for day in range(MONDAY, SATURDAY)} | {SATURDAY: (time(9), time(13))},
    pickup_days=set(range(7)),
    pickup_time=time(10),
    prescriber_contact="Lewisham drug service, 020 7946 0123",
)


def _doses(visit_doses: tuple) -> list[tuple[date, bool, ShutReason | None]]:
    return [(dose.day, dose.takeaway, dose.moved_because) for dose in visit_doses]


def test_shut_sunday_dose_is_a_saturday_takeaway(holidays: BankHolidays) -> None:
    schedule = pickup_schedule(DAILY, date(2026, 6, 5), 3, holidays)  # Friday to Sunday
    assert [visit.date for visit in schedule] == [date(2026, 6, 5), date(2026, 6, 6)]
    assert _doses(schedule[1].doses) == [
        (date(2026, 6, 6), False, None),
        (date(2026, 6, 7), True, ShutReason.WEEKLY_CLOSED),
    ]
    shut = shut_days(DAILY, date(2026, 6, 5), 3, holidays)
    assert [(day.date, day.reason, day.collect_on) for day in shut] == [
        (date(2026, 6, 7), ShutReason.WEEKLY_CLOSED, date(2026, 6, 6))]


def test_bank_holiday_monday(holidays: BankHolidays) -> None:
    schedule = pickup_schedule(DAILY, date(2026, 5, 22), 5, holidays)  # Friday to Tuesday
    saturday = next(visit for visit in schedule if visit.date == date(2026, 5, 23))
    assert _doses(saturday.doses) == [
        (date(2026, 5, 23), False, None),
        (date(2026, 5, 24), True, ShutReason.WEEKLY_CLOSED),
        (date(2026, 5, 25), True, ShutReason.BANK_HOLIDAY),
    ]
    assert date(2026, 5, 25) not in [visit.date for visit in schedule]
    assert [visit.date for visit in schedule][-1] == date(2026, 5, 26)


def test_easter_good_friday_and_monday(holidays: BankHolidays) -> None:
    schedule = {visit.date: visit for visit in pickup_schedule(DAILY, date(2026, 4, 1), 7, holidays)}
    assert sorted(schedule) == [date(2026, 4, 1), date(2026, 4, 2), date(2026, 4, 4), date(2026, 4, 7)]
    assert [dose.day for dose in schedule[date(2026, 4, 2)].moved_doses] == [date(2026, 4, 3)]
    assert [dose.day for dose in schedule[date(2026, 4, 4)].moved_doses] == [date(2026, 4, 5), date(2026, 4, 6)]


def test_a_pharmacy_open_on_a_bank_holiday(holidays: BankHolidays) -> None:
    facts = replace(DAILY, bank_holiday_opening={date(2026, 5, 25): (time(10), time(14))})
    schedule = {visit.date: visit for visit in pickup_schedule(facts, date(2026, 5, 23), 3, holidays)}
    assert date(2026, 5, 25) in schedule
    assert schedule[date(2026, 5, 25)].opens_at.hour == 10


def test_planned_takeaways_move_with_a_shut_pick_up_day(holidays: BankHolidays) -> None:
    # Goes Monday, Wednesday and Friday and takes the weekend home on Friday. Good Friday is shut.
    facts = replace(DAILY, pickup_days={MONDAY, WEDNESDAY, FRIDAY})
    usual = pickup_schedule(facts, date(2026, 3, 23), 7, holidays)
    friday = next(visit for visit in usual if visit.date == date(2026, 3, 27))
    assert _doses(friday.doses) == [(date(2026, 3, 27), False, None), (date(2026, 3, 28), True, None),
                                    (date(2026, 3, 29), True, None)]
    easter = {visit.date: visit for visit in pickup_schedule(facts, date(2026, 3, 30), 10, holidays)}
    # Good Friday's visit moves to Thursday. Easter Monday's visit (Monday and Tuesday's doses) moves to
    # Saturday, the last day the pharmacy is open before it, though Saturday is not a usual pick-up day.
    assert sorted(easter) == [date(2026, 3, 30), date(2026, 4, 1), date(2026, 4, 2), date(2026, 4, 4),
                              date(2026, 4, 8)]
    assert _doses(easter[date(2026, 4, 1)].doses) == [(date(2026, 4, 1), False, None),
                                                      (date(2026, 4, 2), True, None)]
    assert _doses(easter[date(2026, 4, 2)].doses) == [
        (date(2026, 4, 3), True, ShutReason.BANK_HOLIDAY),
        (date(2026, 4, 4), True, ShutReason.BANK_HOLIDAY),
        (date(2026, 4, 5), True, ShutReason.BANK_HOLIDAY),
    ]
    assert _doses(easter[date(2026, 4, 4)].doses) == [
        (date(2026, 4, 6), True, ShutReason.BANK_HOLIDAY), (date(2026, 4, 7), True, ShutReason.BANK_HOLIDAY)]


def test_takeaway_days(holidays: BankHolidays) -> None:
    facts = replace(DAILY, takeaway_days={WEDNESDAY})
    schedule = pickup_schedule(facts, date(2026, 6, 8), 3, holidays)
    assert [(visit.date, visit.doses[0].takeaway) for visit in schedule] == [
        (date(2026, 6, 8), False), (date(2026, 6, 9), False), (date(2026, 6, 10), True)]


def test_script_start_and_end(holidays: BankHolidays) -> None:
    facts = replace(DAILY, script_start=date(2026, 6, 8), script_end=date(2026, 6, 10))
    schedule = pickup_schedule(facts, date(2026, 6, 1), 14, holidays)
    assert [visit.date for visit in schedule] == [date(2026, 6, 8), date(2026, 6, 9), date(2026, 6, 10)]
    assert script_end_notice(facts, date(2026, 6, 1)) is None  # more than a week away
    soon = script_end_notice(facts, date(2026, 6, 4))
    assert soon is not None and soon.days_from_today == 6
    ended = script_end_notice(facts, date(2026, 6, 12))
    assert ended is not None and ended.days_from_today == -2


def test_a_script_starting_on_a_shut_day_has_nowhere_to_collect(holidays: BankHolidays) -> None:
    facts = replace(DAILY, script_start=date(2026, 6, 7))  # a Sunday
    assert [visit.date for visit in pickup_schedule(facts, date(2026, 6, 7), 2, holidays)] == [date(2026, 6, 8)]
    [shut] = shut_days(facts, date(2026, 6, 7), 2, holidays)
    assert (shut.date, shut.collect_on) == (date(2026, 6, 7), None)


def test_pick_up_time_outside_the_days_hours(holidays: BankHolidays) -> None:
    facts = replace(DAILY, pickup_time=time(15))
    friday, saturday = pickup_schedule(facts, date(2026, 6, 5), 2, holidays)
    assert friday.usual_time and friday.pickup_at.hour == 15
    assert not saturday.usual_time and saturday.pickup_at.hour == 9
    assert saturday.pickup_at.utcoffset() == timedelta(hours=1)  # British Summer Time


@pytest.mark.parametrize(("missed", "level"), [(0, None), (1, None), (2, MissedLevel.GENTLE),
                                               (3, MissedLevel.STOP_RISK), (5, MissedLevel.STOP_RISK)])
def test_missed_pick_ups(missed: int, level: MissedLevel | None) -> None:
    warning = missed_warning(replace(DAILY, missed_in_a_row=missed))
    assert (warning.level if warning else None) == level
    if warning:
        assert warning.prescriber_contact == "Lewisham drug service, 020 7946 0123"


def test_changes_ahead_for_reminders(holidays: BankHolidays) -> None:
    notices = changes_ahead(DAILY, date(2026, 5, 18), 14, holidays)
    assert [(notice.on, notice.dose_days) for notice in notices] == [
        (date(2026, 5, 23), (date(2026, 5, 24), date(2026, 5, 25))),
        (date(2026, 5, 30), (date(2026, 5, 31),)),
    ]
    assert [day.reason for day in notices[0].shut_days] == [ShutReason.WEEKLY_CLOSED, ShutReason.BANK_HOLIDAY]
    one_day = render(CONTENT, "journeys/pharmacy_notice.txt.j2", "en", notice=notices[1])
    assert one_day == "Tomorrow the pharmacy is shut. Collect tomorrow's dose today, at 10:00, and take it home."
    two_days = render(CONTENT, "journeys/pharmacy_notice.txt.j2", "en", notice=notices[0])
    assert two_days == ("The pharmacy is shut on Sunday 24 May 2026, Monday 25 May 2026. "
                        "Today at 10:00, collect 2 extra doses to take home.")


def test_notice_before_a_weekday_bank_holiday(holidays: BankHolidays) -> None:
    [notice] = changes_ahead(DAILY, date(2026, 4, 1), 2, holidays)
    assert notice.on == date(2026, 4, 2)
    text = render(CONTENT, "journeys/pharmacy_notice.txt.j2", "en", notice=notice)
    assert text == ("Tomorrow is a bank holiday, and the pharmacy is shut. Collect tomorrow's dose today, at 10:00, "
                    "and take it home.")


def test_pharmacy_reply(holidays: BankHolidays) -> None:
    facts = replace(DAILY, takeaway_days={WEDNESDAY}, script_end=date(2026, 6, 12), missed_in_a_row=3)
    answer = pharmacy_answer(facts, date(2026, 6, 5), holidays, days=7)
    text = render(CONTENT, "journeys/pharmacy.txt.j2", "en", answer=answer)
    assert text.startswith(
        "You have missed 3 pick-ups in a row. The pharmacy may not give you your dose until they talk to your "
        "prescriber. This keeps you safe. Contact your prescriber today: Lewisham drug service, 020 7946 0123.\n\n"
        "Your pharmacy: Riverside Pharmacy\n12 Station Road, London SE13\n\nWhen to go:\n"
        "- Friday 5 June 2026 at 10:00. Take your dose there.\n"
        "- Saturday 6 June 2026 at 10:00. Take your dose there. Also collect the dose for Sunday 7 June 2026 and "
        "take it home.\n")
    assert "- Wednesday 10 June 2026 at 10:00. Collect your dose and take it home.\n" in text
    assert ("Days the pharmacy is shut:\n"
            "- Sunday 7 June 2026: the pharmacy is shut. Collect that day's dose on Saturday 6 June 2026.\n") in text
    assert "Keep doses you take home somewhere safe, away from children." in text
    assert text.endswith("Your prescription ends on Friday 12 June 2026, in 7 days. Talk to your prescriber "
                         "before then, so you do not run out. Your prescriber: Lewisham drug service, 020 7946 0123.")


def test_pharmacy_reply_gentle_warning_and_bank_holiday(holidays: BankHolidays) -> None:
    answer = pharmacy_answer(replace(DAILY, missed_in_a_row=2), date(2026, 5, 23), holidays, days=3)
    text = render(CONTENT, "journeys/pharmacy.txt.j2", "en", answer=answer)
    assert text.startswith("You have missed 2 pick-ups in a row. Try to go today. If you miss one more, the "
                           "pharmacy may stop your dose until your prescriber is contacted.\n")
    assert ("- Monday 25 May 2026 is a bank holiday. The pharmacy is shut. Collect that day's dose on Saturday "
            "23 May 2026.") in text


@pytest.mark.parametrize("language", ["cy", "pl"])
def test_pharmacy_reply_other_languages(language: str, holidays: BankHolidays) -> None:
    answer = pharmacy_answer(DAILY, date(2026, 6, 5), holidays, days=3)
    text = render(CONTENT, "journeys/pharmacy.txt.j2", language, answer=answer)
    assert {"cy": "Dydd Sadwrn 6 Mehefin 2026", "pl": "sobota 6 czerwca 2026"}[language] in text


@pytest.mark.parametrize(("changes", "message"), [
    ({"pickup_days": set()}, "There are no pick-up days"),
    ({"pickup_days": {7}}, "The pick-up days use 7"),
    ({"opening": {MONDAY: (time(18), time(9))}}, "Opening 18:00 is not before closing 09:00."),
    ({"script_start": date(2026, 6, 10), "script_end": date(2026, 6, 1)}, "The prescription ends before it starts"),
    ({"missed_in_a_row": -1}, "cannot be below 0"),
])
def test_wrong_pharmacy_details_say_what_to_fix(changes: dict, message: str) -> None:
    with pytest.raises(PharmacyFactsError, match=message):
        replace(DAILY, **changes)


def test_no_days_means_no_visits(holidays: BankHolidays) -> None:
    assert pickup_schedule(DAILY, date(2026, 6, 5), 0, holidays) == []
    assert SUNDAY not in DAILY.opening
