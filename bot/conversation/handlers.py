"""Which answer each command, button and free text gets. Wording lives in content/templates/chat."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot import i18n
from bot.conversation import help_now, person_answers, question_answers, worker_answers
from bot.conversation.intents import Intent, route, strong_route
from bot.conversation.places import open_places
from bot.conversation.state import Waiting
from bot.messages import Button, Reply
from bot.replies import glossary as glossary_replies
from casefile import gaps, linking
from glossary.question_match import Confidence

if TYPE_CHECKING:
    from bot.conversation.turn import Turn

_COMMAND = re.compile(r"^/([a-zA-Z_]+)(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)
# A link code as printed on the release pack: two groups of four, K7QM-4XTR.
_PRINTED_CODE = re.compile(r"^[A-Za-z0-9]{4}[- ][A-Za-z0-9]{4}$")
MAX_TEXT = 4000  # longer messages are cut before any matching: a letter is never that long
SHORT_MESSAGE_WORDS = 4  # up to this many words, a menu phrase is a menu question
LETTER_WORDS = 30  # from this many words, a message is a letter pasted in: the glossary explains its words


def dispatch(turn: Turn) -> list[Reply]:
    """Route one message, top-down. First, in every chat and every state, a message that may be a crisis
    gets the Help now answer (bot.conversation.help_now): a sure one gets only that, a maybe gets a gentle
    line before its normal answer, and a key worker's message keeps its flow after it. Then a key worker's
    chat goes to worker_answers; otherwise a button (`_button`: m:, h:, q:, ask:, lang:, listen:, code,
    forget:, appt:, tell:, discreet:, rem:), then a /command (`_command`: start, stop, menu, help, language, forget,
    discreet, reminders), then free text (`_free_text`: the awaited answer, STOP, a link code, a short menu phrase,
    the questions library, a glossary word, and last an honest "I can't answer that yet")."""
    crisis = help_now.detect(turn)
    if crisis is not None and crisis.sure and turn.worker_id is None:
        return [help_now.crisis_first(turn, crisis)]
    turn.crisis = crisis
    replies = _route(turn)
    if crisis is None:
        return replies
    return [help_now.crisis_first(turn, crisis) if crisis.sure else help_now.gentle(turn), *replies]


def _route(turn: Turn) -> list[Reply]:
    incoming = turn.incoming
    if turn.worker_id is not None:
        return worker_answers.dispatch(turn)
    if incoming.button is not None:
        return _button(turn, incoming.button)
    raw = (incoming.text or "").strip()[:MAX_TEXT]
    command = _COMMAND.match(raw)
    if command:
        return _command(turn, command.group(1).lower(), (command.group(2) or "").strip())
    return _free_text(turn, raw)


# -- commands -----------------------------------------------------------------------------------
def _command(turn: Turn, name: str, argument: str) -> list[Reply]:
    if name == "start":
        return _start(turn, argument)
    if name == "stop":
        return person_answers.pause(turn, paused=True)
    if name in ("menu", "help"):
        return [_menu(turn) if name == "menu" else _help(turn)]
    if name == "language":
        return [_language_choice(turn)]
    if name == "forget":
        return [_forget_ask(turn)]
    if name == "discreet":
        return person_answers.toggle_discreet(turn)
    if name == "reminders":
        return [person_answers.reminder_channel_question(turn)]
    return [
        Reply(
            text=turn.render("chat/unknown_command.txt.j2", turn.language, command=name),
            buttons=turn.menu_buttons(turn.language),
        )
    ]


def _start(turn: Turn, argument: str) -> list[Reply]:
    replies: list[Reply] = []
    if turn.linked:
        if person_answers.view_for(turn).person.paused:
            replies += person_answers.pause(turn, paused=False)
        replies.append(_menu(turn))
        return replies
    if argument and _looks_like_code(argument):
        return person_answers.redeem_code(turn, argument)
    _ = turn.gettext(turn.language)
    turn.state.waiting = Waiting.CODE
    return [
        Reply(
            text=turn.render("chat/welcome.txt.j2", turn.language),
            buttons=(
                (Button(_("I have a code"), "code"), Button(_("No code yet"), "m:menu")),
                (Button(_("Language"), "m:language"),),
            ),
        )
    ]


# -- buttons ------------------------------------------------------------------------------------
def _button(turn: Turn, data: str) -> list[Reply]:
    kind, _sep, rest = data.partition(":")
    if kind == "m" and rest in {intent.value for intent in Intent}:
        return _intent(turn, Intent(rest))
    if kind == "h":
        return help_now.button(turn, rest, open_places)
    if kind == "q":
        card = question_answers.button(turn, rest)
        return [card] if card is not None else [_expired(turn)]
    if kind == "ask" and rest == "yes":
        return [question_answers.send_question(turn)]
    if kind == "lang" and rest in i18n.LANGUAGES:
        return [person_answers.set_language(turn, rest)]
    if kind == "listen":
        return [_listen(turn, rest)]
    if kind == "code" and not rest:
        turn.state.waiting = Waiting.CODE
        return [Reply(text=turn.render("chat/ask_code.txt.j2", turn.language))]
    if kind == "forget" and rest in ("yes", "no"):
        return [_forget_answer(turn, rest == "yes")]
    if kind == "appt":
        return person_answers.appointment_button(turn, rest)
    if kind == "tell" and rest == "lead":
        return person_answers.tell_lead(turn)
    if kind == "discreet" and rest in ("on", "off"):
        return person_answers.set_discreet(turn, rest == "on")
    if kind == "rem":
        return [person_answers.set_reminder_channel(turn, rest)]
    return [_expired(turn)]


def _expired(turn: Turn) -> Reply:
    """Unknown or forged button data: nothing happens except a way back to the menu."""
    return Reply(
        text=turn.render("chat/expired_button.txt.j2", turn.language),
        buttons=turn.menu_buttons(turn.language),
    )


def _intent(turn: Turn, intent: Intent) -> list[Reply]:
    turn.state.waiting = Waiting.NOTHING
    if intent is Intent.MENU:
        return [_menu(turn)]
    if intent is Intent.HELP:
        return [_help(turn)]
    if intent is Intent.HELP_NOW:
        return [help_now.choose(turn)]
    if intent is Intent.LANGUAGE:
        return [_language_choice(turn)]
    if intent is Intent.MEANING:
        turn.state.waiting = Waiting.WORD
        return [Reply(text=turn.render("chat/ask_word.txt.j2", turn.language), buttons=turn.menu_row(turn.language))]
    if intent is Intent.LISTEN:
        return [Reply(text=turn.render("chat/listen_how.txt.j2", turn.language), buttons=turn.menu_row(turn.language))]
    return person_answers.topic(turn, intent)


# -- free text ----------------------------------------------------------------------------------
def _free_text(turn: Turn, raw: str) -> list[Reply]:
    if not raw:
        return [_menu(turn)]
    waiting = turn.state.waiting
    turn.state.waiting = Waiting.NOTHING
    if waiting is Waiting.FORGET:
        return [_forget_answer(turn, raw.casefold() in _yes_words())]
    if raw.upper() == "STOP":
        return person_answers.pause(turn, paused=True)
    # A code is a single word; "what is ROTL" after the welcome is a question, and costs no try.
    if not turn.linked and (_looks_like_code(raw) or (waiting is Waiting.CODE and _could_be_code(raw))):
        return person_answers.redeem_code(turn, raw)
    if waiting is Waiting.WORD or glossary_replies.is_word_question(raw):
        return _explain(turn, raw, glossary_replies.answer_text(turn.content_dir, turn.glossary_index, raw,
                                                                turn.language, nation=turn.nation))
    # A short message is a menu question ("my team", "help"); a longer one is a real question first, so a
    # sentence that happens to say "help" or "money" is answered, not swallowed by the menu.
    if person_answers.says_cant_make_it(raw):  # even after "I'll be there": the answer changes, the worker hears
        cant = person_answers.cant_make_it_typed(turn)
        if cant is not None:
            return [cant]
    words = len(raw.split())
    intent = route(raw)
    if intent is not None and (words <= SHORT_MESSAGE_WORDS or strong_route(raw) is intent):
        return _intent(turn, intent)
    glossary = glossary_replies.answer_text(turn.content_dir, turn.glossary_index, raw, turn.language,
                                            nation=turn.nation)
    # A word the glossary knows ("what is HDC"), or a pasted letter full of them, is the glossary's.
    if glossary.found and (words <= SHORT_MESSAGE_WORDS or words >= LETTER_WORDS):
        return [turn.answer(glossary.text)]
    question = question_answers.match(turn, raw)
    if question is not None and question.confidence is Confidence.SURE:
        return [question_answers.answer(turn, question)]
    if glossary.found:
        return [turn.answer(glossary.text)]
    if question is not None:
        return [question_answers.answer(turn, question)]
    if intent is not None:
        return _intent(turn, intent)
    return _explain(turn, raw, glossary)


def _explain(turn: Turn, raw: str, answer: glossary_replies.GlossaryAnswer) -> list[Reply]:
    """The glossary's answer; for a word it does not know, "not yet" (noted for the editors), and for a
    sentence nothing answers, an honest "I can't answer that yet" with who can."""
    if answer.found:
        return [turn.answer(answer.text)]
    if len(raw.split()) > gaps.MAX_TERM_WORDS and not glossary_replies.is_word_question(raw):
        return [question_answers.cannot_answer(turn, raw)]
    # Only a term to explain is noted, never a sentence, and nothing from a message that may be a crisis.
    term = answer.unknown_term if answer.unknown_term and gaps.looks_like_term(answer.unknown_term) else None
    if turn.crisis is not None:
        term = None
    turn.state.unknown_term = term
    if term:
        gaps.record_unknown_term(turn.session, term, turn.language)
    extra: tuple[tuple[Button, ...], ...] = ()
    if turn.linked and term:
        _ = turn.gettext(turn.language)
        extra = ((Button(_("Tell my lead professional"), "tell:lead"),),)
    return [turn.answer(answer.text, extra=extra)]


def _yes_words() -> set[str]:
    return {"yes", "y", "ie", "iawn", "tak"}


def _could_be_code(raw: str) -> bool:
    """After "I have a code": one or two groups of letters and digits, 6 to 12 in all (typos included).

    A word with no digit is tried only when it has a code's length and only a code's letters: "thanks",
    "licence" or "hello" typed at the prompt is a message, not a wrong try that counts towards a lock.
    """
    parts = re.split(r"[-\s]+", raw.strip())
    compact = "".join(parts)
    if not (len(parts) <= 2 and 6 <= len(compact) <= 12 and compact.isascii() and compact.isalnum()):
        return False
    if any(char.isdigit() for char in compact):
        return True
    return len(compact) == linking.CODE_LENGTH and all(char in linking.ALPHABET for char in compact.upper())


def _looks_like_code(raw: str) -> bool:
    """A link code as printed (K7QM-4XTR), whenever it is sent. Without the dash, only if it has a digit:
    an eight-letter word such as STRENGTH is a question, and must not cost a try."""
    text = raw.strip()
    if linking.normalise_code(text) is None:
        return False
    return _PRINTED_CODE.match(text) is not None or any(char.isdigit() for char in text)


# -- menu, help, language, listen, forget ---------------------------------------------------------
def _menu(turn: Turn) -> Reply:
    return Reply(
        text=turn.render("chat/menu.txt.j2", turn.language, linked=turn.linked),
        buttons=turn.menu_buttons(turn.language),
    )


def _help(turn: Turn) -> Reply:
    return turn.answer(turn.render("chat/help.txt.j2", turn.language, linked=turn.linked))


def _language_choice(turn: Turn) -> Reply:
    return Reply(
        text=turn.render("chat/language.txt.j2", turn.language),
        buttons=tuple((Button(name, f"lang:{code}"),) for code, name in i18n.LANGUAGE_NAMES.items()),
    )


def _listen(turn: Turn, token: str) -> Reply:
    found = turn.spoken_answer(token)
    if found is None:
        return _expired(turn)
    spoken, language = found
    return Reply(voice_text=spoken, voice_language=language, buttons=turn.menu_row(turn.language))


def _forget_ask(turn: Turn) -> Reply:
    _ = turn.gettext(turn.language)
    turn.state.waiting = Waiting.FORGET
    return Reply(
        text=turn.render("chat/forget_confirm.txt.j2", turn.language, linked=turn.linked),
        buttons=((Button(_("Yes, forget me"), "forget:yes"), Button(_("No, keep it"), "forget:no")),),
    )


def _forget_answer(turn: Turn, confirmed: bool) -> Reply:
    turn.state.waiting = Waiting.NOTHING
    if not confirmed:
        return Reply(text=turn.render("chat/forget_kept.txt.j2", turn.language), buttons=turn.menu_buttons(turn.language))
    return person_answers.forget_chat(turn)
