"""Due times: offsets, the person's choices, quiet hours at both edges, and the clock changes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.settings import Settings
from casefile.reminder_rules import (
    LONDON,
    PersonChoices,
    QuietHours,
    RuleError,
    appointment_reminders,
    parse_kind_offsets,
    parse_offsets,
    parse_quiet_hours,
)

POLICY = Settings.built_in().reminder_policy
QUIET = QuietHours(time(21), time(8))


def london(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LONDON)  # type: ignore[misc]


def test_settings_are_read_and_bad_ones_explained() -> None:
    assert parse_offsets("2h, 24h,2h") == (timedelta(hours=24), timedelta(hours=2))
    assert parse_kind_offsets("health=48h,2h; jobcentre=1d") == {
        "health": (timedelta(hours=48), timedelta(hours=2)), "jobcentre": (timedelta(days=1),)}
    assert parse_quiet_hours("22:30-07:00") == QuietHours(time(22, 30), time(7))
    for bad, parser in (("soon", parse_offsets), ("15d", parse_offsets), ("21:00", parse_quiet_hours),
                        ("25:00-08:00", parse_quiet_hours), ("health", parse_kind_offsets)):
        with pytest.raises(RuleError):
            parser(bad)
    policy = Settings.from_env({"SIGNPOST_REMINDER_OFFSETS": "3h",
                                "SIGNPOST_REMINDER_KIND_OFFSETS": "health=1d"}).reminder_policy
    assert policy.offsets_for("Probation") == (timedelta(hours=3),)
    assert policy.offsets_for("health") == (timedelta(days=1),)


def test_quiet_hours_edges_are_allowed_and_the_middle_is_not() -> None:
    assert not QUIET.contains(london(2027, 6, 10, 21, 0))
    assert QUIET.contains(london(2027, 6, 10, 21, 0, 1))
    assert QUIET.contains(london(2027, 6, 11, 3, 0))
    assert not QUIET.contains(london(2027, 6, 11, 8, 0))


def test_a_reminder_in_quiet_hours_goes_to_the_edge_that_is_still_before_the_appointment() -> None:
    choices = PersonChoices()
    now = london(2027, 6, 1, 12, 0)
    at_0830 = appointment_reminders(POLICY, "probation", london(2027, 6, 11, 8, 30), now, choices)
    assert [r.due_at.astimezone(LONDON) for r in at_0830] == [london(2027, 6, 10, 8, 30), london(2027, 6, 11, 8, 0)]
    at_0800 = appointment_reminders(POLICY, "probation", london(2027, 6, 11, 8, 0), now, choices)
    assert at_0800[-1].due_at.astimezone(LONDON) == london(2027, 6, 10, 21, 0)
    # A 22:00 appointment: 24h before (22:00 the day before) is quiet; 08:00 on the day is the edge before it.
    at_2200 = appointment_reminders(POLICY, "probation", london(2027, 6, 11, 22, 0), now, choices)
    assert [r.due_at.astimezone(LONDON) for r in at_2200] == [london(2027, 6, 11, 8, 0), london(2027, 6, 11, 20, 0)]


def test_the_clock_changes_keep_reminders_on_the_london_wall_clock() -> None:
    now = london(2027, 3, 1, 12, 0)
    # Sunday 28 March 2027 the clocks go forward at 01:00. A 09:00 Monday appointment: 24h before is 09:00 Sunday.
    monday = appointment_reminders(POLICY, "probation", london(2027, 3, 29, 9, 0), now, PersonChoices())
    assert [r.due_at.astimezone(LONDON) for r in monday] == [london(2027, 3, 28, 9, 0), london(2027, 3, 29, 8, 0)]
    # Quiet hours end at 08:00 local on the morning after the change, not 07:00 or 09:00.
    _start, end = QUIET._edges_around(london(2027, 3, 28, 3, 30))
    assert end.astimezone(LONDON).time() == time(8) and end.utcoffset() == timedelta(0)
    assert end == datetime(2027, 3, 28, 7, 0, tzinfo=UTC)
    # And in autumn (31 October 2027 the clocks go back), 08:00 local is 08:00 UTC.
    _start, autumn_end = QUIET._edges_around(london(2027, 10, 31, 1, 30))
    assert autumn_end == datetime(2027, 10, 31, 8, 0, tzinfo=UTC)


def test_the_persons_choices_are_kept() -> None:
    now = london(2027, 6, 1, 12, 0)
    start = london(2027, 6, 11, 10, 30)
    assert appointment_reminders(POLICY, "x", start, now, PersonChoices(reminders_on=False)) == []
    only_hours = appointment_reminders(POLICY, "x", start, now, PersonChoices(remind_day_before=False))
    assert [r.offset_minutes for r in only_hours] == [120]
    own_quiet = PersonChoices(quiet_from=time(22), quiet_until=time(10))
    assert [r.due_at.astimezone(LONDON) for r in appointment_reminders(POLICY, "x", start, now, own_quiet)] == [
        london(2027, 6, 10, 10, 30), london(2027, 6, 11, 10, 0)]
    # Booked too late for a reminder: none in the past.
    assert appointment_reminders(POLICY, "x", start, start - timedelta(hours=1), PersonChoices()) == []


@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31)),
       st.integers(min_value=1, max_value=72 * 60))
def test_no_reminder_is_ever_inside_quiet_hours_or_after_the_start(local_start: datetime, minutes: int) -> None:
    start = local_start.replace(tzinfo=LONDON).astimezone(UTC)
    policy = dataclasses.replace(POLICY, offsets=(timedelta(minutes=minutes), timedelta(hours=2)))
    now = start - timedelta(days=5)
    for reminder in appointment_reminders(policy, "probation", start, now, PersonChoices()):
        assert now < reminder.due_at < start
        assert not QUIET.contains(reminder.due_at)
