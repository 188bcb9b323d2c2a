"""The checker as a whole: the report and its summary, running every content checker, one-entry checks,
sentence splitting, and the shipped content passing its own check."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures_check.helpers import FIXTURE_TODAY, checked, content_with

from bot.cli.content import check_content
from glossary.check import CheckReport, GlossaryContext, check_entry_mapping, check_glossary
from glossary.findings import Finding, Severity
from glossary.plain_language import PlainWords, count_words, split_sentences

REPO = Path(__file__).resolve().parents[2]
# What every entry now needs besides its text: where the facts come from, when they were checked, and
# Welsh and Polish.
REQUIRED = {
    "sources": ["https://www.cps.gov.uk/"],
    "reviewed": "2026-12-01",
    "translations": {"cy": {"explanation": "Esboniad byr."}, "pl": {"explanation": "Krótkie wyjaśnienie."}},
}


def test_base_fixture_is_clean(tmp_path: Path) -> None:
    assert checked("_base", tmp_path) == []


def test_summary_counts_entries_files_errors_and_warnings(tmp_path: Path) -> None:
    content_dir = content_with("hard_word", tmp_path)
    report = check_glossary(content_dir)
    # general.yaml (3 entries) and housing.yaml (1), plus plain-words.yaml.
    assert (report.entry_count, report.file_count, report.errors, report.warnings) == (4, 3, 0, 1)
    assert report.summary() == "Checked 4 entries in 3 files: 0 errors, 1 warning."


def test_summary_uses_singular_words() -> None:
    report = CheckReport([Finding(Path("a.yaml"), 1, "Broken", "Mend it")], entry_count=1, file_count=1)
    assert report.summary() == "Checked 1 entry in 1 file: 1 error, 0 warnings."


def test_missing_glossary_folder_and_word_list(tmp_path: Path) -> None:
    assert check_glossary(tmp_path).lines(relative_to=tmp_path) == [
        "glossary:1: There is no glossary folder here. Check the folder name, or give the content folder, "
        "like: signpost content check content.",
        "plain-words.yaml:1: The list of hard words is missing. Add plain-words.yaml to the content folder "
        "(the one in the Signpost repository is a good start).",
    ]


def test_glossary_folder_without_files(tmp_path: Path) -> None:
    content_with("_base", tmp_path)
    (tmp_path / "glossary" / "general.yaml").unlink()
    assert check_glossary(tmp_path).lines(relative_to=tmp_path) == [
        "glossary:1: The glossary folder has no .yaml files. Add the glossary files, one per category, like "
        "courts.yaml.",
    ]


def test_check_content_runs_every_checker_it_is_given(tmp_path: Path) -> None:
    content_with("_base", tmp_path)

    def journeys_checker(content_dir: Path) -> list[Finding]:
        return [
            Finding(
                content_dir / "journeys" / "release.yaml",
                4,
                "A step has no title",
                "Add a title",
                Severity.WARNING,
            )
        ]

    report = check_content(tmp_path, checkers=(check_glossary, journeys_checker))
    assert report.lines(relative_to=tmp_path) == [
        "journeys/release.yaml:4: warning: A step has no title. Add a title.",
    ]
    assert report.summary() == "Checked 3 entries in 2 files: 0 errors, 1 warning."


def test_a_broken_checker_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    content_with("_base", tmp_path)

    def broken(content_dir: Path) -> list[Finding]:
        raise KeyError("steps")

    report = check_content(tmp_path, checkers=(check_glossary, broken))
    assert report.has_errors
    assert report.lines(relative_to=tmp_path) == [
        ".:1: The checker test_check:broken stopped with an internal error (KeyError: 'steps'), so some "
        "content was not checked. Tell a developer, and "
        "send them this line.",
    ]


def test_lines_are_sorted_by_file_then_line(tmp_path: Path) -> None:
    report = CheckReport(
        [
            Finding(Path("b.yaml"), 2, "Two", "Fix"),
            Finding(Path("a.yaml"), 9, "Nine", "Fix", Severity.WARNING),
            Finding(Path("a.yaml"), 3, "Three", "Fix"),
        ]
    )
    assert report.lines() == ["a.yaml:3: Three. Fix.", "a.yaml:9: warning: Nine. Fix.", "b.yaml:2: Two. Fix."]


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("You go to court. The judge decides.", ["You go to court.", "The judge decides."]),
        ("Bring ID, e.g. a passport. Then wait.", ["Bring ID, e.g. a passport.", "Then wait."]),
        ("Ask for Mr. Khan or J. Smith at the desk.", ["Ask for Mr. Khan or J. Smith at the desk."]),
        ("It is in the U.K. and Wales.", ["It is in the U.K. and Wales."]),
        ("Is it free? Yes. It costs nothing!", ["Is it free?", "Yes.", "It costs nothing!"]),
        ('He said "stop." Then he left.', ['He said "stop."', "Then he left."]),
        (
            "Pay rent, bills etc. and save. 3 days later you hear.",
            ["Pay rent, bills etc. and save.", "3 days later you hear."],
        ),
    ],
)
def test_sentence_splitting_copes_with_abbreviations_and_initials(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


def test_words_are_counted_like_a_reader_counts_them() -> None:
    assert count_words("You meet your PO - every week, e.g. on Monday.") == 9


def test_hard_words_are_found_with_simple_endings() -> None:
    words = PlainWords({"obtain": ("get",), "in order to": ("to",)})
    assert words.hard_words_in("You obtained it in order to stay.") == [
        ("obtain", ("get",)),
        ("in order to", ("to",)),
    ]
    assert words.hard_words_in("Obtainable things.") == []


# --- one entry at a time (a form that saves a single entry) ---


@pytest.fixture
def context(tmp_path: Path) -> GlossaryContext:
    return GlossaryContext.from_content_dir(content_with("_base", tmp_path))


def test_a_good_entry_has_no_findings(context: GlossaryContext) -> None:
    entry = {"term": "CPS", "explanation": "The lawyers who take a case to court.", "related": ["PSR"], **REQUIRED}
    assert check_entry_mapping(entry, category="courts", context=context, path=Path("courts.yaml"), line=7,
                               today=FIXTURE_TODAY) == []


def test_one_entry_is_checked_against_the_rest(context: GlossaryContext) -> None:
    entry = {
        "term": "CPS",
        "explanation": "The lawyers who take a case to court. They talk to the DWP.",
        "aliases": ["mapa"],
        "core": "yes",
        "colour": "red",
        **REQUIRED,
    }
    lines = [
        f.format()
        for f in check_entry_mapping(
            entry, category="courts", context=context, path=Path("courts.yaml"), line=7, today=FIXTURE_TODAY
        )
    ]
    assert lines == [
        'courts.yaml:7: The entry "CPS" has an unknown field "colour". Remove it.',
        'courts.yaml:7: "core" of the entry "CPS" should be true or false, but it says "yes". Write '
        "core: true or "
        "core: false, without quotes.",
        'courts.yaml:7: "mapa" is used by two entries, MAPPA (general.yaml:15) and CPS (courts.yaml:7). '
        "Remove it "
        "from one of them.",
        'courts.yaml:7: The explanation of "CPS" uses "DWP", which is not in the glossary. Add an entry '
        "for DWP or "
        "write the words out.",
    ]


def test_replacing_an_entry_does_not_clash_with_its_old_self(context: GlossaryContext) -> None:
    changed = {
        "term": "PSR",
        "full_form": "Pre-sentence report",
        "explanation": "A report that helps the judge.",
        **REQUIRED,
    }
    where = {"category": "general", "context": context, "path": Path("general.yaml"), "line": 19,
             "today": FIXTURE_TODAY}
    assert check_entry_mapping(changed, **where, replacing="PSR") == []
    clash = check_entry_mapping(changed, **where)
    assert [f.format() for f in clash] == [
        'general.yaml:19: "PSR" is used by two entries, PSR (general.yaml:19) and PSR (general.yaml:19). '
        "Merge them "
        "into one entry, and use meanings: if the word has more than one meaning.",
        'general.yaml:19: "Pre-sentence report" is used by two entries, PSR (general.yaml:20) and PSR '
        "(general.yaml:19). Remove it from one of them.",
    ]


# --- the shipped content ---


def test_shipped_content_has_no_errors() -> None:
    report = check_content(REPO / "content")
    errors = [line for line in report.lines(relative_to=REPO) if ": warning: " not in line]
    assert errors == [], report.summary()
    assert report.entry_count > 0


def test_shipped_hard_words_are_not_glossary_terms() -> None:
    """A hard word that is also a glossary term would warn on every explanation that needs the term."""
    context = GlossaryContext.from_content_dir(REPO / "content")
    terms = {block.term.casefold() for block in context.blocks if block.term}
    assert len(context.plain_words.hard_words) >= 60
    assert sorted(terms & {hard.casefold() for hard in context.plain_words.hard_words}) == []
