"""Demo data: four made-up people at different points, with their teams, dates and appointments.

Everyone here is fictional: the people, the workers, the phone numbers (from the ranges Ofcom keeps
for drama) and the places (each marked "(demo)"). Dates are set from `today`, so the demo always
shows a release this Friday and appointments in the coming days. Everything is written through the
service layer as the system actor "demo", so the demo file looks exactly like a real one.

Running it again on the same day changes nothing but the link codes (a code is shown only once, so
each run makes fresh ones). On a later day the demo people are made again for that day. A demo
person whose file was closed with `forget` stays closed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from casefile import audit, directory, linking, services, staff
from casefile.actors import SystemActor
from casefile.clock import LONDON
from casefile.linking import CodeHasher
from casefile.models import Agency, Person, StaffAccount, Worker
from casefile.reminder_rules import ReminderPolicy
from casefile.services import ParsedDirectory
from casefile.unit import unit_of_work

DEMO = SystemActor("demo")
DEMO_PREFIX = "DEMO-"
FRIDAY, SATURDAY = 4, 5
EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)
MONDAY_TO_SATURDAY = (0, 1, 2, 3, 4, 5)
PRISON = "HMP Greenfield (demo)"
OFFICE = "Lewisham probation office (demo)"
OFFICE_ADDRESS = "12 Example Road, London SE13 0ZZ"


@dataclass(frozen=True)
class DemoAgency:
    short_name: str
    name: str
    contact: str


@dataclass(frozen=True)
class DemoWorker:
    ref: str
    agency: str
    name: str
    role: str
    helps_with: str
    contact: str
    hours: str


AGENCIES: tuple[DemoAgency, ...] = (
    DemoAgency("PS", "Probation Service", "020 7946 0100"),
    DemoAgency("DIP", "Drug Intervention Programme (DIP)", "020 7946 0200"),
    DemoAgency("SHIP", "Single Homeless Intervention Programme", "020 7946 0300"),
    DemoAgency("JCP", "Jobcentre Plus", "020 7946 0400"),
    DemoAgency("SGT", "St Giles Trust", "020 7946 0500"),
    # The prison sends release dates (see docs/examples); it has no worker on a demo team.
    DemoAgency("HMPG", "HMP Greenfield (demo)", "020 7946 0600"),
)

WORKERS: tuple[DemoWorker, ...] = (
    DemoWorker("DEMO-W-PS-1", "PS", "Dana Brooks", "Your probation officer",
               "Your licence, your appointments and your plan for staying out of trouble.",
               "07700 900101", "Monday to Friday, 9am to 5pm"),
    DemoWorker("DEMO-W-PS-2", "PS", "Lee Carter", "Your probation officer",
               "Your licence or order, your appointments and any worries about them.",
               "07700 900102", "Monday to Thursday, 9am to 5pm"),
    DemoWorker("DEMO-W-DIP-1", "DIP", "Mo Hussain", "Your drug and alcohol worker",
               "Your script, the pharmacy, and staying safe with drink and drugs.",
               "07700 900201", "Monday to Friday, 10am to 6pm"),
    DemoWorker("DEMO-W-SHIP-1", "SHIP", "Kim Taylor", "Helps you find somewhere to live",
               "Somewhere to stay after release, housing forms and paying rent.",
               "07700 900301", "Monday to Friday, 9am to 4pm"),
    DemoWorker("DEMO-W-JCP-1", "JCP", "Pat Morgan", "Your work coach at the Jobcentre",
               "Universal Credit, looking for work and courses.",
               "07700 900401", "Monday to Friday, 8:30am to 4:30pm"),
    DemoWorker("DEMO-W-SGT-1", "SGT", "Jess Reid", "Your mentor from St Giles Trust",
               "Meeting you at the gate, getting to appointments, and someone to talk to.",
               "07700 900501", "Monday to Saturday, 9am to 6pm"),
)

# Licence conditions as a licence words them, each with a plain version to read first.
STANDARD_CONDITIONS: tuple[tuple[str, str], ...] = (
    ("Be of good behaviour and do nothing that undermines the purpose of the licence period.",
     "Stay out of trouble. Do not break the law."),
    ("Keep in touch with your supervising officer as they instruct you.",
     "Go to every meeting with your probation officer. Answer when they call."),
    ("Receive visits from your supervising officer at your home as they instruct you.",
     "Let your probation officer visit you at home."),
    ("Live permanently at an address approved by your supervising officer and obtain their "
     "permission before staying elsewhere for one or more nights.",
     "Live where your probation officer has said yes to. Ask first before you stay the night anywhere else."),
)
DRUG_CONDITION = (
    "Attend appointments with a named drug worker and take part in any tests they ask for.",
    "Go to your drug worker's appointments and do the tests they ask for.",
)


@dataclass(frozen=True)
class DemoResult:
    ref: str
    name: str
    situation: str
    status: str  # made, kept, remade or closed
    link_code: str | None


@dataclass
class _Maker:
    """What one demo person's builder needs: the session, the day, the worker ids by ref, the reminder rules."""

    session: Session
    today: date
    now: datetime
    workers: dict[str, int]
    policy: ReminderPolicy
    person_id: int = 0
    appointment_ids: list[int] = field(default_factory=list)

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        """A London wall-clock time on `day`, as an aware UTC moment."""
        return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC)

    def team(self, *members: tuple[str, str]) -> None:
        """(worker ref, role for this person); the first is the lead professional."""
        for index, (ref, role) in enumerate(members):
            staff.assign_worker(self.session, DEMO, self.person_id, self.workers[ref], role, index == 0,
                                now=self.now, tell_person=False)

    def book(self, start: datetime, minutes: int, place: str, address: str, kind: str, bring: str,
             worker_ref: str) -> int:
        appointment = staff.book_appointment(
            self.session, DEMO, self.person_id, start, minutes, place, address, kind, bring,
            self.workers[worker_ref], policy=self.policy, now=self.now, tell_person=False,
        )
        return appointment.id


