"""The bot's words for glossary answers: a looked-up word, "did you mean", or the words found in a text.

Wording lives in `content/templates/glossary/*.txt.j2` (translatable with `{% trans %}`); this module only
prepares what each template shows. Every acronym shown gets its full form beside it, and an explanation
that has no Welsh or Polish version yet is shown in English with a note saying so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.text import render
from glossary.model import Entry, looks_like_acronym
from glossary.normalize import is_short_query, question_parts
from glossary.search import GlossaryIndex, LookupResult
from glossary.spot import Spotted

FOUND = "glossary/found.txt.j2"
SUGGESTIONS = "glossary/suggestions.txt.j2"
NOT_FOUND = "glossary/not_found.txt.j2"
SPOTTED = "glossary/spotted.txt.j2"
_GUESSED = frozenset({"fuzzy", "in_text"})


@dataclass(frozen=True)
class MeaningView:
    """One meaning as a reply shows it, in the reader's language where a translation exists."""

    full_form: str | None
    explanation: str
    for_you: str | None
    used_by: str | None
    in_english: bool  # True when the reader asked for Welsh or Polish and none was written


@dataclass(frozen=True)
class EntryView:
    term: str
    label: str  # "HDC (Home Detention Curfew)", or just the term when it is not an acronym
    meanings: tuple[MeaningView, ...]
    shown: MeaningView | None  # the one meaning to explain in full, or None to list them all briefly
    others: tuple[MeaningView, ...]  # the other meanings, when `shown` is one of several
    replaced_by: str | None  # label of the word used now
    related: tuple[str, ...]  # labels
    in_english: bool
    # "england" or "wales" when the text shown is that nation's and the reader lives in the other one
    elsewhere: str | None = None


@dataclass(frozen=True)
class GlossaryAnswer:
    """What the conversation needs from one message: the reply, whether a word was found, the gap.

    `lookup` is the look-up result when the message was looked up as one word; `spotted` the words
    found when it was read as a text. Both are there for callers that show more (`signpost explain`).
    """

    text: str
    found: bool
    entries: tuple[Entry, ...]
    unknown_term: str | None = None
    lookup: LookupResult | None = None
    spotted: tuple[Spotted, ...] = ()


def meaning_views(entry: Entry, language: str, nation: str | None = None) -> tuple[MeaningView, ...]:
    """The meanings as `language` reads them; a reader living in Wales (`nation`) gets the Welsh variant."""
    views = []
    for meaning in entry.meanings_for(nation):
        text, in_english = meaning.text_in(language)
        used_by = meaning.used_by
        if used_by and meaning.full_form and used_by.casefold() == meaning.full_form.casefold():
            used_by = None  # "Post Office (Post Office)" says nothing twice
        views.append(MeaningView(meaning.full_form, text.explanation, text.for_you, used_by, in_english))
    return tuple(views)


def label(entry: Entry) -> str:
    """The term with what its letters stand for: "HDC (Home Detention Curfew)", "PO (Probation officer /
    Prison officer / Post Office)". Words that are not acronyms are shown as they are."""
    forms = [m.full_form for m in entry.meanings if m.full_form and m.full_form.casefold() != entry.key]
    if not forms:
        return entry.term
    return f"{entry.term} ({' / '.join(forms)})"


def entry_view(entry: Entry, index: GlossaryIndex, language: str, meaning: int | None = None,
               written: str | None = None, nation: str | None = None) -> EntryView:
    """What a reply shows of `entry`. `written` is the name that matched: an acronym alias such as "AP"
    for approved premises is put first, so the reader sees the letters from their letter explained.
    `nation` is where the reader lives, from their case file (None: not known, the entry as written)."""
    meanings = meaning_views(entry, language, nation)
    shown: MeaningView | None
    others: tuple[MeaningView, ...]
    if len(meanings) == 1:
        shown, others = meanings[0], ()
    elif meaning is not None and 0 <= meaning < len(meanings):
        shown, others = meanings[meaning], meanings[:meaning] + meanings[meaning + 1:]
    else:
        shown, others = None, ()
    if shown is not None and shown.full_form and shown.full_form.casefold() != entry.key:
        heading = f"{entry.term} ({shown.full_form})"
    else:
        heading = entry.term
    if written and looks_like_acronym(written) and written.casefold() != entry.key:
        heading = f"{written} ({heading})"
    replaced = index.entry_named(entry.replaced_by) if entry.replaced_by else None
    related = []
    for name in entry.related:
        other = index.entry_named(name)
        if other is not None and other is not entry:
            related.append(label(other))
    visible = (shown,) + others if shown is not None else meanings
    return EntryView(
        term=entry.term,
        label=heading,
        meanings=meanings,
        shown=shown,
        others=others,
        replaced_by=label(replaced) if replaced else entry.replaced_by,
        related=tuple(related),
        in_english=any(m.in_english for m in visible),
        elsewhere=entry.other_nation(nation),
    )


