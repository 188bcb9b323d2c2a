"""The services directory and "open now": across midnight, bank holidays, closures, clock changes, the demo.

The hours are London wall-clock times; each case says the moment in London time and, where the clocks
change, in UTC too, so the test shows which real instant it means.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.services_yaml import parse_services_yaml, read_services_yaml
from casefile import demo
from casefile.actors import StaffActor, SystemActor
from casefile.clock import LONDON
from casefile.errors import InvalidInput, PermissionDenied
from casefile.importing.common import ImportRefused
from casefile.importing.service_fields import clock_time
from casefile.models import AuditEvent, Service, ServiceSchedule
from casefile.services import (
    HolidayChange,
    IsBankHoliday,
    Organisation,
    ParsedDirectory,
    Place,
    ServiceEntry,
    WeeklyOpening,
    list_services,
    no_bank_holidays,
    open_now,
    open_state,
    replace_directory,
    weekly_hours_text,
)
from journeys.calendar import BankHolidays

SYSTEM = SystemActor("tests")
DEMO_YAML = Path(__file__).resolve().parents[2] / "content" / "services" / "lewisham-demo.yaml"
BANK_HOLIDAYS = BankHolidays.rules_only().is_holiday
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
WEEKDAYS = (MON, TUE, WED, THU, FRI)
ORG = Organisation("org-1", "Test Org")


def london(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def weekly(days: tuple[int, ...], opens: str, closes: str, **extra: Any) -> tuple[WeeklyOpening, ...]:
    """Openings on `days`; "24:00" is midnight at the end of the day, as the files allow."""
    return tuple(WeeklyOpening(day, clock_time(opens), clock_time(closes), **extra) for day in days)


def state_text(hours: tuple[WeeklyOpening, ...], at: datetime, holidays: tuple[HolidayChange, ...] = (),
               is_bank_holiday: IsBankHoliday = no_bank_holidays) -> str:
    return open_state(hours, holidays, at, is_bank_holiday).text()


def entry(ref: str, hours: tuple[WeeklyOpening, ...] = (), *, categories: tuple[str, ...] = ("housing",),
          holidays: tuple[HolidayChange, ...] = (), name: str | None = None) -> ServiceEntry:
    return ServiceEntry(ref, name or f"Service {ref}", ORG, categories, places=(Place(name=f"Place {ref}"),),
                        weekly=hours, holidays=holidays)


# --- Opening hours, worked out without a database -------------------------------------------------------


NIGHT = weekly((FRI,), "20:00", "02:00")  # Friday 20:00 until 02:00 on Saturday


@pytest.mark.parametrize(("at", "said"), [
    (london(2027, 6, 4, 19, 0), "Opens today at 20:00"),  # Friday evening, before it opens
    (london(2027, 6, 4, 20, 0), "Open now until 02:00"),  # opening on the minute
    (london(2027, 6, 4, 23, 59), "Open now until 02:00"),
    (london(2027, 6, 5, 1, 30), "Open now until 02:00"),  # Saturday, after midnight: Friday's opening
    (london(2027, 6, 5, 2, 0), "Opens Friday at 20:00"),  # closing on the minute: closed
    (london(2027, 6, 10, 12, 0), "Opens tomorrow at 20:00"),
])
def test_an_opening_past_midnight_belongs_to_the_day_it_starts(at: datetime, said: str) -> None:
    assert state_text(NIGHT, at) == said


def test_openings_that_meet_are_one_and_24_hours_every_day_is_all_day_and_night() -> None:
    always = weekly(tuple(range(7)), "00:00", "00:00")
    assert state_text(always, london(2027, 6, 6, 3, 0)) == "Open now, all day and night"
    weekdays_only = weekly(WEEKDAYS, "00:00", "00:00")
    assert state_text(weekdays_only, london(2027, 6, 9, 12, 0)) == "Open now until midnight on Friday"
    assert state_text(weekdays_only, london(2027, 6, 11, 12, 0)) == "Open now until midnight"
    assert state_text(weekdays_only, london(2027, 6, 12, 12, 0)) == "Opens Monday at 00:00"
    # Monday to Thursday 21:00 to 09:00 the next morning, and 09:00 to 21:00 in the day: one long stretch.
    round_the_clock = weekly((MON, TUE, WED, THU), "21:00", "09:00") + weekly(WEEKDAYS, "09:00", "21:00")
    assert state_text(round_the_clock, london(2027, 6, 8, 3, 0)) == "Open now until Friday 21:00"


def test_a_bank_holiday_is_closed_unless_the_opening_says_bank_holidays_too() -> None:
    spring_bank_holiday = london(2027, 5, 31, 10, 0)  # the last Monday of May 2027
    assert BANK_HOLIDAYS(spring_bank_holiday.date())
    office = weekly(WEEKDAYS, "09:00", "17:00")
    assert state_text(office, spring_bank_holiday, is_bank_holiday=BANK_HOLIDAYS) == "Opens tomorrow at 09:00"
    assert state_text(office, spring_bank_holiday) == "Open now until 17:00"  # the caller passed no calendar
    helpline = weekly(WEEKDAYS, "09:00", "17:00", bank_holidays=True)
    assert state_text(helpline, spring_bank_holiday, is_bank_holiday=BANK_HOLIDAYS) == "Open now until 17:00"
    # A holiday change with hours opens the day, whatever the weekly hours say.
    special = (HolidayChange(date(2027, 5, 31), date(2027, 5, 31), closed=False, opens_at=time(11),
                             closes_at=time(14)),)
    assert state_text(office, spring_bank_holiday, special, BANK_HOLIDAYS) == "Opens today at 11:00"
    # Good Friday 2027 (26 March) stops a Friday-night opening; its Saturday-morning end belongs to Friday.
    assert state_text(NIGHT, london(2027, 3, 26, 21, 0), is_bank_holiday=BANK_HOLIDAYS) == (
        "Opens Friday 2 April at 20:00")


def test_a_holiday_closure_closes_the_days_it_covers() -> None:
    office = weekly(WEEKDAYS, "09:00", "17:00")
    training = (HolidayChange(date(2027, 6, 7), date(2027, 6, 8), description="Staff training"),)
    assert state_text(office, london(2027, 6, 7, 10, 0), training) == "Opens Wednesday at 09:00"
    assert state_text(office, london(2027, 6, 4, 16, 0), training) == "Open now until 17:00"
    assert state_text(office, london(2027, 6, 5, 10, 0), training) == "Opens Wednesday at 09:00"
    # A closure on Saturday does not cut short Friday's opening that runs into it.
    saturday = (HolidayChange(date(2027, 6, 5), date(2027, 6, 5)),)
    assert state_text(NIGHT, london(2027, 6, 5, 1, 0), saturday) == "Open now until 02:00"
    friday = (HolidayChange(date(2027, 6, 4), date(2027, 6, 4)),)
    assert state_text(NIGHT, london(2027, 6, 5, 1, 0), friday) == "Opens Friday at 20:00"


def test_valid_from_and_valid_to_bound_the_days_an_opening_starts_on() -> None:
    summer = weekly((THU,), "10:00", "13:00", valid_from=date(2027, 6, 1), valid_to=date(2027, 8, 31))
    assert state_text(summer, london(2027, 5, 27, 11, 0)) == "Opens Thursday 3 June at 10:00"
    assert state_text(summer, london(2027, 6, 3, 11, 0)) == "Open now until 13:00"
    assert state_text(summer, london(2027, 8, 26, 11, 0)) == "Open now until 13:00"
    assert state_text(summer, london(2027, 9, 2, 11, 0)) == "Not open in the next 14 days"


def test_a_service_with_no_hours_says_to_call_first() -> None:
    assert state_text((), london(2027, 6, 9, 12, 0)) == "Opening hours not known: call first"


def test_clocks_going_forward_last_sunday_of_march_2027() -> None:
    # 28 March 2027: at 01:00 GMT the clocks go to 02:00 BST. Hours are wall-clock London times.
    saturday_night = weekly((SAT,), "20:00", "02:00")
    assert state_text(saturday_night, utc(2027, 3, 28, 0, 30)) == "Open now until 02:00"  # 00:30 GMT
    state = open_state(saturday_night, (), utc(2027, 3, 28, 0, 30), no_bank_holidays)
    assert state.closes == london(2027, 3, 28, 2, 0) and state.closes.astimezone(UTC) == utc(2027, 3, 28, 1, 0)
    assert not open_state(saturday_night, (), utc(2027, 3, 28, 1, 0), no_bank_holidays).open  # 02:00 BST
    # A Sunday 09:00 opening is 09:00 BST, 08:00 in UTC; the Saturday before, 09:00 was 09:00 UTC.
    sunday = weekly((SAT, SUN), "09:00", "12:00")
    assert state_text(sunday, utc(2027, 3, 28, 8, 15)) == "Open now until 12:00"
    assert state_text(sunday, utc(2027, 3, 27, 8, 15)) == "Opens today at 09:00"
    # 01:30 does not happen that night: it is read as 01:30 winter time, that is 02:30 BST.
    odd = weekly((SUN,), "01:30", "03:00")
    assert state_text(odd, utc(2027, 3, 28, 1, 15)) == "Opens today at 02:30"  # 02:15 BST
    assert state_text(odd, utc(2027, 3, 28, 1, 45)) == "Open now until 03:00"  # 02:45 BST
    always = weekly(tuple(range(7)), "00:00", "24:00")
    assert state_text(always, utc(2027, 3, 28, 1, 0)) == "Open now, all day and night"


def test_clocks_going_back_last_sunday_of_october_2027() -> None:
    # 31 October 2027: at 02:00 BST the clocks go back to 01:00 GMT, so 01:00 to 02:00 happens twice.
    saturday_night = weekly((SAT,), "20:00", "02:00")
    first_pass = utc(2027, 10, 31, 0, 30)  # 01:30 BST
    second_pass = utc(2027, 10, 31, 1, 30)  # 01:30 GMT
    for moment in (first_pass, second_pass):
        state = open_state(saturday_night, (), moment, no_bank_holidays)
        assert state.text() == "Open now until 02:00"
        assert state.closes is not None and state.closes.astimezone(UTC) == utc(2027, 10, 31, 2, 0)
    # Opened at 20:00 BST (19:00 UTC), closed at 02:00 GMT: seven real hours.
    assert open_state(saturday_night, (), utc(2027, 10, 30, 18, 59), no_bank_holidays).text() == "Opens today at 20:00"
    assert open_state(saturday_night, (), utc(2027, 10, 30, 19, 0), no_bank_holidays).open
    # A closing time that happens twice means the first one: never open longer than the door says.
    early = weekly((SUN,), "00:30", "01:30")
    assert open_state(early, (), utc(2027, 10, 31, 0, 15), no_bank_holidays).open  # 01:15 BST
    assert not open_state(early, (), utc(2027, 10, 31, 0, 45), no_bank_holidays).open  # 01:45 BST
    # Monday after: 09:00 is 09:00 GMT again.
    assert state_text(weekly(WEEKDAYS, "09:00", "17:00"), utc(2027, 11, 1, 8, 30)) == "Opens today at 09:00"


def test_weekly_hours_in_words() -> None:
    hours = (weekly(WEEKDAYS, "09:00", "17:00") + weekly((TUE, THU), "18:00", "20:00")
             + weekly((SAT,), "21:00", "02:00") + weekly(tuple(range(7)), "00:00", "00:00", bank_holidays=True))
    assert weekly_hours_text(hours) == [
        "Every day, all day and night, bank holidays too",
        "Monday to Friday, 09:00 to 17:00",
        "Tuesday and Thursday, 18:00 to 20:00",
        "Saturday, 21:00 to 02:00",
    ]


def test_a_time_without_a_zone_is_refused() -> None:
    with pytest.raises(InvalidInput):
        open_state(NIGHT, (), datetime(2027, 6, 4, 21, 0), no_bank_holidays)


# --- The directory in the database -------------------------------------------------------------------------


def test_replacing_the_directory_swaps_everything_in_one_audited_go(session: Session) -> None:
    first = ParsedDirectory("first.json", (entry("a", NIGHT), entry("b", categories=("food", "money"))))
    result = replace_directory(session, SYSTEM, first)
    assert (result.services, result.organisations, result.removed) == (2, 1, 0)
    assert [s.ref for s in list_services(session)] == ["a", "b"]
    second = ParsedDirectory("second.yaml", (entry("c", weekly(WEEKDAYS, "09:00", "17:00")),))
    assert "it had 2 before" in replace_directory(session, SYSTEM, second).summary()
    (only,) = list_services(session)
    assert (only.ref, only.source, only.place, len(only.weekly)) == ("c", "second.yaml", Place(name="Place c"), 5)
    assert session.scalar(select(func.count()).select_from(ServiceSchedule)) == 5
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.subject == "services")).all()
    assert actions == ["write.services.replace", "write.services.replace"]


def test_only_signposts_own_tools_replace_the_directory_and_a_broken_one_is_refused(session: Session) -> None:
    with pytest.raises(PermissionDenied):
        replace_directory(session, StaffActor(1), ParsedDirectory("x.json", (entry("a"),)))
    with pytest.raises(InvalidInput, match="Each service needs its own id"):
        replace_directory(session, SYSTEM, ParsedDirectory("x.json", (entry("a"), entry("a"))))
    with pytest.raises(InvalidInput, match="categories"):
        replace_directory(session, SYSTEM, ParsedDirectory("x.json", (entry("a", categories=("pets",)),)))
    assert session.scalar(select(func.count()).select_from(Service)) == 0


def test_services_by_category_and_a_category_that_does_not_exist(session: Session) -> None:
    replace_directory(session, SYSTEM, ParsedDirectory("x.json", (
        entry("a", categories=("food",)), entry("b", categories=("money", "food")), entry("c"))))
    assert [s.ref for s in list_services(session, "food")] == ["a", "b"]
    assert list_services(session, "food")[1].categories == ("food", "money")  # in the fixed list's order
    assert list_services(session, "legal") == []
    with pytest.raises(InvalidInput, match="not a category"):
        list_services(session, "pets")


def test_open_now_lists_the_open_ones_then_the_rest_by_when_they_open(session: Session) -> None:
    replace_directory(session, SYSTEM, ParsedDirectory("x.json", (
        entry("night", NIGHT, name="Night shelter"),
        entry("office", weekly(WEEKDAYS, "09:00", "17:00"), name="Office"),
        entry("line", weekly(tuple(range(7)), "00:00", "00:00"), name="Phone line"),
        entry("unknown", name="Unknown hours"),
    )))
    answer = open_now(session, london(2027, 6, 4, 18, 0), BANK_HOLIDAYS)
    assert [(item.service.name, item.text()) for item in answer.open] == [
        ("Phone line", "Open now, all day and night")]
    assert [(item.service.name, item.text()) for item in answer.closed] == [
        ("Night shelter", "Opens today at 20:00"), ("Office", "Opens Monday at 09:00"),
        ("Unknown hours", "Opening hours not known: call first")]
    assert not answer.nothing_open and answer.services == 4
    assert answer.closed[0].place == Place(name="Place night")
    assert open_now(session, london(2027, 6, 4, 18, 0), BANK_HOLIDAYS, category="food").services == 0


# --- The demo directory (content/services/lewisham-demo.yaml) ----------------------------------------------


@pytest.fixture
def demo_directory(session: Session) -> ParsedDirectory:
    directory = read_services_yaml(DEMO_YAML)
    replace_directory(session, SYSTEM, directory)
    return directory


def test_the_demo_covers_every_category_with_evenings_one_24_hour_line_and_fictional_numbers(
    demo_directory: ParsedDirectory, session: Session
) -> None:
    services = list_services(session)
    assert {category for service in services for category in service.categories} == {
        "housing", "food", "money", "drugs_alcohol", "mental_health", "id_documents", "legal", "health"}
    assert all(service.name.endswith("(demo)") for service in services)
    assert all(phone.phone.startswith("020 7946 0") for service in services for phone in service.phones)
    evenings = [s.name for s in services if any(o.closes_at >= time(19) or o.closes_at < o.opens_at
                                                for o in s.weekly)]
    assert len(evenings) >= 4
    sunday = [s.name for s in services if any(o.weekday == SUN for o in s.weekly)]
    assert sunday == ["Out-of-hours Housing Line (demo)"]
    assert "Every day, all day and night, bank holidays too" in services[
        [s.name for s in services].index("Out-of-hours Housing Line (demo)")].hours_text()


def test_demo_friday_at_19_30_only_the_24_hour_line_is_open(demo_directory: ParsedDirectory,
                                                            session: Session) -> None:
    answer = open_now(session, london(2027, 6, 4, 19, 30), BANK_HOLIDAYS)
    assert [(item.service.name, item.text(), item.service.phone) for item in answer.open] == [
        ("Out-of-hours Housing Line (demo)", "Open now, all day and night", "020 7946 0102")]
    said = {item.service.name: item.text() for item in answer.closed}
    assert said["Friday Night Recovery Cafe (demo)"] == "Opens today at 21:00"
    assert said["Catford Community Larder (demo)"] == "Opens tomorrow at 10:00"
    assert said["Housing Options Desk (demo)"] == "Opens Monday at 09:00"
    assert answer.closed[0].service.name == "Friday Night Recovery Cafe (demo)"  # soonest first
    later = open_now(session, london(2027, 6, 4, 23, 0), BANK_HOLIDAYS, category="drugs_alcohol")
    assert [(item.service.name, item.text()) for item in later.open] == [
        ("Friday Night Recovery Cafe (demo)", "Open now until 02:00")]


def test_demo_sunday_at_11_nothing_but_the_24_hour_line(demo_directory: ParsedDirectory, session: Session) -> None:
    answer = open_now(session, london(2027, 6, 6, 11, 0), BANK_HOLIDAYS)
    assert [item.service.name for item in answer.open] == ["Out-of-hours Housing Line (demo)"]
    said = {item.service.name: item.text() for item in answer.closed}
    assert said["Ladywell Walk-in Health Centre (demo)"] == "Opens tomorrow at 08:00"
    assert said["Catford Community Larder (demo)"] == "Opens Tuesday at 10:00"
    assert said["Friday Night Recovery Cafe (demo)"] == "Opens Friday at 21:00"
    food = open_now(session, london(2027, 6, 6, 11, 0), BANK_HOLIDAYS, category="food")
    assert food.nothing_open
    assert [item.text() for item in food.closed] == ["Opens tomorrow at 18:00", "Opens Tuesday at 10:00"]


def test_the_demo_larder_closes_for_christmas(demo_directory: ParsedDirectory, session: Session) -> None:
    answer = open_now(session, london(2027, 12, 28, 11, 0), BANK_HOLIDAYS, category="food")
    said = {item.service.name: item.text() for item in answer.closed}
    assert said["Catford Community Larder (demo)"] == "Opens Tuesday 4 January at 10:00"


def test_demo_seeding_fills_an_empty_directory_but_never_replaces_a_real_one(
    session_factory: sessionmaker[Session], session: Session
) -> None:
    directory = read_services_yaml(DEMO_YAML)
    now = datetime(2027, 6, 9, 8, 0, tzinfo=UTC)
    assert "11 services" in demo.seed_demo_services(session_factory, directory, now)
    assert "it had 11 before" in demo.seed_demo_services(session_factory, directory, now)
    replace_directory(session, SYSTEM, ParsedDirectory("lewisham.json", (entry("real"),)))
    said = demo.seed_demo_services(session_factory, directory, now)
    assert "lewisham.json" in said and "not added" in said
    assert [s.ref for s in list_services(session)] == ["real"]


# --- The editors' YAML ------------------------------------------------------------------------------------------


def test_yaml_problems_are_listed_with_their_lines_and_nothing_is_read() -> None:
    source = """\
