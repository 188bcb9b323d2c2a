"""Reading a feed file (JSON or CSV) into rows with their numbers. No database here.

JSON: {"feed": "...", "agency": "...", "rows": [{...}, ...]}; rows are numbered from 1 in list order.
CSV: a header row, then one row per record; rows are numbered as a spreadsheet shows them, so the
header is row 1 and the first record is row 2. The feed type comes from `--feed`, else a `feed`
column, else the start of the file name (`appointments-2026-03.csv`); the agency from `--agency`,
else an `agency` column.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from casefile.importing.fields import FEED_KINDS, shown

MAX_FILE_BYTES = 200 * 1024 * 1024
_JSON_KEYS = frozenset({"feed", "agency", "agency_name", "rows"})
# Columns a CSV may carry besides the feed's own fields.
CSV_EXTRA_COLUMNS = frozenset({"feed", "agency"})
_KINDS_LISTED = ", ".join(FEED_KINDS)


class FeedFileError(Exception):
    """The file as a whole cannot be read as a feed. `message` is plain and safe to show."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class SourceRow:
    number: int
    values: Any  # a dict for a good row; JSON may hold anything, which the checks then report


@dataclass(frozen=True)
class Feed:
    kind: str
    agency: str
    agency_name: str | None
    rows: tuple[SourceRow, ...]
    file_name: str
    file_format: str  # json or csv
    columns: tuple[str, ...] = ()  # the CSV header


def read_feed(
    path: Path, *, kind: str | None = None, agency: str | None = None, agency_name: str | None = None
) -> Feed:
    """Read `path` as a feed. Options given here win over what the file says, if they agree."""
    data = _read_bytes(path)
    text = _decode(data, path)
    if path.suffix.lower() == ".json" or (path.suffix.lower() != ".csv" and text.lstrip().startswith("{")):
        return parse_json(text, path.name, kind=kind, agency=agency, agency_name=agency_name)
    return parse_csv(text, path.name, kind=kind, agency=agency, agency_name=agency_name)


def parse_json(
    text: str, file_name: str, *, kind: str | None = None, agency: str | None = None,
    agency_name: str | None = None,
) -> Feed:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise FeedFileError(
            f"{file_name} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}). "
            "Check the brackets, commas and quote marks."
        ) from None
    if not isinstance(document, dict):
        raise FeedFileError(
            f'{file_name} must hold one object like {{"feed": ..., "agency": ..., "rows": [...]}}.')
    unknown = sorted(set(document) - _JSON_KEYS)
    if unknown:
        raise FeedFileError(
            f'{file_name} has "{shown(unknown[0])}" at the top. '
            "Only feed, agency, agency_name and rows go there."
        )
    found_kind = _agree("feed", kind, document.get("feed"), file_name)
    found_agency = _agree("agency", agency, document.get("agency"), file_name)
    found_name = _agree("agency_name", agency_name, document.get("agency_name"), file_name)
    rows = document.get("rows")
    if not isinstance(rows, list):
        raise FeedFileError(f'{file_name} needs "rows": a list of rows in [ ].')
    return Feed(
        kind=_check_kind(found_kind, file_name),
        agency=_check_agency(found_agency, file_name),
        agency_name=found_name,
        rows=tuple(SourceRow(number, values) for number, values in enumerate(rows, start=1)),
        file_name=file_name,
        file_format="json",
    )


