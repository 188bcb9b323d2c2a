"""Reading an Open Referral UK JSON file into the services directory's `ParsedDirectory`. No database here.

The file holds a list of services, `[{...}, ...]`, or one page of an Open Referral UK API,
`{"content": [...]}` (`"contents"` in the 3.0 profile). Each service is read with the Open Referral
UK field names (the version on developers.openreferraluk.org, and the 3.0 profile's where they differ):

    id, name, description, url, email, status
    organization: {id, name, description, url or website, email}
    service_at_locations: [{location: {id, name, physical_addresses or addresses: [{address_1, city,
        state_province, postal_code}]}, regular_schedules, holiday_schedules}]   (or "locations": [...])
    contacts: [{name, title, phones: [{number}]}], and "phones": [{number}]
    regular_schedules (3.0: schedules): [{byday "MO,TU" or weekday, opens_at, closes_at, valid_from,
        valid_to, freq WEEKLY, interval 1, description, bank_holidays}]
    holiday_schedules: [{closed, start_date, end_date, opens_at, closes_at}]
    service_taxonomys: [{taxonomy: {id, name}}], taxonomy_terms: [{name, code}], attributes: [{taxonomy_term}]
    eligibilitys: [{eligibility, minimum_age, maximum_age}] (3.0: eligibility_description, minimum_age...)

`bank_holidays` (true: this opening happens on bank holidays too) is Signpost's own addition; without it,
a service is closed on bank holidays unless a holiday schedule opens it. Other fields are not used.

All or nothing: every problem in every service is listed (ImportRefused, with the service's number in
the list and what to fix), and nothing is saved if there is one. Services that are not for Signpost (not
active, or with none of its categories) are left out and counted, not refused.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from casefile.importing.common import ImportRefused, Problem
from casefile.importing.fields import FieldProblem, given, shown, text
from casefile.importing.service_fields import (
    age,
    categories_listed,
    category_for,
    clock_time,
    day,
    phone_number,
    postcode,
    problem_text,
    read_text_file,
    weekday,
    yes_no,
)
from casefile.importing.source import FeedFileError, load_json
from casefile.services import (
    HolidayChange,
    LeftOut,
    Organisation,
    ParsedDirectory,
    Phone,
    Place,
    ServiceEntry,
    WeeklyOpening,
)

ACTIVE = "active"
_TAXONOMY_LISTS = ("service_taxonomys", "taxonomy_terms", "attributes")


def read_open_referral(path: Path) -> ParsedDirectory:
    """Read `path`. Raises FeedFileError for a file that cannot be read at all, ImportRefused for bad services."""
    return parse_open_referral(read_text_file(path), path.name)


def parse_open_referral(text_: str, file_name: str) -> ParsedDirectory:
    document = load_json(text_, file_name)
    services = _service_list(document, file_name)
    problems: list[Problem] = []
    if not services:
        problems.append(Problem(None, f"{file_name} has no services in it."))
    read: list[tuple[int, ServiceEntry]] = []
    left_out: list[LeftOut] = []
    for number, raw in enumerate(services, start=1):
        reader = _ServiceReader(number)
        result = reader.read(raw)
        problems.extend(reader.problems)
        if isinstance(result, LeftOut):
            left_out.append(result)
        elif result is not None and not reader.problems:
            read.append((number, result))
    problems.extend(_across_services(services, read))
    if problems:
        raise ImportRefused(problems)
    return ParsedDirectory(file_name, tuple(entry for _, entry in read), tuple(left_out))


def _service_list(document: Any, file_name: str) -> list[Any]:
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        for key in ("content", "contents"):
            if isinstance(document.get(key), list):
                return list(document[key])
    raise FeedFileError(
        f'{file_name} must hold a list of services in [ ], or an Open Referral page like {{"content": [...]}}.'
    )


def _across_services(services: list[Any], read: list[tuple[int, ServiceEntry]]) -> list[Problem]:
    """Ids given twice, and an organisation described two ways, found across the whole file."""
    problems: list[Problem] = []
    numbers: dict[str, list[int]] = {}
    for number, raw in enumerate(services, start=1):
        if isinstance(raw, dict) and isinstance(raw.get("id"), str | int) and str(raw["id"]).strip():
            numbers.setdefault(str(raw["id"]).strip(), []).append(number)
    for ref, rows in numbers.items():
        if len(rows) > 1:
            listed = ", ".join(str(row) for row in rows[:-1]) + f" and {rows[-1]}"
            problems.extend(Problem(row, f'the id "{shown(ref)}" is given to more than one service (rows {listed}). '
                                         "Each service needs its own id.") for row in rows[1:])
    organisations: dict[str, tuple[int, Organisation]] = {}
    for number, entry in read:
        first = organisations.setdefault(entry.organisation.ref, (number, entry.organisation))
        if first[1] != entry.organisation:
            problems.append(Problem(number, f'organization "{shown(entry.organisation.ref)}" is not described as in '
                                            f"row {first[0]}. Give it the same name and details everywhere."))
    return problems


@dataclass
class _ServiceReader:
    """Reads one service, collecting every problem with where in the service it is."""

    number: int
    problems: list[Problem] = field(default_factory=list)
    label: str = ""

    def problem(self, where: str, message: str) -> None:
        place = f"{self.label}, {where}" if where else self.label
        self.problems.append(Problem(self.number, f"{place}: {message}" if place else message))

    def value(self, where: str, raw: Mapping[str, Any], name: str, read: Callable[[Any], Any],
              default: Any = None, *, required: str | None = None) -> Any:
        found = raw.get(name)
        if not given(found):
            if required:
                self.problem(where, f"{name} is missing. {required}")
            return default
        try:
            return read(found)
        except FieldProblem as problem:
            self.problem(where, problem_text(name, found, problem))
            return default

    def items(self, where: str, raw: Mapping[str, Any], name: str) -> list[tuple[str, dict[str, Any]]]:
        """The objects in a list field, each with where it is ("regular_schedules item 2")."""
        found = raw.get(name)
        if found is None:
            return []
        if not isinstance(found, list):
            self.problem(where, f"{name} should be a list in [ ].")
            return []
        result = []
        for index, item in enumerate(found, start=1):
            inner = f"{where}, {name} item {index}" if where else f"{name} item {index}"
            if isinstance(item, dict):
                result.append((inner, item))
            else:
                self.problem(inner, "this is not a set of named fields in { }.")
        return result

    def read(self, raw: Any) -> ServiceEntry | LeftOut | None:
        if not isinstance(raw, dict):
            self.problem("", 'this is not a service in { }, like {"id": ..., "name": ...}.')
            return None
        ref = self.value("", raw, "id", text(100), "", required="Each service needs an id and a name.")
        self.label = f'service "{shown(ref)}"' if ref else ""
        name = self.value("", raw, "name", text(200), "", required="Each service needs an id and a name.")
        status = raw.get("status")
        if given(status) and (not isinstance(status, str) or status.strip().casefold() != ACTIVE):
            return LeftOut(ref, name, f'its status is "{shown(status)}", not active')
        categories = self.categories(raw)
        if not categories:
            return LeftOut(ref, name, f"none of its taxonomies is one of Signpost's categories ({categories_listed()})")
        organisation = self.organisation(raw)
        places: list[Place] = []
        weekly: list[WeeklyOpening] = []
        holidays: list[HolidayChange] = []
        at_locations = self.items("", raw, "service_at_locations") or self.items("", raw, "locations")
        for where, item in at_locations:
            location = item.get("location", item)
            if not isinstance(location, dict):
                self.problem(where, "location should be a set of named fields in { }.")
                continue
            place = self.place(where, location)
            index = None
            if place is not None:
                index = len(places)
                places.append(place)
            weekly.extend(self.schedules(where, item, index))
            holidays.extend(self.holidays(where, item))
        weekly.extend(self.schedules("", raw, None))
        holidays.extend(self.holidays("", raw))
        eligibility, minimum, maximum = self.eligibility(raw)
        if minimum is not None and maximum is not None and maximum < minimum:
            self.problem("", f"the maximum age ({maximum}) is below the minimum age ({minimum}).")
        return ServiceEntry(
            ref=ref, name=name, organisation=organisation or Organisation("", ""), categories=categories,
            description=self.value("", raw, "description", text(4000), ""),
            url=self.value("", raw, "url", text(300), ""),
            email=self.value("", raw, "email", text(254), ""),
            eligibility=eligibility, minimum_age=minimum, maximum_age=maximum,
            places=tuple(places), phones=self.phones(raw), weekly=tuple(weekly), holidays=tuple(holidays),
        )

    def categories(self, raw: Mapping[str, Any]) -> tuple[str, ...]:
        found: list[str] = []
        for name in _TAXONOMY_LISTS:
            values = raw.get(name)
            for item in values if isinstance(values, list) else []:
                term = item if isinstance(item, dict) else {}
                term = term.get("taxonomy") or term.get("taxonomy_term") or term
                if not isinstance(term, dict):
                    continue
                for word in (term.get("name"), term.get("code"), term.get("id")):
                    category = category_for(word)
                    if category is not None and category not in found:
                        found.append(category)
                        break
        return tuple(found)

    def organisation(self, raw: Mapping[str, Any]) -> Organisation | None:
        found = raw.get("organization")
        if not isinstance(found, dict):
            self.problem("", "organization is missing. Each service needs its organization, with an id and a name.")
            return None
        need = "The organization needs an id and a name."
        ref = self.value("organization", found, "id", text(100), "", required=need)
        name = self.value("organization", found, "name", text(200), "", required=need)
        website = self.value("organization", found, "url", text(300), "") or self.value(
            "organization", found, "website", text(300), "")
        return Organisation(ref, name, self.value("organization", found, "description", text(4000), ""), website,
                            self.value("organization", found, "email", text(254), ""))

    def place(self, where: str, location: Mapping[str, Any]) -> Place | None:
        addresses = self.items(where, location, "physical_addresses") or self.items(where, location, "addresses")
        physical = [(inner, item) for inner, item in addresses
                    if str(item.get("address_type") or "physical").casefold() == "physical"]
        address, code = "", ""
        if physical:
            inner, item = physical[0]
            parts = [self.value(inner, item, name, text(200), "")
                     for name in ("address_1", "address_2", "city", "state_province")]
            address = ", ".join(part for part in parts if part)
            code = self.value(inner, item, "postal_code", postcode, "")
        place = Place(self.value(where, location, "id", text(100), ""), self.value(where, location, "name", text(200), ""),
                      address[:400], code)
        return place if (place.name or place.address or place.postcode) else None

    def phones(self, raw: Mapping[str, Any]) -> tuple[Phone, ...]:
        phones: list[Phone] = []
        for where, contact in self.items("", raw, "contacts"):
            name = self.value(where, contact, "name", text(200), "")
            title = self.value(where, contact, "title", text(200), "")
            for inner, item in self.items(where, contact, "phones"):
                number = self.value(inner, item, "number", phone_number, required="Each phone needs its number.")
                if number:
                    phones.append(Phone(number, name, title))
        for where, item in self.items("", raw, "phones"):
            number = self.value(where, item, "number", phone_number, required="Each phone needs its number.")
            if number:
                phones.append(Phone(number, self.value(where, item, "description", text(200), "")))
        return tuple(phones)

    def schedules(self, where: str, raw: Mapping[str, Any], place: int | None) -> list[WeeklyOpening]:
        found: list[WeeklyOpening] = []
        for inner, item in self.items(where, raw, "regular_schedules") or self.items(where, raw, "schedules"):
            found.extend(self.schedule(inner, item, place))
        return found

    def schedule(self, where: str, item: Mapping[str, Any], place: int | None) -> list[WeeklyOpening]:
        freq = item.get("freq")
        if given(freq) and (not isinstance(freq, str) or freq.strip().upper() != "WEEKLY"):
            self.problem(where, f'freq "{shown(freq)}": Signpost reads weekly opening hours only. '
                                "Use freq WEEKLY with the days in byday, like MO,TU,WE.")
            return []
        interval = item.get("interval")
        if given(interval) and str(interval).strip() not in ("1", "1.0"):
            self.problem(where, f'interval "{shown(interval)}": Signpost reads opening hours that repeat every '
                                "week only. Use interval 1, or leave it out.")
            return []
        days = self.days(where, item)
        need = "Each schedule needs opens_at and closes_at, like 09:00 and 17:00."
        opens_at = self.value(where, item, "opens_at", clock_time, required=need)
        closes_at = self.value(where, item, "closes_at", clock_time, required=need)
        valid_from = self.value(where, item, "valid_from", day)
        valid_to = self.value(where, item, "valid_to", day)
        if valid_from and valid_to and valid_to < valid_from:
            self.problem(where, f"valid_to ({valid_to}) is before valid_from ({valid_from}). Check the dates.")
        bank_holidays = self.value(where, item, "bank_holidays", yes_no, False)
        description = self.value(where, item, "description", text(1000), "")
        if opens_at is None or closes_at is None or not days:
            return []
        return [WeeklyOpening(number, opens_at, closes_at, valid_from, valid_to, bank_holidays, place, description)
                for number in days]

    def days(self, where: str, item: Mapping[str, Any]) -> list[int]:
        days: list[int] = []
        byday, one_day = item.get("byday"), item.get("weekday")
        if not given(byday) and not given(one_day):
            self.problem(where, "it does not say which days. Give byday, like MO,TU,WE, or weekday, like Monday.")
            return days
        if given(byday):
            if not isinstance(byday, str):
                self.problem(where, f'byday "{shown(byday)}" should be the days in two letters, like MO,TU,WE.')
                return days
            for part in byday.split(","):
                word = part.strip()
                if word[:1] in "+-0123456789" and word:
                    self.problem(where, f'byday "{shown(byday)}": "{word}" is a day of the month; Signpost reads '
                                        "weekly opening hours only. Use the days in two letters, like MO,TU,WE.")
                    return []
                try:
                    number = weekday(word)
                except FieldProblem:
                    self.problem(where, f'byday "{shown(byday)}": "{shown(word)}" is not a day. Use MO, TU, WE, '
                                        "TH, FR, SA or SU, with commas between.")
                    return []
                if number not in days:
                    days.append(number)
        if given(one_day):
            number = self.value(where, item, "weekday", weekday)
            if number is not None and number not in days:
                days.append(number)
        return days

    def holidays(self, where: str, raw: Mapping[str, Any]) -> list[HolidayChange]:
        found: list[HolidayChange] = []
        for inner, item in self.items(where, raw, "holiday_schedules"):
            need = "Each holiday schedule needs start_date, like 2027-12-25."
            starts_on = self.value(inner, item, "start_date", day, required=need)
            ends_on = self.value(inner, item, "end_date", day, starts_on)
            has_hours = given(item.get("opens_at")) or given(item.get("closes_at"))
            closed = self.value(inner, item, "closed", yes_no, not has_hours)
            opens_at = closes_at = None
            if not closed:
                need_hours = "A holiday schedule that is not closed needs opens_at and closes_at."
                opens_at = self.value(inner, item, "opens_at", clock_time, required=need_hours)
                closes_at = self.value(inner, item, "closes_at", clock_time, required=need_hours)
            description = self.value(inner, item, "description", text(1000), "")
            if starts_on is None or ends_on is None:
                continue
            if ends_on < starts_on:
                self.problem(inner, f"end_date ({ends_on}) is before start_date ({starts_on}). Check the dates.")
                continue
            if closed or (opens_at is not None and closes_at is not None):
                found.append(HolidayChange(starts_on, ends_on, bool(closed), opens_at, closes_at, description))
        return found

    def eligibility(self, raw: Mapping[str, Any]) -> tuple[str, int | None, int | None]:
        notes: list[str] = []
        minimums: list[int] = []
        maximums: list[int] = []
        sources = [("", raw)] + self.items("", raw, "eligibilitys")
        for where, item in sources:
            for name in ("eligibility", "eligibility_description"):
                note = item.get(name) if where or name == "eligibility_description" else None
                if note is not None:
                    words = self.value(where, item, name, text(1000), "")
                    if words and words not in notes:
                        notes.append(words)
            minimum = self.value(where, item, "minimum_age", age)
            maximum = self.value(where, item, "maximum_age", age)
            if minimum is not None:
                minimums.append(minimum)
            if maximum is not None:
                maximums.append(maximum)
        return (" ".join(notes)[:4000], min(minimums) if minimums else None, max(maximums) if maximums else None)
