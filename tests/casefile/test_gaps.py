"""The unknown-terms log for glossary editors: only the word, counted."""

from __future__ import annotations

from datetime import timedelta

from factories import NOW
from sqlalchemy import select
from sqlalchemy.orm import Session

from casefile import gaps
from casefile.models import UnknownTerm


def test_unknown_terms_are_counted_and_ranked(session: Session) -> None:
    for _ in range(3):
        gaps.record_unknown_term(session, "  Tagging  ", "en", now=NOW)
    gaps.record_unknown_term(session, "TAGGING", "pl", now=NOW + timedelta(hours=1))
    gaps.record_unknown_term(session, "approved premises", "en", now=NOW)
    gaps.record_unknown_term(session, "   ", "en", now=NOW)

    assert gaps.top_unknown_terms(session, 10) == [("tagging", 4), ("approved premises", 1)]
    assert gaps.top_unknown_terms(session, 1, language="pl") == [("tagging", 1)]
    row = session.scalars(select(UnknownTerm).where(UnknownTerm.language == "en",
                                                    UnknownTerm.term == "tagging")).one()
    assert (row.count, row.first_asked, row.last_asked) == (3, NOW, NOW)
    polish = session.scalars(select(UnknownTerm).where(UnknownTerm.language == "pl")).one()
    assert polish.last_asked == NOW + timedelta(hours=1)


def test_long_terms_are_cut_short() -> None:
    assert gaps.normalise_term("Post-Sentence   SUPERVISION") == "post-sentence supervision"
    assert len(gaps.normalise_term("x" * 500)) == gaps.TERM_LIMIT
