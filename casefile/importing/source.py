"""Reading a feed file (JSON or CSV) into rows with their numbers. No database here.

JSON: {"feed": "...", "agency": "...", "rows": [{...}, ...]}; rows are numbered from 1 in list order.
CSV: a header row, then one row per record; rows are numbered as a spreadsheet shows them, so the
header is row 1 and the first record is row 2. The feed type comes from the person's choice (`--feed`
on the command line, "Kind of feed" on the console's import form), else a `feed` column, else the start
of the file name (`appointments-2026-03.csv`); the agency from theirs (`--agency`, "Agency"), else an
`agency` column. Messages name those choices as the surface the person used shows them (`Surface`).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from casefile.importing.fields import FEED_KINDS, shown

# Limits on what a feed file may be, so a hostile or broken file (an endless pipe, /dev/zero, a number of
# 5,000 digits, brackets nested ten thousand deep) gets a plain refusal with bounded memory, never a crash.
MAX_FILE_BYTES = 200 * 1024 * 1024  # a CSV file, read a line at a time
MAX_JSON_BYTES = 50 * 1024 * 1024  # a JSON file is read whole, so it is kept smaller
MAX_ROWS = 100_000
MAX_LINE_BYTES = 1024 * 1024
MAX_DEPTH = 32
MAX_NUMBER_CHARS = 30
_FIRST_CHUNK = 64 * 1024
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
class Surface:
    """How the person gave the choices that go with a file, so advice names what they can change.

    `names`: each choice (feed, agency, agency_name) as this surface shows it; `said`: how to say what they
    chose, with {name} and {value}; `choose_kind`, `give_agency`, `give_agency_name`: what to do when the file does not say.
    """

    names: dict[str, str]
    said: str
    choose_kind: str
    give_agency: str
    give_agency_name: str

    def you_said(self, choice: str, value: str) -> str:
        return self.said.format(name=self.names[choice], value=value)


COMMAND_LINE = Surface(
    names={"feed": "--feed", "agency": "--agency", "agency_name": "--agency-name"},
    said="You said {name} {value}",
    choose_kind="Use --feed ({kinds})",
    give_agency="Give its short name, like --agency PS",
    give_agency_name="--agency-name",
)
WEB_FORM = Surface(
    names={"feed": "Kind of feed", "agency": "Agency short name", "agency_name": "Agency full name"},
    said='You chose "{value}" for {name}',
    choose_kind='Choose one under "Kind of feed" ({kinds})',
    give_agency='Write its short name, like PS, under "Agency short name"',
    give_agency_name='under "Agency full name" on the form',
)


@dataclass(frozen=True)
class Feed:
    kind: str
    agency: str
    agency_name: str | None
    rows: tuple[SourceRow, ...]
    file_name: str
    file_format: str  # json or csv
    columns: tuple[str, ...] = ()  # the CSV header
    surface: Surface = COMMAND_LINE  # where the file came in, so later advice names the right choices


def read_feed(
    path: Path, *, kind: str | None = None, agency: str | None = None, agency_name: str | None = None
) -> Feed:
    """Read `path` as a feed (the command line's choices). Options given here win over what the file says,
    if they agree."""
    with _opened(path) as handle:
        try:
            first = handle.read(_FIRST_CHUNK)
            as_json = path.suffix.lower() == ".json" or (
                path.suffix.lower() != ".csv" and first.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"))
            if as_json:
                data = first + handle.read(MAX_JSON_BYTES + 1 - len(first))
                if len(data) > MAX_JSON_BYTES:
                    raise FeedFileError(f"{path.name} is too big for a JSON feed (more than "
                                        f"{MAX_JSON_BYTES // 1024 // 1024} MB). Split it, or send it as CSV.")
                return parse_json(_decode(data, path), path.name, kind=kind, agency=agency, agency_name=agency_name)
            return parse_csv_lines(_text_lines(first, handle, path), path.name, kind=kind, agency=agency,
                                   agency_name=agency_name)
        except OSError as error:
            raise FeedFileError(f"{path} cannot be read: {error.strerror or error}.") from None


def load_json(text: str, file_name: str) -> Any:
    """The JSON document in `text`, or FeedFileError saying plainly why not.

    Stricter than JSON itself allows, because a feed is data about people: NaN and Infinity, a name
    given twice in one { } (the second would silently win), numbers longer than any real value and
    nesting deeper than any feed has are all refused.
    """
    if len(text) > MAX_JSON_BYTES:
        raise FeedFileError(f"{file_name} is too big for a JSON feed (more than {MAX_JSON_BYTES // 1024 // 1024} MB).")
    try:
        document = json.loads(text, parse_constant=_no_constant, parse_int=_whole, parse_float=_decimal,
                              object_pairs_hook=_no_repeats)
    except json.JSONDecodeError as error:
        raise FeedFileError(
            f"{file_name} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}). "
            "Check the brackets, commas and quote marks."
        ) from None
    except RecursionError:
        raise FeedFileError(_too_deep(file_name)) from None
    except _Refused as refused:
        raise FeedFileError(f"{file_name} {refused}") from None
    if _depth(document) > MAX_DEPTH:
        raise FeedFileError(_too_deep(file_name))
    return document


class _Refused(ValueError):
    """What is wrong with a value in a JSON file, worded to follow the file's name."""


def _no_constant(word: str) -> Any:
    raise _Refused(f"has {word} in it, which is not a number a feed can use. Write a real number, or leave it out.")


def _whole(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_NUMBER_CHARS:
        raise _Refused(f"has a number {len(digits)} digits long. No value in a feed is longer than "
                       f"{MAX_NUMBER_CHARS} digits: check the file.")
    return int(digits)


def _decimal(written: str) -> float:
    if len(written) > MAX_NUMBER_CHARS:
        raise _Refused(f"has a number {len(written)} characters long. No value in a feed is that long: check the file.")
    value = float(written)
    if value in (float("inf"), float("-inf")):
        raise _Refused(f"has the number {written[:20]}, which is too big to be real. Check the file.")
    return value


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, value in pairs:
        if name in found:
            raise _Refused(f'gives "{shown(name)}" twice in one {{ }}. Give each name once.')
        found[name] = value
    return found


def _depth(document: Any) -> int:
    """How deep lists and objects are nested (counted without recursion: the document may be hostile)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, depth)
            if depth > MAX_DEPTH:
                return depth
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def _too_deep(file_name: str) -> str:
    return (f"{file_name} has lists or {{ }} nested more than {MAX_DEPTH} deep. A feed has rows of named "
            "fields: check the file.")


def parse_json(
    text: str, file_name: str, *, kind: str | None = None, agency: str | None = None,
    agency_name: str | None = None, surface: Surface = COMMAND_LINE,
) -> Feed:
    document = load_json(text, file_name)
    if not isinstance(document, dict):
        raise FeedFileError(
            f'{file_name} must hold one object like {{"feed": ..., "agency": ..., "rows": [...]}}.')
    unknown = sorted(set(document) - _JSON_KEYS)
    if unknown:
        raise FeedFileError(
            f'{file_name} has "{shown(unknown[0])}" at the top. '
            "Only feed, agency, agency_name and rows go there."
        )
    found_kind = _agree("feed", kind, document.get("feed"), file_name, surface)
    found_agency = _agree("agency", agency, document.get("agency"), file_name, surface)
    found_name = _agree("agency_name", agency_name, document.get("agency_name"), file_name, surface)
    rows = document.get("rows")
    if not isinstance(rows, list):
        raise FeedFileError(f'{file_name} needs "rows": a list of rows in [ ].')
    if len(rows) > MAX_ROWS:
        raise FeedFileError(_too_many_rows(file_name))
    return Feed(
        kind=_check_kind(found_kind, file_name),
        agency=_check_agency(found_agency, file_name, surface),
        agency_name=found_name,
        rows=tuple(SourceRow(number, values) for number, values in enumerate(rows, start=1)),
        file_name=file_name,
        file_format="json",
        surface=surface,
    )


def parse_csv(
    text: str, file_name: str, *, kind: str | None = None, agency: str | None = None,
    agency_name: str | None = None, surface: Surface = COMMAND_LINE,
) -> Feed:
    return parse_csv_lines(io.StringIO(text, newline=""), file_name, kind=kind, agency=agency,
                           agency_name=agency_name, surface=surface)


def parse_csv_lines(
    lines: Iterable[str], file_name: str, *, kind: str | None = None, agency: str | None = None,
    agency_name: str | None = None, surface: Surface = COMMAND_LINE,
) -> Feed:
    """A CSV feed from its lines (each with its line ending), read as they come: at most MAX_ROWS rows."""
    lines = iter(lines)
    leading: list[str] = []
    for line in lines:  # the delimiter is read from the header, the first line with something on it
        leading.append(line)
        if line.strip():
            break
    reader = csv.reader(_chained(leading, lines), delimiter=_delimiter("".join(leading[-1:])))
    records: list[list[str]] = []
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                records.append(record)
                if len(records) > MAX_ROWS + 1:  # the header and MAX_ROWS rows
                    raise FeedFileError(_too_many_rows(file_name))
    except csv.Error as error:
        raise FeedFileError(f"{file_name} cannot be read as CSV (line {reader.line_num}: {error}).") from None
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
        raise FeedFileError(f'{surface.you_said("feed", kind)}, but {file_name} says its feed is "{shown(column)}".')
    found_agency = agency or _column_value("agency", rows, file_name)
    if agency and (column := _column_value("agency", rows, file_name)) and column != agency:
        raise FeedFileError(
            f'{surface.you_said("agency", agency)}, but {file_name} says its agency is "{shown(column)}".')
    if found_kind is None:
        raise FeedFileError(
            f"Signpost cannot tell what kind of feed {file_name} is. {surface.choose_kind.format(kinds=_KINDS_LISTED)}, "
            "add a feed column, or start the file name with the feed type."
        )
    for row in rows:
        for column in CSV_EXTRA_COLUMNS:
            row.values.pop(column, None)
    return Feed(
        kind=_check_kind(found_kind, file_name),
        agency=_check_agency(found_agency, file_name, surface),
        agency_name=(agency_name or "").strip() or None,
        rows=tuple(rows),
        file_name=file_name,
        file_format="csv",
        columns=tuple(column for column in header if column not in CSV_EXTRA_COLUMNS),
        surface=surface,
    )


def _delimiter(text: str) -> str:
    """Commas, unless the header has none but has semicolons or tabs (as some spreadsheets save)."""
    header = text.lstrip().split("\n", 1)[0]
    if "," in header:
        return ","
    if ";" in header:
        return ";"
    return "\t" if "\t" in header else ","


def _opened(path: Path) -> IO[bytes]:
    try:
        if path.is_file() and path.stat().st_size > MAX_FILE_BYTES:
            raise FeedFileError(f"{path.name} is too big (more than {MAX_FILE_BYTES // 1024 // 1024} MB).")
        return path.open("rb")
    except FileNotFoundError:
        raise FeedFileError(f"There is no file called {path}. Check the name and the folder.") from None
    except IsADirectoryError:
        raise FeedFileError(f"{path} is a folder. Give the name of a .json or .csv file.") from None
    except OSError as error:
        raise FeedFileError(f"{path} cannot be read: {error.strerror or error}.") from None


def _text_lines(first: bytes, handle: IO[bytes], path: Path) -> Iterator[str]:
    """The file's lines as text, a line at a time, refusing an endless line or an endless file."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()  # utf-8-sig: spreadsheets often start with a BOM
    total = 0
    pending = io.BytesIO(first)
    while True:
        raw = pending.readline(MAX_LINE_BYTES + 1)
        if not raw.endswith(b"\n") and len(raw) <= MAX_LINE_BYTES:
            raw += handle.readline(MAX_LINE_BYTES + 1 - len(raw))  # the rest of the line the first chunk cut
        if not raw:
            return
        total += len(raw)
        if len(raw) > MAX_LINE_BYTES:
            raise FeedFileError(f"{path.name} has a line longer than {MAX_LINE_BYTES // 1024 // 1024} MB. "
                                "A feed has one row per line: check the file.")
        if total > MAX_FILE_BYTES:
            raise FeedFileError(f"{path.name} is too big (more than {MAX_FILE_BYTES // 1024 // 1024} MB).")
        try:
            yield decoder.decode(raw)
        except UnicodeDecodeError:
            raise FeedFileError(
                f"{path.name} is not UTF-8 text. Save it again as UTF-8 (CSV UTF-8 in a spreadsheet)."
            ) from None


def _chained(first: list[str], rest: Iterator[str]) -> Iterator[str]:
    yield from first
    yield from rest


def _too_many_rows(file_name: str) -> str:
    return f"{file_name} has more than {MAX_ROWS:,} rows. Split it into smaller files and import each."


def _decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8-sig")  # utf-8-sig: spreadsheets often start the file with a BOM
    except UnicodeDecodeError:
        raise FeedFileError(
            f"{path.name} is not UTF-8 text. Save it again as UTF-8 (CSV UTF-8 in a spreadsheet)."
        ) from None


def _agree(what: str, option: str | None, in_file: Any, file_name: str, surface: Surface) -> str | None:
    if in_file is not None and not isinstance(in_file, str):
        raise FeedFileError(f'In {file_name}, "{what}" must be text in quote marks.')
    in_file = (in_file or "").strip() or None
    if option and in_file and option != in_file:
        raise FeedFileError(f'{surface.you_said(what, option)}, but {file_name} says "{in_file}".')
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


def _check_agency(agency: str | None, file_name: str, surface: Surface) -> str:
    if not agency:
        raise FeedFileError(f"Signpost needs to know which agency sent {file_name}. {surface.give_agency}.")
    if len(agency) > 40:
        raise FeedFileError("The agency's short name is too long (at most 40 letters).")
    return agency