def parse_csv(
    text: str, file_name: str, *, kind: str | None = None, agency: str | None = None,
    agency_name: str | None = None,
) -> Feed:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        records = list(reader)
    except csv.Error as error:
        raise FeedFileError(f"{file_name} cannot be read as CSV (line {reader.line_num}: {error}).") from None
    records = [record for record in records if any(cell.strip() for cell in record)]
    if not records:
        raise FeedFileError(f"{file_name} is empty. It needs a header row and then one row per record.")
    header = [cell.strip().lower() for cell in records[0]]
    if len(set(header)) != len(header) or "" in header:
        raise FeedFileError(f"{file_name} has a blank or repeated column name in its header row.")
    rows: list[SourceRow] = []
    for index, record in enumerate(records[1:], start=2):
        if len(record) > len(header):
            extra = [cell for cell in record[len(header):] if cell.strip()]
            if extra:
                raise FeedFileError(f"Row {index} of {file_name} has more cells than the header has columns.")
        rows.append(SourceRow(index, dict(zip(header, record, strict=False))))
    found_kind = kind or _column_value("feed", rows, file_name) or _kind_from_name(file_name)
    if kind and (column := _column_value("feed", rows, file_name)) and column != kind:
        raise FeedFileError(f'You said --feed {kind}, but {file_name} says its feed is "{shown(column)}".')
    found_agency = agency or _column_value("agency", rows, file_name)
    if agency and (column := _column_value("agency", rows, file_name)) and column != agency:
        raise FeedFileError(
            f'You said --agency {agency}, but {file_name} says its agency is "{shown(column)}".')
    if found_kind is None:
        raise FeedFileError(
            f"Signpost cannot tell what kind of feed {file_name} is. Use --feed ({_KINDS_LISTED}), "
            "add a feed column, or start the file name with the feed type."
        )
    for row in rows:
        for column in CSV_EXTRA_COLUMNS:
            row.values.pop(column, None)
    return Feed(
        kind=_check_kind(found_kind, file_name),
        agency=_check_agency(found_agency, file_name),
        agency_name=(agency_name or "").strip() or None,
        rows=tuple(rows),
        file_name=file_name,
        file_format="csv",
        columns=tuple(column for column in header if column not in CSV_EXTRA_COLUMNS),
    )


def _delimiter(text: str) -> str:
    """Commas, unless the header has none but has semicolons or tabs (as some spreadsheets save)."""
    header = text.lstrip().split("\n", 1)[0]
    if "," in header:
        return ","
    if ";" in header:
        return ";"
    return "\t" if "\t" in header else ","


def _read_bytes(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise FeedFileError(f"{path.name} is too big (more than {MAX_FILE_BYTES // 1024 // 1024} MB).")
        return path.read_bytes()
    except FileNotFoundError:
        raise FeedFileError(f"There is no file called {path}. Check the name and the folder.") from None
    except IsADirectoryError:
        raise FeedFileError(f"{path} is a folder. Give the name of a .json or .csv file.") from None
    except OSError as error:
        raise FeedFileError(f"{path} cannot be read: {error.strerror or error}.") from None


def _decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8-sig")  # utf-8-sig: spreadsheets often start the file with a BOM
    except UnicodeDecodeError:
        raise FeedFileError(
            f"{path.name} is not UTF-8 text. Save it again as UTF-8 (CSV UTF-8 in a spreadsheet)."
        ) from None


def _agree(what: str, option: str | None, in_file: Any, file_name: str) -> str | None:
    if in_file is not None and not isinstance(in_file, str):
        raise FeedFileError(f'In {file_name}, "{what}" must be text in quote marks.')
    in_file = (in_file or "").strip() or None
    if option and in_file and option != in_file:
        option_name = what.replace("_", "-")
        raise FeedFileError(f'You said --{option_name} {option}, but {file_name} says "{in_file}".')
    return option or in_file


def _column_value(column: str, rows: list[SourceRow], file_name: str) -> str | None:
    values = {str(row.values.get(column) or "").strip() for row in rows} - {""}
    if len(values) > 1:
        raise FeedFileError(f'The {column} column of {file_name} must say the same on every row.')
    return values.pop() if values else None


def _kind_from_name(file_name: str) -> str | None:
    stem = file_name.lower().replace("-", "_")
    # Longest first, so "release_dates..." is not mistaken for something shorter.
    for kind in sorted(FEED_KINDS, key=len, reverse=True):
        if stem.startswith(kind):
            return kind
    return None


def _check_kind(kind: str | None, file_name: str) -> str:
    if kind is None:
        raise FeedFileError(f'{file_name} needs "feed": one of {_KINDS_LISTED}.')
    if kind not in FEED_KINDS:
        raise FeedFileError(f'"{shown(kind)}" is not a feed Signpost knows. Use one of: {_KINDS_LISTED}.')
    return kind


def _check_agency(agency: str | None, file_name: str) -> str:
    if not agency:
        raise FeedFileError(
            f"Signpost needs to know which agency sent {file_name}. Give its short name, like --agency PS."
        )
    if len(agency) > 40:
        raise FeedFileError("The agency's short name is too long (at most 40 letters).")
    return agency
