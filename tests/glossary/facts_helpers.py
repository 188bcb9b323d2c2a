"""Reading the shipped glossary in the facts tests: an entry by its term, and what a reader gets from it."""

from __future__ import annotations

from pathlib import Path

from glossary.model import Entry, Glossary

REAL_CONTENT = Path(__file__).resolve().parents[2] / "content"


def entry_named(glossary: Glossary, term: str) -> Entry:
    entry = glossary.get(term)
    assert entry is not None, f"{term!r} is missing from the glossary"
    return entry


def reader_text(entry: Entry, language: str = "en", *, written: bool = False) -> str:
    """Everything a reader of `language` gets for the entry (all meanings), lower-cased, on one line.

    `written`: the entry must have its own text in that language (no falling back to English).
    """
    parts: list[str] = []
    for meaning in entry.meanings:
        translation, fell_back = meaning.text_in(language)
        assert not (written and fell_back), f"{entry.term} has no {language} text"
        parts += [translation.explanation, translation.for_you or ""]
    return " ".join(" ".join(parts).split()).casefold()
