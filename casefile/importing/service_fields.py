"""Reading one value of a services file (Open Referral UK JSON or the editors' YAML), and the checks both share.

Each reader turns a value into a Python value or raises FieldProblem, worded to follow
`<field> "<value>" `, like the feeds' readers in `fields` (whose text and date readers these reuse).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from casefile.importing.fields import FieldProblem, real_date, shown
from casefile.importing.source import MAX_JSON_BYTES, FeedFileError
from casefile.models import SERVICE_CATEGORIES

TIME_ADVICE = "Use the 24-hour clock, for example 09:00 or 17:30."
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$", re.ASCII)
_ZONE = re.compile(r"(Z|[+-]\d{2}(:?\d{2})?)$", re.IGNORECASE | re.ASCII)
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
_PHONE_SIGNS = re.compile(r"^\+?[0-9 ()\-]+$")

DAY_WORDS: dict[str, int] = {}
for _number, _names in enumerate((
    ("monday", "mon", "mo"), ("tuesday", "tue", "tues", "tu"), ("wednesday", "wed", "we"),
    ("thursday", "thu", "thur", "thurs", "th"), ("friday", "fri", "fr"), ("saturday", "sat", "sa"),
    ("sunday", "sun", "su"),
)):
    for _name in _names:
        DAY_WORDS[_name] = _number

# The words publishers use for Signpost's categories, as taxonomy terms (Open Referral) or by editors.
CATEGORY_WORDS: dict[str, str] = {}
for _category, _words in {
    "housing": ("housing", "homelessness", "homeless", "housing and homelessness", "housing advice",
                "accommodation", "temporary accommodation", "emergency accommodation", "night shelter",
                "shelter", "hostels"),
    "food": ("food", "food bank", "food banks", "foodbank", "foodbanks", "food support", "meals", "free meals",
             "food and drink", "food parcels"),
    "money": ("money", "money advice", "debt", "debt advice", "money and debt", "benefits", "benefits advice",
              "money and benefits", "welfare rights", "financial support", "financial help", "budgeting"),
    "drugs_alcohol": ("drugs alcohol", "drugs and alcohol", "drug and alcohol", "substance misuse",
                      "substance use", "addiction", "drugs", "alcohol", "drug services", "alcohol support"),
    "mental_health": ("mental health", "mental wellbeing", "emotional wellbeing", "wellbeing", "counselling",
                      "mental health support"),
    "id_documents": ("id documents", "id and documents", "id", "identity documents", "identification",
                     "proof of identity", "documents"),
    "legal": ("legal", "legal help", "legal advice", "legal aid", "law", "advice and law"),
    "health": ("health", "healthcare", "health care", "physical health", "gp", "gps", "doctors", "pharmacy",
               "pharmacies", "sexual health", "dental", "nhs"),
}.items():
    for _word in _words:
        CATEGORY_WORDS[_word] = _category


def category_words(word: str) -> str:
    """'Drugs & Alcohol' -> 'drugs and alcohol': how a category word is compared."""
    cleaned = re.sub(r"[_\-/]", " ", word.casefold()).replace("&", " and ")
    return " ".join(cleaned.split())


def category_for(word: Any) -> str | None:
    """Signpost's category for a taxonomy term or an editor's word, or None when it is not one of ours."""
    if not isinstance(word, str):
        return None
    return CATEGORY_WORDS.get(category_words(word))


def clock_time(value: Any) -> time:
    """'09:00', '9:00', '09:00:00', '24:00' (midnight at the end of the day, read as 00:00)."""
    if not isinstance(value, str):
        raise FieldProblem(f"is not a time. {TIME_ADVICE}")
    raw = value.strip()
    if _ZONE.search(raw) and not _TIME.match(raw):
        raise FieldProblem("has a time zone on it. Opening times are read as London clock times, "
                           "so write it without one, for example 09:00.")
    found = _TIME.match(raw)
    if not found:
        raise FieldProblem(f"is not a time. {TIME_ADVICE}")
    hours, minutes, seconds = int(found[1]), int(found[2]), int(found[3] or 0)
    if (hours, minutes, seconds) == (24, 0, 0):
        return time(0, 0)
    if hours > 23 or minutes > 59 or seconds > 59:
        raise FieldProblem(f"is not a real time. {TIME_ADVICE}")
    return time(hours, minutes)


def day(value: Any) -> date:
    """A date: YYYY-MM-DD, or a date and time whose date part is taken (some feeds send 2027-01-01T00:00:00)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and "T" in value.strip()[10:11]:
        return real_date(value.strip()[:10])
    return real_date(value)


def weekday(value: Any) -> int:
    """A day of the week: Monday, mon or MO (0 = Monday)."""
    word = value.strip().casefold() if isinstance(value, str) else None
    if word is None or word not in DAY_WORDS:
        raise FieldProblem("is not a day of the week. Write the day, like Monday, or its two letters, like MO.")
    return DAY_WORDS[word]


def postcode(value: Any) -> str:
    """A UK postcode, written the usual way: 'se64ru' -> 'SE6 4RU'."""
    if not isinstance(value, str):
        raise FieldProblem("is not a postcode. Write it like SE6 4RU.")
    found = _POSTCODE.match(" ".join(value.upper().split()))
    if not found:
        raise FieldProblem("is not a UK postcode. Write it like SE6 4RU.")
    return f"{found[1]} {found[2]}"


def phone_number(value: Any) -> str:
    """A phone number to call: digits and spaces, maybe a + and brackets ('020 7946 0001', '116 123')."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise FieldProblem("is not a phone number. Write the digits, like 020 7946 0001.")
    number = " ".join(value.split())
    digits = sum(char.isdigit() for char in number)
    if not _PHONE_SIGNS.match(number) or not 3 <= digits <= 15:
        raise FieldProblem("is not a phone number. Write only the digits and spaces, like 020 7946 0001.")
    if len(number) > 40:
        raise FieldProblem("is too long for a phone number (at most 40 characters).")
    return number


def age(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise FieldProblem("should be an age in whole years, like 18.")
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 3 or not 0 <= int(text) <= 130:
        raise FieldProblem("should be an age in whole years, like 18.")
    return int(text)


def problem_text(name: str, value: Any, problem: FieldProblem) -> str:
    return f'{name} "{shown(value)}" {problem}'


def read_text_file(path: Path) -> str:
    """The file's text, or FeedFileError in plain words (missing, a folder, too big, not UTF-8)."""
    try:
        # Read no more than the limit, whatever the file says its size is: a pipe or /dev/zero says 0.
        with path.open("rb") as handle:
            data = handle.read(MAX_JSON_BYTES + 1)
        if len(data) > MAX_JSON_BYTES:
            raise FeedFileError(f"{path.name} is too big (more than {MAX_JSON_BYTES // 1024 // 1024} MB).")
    except FileNotFoundError:
        raise FeedFileError(f"There is no file called {path}. Check the name and the folder.") from None
    except IsADirectoryError:
        raise FeedFileError(f"{path} is a folder. Give the name of a .json or .yaml file.") from None
    except OSError as error:
        raise FeedFileError(f"{path} cannot be read: {error.strerror or error}.") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FeedFileError(f"{path.name} is not UTF-8 text. Save it again as UTF-8.") from None


def categories_listed() -> str:
    return ", ".join(SERVICE_CATEGORIES)


def yes_no(value: Any) -> bool:
    """true/false in JSON; yes/no (or true/false) in YAML."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().casefold() in ("yes", "true"):
        return True
    if isinstance(value, str) and value.strip().casefold() in ("no", "false"):
        return False
    raise FieldProblem("should be yes or no (true or false).")
