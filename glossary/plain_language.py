"""Plain-language rules: sentences, words, hard words and acronyms in the editors' text.

Our readers often read at age 9-11, so the checker counts sentences and words the way a reader meets
them, and points at hard words with the plainer words editors chose in `content/plain-words.yaml`.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import textstat

from glossary.findings import Finding, Severity
from glossary.yaml_source import YamlSource, read_yaml

PLAIN_WORDS_FILE = "plain-words.yaml"
PLAIN_WORDS_FIELDS = ("hard_words", "everyday_acronyms")

MAX_SENTENCE_WORDS = 20
MAX_EXPLANATION_SENTENCES = 2
MAX_FOR_YOU_SENTENCES = 1
# What a reader gets at once (explanation and for_you together): about one phone screen.
MAX_TOTAL_WORDS = 45

# Reading age = 5 + Flesch-Kincaid grade. Every text a person reads should be at most READING_AGE_MOST;
# explanations aim at READING_AGE_AIM or below (90% of them).
READING_AGE_MOST = 11.0
READING_AGE_AIM = 9.0

# Shortenings that end in a full stop but never end a sentence.
_NEVER_ENDS_SENTENCE = frozenset(
    {"e.g.", "eg.", "i.e.", "ie.", "mr.", "mrs.", "ms.", "dr.", "st.", "vs.", "approx.", "incl.", "cf."}
)
# Initials and dotted short forms: "J.", "U.K.", "a.m.".
_INITIALS = re.compile(r"(?:[A-Za-z]\.)+")
_CLOSERS = "\"')]\u201d\u2019"
_OPENERS = "\"'([\u201c\u2018"
# A word with no letter or digit in it, such as "-" or "&": not counted as a word.
_WORDLESS = re.compile(r"(?<!\S)(?:[^\w\s]|_)+(?!\S)")
# A run of letters and digits, so "DWP's" gives "DWP" and "HMP/YOI" gives "HMP" and "YOI".
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def split_sentences(text: str) -> list[str]:
    """Sentences as a reader sees them: "e.g. your", "Mr. Khan" and "J. Smith" do not end a sentence."""
    return list(_sentences(text))


# A word that may end a sentence: a full stop, ! or ? before any closing quotes or brackets, at its end.
_MAY_END_SENTENCE = re.compile(r"[.!?][" + re.escape(_CLOSERS) + r"]*(?= |$)")


@functools.lru_cache(maxsize=16384)
def _sentences(text: str) -> tuple[str, ...]:
    """The sentences of `text`, its spaces made single; remembered, as several rules ask for the same text.

    Only the words that end in ".", "!" or "?" can end a sentence, so the regex finds those and each is
    judged with the word after it; the rest are never looked at one by one.
    """
    flat = " ".join(text.split())
    sentences: list[str] = []
    start = 0
    for match in _MAY_END_SENTENCE.finditer(flat):
        end = match.end()
        word_start = max(start, flat.rfind(" ", start, end) + 1)
        if end == len(flat):
            following = None
        else:
            after = flat.find(" ", end + 1)
            following = flat[end + 1 : after if after != -1 else len(flat)]
        if _ends_sentence(flat[word_start:end], following):
            sentences.append(flat[start:end])
            start = end + 1
    if start < len(flat):
        sentences.append(flat[start:])
    return tuple(sentences)


def _ends_sentence(token: str, following: str | None) -> bool:
    bare = token.rstrip(_CLOSERS)
    if not bare.endswith((".", "!", "?")):
        return False
    if following is None:
        return True
    if bare.endswith(".") and (bare.casefold() in _NEVER_ENDS_SENTENCE or _INITIALS.fullmatch(bare)):
        return False
    start = following.lstrip(_OPENERS)
    # A sentence starts with a capital or a number; "etc. and" carries on.
    return bool(start) and (start[0].isupper() or start[0].isdigit())


@functools.lru_cache(maxsize=8192)
def reading_age(text: str) -> float:
    """The age a reader needs to be to read `text` easily: 5 + its Flesch-Kincaid grade (textstat).

    Cached: the checker, `content stats` and `content check`'s summary ask for the same texts.
    """
    return 5 + float(textstat.flesch_kincaid_grade(" ".join(text.split())))


@functools.lru_cache(maxsize=16384)
def count_words(text: str) -> int:
    """Words with a letter or digit in them (remembered: each sentence is counted by several rules)."""
    return len(text.split()) - len(_WORDLESS.findall(text))


def acronyms_in(text: str) -> list[str]:
    """Every acronym-looking word in `text`, once each, in order of first use."""
    return list(_acronyms(text))


@functools.lru_cache(maxsize=16384)
def _acronyms(text: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for token in _TOKEN.findall(text):
        # Most words have no capital after their first letter, so cannot have two: str.islower says so
        # at C speed. A token is never empty and has no spaces, so the capitals are all left to count.
        if token[1:].islower():
            continue
        if sum(ch.isupper() for ch in token) >= 2:
            seen.setdefault(token, None)
    return tuple(seen)


@dataclass(frozen=True)
class PlainWords:
    """Hard words with the plainer words to use instead, and short forms every reader knows."""

    hard_words: dict[str, tuple[str, ...]] = field(default_factory=dict)
    everyday_acronyms: frozenset[str] = frozenset()

    def hard_words_in(self, text: str, skip: Iterable[str] = ()) -> list[tuple[str, tuple[str, ...]]]:
        """(hard word, plainer words) for each hard word in `text`, in order; words in `skip` are allowed.

        `skip` holds the entry's own names: the explanation of "accommodation" may say "accommodation".
        """
        every, patterns = self._patterns
        if every is None or not every.search(text):
            return []  # most texts have no hard word: one search over all of them says so
        skipped = " | ".join(name.casefold() for name in skip)
        found: list[tuple[int, str, tuple[str, ...]]] = []
        for hard, plainer in self.hard_words.items():
            if hard.casefold() in skipped:
                continue
            match = patterns[hard].search(text)
            if match:
                found.append((match.start(), hard, plainer))
        return [(hard, plainer) for _, hard, plainer in sorted(found)]

    @functools.cached_property
    def _patterns(self) -> tuple[re.Pattern[str] | None, dict[str, re.Pattern[str]]]:
        """One pattern for all the hard words, and each hard word's own, compiled once."""
        # Simple endings, so "obtain" also catches "obtains" and "obtained".
        def pattern(words: str) -> re.Pattern[str]:
            return re.compile(r"(?<![^\W_])(?:" + words + r")(?:s|es|d|ed|ing)?(?![^\W_])", re.IGNORECASE)

        if not self.hard_words:
            return None, {}
        every = pattern("|".join(re.escape(hard) for hard in self.hard_words))
        return every, {hard: pattern(re.escape(hard)) for hard in self.hard_words}


