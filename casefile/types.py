"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect
from sqlalchemy.types import TypeDecorator


class NaiveDateTimeError(ValueError):
    """A time without a time zone reached the database; we cannot know which clock it was read from."""


class UTCDateTime(TypeDecorator[datetime]):
    """A moment in time, stored in UTC and always handed back as an aware UTC datetime.

    PostgreSQL keeps `timestamptz`; SQLite has no time zones, so it gets the UTC wall-clock time.
    Naive datetimes are refused because guessing their zone is how reminders end up an hour out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise NaiveDateTimeError("datetimes stored in the case file must carry a time zone")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
