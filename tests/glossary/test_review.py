"""What is due for review, oldest first; the translations no native speaker has checked; and the figures
`content check` and `content stats` show about review and reading age."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fixtures_check.helpers import FIXTURE_TODAY, content_with

from glossary.check import check_glossary, read_entry_blocks
from glossary.content_stats import content_stats
from glossary.plain_language import reading_age
from glossary.review import due_reviews, unreviewed_translations


def test_due_reviews_list_never_reviewed_first_then_oldest(tmp_path: Path) -> None:
    content = content_with("review_dates", tmp_path)
    due = [(item.what, item.reviewed, item.line) for item in due_reviews(content, FIXTURE_TODAY)
           if "courts" in item.path.name]
    assert due == [
        ('glossary "fine"', None, 18),
        ('glossary "Crown Court"', date(2024, 6, 1), 11),
        ('glossary "CPS"', date(2025, 11, 1), 6),
    ]
    # bail was reviewed on 2025-12-20: due on 2025-12-21 + 12 months, so within 30 days, not now.
    soon = [item.what for item in due_reviews(content, FIXTURE_TODAY, within_days=30) if "courts" in item.path.name]
    assert soon == ['glossary "fine"', 'glossary "Crown Court"', 'glossary "CPS"', 'glossary "bail"']


def test_unreviewed_translation_has_its_exact_file_line_message(tmp_path: Path) -> None:
    content = content_with("unreviewed_translation", tmp_path)
    blocks, _ = read_entry_blocks(content, FIXTURE_TODAY)
    assert [item.message(content) for item in unreviewed_translations(blocks)] == [
        'glossary/courts.yaml:8: the Welsh (cy) translation of "CPS" is not reviewed yet. When a native '
        "speaker has checked it, write reviewed: true under it.",
        'glossary/courts.yaml:11: the Polish (pl) translation of "CPS" is not reviewed yet. When a native '
        "speaker has checked it, write reviewed: true under it.",
    ]
    # Not a warning per entry: one count line in the check's figures.
    report = check_glossary(content, today=FIXTURE_TODAY)
    assert report.findings == []
    assert report.notes[1] == ("Translations not yet checked by a native speaker: 1 Welsh (cy), 1 Polish (pl). "
                               "List them: signpost content review --translations")


def test_wales_variant_translations_wait_for_review_too(tmp_path: Path) -> None:
    content = content_with("wales_variant", tmp_path)
    blocks, _ = read_entry_blocks(content, FIXTURE_TODAY)
    waiting = [(item.term, item.language, item.explanation) for item in unreviewed_translations(blocks)]
    assert ("duty to refer (wales:)", "cy", "Esboniad Cymru.") in waiting
    assert ("duty to refer", "cy", "Esboniad Lloegr.") not in waiting


def test_stats_count_coverage_review_and_reading_age_per_language(tmp_path: Path) -> None:
    content = content_with("review_dates", tmp_path)
    stats = content_stats(content, today=FIXTURE_TODAY)
    coverage = {item.language: (item.translated, item.total, item.reviewed) for item in stats.coverage}
    # 3 base entries (reviewed 2026-12-01) + 4 here; "fine" has no translations and no date;
    # CPS and Crown Court are over 12 months old; bail's Polish is not reviewed.
    assert coverage == {"en": (7, 7, 4), "cy": (6, 7, 6), "pl": (6, 7, 5)}
    ages = [reading_age(text) for text in (
        "The person who checks you keep to your licence. You meet them often.",
        "Police, probation and prison staff work as a team to keep you and others safe.",
        "A report that helps the court choose your sentence.",
        "The lawyers who take a case to court.",
        "The court for the most serious cases.",
        "You can wait for your case at home, but you must keep some rules.",
        "Money the court tells you to pay.",
    )]
    assert (stats.reading.total, stats.reading.at_aim, stats.reading.above_most) == (
        7, sum(age <= 9 for age in ages), sum(age > 11 for age in ages))
    assert stats.reading.at_aim >= 5  # these short sentences are plain: a reading age of 9 or below


def test_reading_age_is_five_plus_the_flesch_kincaid_grade() -> None:
    import textstat

    text = "The organisation responsible for prosecuting criminal cases investigated by the police."
    assert reading_age(text) == 5 + textstat.flesch_kincaid_grade(text)
    assert reading_age("You can go home now.") < 9
