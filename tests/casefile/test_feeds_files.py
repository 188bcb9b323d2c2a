"""Feed files: JSON and CSV reading, where the feed type and agency come from, file-level problems,
and the documented examples in docs/examples importing cleanly (twice) on top of the demo data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from factories import NOW, POLICY
from feeds_helpers import people, probation, table_counts
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from casefile import demo
from casefile.importing import FeedFileError, ImportRefused, import_feed, read_feed
from casefile.importing.source import WEB_FORM, parse_csv, parse_json
from casefile.linking import CodeHasher

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
# In the order a new agency would send them: people and workers before what refers to them.
EXAMPLE_ORDER = ("people", "workers", "assignments", "release_dates", "appointments")
CHEAP_HASHER = CodeHasher(n=2, r=1, p=1)


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def file_problem(path: Path, **options: str) -> str:
    with pytest.raises(FeedFileError) as caught:
        read_feed(path, **options)
    return caught.value.message


def test_csv_rows_are_numbered_as_a_spreadsheet_shows_them(tmp_path: Path) -> None:
    path = write(tmp_path, "release_dates-hmp.csv",
                 "\ufeffPerson,Release_Date,confirmed\nP-1,2027-07-02,yes\n\nP-2,2027-07-09,\n")
    feed = read_feed(path, agency="HMPX")
    assert (feed.kind, feed.agency, feed.file_format, feed.columns) == (
        "release_dates", "HMPX", "csv", ("person", "release_date", "confirmed"))
    # The header is row 1; blank lines are skipped; an empty cell is a value left out.
    assert [(row.number, row.values) for row in feed.rows] == [
        (2, {"person": "P-1", "release_date": "2027-07-02", "confirmed": "yes"}),
        (3, {"person": "P-2", "release_date": "2027-07-09", "confirmed": ""}),
    ]


def test_the_csv_feed_type_comes_from_the_option_then_a_column_then_the_file_name(tmp_path: Path) -> None:
    by_column = write(tmp_path, "from-the-prison.csv", "feed,agency,person,release_date\n"
                      "release_dates,HMPX,P-1,2027-07-02\n")
    feed = read_feed(by_column)
    assert (feed.kind, feed.agency, feed.columns) == ("release_dates", "HMPX", ("person", "release_date"))
    assert feed.rows[0].values == {"person": "P-1", "release_date": "2027-07-02"}
    by_name = write(tmp_path, "appointments 2027-06.csv", "ref;person\nA-1;P-1\n")  # semicolons, as some save
    assert read_feed(by_name, agency="PS").kind == "appointments"
    assert read_feed(by_name, kind="workers", agency="PS").kind == "workers"
    assert file_problem(by_column, kind="workers") == (
        'You said --feed workers, but from-the-prison.csv says its feed is "release_dates".')
    assert file_problem(write(tmp_path, "roll.csv", "person,release_date\nP-1,2027-07-02\n"), agency="X") == (
        "Signpost cannot tell what kind of feed roll.csv is. Use --feed (people, release_dates, appointments, "
        "workers, assignments), add a feed column, or start the file name with the feed type.")
    assert file_problem(write(tmp_path, "workers.csv", "ref,name,role\nW-1,Dee,Officer\n")) == (
        "Signpost needs to know which agency sent workers.csv. Give its short name, like --agency PS.")


def test_the_web_forms_advice_names_its_own_choices_never_a_command_line_option() -> None:
    def problem(text: str, file_name: str, **choices: str) -> str:
        try:
            (parse_json if file_name.endswith(".json") else parse_csv)(text, file_name, surface=WEB_FORM, **choices)
        except FeedFileError as error:
            return error.message
        raise AssertionError("the file was read")

    assert problem("person,release_date\nP-1,2027-07-02\n", "roll.csv", agency="X") == (
        'Signpost cannot tell what kind of feed roll.csv is. Choose one under "Kind of feed" (people, release_dates, '
        "appointments, workers, assignments), add a feed column, or start the file name with the feed type.")
    assert problem("ref,name,role\nW-1,Dee,Officer\n", "workers.csv") == (
        'Signpost needs to know which agency sent workers.csv. Write its short name, like PS, under "Agency short name".')
    assert problem("feed,agency,ref\nworkers,PS,W-1\n", "x.csv", kind="people") == (
        'You chose "people" for Kind of feed, but x.csv says its feed is "workers".')
    assert problem('{"feed": "workers", "agency": "PS", "rows": []}', "x.json", agency="HMPX") == (
        'You chose "HMPX" for Agency short name, but x.json says "PS".')


def test_file_level_problems_are_plain(tmp_path: Path) -> None:
    assert file_problem(tmp_path / "nope.json") == (
        f"There is no file called {tmp_path / 'nope.json'}. Check the name and the folder.")
    assert file_problem(write(tmp_path, "bad.json", '{"feed": "workers", "rows": [}')) == (
        "bad.json is not valid JSON (line 1, column 30: Expecting value). Check the brackets, commas and quote "
        "marks.")
    assert file_problem(write(tmp_path, "odd.json", '{"feed": "visits", "agency": "PS", "rows": []}')) == (
        '"visits" is not a feed Signpost knows. Use one of: people, release_dates, appointments, workers, '
        "assignments.")
    assert file_problem(write(tmp_path, "extra.json", '{"feed": "workers", "agency": "PS", "rows": [], "x": 1}')) == (
        'extra.json has "x" at the top. Only feed, agency, agency_name and rows go there.')
    latin = write(tmp_path, "workers.csv", "ref,name,role\nW-1,Zo\u00eb,Officer\n", encoding="latin-1")
    assert file_problem(latin, agency="PS") == (
        "workers.csv is not UTF-8 text. Save it again as UTF-8 (CSV UTF-8 in a spreadsheet).")
    mixed = write(tmp_path, "workers2.csv", "agency,ref,name,role\nPS,W-1,Dee,Officer\nJCP,W-2,Raj,Coach\n")
    assert file_problem(mixed, kind="workers") == "The agency column of workers2.csv must say the same on every row."


def test_an_unknown_csv_column_is_reported_once_not_on_every_row(
    tmp_path: Path, engine: Engine, session: Session
) -> None:
    probation(session)
    people(session, "P-1", "P-2")
    path = write(tmp_path, "release_dates.csv", "person,release_date,sentence\nP-1,2027-07-02,x\nP-2,2027-07-09,y\n")
    before = table_counts(engine)
    with pytest.raises(ImportRefused) as caught:
        import_feed(engine, read_feed(path, agency="PS"), policy=POLICY, now=NOW)
    assert [str(problem) for problem in caught.value.problems] == [
        'The column "sentence" is not a field of a release_dates feed. The fields are: person, release_date, '
        "confirmed, prison."
    ]
    assert table_counts(engine) == before


def test_the_documented_examples_import_on_the_demo_data_and_again_change_nothing(
    engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    demo.seed_demo(session_factory, date(2027, 6, 9), NOW, policy=POLICY, hasher=CHEAP_HASHER)
    summaries = []
    for kind in EXAMPLE_ORDER:
        json_result = import_feed(engine, read_feed(EXAMPLES / f"{kind}.json"), policy=POLICY, now=NOW)
        # The CSV example holds the same rows, so after the JSON one it finds nothing to change.
        csv_result = import_feed(engine, read_feed(EXAMPLES / f"{kind}.csv"), policy=POLICY, now=NOW)
        summaries.append((kind, json_result.new + json_result.changed, csv_result.new + csv_result.changed,
                          csv_result.unchanged))
    assert summaries == [("people", 2, 0, 2), ("workers", 1, 0, 1), ("assignments", 2, 0, 2),
                         ("release_dates", 2, 0, 2), ("appointments", 2, 0, 2)]
