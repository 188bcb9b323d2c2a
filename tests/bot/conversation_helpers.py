"""A person's whole case file, and a chat to talk to the core with: `push("/start")` then read the replies."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.core import Conversation
from bot.messages import Incoming, Reply
from bot.settings import REPO_ROOT, Settings
from casefile import directory, linking, records, staff
from casefile.models import Person, Worker
from glossary.live import LiveGlossary, LiveQuestions
from journeys.live import LiveJourneys
from tests.casefile.factories import NOW, SYSTEM, assign

CONTENT = REPO_ROOT / "content"
# What the chat is handed from the settings: the defaults (the reminder rules, the link-code hasher).
SETTINGS = Settings.built_in()
_glossary: LiveGlossary | None = None


def shared_glossary() -> LiveGlossary:
    """The real content, loaded and checked once for all conversation tests."""
    global _glossary
    if _glossary is None:
        _glossary = LiveGlossary(CONTENT)
    return _glossary


@functools.cache
def shared_journeys() -> LiveJourneys:
    """The real journeys content, loaded and checked once for all conversation tests."""
    return LiveJourneys(CONTENT)


@functools.cache
def shared_questions() -> LiveQuestions:
    """The real questions library, loaded, checked and indexed once for all conversation tests."""
    return LiveQuestions(CONTENT)


def make_conversation(sessions: sessionmaker[Session], now: datetime = NOW) -> Conversation:
    return Conversation(CONTENT, sessions, shared_glossary(), clock=lambda: now, journeys=shared_journeys(),
                        reminder_policy=SETTINGS.reminder_policy, link_hasher=SETTINGS.link_hasher,
                        questions=shared_questions())


@dataclass
class Chat:
    conversation: Conversation
    chat_id: str
    language_hint: str | None = "en"
    channel: str = "telegram"
    last: list[Reply] = field(default_factory=list)

    def push(self, text: str) -> list[Reply]:
        self.last = self.conversation.handle(Incoming(self.channel, self.chat_id, text=text,
                                                      language_hint=self.language_hint))
        return self.last

    def press(self, data: str) -> list[Reply]:
        self.last = self.conversation.handle(Incoming(self.channel, self.chat_id, button=data,
                                                      language_hint=self.language_hint))
        return self.last

    def press_label(self, label: str) -> list[Reply]:
        """Press the button with this label on the last replies (fails if it is not there)."""
        for reply in reversed(self.last):
            for row in reply.buttons:
                for button in row:
                    if button.label == label:
                        return self.press(button.data)
        raise AssertionError(f"No button {label!r} in {[b.label for r in self.last for row in r.buttons for b in row]}")

    @property
    def text(self) -> str:
        return "\n\n".join(reply.text for reply in self.last)

    def button_data(self) -> list[str]:
        return [button.data for reply in self.last for row in reply.buttons for button in row]


@dataclass
class Case:
    person: Person
    lead: Worker
    drugs_worker: Worker
    appointment_id: int
    code: str


def make_case(session: Session, name: str = "Sam", language: str = "en", today: date | None = None,
              nation: str | None = None) -> Case:
    """Someone on licence with a lead probation officer, a DIP worker, an appointment, money and pharmacy plans."""
    today = today or NOW.date()
    probation = directory.add_agency(session, SYSTEM, "Probation Service", f"PS{name}", now=NOW)
    dip = directory.add_agency(session, SYSTEM, "Drug Intervention Programme", f"DIP{name}", now=NOW)
    lead = directory.add_worker(session, SYSTEM, probation.id, f"Alex Morgan {name}", "Probation officer",
                                ref=f"W-PO-{name}", helps_with="your licence, housing", contact="020 7946 0001",
                                hours="Monday to Friday, 9am to 5pm", now=NOW)
    drugs = directory.add_worker(session, SYSTEM, dip.id, f"Jo Patel {name}", "Drug worker",
                                 ref=f"W-DIP-{name}", helps_with="drug treatment, housing",
                                 contact="020 7946 0002", hours="Monday to Thursday", now=NOW)
    person = directory.add_person(session, SYSTEM, name, language=language, nation=nation, now=NOW)
    assign(session, person, lead, lead=True, role="Probation officer")
    assign(session, person, drugs, role="Drug worker")
    staff.update_journey(session, SYSTEM, person.id, None, stage="on_licence", prison="HMP Brixton",
                         release_date=today - timedelta(days=3), release_confirmed=True,
                         licence_end=today + timedelta(days=97), now=NOW)
    records.set_licence_conditions(session, SYSTEM, person.id,
                                   [("Not to contact any victim directly or indirectly.",
                                     "Do not contact the victim in any way.")], now=NOW)
    records.update_benefit_claim(session, SYSTEM, person.id, None, claimed_on=today - timedelta(days=3),
                                 steps_done=["claim_online"], now=NOW)
    records.update_pharmacy_plan(session, SYSTEM, person.id, None, pharmacy_name="High Street Pharmacy",
                                 address="2 High Street", open_days=[0, 1, 2, 3, 4, 5], opens_at=time(9),
                                 closes_at=time(18), pickup_days=[0, 1, 2, 3, 4, 5, 6], pickup_time=time(10),
                                 dose_mode="supervised", prescriber_contact="Dr Khan, 020 7946 0003", now=NOW)
    appointment = staff.book_appointment(session, SYSTEM, person.id, NOW + timedelta(days=1, hours=2), 60,
                                         "Lewisham probation office", "1 High Street, London SE13 0AA",
                                         "probation", "Your licence letter", lead.id,
                                         policy=SETTINGS.reminder_policy, now=NOW)
    code = linking.issue_link_code(session, SYSTEM, person_id=person.id, now=NOW, hasher=SETTINGS.link_hasher)
    session.commit()
    return Case(person, lead, drugs, appointment.id, code)