def lookup_reply(content_dir: Path, index: GlossaryIndex, result: LookupResult, language: str,
                 *, noted: bool = False, nation: str | None = None) -> str:
    """The reply to a look-up: the word explained, "did you mean", or a kind "I don't know that word yet".

    `noted` says the unknown word was written to the editors' gaps log, so the reply may say so.
    """
    if result.entry is not None:
        view = entry_view(result.entry, index, language, result.meaning, result.name, nation)
        return render(content_dir, FOUND, language, entry=view, guessed=result.how in _GUESSED)
    if result.suggestions:
        labels = [label(entry) for entry in result.suggestions]
        return render(content_dir, SUGGESTIONS, language, suggestions=labels, noted=noted)
    return render(content_dir, NOT_FOUND, language, noted=noted)


def spotted_reply(content_dir: Path, index: GlossaryIndex, spotted: Sequence[Spotted], language: str,
                  *, nation: str | None = None) -> str:
    """The reply to a pasted text: "I found N words in your text:" and each one briefly."""
    views = [entry_view(item.entry, index, language, item.meaning, item.written, nation) for item in spotted]
    return render(content_dir, SPOTTED, language, entries=views, count=len(views),
                  in_english=any(view.in_english for view in views))


def answer_text(content_dir: Path, index: GlossaryIndex, text: str, language: str,
                *, noting: bool = True, nation: str | None = None) -> GlossaryAnswer:
    """Answer one message: a short one is looked up, a longer one (or one naming several words) spotted.

    With `noting` (the bot), the caller records every `unknown_term` it gets back, so the reply says
    the word was noted; `signpost explain` passes False, as a try-out from the shell records nothing.
    `nation` is where the person lives ("england", "wales"), from their case file; None when not linked.
    """
    if is_short_query(text):
        result = index.lookup(text)
        if result.entry is not None:
            reply = lookup_reply(content_dir, index, result, language, nation=nation)
            return GlossaryAnswer(reply, True, (result.entry,), lookup=result)
        spotted = tuple(index.spot(text))
        if len(spotted) < 2:
            reply = lookup_reply(content_dir, index, result, language,
                                 noted=noting and result.unknown_term is not None)
            return GlossaryAnswer(reply, False, (), result.unknown_term, lookup=result)
    else:
        spotted = tuple(index.spot(text))
    reply = spotted_reply(content_dir, index, spotted, language, nation=nation)
    return GlossaryAnswer(reply, bool(spotted), tuple(item.entry for item in spotted), spotted=spotted)


_MEANING_WORDS = re.compile(
    r"\b(?:mean|means|meaning|meen|stand for|stands for|short for|define|definition|explain)\b"
    r"|^\W*(?:what|wat|wot)\s*['’]?\s*(?:s|is|are)\s+(?:a|an)\s+\w",
    re.IGNORECASE,
)
_POINTING_WORDS = frozenset({"this", "that", "it", "these", "those", "they", "this word", "that word",
                             "this letter", "my letter", "the letter", "this one", "that one"})


def is_word_question(text: str) -> bool:
    """True for a question about what a word means ("what does HDC mean", "whats a rotl").

    The conversation asks this before matching menu phrases, so "what does MAPPA mean" is explained
    rather than taken as "what does this mean". Questions about "this" or "that" are not word questions.
    """
    if not is_short_query(text) or not _MEANING_WORDS.search(text):
        return False
    parts = question_parts(text)
    if len(parts) < 2:
        return False
    bare = parts[-1].key
    return bool(bare) and bare not in _POINTING_WORDS and len(bare.split()) <= 4
