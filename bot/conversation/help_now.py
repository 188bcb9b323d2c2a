"""Help now in the chat: the crisis answer first, then places open now and telling the worker.

`crisis_first` runs before anything else reads a message (handlers.dispatch), in every state of the
chat. The words come from content/help-now (journeys.help_now), in the chat's language. The message
itself is never stored: not as a glossary gap, not in the chat's state, not in a note to a worker.

Buttons are `h:<what>:<kind>`: `h:k:<kind>` one kind's answer, `h:open:<kind>` places open now,
`h:tell:<kind>` asks before telling the worker, `h:yes:<kind>` tells them. The Help now button on the
menu is `m:help_now`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from bot.conversation.state import Waiting
from bot.messages import Button, Reply
from casefile import errors, people, urgent
from casefile.actors import PersonActor
from casefile.sms_consent import SMS as SMS_CHANNEL
from journeys.help_now import CrisisKind, Detection, HelpNow

if TYPE_CHECKING:
    from bot.conversation.turn import Turn

Buttons = tuple[tuple[Button, ...], ...]
# Marks the crisis answer, so a channel never holds it back (a discreet text still carries it whole).
HELP_NOW_NOTE = "help_now"


class OpenPlaces(Protocol):
    """What "Places open now" lists: local places of some kinds, open or not, on the London clock."""

    def __call__(self, turn: Turn, categories: tuple[str, ...], now: datetime) -> tuple[list[str], list[str]]: ...


def detect(turn: Turn) -> Detection | None:
    """The crisis a typed message may be about. Buttons are never a crisis: their words are ours."""
    if turn.incoming.button is not None:
        return None
    return turn.journeys.help_now.detect(turn.incoming.text)


def crisis_first(turn: Turn, found: Detection) -> Reply:
    """The sure answer: kind words, what to do, the lines, then the Help now buttons. Nothing is kept."""
    turn.state.waiting = Waiting.NOTHING  # an awaited code or word waits no more: this comes first
    turn.state.unknown_term = None
    return kind_reply(turn, found.kind)


def gentle(turn: Turn) -> Reply:
    """A maybe: one kind line and the buttons, shown before the normal answer."""
    help_now = turn.journeys.help_now
    return Reply(text=help_now.word("gentle", turn.language), buttons=_choose_row(turn, help_now))


def choose(turn: Turn) -> Reply:
    """The menu's Help now: which kind of help, with 999 said first."""
    help_now = turn.journeys.help_now
    language = turn.language
    rows = tuple((Button(kind.label.get(language) or kind.label["en"], f"h:k:{kind.key}"),)
                 for kind in help_now.kinds.values())
    lines = [help_now.lines[key] for key in ("emergency", "samaritans") if key in help_now.lines]
    body = "\n\n".join([help_now.word("choose", language), *(_line_text(line.name, language) for line in lines)])
    return Reply(text=body, buttons=(*rows, (Button(help_now.word("menu", language), "m:menu"),)))


def kind_reply(turn: Turn, kind_key: str) -> Reply:
    help_now = turn.journeys.help_now
    kind = help_now.kinds.get(kind_key)
    if kind is None:
        return choose(turn)
    language = turn.language
    by_text = turn.incoming.channel == SMS_CHANNEL
    parts = [_line_text(kind.say, language)]
    # By text message the answer stays short and complete: what to do now, and every line's number, not
    # the extra step.
    if kind.more and not by_text:
        parts.append(_line_text(kind.more, language))
    lines = [_line_text(line.name, language) for line in help_now.lines_for(kind)]
    parts += [numbers_only(line) for line in lines] if by_text else lines
    return Reply(text="\n\n".join(parts), buttons=_buttons(turn, help_now, kind), notes=(HELP_NOW_NOTE,))


def button(turn: Turn, rest: str, open_places: OpenPlaces) -> list[Reply]:
    what, _sep, kind_key = rest.partition(":")
    help_now = turn.journeys.help_now
    kind = help_now.kinds.get(kind_key)
    if kind is None:
        return [choose(turn)]
    if what == "k":
        return [kind_reply(turn, kind.key)]
    if what == "open":
        return [_places(turn, help_now, kind, open_places)]
    if what == "tell":
        return [_ask_to_tell(turn, help_now, kind)]
    if what == "yes":
        return [_tell(turn, help_now, kind)]
    return [choose(turn)]


