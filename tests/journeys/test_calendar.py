from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from glossary.findings import ContentError
from journeys.calendar import BankHolidays, easter_sunday, holidays_by_rule, load_bank_holidays

# The published GOV.UK list for England and Wales (gov.uk/bank-holidays), written out by hand.
GOV_UK_ENGLAND_AND_WALES: dict[int, list[str]] = {
    2024: ["2024-01-01", "2024-03-29", "2024-04-01", "2024-05-06", "2024-05-27", "2024-08-26", "2024-12-25",
           "2024-12-26"],
    2025: ["2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25", "2025-12-25",
           "2025-12-26"],
    2026: ["2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25",
           "2026-12-28"],
    2027: ["2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30", "2027-12-27",
           "2027-12-28"],
}
# Years with one-off changes, from the same list.
WITH_ONE_OFF_CHANGES: dict[int, list[str]] = {
    2020: ["2020-01-01", "2020-04-10", "2020-04-13", "2020-05-08", "2020-05-25", "2020-08-31", "2020-12-25",
           "2020-12-28"],
    2022: ["2022-01-03", "2022-04-15", "2022-04-18", "2022-05-02", "2022-06-02", "2022-06-03", "2022-08-29",
           "2022-09-19", "2022-12-26", "2022-12-27"],
    2023: ["2023-01-02", "2023-04-07", "2023-04-10", "2023-05-01", "2023-05-08", "2023-05-29", "2023-08-28",
           "2023-12-25", "2023-12-26"],
}


def _iso(days: dict[date, str]) -> list[str]:
    return [day.isoformat() for day in days]


@pytest.mark.parametrize("year", sorted(GOV_UK_ENGLAND_AND_WALES))
def test_rules_match_the_published_list(year: int, holidays: BankHolidays) -> None:
    assert _iso(holidays_by_rule(year)) == GOV_UK_ENGLAND_AND_WALES[year]
    assert _iso(holidays.in_year(year)) == GOV_UK_ENGLAND_AND_WALES[year]


@pytest.mark.parametrize("year", sorted(WITH_ONE_OFF_CHANGES))
def test_one_off_changes_from_the_editors_file(year: int, holidays: BankHolidays) -> None:
    assert _iso(holidays.in_year(year)) == WITH_ONE_OFF_CHANGES[year]


def test_one_off_names() -> None:
    holidays = load_bank_holidays(Path(__file__).resolve().parents[2] / "content")
    assert holidays.name(date(2023, 5, 8)) == "Coronation of King Charles III"
    assert holidays.name(date(2022, 9, 19)) == "State funeral of Queen Elizabeth II"
    assert holidays.name(date(2020, 5, 4)) is None  # moved to VE Day


@pytest.mark.parametrize(("year", "easter"), [
    (2000, date(2000, 4, 23)), (2019, date(2019, 4, 21)), (2024, date(2024, 3, 31)),
    (2025, date(2025, 4, 20)), (2038, date(2038, 4, 25)), (2285, date(2285, 3, 22)),
])
def test_easter_sunday(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


def test_substitute_days_are_named_as_gov_uk_names_them() -> None:
    assert holidays_by_rule(2022)[date(2022, 12, 26)] == "Boxing Day"
    assert holidays_by_rule(2022)[date(2022, 12, 27)] == "Christmas Day (substitute day)"
    assert holidays_by_rule(2021)[date(2021, 12, 28)] == "Boxing Day (substitute day)"
    assert holidays_by_rule(2022)[date(2022, 1, 3)] == "New Year's Day (substitute day)"


def test_between_and_working_days(holidays: BankHolidays) -> None:
    assert holidays.between(date(2026, 12, 20), date(2027, 1, 5)) == [
        date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1)]
    assert not holidays.is_working_day(date(2026, 4, 3))  # Good Friday
    assert not holidays.is_working_day(date(2026, 4, 4))  # Saturday
    assert holidays.working_day_on_or_before(date(2026, 4, 6)) == date(2026, 4, 2)
    assert holidays.working_day_on_or_before(date(2026, 4, 7)) == date(2026, 4, 7)


def test_rules_only_has_no_one_offs() -> None:
    assert not BankHolidays.rules_only().is_holiday(date(2023, 5, 8))


def test_a_broken_file_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "journeys").mkdir()
    (tmp_path / "journeys" / "bank-holidays.yaml").write_text(
        "changes:\n  - date: 2023-05-08\n    change: add\n    name: Coronation\n  - date: 2023-13-01\n"
        "    change: add\n    name: Not a day\n", encoding="utf-8")
    with pytest.raises(ContentError) as raised:
        load_bank_holidays(tmp_path)
    assert raised.value.line == 5
    assert "is not a date" in str(raised.value)
