"""Staff writes to the rest of the file: journey position, licence conditions, money and pharmacy.

Each record is created by its first write (pass `expected_version=None`) and changed afterwards only
by a caller who says which version they saw.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from casefile.actors import Actor
from casefile.errors import ConflictError, InvalidInput
from casefile.models import (
    BENEFIT_TYPES,
    DOSE_MODES,
    STAGES,
    STEP_KEY_PATTERN,
    BenefitClaim,
    JourneyPosition,
    LicenceCondition,
    PharmacyPlan,
)
from casefile.unit import Unit, apply_changes, check_version, unit_of_work

Validator = Callable[[str, Any], Any]
_STEP_KEY = re.compile(STEP_KEY_PATTERN)


def _optional_date(name: str, value: Any) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    raise InvalidInput(f"{_label(name)} must be a date.")


def _optional_time(name: str, value: Any) -> time | None:
    if value is None or isinstance(value, time):
        return value
    raise InvalidInput(f"{_label(name)} must be a time of day.")


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise InvalidInput(f"{_label(name)} must be yes or no.")


def _text(limit: int, *, required: bool = False, optional: bool = False) -> Validator:
    def check(name: str, value: Any) -> str | None:
        if value is None and optional:
            return None
        if not isinstance(value, str):
            raise InvalidInput(f"{_label(name)} must be text.")
        value = value.strip()
        if required and not value:
            raise InvalidInput(f"Please fill in {_label(name).lower()}.")
        if len(value) > limit:
            raise InvalidInput(f"{_label(name)} is too long (at most {limit} letters).")
        return value if value or not optional else None
    return check


def _one_of(choices: tuple[str, ...]) -> Validator:
    def check(name: str, value: Any) -> str:
        if value not in choices:
            raise InvalidInput(f"{_label(name)} must be one of: {', '.join(choices)}.")
        return str(value)
    return check


def _weekdays(name: str, value: Any) -> list[int]:
    days = sorted(set(value or ()))
    if not all(isinstance(day, int) and 0 <= day <= 6 for day in days):
        raise InvalidInput(f"{_label(name)} must be days of the week, 0 for Monday to 6 for Sunday.")
    return days


def _count(name: str, value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 1000:
        return value
    raise InvalidInput(f"{_label(name)} must be a whole number, 0 or more.")


def _step_keys(name: str, value: Any) -> list[str]:
    if isinstance(value, str):
        raise InvalidInput(f"{_label(name)} must be a list of step keys.")
    steps = sorted(set(value or ()))
    if not all(isinstance(step, str) and _STEP_KEY.match(step) for step in steps):
        raise InvalidInput(f"{_label(name)} must be step keys from the money steps, like bank_account.")
    return steps


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


JOURNEY_FIELDS: dict[str, Validator] = {
    "stage": _one_of(STAGES),
    "prison": _text(200, optional=True),
    "sentence_date": _optional_date,
    "release_date": _optional_date,
    "release_confirmed": _flag,
    "hdc_eligibility_date": _optional_date,
    "licence_end": _optional_date,
    "top_up_end": _optional_date,
    "community_order_end": _optional_date,
}

BENEFIT_FIELDS: dict[str, Validator] = {
    "claimed_on": _optional_date,
    "steps_done": _step_keys,
    "expected_first_payment": _optional_date,
    "advance_requested": _flag,
}

PHARMACY_FIELDS: dict[str, Validator] = {
    "pharmacy_name": _text(200, required=True),
    "address": _text(400),
    "open_days": _weekdays,
    "opens_at": _optional_time,
    "closes_at": _optional_time,
    "pickup_days": _weekdays,
    "pickup_time": _optional_time,
    "dose_mode": _one_of(DOSE_MODES),
    "script_start": _optional_date,
    "script_end": _optional_date,
    "prescriber_contact": _text(300),
    "missed_in_a_row": _count,
}


def validate(changes: Mapping[str, Any], fields: Mapping[str, Validator]) -> dict[str, Any]:
    unknown = set(changes) - set(fields)
    if unknown:
        raise InvalidInput(f"These cannot be changed here: {', '.join(sorted(unknown))}.")
    return {name: fields[name](name, value) for name, value in changes.items()}


def update_journey(
    session: Session,
    actor: Actor,
    person_id: int,
    expected_version: int | None,
    *,
    now: datetime | None = None,
    tell_person: bool = True,
    **changes: Any,
) -> JourneyPosition:
    """Change the stage, prison or key dates. The first call (expected_version=None) must give a stage."""
    checked = validate(changes, JOURNEY_FIELDS)
    with unit_of_work(session, actor, "write.journey", "journey", now=now) as unit:
        unit.require_person(person_id, staff_only=True)
        unit.subject_id = person_id
        position = session.get(JourneyPosition, person_id, populate_existing=True)
        if position is None:
            if expected_version is not None:
                raise ConflictError()
            if "stage" not in checked:
                raise InvalidInput("Please say which stage the person is at.")
            position = JourneyPosition(person_id=person_id, updated_at=unit.now, **checked)
            session.add(position)
            before: dict[str, Any] = {}
            after = dict(checked)
        else:
            check_version(position, expected_version)
            before, after = apply_changes(position, checked)
        if after:
            position.updated_at = unit.now
            unit.record_change("journey.changed", "journey", person_id, before, after,
                               summary="There is news about your dates or where you are.",
                               tell_person=tell_person)
            session.flush()
        return position


def set_licence_conditions(
    session: Session,
    actor: Actor,
    person_id: int,
    conditions: Sequence[tuple[str, str]],
    *,
    now: datetime | None = None,
    tell_person: bool = True,
) -> list[LicenceCondition]:
    """Replace the licence conditions with (official wording, plain version) pairs. Lead professional only."""
    checked: list[tuple[str, str]] = []
    for official, plain in conditions:
        official, plain = (official or "").strip(), (plain or "").strip()
        if not official or not plain:
            raise InvalidInput("Each licence condition needs the official wording and a plain version.")
        checked.append((official, plain))
    with unit_of_work(session, actor, "write.licence_conditions", "licence_conditions", now=now) as unit:
        unit.require_person(person_id, lead_only=True)
        unit.subject_id = person_id
        old = session.scalars(
            select(LicenceCondition)
            .where(LicenceCondition.person_id == person_id)
            .order_by(LicenceCondition.position, LicenceCondition.id)
        ).all()
        before = [c.plain_text for c in old]
        session.execute(delete(LicenceCondition).where(LicenceCondition.person_id == person_id))
        rows = [
            LicenceCondition(person_id=person_id, position=index, official_text=official, plain_text=plain)
            for index, (official, plain) in enumerate(checked)
        ]
        session.add_all(rows)
        after = [plain for _, plain in checked]
        if before != after:
            unit.record_change("licence_conditions.changed", "licence_conditions", person_id,
                               {"conditions": before}, {"conditions": after},
                               summary="Your licence rules have changed.", tell_person=tell_person)
        session.flush()
        return rows


def update_benefit_claim(
    session: Session,
    actor: Actor,
    person_id: int,
    expected_version: int | None,
    claim_type: str = "universal_credit",
    *,
    now: datetime | None = None,
    tell_person: bool = False,
    **changes: Any,
) -> BenefitClaim:
    """Record progress on a benefit claim: date claimed, steps done, first payment, advance."""
    if claim_type not in BENEFIT_TYPES:
        raise InvalidInput(f"Unknown benefit {claim_type!r}.")
    checked = validate(changes, BENEFIT_FIELDS)
    with unit_of_work(session, actor, "write.benefit_claim", "benefit_claim", now=now) as unit:
        unit.require_person(person_id, staff_only=True)
        claim = session.scalars(
            select(BenefitClaim)
            .where(BenefitClaim.person_id == person_id, BenefitClaim.claim_type == claim_type)
            .execution_options(populate_existing=True)
        ).first()
        if claim is None:
            if expected_version is not None:
                raise ConflictError()
            claim = BenefitClaim(person_id=person_id, claim_type=claim_type,
                                 **{"steps_done": [], **checked})
            session.add(claim)
            session.flush()
            before: dict[str, Any] = {}
            after = {"claim_type": claim_type, **checked}
        else:
            check_version(claim, expected_version)
            before, after = apply_changes(claim, checked)
        unit.subject_id = claim.id
        _record(unit, before, after, "benefit_claim.changed", "benefit_claim", claim.id,
                "There is news about your money claim.", tell_person)
        return claim


def update_pharmacy_plan(
    session: Session,
    actor: Actor,
    person_id: int,
    expected_version: int | None,
    *,
    now: datetime | None = None,
    tell_person: bool = False,
    **changes: Any,
) -> PharmacyPlan:
    """Set up or change the pharmacy plan. The first call must name the pharmacy."""
    checked = validate(changes, PHARMACY_FIELDS)
    with unit_of_work(session, actor, "write.pharmacy_plan", "pharmacy_plan", now=now) as unit:
        unit.require_person(person_id, staff_only=True)
        unit.subject_id = person_id
        plan = session.get(PharmacyPlan, person_id, populate_existing=True)
        if plan is None:
            if expected_version is not None:
                raise ConflictError()
            if "pharmacy_name" not in checked:
                raise InvalidInput("Please fill in pharmacy name.")
            plan = PharmacyPlan(person_id=person_id, **{"open_days": [], "pickup_days": [], **checked})
            session.add(plan)
            before: dict[str, Any] = {}
            after = dict(checked)
        else:
            check_version(plan, expected_version)
            before, after = apply_changes(plan, checked)
        _record(unit, before, after, "pharmacy_plan.changed", "pharmacy_plan", person_id,
                "There is news about your pharmacy pick-ups.", tell_person)
        return plan


def _record(unit: Unit, before: dict[str, Any], after: dict[str, Any], kind: str, subject: str,
            subject_id: int, summary: str, tell_person: bool) -> None:
    if after:
        unit.record_change(kind, subject, subject_id, before, after, summary=summary, tell_person=tell_person)
    # Flushing inside the unit makes a stale version fail here, as a ConflictError, not at commit.
    unit.session.flush()