def this_friday(today: date) -> date:
    """The Friday of this week: today if it is Friday, else the next one (on a weekend, the coming one)."""
    return today + timedelta(days=(FRIDAY - today.weekday()) % 7)


def next_weekday(today: date, weekday: int) -> date:
    """The next `weekday` after today (never today)."""
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _released_this_friday(m: _Maker) -> None:
    friday = this_friday(m.today)
    staff.update_journey(m.session, DEMO, m.person_id, None, stage="release_day" if friday == m.today else "in_prison",
                         prison=PRISON, release_date=friday, release_confirmed=True,
                         licence_end=friday + timedelta(days=182), now=m.now, tell_person=False)
    m.team(("DEMO-W-PS-1", "Probation officer"), ("DEMO-W-SHIP-1", "Housing worker"),
           ("DEMO-W-JCP-1", "Work coach"), ("DEMO-W-SGT-1", "Mentor"))
    staff.set_licence_conditions(m.session, DEMO, m.person_id, STANDARD_CONDITIONS, now=m.now, tell_person=False)
    m.book(m.at(friday, 14), 60, OFFICE, OFFICE_ADDRESS, "probation",
           "Your licence and the discharge letter from the prison.", "DEMO-W-PS-1")
    monday = friday + timedelta(days=3)
    m.book(m.at(monday, 10), 45, "Lewisham Jobcentre (demo)", "30 Sample Street, London SE13 0YY", "jobcentre",
           "Photo ID if you have it, your bank card, and your discharge letter.", "DEMO-W-JCP-1")
    m.book(m.at(monday + timedelta(days=1), 11, 30), 60, "SHIP housing office (demo)",
           "5 Placeholder Lane, London SE6 0XX", "housing", "Your discharge letter.", "DEMO-W-SHIP-1")
    staff.update_pharmacy_plan(
        m.session, DEMO, m.person_id, None, pharmacy_name="Hilltop Pharmacy (demo)",
        address="88 Example Hill, London SE13 0WW", open_days=list(MONDAY_TO_SATURDAY), opens_at=time(9),
        closes_at=time(18), pickup_days=list(EVERY_DAY), pickup_time=time(10), dose_mode="supervised",
        script_start=friday, script_end=friday + timedelta(days=28),
        prescriber_contact="Community drug team (demo), 020 7946 0210", now=m.now,
    )
    # No benefit claim yet: that is the point of this person.


