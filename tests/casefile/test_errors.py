"""Every case-file error carries a short, kind message that can be shown as it is."""

from __future__ import annotations

from datetime import UTC, datetime

from casefile import errors


def _all_errors() -> list[errors.CasefileError]:
    found: list[errors.CasefileError] = []
    pending = [errors.CasefileError]
    while pending:
        kind = pending.pop()
        # Only the errors defined here: other modules' subclasses carry their own messages.
        pending.extend(sub for sub in kind.__subclasses__() if sub.__module__ == errors.__name__)
        if kind is errors.ChatLocked:
            found.append(errors.ChatLocked(datetime(2027, 1, 10, 15, 5, tzinfo=UTC)))
        else:
            found.append(kind())
    return found


def test_messages_are_plain_short_sentences() -> None:
    messages = [error.message for error in _all_errors()]
    assert len(messages) >= 11
    for message in messages:
        assert message == message.strip() and message[-1] in ".:" or "signpost db upgrade" in message
        sentences = [part for part in message.replace("Run:", "Run.").split(". ") if part]
        assert all(len(sentence.split()) <= 20 for sentence in sentences), message
        assert "Traceback" not in message and "Exception" not in message


def test_chat_locked_says_when_on_the_london_clock() -> None:
    locked = errors.ChatLocked(datetime(2027, 1, 10, 15, 5, tzinfo=UTC))  # winter: London is UTC
    assert "wait until 15:05" in locked.message
    summer = errors.ChatLocked(datetime(2027, 7, 10, 15, 5, tzinfo=UTC))
    assert "wait until 16:05" in summer.message
    assert isinstance(locked, errors.LinkCodeError) and isinstance(errors.LinkCodeUsed(), errors.LinkCodeError)
    assert str(locked) == locked.message