# -- the buttons' answers -----------------------------------------------------------------------------
def _places(turn: Turn, help_now: HelpNow, kind: CrisisKind, open_places: OpenPlaces) -> Reply:
    language = turn.language
    open_now, later = open_places(turn, kind.places, turn.now) if kind.places else ([], [])
    parts: list[str] = []
    if open_now:
        parts.append(help_now.word("open_now", language) + "\n" + "\n".join(open_now))
    if not open_now:
        always = [line for line in help_now.lines_for(kind) if line.hours == "any time"] or [
            help_now.lines[key] for key in ("emergency", "samaritans") if key in help_now.lines]
        parts.append(help_now.word("nothing_open", language) + "\n" + "\n".join(
            _line_text(line.name, language) for line in always))
    if later:
        parts.append(help_now.word("opens_later", language) + "\n" + "\n".join(later))
    return Reply(text="\n\n".join(parts), buttons=_buttons(turn, help_now, kind, places=False),
                 notes=(HELP_NOW_NOTE,))


def _ask_to_tell(turn: Turn, help_now: HelpNow, kind: CrisisKind) -> Reply:
    language = turn.language
    if turn.person_id is None:
        return Reply(text=help_now.word("not_linked", language), buttons=_buttons(turn, help_now, kind, tell=False))
    label = _line_text(kind.label, language).casefold()
    body = help_now.word("tell_confirm", language, lead=_lead_name(turn, help_now), label=label)
    return Reply(text=body, buttons=((Button(help_now.word("yes_tell", language), f"h:yes:{kind.key}"),
                                      Button(help_now.word("no_thanks", language), f"h:k:{kind.key}")),))


def _tell(turn: Turn, help_now: HelpNow, kind: CrisisKind) -> Reply:
    language = turn.language
    if turn.person_id is None:
        return Reply(text=help_now.word("not_linked", language), buttons=_buttons(turn, help_now, kind, tell=False))
    try:
        raised = urgent.raise_urgent(turn.session, PersonActor(turn.person_id), turn.person_id, kind.key,
                                     now=turn.now)
    except errors.CasefileError:
        turn.session.rollback()
        return Reply(text=help_now.word("not_linked", language), buttons=_buttons(turn, help_now, kind, tell=False))
    if not raised.told:  # nobody on the team yet: say so, and give the numbers again
        return Reply(text=help_now.word("no_team", language), buttons=_buttons(turn, help_now, kind, tell=False))
    told = raised.told[0] if len(raised.told) == 1 else help_now.word("your_team", language)
    return Reply(text=help_now.word("told", language, lead=told), buttons=_buttons(turn, help_now, kind, tell=False))


def _lead_name(turn: Turn, help_now: HelpNow) -> str:
    assert turn.person_id is not None
    members = people.team_of(turn.session, turn.person_id)
    leads = [member.name for member in members if member.is_lead]
    if len(leads) == 1:
        return leads[0]
    if len(members) == 1:
        return members[0].name
    return help_now.word("your_team", turn.language)


def _buttons(turn: Turn, help_now: HelpNow, kind: CrisisKind, *, places: bool = True, tell: bool = True) -> Buttons:
    language = turn.language
    row = []
    if places and kind.places:
        row.append(Button(help_now.word("places", language), f"h:open:{kind.key}"))
    if tell:
        row.append(Button(help_now.word("tell", language), f"h:tell:{kind.key}"))
    return (tuple(row), (Button(help_now.word("menu", language), "m:menu"),)) if row else (
        (Button(help_now.word("menu", language), "m:menu"),),)


def _choose_row(turn: Turn, help_now: HelpNow) -> Buttons:
    language = turn.language
    return ((Button(help_now.word("help_now", language), "m:help_now"),
             Button(help_now.word("menu", language), "m:menu")),)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def numbers_only(line: str) -> str:
    """A line's sentences that carry a number to call or text ("Samaritans: call 116 123."), for a text
    message; the whole line when none does."""
    kept = [sentence for sentence in _SENTENCE_END.split(line) if any(char.isdigit() for char in sentence)]
    return " ".join(kept) or line


def _line_text(texts: Mapping[str, str], language: str) -> str:
    """A text in the chat's language; English when an editor has not written that language yet."""
    return texts.get(language) or texts.get("en", "")