def _on_licence_with_methadone(m: _Maker) -> None:
    released = m.today - timedelta(days=45)
    staff.update_journey(m.session, DEMO, m.person_id, None, stage="on_licence", release_date=released,
                         release_confirmed=True, licence_end=released + timedelta(days=182), now=m.now,
                         tell_person=False)  # no top-up supervision: the Sentencing Act 2026 ended it
    m.team(("DEMO-W-PS-2", "Probation officer"), ("DEMO-W-DIP-1", "Drug and alcohol worker"),
           ("DEMO-W-SHIP-1", "Housing worker"))
    staff.set_licence_conditions(m.session, DEMO, m.person_id, (*STANDARD_CONDITIONS, DRUG_CONDITION),
                                 now=m.now, tell_person=False)
    probation = m.book(m.at(m.today + timedelta(days=1), 10), 60, OFFICE, OFFICE_ADDRESS, "probation",
                       "Your appointment letter.", "DEMO-W-PS-2")
    # The probation officer has just moved it: this change is flagged to tell the person.
    staff.move_appointment(m.session, DEMO, probation, m.at(m.today + timedelta(days=2), 14, 30), 1,
                           policy=m.policy, now=m.now, tell_person=True)
    m.book(m.at(m.today + timedelta(days=3), 11), 45, "DIP clinic (demo)", "40 Sample Street, London SE13 0YY",
           "drugs_alcohol", "Nothing. You may be asked for a test.", "DEMO-W-DIP-1")
    staff.update_pharmacy_plan(
        m.session, DEMO, m.person_id, None, pharmacy_name="Riverside Pharmacy (demo)",
        address="3 River Walk, London SE8 0VV", open_days=list(EVERY_DAY), opens_at=time(8, 30),
        closes_at=time(19), pickup_days=list(EVERY_DAY), pickup_time=time(9, 30), dose_mode="supervised",
        script_start=released, script_end=m.today + timedelta(days=13),
        prescriber_contact="DIP clinic (demo), 020 7946 0200", now=m.now,
    )
    claimed = released + timedelta(days=2)
    staff.update_benefit_claim(m.session, DEMO, m.person_id, None, claimed_on=claimed,
                               steps_done=["bank_account", "claim_online", "verify_identity"],
                               expected_first_payment=claimed + timedelta(days=35), advance_requested=True,
                               now=m.now)


def _community_order_with_unpaid_work(m: _Maker) -> None:
    sentenced = m.today - timedelta(days=60)
    staff.update_journey(m.session, DEMO, m.person_id, None, stage="community_order", sentence_date=sentenced,
                         community_order_end=sentenced + timedelta(days=365), now=m.now, tell_person=False)
    m.team(("DEMO-W-PS-1", "Probation officer"), ("DEMO-W-JCP-1", "Work coach"), ("DEMO-W-SGT-1", "Mentor"))
    saturday = next_weekday(m.today, SATURDAY)
    m.book(m.at(saturday, 8, 30), 420, "Community garden project (demo)", "Unit 2, Example Park, London SE4 0UU",
           "unpaid_work", "A packed lunch, clothes you can get dirty, and strong shoes.", "DEMO-W-PS-1")
    m.book(m.at(m.today + timedelta(days=2), 15), 45, OFFICE, OFFICE_ADDRESS, "probation",
           "Your timesheet from unpaid work.", "DEMO-W-PS-1")
    m.book(m.at(m.today + timedelta(days=4), 9, 30), 30, "Lewisham Jobcentre (demo)",
           "30 Sample Street, London SE13 0YY", "jobcentre", "Your job search notes.", "DEMO-W-JCP-1")
    claimed = sentenced - timedelta(days=90)
    staff.update_benefit_claim(
        m.session, DEMO, m.person_id, None, claimed_on=claimed,
        steps_done=["bank_account", "claim_online", "verify_identity", "jobcentre_interview", "first_payment"],
        expected_first_payment=claimed + timedelta(days=35), now=m.now,
    )


