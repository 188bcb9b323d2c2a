"""Answers from the questions library (content/questions), personal where the person's file allows.

A sure match shows the card; a close call offers the top three as buttons (`q:<card id>`); nothing close
gets an honest "I can't answer that yet" with who can help, and, with the person's yes (`ask:yes`), the
question goes to the editors without who asked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.conversation import person_answers
from bot.conversation.places import open_places
from bot.messages import Button, Reply
from casefile import gaps
from glossary.question_match import Confidence, QuestionMatch
from glossary.questions import QuestionCard
from journeys.stages import UnknownStageError

if TYPE_CHECKING:
    from bot.conversation.turn import Turn

MAX_BUTTON_LABEL = 60


def match(turn: Turn, text: str) -> QuestionMatch | None:
    return turn.questions_index.match(text)


def answer(turn: Turn, found: QuestionMatch) -> Reply:
    if found.confidence is Confidence.SURE:
        return card_reply(turn, found.cards[0])
    language = turn.language
    rows = tuple((Button(_ask_label(card, language), f"q:{card.id}"),) for card in found.cards)
    return Reply(text=turn.render("chat/question_choices.txt.j2", language), buttons=(*rows, *turn.menu_row(language)))


def button(turn: Turn, card_id: str) -> Reply | None:
    card = turn.questions_library.get(card_id)
    return None if card is None else card_reply(turn, card)


def card_reply(turn: Turn, card: QuestionCard) -> Reply:
    language = turn.language
    context: dict[str, object] = {"conditions": [], "lead": None, "next": None, "stage": "", "dates": None}
    if turn.linked and card.personal:
        view = person_answers.view_for(turn)
        if "licence_conditions" in card.personal:
            context["conditions"] = [condition.plain or condition.official for condition in view.licence_conditions]
        if "lead" in card.personal:
            context["lead"] = view.lead
        if "next_appointment" in card.personal:
            context["next"] = view.next_appointment
        if "stage" in card.personal and view.stage:
            try:
                context["stage"] = turn.journeys.stages.get(view.stage).text(language).title
            except UnknownStageError:
                context["stage"] = ""
        if "key_dates" in card.personal:
            context["dates"] = view.dates
    wales = card.text(card.wales, language) if card.wales else ""
    body = turn.render("chat/question.txt.j2", language, answer=card.text(card.answer, language),
                       do=card.text(card.do, language), wales=wales, sources=_sites(card.sources), **context)
    places = _places_now(turn, card.places) if card.places else ""
    if places:
        body += "\n\n" + places
    return turn.answer(body)


def _places_now(turn: Turn, categories: tuple[str, ...]) -> str:
    """What the local directory has open now for this question, or when it opens, on the London clock."""
    help_now = turn.journeys.help_now
    open_now, later = open_places(turn, categories, turn.now)
    if open_now:
        return help_now.word("open_now", turn.language) + "\n" + "\n".join(open_now)
    if later:
        return help_now.word("opens_later", turn.language) + "\n" + "\n".join(later)
    return ""


def cannot_answer(turn: Turn, text: str) -> Reply:
    """Honest, with who can help now, and an offer to send the question on without the person's name."""
    lead = person_answers.view_for(turn).lead if turn.linked else None
    body = turn.render("chat/cannot_answer.txt.j2", turn.language, lead=lead, linked=turn.linked)
    _ = turn.gettext(turn.language)
    if turn.crisis is not None:  # a message that may be a crisis is never sent anywhere
        return Reply(text=body.rsplit("\n\n", 1)[0], buttons=turn.menu_buttons(turn.language))
    turn.state.pending_question = text[:gaps.QUESTION_LIMIT]
    return Reply(text=body, buttons=((Button(_("Yes, send it"), "ask:yes"), Button(_("No, thanks"), "m:menu")),))


def send_question(turn: Turn) -> Reply:
    _ = turn.gettext(turn.language)
    question = turn.state.pending_question
    turn.state.pending_question = None
    if question:
        gaps.record_question(turn.session, question, turn.language, now=turn.now)
        return Reply(text=_("Thank you. I have sent your question, without your name."),
                     buttons=turn.menu_buttons(turn.language))
    return Reply(text=_("That question has run out. Please ask it again."), buttons=turn.menu_buttons(turn.language))


def _ask_label(card: QuestionCard, language: str) -> str:
    asks = card.asks.get(language) or card.asks.get("en") or (card.id,)
    label = asks[0]
    label = label[0].upper() + label[1:]
    return label if len(label) <= MAX_BUTTON_LABEL else label[: MAX_BUTTON_LABEL - 1] + "…"


def _sites(sources: tuple[str, ...]) -> str:
    """"gov.uk, nacro.org.uk": where a card comes from, short enough to read."""
    sites = dict.fromkeys(urlsplit(address).netloc.removeprefix("www.") for address in sources)
    return ", ".join(sites)
