"""Words people asked about that the glossary did not know, for the glossary editors.

Only the word, its language, how often and when: never who asked, never the rest of the message.
A gap is a term of one to three words that looks like a word to explain; a sentence someone typed is
never kept here, whatever it says.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casefile.db import upsert_insert
from casefile.models import EditorQuestion, UnknownTerm
from casefile.unit import aware_now

TERM_LIMIT = 80
QUESTION_LIMIT = 500
MAX_TERM_WORDS = 3
_SPACES = re.compile(r"\s+")
# Letters (any alphabet), with the joins words have: "post-sentence", "approved premises", "Section 8".
_TERM = re.compile(r"^[^\W_][\w'’.&/-]*(?: [\w'’.&/-]+){0," + str(MAX_TERM_WORDS - 1) + r"}$")


def normalise_term(term: str) -> str:
    """'  Post-Sentence   SUPERVISION ' -> 'post-sentence supervision'."""
    return _SPACES.sub(" ", (term or "").strip()).casefold()[:TERM_LIMIT]


def looks_like_term(term: str) -> bool:
    """One to three words of letters, the shape of something to explain; never a sentence."""
    word = _SPACES.sub(" ", (term or "").strip())
    return bool(word) and len(word) <= TERM_LIMIT and bool(_TERM.match(word)) and not word.endswith("?")


def record_unknown_term(session: Session, term: str, language: str, *, now: datetime | None = None) -> bool:
    """Count one more ask for this term (atomically, so busy chats lose no counts); False if not a term."""
    if not looks_like_term(term):
        return False
    word = normalise_term(term)
    moment = aware_now(now)
    insert = upsert_insert(session.get_bind().dialect.name)
    statement = insert(UnknownTerm).values(
        term=word, language=language[:8], count=1, first_asked=moment, last_asked=moment
    )
    statement = statement.on_conflict_do_update(
        index_elements=[UnknownTerm.term, UnknownTerm.language],
        set_={"count": UnknownTerm.count + 1, "last_asked": statement.excluded.last_asked},
    )
    try:
        session.execute(statement)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return True


def top_unknown_terms(session: Session, limit: int = 20, language: str | None = None) -> list[tuple[str, int]]:
    """The most asked-about unknown terms, most asked first (summed over languages unless one is given)."""
    total = func.sum(UnknownTerm.count).label("total")
    query = select(UnknownTerm.term, total).group_by(UnknownTerm.term)
    if language is not None:
        query = query.where(UnknownTerm.language == language)
    rows = session.execute(query.order_by(total.desc(), UnknownTerm.term).limit(limit))
    return [(term, int(count)) for term, count in rows]


def record_question(session: Session, text: str, language: str, *, now: datetime | None = None) -> None:
    """A question the person chose to send to the editors: its words and language only, never who asked."""
    question = " ".join((text or "").split())[:QUESTION_LIMIT]
    if not question:
        return
    try:
        session.add(EditorQuestion(text=question, language=language[:8], asked_at=aware_now(now)))
        session.commit()
    except BaseException:
        session.rollback()
        raise


def recent_questions(session: Session, limit: int = 50) -> list[tuple[str, str, datetime]]:
    """The newest questions sent to the editors: (text, language, when)."""
    rows = session.execute(select(EditorQuestion.text, EditorQuestion.language, EditorQuestion.asked_at)
                           .order_by(EditorQuestion.asked_at.desc(), EditorQuestion.id.desc()).limit(limit))
    return [(text, language, asked_at) for text, language, asked_at in rows]