def _in_prison_ten_weeks_to_go(m: _Maker) -> None:
    release = m.today + timedelta(weeks=10)
    staff.update_journey(m.session, DEMO, m.person_id, None, stage="in_prison", prison=PRISON,
                         sentence_date=m.today - timedelta(days=300), release_date=release,
                         release_confirmed=False, now=m.now, tell_person=False)
    m.team(("DEMO-W-PS-2", "Probation officer (outside the prison)"), ("DEMO-W-SGT-1", "Mentor"),
           ("DEMO-W-SHIP-1", "Housing worker"))
    m.book(m.at(m.today + timedelta(days=2), 10), 30, f"Video call room, {PRISON}", "", "probation",
           "Questions about where you will live.", "DEMO-W-PS-2")
    m.book(m.at(m.today + timedelta(days=5), 14), 60, f"Visits hall, {PRISON}", "", "housing",
           "Any letters about your old home or rent.", "DEMO-W-SHIP-1")


@dataclass(frozen=True)
class DemoPersonSpec:
    ref: str
    name: str
    situation: str
    build: Callable[[_Maker], None]


PEOPLE: tuple[DemoPersonSpec, ...] = (
    DemoPersonSpec("DEMO-1", "Alex", "leaves prison this Friday; no benefit claim yet; pharmacy shut on Sundays",
                   _released_this_friday),
    DemoPersonSpec("DEMO-2", "Jordan", "on licence; daily methadone pick-up; probation appointment just moved",
                   _on_licence_with_methadone),
    DemoPersonSpec("DEMO-3", "Casey", "on a community order with unpaid work on Saturday",
                   _community_order_with_unpaid_work),
    DemoPersonSpec("DEMO-4", "Robin", "in prison; release in about ten weeks, not confirmed yet",
                   _in_prison_ten_weeks_to_go),
)


def seed_demo(
    sessions: sessionmaker[Session],
    today: date,
    now: datetime,
    *,
    policy: ReminderPolicy,
    hasher: CodeHasher,
    link_code_days: int = linking.DEFAULT_DAYS,
) -> list[DemoResult]:
    """Make sure the demo agencies, workers and people exist for `today`; a fresh link code for each person.

    `policy` times the demo appointments' reminders and `hasher` hashes the codes (both from the settings).
    """
    with sessions() as session:
        workers = _ensure_team(session, now)
    results: list[DemoResult] = []
    for spec in PEOPLE:
        with sessions() as session:
            status, person_id = _ensure_person(session, spec, today, now, workers, policy)
            code = None
            if status != "closed":
                code = linking.issue_link_code(session, DEMO, person_id=person_id, days=link_code_days, now=now,
                                               hasher=hasher)
            results.append(DemoResult(spec.ref, spec.name, spec.situation, status, code))
    return results


# Staff console accounts for trying the console (console/). A made-up password, printed by `signpost demo-data`.
DEMO_STAFF_PASSWORD = "demo-password-2027"


@dataclass(frozen=True)
class DemoStaff:
    email: str
    role: str
    worker_ref: str | None
    about: str


DEMO_STAFF: tuple[DemoStaff, ...] = (
    DemoStaff("dana.brooks@demo.example.org", "worker", "DEMO-W-PS-1", "worker, lead professional for Alex and Casey"),
    DemoStaff("jess.reid@demo.example.org", "worker", "DEMO-W-SGT-1", "worker, on three teams, lead for nobody"),
    DemoStaff("editor@demo.example.org", "editor", None, "content editor"),
    DemoStaff("admin@demo.example.org", "admin", None, "admin: accounts, imports, outcomes"),
)


