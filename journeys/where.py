"""Where am I? The person's stage in plain words, what comes next, key dates and licence conditions.

Input is plain values (the chat maps case-file rows to `JourneyFacts`); output is `WhereAnswer`,
which the template `journeys/where.txt.j2` turns into words and `timeline.draw_timeline` into a picture.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from journeys.calendar import BankHolidays
from journeys.stages import COMMUNITY, CUSTODY, StageCatalog, StageText, TimelineLabels

# Key dates in the order they usually come; ties on the same day keep this order.
KEY_DATE_FIELDS: tuple[str, ...] = (
    "sentence_date",
    "hdc_eligibility",
    "release_date",
    "licence_end",
    "top_up_end",
    "community_order_end",
)
# Dates that only make sense after a prison sentence; any of them puts the person on the custody path.
CUSTODY_DATE_FIELDS: tuple[str, ...] = ("release_date", "hdc_eligibility", "licence_end", "top_up_end")
HELD_STAGES: tuple[str, ...] = ("on_remand", "in_prison", "recalled")
# An optional stage is drawn when it is the stage now, or when the case file has its date.
OPTIONAL_STAGE_DATE: dict[str, str] = {"hdc": "hdc_eligibility", "post_sentence_supervision": "top_up_end"}


@dataclass(frozen=True)
class LicenceCondition:
    official: str  # the wording on the licence
    plain: str  # what it means, in plain words; may be empty until a worker writes it


@dataclass(frozen=True)
class JourneyFacts:
    stage: str
    prison: str | None = None
    sentence_date: date | None = None
    release_date: date | None = None
    release_confirmed: bool = False
    hdc_eligibility: date | None = None
    licence_end: date | None = None
    top_up_end: date | None = None
    community_order_end: date | None = None
    licence_conditions: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class KeyDate:
    label_key: str  # one of KEY_DATE_FIELDS; the template words each one
    date: date
    days_from_today: int  # 0 today, 1 tomorrow, negative in the past


@dataclass(frozen=True)
class ReleaseWarning:
    """Release comes just before days when most services are shut (a weekend or bank holiday)."""

    release_date: date
    shut_days: tuple[date, ...]
    bank_holidays: tuple[date, ...]  # the shut days that are bank holidays
    reopens: date  # the first working day after release


@dataclass(frozen=True)
class WhereAnswer:
    language: str
    stage: StageText
    path_name: str  # CUSTODY or COMMUNITY
    path: tuple[StageText, ...]
    prison: str | None
    key_dates: tuple[KeyDate, ...]
    release_may_change: bool
    release_warning: ReleaseWarning | None
    licence_conditions: tuple[LicenceCondition, ...]
    labels: TimelineLabels

    @property
    def held_now(self) -> bool:
        """In prison at the moment, so the prison's name is worth showing."""
        return self.stage.key in HELD_STAGES

    @property
    def timeline_stages(self) -> list[tuple[str, str]]:
        """(key, title) pairs for `timeline.draw_timeline`."""
        return [(stage.key, stage.title) for stage in self.path]


def where_am_i(
    facts: JourneyFacts,
    today: date,
    stages: StageCatalog,
    *,
    language: str = "en",
    holidays: BankHolidays | None = None,
) -> WhereAnswer:
    """The person's place on their journey. Raises UnknownStageError for a stage key Signpost does not know."""
    holidays = holidays or BankHolidays.rules_only()
    stage = stages.get(facts.stage)
    path_name = choose_path(facts, stage.timelines)
    release_ahead = facts.release_date is not None and facts.release_date >= today
    return WhereAnswer(
        language=language,
        stage=stage.text(language),
        path_name=path_name,
        path=tuple(s.text(language) for s in stages.on_path(path_name) if _drawn(s.key, s.optional, facts)),
        prison=facts.prison,
        key_dates=key_dates(facts, today),
        release_may_change=release_ahead and not facts.release_confirmed,
        release_warning=release_warning(facts.release_date, holidays) if release_ahead else None,
        licence_conditions=tuple(LicenceCondition(official, plain) for official, plain in facts.licence_conditions),
        labels=stages.labels(language),
    )


def choose_path(facts: JourneyFacts, timelines: tuple[str, ...]) -> str:
    """Custody or community. A stage on both paths (court, ended) goes by the dates in the case file;
    with no dates at all the shorter community path is drawn rather than guessing at prison."""
    if len(timelines) == 1:
        return timelines[0]
    if any(getattr(facts, name) is not None for name in CUSTODY_DATE_FIELDS):
        return CUSTODY
    return COMMUNITY


def _drawn(key: str, optional: bool, facts: JourneyFacts) -> bool:
    if not optional or key == facts.stage:
        return True
    date_field = OPTIONAL_STAGE_DATE.get(key)
    return date_field is not None and getattr(facts, date_field) is not None


def key_dates(facts: JourneyFacts, today: date) -> tuple[KeyDate, ...]:
    """Dates from today on, soonest first."""
    found = [
        KeyDate(label_key=name, date=day, days_from_today=(day - today).days)
        for name in KEY_DATE_FIELDS
        if (day := getattr(facts, name)) is not None and day >= today
    ]
    return tuple(sorted(found, key=lambda key_date: key_date.date))  # sorted() is stable: ties keep field order


def release_warning(release_date: date | None, holidays: BankHolidays) -> ReleaseWarning | None:
    """A warning when the days straight after release are a weekend or bank holiday."""
    if release_date is None:
        return None
    shut: list[date] = []
    day = release_date + timedelta(days=1)
    while not holidays.is_working_day(day):
        shut.append(day)
        day += timedelta(days=1)
    if not shut:
        return None
    return ReleaseWarning(
        release_date=release_date,
        shut_days=tuple(shut),
        bank_holidays=tuple(d for d in shut if holidays.is_holiday(d)),
        reopens=day,
    )
