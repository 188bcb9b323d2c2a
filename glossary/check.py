"""The editors' checker: every problem in the content as `file:line: what is wrong. How to fix it.`

`check_glossary` checks the glossary and its hard-words list; `CheckReport` is what every content kind's
checker returns, and `signpost content check` (bot/cli/content.py) runs them all. Errors mean the content
is not served until fixed; warnings are served.
`check_entry_mapping` checks a single entry against the rest of the glossary, for tools that save
one entry at a time.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from casefile.clock import london_today
from glossary import discreet_words
from glossary.findings import Finding, Severity
from glossary.plain_language import (
    MAX_EXPLANATION_SENTENCES,
    MAX_FOR_YOU_SENTENCES,
    MAX_TOTAL_WORDS,
    READING_AGE_AIM,
    READING_AGE_MOST,
    PlainWords,
    acronyms_in,
    count_words,
    read_plain_words,
    reading_age,
    text_findings,
)
from glossary.schema import (
    TRANSLATION_LANGUAGES,
    EntryBlock,
    check_entry_schema,
    check_file_shape,
)
from glossary.yaml_source import Locator, read_yaml

GLOSSARY_DIR = "glossary"


@dataclass
class CheckReport:
    """What a check found, and how much it looked at (for the summary line)."""

    findings: list[Finding] = field(default_factory=list)
    entry_count: int = 0
    file_count: int = 0
    notes: list[str] = field(default_factory=list)  # figures shown above the summary (reading age...)

    @property
    def errors(self) -> int:
        return sum(1 for finding in self.findings if finding.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for finding in self.findings if finding.severity is Severity.WARNING)

    @property
    def has_errors(self) -> bool:
        return self.errors > 0

    def add(self, other: CheckReport | Iterable[Finding]) -> None:
        if isinstance(other, CheckReport):
            self.findings += other.findings
            self.entry_count += other.entry_count
            self.file_count += other.file_count
            self.notes += other.notes
        else:
            self.findings += list(other)

    def lines(self, relative_to: Path | None = None) -> list[str]:
        """Every finding formatted, sorted by file and line so editors can work down a file."""
        ordered = sorted(self.findings, key=lambda f: (str(f.path), f.line, f.severity is Severity.WARNING))
        return [finding.format(relative_to) for finding in ordered]

    def summary(self) -> str:
        return (
            f"Checked {_count(self.entry_count, 'entry', 'entries')} in {_count(self.file_count, 'file')}: "
            f"{_count(self.errors, 'error')}, {_count(self.warnings, 'warning')}."
        )


def _count(number: int, one: str, many: str | None = None) -> str:
    return f"{number} {one if number == 1 else (many or one + 's')}"


# A content kind's checker: given the content folder, its findings, or a report counting entries and files.
Checker = Callable[[Path], "CheckReport | list[Finding]"]


def check_glossary(content_dir: Path, *, today: date | None = None) -> CheckReport:
    """The glossary files and the hard-words list they are checked against; review dates are measured
    against `today` (London's, unless given)."""
    report = CheckReport()
    plain_words, plain_findings = read_plain_words(content_dir)
    report.findings += plain_findings
    report.file_count += 1
    if (content_dir / discreet_words.WORDS_FILE).exists():  # the words no discreet text may carry
        report.findings += discreet_words.check(content_dir)
        report.file_count += 1
    blocks, file_findings, file_count = _read_glossary_files(content_dir, today or london_today())
    report.findings += file_findings
    report.file_count += file_count
    report.entry_count = len(blocks)
    report.findings += _cross_entry_findings(blocks, plain_words, checked=range(len(blocks)))
    report.notes += glossary_notes(blocks)
    return report


def glossary_notes(blocks: list[EntryBlock]) -> list[str]:
    """The figures `content check` shows: how plain the explanations read, and translations not checked."""
    from glossary.review import unreviewed_translations  # review reads these blocks: imported late

    ages = [reading_age(text) for text in english_explanations(blocks)]
    notes = []
    if ages:
        plain = sum(1 for age in ages if age <= READING_AGE_AIM)
        hard = sum(1 for age in ages if age > READING_AGE_MOST)
        notes.append(
            f"Reading age: {plain} of {len(ages)} explanations ({round(100 * plain / len(ages))}%) read at age "
            f"{READING_AGE_AIM:g} or below (the aim is 90%); {hard} read above {READING_AGE_MOST:g}."
        )
    waiting = Counter(item.language for item in unreviewed_translations(blocks))
    if waiting:
        counts = ", ".join(f"{waiting[code]} {name} ({code})" for code, name in TRANSLATION_LANGUAGES.items())
        notes.append(
            f"Translations not yet checked by a native speaker: {counts}. "
            "List them: signpost content review --translations"
        )
    return notes


def english_explanations(blocks: Iterable[EntryBlock]) -> list[str]:
    """The English explanation of every meaning (the Welsh variants are the same facts for Wales)."""
    return [
        fields["explanation"]
        for block in blocks
        if block.term
        for fields, _, _ in block.meanings()
        if isinstance(fields.get("explanation"), str) and fields["explanation"].strip()
    ]


def read_entry_blocks(content_dir: Path, today: date | None = None) -> tuple[list[EntryBlock], list[Finding]]:
    """Every entry written in the glossary files, checked or not (`content stats` counts from these)."""
    blocks, findings, _ = _read_glossary_files(content_dir, today or london_today())
    return blocks, findings


def _read_glossary_files(content_dir: Path, today: date) -> tuple[list[EntryBlock], list[Finding], int]:
    folder = content_dir / GLOSSARY_DIR
    if not folder.is_dir():
        return (
            [],
            [
                Finding(
                    folder,
                    1,
                    "There is no glossary folder here",
                    "Check the folder name, or give the content folder, like: signpost content check content",
                )
            ],
            0,
        )
    findings: list[Finding] = []
    for stray in sorted(folder.glob("*.yml")):
        findings.append(
            Finding(
                stray,
                1,
                "This file is skipped because its name ends in .yml",
                f"Rename it to {stray.stem}.yaml",
                Severity.WARNING,
            )
        )
    paths = sorted(folder.glob("*.yaml"))
    if not paths:
        findings.append(
            Finding(
                folder,
                1,
                "The glossary folder has no .yaml files",
                "Add the glossary files, one per category, like courts.yaml",
            )
        )
    blocks: list[EntryBlock] = []
    for path in paths:
        source = read_yaml(path, shared=True)  # the loader reads the same files
        findings += source.findings
        if source.data is None:
            continue
        file_blocks, shape_findings = check_file_shape(source)
        findings += shape_findings
        for block in file_blocks:
            findings += check_entry_schema(block.data, block.where, file_category=block.category, today=today)
        blocks += file_blocks
    return blocks, findings, len(paths)


@dataclass(frozen=True)
class NameUse:
    """One place a name (term, alias, misspelling or full form) is written."""

    written: str
    kind: str  # "term", "aliases", "misspellings", "full_form" or "meaning full_form"
    block: int  # index into the list of entry blocks
    line: int


def normalise(name: str) -> str:
    """Names compare without case, dots or spaces: "M.A.P.P.A" and "mappa" are the same name."""
    return "".join(name.casefold().replace(".", "").split())  # split() drops what isspace() calls a space


def _names_of(block: EntryBlock, index: int) -> list[NameUse]:
    uses: list[NameUse] = []
    data, where = block.data, block.where
    if block.term:
        uses.append(NameUse(block.term, "term", index, where.line("term")))
    for kind in ("aliases", "misspellings"):
        values = data.get(kind)
        if isinstance(values, list):
            uses += [
                NameUse(value.strip(), kind, index, where.line(kind, position))
                for position, value in enumerate(values)
                if isinstance(value, str) and value.strip()
            ]
    many = isinstance(data.get("meanings"), list) and len(data["meanings"]) > 1
    for fields, inner, _ in block.meanings():
        full_form = fields.get("full_form")
        if isinstance(full_form, str) and full_form.strip():
            kind = "meaning full_form" if many else "full_form"
            uses.append(NameUse(full_form.strip(), kind, index, inner.line("full_form")))
    return uses


class _NameIndex:
    def __init__(self, blocks: list[EntryBlock]) -> None:
        self.blocks = blocks
        self.uses: dict[str, list[NameUse]] = defaultdict(list)
        for index, block in enumerate(blocks):
            for use in _names_of(block, index):
                self.uses[normalise(use.written)].append(use)

    def term_block(self, name: str) -> int | None:
        for use in self.uses.get(normalise(name), []):
            if use.kind == "term":
                return use.block
        return None

    def knows(self, name: str) -> bool:
        return normalise(name) in self.uses


def _allowed_pair(first: NameUse, second: NameUse) -> bool:
    """A meaning's full form may be another entry's name: PO's meaning "Probation officer" and the entry
    "probation officer", PP's "Probation practitioner" and that entry's alias. Look-up finds the entry."""
    kinds = {first.kind, second.kind}
    return "meaning full_form" in kinds and bool(kinds & {"term", "aliases"})


def _cross_entry_findings(
    blocks: list[EntryBlock], plain_words: PlainWords, checked: Iterable[int]
) -> list[Finding]:
    """Findings that need the whole glossary: shared names, references, acronyms, and the text rules."""
    index = _NameIndex(blocks)
    checked = set(checked)
    findings = _duplicate_name_findings(index, checked)
    for number in sorted(checked):
        block = blocks[number]
        if block.term is None:
            continue
        findings += _reference_findings(block, number, index)
        findings += _text_rule_findings(block, index, plain_words)
        findings += _translation_findings(block)
    return findings


def _duplicate_name_findings(index: _NameIndex, checked: set[int]) -> list[Finding]:
    findings: list[Finding] = []
    for uses in index.uses.values():
        clashing: dict[int, NameUse] = {}
        for first in uses:
            for second in uses:
                if first.block < second.block and not _allowed_pair(first, second):
                    clashing.setdefault(first.block, first)
                    clashing.setdefault(second.block, second)
        if len(clashing) < 2 or not checked.intersection(clashing):
            continue
        involved = [clashing[number] for number in sorted(clashing)]
        at = involved[-1]
        block = index.blocks[at.block]
        places = [
            f"{index.blocks[use.block].term} ({index.blocks[use.block].where.path.name}:{use.line})"
            for use in involved
        ]
        listed = ", ".join(places[:-1]) + " and " + places[-1]
        how_many = {2: "two", 3: "three", 4: "four"}.get(len(involved), str(len(involved)))
        others = [use for use in involved if use.kind != "term"]
        if not others:
            fix = "Merge them into one entry, and use meanings: if the word has more than one meaning"
        elif len(others) == 1:
            owner = index.blocks[others[0].block].term
            fix = f"Remove it from the {others[0].kind.replace('meaning ', '')} of {owner}"
        else:
            fix = "Remove it from one of them"
        findings.append(
            Finding(block.where.path, at.line, f'"{at.written}" is used by {how_many} entries, {listed}', fix)
        )
    return findings


def _reference_findings(block: EntryBlock, number: int, index: _NameIndex) -> list[Finding]:
    findings: list[Finding] = []
    where, term = block.where, block.term
    references: list[tuple[str, int, str]] = []
    related = block.data.get("related")
    if isinstance(related, list):
        references += [
            (name.strip(), where.line("related", position), "related")
            for position, name in enumerate(related)
            if isinstance(name, str) and name.strip()
        ]
    replaced_by = block.data.get("replaced_by")
    if isinstance(replaced_by, str) and replaced_by.strip():
        references.append((replaced_by.strip(), where.line("replaced_by"), "replaced_by"))
    for name, line, kind in references:
        said = (
            f'The entry "{term}" lists "{name}" in related'
            if kind == "related"
            else f'The entry "{term}" says it is replaced by "{name}"'
        )
        target = index.term_block(name)
        if target == number:
            findings.append(
                Finding(
                    where.path,
                    line,
                    f'The entry "{term}" points to itself in {kind}',
                    "Remove it from that list",
                    Severity.WARNING,
                )
            )
        elif target is not None:
            continue
        elif index.knows(name):
            owner = index.blocks[index.uses[normalise(name)][0].block].term
            findings.append(
                Finding(
                    where.path,
                    line,
                    f"{said}, but that is not the term of an entry",
                    f'Use the entry\'s term instead: "{owner}"',
                )
            )
        else:
            findings.append(
                Finding(
                    where.path,
                    line,
                    f'{said}, but there is no entry "{name}"',
                    f"Check the spelling, or add an entry for {name}",
                )
            )
    return findings


def _text_rule_findings(block: EntryBlock, index: _NameIndex, plain_words: PlainWords) -> list[Finding]:
    findings: list[Finding] = []
    term = block.term
    own_names = [use.written for use in _names_of(block, -1)]
    for fields, where, label in block.variants():
        total = 0
        for field_name, what, most in (
            ("explanation", "explanation", MAX_EXPLANATION_SENTENCES),
            ("for_you", "for_you text", MAX_FOR_YOU_SENTENCES),
        ):
            text = fields.get(field_name)
            if not isinstance(text, str) or not text.strip():
                continue
            total += count_words(text)
            subject = f'The {what} of "{term}"{label}'
            findings += text_findings(
                path=where.path,
                line_of=_line_finder(where, field_name),
                text=text,
                what=subject,
                plain_words=plain_words,
                english=True,
                max_sentences=most,
                own_names=own_names,
            )
            findings += _acronym_findings(text, subject, where, field_name, index, plain_words)
            findings += _reading_age_findings(text, subject, where, field_name)
            findings += _translated_text_findings(fields, where, field_name, what, term, label, plain_words)
        if total > MAX_TOTAL_WORDS:
            findings.append(
                Finding(
                    where.path,
                    where.line("explanation"),
                    f'The explanation and for_you of "{term}"{label} are {total} words together',
                    f"Cut them to {MAX_TOTAL_WORDS} words or fewer, so they fit on one phone screen",
                    Severity.WARNING,
                )
            )
    return findings


def _reading_age_findings(text: str, subject: str, where: Locator, field_name: str) -> list[Finding]:
    age = reading_age(text)
    if age <= READING_AGE_MOST:
        return []
    return [
        Finding(
            where.path,
            where.line(field_name),
            f"{subject} reads at age {age:.1f}, above {READING_AGE_MOST:g}",
            "Use shorter sentences and everyday words of one or two syllables, and say it to \"you\"",
            Severity.WARNING,
        )
    ]


def _line_finder(where: Locator, *keys: str) -> Callable[[str], int]:
    return lambda needle: where.text_line(tuple(keys), needle)


def _acronym_findings(
    text: str, subject: str, where: Locator, field_name: str, index: _NameIndex, plain_words: PlainWords
) -> list[Finding]:
    findings: list[Finding] = []
    for acronym in acronyms_in(text):
        if acronym in plain_words.everyday_acronyms or index.knows(acronym):
            continue
        if acronym.endswith("s") and index.knows(acronym[:-1]):  # "PSRs" is the plural of the entry "PSR"
            continue
        findings.append(
            Finding(
                where.path,
                where.text_line((field_name,), acronym),
                f'{subject} uses "{acronym}", which is not in the glossary',
                f"Add an entry for {acronym} or write the words out",
            )
        )
    return findings


def _translated_text_findings(
    fields: Mapping[str, Any],
    where: Locator,
    field_name: str,
    what: str,
    term: str | None,
    label: str,
    plain_words: PlainWords,
) -> list[Finding]:
    findings: list[Finding] = []
    translations = fields.get("translations")
    if not isinstance(translations, Mapping):
        return findings
    for language, language_name in TRANSLATION_LANGUAGES.items():
        translation = translations.get(language)
        text = translation.get(field_name) if isinstance(translation, Mapping) else None
        if not isinstance(text, str) or not text.strip():
            continue
        most = MAX_EXPLANATION_SENTENCES if field_name == "explanation" else MAX_FOR_YOU_SENTENCES
        findings += text_findings(
            path=where.path,
            line_of=_line_finder(where, "translations", language, field_name),
            text=text,
            what=f'The {language_name} ({language}) {what} of "{term}"{label}',
            plain_words=plain_words,
            english=False,
            max_sentences=most,
        )
    return findings


def _translation_findings(block: EntryBlock) -> list[Finding]:
    """Every meaning (and the Welsh variant) needs Welsh and Polish, so no reader falls back to English.

    A missing translation of for_you is an error on a core entry and a warning on the others.
    """
    core = block.data.get("core") is True
    findings: list[Finding] = []
    variants = block.variants()
    many = len(block.meanings()) > 1
    kind = "core entry" if core else "entry"
    for position, (fields, where, label) in enumerate(variants):
        if label == " (wales:)":
            owner = f'The Welsh version (wales:) of the {kind} "{block.term}"'
        elif many:
            owner = f'Meaning {position + 1} of the {kind} "{block.term}"'
        else:
            owner = f'The {kind} "{block.term}"'
        translations = fields.get("translations")
        translations = translations if isinstance(translations, Mapping) else {}
        for language, language_name in TRANSLATION_LANGUAGES.items():
            translation = translations.get(language)
            if not isinstance(translation, Mapping):
                if language not in translations:
                    line = where.line("translations") if "translations" in fields else where.fallback_line
                    findings.append(
                        Finding(
                            where.path,
                            line,
                            f"{owner} has no {language_name} ({language}) translation",
                            f"Add a {language}: block with an explanation under translations",
                        )
                    )
                continue
            english_for_you = fields.get("for_you")
            if (
                isinstance(english_for_you, str)
                and english_for_you.strip()
                and not translation.get("for_you")
            ):
                findings.append(
                    Finding(
                        where.path,
                        where.line("translations", language),
                        f"The {language_name} ({language}) translation of {owner[:1].lower()}{owner[1:]} has no for_you",
                        f"Add a for_you: line under {language}:, translating the English one",
                        Severity.ERROR if core else Severity.WARNING,
                    )
                )
    return findings


@dataclass(frozen=True)
class GlossaryContext:
    """The rest of the glossary, for checking one entry on its own."""

    blocks: tuple[EntryBlock, ...]
    plain_words: PlainWords

    @classmethod
    def from_content_dir(cls, content_dir: Path) -> GlossaryContext:
        blocks, _ = read_entry_blocks(content_dir)
        plain_words, _ = read_plain_words(content_dir)
        return cls(tuple(blocks), plain_words)


def check_entry_mapping(
    entry: Mapping[str, Any],
    *,
    category: str,
    context: GlossaryContext,
    path: Path,
    line: int = 1,
    replacing: str | None = None,
    today: date | None = None,
) -> list[Finding]:
    """Check one entry (say, from a form) as if it were in `path` at `line`, against `context`.

    `replacing` is the term of the entry this one replaces, if any: it is left out of the comparison
    so an entry does not clash with its own older version.
    """
    where = Locator(path, None, (), line)
    findings = check_entry_schema(entry, where, file_category=category, today=today or london_today())
    gone = normalise(replacing) if replacing else None
    others = [block for block in context.blocks if gone is None or normalise(block.term or "") != gone]
    blocks = others + [EntryBlock(entry, category, where)]
    findings += _cross_entry_findings(blocks, context.plain_words, checked=[len(blocks) - 1])
    return findings
