import pytest

from bot.conversation.intents import Intent, route

ROUTED = [
    ("Where am I?", Intent.WHERE),
    ("what happens next", Intent.WHERE),
    ("when do i get out", Intent.WHERE),
    ("my licence conditions", Intent.WHERE),
    ("Ble ydw i?", Intent.WHERE),
    ("gdzie jestem", Intent.WHERE),
    ("who is my probation officer", Intent.TEAM),
    ("My team", Intent.TEAM),
    ("who can help me with housing", Intent.TEAM),
    ("mój zespół", Intent.TEAM),
    ("next appointment", Intent.APPOINTMENTS),
    ("apointment", Intent.APPOINTMENTS),
    ("spotkanie", Intent.APPOINTMENTS),
    ("apwyntiad", Intent.APPOINTMENTS),
    ("I have no money", Intent.MONEY),
    ("universal credit", Intent.MONEY),
    ("pieniądze", Intent.MONEY),
    ("pharmacy", Intent.PHARMACY),
    ("pharmacey", Intent.PHARMACY),
    ("where is the chemist", Intent.PHARMACY),
    ("apteka", Intent.PHARMACY),
    ("help", Intent.HELP),
    ("pomoc", Intent.HELP),
    ("change language", Intent.LANGUAGE),
    ("Cymraeg", Intent.LANGUAGE),
    ("menu", Intent.MENU),
    ("what does this mean", Intent.MEANING),
]


@pytest.mark.parametrize(("text", "intent"), ROUTED)
def test_questions_route_to_their_menu_answer(text: str, intent: Intent) -> None:
    assert route(text) is intent


@pytest.mark.parametrize(
    "text",
    ["hello", "ok", "MAPPA", "what is HDC", "thanks", "", "   ", "🙂", "so", "recall",
     "I went to the shop and then I came back home and had my tea and it was nice and warm"],
)
def test_other_messages_route_nowhere(text: str) -> None:
    assert route(text) is None


def test_short_everyday_words_never_match_by_typo() -> None:
    # "mony" is one letter from "money" but too short to guess from.
    assert route("mony") is None
