"""Who is acting on the case file. Every service call names its actor; the audit trail records it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StaffActor:
    """A key worker. Until staff accounts exist, the Worker row is the staff identity."""

    worker_id: int


@dataclass(frozen=True)
class PersonActor:
    """The person the record is about, talking through a linked chat."""

    person_id: int


@dataclass(frozen=True)
class SystemActor:
    """Signpost itself: an import, the command line, the reminders. Audited under its name."""

    name: str


Actor = StaffActor | PersonActor | SystemActor


def actor_kind(actor: Actor) -> str:
    if isinstance(actor, StaffActor):
        return "staff"
    if isinstance(actor, PersonActor):
        return "person"
    return "system"


def actor_id(actor: Actor) -> int | None:
    if isinstance(actor, StaffActor):
        return actor.worker_id
    if isinstance(actor, PersonActor):
        return actor.person_id
    return None


def actor_label(actor: Actor) -> str:
    """'staff:12', 'person:3' or 'system:import'."""
    if isinstance(actor, SystemActor):
        return f"system:{actor.name}"
    return f"{actor_kind(actor)}:{actor_id(actor)}"
