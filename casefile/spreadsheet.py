"""CSV files for people to open in a spreadsheet, with no cell that a spreadsheet would run as a formula.

Agency names and appointment kinds come from feeds and forms, so a cell like `=HYPERLINK(...)` could reach
Excel or LibreOffice. OWASP's rule: a text cell that starts with =, +, -, @, a tab or a carriage return
gets a single quote in front, so it shows as the text it is. Numbers are written as numbers.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(out: TextIO, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Every CSV the product writes goes through here."""
    writer = csv.writer(out)
    writer.writerow([safe_cell(header) for header in headers])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