def quote_choices(words: tuple[str, ...]) -> str:
    """'"a"', '"a" or "b"', '"a", "b" or "c"'."""
    quoted = [f'"{word}"' for word in words]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def read_plain_words(content_dir: Path) -> tuple[PlainWords, list[Finding]]:
    """Read and check `plain-words.yaml`; whatever is readable is still used, so one typo hides nothing."""
    path = content_dir / PLAIN_WORDS_FILE
    if not path.exists():
        return PlainWords(), [
            Finding(
                path,
                1,
                "The list of hard words is missing",
                f"Add {PLAIN_WORDS_FILE} to the content folder "
                "(the one in the Signpost repository is a good start)",
            )
        ]
    source = read_yaml(path)
    findings = list(source.findings)
    if source.data is None:
        return PlainWords(), findings
    if not isinstance(source.data, dict):
        findings.append(
            Finding(
                path,
                1,
                "The file should be a list of fields, starting with hard_words:",
                "Start the file with hard_words: and put each hard word under it",
            )
        )
        return PlainWords(), findings
    for name in source.data:
        if name not in PLAIN_WORDS_FIELDS:
            findings.append(
                Finding(
                    path,
                    source.line_of((name,)),
                    f'The field "{name}" is not one Signpost knows',
                    did_you_mean(str(name), PLAIN_WORDS_FIELDS, "Remove it"),
                )
            )
    hard_words = _read_hard_words(source, findings)
    acronyms = _read_everyday_acronyms(source, findings)
    return PlainWords(hard_words=hard_words, everyday_acronyms=acronyms), findings


