"""Connections, time zones, migrations and the outdated-schema refusal, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from factories import NOW, SYSTEM, make_appointment, make_person
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from casefile import db, staff
from casefile.errors import SchemaOutdated
from casefile.models import Appointment, AuditEvent, Base, JourneyPosition


def test_times_go_in_with_any_zone_and_come_back_as_utc(session: Session) -> None:
    person = make_person(session)
    in_paris = datetime(2027, 1, 15, 11, 0, tzinfo=timezone(timedelta(hours=1)))
    appointment = make_appointment(session, person, start=in_paris)
    session.expunge_all()
    stored = session.get(Appointment, appointment.id)
    assert stored is not None
    assert stored.starts_at == datetime(2027, 1, 15, 10, 0, tzinfo=UTC)
    assert stored.starts_at.utcoffset() == timedelta(0)


def test_a_time_without_a_zone_is_refused(session: Session) -> None:
    session.add(AuditEvent(at=datetime(2027, 1, 1, 9, 0), actor_kind="system", actor_name="system:tests",
                           action="test", subject="test", outcome="ok", detail=""))
    with pytest.raises(StatementError, match="time zone"):
        session.flush()
    session.rollback()


def test_sqlite_gets_wal_foreign_keys_and_a_busy_timeout(tmp_path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'new' / 'folder' / 'file.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == db.SQLITE_BUSY_SECONDS * 1000
    engine.dispose()
    tuned = db.make_engine(f"sqlite:///{tmp_path / 'tuned.db'}", busy_seconds=2.5)
    with tuned.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 2500
    tuned.dispose()


def test_migrations_match_the_models(engine: Engine) -> None:
    """Autogenerate against the migrated database finds nothing to do: models and migrations agree."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_current_schema_is_accepted(engine: Engine) -> None:
    db.ensure_current(engine)
    assert db.current_revision(engine) == db.head_revision()


def test_an_empty_or_outdated_database_is_refused_with_the_fix(blank_url: str) -> None:
    engine = db.make_engine(blank_url)
    try:
        with pytest.raises(SchemaOutdated, match="Run: signpost db upgrade"):
            db.ensure_current(engine)
        with pytest.raises(SchemaOutdated, match="signpost db upgrade"):
            db.open_database(blank_url)
        db.upgrade(engine)
        db.ensure_current(engine)
        db.downgrade(engine, "base")
        with pytest.raises(SchemaOutdated, match="Run: signpost db upgrade"):
            db.ensure_current(engine)
        db.upgrade(engine)
        # A database stamped by a newer Signpost than this one says so instead.
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = 'ffff_from_the_future'"))
        with pytest.raises(SchemaOutdated, match="newer version of Signpost"):
            db.ensure_current(engine)
    finally:
        engine.dispose()


def test_sessions_keep_values_after_commit(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        person = make_person(session, name="Ava")
    # expire_on_commit=False: the object is still readable once its session has gone.
    assert person.preferred_name == "Ava"
    with session_factory() as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.person_id == person.id)).first()
    assert NOW.tzinfo is UTC


def test_sqlite_write_sessions_take_the_write_lock_at_the_start(tmp_path) -> None:
    """Two writers queue at BEGIN instead of both reading and then one failing with "database is locked"."""
    import sqlite3

    url = f"sqlite:///{tmp_path / 'lock.db'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    try:
        with db.session_factory(engine)() as session:
            db.begin_write(session)
            other = sqlite3.connect(tmp_path / "lock.db", timeout=0.05, isolation_level=None)
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            other.close()
            session.rollback()
            # A reading session does not block writers.
            session.execute(select(AuditEvent)).all()
            writer = sqlite3.connect(tmp_path / "lock.db", timeout=0.05, isolation_level=None)
            writer.execute("BEGIN IMMEDIATE")
            writer.execute("ROLLBACK")
            writer.close()
    finally:
        engine.dispose()


def test_the_recalled_stage_migration_keeps_journeys_and_still_refuses_unknown_stages(blank_url: str) -> None:
    engine = db.make_engine(blank_url)
    sessions = db.session_factory(engine)
    try:
        # Made with today's models (which carry today's columns), then taken back to before the change.
        db.upgrade(engine)
        with sessions() as session:
            person_id = make_person(session, stage="on_licence").id
        db.downgrade(engine, "0005_sign_in_failures")
        db.upgrade(engine)
        with sessions() as session:
            staff.update_journey(session, SYSTEM, person_id, 1, stage="recalled", now=NOW)
            assert session.get_one(JourneyPosition, person_id).stage == "recalled"
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text("UPDATE journey_positions SET stage = 'on_holiday'"))
        db.downgrade(engine, "0005_sign_in_failures")  # an older Signpost reads it as in prison
        with engine.connect() as connection:
            assert connection.execute(text("SELECT stage FROM journey_positions")).scalar() == "in_prison"
    finally:
        engine.dispose()


def test_the_second_factor_migration_goes_back_and_forth_keeping_accounts_and_their_links(blank_url: str) -> None:
    from console import accounts
    from console.security import password_hasher

    engine = db.make_engine(blank_url)
    sessions = db.session_factory(engine)
    try:
        db.upgrade(engine)
        with sessions() as session:
            account = accounts.add_account(session, SYSTEM, "ada@example.org", "admin", hasher=password_hasher(fast=True),
                                           now=NOW)
            accounts.issue_sign_in_link(session, SYSTEM, account.id, now=NOW)
        with engine.begin() as connection:
            connection.execute(text("UPDATE staff_accounts SET totp_secret = 'JBSWY3DPEHPK3PXP', totp_last_step = 1"))
        db.downgrade(engine, "0015_password_change")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM staff_accounts")).scalar() == 1
            assert connection.execute(text("SELECT count(*) FROM sign_in_tokens")).scalar() == 1  # no cascade
        db.upgrade(engine)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT totp_secret FROM staff_accounts")).scalar() is None
    finally:
        engine.dispose()
