"""One list of appointment kinds, enforced by the case file whichever surface books or imports."""

from __future__ import annotations

import pytest
from factories import make_appointment, make_person
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.conversation import worker_answers
from casefile import db
from casefile.errors import InvalidInput
from casefile.importing.fields import FEED_FIELDS, FieldProblem
from casefile.models import APPOINTMENT_KINDS, Appointment


def test_booking_refuses_a_kind_that_is_not_on_the_list(session: Session) -> None:
    person = make_person(session)
    with pytest.raises(InvalidInput, match='"drugs" is not a kind of appointment. Choose one of: probation'):
        make_appointment(session, person, kind="drugs")
    assert session.query(Appointment).count() == 0
    assert make_appointment(session, person, kind="drugs_alcohol").kind == "drugs_alcohol"


def test_the_database_itself_refuses_an_unknown_kind(session: Session) -> None:
    appointment = make_appointment(session, make_person(session))
    session.commit()
    with pytest.raises(IntegrityError):
        session.execute(text("UPDATE appointments SET kind = 'drugs' WHERE id = :id"), {"id": appointment.id})
    session.rollback()


def test_a_feed_row_with_an_unknown_kind_is_a_row_problem_naming_the_kinds() -> None:
    read_kind = FEED_FIELDS["appointments"]["kind"].read
    assert read_kind("Drugs_Alcohol") == "drugs_alcohol"
    with pytest.raises(FieldProblem, match="is not a kind of appointment. Use probation, housing"):
        read_kind("drugs")


def test_the_worker_chat_offers_every_kind_and_only_those() -> None:
    offered = [button.data.removeprefix("w:k:") for row in worker_answers.kind_buttons() for button in row]
    assert offered == list(APPOINTMENT_KINDS)


def test_the_migration_renames_drugs_and_turns_other_unknown_kinds_into_other(blank_url: str) -> None:
    engine = db.make_engine(blank_url)
    sessions = db.session_factory(engine)
    try:
        # The rows are made with today's models, then the schema goes back to before the change: the
        # models always carry today's columns, which an old schema does not have.
        db.upgrade(engine)
        with sessions() as session:
            person = make_person(session)
            chat_booked = make_appointment(session, person).id
            odd = make_appointment(session, person).id
            kept = make_appointment(session, person, kind="housing").id
            session.commit()
        db.downgrade(engine, "0006_recalled_stage")
        with engine.begin() as connection:  # as the chat and a hand-written script stored them before
            connection.execute(text("UPDATE appointments SET kind = 'drugs' WHERE id = :id"), {"id": chat_booked})
            connection.execute(text("UPDATE appointments SET kind = 'weekly chat' WHERE id = :id"), {"id": odd})
        db.upgrade(engine, "0007_appointment_kinds")
        with engine.connect() as connection:
            kinds = dict(connection.execute(text("SELECT id, kind FROM appointments")).all())
        assert kinds == {chat_booked: "drugs_alcohol", odd: "other", kept: "housing"}
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text("UPDATE appointments SET kind = 'drugs'"))
        db.downgrade(engine, "0006_recalled_stage")
        with engine.begin() as connection:  # the older schema took any kind
            connection.execute(text("UPDATE appointments SET kind = 'drugs' WHERE id = :id"), {"id": chat_booked})
    finally:
        engine.dispose()

