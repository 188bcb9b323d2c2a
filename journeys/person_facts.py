"""One mapping from a person's case file (`casefile.views.PersonView`) to the journeys' plain inputs.

The chat's answers, the reminder planner and the console all read a person's journey through these
functions, so Where am I, Money and Pharmacy say the same thing on every surface.
"""

from __future__ import annotations

from datetime import date

from casefile.clock import LONDON
from casefile.models import APPOINTMENT_OVER
from casefile.views import PersonView
from journeys import money, pharmacy, where


def journey_facts(view: PersonView) -> where.JourneyFacts:
    dates = view.dates
    return where.JourneyFacts(
        stage=view.stage or "in_court",
        prison=view.prison,
        sentence_date=dates.sentence_date,
        release_date=dates.release_date,
        release_confirmed=dates.release_confirmed,
        hdc_eligibility=dates.hdc_eligibility_date,
        licence_end=dates.licence_end,
        top_up_end=dates.top_up_end,
        community_order_end=dates.community_order_end,
        licence_conditions=[(c.official, c.plain) for c in view.licence_conditions],
    )


# The money step a booked appointment of this kind is: the first Jobcentre meeting.
BOOKED_STEPS = {"jobcentre": "jobcentre_interview"}


def claim_facts(view: PersonView) -> money.ClaimFacts | None:
    """What the file says of the benefit claim so far, and of money steps already booked as appointments,
    for the money plan; None when it says nothing yet."""
    booked: dict[str, date] = {}
    for appointment in view.appointments:  # soonest first, not yet over
        step = BOOKED_STEPS.get(appointment.kind)
        if step is not None and appointment.status not in APPOINTMENT_OVER:
            booked.setdefault(step, appointment.starts_at.astimezone(LONDON).date())
    claim = view.benefit_claim
    if claim is None and not booked:
        return None
    if claim is None:
        return money.ClaimFacts(booked=booked)
    return money.ClaimFacts(claim.claimed_on, frozenset(claim.steps_done), booked)


def pharmacy_facts(view: PersonView) -> pharmacy.PharmacyFacts | None:
    plan = view.pharmacy_plan
    if plan is None or not plan.pickup_days or plan.opens_at is None or plan.closes_at is None:
        return None
    opening = {day: (plan.opens_at, plan.closes_at) for day in plan.open_days}
    takeaway = set(plan.pickup_days) if plan.dose_mode == "take_away" else set()
    return pharmacy.PharmacyFacts(
        name=plan.pharmacy_name,
        address=plan.address,
        opening=opening,
        pickup_days=set(plan.pickup_days),
        pickup_time=plan.pickup_time or plan.opens_at,
        takeaway_days=takeaway,
        script_start=plan.script_start,
        script_end=plan.script_end,
        prescriber_contact=plan.prescriber_contact,
        missed_in_a_row=plan.missed_in_a_row,
    )