organisations:
  - id: org
    name: Org
services:
  - id: one
    name: One
    organisation: orgg
    categories: [housing, drugs]
    phones: [call us]
    place: {name: Hall, postcode: nowhere}
    hours:
      - days: [monday, funday]
        opens: "9am"
        closes: "17:00"
      - days: friday
        opens: "21:00"
    closed:
      - from: 2027-12-27
        until: 2027-12-24
    colour: blue
  - id: one
    name: Again
    organisation: org
    categories: [food]
"""
    with pytest.raises(ImportRefused) as refused:
        parse_services_yaml(source, "test.yaml")
    assert [str(problem) for problem in refused.value.problems] == [
        'test.yaml:20: "colour" is not a field of a service. The fields are: id, name, organisation, categories, '
        "description, url, email, eligibility, minimum_age, maximum_age, phones, place, places, hours, closed.",
        'test.yaml:7: there is no organisation with the id "orgg". Add it under `organisations:` at the top, '
        "or check the spelling.",
        'test.yaml:8: "drugs" is not a category. Use one or more of: housing, food, money, drugs_alcohol, '
        "mental_health, id_documents, legal, health.",
        "test.yaml:10: postcode \"nowhere\" is not a UK postcode. Write it like SE6 4RU.",
        'test.yaml:9: phone "call us" is not a phone number. Write only the digits and spaces, like 020 7946 0001.',
        'test.yaml:12: days "funday" is not a day of the week. Write the days as a list, like [monday, tuesday], '
        "or: every day, weekdays, weekends, monday to friday.",
        'test.yaml:13: opens "9am" is not a time. Use the 24-hour clock, for example 09:00 or 17:30.',
        'test.yaml:15: closes is missing. Each opening needs days, opens and closes, like opens: "09:00" and '
        'closes: "17:00".',
        "test.yaml:19: until (2027-12-24) is before from (2027-12-27). Check the dates.",
        'test.yaml:21: the id "one" is already used on line 5. Give each service its own id.',
    ]


def test_yaml_that_is_not_yaml_says_the_line() -> None:
    from casefile.importing.source import FeedFileError

    with pytest.raises(FeedFileError, match=r"^bad.yaml:3: "):
        parse_services_yaml("services:\n  - id: a\n  name: [unclosed\n", "bad.yaml")


def test_yaml_day_ranges_and_a_repeated_id_across_midnight() -> None:
    directory = parse_services_yaml("""\
organisations: [{id: o, name: O}]
services:
  - id: s
    name: S
    organisation: o
    categories: [legal]
    hours:
      - days: friday to monday
        opens: "22:00"
        closes: "06:00"
""", "ok.yaml")
    (service,) = directory.services
    assert [opening.weekday for opening in service.weekly] == [FRI, SAT, SUN, MON]
    assert weekly_hours_text(service.weekly) == ["Monday, Friday, Saturday and Sunday, 22:00 to 06:00"]