def seed_demo_staff(sessions: sessionmaker[Session], now: datetime, hash_password: Callable[[str], str]) -> list[DemoStaff]:
    """Add the demo staff accounts that are missing (the password hash is made by the caller: Argon2)."""
    with sessions() as session:
        existing = set(session.scalars(select(StaffAccount.email)))
        workers = dict(session.execute(select(Worker.ref, Worker.id)).all())
        added = False
        for account in DEMO_STAFF:
            if account.email in existing or (account.worker_ref and account.worker_ref not in workers):
                continue
            session.add(StaffAccount(
                email=account.email, role=account.role,
                worker_id=workers[account.worker_ref] if account.worker_ref else None,
                password_hash=hash_password(DEMO_STAFF_PASSWORD), active=True, created_at=now, failed_sign_ins=0,
            ))
            added = True
        if added:
            audit.record(session, DEMO, "write.staff_account.add", "staff_account", detail="demo staff", now=now)
        session.commit()
    return list(DEMO_STAFF)


def demo_now(today: date, clock: datetime | None = None) -> datetime:
    """The moment to write the demo as of: now if `today` is today in London, else 9am London on `today`."""
    real = (clock or datetime.now(UTC)).astimezone(UTC)
    if real.astimezone(LONDON).date() == today:
        return real
    return datetime.combine(today, time(9), tzinfo=LONDON).astimezone(UTC)


def _ensure_team(session: Session, now: datetime) -> dict[str, int]:
    agencies: dict[str, int] = {name: id_ for name, id_ in session.execute(select(Agency.short_name, Agency.id))}
    for agency in AGENCIES:
        if agency.short_name not in agencies:
            made = directory.add_agency(session, DEMO, agency.name, agency.short_name, agency.contact, now=now)
            agencies[agency.short_name] = made.id
    refs = [worker.ref for worker in WORKERS]
    rows = session.execute(select(Worker.ref, Worker.id).where(Worker.ref.in_(refs)))
    workers: dict[str, int] = {ref: id_ for ref, id_ in rows}
    for worker in WORKERS:
        if worker.ref not in workers:
            made_worker = directory.add_worker(
                session, DEMO, agencies[worker.agency], worker.name, worker.role, ref=worker.ref,
                helps_with=worker.helps_with, contact=worker.contact, hours=worker.hours, now=now,
            )
            workers[worker.ref] = made_worker.id
    return workers


def _ensure_person(session: Session, spec: DemoPersonSpec, today: date, now: datetime,
                   workers: dict[str, int], policy: ReminderPolicy) -> tuple[str, int]:
    existing = session.scalars(select(Person).where(Person.ref == spec.ref)).first()
    status = "made"
    if existing is not None:
        if existing.closed_at is not None:
            return "closed", existing.id
        if existing.created_at.astimezone(LONDON).date() == today:
            return "kept", existing.id
        _remove_demo_person(session, existing.id, spec.ref, now)
        status = "remade"
    person = directory.add_person(session, DEMO, spec.name, ref=spec.ref, now=now)
    maker = _Maker(session, today, now, workers, policy, person_id=person.id)
    spec.build(maker)
    return status, person.id


def _remove_demo_person(session: Session, person_id: int, ref: str, now: datetime) -> None:
    """A demo person made for another day is removed whole (demo people only) to be made again."""
    if not ref.startswith(DEMO_PREFIX):  # pragma: no cover - a guard: real files are never removed here
        raise ValueError("only demo people can be removed")
    with unit_of_work(session, DEMO, "write.demo.remove", "person", now=now) as unit:
        unit.require_system()
        unit.person_id = unit.subject_id = person_id
        unit.detail = "demo person made again for a new day"
        session.execute(delete(Person).where(Person.id == person_id))
        session.expire_all()


def seed_demo_services(sessions: sessionmaker[Session], demo_directory: ParsedDirectory, now: datetime) -> str:
    """Make the services directory the demo one (content/services/lewisham-demo.yaml, read by the caller).

    A directory imported from any other file is a real one and is never replaced by the demo. Returns
    what happened, in words, for the command that asked.
    """
    with sessions() as session:
        others = sorted(services.directory_sources(session) - {demo_directory.source})
        if others:
            return (f"The services directory was kept as it is: it holds services from {', '.join(others)}, "
                    "so the demo services were not added.")
        return services.replace_directory(session, DEMO, demo_directory, now=now).summary()
