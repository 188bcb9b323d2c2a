"""Reading the editors' services YAML (content/services/*.yaml) into the case file's `ParsedDirectory`.

The format, with an example, is in content/services/SCHEMA.md. All or nothing like the Open Referral
reader (casefile.importing.open_referral): every problem is listed as `file:line: what is wrong. How to
fix it.` in an ImportRefused, and nothing is saved if there is one. Unlike an Open Referral file, every
field must be one this format knows (a misspelt field is a problem, not ignored), and every service
must have categories from Signpost's list.

It lives outside the case file because editors' YAML is read by one reader, glossary.yaml_source (its
lines, repeated keys and syntax messages), which the case file may not import; the values are checked
with the case file's own readers (casefile.importing.service_fields), as the Open Referral import does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from casefile.importing.common import ImportRefused, Problem
from casefile.importing.fields import FieldProblem, given, reference, shown, text
from casefile.importing.service_fields import (
    DAY_WORDS,
    age,
    categories_listed,
    clock_time,
    day,
    phone_number,
    postcode,
    problem_text,
    read_text_file,
    weekday,
    yes_no,
)
from casefile.importing.source import FeedFileError
from casefile.models import SERVICE_CATEGORIES
from casefile.services import (
    HolidayChange,
    Organisation,
    ParsedDirectory,
    Phone,
    Place,
    ServiceEntry,
    WeeklyOpening,
)
from glossary.findings import Finding
from glossary.yaml_source import LinedDict, LinedList, line_of, parse_yaml_text

TOP_KEYS = ("organisations", "services")
ORGANISATION_KEYS = ("id", "name", "description", "website", "email")
SERVICE_KEYS = ("id", "name", "organisation", "categories", "description", "url", "email", "eligibility",
                "minimum_age", "maximum_age", "phones", "place", "places", "hours", "closed")
PLACE_KEYS = ("name", "address", "postcode")
PHONE_KEYS = ("number", "name", "title")
HOURS_KEYS = ("days", "opens", "closes", "bank_holidays", "from", "until", "note")
CLOSED_KEYS = ("date", "from", "until", "why")
_DAY_GROUPS = {"every day": tuple(range(7)), "daily": tuple(range(7)), "weekdays": tuple(range(5)),
               "weekends": (5, 6)}
DAYS_ADVICE = "Write the days as a list, like [monday, tuesday], or: every day, weekdays, weekends, monday to friday."


def read_services_yaml(path: Path) -> ParsedDirectory:
    """Read `path`. Raises FeedFileError if it cannot be read at all, ImportRefused listing every problem."""
    return parse_services_yaml(read_text_file(path), path.name)


def parse_services_yaml(source: str, file_name: str) -> ParsedDirectory:
    read = parse_yaml_text(source, Path(file_name))
    if read.syntax_error or read.empty:
        raise FeedFileError(read.findings[0].format())
    reader = _Reader(file_name)
    # Repeated keys: the reader kept the first of each, and says where both are.
    reader.problems.extend(Problem(None, finding.format()) for finding in read.findings)
    services = reader.read(read.data)
    if reader.problems:
        raise ImportRefused(reader.problems)
    return ParsedDirectory(file_name, tuple(services))


@dataclass
class _Reader:
    file_name: str
    problems: list[Problem] = field(default_factory=list)

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(None, f"{self.file_name}:{line}: {message}"))

    def mapping(self, node: Any, line: int, what: str, keys: tuple[str, ...]) -> LinedDict | None:
        if not isinstance(node, LinedDict):
            self.problem(line, f"{what} should be a set of fields, like `name: ...` on its own line.")
            return None
        for key in node:
            if key not in keys:
                self.problem(line_of(node, key), f'"{shown(key)}" is not a field of {what}. '
                                               f"The fields are: {', '.join(keys)}.")
        return node

    def listed(self, node: LinedDict, key: str) -> list[tuple[int, Any]]:
        """(line, item) for each item of the list at `key`; a single item is taken as a list of one."""
        found = node.get(key)
        if found is None:
            return []
        if isinstance(found, LinedList):
            return [(line_of(found, index), item) for index, item in enumerate(found)]
        return [(line_of(node, key), found)]

    def value(self, node: LinedDict, key: str, read: Callable[[Any], Any], default: Any = None, *,
              required: str | None = None) -> Any:
        found = node.get(key)
        if not given(found):
            if required:
                self.problem(line_of(node, key), f"{key} is missing. {required}")
            return default
        try:
            return read(found)
        except FieldProblem as problem:
            self.problem(line_of(node, key), problem_text(key, found, problem))
            return default

    def read(self, document: Any) -> list[ServiceEntry]:
        top = self.mapping(document, 1, "the file", TOP_KEYS)
        if top is None:
            return []
        organisations = self.organisations(top)
        services: list[ServiceEntry] = []
        seen: dict[str, int] = {}
        for line, node in self.listed(top, "services"):
            entry = self.service(line, node, organisations)
            ref = node.get("id") if isinstance(node, LinedDict) else None
            if isinstance(ref, str) and ref.strip():
                if ref.strip() in seen:
                    self.problem(line, f'the id "{shown(ref)}" is already used on line {seen[ref.strip()]}. '
                                       "Give each service its own id.")
                    continue
                seen[ref.strip()] = line
            if entry is not None:
                services.append(entry)
        if "services" not in top:
            self.problem(1, "The file has no `services:` list. Start it with `services:` and list each service.")
        elif not services and not self.problems:
            self.problem(line_of(top, "services"), "There are no services under `services:`.")
        return services

    def organisations(self, top: LinedDict) -> dict[str, Organisation]:
        found: dict[str, Organisation] = {}
        for line, node in self.listed(top, "organisations"):
            item = self.mapping(node, line, "an organisation", ORGANISATION_KEYS)
            if item is None:
                continue
            need = "Each organisation needs an id and a name."
            ref = self.value(item, "id", reference(100), required=need)
            name = self.value(item, "name", text(200), required=need)
            if not ref or not name:
                continue
            if ref in found:
                self.problem(line, f'the organisation id "{ref}" is used twice. Give each organisation its own id.')
                continue
            found[ref] = Organisation(ref, name, self.value(item, "description", text(4000), ""),
                                      self.value(item, "website", text(300), ""), self.value(item, "email", text(254), ""))
        return found

    def service(self, line: int, node: Any, organisations: dict[str, Organisation]) -> ServiceEntry | None:
        item = self.mapping(node, line, "a service", SERVICE_KEYS)
        if item is None:
            return None
        before = len(self.problems)
        need = "Each service needs an id, a name, its organisation and its categories."
        ref = self.value(item, "id", reference(100), "", required=need)
        name = self.value(item, "name", text(200), "", required=need)
        organisation_ref = self.value(item, "organisation", reference(100), required=need)
        organisation = organisations.get(organisation_ref or "")
        if organisation_ref and organisation is None:
            self.problem(line_of(item, "organisation"),
                         f'there is no organisation with the id "{organisation_ref}". Add it under `organisations:` '
                         "at the top, or check the spelling.")
        categories = self.categories(item)
        minimum = self.value(item, "minimum_age", age)
        maximum = self.value(item, "maximum_age", age)
        if minimum is not None and maximum is not None and maximum < minimum:
            self.problem(line_of(item, "maximum_age"), f"maximum_age ({maximum}) is below minimum_age ({minimum}).")
        places = self.places(item)
        entry = ServiceEntry(
            ref=ref, name=name, organisation=organisation or Organisation("", ""), categories=categories,
            description=self.value(item, "description", text(4000), ""), url=self.value(item, "url", text(300), ""),
            email=self.value(item, "email", text(254), ""), eligibility=self.value(item, "eligibility", text(4000), ""),
            minimum_age=minimum, maximum_age=maximum, places=places, phones=self.phones(item),
            weekly=self.hours(item), holidays=self.closures(item),
        )
        return entry if len(self.problems) == before else None

    def categories(self, item: LinedDict) -> tuple[str, ...]:
        listed = self.listed(item, "categories")
        if not listed:
            self.problem(line_of(item, "categories"),
                         f"categories is missing. Give one or more of: {categories_listed()}.")
        found: list[str] = []
        for line, word in listed:
            category = word.strip() if isinstance(word, str) else word
            if category not in SERVICE_CATEGORIES:
                self.problem(line, f'"{shown(word)}" is not a category. Use one or more of: {categories_listed()}.')
            elif category not in found:
                found.append(category)
        return tuple(found)

    def places(self, item: LinedDict) -> tuple[Place, ...]:
        if "place" in item and "places" in item:
            self.problem(line_of(item, "places"), "Give either place (one) or places (a list), not both.")
        found: list[Place] = []
        for line, node in self.listed(item, "place") + self.listed(item, "places"):
            place = self.mapping(node, line, "a place", PLACE_KEYS)
            if place is None:
                continue
            found.append(Place("", self.value(place, "name", text(200), ""),
                               self.value(place, "address", text(400), ""),
                               self.value(place, "postcode", postcode, "")))
        return tuple(found)

    def phones(self, item: LinedDict) -> tuple[Phone, ...]:
        found: list[Phone] = []
        for line, node in self.listed(item, "phones"):
            if isinstance(node, str | int) and not isinstance(node, bool):
                try:
                    found.append(Phone(phone_number(node)))
                except FieldProblem as problem:
                    self.problem(line, problem_text("phone", node, problem))
                continue
            phone = self.mapping(node, line, "a phone", PHONE_KEYS)
            if phone is None:
                continue
            number = self.value(phone, "number", phone_number, required="Each phone needs its number.")
            if number:
                found.append(Phone(number, self.value(phone, "name", text(200), ""),
                                   self.value(phone, "title", text(200), "")))
        return tuple(found)

    def hours(self, item: LinedDict) -> tuple[WeeklyOpening, ...]:
        found: list[WeeklyOpening] = []
        for line, node in self.listed(item, "hours"):
            hours = self.mapping(node, line, "opening hours", HOURS_KEYS)
            if hours is None:
                continue
            need = "Each opening needs days, opens and closes, like opens: \"09:00\" and closes: \"17:00\"."
            days = self.days(hours, need)
            opens_at = self.value(hours, "opens", clock_time, required=need)
            closes_at = self.value(hours, "closes", clock_time, required=need)
            valid_from = self.value(hours, "from", day)
            valid_to = self.value(hours, "until", day)
            if valid_from and valid_to and valid_to < valid_from:
                self.problem(line_of(hours, "until"), f"until ({valid_to}) is before from ({valid_from}). Check the dates.")
            bank_holidays = self.value(hours, "bank_holidays", yes_no, False)
            note = self.value(hours, "note", text(1000), "")
            if opens_at is None or closes_at is None:
                continue
            found.extend(WeeklyOpening(number, opens_at, closes_at, valid_from, valid_to, bank_holidays, None, note)
                         for number in days)
        return tuple(found)

    def days(self, hours: LinedDict, need: str) -> list[int]:
        raw = hours.get("days")
        line = line_of(hours, "days")
        if not given(raw):
            self.problem(line, f"days is missing. {need}")
            return []
        words = list(raw) if isinstance(raw, LinedList) else [raw]
        days: list[int] = []
        for word in words:
            try:
                for number in _day_words(word):
                    if number not in days:
                        days.append(number)
            except FieldProblem:
                self.problem(line, f'days "{shown(word)}" is not a day of the week. {DAYS_ADVICE}')
        return days

    def closures(self, item: LinedDict) -> tuple[HolidayChange, ...]:
        found: list[HolidayChange] = []
        for line, node in self.listed(item, "closed"):
            closed = self.mapping(node, line, "a closure", CLOSED_KEYS)
            if closed is None:
                continue
            why = self.value(closed, "why", text(1000), "")
            if "date" in closed:
                if "from" in closed or "until" in closed:
                    self.problem(line, "Give either date (one day) or from and until (several days), not both.")
                    continue
                one = self.value(closed, "date", day)
                if one is not None:
                    found.append(HolidayChange(one, one, True, None, None, why))
                continue
            need = "A closure needs date (one day), or from and until (several days), like date: 2027-12-25."
            starts_on = self.value(closed, "from", day, required=need)
            ends_on = self.value(closed, "until", day, required=need)
            if starts_on is None or ends_on is None:
                continue
            if ends_on < starts_on:
                self.problem(line_of(closed, "until"), f"until ({ends_on}) is before from ({starts_on}). Check the dates.")
                continue
            found.append(HolidayChange(starts_on, ends_on, True, None, None, why))
        return tuple(found)


def _day_words(word: Any) -> tuple[int, ...]:
    """'monday' -> (0,); 'weekdays' -> (0..4); 'monday to friday' -> (0..4); 'friday to monday' wraps round."""
    if not isinstance(word, str):
        raise FieldProblem("is not a day")
    cleaned = " ".join(word.casefold().replace("-", " to ").split())
    if cleaned in _DAY_GROUPS:
        return _DAY_GROUPS[cleaned]
    if " to " in cleaned:
        first, _, last = cleaned.partition(" to ")
        if first not in DAY_WORDS or last not in DAY_WORDS:
            raise FieldProblem("is not a day")
        start, end = DAY_WORDS[first], DAY_WORDS[last]
        return tuple((start + offset) % 7 for offset in range((end - start) % 7 + 1))
    return (weekday(cleaned),)


SERVICES_DIR = "services"


def check_services(content_dir: Path) -> list[Finding]:
    """The services files' part of `signpost content check`: every problem each file has, as a finding."""
    findings: list[Finding] = []
    for path in sorted((content_dir / SERVICES_DIR).glob("*.yaml")):
        try:
            read_services_yaml(path)
        except FeedFileError as problem:
            findings.append(_finding(path, problem.message))
        except ImportRefused as refused:
            findings += [_finding(path, problem.message) for problem in refused.problems]
    return findings


def _finding(path: Path, message: str) -> Finding:
    """`name.yaml:12: what is wrong. How to fix it.` back into the parts a finding keeps."""
    where, _sep, said = message.partition(": ")
    line = where.rpartition(":")[2]
    if not line.isdigit():
        line, said = "1", message
    problem, _dot, fix = said.rstrip(".").partition(". ")
    return Finding(path, int(line), problem, fix or "See content/services/SCHEMA.md")
