"""Checks the journey content files and says, line by line, what an editor should fix.

`check_journeys(content_dir)` returns `Finding`s (see glossary/findings.py) for:
  content/journeys/stages.yaml         stages the case file uses, their paths and plain words
  content/journeys/money.yaml          money steps and their `when` offsets
  content/journeys/bank-holidays.yaml  one-off bank holiday changes
Structure is checked by the same parsers the code loads with; writing (sentence length, number of
sentences, translations) is checked here, with the glossary's sentence and word counting and limit
(`glossary.plain_language`), so an editor's sentence counts the same in every file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from glossary.check import CheckReport
from glossary.findings import ContentError, Finding, Severity
from glossary.plain_language import MAX_SENTENCE_WORDS, count_words, split_sentences
from glossary.yaml_source import line_of
from journeys.calendar import BANK_HOLIDAYS_FILE, holidays_by_rule, parse_changes
from journeys.money import MONEY_FILE, MONEY_STEP_KEYS, TRANSLATED_STEP_FIELDS, parse_money
from journeys.stages import LABEL_FIELDS, STAGES_FILE, TRANSLATED_STAGE_FIELDS, parse_stages
from journeys.yamlfile import TRANSLATED_LANGUAGES, read_journey_file, text_value

JOURNEYS_DIR = "journeys"
JOURNEY_FILES: tuple[tuple[str, str], ...] = ((STAGES_FILE, "stages"), (MONEY_FILE, "steps"),
                                               (BANK_HOLIDAYS_FILE, "changes"))
MAX_SENTENCES: dict[str, int] = {"explanation": 2, "next": 2, "what_to_do": 3, "if_late": 2}


def _writing(path: Path, node: Mapping[str, Any], fields: Sequence[str], where: str) -> list[Finding]:
    """Sentence length and count for the fields of one entry (or one translation of it)."""
    found: list[Finding] = []
    for name in fields:
        if name not in node:
            continue
        text = text_value(node[name])
        line = line_of(node, name)
        sentences = split_sentences(text)
        for sentence in sentences:
            words = count_words(sentence)
            if words <= MAX_SENTENCE_WORDS:
                continue
            start = " ".join(sentence.split()[:5])
            found.append(Finding(path, line, f"{where} `{name}` has a sentence of {words} words ({start}...)",
                                 f"Split it so each sentence has at most {MAX_SENTENCE_WORDS} words"))
        limit = MAX_SENTENCES.get(name)
        count = len(sentences)
        if limit is not None and count > limit:
            found.append(Finding(path, line, f"{where} `{name}` has {count} sentences",
                                 f"Keep it to at most {limit} short sentences"))
    return found


def _translations(path: Path, entry: Mapping[str, Any], fields: Sequence[str], where: str) -> list[Finding]:
    """Every field the English has must be in Welsh and Polish too; and each translation reads plainly."""
    needed = [name for name in fields if text_value(entry.get(name))]
    translations = entry.get("translations")
    if not isinstance(translations, Mapping):
        languages = " and ".join(TRANSLATED_LANGUAGES)
        return [Finding(path, line_of(entry), f"{where} has no translations",
                        f"Add `translations:` with {languages}, each with {', '.join(needed)}")]
    found: list[Finding] = []
    for language in translations:
        if language not in TRANSLATED_LANGUAGES:
            found.append(Finding(path, line_of(translations, language), f"`{language}` is not a language Signpost uses",
                                 f"Use {' or '.join(TRANSLATED_LANGUAGES)}"))
    for language in TRANSLATED_LANGUAGES:
        per_language = translations.get(language)
        if not isinstance(per_language, Mapping):
            found.append(Finding(path, line_of(entry, "translations"), f"{where} has no `{language}` translation",
                                 f"Add `{language}:` under `translations:` with {', '.join(needed)}"))
            continue
        for name in needed:
            if not text_value(per_language.get(name)):
                found.append(Finding(path, line_of(translations, language),
                                     f"{where} has no `{name}` in its `{language}` translation",
                                     f"Add `{name}:` under `{language}:`"))
        found.extend(_writing(path, per_language, fields, f"{where} ({language})"))
    return found


def check_stages(content_dir: Path) -> list[Finding]:
    path = content_dir / STAGES_FILE
    data = read_journey_file(path)
    _, problems = parse_stages(path, data)
    found = [error.finding for error in problems]
    labels = data.get("labels") if isinstance(data, Mapping) else None
    if isinstance(labels, Mapping):
        found.extend(_translations(path, labels, LABEL_FIELDS, "`labels`"))
    for entry in data.get("stages") or () if isinstance(data, Mapping) else ():
        if not isinstance(entry, Mapping):
            continue
        where = f"The stage `{text_value(entry.get('key')) or '?'}`"
        found.extend(_writing(path, entry, TRANSLATED_STAGE_FIELDS, where))
        found.extend(_translations(path, entry, TRANSLATED_STAGE_FIELDS, where))
    return found


def check_money(content_dir: Path) -> list[Finding]:
    path = content_dir / MONEY_FILE
    data = read_journey_file(path)
    catalog, problems = parse_money(path, data)
    found = [error.finding for error in problems]
    for step in catalog.steps:
        if step.key not in MONEY_STEP_KEYS:
            found.append(Finding(path, line_of(step.raw, "key"), f"`{step.key}` is a new money step key",
                                 "Agree it with the developers so the case file can tick it off",
                                 Severity.WARNING))
    for entry in data.get("steps") or () if isinstance(data, Mapping) else ():
        if not isinstance(entry, Mapping):
            continue
        where = f"The step `{text_value(entry.get('key')) or '?'}`"
        found.extend(_writing(path, entry, TRANSLATED_STEP_FIELDS, where))
        found.extend(_translations(path, entry, TRANSLATED_STEP_FIELDS, where))
    return found


def check_bank_holidays(content_dir: Path) -> list[Finding]:
    path = content_dir / BANK_HOLIDAYS_FILE
    changes, problems = parse_changes(path, read_journey_file(path))
    found = [error.finding for error in problems]
    seen: dict[tuple[str, str], int] = {}
    for change in changes:
        marker = (change.day.isoformat(), change.kind)
        if marker in seen:
            found.append(Finding(path, change.line, f"{change.day.isoformat()} is listed twice",
                                 f"Keep one of them; the first is on line {seen[marker]}", Severity.WARNING))
        seen.setdefault(marker, change.line)
        if change.kind == "add" and change.day in holidays_by_rule(change.day.year):
            found.append(Finding(path, change.line, f"{change.day.isoformat()} is already a usual bank holiday",
                                 "Remove this change: Signpost works it out by itself", Severity.WARNING))
    return found


CHECKS = (check_stages, check_money, check_bank_holidays)


def check_journeys(content_dir: Path) -> list[Finding]:
    """All findings for the journey files, sorted by file and line.

    A content folder with no journeys/ folder at all (a glossary-only folder in tests) has nothing to check;
    a journeys/ folder missing one of its files is an error.
    """
    if not (content_dir / JOURNEYS_DIR).is_dir():
        return []
    found: list[Finding] = []
    for check in CHECKS:
        try:
            found.extend(check(content_dir))
        except ContentError as error:  # the file is missing or is not valid YAML: nothing else can be checked
            found.append(error.finding)
    # By file and line; findings on the same line keep the order they were found in.
    return sorted(found, key=lambda finding: (str(finding.path), finding.line))


def journeys_check_report(content_dir: Path) -> CheckReport:
    """The findings with how much was checked, for `signpost content check` (bot/cli/content.py)."""
    report = CheckReport(findings=check_journeys(content_dir))
    for file_name, list_name in JOURNEY_FILES:
        path = content_dir / file_name
        try:
            data = read_journey_file(path)
        except ContentError:
            continue
        report.file_count += 1
        entries = data.get(list_name) if isinstance(data, Mapping) else None
        report.entry_count += len(entries) if isinstance(entries, list) else 0
    return report
