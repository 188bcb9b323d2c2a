"""The shape of a glossary file (content/glossary/SCHEMA.md): which fields exist and what each holds.

Every problem becomes a finding an editor can act on. Checking goes on past the first problem, so one
run shows everything that needs fixing in a file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from glossary.findings import Finding, Severity
from glossary.model import NATIONS
from glossary.plain_language import did_you_mean, yaml11_trap
from glossary.reviewing import ReviewState, read_reviewed, read_sources
from glossary.yaml_source import Locator, YamlSource

CATEGORIES: tuple[str, ...] = (
    "police",
    "courts",
    "sentences",
    "prison",
    "probation",
    "assessment",
    "programmes",
    "drugs-alcohol",
    "housing",
    "money",
    "health",
    "work-learning",
    "agencies",
    "general",
)
TRANSLATION_LANGUAGES: dict[str, str] = {"cy": "Welsh", "pl": "Polish"}

FILE_FIELDS = ("category", "entries")
# Every field an entry may have, in the order a new entry's fields are written (glossary.edit) and the
# one list both the checker and the loader (glossary.load) accept.
ENTRY_FIELDS = (
    "term",
    "full_form",
    "explanation",
    "for_you",
    "aliases",
    "misspellings",
    "related",
    "replaced_by",
    "used_by",
    "core",
    "nation",
    "sources",
    "reviewed",
    "translations",
    "wales",
    "meanings",
    "category",
)
# With `meanings:` these belong inside each meaning, not on the entry.
MEANING_FIELDS = ("full_form", "explanation", "for_you", "used_by", "translations")
TRANSLATION_FIELDS = ("explanation", "for_you", "reviewed")
# What a person in Wales is told instead, for an entry with `nation: england`.
WALES_FIELDS = ("explanation", "for_you", "sources", "translations")
LIST_FIELDS = ("aliases", "misspellings", "related")
SCHEMA_DOC = "content/glossary/SCHEMA.md"


@dataclass(frozen=True)
class EntryBlock:
    """One entry as written in a file, with where it is; `data` is only trusted after checking."""

    data: Mapping[str, Any]
    category: str
    where: Locator

    @property
    def term(self) -> str | None:
        term = self.data.get("term")
        return term.strip() if isinstance(term, str) and term.strip() else None

    @property
    def line(self) -> int:
        return self.where.fallback_line

    def meanings(self) -> list[tuple[Mapping[str, Any], Locator, str]]:
        """(fields, locator, label) for each meaning; an entry without `meanings:` is its own one meaning."""
        raw = self.data.get("meanings")
        if not isinstance(raw, list):
            return [(self.data, self.where, "")]
        return [
            (meaning, self.where.inside("meanings", index), f" (meaning {index + 1})")
            for index, meaning in enumerate(raw)
            if isinstance(meaning, Mapping)
        ]

    def variants(self) -> list[tuple[Mapping[str, Any], Locator, str]]:
        """The meanings, then the Welsh variant (`wales:`) when there is one: every text a person reads."""
        wales = self.data.get("wales")
        if not isinstance(wales, Mapping):
            return self.meanings()
        return [*self.meanings(), (wales, self.where.inside("wales"), " (wales:)")]


def entry_name(data: Mapping[str, Any], where: Locator) -> str:
    """How messages name an entry: 'the entry "CPS"', or 'the entry on line 12' before it has a term."""
    term = data.get("term")
    if isinstance(term, str) and term.strip():
        return f'the entry "{term.strip()}"'
    return f"the entry on line {where.fallback_line}"


def check_file_shape(source: YamlSource) -> tuple[list[EntryBlock], list[Finding]]:
    """Top level of a glossary file: `category:` matching the file name, and `entries:` as a list."""
    path = source.path
    findings: list[Finding] = []
    data = source.data
    if not isinstance(data, Mapping):
        return [], [
            Finding(
                path,
                1,
                "The file should start with category: and entries:",
                f"Start it like the example in {SCHEMA_DOC}",
            )
        ]
    for name in data:
        if name not in FILE_FIELDS:
            findings.append(
                Finding(
                    path,
                    source.line_of((name,)),
                    f'The file has an unknown field "{name}"',
                    did_you_mean(str(name), FILE_FIELDS, "Remove it, or indent it under an entry"),
                )
            )
    category = _check_category(source, findings)
    entries = data.get("entries")
    if entries is None:
        findings.append(
            Finding(
                path,
                source.line_of(("entries",)),
                "The file has no entries",
                "Add an entries: line and list the entries under it, each starting with - term",
            )
        )
        return [], findings
    if not isinstance(entries, list):
        findings.append(
            Finding(
                path,
                source.line_of(("entries",)),
                "entries: should be a list of entries",
                "Start each entry on its own line with - term: and put its fields under it",
            )
        )
        return [], findings
    blocks: list[EntryBlock] = []
    for index, entry in enumerate(entries):
        where = Locator(path, source, ("entries", index), source.line_of(("entries", index)))
        if not isinstance(entry, Mapping):
            findings.append(
                Finding(
                    path,
                    where.fallback_line,
                    f"Item {index + 1} under entries: is not an entry",
                    "Start each entry with - term: and put its fields under it",
                )
            )
            continue
        blocks.append(EntryBlock(entry, category, where))
    return blocks, findings


def _check_category(source: YamlSource, findings: list[Finding]) -> str:
    path = source.path
    file_category = path.stem
    category = source.data.get("category")
    line = source.line_of(("category",))
    if category is None:
        findings.append(
            Finding(
                path,
                1,
                "The file has no category",
                f"Add category: {file_category} as the first line after the comments",
            )
        )
        return file_category
    if not isinstance(category, str) or category not in CATEGORIES:
        findings.append(
            Finding(
                path,
                line,
                f'"{category}" is not one of the categories',
                did_you_mean(str(category), CATEGORIES, f"Use one of the categories listed in {SCHEMA_DOC}"),
            )
        )
        return file_category
    if category != file_category:
        findings.append(
            Finding(
                path,
                line,
                f'The category is "{category}" but the file is called {path.name}',
                f"Make them match: rename the file to {category}.yaml or change the category",
            )
        )
    return category


def check_entry_schema(
    data: Mapping[str, Any], where: Locator, *, file_category: str | None, today: date
) -> list[Finding]:
    """Missing, unknown and wrongly typed fields of one entry (and of its meanings, translations and
    Welsh variant); `today` (London) is what a review date is measured against."""
    name = entry_name(data, where)
    findings: list[Finding] = []
    for field_name in data:
        if field_name not in ENTRY_FIELDS:
            findings.append(
                Finding(
                    where.path,
                    where.line(field_name),
                    f'{_cap(name)} has an unknown field "{field_name}"',
                    did_you_mean(str(field_name), ENTRY_FIELDS, "Remove it"),
                )
            )
    if data.get("term") is None or (isinstance(data.get("term"), str) and not data["term"].strip()):
        findings.append(
            Finding(
                where.path,
                where.line("term"),
                f"{_cap(name)} has no term",
                "Add a term: line with the word itself, as the first line of the entry",
            )
        )
    for field_name in ("term", "replaced_by", "category"):
        findings += _check_text(data, field_name, where, name, required=False)
    for field_name in LIST_FIELDS:
        findings += _check_text_list(data, field_name, where, name)
    findings += _check_core(data, where, name)
    entry_category = data.get("category")
    if file_category and isinstance(entry_category, str) and entry_category.strip() != file_category:
        findings.append(
            Finding(
                where.path,
                where.line("category"),
                f'{_cap(name)} says its category is "{entry_category}", '
                f"but it is in the {file_category} file",
                f"Move it to {entry_category}.yaml, or delete its category: line",
            )
        )
    if "meanings" in data:
        findings += _check_meanings(data, where, name)
    else:
        findings += _check_meaning_fields(data, where, name, meaning_label="")
    findings += check_sources(data, where, name)
    findings += _check_reviewed(data, where, name, today)
    findings += _check_nation(data, where, name)
    return findings


def check_sources(data: Mapping[str, Any], where: Locator, name: str) -> list[Finding]:
    """`sources:` must list one or more public pages, each a full https address."""
    line = where.line("sources")
    good, bad = read_sources(data.get("sources"))
    findings = [
        Finding(
            where.path,
            line,
            f'The source "{item}" of {name} is not a web address',
            "Write the page's full address, starting https://",
        )
        for item in bad
    ]
    if not good and not bad:
        findings.append(
            Finding(
                where.path,
                line,
                f"{_cap(name)} has no sources",
                "Add sources: with the public pages (https://...) the facts come from",
            )
        )
    return findings


def _check_reviewed(data: Mapping[str, Any], where: Locator, name: str, today: date) -> list[Finding]:
    raw = data.get("reviewed")
    review = read_reviewed(raw, today)
    line = where.line("reviewed")
    if review.state is ReviewState.MISSING:
        said = "has no reviewed date" if raw is None else f'has a reviewed date "{raw}" that is not a date'
        return [
            Finding(
                where.path,
                line,
                f"{_cap(name)} {said}",
                f"Write the day you checked it against its sources, like reviewed: {today.isoformat()}",
            )
        ]
    if review.state is ReviewState.FUTURE:
        return [
            Finding(
                where.path,
                line,
                f"{_cap(name)} was reviewed on {review.day}, which is in the future",
                "Write the day you checked it, today or earlier",
            )
        ]
    if review.state is ReviewState.DUE:
        return [
            Finding(
                where.path,
                line,
                f"{_cap(name)} was last reviewed on {review.day}, over 12 months ago",
                "Check it against its sources again and write today's date",
                Severity.WARNING,
            )
        ]
    return []


def _check_nation(data: Mapping[str, Any], where: Locator, name: str) -> list[Finding]:
    findings: list[Finding] = []
    nation = data.get("nation")
    if "nation" in data and nation not in NATIONS:
        findings.append(
            Finding(
                where.path,
                where.line("nation"),
                f'The nation of {name} is "{nation}"',
                "Write nation: england or nation: wales, or delete the line when it is the same in both",
            )
        )
    if "wales" not in data:
        return findings
    wales = data["wales"]
    line = where.line("wales")
    if nation != "england":
        findings.append(
            Finding(
                where.path,
                line,
                f"{_cap(name)} has a wales: block but not nation: england",
                "Add nation: england (the main text is England's), or delete the wales: block",
            )
        )
    if "meanings" in data:
        findings.append(
            Finding(
                where.path,
                line,
                f"{_cap(name)} has meanings and a wales: block",
                "Give the Welsh version its own entry, or write the difference into the meaning",
            )
        )
    if not isinstance(wales, Mapping):
        findings.append(
            Finding(
                where.path,
                line,
                f"The wales: block of {name} should have explanation: under it",
                "Write what a person in Wales is told under wales: explanation:",
            )
        )
        return findings
    inner = where.inside("wales")
    label = f"the Welsh version (wales:) of {name}"
    for field_name in wales:
        if field_name not in WALES_FIELDS:
            findings.append(
                Finding(
                    where.path,
                    inner.line(field_name),
                    f'{_cap(label)} has an unknown field "{field_name}"',
                    did_you_mean(str(field_name), WALES_FIELDS, "Remove it"),
                )
            )
    findings += _check_meaning_fields(wales, inner, name, meaning_label=" (wales:)")
    findings += check_sources(wales, inner, label)
    return findings


def _check_meanings(data: Mapping[str, Any], where: Locator, name: str) -> list[Finding]:
    findings: list[Finding] = []
    for field_name in MEANING_FIELDS:
        if field_name in data:
            findings.append(
                Finding(
                    where.path,
                    where.line(field_name),
                    f"{_cap(name)} has meanings and also its own {field_name}",
                    f"Move {field_name} into the meaning it belongs to",
                )
            )
    meanings = data.get("meanings")
    if not isinstance(meanings, list) or not meanings:
        findings.append(
            Finding(
                where.path,
                where.line("meanings"),
                f"The meanings of {name} should be a list",
                "Start each meaning on its own line with - full_form and give it an explanation",
            )
        )
        return findings
    if len(meanings) == 1:
        findings.append(
            Finding(
                where.path,
                where.line("meanings"),
                f"{_cap(name)} has only one meaning",
                "Write full_form and explanation on the entry itself and delete the meanings line",
            )
        )
    for index, meaning in enumerate(meanings):
        label = f"meaning {index + 1} of {name}"
        inner = where.inside("meanings", index)
        if not isinstance(meaning, Mapping):
            findings.append(
                Finding(
                    where.path,
                    inner.fallback_line,
                    f"{_cap(label)} has no fields",
                    "Give it full_form: and explanation: lines",
                )
            )
            continue
        for field_name in meaning:
            if field_name in MEANING_FIELDS:
                continue
            fix = (
                f"{field_name} belongs to the whole entry, so move it up to line up with term"
                if field_name in ENTRY_FIELDS
                else did_you_mean(str(field_name), MEANING_FIELDS, "Remove it")
            )
            findings.append(
                Finding(
                    where.path,
                    inner.line(field_name),
                    f'{_cap(label)} has an unknown field "{field_name}"',
                    fix,
                )
            )
        findings += _check_meaning_fields(meaning, inner, name, meaning_label=f" (meaning {index + 1})")
    return findings


def _check_meaning_fields(
    data: Mapping[str, Any], where: Locator, name: str, *, meaning_label: str
) -> list[Finding]:
    """full_form, explanation, for_you, used_by and translations: on the entry, or on one meaning."""
    findings: list[Finding] = []
    explanation = data.get("explanation")
    if explanation is None or (isinstance(explanation, str) and not explanation.strip()):
        owner = f"{_cap(name)}{meaning_label}"
        place = "under the term" if not meaning_label else "to that meaning"
        findings.append(
            Finding(
                where.path,
                where.line("explanation"),
                f"{owner} has no explanation",
                f"Add an explanation: line {place}",
            )
        )
    else:
        findings += _check_text(data, "explanation", where, name + meaning_label, required=True)
    for field_name in ("full_form", "for_you", "used_by"):
        findings += _check_text(data, field_name, where, name + meaning_label, required=False)
    if "translations" in data:
        findings += _check_translations(data["translations"], where, name + meaning_label)
    return findings


def _check_translations(translations: Any, where: Locator, name: str) -> list[Finding]:
    line = where.line("translations")
    if not isinstance(translations, Mapping):
        return [
            Finding(
                where.path,
                line,
                f"The translations of {name} should have cy: and pl: under them",
                f"Lay them out like the example in {SCHEMA_DOC}",
            )
        ]
    findings: list[Finding] = []
    for language, translation in translations.items():
        if language not in TRANSLATION_LANGUAGES:
            findings.append(
                Finding(
                    where.path,
                    where.line("translations", language),
                    f'{_cap(name)} has a translation for "{language}", which Signpost does not use',
                    did_you_mean(
                        str(language), tuple(TRANSLATION_LANGUAGES), "Use cy for Welsh or pl for Polish"
                    ),
                )
            )
            continue
        label = f"the {TRANSLATION_LANGUAGES[language]} ({language}) translation of {name}"
        inner = where.inside("translations", language)
        if not isinstance(translation, Mapping):
            findings.append(
                Finding(
                    where.path,
                    inner.fallback_line,
                    f"{_cap(label)} is plain text, but it needs an explanation line",
                    f"Write explanation: on the line under {language}: and put the text after it",
                )
            )
            continue
        for field_name in translation:
            if field_name not in TRANSLATION_FIELDS:
                findings.append(
                    Finding(
                        where.path,
                        inner.line(field_name),
                        f'{_cap(label)} has an unknown field "{field_name}"',
                        did_you_mean(str(field_name), TRANSLATION_FIELDS, "Remove it"),
                    )
                )
        text = translation.get("explanation")
        if text is None or (isinstance(text, str) and not text.strip()):
            findings.append(
                Finding(
                    where.path,
                    inner.line("explanation"),
                    f"{_cap(label)} has no explanation",
                    f"Add an explanation: line under {language}: with the translated text",
                )
            )
        else:
            findings += _check_text(translation, "explanation", inner, label, required=True)
        findings += _check_text(translation, "for_you", inner, label, required=False)
        if "reviewed" in translation and not isinstance(translation["reviewed"], bool):
            findings.append(
                Finding(
                    where.path,
                    inner.line("reviewed"),
                    f'"reviewed" of {label} should be true or false, but it says "{translation["reviewed"]}"',
                    "Write reviewed: true once a native speaker has checked it, or reviewed: false",
                )
            )
    return findings


def _check_text(
    data: Mapping[str, Any], field_name: str, where: Locator, name: str, *, required: bool
) -> list[Finding]:
    if field_name not in data:
        return []
    value = data[field_name]
    written = where.bool_like(field_name)
    if written is None and isinstance(value, str) and (required or value.strip()):
        return []  # the usual case: found before the line is looked up, which only a finding needs
    line = where.line(field_name)
    if written is not None or isinstance(value, bool):
        return [yaml11_trap(where.path, line, written or str(value).lower())]
    if isinstance(value, str):
        if value.strip() or required:
            return []
        return [
            Finding(
                where.path,
                line,
                f"The {field_name} of {name} is empty",
                f"Write it after {field_name}:, or delete the line",
            )
        ]
    if value is None:
        return [
            Finding(
                where.path,
                line,
                f"The {field_name} of {name} is empty",
                f"Write it after {field_name}:, or delete the line",
            )
        ]
    return [
        Finding(
            where.path,
            line,
            f"The {field_name} of {name} should be text, but it is {_describe(value)}",
            _text_fix(field_name, value),
        )
    ]


def _check_text_list(data: Mapping[str, Any], field_name: str, where: Locator, name: str) -> list[Finding]:
    if field_name not in data:
        return []
    value = data[field_name]
    line = where.line(field_name)
    if value is None or value == []:
        return [
            Finding(
                where.path,
                line,
                f"The {field_name} list of {name} is empty",
                f"Add the words in square brackets, like {field_name}: [one, two], or delete the line",
            )
        ]
    if not isinstance(value, list):
        shown = value if isinstance(value, str) else "one, two"
        return [
            Finding(
                where.path,
                line,
                f"The {field_name} of {name} should be a list, but it is {_describe(value)}",
                f"Write it in square brackets, like {field_name}: [{shown}]",
            )
        ]
    findings: list[Finding] = []
    for index, item in enumerate(value):
        written = where.bool_like(field_name, index)
        if written is None and isinstance(item, str) and item.strip():
            continue  # the usual case: the item's line is only looked up for a finding
        if written is not None or isinstance(item, bool):
            findings.append(yaml11_trap(where.path, where.line(field_name, index), written or str(item).lower()))
        elif isinstance(item, str):
            findings.append(
                Finding(
                    where.path, where.line(field_name, index), f"Item {index + 1} of {field_name} in {name} is empty",
                    "Delete it"
                )
            )
        else:
            findings.append(
                Finding(
                    where.path,
                    where.line(field_name, index),
                    f"Item {index + 1} of {field_name} in {name} should be text, but it is {_describe(item)}",
                    _text_fix(field_name, item),
                )
            )
    return findings


def _check_core(data: Mapping[str, Any], where: Locator, name: str) -> list[Finding]:
    if "core" not in data or isinstance(data["core"], bool):
        return []
    return [
        Finding(
            where.path,
            where.line("core"),
            f'"core" of {name} should be true or false, but it says "{data["core"]}"',
            "Write core: true or core: false, without quotes",
        )
    ]


def _describe(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a group of fields"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "one piece of text"
    return "empty" if value is None else "something else"


def _text_fix(field_name: str, value: Any) -> str:
    if isinstance(value, int | float):
        return f'Put it in quotes: "{value}"'
    if isinstance(value, list):
        return f"Write it as text straight after {field_name}:, without square brackets"
    return f"Write the text straight after {field_name}: on the same line, or on the next line after >-"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]
