"""Where am I, Money and Pharmacy: the person's case file mapped onto the journeys content.

`journeys/` knows nothing of the case file; this module turns a `PersonView` into its plain inputs
and renders the answers with the journeys templates.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from bot import i18n
from bot.conversation.intents import Intent
from bot.messages import Reply
from casefile.views import PersonView
from journeys import calendar, money, pharmacy, stages, timeline, where

if TYPE_CHECKING:
    from bot.conversation.core import Conversation, Turn

PHARMACY_DAYS_SHOWN = 7


@dataclass(frozen=True)
class JourneyContent:
    stages: stages.StageCatalog
    money: money.MoneyCatalog
    holidays: calendar.BankHolidays


class JourneyContentCache:
    """The journeys content, loaded once and again only when one of its files changes."""

    CHECK_EVERY_SECONDS = 1.0  # how stale an editor's change may be; saves a folder scan per answer

    def __init__(self, content_dir: Path) -> None:
        self.content_dir = content_dir
        self._lock = threading.Lock()
        self._stamp: tuple[tuple[str, int], ...] | None = None
        self._content: JourneyContent | None = None
        self._checked_at = 0.0

    def current(self) -> JourneyContent:
        now = time.monotonic()
        if self._content is not None and now - self._checked_at < self.CHECK_EVERY_SECONDS:
            return self._content
        self._checked_at = now
        stamp = tuple(
            (path.name, path.stat().st_mtime_ns) for path in sorted((self.content_dir / "journeys").glob("*.yaml"))
        )
        with self._lock:
            if self._content is None or stamp != self._stamp:
                self._content = JourneyContent(
                    stages=stages.load_stages(self.content_dir),
                    money=money.load_money(self.content_dir),
                    holidays=calendar.load_bank_holidays(self.content_dir),
                )
                self._stamp = stamp
            return self._content


def _today(turn: Turn) -> date:
    return turn.now.astimezone(i18n.LONDON).date()


# -- where am I -----------------------------------------------------------------------------------
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


def answer_where(conversation: Conversation, turn: Turn, view: PersonView) -> list[Reply]:
    content = conversation.journeys.current()
    answer = where.where_am_i(journey_facts(view), _today(turn), content.stages, language=turn.language,
                              holidays=content.holidays)
    picture = _timeline_png(tuple(answer.timeline_stages), answer.stage.key, turn.language, answer.labels)
    caption = f"{answer.labels.you_are_here}: {answer.stage.title}"
    body = conversation.render("journeys/where.txt.j2", turn.language, answer=answer)
    return [Reply(text=caption, photo_png=picture), conversation.answer(turn, body)]


@lru_cache(maxsize=128)
def _timeline_png(path: tuple[tuple[str, str], ...], current: str, language: str,
                  labels: stages.TimelineLabels) -> bytes:
    return timeline.draw_timeline(list(path), current, language, labels=labels)


# -- money ----------------------------------------------------------------------------------------
def answer_money(conversation: Conversation, turn: Turn, view: PersonView) -> Reply:
    content = conversation.journeys.current()
    release_day = view.dates.release_date
    if release_day is None:
        return conversation.answer(turn, conversation.render("chat/money_no_release.txt.j2", turn.language))
    claim = view.benefit_claim
    facts = money.ClaimFacts(claim.claimed_on, frozenset(claim.steps_done)) if claim is not None else None
    plan = money.money_plan(release_day, facts, _today(turn), catalog=content.money, language=turn.language,
                            holidays=content.holidays)
    body = conversation.render("journeys/money.txt.j2", turn.language, plan=plan, release_date=release_day)
    return conversation.answer(turn, body)


# -- pharmacy -------------------------------------------------------------------------------------
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


def answer_pharmacy(conversation: Conversation, turn: Turn, view: PersonView) -> Reply:
    facts = pharmacy_facts(view)
    if facts is None:
        return conversation.answer(turn, conversation.render("chat/pharmacy_none.txt.j2", turn.language))
    content = conversation.journeys.current()
    answer = pharmacy.pharmacy_answer(facts, _today(turn), content.holidays, days=PHARMACY_DAYS_SHOWN)
    return conversation.answer(turn, conversation.render("journeys/pharmacy.txt.j2", turn.language, answer=answer))


# -- without a linked file ------------------------------------------------------------------------
def general(conversation: Conversation, turn: Turn, intent: Intent) -> list[Reply]:
    """The general version of each answer, for a chat that has not sent its code yet."""
    content = conversation.journeys.current()
    if intent is Intent.WHERE:
        custody = [stage.text(turn.language) for stage in content.stages.on_path(where.CUSTODY)]
        community = [stage.text(turn.language) for stage in content.stages.on_path(where.COMMUNITY)]
        body = conversation.render("chat/general_where.txt.j2", turn.language, custody=custody, community=community)
        return [conversation.answer(turn, body)]
    if intent is Intent.MONEY:
        today = _today(turn)
        plan = money.money_plan(today, None, today, catalog=content.money, language=turn.language,
                                holidays=content.holidays)
        body = conversation.render("chat/general_money.txt.j2", turn.language, plan=plan)
        return [conversation.answer(turn, body)]
    template = {
        Intent.TEAM: "chat/general_team.txt.j2",
        Intent.PHARMACY: "chat/general_pharmacy.txt.j2",
    }.get(intent, "chat/not_linked.txt.j2")
    return [conversation.answer(turn, conversation.render(template, turn.language))]
