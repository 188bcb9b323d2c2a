"""The fields of each feed, and how one value is read and checked.

A feed value may come from JSON (a string, number or true/false) or from a CSV cell (always a string).
Each reader turns it into a Python value or raises FieldProblem with the end of a kind message;
`check_row` adds the row number and the field name in front.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from casefile.clock import EARLIEST_YEAR, LATEST_YEAR, OUT_OF_RANGE
from casefile.models import APPOINTMENT_KINDS
from casefile.safe_text import control_problem, normal_reference, reference_problem

MAX_MINUTES = 1440

_YES = frozenset({"yes", "y", "true", "1"})
_NO = frozenset({"no", "n", "false", "0"})


class FieldProblem(ValueError):
    """What is wrong with one value, worded to follow `<field> "<value>" `."""


Reader = Callable[[Any], Any]


@dataclass(frozen=True)
class Field:
    name: str
    read: Reader
    required: bool = False
    default: Any = None


def shown(value: Any) -> str:
    """A value as the person wrote it, for messages (short, on one line)."""
    words = " ".join((json_word(value) if isinstance(value, bool) else str(value)).split())
    return words if len(words) <= 60 else words[:57] + "..."


def json_word(flag: bool) -> str:
    return "true" if flag else "false"


def text(limit: int) -> Reader:
    def read(value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise FieldProblem("should be plain text.")
        result = str(value).strip()
        if len(result) > limit:
            raise FieldProblem(f"is too long (at most {limit} letters).")
        if why := control_problem(result):
            raise FieldProblem(why)
        return result
    return read


def ascii_digits(value: str) -> bool:
    """0 to 9 only: str.isdigit also takes other scripts' digits and "²", which int() then cannot read."""
    return value.isascii() and value.isdigit()


def real_date(value: Any) -> date:
    if not isinstance(value, str):
        raise FieldProblem("is not a date. Use YYYY-MM-DD, for example 2026-03-14.")
    raw = value.strip()
    parts = raw.split("-")
    if len(parts) != 3 or not all(ascii_digits(part) for part in parts) or len(parts[0]) != 4:
        raise FieldProblem("is not a date. Use YYYY-MM-DD, for example 2026-03-14.")
    try:
        result = date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        raise FieldProblem("is not a real date. Use YYYY-MM-DD, for example 2026-03-14.") from None
    if not EARLIEST_YEAR <= result.year <= LATEST_YEAR:
        raise FieldProblem(OUT_OF_RANGE)
    return result


def clock_time(value: Any) -> time:
    if not isinstance(value, str):
        raise FieldProblem("is not a time. Use the 24-hour clock, for example 14:30.")
    parts = value.strip().split(":")
    if len(parts) != 2 or not all(ascii_digits(part) and 1 <= len(part) <= 2 for part in parts):
        raise FieldProblem("is not a time. Use the 24-hour clock, for example 14:30.")
    try:
        return time(int(parts[0]), int(parts[1]))
    except ValueError:
        raise FieldProblem("is not a real time. Use the 24-hour clock, for example 14:30.") from None


