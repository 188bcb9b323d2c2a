"""Open Referral UK JSON into the services directory: a good file, a broken one (every problem, nothing saved)."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from casefile.actors import SystemActor
from casefile.clock import LONDON
from casefile.importing.common import ImportRefused
from casefile.importing.open_referral import parse_open_referral, read_open_referral
from casefile.importing.run import refused_report
from casefile.importing.source import FeedFileError
from casefile.services import HolidayChange, Phone, Place, list_services, open_now, replace_directory
from journeys.calendar import BankHolidays

DATA = Path(__file__).resolve().parent / "data"
GOOD = DATA / "open-referral-good.json"
BROKEN = DATA / "open-referral-broken.json"
SYSTEM = SystemActor("tests")
BANK_HOLIDAYS = BankHolidays.rules_only().is_holiday


def test_a_good_file_is_read_with_the_open_referral_uk_field_names() -> None:
    directory = read_open_referral(GOOD)
    assert directory.source == "open-referral-good.json"
    housing, shelter, food, line = directory.services
    assert (housing.name, housing.organisation.name, housing.categories) == (
        "Housing Advice Desk (test)", "Example Borough Council (test)", ("housing",))
    assert housing.places == (Place("d4000000-0000-4000-8000-000000000001", "Civic Centre (test)",
                                    "1 Example Road, London, Lewisham", "SE6 0YA"),)
    assert housing.phones == (Phone("020 7946 0201", "Front desk", "Housing officer on duty"),)
    assert (housing.eligibility, housing.minimum_age, housing.maximum_age) == ("Adults living in the borough.", 18, None)
    assert [(o.weekday, o.opens_at, o.closes_at, o.valid_from) for o in housing.weekly] == [
        (day, time(9), time(17), date(2027, 1, 1)) for day in range(5)]
    assert housing.holidays == (HolidayChange(date(2027, 12, 24), date(2027, 12, 27)),)
    # A schedule inside a service_at_location is at that place; it runs past midnight.
    assert [(o.weekday, o.opens_at, o.closes_at, o.place) for o in shelter.weekly] == [
        (4, time(20), time(2), 0), (5, time(20), time(2), 0)]
    assert shelter.holidays == (HolidayChange(date(2027, 5, 31), date(2027, 5, 31), False, time(18), time(23)),)
    # weekday as a name, Signpost's bank_holidays, valid_from/valid_to; two taxonomies, two categories.
    assert food.categories == ("food", "money")
    assert [(o.weekday, o.bank_holidays, o.valid_to) for o in food.weekly] == [
        (0, True, None), (3, False, date(2027, 8, 31))]
    # The 3.0 profile's names: schedules, phones and attributes' taxonomy terms.
    assert (line.categories, line.phones, len(line.weekly)) == (("money",), (Phone("020 7946 0204", "Helpline"),), 7)
    assert [(left.ref, left.reason) for left in directory.left_out] == [
        ("left-out-5", "none of its taxonomies is one of Signpost's categories (housing, food, money, "
                       "drugs_alcohol, mental_health, id_documents, legal, health)"),
        ("left-out-6", 'its status is "inactive", not active'),
    ]


def test_a_good_file_becomes_the_directory_and_answers_open_now(session: Session) -> None:
    result = replace_directory(session, SYSTEM, read_open_referral(GOOD))
    assert (result.services, result.organisations) == (4, 3)
    assert "Left out 2 services" in result.summary()
    assert [s.name for s in list_services(session, "housing")] == [
        "Housing Advice Desk (test)", "Weekend Night Shelter (test)"]
    # Saturday 00:30 in June: the shelter's Friday opening runs on; the phone line never closes.
    answer = open_now(session, datetime(2027, 6, 5, 0, 30, tzinfo=LONDON), BANK_HOLIDAYS)
    assert [(item.service.name, item.text()) for item in answer.open] == [
        ("Crisis Money Line (test)", "Open now, all day and night"),
        ("Weekend Night Shelter (test)", "Open now until 02:00")]
    assert answer.open[1].place == Place("d4000000-0000-4000-8000-000000000002", "Church Hall (test)",
                                         "2 Sample Street, London", "SE13 0YE")
    # Spring bank holiday (Monday 31 May 2027): the desk is shut, the food bank opens (bank_holidays),
    # the shelter opens for its holiday hours.
    holiday = open_now(session, datetime(2027, 5, 31, 12, 0, tzinfo=LONDON), BANK_HOLIDAYS)
    said = {item.service.name: item.text() for item in holiday.open + holiday.closed}
    assert said["Housing Advice Desk (test)"] == "Opens tomorrow at 09:00"
    assert said["Food Bank (test)"] == "Open now until 13:00"
    assert said["Weekend Night Shelter (test)"] == "Opens today at 18:00"
    # The desk's holiday closure runs to Monday 27 December; Tuesday 28 is Boxing Day's substitute bank holiday.
    christmas = open_now(session, datetime(2027, 12, 24, 10, 0, tzinfo=LONDON), BANK_HOLIDAYS, category="housing")
    said = {item.service.name: item.text() for item in christmas.closed}
    assert said["Housing Advice Desk (test)"] == "Opens Wednesday at 09:00"


def test_a_broken_file_lists_every_problem_and_nothing_is_saved(session: Session) -> None:
    replace_directory(session, SYSTEM, read_open_referral(GOOD))
    before = list_services(session)
    with pytest.raises(ImportRefused) as refused:
        read_open_referral(BROKEN)
    assert refused_report(refused.value) == [
        "The file was not imported, because it has 12 problems. Nothing was saved.",
        'row 1: service "bad-1": name is missing. Each service needs an id and a name.',
        'row 1: service "bad-1": organization is missing. Each service needs its organization, with an id and a name.',
        'row 1: service "bad-1", regular_schedules item 1: byday "MO,XX": "XX" is not a day. Use MO, TU, WE, TH, '
        "FR, SA or SU, with commas between.",
        'row 1: service "bad-1", regular_schedules item 1: opens_at "25:00" is not a real time. Use the 24-hour '
        "clock, for example 09:00 or 17:30.",
        'row 1: service "bad-1", regular_schedules item 2: freq "MONTHLY": Signpost reads weekly opening hours '
        "only. Use freq WEEKLY with the days in byday, like MO,TU,WE.",
        'row 2: service "bad-2", service_at_locations item 1, physical_addresses item 1: postal_code "NOT A '
        'POSTCODE" is not a UK postcode. Write it like SE6 4RU.',
        'row 2: service "bad-2", regular_schedules item 1: opens_at "09:00Z" has a time zone on it. Opening times '
        "are read as London clock times, so write it without one, for example 09:00.",
        'row 2: service "bad-2", holiday_schedules item 1: end_date (2027-12-24) is before start_date (2027-12-27). '
        "Check the dates.",
        'row 2: service "bad-2", contacts item 1, phones item 1: number "call us" is not a phone number. Write only '
        "the digits and spaces, like 020 7946 0001.",
        'row 3: this is not a service in { }, like {"id": ..., "name": ...}.',
        'row 4: service "bad-1", regular_schedules item 1: closes_at is missing. Each schedule needs opens_at and '
        "closes_at, like 09:00 and 17:00.",
        'row 4: the id "bad-1" is given to more than one service (rows 1 and 4). Each service needs its own id.',
        "Fix these and import the file again.",
    ]
    assert list_services(session) == before


def test_an_open_referral_api_page_is_read_too() -> None:
    services = json.loads(GOOD.read_text(encoding="utf-8"))
    page = json.dumps({"totalElements": len(services), "number": 1, "content": services})
    assert len(parse_open_referral(page, "page.json").services) == 4


@pytest.mark.parametrize(("text", "said"), [
    ("{not json", "page.json is not valid JSON (line 1, column 2"),
    ('{"services": []}', 'must hold a list of services in [ ], or an Open Referral page like {"content": [...]}'),
])
def test_a_file_that_is_not_open_referral_json_says_so(text: str, said: str) -> None:
    with pytest.raises(FeedFileError) as problem:
        parse_open_referral(text, "page.json")
    assert said in problem.value.message


def test_an_empty_list_and_an_organisation_described_two_ways_are_refused() -> None:
    with pytest.raises(ImportRefused, match="1 problem"):
        parse_open_referral("[]", "empty.json")
    one = {"id": "s1", "name": "One", "organization": {"id": "o", "name": "Org"},
           "service_taxonomys": [{"taxonomy": {"name": "Legal advice"}}]}
    two = {**one, "id": "s2", "organization": {"id": "o", "name": "Another name"}}
    with pytest.raises(ImportRefused) as refused:
        parse_open_referral(json.dumps([one, two]), "two.json")
    assert [str(problem) for problem in refused.value.problems] == [
        'row 2: organization "o" is not described as in row 1. Give it the same name and details everywhere.']
