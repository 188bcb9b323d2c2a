"""What text the case file takes, the same from every surface: the console, the chat, the shell and the feeds.

- No control characters (NUL and the rest; tabs and new lines are fine): PostgreSQL refuses NUL outright,
  and the others are never typed on purpose. Every record written through a session is checked before it
  is flushed (`refuse_control_characters`), so no surface can slip one in.
- References (a person's, a worker's, an appointment's) are compared as people read them: NFKC-normalised,
  so a full-width "Ｐ-１" is "P-1", and refused when they hold an invisible character (a zero-width space)
  or a letter outside A to Z (a Cyrillic "Р" that looks like a Latin "P"), which would make two references
  that look the same but are not.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import String, event, inspect
from sqlalchemy.orm import Session

from casefile.errors import InvalidInput

# C0 and C1 control characters except tab, line feed and carriage return; lone surrogates (bad decoding).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
CONTROL_PROBLEM = "has a hidden control character in it (such as NUL). Type it again without it."
INVISIBLE_PROBLEM = "has an invisible character in it (such as a zero-width space). Type the reference again."
ALPHABET_PROBLEM = ("has a letter or sign that is not A to Z or 0 to 9 (perhaps a Cyrillic or Greek letter "
                    "that looks like an English one). Type the reference again.")


def control_problem(value: str) -> str | None:
    """What is wrong with text that holds a control character, worded to follow the field's name; else None."""
    return CONTROL_PROBLEM if _CONTROL.search(value) else None


def reference_problem(value: str) -> str | None:
    """What is wrong with a reference (already NFKC-normalised), worded to follow its name; else None."""
    if _CONTROL.search(value):
        return CONTROL_PROBLEM
    if any(unicodedata.category(char) == "Cf" for char in value):
        return INVISIBLE_PROBLEM
    if not value.isascii():
        return ALPHABET_PROBLEM
    return None


def normal_reference(value: str) -> str:
    """A reference as it is kept and looked up: NFKC, no spaces at either end."""
    return unicodedata.normalize("NFKC", value).strip()


def checked_reference(value: str, what: str = "reference") -> str:
    """`value` normalised, or InvalidInput saying plainly what is wrong with it."""
    result = normal_reference(value)
    why = reference_problem(result)
    if why:
        raise InvalidInput(f"The {what} {why}")
    return result


def _field_label(name: str) -> str:
    return name.replace("_", " ")


@event.listens_for(Session, "before_flush")
def refuse_control_characters(session: Session, _context: Any, _instances: Any) -> None:
    """Refuse, in plain words, any record about to be written with a control character in a text column."""
    for record in (*session.new, *session.dirty):
        state = inspect(record)
        for attribute in state.mapper.column_attrs:
            value = state.dict.get(attribute.key)  # only what is loaded or set: never a lazy load here
            if (isinstance(value, str) and isinstance(attribute.columns[0].type, String)
                    and _CONTROL.search(value)):
                raise InvalidInput(f"Sorry, the {_field_label(attribute.key)} {CONTROL_PROBLEM}")
