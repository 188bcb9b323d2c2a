"""Where am I, Money and Pharmacy: the chat's answers from the journeys content.

A `PersonView` becomes the journeys' plain inputs through `journeys.person_facts` (the one mapping,
shared with the planner and the console); this module renders the answers with the journeys templates.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from bot.conversation.intents import Intent
from bot.messages import Reply
from casefile.sms_consent import SMS as SMS_CHANNEL
from casefile.views import PersonView
from journeys import money, pharmacy, stages, timeline, where
from journeys.person_facts import claim_facts, journey_facts, pharmacy_facts

if TYPE_CHECKING:
    from bot.conversation.turn import Turn

PHARMACY_DAYS_SHOWN = 7
# Marks the reply that carries the journey picture where a channel cannot show one (bot.channels.sms).
PICTURE_NOTE = "picture"


# -- where am I -----------------------------------------------------------------------------------
def answer_where(turn: Turn, view: PersonView) -> list[Reply]:
    content = turn.journeys
    answer = where.where_am_i(journey_facts(view), turn.today, content.stages, language=turn.language,
                              holidays=content.holidays)
    caption = f"{answer.labels.you_are_here}: {answer.stage.title}"
    body = turn.render("journeys/where.txt.j2", turn.language, answer=answer)
    if turn.incoming.channel == SMS_CHANNEL:  # a text cannot carry the picture: it is not drawn, only named
        return [Reply(text=caption, notes=(PICTURE_NOTE,)), turn.answer(body)]
    picture = _timeline_png(tuple(answer.timeline_stages), answer.stage.key, turn.language, answer.labels)
    return [Reply(text=caption, photo_png=picture), turn.answer(body)]


@lru_cache(maxsize=128)
def _timeline_png(path: tuple[tuple[str, str], ...], current: str, language: str,
                  labels: stages.TimelineLabels) -> bytes:
    return timeline.draw_timeline(list(path), current, language, labels=labels)


# -- money ----------------------------------------------------------------------------------------
def answer_money(turn: Turn, view: PersonView) -> Reply:
    content = turn.journeys
    release_day = view.dates.release_date
    if release_day is None:
        return turn.answer(turn.render("chat/money_no_release.txt.j2", turn.language))
    plan = money.money_plan(release_day, claim_facts(view), turn.today, catalog=content.money, language=turn.language,
                            holidays=content.holidays)
    body = turn.render("journeys/money.txt.j2", turn.language, plan=plan, release_date=release_day)
    return turn.answer(body)


# -- pharmacy -------------------------------------------------------------------------------------
def answer_pharmacy(turn: Turn, view: PersonView) -> Reply:
    facts = pharmacy_facts(view)
    if facts is None:
        return turn.answer(turn.render("chat/pharmacy_none.txt.j2", turn.language))
    content = turn.journeys
    answer = pharmacy.pharmacy_answer(facts, turn.today, content.holidays, days=PHARMACY_DAYS_SHOWN)
    return turn.answer(turn.render("journeys/pharmacy.txt.j2", turn.language, answer=answer))


# -- without a linked file ------------------------------------------------------------------------
def general(turn: Turn, intent: Intent) -> list[Reply]:
    """The general version of each answer, for a chat that has not sent its code yet."""
    content = turn.journeys
    if intent is Intent.WHERE:
        custody = [stage.text(turn.language) for stage in content.stages.on_path(where.CUSTODY)]
        community = [stage.text(turn.language) for stage in content.stages.on_path(where.COMMUNITY)]
        body = turn.render("chat/general_where.txt.j2", turn.language, custody=custody, community=community)
        return [turn.answer(body)]
    if intent is Intent.MONEY:
        today = turn.today
        plan = money.money_plan(today, None, today, catalog=content.money, language=turn.language,
                                holidays=content.holidays)
        body = turn.render("chat/general_money.txt.j2", turn.language, plan=plan)
        return [turn.answer(body)]
    template = {
        Intent.TEAM: "chat/general_team.txt.j2",
        Intent.PHARMACY: "chat/general_pharmacy.txt.j2",
    }.get(intent, "chat/not_linked.txt.j2")
    return [turn.answer(turn.render(template, turn.language))]
