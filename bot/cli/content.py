"""`signpost content check|stats|gaps`: the content editors' tools.

Editors are not programmers, so every line says what is wrong and how to fix it, in plain words.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.settings import Settings

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

    from glossary.check import Checker, CheckReport

DEFAULT_GAPS_LIMIT = 20
TRANSLATED_LANGUAGES: tuple[str, ...] = ("cy", "pl")  # English is the source: its strings are the msgids


def register(subparsers: argparse._SubParsersAction) -> None:
    content = subparsers.add_parser(
        "content",
        help="Tools for content editors: check the glossary, see figures, find missing words.",
        description="Tools for the people who write Signpost's content.",
    )
    commands = content.add_subparsers(dest="content_command", metavar="COMMAND", title="commands")
    content.set_defaults(func=lambda args: _help(content))

    check = commands.add_parser(
        "check",
        help="Check every content file and list each problem with how to fix it.",
        description="Check every content file. Each problem is one line: file:line: what is wrong. "
        "How to fix it. The exit status is 1 if there are errors, 0 if there are only warnings or nothing.",
    )
    check.add_argument(
        "directory",
        nargs="?",
        type=Path,
        metavar="DIR",
        help="The content folder to check (default: SIGNPOST_CONTENT_DIR, or content/).",
    )
    check.set_defaults(func=run_check)

    stats = commands.add_parser(
        "stats",
        help="Show entries by category, how much is translated, and the longest explanations.",
        description="Figures about the glossary: entries by category, Welsh and Polish coverage, and the "
        "longest explanations (the first ones to shorten).",
    )
    stats.add_argument(
        "directory",
        nargs="?",
        type=Path,
        metavar="DIR",
        help="The content folder (default: SIGNPOST_CONTENT_DIR, or content/).",
    )
    stats.set_defaults(func=run_stats)

    review = commands.add_parser(
        "review",
        help="List what is due to be checked against its sources again, oldest first.",
        description="Glossary entries, question cards and the Help now numbers whose review date is due "
        "(over 12 months old; the Help now numbers over 6), oldest first, each as file:line. With "
        "--translations, the Welsh and Polish translations no native speaker has checked yet.",
    )
    review.add_argument(
        "directory",
        nargs="?",
        type=Path,
        metavar="DIR",
        help="The content folder (default: SIGNPOST_CONTENT_DIR, or content/).",
    )
    review.add_argument(
        "--due-within",
        type=_not_negative,
        default=0,
        metavar="DAYS",
        help="Also list what falls due in the next DAYS days (default 0: what is due now).",
    )
    review.add_argument(
        "--translations",
        action="store_true",
        help="List the translations not reviewed yet, per language, instead.",
    )
    review.set_defaults(func=run_review)

    gaps = commands.add_parser(
        "gaps",
        help="List the words people asked about most that the glossary does not have yet.",
        description="The words people asked about that the glossary did not know, most asked first, so you "
        "know what to add next. Only the words are kept, never who asked.",
    )
    gaps.add_argument(
        "--limit",
        type=_positive,
        default=DEFAULT_GAPS_LIMIT,
        metavar="N",
        help=f"How many words to show (default {DEFAULT_GAPS_LIMIT}).",
    )
    gaps.add_argument(
        "--lang",
        choices=("en", "cy", "pl"),
        default=None,
        help="Only words asked in this language (default: all languages together).",
    )
    gaps.set_defaults(func=run_gaps)

    translations = commands.add_parser(
        "translations",
        help="List the fixed strings each Welsh and Polish catalog has not translated yet.",
        description="List, for each language, the strings from the code and templates that its .po file has "
        "no translation for, and where each is used. The exit status is 1 if any string is missing. "
        "With --update, first add new strings to the .po files so translators can fill them in.",
    )
    translations.add_argument(
        "directory",
        nargs="?",
        type=Path,
        metavar="DIR",
        help="The content folder (default: SIGNPOST_CONTENT_DIR, or content/).",
    )
    translations.add_argument(
        "--update",
        action="store_true",
        help="First add new strings to each .po file (translations already there are kept).",
    )
    translations.add_argument(
        "--lang",
        choices=TRANSLATED_LANGUAGES,
        default=None,
        help="Only this language (default: every language).",
    )
    translations.set_defaults(func=run_translations)


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'"{text}" is not a whole number, like 20') from None
    if number < 1:
        raise argparse.ArgumentTypeError("it must be 1 or more")
    return number


def _not_negative(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'"{text}" is not a whole number of days, like 30') from None
    if number < 0:
        raise argparse.ArgumentTypeError("it must be 0 or more")
    return number


def _content_dir(args: argparse.Namespace) -> Path:
    return args.directory if args.directory is not None else Settings.from_env().content_dir


def _missing_folder(directory: Path) -> bool:
    if directory.is_dir():
        return False
    print(
        f"There is no folder called {directory}. Check the name, or leave it out to use the usual "
        "content folder.",
        file=sys.stderr,
    )
    return True


def content_checkers() -> tuple[Checker, ...]:
    """Every content kind's checker, in the order their findings are gathered: glossary, questions,
    journeys, Help now, the local services, then the reply templates and the translation catalogs."""
    # Imported when a check runs, so `signpost --help` and the other commands do not load every checker.
    from bot.services_yaml import check_services
    from bot.wording_check import check_catalogs, check_templates
    from glossary.check import check_glossary
    from glossary.questions import check_questions
    from journeys.check import journeys_check_report
    from journeys.help_now import check_help_now

    return (check_glossary, check_questions, journeys_check_report, check_help_now, check_services,
            check_templates, check_catalogs)


def check_content(content_dir: Path, checkers: Sequence[Checker] | None = None) -> CheckReport:
    """Every content checker (`content_checkers()` unless given others) on `content_dir`, as one report."""
    from glossary.check import CheckReport
    from glossary.findings import Finding

    report = CheckReport()
    for checker in content_checkers() if checkers is None else checkers:
        try:
            report.add(checker(content_dir))
        except Exception as error:  # a bug in one checker must not hide the others' findings
            report.findings.append(
                Finding(
                    content_dir,
                    1,
                    f"The checker {checker.__module__}:{checker.__name__} stopped with an internal error "
                    f"({type(error).__name__}: {error}), so some content was not checked",
                    "Tell a developer, and send them this line",
                )
            )
    return report


def run_check(args: argparse.Namespace) -> int:
    directory = _content_dir(args)
    if _missing_folder(directory):
        return 1
    report = check_content(directory)
    for line in report.lines(relative_to=Path.cwd()):
        print(line)
    for note in report.notes:
        print(note)
    print(report.summary())
    return 1 if report.has_errors else 0


def run_review(args: argparse.Namespace) -> int:
    from casefile.clock import london_today
    from glossary.review import due_reviews, review_of_file, unreviewed_in
    from journeys.help_now import REVIEW_EVERY as HELP_NOW_EVERY
    from journeys.help_now import help_now_files

    directory = _content_dir(args)
    if _missing_folder(directory):
        return 1
    if args.translations:
        waiting = unreviewed_in(directory)
        if not waiting:
            print("Every Welsh and Polish translation has been checked by a native speaker.")
            return 0
        for language, name in (("cy", "Welsh"), ("pl", "Polish")):
            mine = [waiting_one for waiting_one in waiting if waiting_one.language == language]
            print(f"{name} ({language}): {len(mine)} translation{'' if len(mine) == 1 else 's'} not reviewed yet")
            for translation in mine:
                print(f"  {translation.message(Path.cwd())}")
        return 0
    today = london_today()
    answers = help_now_files(directory)[0]
    help_now = [review_of_file("Help now numbers", answers, HELP_NOW_EVERY)] if answers.is_file() else []
    due = due_reviews(directory, today, args.due_within, also=help_now)
    when = "now" if args.due_within == 0 else f"within {args.due_within} days"
    if not due:
        print(f"Nothing is due for review {when}.")
        return 0
    print(f"Due for review {when}, oldest first ({len(due)}):")
    for item in due:
        said = f"reviewed {item.reviewed}, due {item.due}" if item.reviewed else "never reviewed"
        print(f"  {_shown_path(item.path)}:{item.line}: {item.what}, {said}")
    print("Check each against its sources, then write today's date after reviewed:.")
    return 0


def run_stats(args: argparse.Namespace) -> int:
    from glossary.content_stats import content_stats
    from glossary.schema import TRANSLATION_LANGUAGES

    language_names = {"en": "English", **TRANSLATION_LANGUAGES}

    directory = _content_dir(args)
    if _missing_folder(directory):
        return 1
    stats = content_stats(directory)
    width = max([len(category) for category in stats.by_category] + [len("Total")])
    print("Entries by category:")
    for category, count in stats.by_category.items():
        print(f"  {category:<{width}}  {count:>4}")
    print(f"  {'Total':<{width}}  {stats.entry_count:>4}")
    print("")
    print("Languages (entries that can be read in it, and how many of those are reviewed):")
    for coverage in stats.coverage:
        name = f"{language_names[coverage.language]} ({coverage.language})"
        share = _percent(coverage.translated, coverage.total)
        print(
            f"  {name:<12}  {coverage.translated} of {coverage.total} entries ({share}),"
            f" core {coverage.core_translated} of {coverage.core_total},"
            f" reviewed {coverage.reviewed} ({_percent(coverage.reviewed, coverage.total)})"
        )
    print("  (English reviewed: checked against its sources in the last 12 months;"
          " Welsh and Polish: checked by a native speaker)")
    print("")
    reading = stats.reading
    print(
        f"Reading age: {reading.at_aim} of {reading.total} explanations ({_percent(reading.at_aim, reading.total)})"
        f" read at age 9 or below (the aim is 90%); {reading.above_most} read above 11."
    )
    print("")
    print("Longest explanations:")
    for item in stats.longest:
        shown = _shown_path(item.path)
        print(f"  {item.words:>3} words  {item.term}  ({shown}:{item.line})")
    if stats.problems:
        print("")
        print(
            f"Some files have problems ({len(stats.problems)}), so these figures may be short. "
            "Run: signpost content check"
        )
    return 0


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "0%"


def _shown_path(path: Path) -> Path:
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def run_gaps(args: argparse.Namespace) -> int:
    from casefile import db, errors
    from casefile.gaps import top_unknown_terms

    settings = Settings.from_env()
    try:
        engine, sessions = db.open_database(settings.database_url)
        try:
            with sessions() as session:
                rows = top_unknown_terms(session, args.limit, language=args.lang)
        finally:
            engine.dispose()
    except errors.CasefileError as problem:
        print(problem.message, file=sys.stderr)
        return 1
    except Exception as problem:  # a wrong URL or a database that is down: say so plainly, no traceback
        print(
            f"Signpost cannot read the database at {_redacted(settings.database_url)} "
            f"({type(problem).__name__}). Check DATABASE_URL and that the database is running.",
            file=sys.stderr,
        )
        return 1
    if not rows:
        print("Nobody has asked about a word the glossary does not have. Nothing to add yet.")
        return 0
    print("Words people asked about that the glossary does not have (most asked first):")
    width = max(len(str(count)) for _, count in rows)
    for term, count in rows:
        print(f"  {count:>{width}}  {term}")
    print("Add the ones that matter to content/glossary/, then run: signpost content check")
    return 0


def _redacted(url: str) -> str:
    from casefile.db import redacted_url

    try:
        return redacted_url(url)
    except Exception:  # a URL too broken to parse is shown as nothing rather than leak a password
        return "(the DATABASE_URL setting)"


def run_translations(args: argparse.Namespace) -> int:
    import jinja2
    from babel.messages.pofile import PoFileError

    from bot import catalogs, i18n

    directory = _content_dir(args)
    if _missing_folder(directory):
        return 1
    languages = (args.lang,) if args.lang else TRANSLATED_LANGUAGES
    try:
        source = catalogs.source_catalog(directory)
    except jinja2.TemplateSyntaxError as problem:
        where = _shown_path(Path(problem.filename)) if problem.filename else "A template"
        print(
            f"{where}:{problem.lineno}: this template has a mistake, so its strings cannot be read "
            f"({problem.message}). Fix it, then run this again.",
            file=sys.stderr,
        )
        return 1
    any_missing = unreadable = False
    for language in languages:
        shown = _shown_path(i18n.catalog_path(directory / "locale", language))
        try:
            if args.update:
                before = _msgids(catalogs.read_catalog(directory, language))
                catalogs.update(directory, language, source)
                after = _msgids(catalogs.read_catalog(directory, language))
                if after == before:
                    print(f"{shown}: no new strings to add.")
                else:
                    print(
                        f"{shown}: updated ({_strings(len(after - before))} new, "
                        f"{_strings(len(before - after))} taken out as no longer used)."
                    )
            gaps = catalogs.missing_messages(directory, language, source)
        except PoFileError as problem:  # a damaged .po file: say where, keep it as it is, no traceback
            what = str(problem).rsplit(" on ", 1)[0]
            print(
                f"{shown}:{problem.lineno + 1}: Signpost cannot read this line ({what}: {problem.line.strip()!r})."
                " Nothing was changed. Fix the line (see content/locale/README.md), then run this again.",
                file=sys.stderr,
            )
            unreadable = True
            continue
        except (OSError, UnicodeDecodeError) as problem:
            print(
                f"{shown}: Signpost cannot read this file ({problem}). Nothing was changed. Check that it is "
                "saved as UTF-8 text, then run this again.",
                file=sys.stderr,
            )
            unreadable = True
            continue
        if not gaps:
            print(f"{shown}: all {_strings(_count(source))} translated.")
            continue
        any_missing = True
        print(f"{shown}: {_strings(len(gaps))} not translated yet:")
        for message in gaps:
            used_in = ", ".join(f"{path}:{line}" for path, line in message.locations)
            note = " (an old translation is there, marked fuzzy: check it)" if message.has_old_translation else ""
            print(f'  "{message.text}"{note}')
            print(f"    used in {used_in}")
    if any_missing:
        print("Translate them in the .po files, then run this again. How: content/locale/README.md")
    return 1 if any_missing or unreadable else 0


def _msgids(catalog: Catalog) -> set[str]:
    return {message.id if isinstance(message.id, str) else message.id[0] for message in catalog if message.id}


def _count(catalog: Catalog) -> int:
    return sum(1 for message in catalog if message.id)


def _strings(count: int) -> str:
    return f"{count} string" if count == 1 else f"{count} strings"
