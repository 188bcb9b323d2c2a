from bot.conversation.state import ChatStates, Waiting


def test_each_chat_has_its_own_state() -> None:
    states = ChatStates()
    states.get("telegram", "1").waiting = Waiting.CODE
    assert states.get("telegram", "1").waiting is Waiting.CODE
    assert states.get("telegram", "2").waiting is Waiting.NOTHING
    assert states.get("terminal", "1").waiting is Waiting.NOTHING


def test_listen_tokens_only_work_in_the_chat_they_were_given_to() -> None:
    states = ChatStates()
    token = states.remember_answer("telegram", "1", "Your licence ends soon.", "en")
    assert states.answer_for("telegram", "1", token) == ("Your licence ends soon.", "en")
    assert states.answer_for("telegram", "2", token) is None
    assert states.answer_for("telegram", "1", "forged") is None


def test_forgetting_a_chat_drops_its_answers() -> None:
    states = ChatStates()
    token = states.remember_answer("telegram", "1", "text", "cy")
    states.get("telegram", "1").language = "cy"
    states.forget("telegram", "1")
    assert states.answer_for("telegram", "1", token) is None
    assert states.get("telegram", "1").language is None


def test_memory_is_bounded() -> None:
    states = ChatStates(max_chats=3, max_answers=2)
    for chat in range(10):
        states.get("telegram", str(chat)).language = "pl"
    assert states.get("telegram", "0").language is None  # the oldest chat was dropped
    first = states.remember_answer("telegram", "1", "a", "en")
    states.remember_answer("telegram", "1", "b", "en")
    states.remember_answer("telegram", "1", "c", "en")
    assert states.answer_for("telegram", "1", first) is None