def yes_no(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _YES:
        return True
    if isinstance(value, str) and value.strip().lower() in _NO:
        return False
    raise FieldProblem("should be yes or no.")


def whole_number(low: int, high: int) -> Reader:
    def read(value: Any) -> int:
        if isinstance(value, bool):
            raise FieldProblem(f"should be a whole number from {low} to {high}.")
        if isinstance(value, int):
            number = value
        elif isinstance(value, str) and ascii_digits(value.strip()) and len(value.strip()) <= 12:
            number = int(value.strip())
        else:
            raise FieldProblem(f"should be a whole number from {low} to {high}.")
        if not low <= number <= high:
            raise FieldProblem(f"should be a whole number from {low} to {high}.")
        return number
    return read


def one_of(*choices: str, what: str = "one Signpost takes from a feed") -> Reader:
    listed = ", ".join(choices[:-1]) + f" or {choices[-1]}" if len(choices) > 1 else choices[0]

    def read(value: Any) -> str:
        word = value.strip().lower() if isinstance(value, str) else value
        if word not in choices:
            raise FieldProblem(f"is not {what}. Use {listed}.")
        return str(word)
    return read


def reference(limit: int) -> Reader:
    """An agency's own reference: letters, digits and a few signs, no spaces inside (see casefile.safe_text)."""
    read_text = text(limit)

    def read(value: Any) -> str:
        result = normal_reference(read_text(value))
        if why := reference_problem(result):
            raise FieldProblem(why)
        if any(char.isspace() for char in result):
            raise FieldProblem("has a space in it. References are written without spaces.")
        return result
    return read


def given(value: Any) -> bool:
    """False for a value left out: a missing JSON key, null, or an empty CSV cell."""
    return value is not None and not (isinstance(value, str) and not value.strip())


PEOPLE_FIELDS: Mapping[str, Field] = {
    f.name: f for f in (
        Field("ref", reference(40), required=True),
        Field("preferred_name", text(100), required=True),
        Field("language", one_of("en", "cy", "pl", what="a language Signpost speaks"), default="en"),
        Field("nation", one_of("england", "wales", what="where their probation is")),
    )
}

RELEASE_DATE_FIELDS: Mapping[str, Field] = {
    f.name: f for f in (
        Field("person", reference(40), required=True),
        Field("release_date", real_date, required=True),
        Field("confirmed", yes_no, default=False),
        Field("prison", text(200)),
    )
}

APPOINTMENT_FIELDS: Mapping[str, Field] = {
    f.name: f for f in (
        Field("ref", reference(80), required=True),
        Field("person", reference(40), required=True),
        Field("date", real_date, required=True),
        Field("time", clock_time, required=True),
        Field("minutes", whole_number(1, MAX_MINUTES), default=60),
        Field("place", text(200), required=True),
        Field("address", text(400), default=""),
        Field("kind", one_of(*APPOINTMENT_KINDS, what="a kind of appointment"), required=True),
        Field("bring", text(2000), default=""),
        Field("worker", reference(40)),
        Field("status", one_of("booked", "cancelled"), default="booked"),
    )
}

WORKER_FIELDS: Mapping[str, Field] = {
    f.name: f for f in (
        Field("ref", reference(40), required=True),
        Field("name", text(200), required=True),
        Field("role", text(200), required=True),
        Field("helps_with", text(2000), default=""),
        Field("contact", text(300), default=""),
        Field("hours", text(200), default=""),
        Field("active", yes_no, default=True),
    )
}

ASSIGNMENT_FIELDS: Mapping[str, Field] = {
    f.name: f for f in (
        Field("ref", reference(80), required=True),
        Field("person", reference(40), required=True),
        Field("worker", reference(40), required=True),
        Field("role", text(200), required=True),
        Field("lead", yes_no, default=False),
        Field("ended", yes_no, default=False),
    )
}

FEED_FIELDS: Mapping[str, Mapping[str, Field]] = {
    "people": PEOPLE_FIELDS,
    "release_dates": RELEASE_DATE_FIELDS,
    "appointments": APPOINTMENT_FIELDS,
    "workers": WORKER_FIELDS,
    "assignments": ASSIGNMENT_FIELDS,
}
FEED_KINDS: tuple[str, ...] = tuple(FEED_FIELDS)


def field_list(kind: str) -> str:
    return ", ".join(FEED_FIELDS[kind])


def required_list(kind: str) -> str:
    return ", ".join(name for name, spec in FEED_FIELDS[kind].items() if spec.required)


def check_row(kind: str, values: Mapping[str, Any], *, report_unknown: bool = True
              ) -> tuple[dict[str, Any], list[str]]:
    """Read every field of one row. Returns the values read and the problems (without the row number)."""
    fields = FEED_FIELDS[kind]
    problems: list[str] = []
    if report_unknown:
        for name in values:
            if name not in fields:
                problems.append(
                    f'"{shown(name)}" is not a field of a {kind} feed. The fields are: {field_list(kind)}.'
                )
    result: dict[str, Any] = {}
    for name, spec in fields.items():
        raw = values.get(name)
        if not given(raw):
            if spec.required:
                problems.append(f"{name} is missing. Each row needs: {required_list(kind)}.")
            result[name] = spec.default
            continue
        try:
            result[name] = spec.read(raw)
        except FieldProblem as problem:
            problems.append(f'{name} "{shown(raw)}" {problem}')
    return result, problems