def _read_hard_words(source: YamlSource, findings: list[Finding]) -> dict[str, tuple[str, ...]]:
    path = source.path
    raw = source.data.get("hard_words")
    if not isinstance(raw, dict):
        findings.append(
            Finding(
                path,
                source.line_of(("hard_words",)),
                "There is no hard_words: list",
                "Add hard_words: and under it one line per word, like accommodation: [somewhere to live]",
            )
        )
        return {}
    hard_words: dict[str, tuple[str, ...]] = {}
    for hard, plainer in raw.items():
        where = ("hard_words", hard)
        line = source.line_of(where)
        if not isinstance(plainer, list) or not plainer:
            findings.append(
                Finding(
                    path,
                    line,
                    f'The hard word "{hard}" has no plainer words',
                    f"Write them in square brackets after it, like {hard}: [plainer word, another]",
                )
            )
            continue
        words: list[str] = []
        for index, word in enumerate(plainer):
            if where + (index,) in source.bool_like:
                findings.append(yaml11_trap(path, line, source.bool_like[where + (index,)]))
            elif not isinstance(word, str) or not word.strip():
                findings.append(
                    Finding(
                        path,
                        line,
                        f'A plainer word for "{hard}" is empty or not text',
                        "Write each plainer word as text, in quotes if it is a number",
                    )
                )
            else:
                words.append(word.strip())
        if words:
            hard_words[str(hard).strip()] = tuple(words)
    by_casefold = {hard.casefold(): hard for hard in hard_words}
    for hard, plainer in hard_words.items():
        for word in plainer:
            if word.casefold() in by_casefold:
                findings.append(
                    Finding(
                        path,
                        source.line_of(("hard_words", hard)),
                        f'"{word}" is given as a plainer word for "{hard}", '
                        "but it is in the list as a hard word too",
                        f'Pick a plainer word for "{hard}", or take "{word}" off the hard words',
                    )
                )
    return hard_words


def _read_everyday_acronyms(source: YamlSource, findings: list[Finding]) -> frozenset[str]:
    raw = source.data.get("everyday_acronyms")
    if raw is None:
        return frozenset()
    line = source.line_of(("everyday_acronyms",))
    if not isinstance(raw, list):
        findings.append(
            Finding(
                source.path,
                line,
                "everyday_acronyms should be a list",
                "Write it in square brackets, like everyday_acronyms: [UK, TV]",
            )
        )
        return frozenset()
    acronyms: set[str] = set()
    for index, item in enumerate(raw):
        if ("everyday_acronyms", index) in source.bool_like:
            findings.append(yaml11_trap(source.path, line, source.bool_like[("everyday_acronyms", index)]))
        elif isinstance(item, str) and item.strip():
            acronyms.add(item.strip())
        else:
            findings.append(
                Finding(
                    source.path,
                    line,
                    f"Item {index + 1} of everyday_acronyms is not text",
                    "Write each short form as letters, like UK",
                )
            )
    return frozenset(acronyms)


def yaml11_trap(path: Path, line: int, written: str) -> Finding:
    """`no`, `yes`, `on`, `off` without quotes are read as true/false by some tools."""
    return Finding(
        path, line, f"`{written}` is read as true/false by some tools", f'Put it in quotes: "{written}"'
    )


def did_you_mean(name: str, allowed: tuple[str, ...], otherwise: str) -> str:
    """The fix for a misspelt name: the closest allowed one, or `otherwise` when nothing is close."""
    close = difflib.get_close_matches(name.casefold(), allowed, n=1, cutoff=0.65)
    if close:
        return f"Did you mean '{close[0]}'? If not, {otherwise[:1].lower()}{otherwise[1:]}"
    return otherwise


def text_findings(
    *,
    path: Path,
    line_of: Any,
    text: str,
    what: str,
    plain_words: PlainWords,
    english: bool,
    max_sentences: int,
    own_names: Iterable[str] = (),
) -> list[Finding]:
    """Sentence count, sentence length and hard words for one piece of text.

    `line_of(needle)` gives the line a word sits on; `what` names the text ("The explanation of "CPS"").
    Rules are errors in English and warnings in translations, where word counts differ by language.
    """
    severity = Severity.ERROR if english else Severity.WARNING
    findings: list[Finding] = []
    sentences = split_sentences(text)
    if len(sentences) > max_sentences:
        # Past the hard limit it is an error; past a field's own, shorter limit (for_you) a warning.
        over_hard_limit = english and len(sentences) > MAX_EXPLANATION_SENTENCES
        limit = "1 sentence" if max_sentences == 1 else f"{max_sentences} sentences or fewer"
        findings.append(
            Finding(
                path,
                line_of(sentences[0]),
                f"{what} has {len(sentences)} sentences",
                f"Cut it to {limit}",
                Severity.ERROR if over_hard_limit else Severity.WARNING,
            )
        )
    for sentence in sentences:
        words = count_words(sentence)
        if words > MAX_SENTENCE_WORDS:
            findings.append(
                Finding(
                    path,
                    line_of(sentence),
                    f"{what} has a sentence of {words} words",
                    f"Split it into sentences of {MAX_SENTENCE_WORDS} words or fewer",
                    severity,
                )
            )
    if english:
        for hard, plainer in plain_words.hard_words_in(text, skip=own_names):
            findings.append(
                Finding(
                    path,
                    line_of(hard),
                    f'"{hard}" is a hard word',
                    f"Use {quote_choices(plainer)} instead",
                    Severity.WARNING,
                )
            )
    return findings
