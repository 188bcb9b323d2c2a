"""Places open now, from the local services directory (casefile.services) on the London clock.

Used by Help now's "Places open now" button. Bank holidays are journeys' England and Wales calendar.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from casefile import services

if TYPE_CHECKING:
    from bot.conversation.turn import Turn

MOST_SHOWN = 5  # a phone screen: the rest are a call away


def open_places(turn: Turn, categories: tuple[str, ...], now: datetime) -> tuple[list[str], list[str]]:
    """Lines for the places of these kinds open now, then for the soonest to open; each place once."""
    holidays = turn.journeys.holidays
    open_now: dict[int, services.ServiceNow] = {}
    later: dict[int, services.ServiceNow] = {}
    for category in categories:
        answer = services.open_now(turn.session, now, holidays.is_holiday, category=category)
        for item in answer.open:
            open_now.setdefault(item.service.id, item)
        for item in answer.closed:
            later.setdefault(item.service.id, item)
    soonest = sorted((item for key, item in later.items() if key not in open_now and item.state.opens is not None),
                     key=lambda item: (item.state.opens, item.service.name))
    return ([_line(item) for item in list(open_now.values())[:MOST_SHOWN]],
            [_line(item) for item in soonest[:MOST_SHOWN]])


def _line(item: services.ServiceNow) -> str:
    place = item.place
    parts = [f"{item.service.name}: {item.text()}."]
    if item.service.phone:
        parts.append(f"Call {item.service.phone}.")
    if place is not None and place.text():
        parts.append(place.text())
    return "- " + " ".join(parts)
