"""The unknown-terms log for glossary editors: only the word, counted."""

from __future__ import annotations

from datetime import timedelta

from factories import NOW
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from casefile import db, gaps
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


def test_a_sentence_is_never_kept_as_a_gap(session: Session) -> None:
    assert gaps.record_unknown_term(session, "I want to end it all tonight", "en", now=NOW) is False
    assert gaps.record_unknown_term(session, "what is a hostel?", "en", now=NOW) is False
    assert gaps.record_unknown_term(session, "post-sentence supervision", "en", now=NOW) is True
    assert gaps.top_unknown_terms(session, 10) == [("post-sentence supervision", 1)]


def test_the_migration_deletes_stored_sentences_and_keeps_terms(blank_url: str) -> None:
    engine = db.make_engine(blank_url)
    try:
        db.upgrade(engine, "0009_services")
        with engine.begin() as connection:  # as the chat stored whole messages before
            for term in ("i dont want to live anymore", "approved premises", "zorblax", "can i go to spain"):
                connection.execute(text("INSERT INTO unknown_terms (term, language, count, first_asked, last_asked) "
                                        "VALUES (:term, 'en', 1, :at, :at)"), {"term": term, "at": NOW})
        db.upgrade(engine, "0010_urgent_help")
        with engine.connect() as connection:
            kept = sorted(connection.execute(text("SELECT term FROM unknown_terms")).scalars())
        assert kept == ["approved premises", "zorblax"]
    finally:
        engine.dispose()
