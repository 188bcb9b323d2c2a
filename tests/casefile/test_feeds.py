"""Feed imports: bad rows are all reported with their numbers and nothing is written; good files are
applied whole, and importing the same file twice changes nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from factories import NOW, POLICY
from feeds_helpers import feed, people, probation, run, table_counts
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from casefile.actors import SystemActor
from casefile.errors import ConflictError
from casefile.importing import ImportRefused, import_feed, refused_report
from casefile.importing.common import CHANGED, ImportContext, Planned
from casefile.importing.run import HANDLERS
from casefile.models import AuditEvent, CaseUpdate, JourneyPosition


def refused(engine: Engine, kind: str, rows: list, **options) -> list[str]:
    """Import rows that must be refused; return the problems as shown, and check nothing was written."""
    before = table_counts(engine)
    with pytest.raises(ImportRefused) as caught:
        run(engine, kind, rows, **options)
    assert table_counts(engine) == before, "a refused import must write nothing, not even an audit event"
    return [str(problem) for problem in caught.value.problems]


def test_bad_release_date_rows_are_all_reported_with_their_numbers(engine: Engine, session: Session) -> None:
    probation(session)
    people(session, "P-1", "P-2", "P-3")
    rows = [
        {"person": "P-1", "release_date": "2027-07-02"},
        {"person": "P-2", "release_date": "2026-02-30"},
        {"person": "P-9999", "release_date": "2027-07-09"},
        {"person": "P-3"},
        {"person": "P-1", "release_date": "2027-07-02", "confirmed": "maybe"},
        {"release_date": "2027-07-09", "prison": "HMP Example"},
    ]
    assert refused(engine, "release_dates", rows) == [
        'row 2: release_date "2026-02-30" is not a real date. Use YYYY-MM-DD, for example 2026-03-14.',
        'row 3: no person with reference "P-9999". Check the reference, or add the person first.',
        "row 4: release_date is missing. Each row needs: person, release_date.",
        'row 5: confirmed "maybe" should be yes or no.',
        'row 5: person "P-1" appears twice (rows 1 and 5). Each person needs just one row.',
        "row 6: person is missing. Each row needs: person, release_date.",
    ]


def test_bad_appointment_rows_are_all_reported(engine: Engine, session: Session) -> None:
    probation(session)
    people(session, "P-1")
    good = {"person": "P-1", "date": "2027-06-14", "time": "10:30", "place": "Lewisham office", "kind": "probation"}
    rows = [
        {**good, "ref": "APT-1"},
        {**good, "ref": "APT-12"},
        {**good, "ref": "APT-3", "time": "25:00"},
        {**good, "ref": "APT-4", "date": "2027-03-28", "time": "01:30"},
        {**good, "ref": "APT-5", "minutes": 0, "worker": "W-77"},
        {**good, "ref": "APT-6", "status": "attended"},
        {**good, "ref": "APT-12"},
        {**good, "ref": "APT-12", "date": "14/06/2027"},
    ]
    assert refused(engine, "appointments", rows) == [
        'row 3: time "25:00" is not a real time. Use the 24-hour clock, for example 14:30.',
        "row 4: 01:30 on 2027-03-28 does not happen in London, because the clocks go forward that night. "
        "Check the time.",
        'row 5: minutes "0" should be a whole number from 1 to 1440.',
        'row 5: no worker with reference "W-77". Check the reference, or import the workers first.',
        'row 6: status "attended" is not one Signpost takes from a feed. Use booked or cancelled.',
        'row 7: reference "APT-12" appears twice (rows 2 and 7). Each row needs its own reference.',
        'row 8: date "14/06/2027" is not a date. Use YYYY-MM-DD, for example 2026-03-14.',
        'row 8: reference "APT-12" appears 3 times (rows 2, 7 and 8). Each row needs its own reference.',
    ]


def test_rows_that_are_not_rows_and_unknown_fields_are_reported(engine: Engine, session: Session) -> None:
    probation(session)
    people(session, "P-1", "P-2")
    rows = [
        "P-1,2027-07-02",
        {"person": "P-1", "relase_date": "2027-07-02"},
        {"person": " P-2 ", "release_date": 20270702},
    ]
    assert refused(engine, "release_dates", rows) == [
        'row 1: this row is not a set of named fields in { }, like {"ref": ...}.',
        '''row 2: "relase_date" is not a field of a release_dates feed. The fields are: person, release_date, '''
        "confirmed, prison.",
        "row 2: release_date is missing. Each row needs: person, release_date.",
        'row 3: release_date "20270702" is not a date. Use YYYY-MM-DD, for example 2026-03-14.',
    ]


def test_an_unknown_agency_needs_its_full_name(engine: Engine, session: Session) -> None:
    people(session, "P-1")
    rows = [{"person": "P-1", "release_date": "2027-07-02"}]
    assert refused(engine, "release_dates", rows, agency="HMPX") == [
        'Signpost does not know the agency "HMPX" yet. To add it, give its full name: "agency_name" in a JSON '
        "feed, or --agency-name."
    ]
    result = run(engine, "release_dates", rows, agency="HMPX", agency_name="HMP Example (test)")
    assert result.agency_added and result.summary() == "Imported 1 row: 1 new, 0 changed, 0 unchanged."


def test_a_file_with_no_rows_is_refused(engine: Engine, session: Session) -> None:
    probation(session)
    assert refused(engine, "appointments", []) == ["appointments.json has no rows to import."]


def test_release_dates_are_imported_once_and_then_change_nothing(engine: Engine, session: Session) -> None:
    probation(session)
    # People from `people()` have no journey yet, as on a prison's first roll.
    p1, p2, _p3 = people(session, "P-1", "P-2", "P-3")
    rows = [
        {"person": "P-1", "release_date": "2027-07-02", "confirmed": True, "prison": "HMP Example"},
        {"person": "P-2", "release_date": "2027-09-10"},
        {"person": "P-3", "release_date": "2027-12-01", "confirmed": "no"},
    ]
    first = run(engine, "release_dates", rows)
    assert first.summary() == "Imported 3 rows: 3 new, 0 changed, 0 unchanged."
    counts = table_counts(engine)

    second = run(engine, "release_dates", rows)
    assert second.summary() == "Imported 3 rows: 0 new, 0 changed, 3 unchanged."
    after = table_counts(engine)
    assert after["audit_events"] == counts["audit_events"] + 1  # the import itself, nothing else
    assert {name: count for name, count in after.items() if name != "audit_events"} == {
        name: count for name, count in counts.items() if name != "audit_events"
    }
    session.rollback()  # a fresh read: the import committed on another connection
    journey = session.get(JourneyPosition, p1.id)
    assert journey is not None
    assert (journey.stage, journey.release_date, journey.release_confirmed, journey.prison, journey.version) == (
        "in_prison", date(2027, 7, 2), True, "HMP Example", 1)
    assert session.get(JourneyPosition, p2.id).release_confirmed is False  # type: ignore[union-attr]


def test_a_changed_release_date_updates_in_place_and_tells_the_person(engine: Engine, session: Session) -> None:
    agency = probation(session)
    (p1,) = people(session, "P-1")
    run(engine, "release_dates", [{"person": "P-1", "release_date": "2027-07-02", "prison": "HMP Example"}])
    later = NOW + timedelta(hours=3)
    result = run(engine, "release_dates", [{"person": "P-1", "release_date": "2027-07-09"}], now=later)
    assert result.summary() == "Imported 1 row: 0 new, 1 changed, 0 unchanged."
    session.rollback()  # a fresh read: the import committed on another connection
    journey = session.get(JourneyPosition, p1.id)
    assert journey is not None
    # A row without a prison keeps the prison the file already has.
    assert (journey.release_date, journey.prison, journey.version, journey.updated_at) == (
        date(2027, 7, 9), "HMP Example", 2, later)
    update = session.scalars(select(CaseUpdate).where(CaseUpdate.person_id == p1.id).order_by(CaseUpdate.id.desc())
                             ).first()
    assert update is not None
    assert (update.kind, update.before, update.after, update.tell_person, update.agency_id, update.actor) == (
        "journey.changed", {"release_date": "2027-07-02"}, {"release_date": "2027-07-09"}, True, agency.id,
        "system:import:PS",
    )
    assert update.summary == "Your release date has changed."
    events = session.scalars(select(AuditEvent).where(AuditEvent.at == later).order_by(AuditEvent.id)).all()
    assert [(e.action, e.person_id, e.actor_name) for e in events] == [
        ("write.journey", p1.id, "system:import:PS"),
        ("import.release_dates", None, "system:import:PS"),
    ]
    assert events[1].detail == "release_dates.json: Imported 1 row: 0 new, 1 changed, 0 unchanged."


def test_only_a_confirmation_is_news_too(engine: Engine, session: Session) -> None:
    probation(session)
    (p1,) = people(session, "P-1")
    run(engine, "release_dates", [{"person": "P-1", "release_date": "2027-07-02"}])
    run(engine, "release_dates", [{"person": "P-1", "release_date": "2027-07-02", "confirmed": "yes"}])
    update = session.scalars(select(CaseUpdate).where(CaseUpdate.person_id == p1.id).order_by(CaseUpdate.id.desc())
                             ).first()
    assert update is not None
    assert (update.summary, update.tell_person, update.after) == (
        "Your release date is confirmed.", True, {"release_confirmed": True})


def test_a_dry_run_checks_and_counts_but_writes_nothing(engine: Engine, session: Session) -> None:
    probation(session)
    people(session, "P-1", "P-2")
    run(engine, "release_dates", [{"person": "P-1", "release_date": "2027-07-02"}])
    before = table_counts(engine)
    result = run(engine, "release_dates", [{"person": "P-1", "release_date": "2027-07-03"},
                                           {"person": "P-2", "release_date": "2027-07-03"}], dry_run=True)
    assert result.summary() == (
        "Checked 2 rows: all fine. 1 would be new, 1 would change, 0 unchanged. Nothing was saved (dry run).")
    assert table_counts(engine) == before


def test_someone_elses_change_between_check_and_write_refuses_the_whole_import(
    engine: Engine, session: Session
) -> None:
    """The bulk update checks each journey's version, as the service does, and rolls everything back."""
    probation(session)
    (p1,) = people(session, "P-1")
    run(engine, "release_dates", [{"person": "P-1", "release_date": "2027-07-02"}])
    handler = HANDLERS["release_dates"]
    stale = type("Seen", (), {"version": 99, "release_date": date(2027, 7, 2), "release_confirmed": False,
                              "prison": None})()
    planned = [Planned(1, CHANGED, {"release_date": date(2027, 8, 1), "release_confirmed": False, "prison": None},
                       existing=stale, extra={"person_id": p1.id, "before": {"release_date": date(2027, 7, 2)}})]
    with engine.connect() as connection, connection.begin():
        ctx = ImportContext(Session(bind=connection), connection, SystemActor("import:PS"), 1, "PS", NOW,
                            POLICY)
        with pytest.raises(ConflictError, match="Someone changed a release date"):
            handler.apply(ctx, planned)


def test_the_report_lists_every_problem_then_what_to_do(engine: Engine, session: Session) -> None:
    probation(session)
    with pytest.raises(ImportRefused) as caught:
        import_feed(engine, feed("people", [{"ref": "P-1"}, {"ref": "P 2", "preferred_name": "Bo",
                                                            "language": "fr"}]), policy=POLICY, now=NOW)
    assert refused_report(caught.value) == [
        "The file was not imported, because it has 3 problems. Nothing was saved.",
        "row 1: preferred_name is missing. Each row needs: ref, preferred_name.",
        'row 2: ref "P 2" has a space in it. References are written without spaces.',
        'row 2: language "fr" is not a language Signpost speaks. Use en, cy or pl.',
        "Fix these and import the file again.",
    ]
