"""Link codes: shown once, stored hashed, run out, work once, and guessing gets a chat locked out."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from factories import NOW, SYSTEM, make_person, make_worker
from sqlalchemy import select
from sqlalchemy.orm import Session

from casefile import linking
from casefile.actors import PersonActor, StaffActor
from casefile.audit import audit_trail
from casefile.errors import (
    ChatLocked,
    InvalidInput,
    LinkCodeExpired,
    LinkCodeInvalid,
    LinkCodeUsed,
    PermissionDenied,
)
from casefile.models import ChatLink, LinkAttempt, LinkCode

# Same code path, cheaper scrypt, so thousands of guesses take seconds rather than minutes.
CHEAP = linking.CodeHasher(n=2, r=1, p=1)
REAL = linking.CodeHasher()  # the production cost, no pepper


def test_a_code_links_a_chat_to_the_person_once(session: Session) -> None:
    worker = make_worker(session)
    person = make_person(session, lead=worker)
    code = linking.issue_link_code(session, StaffActor(worker.id), person_id=person.id, now=NOW, hasher=REAL)
    assert len(code) == 9 and code[4] == "-"
    assert set(code.replace("-", "")) <= set(linking.ALPHABET)

    stored = session.scalars(select(LinkCode)).one()
    assert code.replace("-", "") not in stored.code_hash
    assert stored.expires_at == NOW + timedelta(days=14)

    # Typed with a space, in lower case: still the same code.
    typed = code.replace("-", " ").lower()
    link = linking.redeem_link_code(session, "telegram", 5550001, typed, NOW + timedelta(days=1), hasher=REAL)
    assert (link.person_id, link.worker_id) == (person.id, None)
    found = linking.chat_link_for(session, "telegram", "5550001")
    assert found is not None and found.person_id == person.id

    with pytest.raises(LinkCodeUsed) as used:
        linking.redeem_link_code(session, "telegram", 5550002, code, NOW + timedelta(days=1), hasher=REAL)
    assert "used already" in used.value.message
    assert linking.chat_link_for(session, "telegram", 5550002) is None


def test_codes_run_out_and_a_newer_code_replaces_an_older_one(session: Session) -> None:
    person = make_person(session)
    old = linking.issue_link_code(session, SYSTEM, person_id=person.id, days=3, now=NOW, hasher=CHEAP)
    with pytest.raises(LinkCodeExpired, match="run out"):
        linking.redeem_link_code(session, "telegram", 1, old, NOW + timedelta(days=3), hasher=CHEAP)
    linking.redeem_link_code(session, "telegram", 1, old, NOW + timedelta(days=2, hours=23), hasher=CHEAP)

    first = linking.issue_link_code(session, SYSTEM, person_id=person.id, now=NOW, hasher=CHEAP)
    second = linking.issue_link_code(session, SYSTEM, person_id=person.id, now=NOW, hasher=CHEAP)
    with pytest.raises(LinkCodeExpired):
        linking.redeem_link_code(session, "telegram", 2, first, NOW, hasher=CHEAP)
    assert linking.redeem_link_code(session, "telegram", 2, second, NOW, hasher=CHEAP).person_id == person.id
    with pytest.raises(InvalidInput, match="1 to 90 days"):
        linking.issue_link_code(session, SYSTEM, person_id=person.id, days=0, now=NOW, hasher=CHEAP)


def test_worker_codes_and_who_may_issue_them(session: Session) -> None:
    dee = make_worker(session)
    raj = make_worker(session)
    person = make_person(session, lead=dee)
    code = linking.issue_link_code(session, StaffActor(dee.id), worker_id=dee.id, now=NOW, hasher=CHEAP)
    link = linking.redeem_link_code(session, "telegram", "staff-1", code, NOW, hasher=CHEAP)
    assert (link.person_id, link.worker_id) == (None, dee.id)
    with pytest.raises(PermissionDenied):
        linking.issue_link_code(session, StaffActor(dee.id), worker_id=raj.id, now=NOW, hasher=CHEAP)
    with pytest.raises(PermissionDenied):
        linking.issue_link_code(session, StaffActor(raj.id), person_id=person.id, now=NOW, hasher=CHEAP)
    with pytest.raises(PermissionDenied):
        linking.issue_link_code(session, PersonActor(person.id), person_id=make_person(session).id, now=NOW,
                                hasher=CHEAP)
    denied = session.scalars(select(LinkCode).where(LinkCode.worker_id == raj.id)).all()
    assert denied == []


def test_five_wrong_codes_lock_the_chat_for_an_hour(session: Session) -> None:
    person = make_person(session)
    good = linking.issue_link_code(session, SYSTEM, person_id=person.id, now=NOW, hasher=CHEAP)
    wrong = ["AAAA-AAAA", "nonsense", "", "2222 2222"]
    for attempt in wrong:
        with pytest.raises(LinkCodeInvalid) as refused:
            linking.redeem_link_code(session, "telegram", 77, attempt, NOW, hasher=CHEAP)
        assert "did not work" in refused.value.message
    with pytest.raises(ChatLocked) as locked:
        linking.redeem_link_code(session, "telegram", 77, "BBBB-BBBB", NOW + timedelta(minutes=1), hasher=CHEAP)
    until = NOW + timedelta(minutes=61)
    assert locked.value.until == until
    assert "wait until 10:31" in locked.value.message  # the London clock (BST) in the message

    # Even the right code does not work while locked, and does not get used up.
    with pytest.raises(ChatLocked):
        linking.redeem_link_code(session, "telegram", 77, good, until - timedelta(seconds=1), hasher=CHEAP)
    # Another chat is not affected.
    other = linking.issue_link_code(session, SYSTEM, person_id=make_person(session).id, now=NOW, hasher=CHEAP)
    assert linking.redeem_link_code(session, "telegram", 78, other, NOW, hasher=CHEAP).person_id is not None
    # After the hour the chat may try again, and the right code works.
    assert linking.redeem_link_code(session, "telegram", 77, good, until, hasher=CHEAP).person_id == person.id
    assert session.scalars(select(LinkAttempt).where(LinkAttempt.chat_id == "77")).all() == []
    assert [e.action for e in audit_trail(session, action_prefix="link_code.locked")] == ["link_code.locked"]


def test_wrong_codes_spread_over_more_than_an_hour_do_not_lock(session: Session) -> None:
    for minutes in range(0, 8 * 20, 20):
        with pytest.raises(LinkCodeInvalid):
            linking.redeem_link_code(session, "telegram", 9, "ZZZZ-ZZZZ", NOW + timedelta(minutes=minutes),
                                     hasher=CHEAP)


def test_two_thousand_random_guesses_from_four_hundred_chats_link_nothing(session: Session) -> None:
    people = [make_person(session, name=f"P{i}") for i in range(3)]
    codes = {linking.issue_link_code(session, SYSTEM, person_id=p.id, now=NOW, hasher=CHEAP) for p in people}
    rng = random.Random(20270609)
    outcomes: dict[str, int] = {}
    guesses = 0
    # Like an attacker with many chats: each chat makes five guesses before it is locked out.
    for chat in range(400):
        for _ in range(5):
            guess = "".join(rng.choice(linking.ALPHABET) for _ in range(linking.CODE_LENGTH))
            if linking.display_code(guess) in codes:  # pragma: no cover - about 1 in 300 million
                continue
            guesses += 1
            try:
                linking.redeem_link_code(session, "telegram", f"guess-{chat}", guess, NOW, hasher=CHEAP)
                outcomes["linked"] = outcomes.get("linked", 0) + 1
            except (LinkCodeInvalid, ChatLocked) as refused:
                outcomes[type(refused).__name__] = outcomes.get(type(refused).__name__, 0) + 1
    assert guesses >= 1999
    assert "linked" not in outcomes
    assert outcomes == {"LinkCodeInvalid": 4 * 400, "ChatLocked": guesses - 4 * 400}
    assert session.scalars(select(ChatLink)).all() == []
    assert all(row.used_at is None for row in session.scalars(select(LinkCode)))


def test_the_real_hash_cost_works_end_to_end(session: Session) -> None:
    person = make_person(session)
    hasher = linking.CodeHasher(pepper="a secret kept outside the database")
    code = linking.issue_link_code(session, SYSTEM, person_id=person.id, now=NOW, hasher=hasher)
    with pytest.raises(LinkCodeInvalid):
        linking.redeem_link_code(session, "telegram", 3, code, NOW, hasher=linking.CodeHasher())
    assert linking.redeem_link_code(session, "telegram", 3, code, NOW, hasher=hasher).person_id == person.id


def test_unlinking_a_chat(session: Session) -> None:
    person = make_person(session)
    code = linking.issue_link_code(session, SYSTEM, person_id=person.id, now=NOW, hasher=CHEAP)
    linking.redeem_link_code(session, "terminal", "me", code, NOW, hasher=CHEAP)
    assert linking.unlink_chat(session, "terminal", "me", actor=PersonActor(person.id), now=NOW)
    assert linking.chat_link_for(session, "terminal", "me") is None
    assert not linking.unlink_chat(session, "terminal", "me", now=NOW)


def test_normalising_codes() -> None:
    assert linking.normalise_code(" k7qm-4xtr ") == "K7QM4XTR"
    assert linking.normalise_code("K7QM 4XTR") == "K7QM4XTR"
    assert linking.normalise_code("K7QM4XT0") is None  # zero is not in the alphabet
    assert linking.normalise_code("K7QM4XT") is None
    assert linking.display_code("K7QM4XTR") == "K7QM-4XTR"
    assert not set("01ILO") & set(linking.ALPHABET)
    assert len({linking.new_code() for _ in range(200)}) == 200
