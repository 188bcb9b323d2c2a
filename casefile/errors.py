"""What can go wrong in the case file, each with a message plain enough to show as it is."""

from __future__ import annotations

from datetime import datetime

from casefile.clock import LONDON


class CasefileError(Exception):
    """Base for every case-file error. `message` is kind, plain English, safe to show."""

    default_message = "Something went wrong with the case file."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class SchemaOutdated(CasefileError):
    default_message = "The database needs updating. Run: signpost db upgrade"


class PermissionDenied(CasefileError):
    default_message = "Sorry, you cannot see or change this. It is not on your list."


class ConflictError(CasefileError):
    default_message = (
        "Someone else changed this a moment ago, so your change was not saved. "
        "Please look at the new details and try again."
    )


class NotFound(CasefileError):
    default_message = "Sorry, we could not find that."


class CaseFileBusy(CasefileError):
    """Another writer held the case file for longer than the busy timeout; nothing was saved."""

    default_message = "The case file is busy, try again in a moment. Nothing was saved."


class CaseFileFull(CasefileError):
    """The database's disk is full; nothing was saved."""

    default_message = (
        "The case file could not save this, because its disk is full. Nothing was saved. "
        "Please tell the person who runs Signpost."
    )


class InvalidInput(CasefileError):
    default_message = "Sorry, some of those details do not look right."


class LinkCodeError(CasefileError):
    """Base for everything that can go wrong when a chat sends a link code."""


class LinkCodeInvalid(LinkCodeError):
    default_message = (
        "That code did not work. Please check it and try again. "
        "Your key worker can give you a new code."
    )


class LinkCodeExpired(LinkCodeInvalid):
    default_message = "That code has run out. Please ask your key worker for a new one."


class LinkCodeUsed(LinkCodeInvalid):
    default_message = "That code has been used already. Please ask your key worker for a new one."


class ChatLocked(LinkCodeError):
    """Too many wrong codes from one chat. `until` is when it may try again (aware UTC)."""

    def __init__(self, until: datetime) -> None:
        self.until = until
        local = until.astimezone(LONDON).strftime("%H:%M")
        super().__init__(
            f"That was too many wrong codes. Please wait until {local} and try again. "
            "Your key worker can help if you are stuck."
        )
