"""The directory of local services, and which of them are open now.

The directory comes whole from one file, an Open Referral UK JSON file or the editors' YAML
(`casefile.importing.open_referral`, `bot.services_yaml`), both read into a
`ParsedDirectory`; `replace_directory` swaps it in, all in one transaction. Reading it back:
`list_services` (by category) and `open_now` (for "Places open now").

How "open now" is worked out, on the London clock (`casefile.clock.LONDON`):
- Opening times are London wall-clock times, as people read them on the door: 09:00 is 09:00 in
  winter (GMT) and in summer (BST). On the day the clocks go forward a time that does not exist
  (01:30) is read as the same distance after midnight in winter time (so 02:30 BST); on the day they
  go back, a time that happens twice means the first one, so a service never looks open longer
  than it is.
- An opening belongs to the day it starts on. Closing at or before the opening time means past
  midnight: Friday 20:00 to 02:00 runs into Saturday. Opening and closing at the same time (00:00 to
  00:00, or 00:00 to 24:00) is 24 hours. Openings that meet or overlap are one: a service open 24
  hours every day is "open all day and night".
- `valid_from` and `valid_to` (both included) bound the days an opening may start on.
- Bank holidays (England and Wales, passed in by the caller as `is_bank_holiday`: the case file does
  not keep the calendar): a service is closed on a bank holiday unless that weekly opening says
  `bank_holidays` (it opens on bank holidays too), or a holiday change gives hours for the day.
- Holiday changes: on the days a change covers, it replaces the weekly hours. A closure closes the
  day; a change with hours opens only then. Closed wins if two changes cover one day. Like bank
  holidays, a change applies to openings that start on its days.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import Session

from casefile.actors import SystemActor
from casefile.clock import LONDON
from casefile.errors import InvalidInput
from casefile.models import (
    SERVICE_CATEGORIES,
    Service,
    ServiceCategory,
    ServiceContact,
    ServiceHoliday,
    ServiceLocation,
    ServiceOrganisation,
    ServiceSchedule,
)
from casefile.unit import aware_now, unit_of_work

CATEGORY_NAMES: dict[str, str] = {
    "housing": "Housing",
    "food": "Food",
    "money": "Money",
    "drugs_alcohol": "Drugs and alcohol",
    "mental_health": "Mental health",
    "id_documents": "ID and documents",
    "legal": "Legal help",
    "health": "Health",
}
WEEKDAYS: tuple[str, ...] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
LOOK_AHEAD_DAYS = 14  # how far "when it next opens" looks

IsBankHoliday = Callable[[date], bool]
_T = TypeVar("_T")


def no_bank_holidays(_day: date) -> bool:
    """For callers and tests that have no calendar: no day is a bank holiday."""
    return False


# --- The directory as read from a file, before it is saved -------------------------------------------


@dataclass(frozen=True)
class Organisation:
    ref: str
    name: str
    description: str = ""
    website: str = ""
    email: str = ""


@dataclass(frozen=True)
class Place:
    ref: str = ""
    name: str = ""
    address: str = ""
    postcode: str = ""

    def text(self) -> str:
        """'Catford Library, 1 Sample Road, London SE6 4AA': the name and address on one line."""
        parts = [part for part in (self.name, self.address) if part]
        line = ", ".join(parts)
        if self.postcode and self.postcode not in line:
            line = f"{line} {self.postcode}".strip()
        return line


@dataclass(frozen=True)
class Phone:
    phone: str
    name: str = ""
    title: str = ""


@dataclass(frozen=True)
class WeeklyOpening:
    """Open every `weekday` (0 = Monday) from `opens_at` to `closes_at` (London clock).

    `place` is the index of the service's place this opening is at, when the file says.
    """

    weekday: int
    opens_at: time
    closes_at: time
    valid_from: date | None = None
    valid_to: date | None = None
    bank_holidays: bool = False
    place: int | None = None
    description: str = ""


@dataclass(frozen=True)
class HolidayChange:
    """From `starts_on` to `ends_on` (both included): closed, or open only from `opens_at` to `closes_at`."""

    starts_on: date
    ends_on: date
    closed: bool = True
    opens_at: time | None = None
    closes_at: time | None = None
    description: str = ""


@dataclass(frozen=True)
class ServiceEntry:
    ref: str
    name: str
    organisation: Organisation
    categories: tuple[str, ...]
    description: str = ""
    url: str = ""
    email: str = ""
    eligibility: str = ""
    minimum_age: int | None = None
    maximum_age: int | None = None
    places: tuple[Place, ...] = ()
    phones: tuple[Phone, ...] = ()
    weekly: tuple[WeeklyOpening, ...] = ()
    holidays: tuple[HolidayChange, ...] = ()


@dataclass(frozen=True)
class LeftOut:
    """A service in the file that is not for Signpost's directory, and why (no category of ours, not active)."""

    ref: str
    name: str
    reason: str


@dataclass(frozen=True)
class ParsedDirectory:
    """What an import read: every service that passed its checks. `source` names the file."""

    source: str
    services: tuple[ServiceEntry, ...]
    left_out: tuple[LeftOut, ...] = ()


@dataclass(frozen=True)
class DirectoryReplaced:
    source: str
    services: int
    organisations: int
    removed: int  # services in the directory before
    left_out: tuple[LeftOut, ...] = ()

    def summary(self) -> str:
        services = "1 service" if self.services == 1 else f"{self.services} services"
        organisations = "1 organisation" if self.organisations == 1 else f"{self.organisations} organisations"
        line = f"The services directory now has {services} from {organisations}, from {self.source}"
        line += f" (it had {self.removed} before)." if self.removed else "."
        if self.left_out:
            count = len(self.left_out)
            line += f" Left out {count} service{'' if count == 1 else 's'} of the file that Signpost does not list."
        return line


def replace_directory(
    session: Session, actor: SystemActor, directory: ParsedDirectory, *, now: datetime | None = None
) -> DirectoryReplaced:
    """Swap the whole directory for `directory`, in one transaction: afterwards it holds exactly these services."""
    _check_directory(directory)
    with unit_of_work(session, actor, "write.services.replace", "services", now=now) as unit:
        unit.require_system()
        removed = session.scalar(select(func.count()).select_from(Service)) or 0
        for model in (ServiceHoliday, ServiceSchedule, ServiceContact, ServiceLocation, ServiceCategory, Service,
                      ServiceOrganisation):
            session.execute(delete(model))
        organisations: dict[str, ServiceOrganisation] = {}
        for entry in directory.services:
            organisation = organisations.get(entry.organisation.ref)
            if organisation is None:
                given = entry.organisation
                organisation = ServiceOrganisation(ref=given.ref, name=given.name, description=given.description,
                                                   website=given.website, email=given.email)
                session.add(organisation)
                organisations[given.ref] = organisation
            _add_service(session, entry, organisation, directory.source, unit.now)
        result = DirectoryReplaced(directory.source, len(directory.services), len(organisations), removed,
                                   directory.left_out)
        unit.detail = result.summary()
        return result


def _check_directory(directory: ParsedDirectory) -> None:
    """What the readers check with file and line; here only so that no caller can save a broken directory."""
    refs: set[str] = set()
    organisations: dict[str, Organisation] = {}
    for entry in directory.services:
        if entry.ref in refs:
            raise InvalidInput(f'Two services have the id "{entry.ref}". Each service needs its own id.')
        refs.add(entry.ref)
        if not entry.categories or set(entry.categories) - set(SERVICE_CATEGORIES):
            raise InvalidInput(f'The service "{entry.name}" needs categories from: {", ".join(SERVICE_CATEGORIES)}.')
        earlier = organisations.setdefault(entry.organisation.ref, entry.organisation)
        if earlier != entry.organisation:
            raise InvalidInput(f'The organisation "{entry.organisation.ref}" is described in two different ways.')
        for opening in entry.weekly:
            if opening.place is not None and not 0 <= opening.place < len(entry.places):
                raise InvalidInput(f'The service "{entry.name}" has opening hours at a place it does not list.')


def _add_service(session: Session, entry: ServiceEntry, organisation: ServiceOrganisation, source: str,
                 now: datetime) -> None:
    service = Service(ref=entry.ref, organisation=organisation, name=entry.name, description=entry.description,
                      url=entry.url, email=entry.email, eligibility=entry.eligibility,
                      minimum_age=entry.minimum_age, maximum_age=entry.maximum_age, source=source, imported_at=now)
    session.add(service)
    session.flush()
    session.add_all(ServiceCategory(service_id=service.id, category=category)
                    for category in dict.fromkeys(entry.categories))
    locations = [ServiceLocation(service_id=service.id, position=index, ref=place.ref, name=place.name,
                                 address=place.address, postcode=place.postcode)
                 for index, place in enumerate(entry.places)]
    session.add_all(locations)
    session.add_all(ServiceContact(service_id=service.id, position=index, name=phone.name, title=phone.title,
                                   phone=phone.phone) for index, phone in enumerate(entry.phones))
    if any(opening.place is not None for opening in entry.weekly):
        session.flush()
    session.add_all(
        ServiceSchedule(service_id=service.id,
                        location_id=None if opening.place is None else locations[opening.place].id,
                        weekday=opening.weekday, opens_at=opening.opens_at, closes_at=opening.closes_at,
                        valid_from=opening.valid_from, valid_to=opening.valid_to,
                        bank_holidays=opening.bank_holidays, description=opening.description)
        for opening in entry.weekly
    )
    session.add_all(
        ServiceHoliday(service_id=service.id, starts_on=change.starts_on, ends_on=change.ends_on,
                       closed=change.closed, opens_at=change.opens_at, closes_at=change.closes_at,
                       description=change.description)
        for change in entry.holidays
    )


# --- Reading the directory -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceView:
    """One service as the chat and the command line show it."""

    id: int
    ref: str
    name: str
    organisation: str
    categories: tuple[str, ...]
    description: str
    url: str
    email: str
    eligibility: str
    minimum_age: int | None
    maximum_age: int | None
    places: tuple[Place, ...]
    phones: tuple[Phone, ...]
    weekly: tuple[WeeklyOpening, ...]
    holidays: tuple[HolidayChange, ...]
    source: str

    @property
    def phone(self) -> str:
        """The first number to call, or "" when the file gives none."""
        return self.phones[0].phone if self.phones else ""

    @property
    def place(self) -> Place | None:
        return self.places[0] if self.places else None

    def hours_text(self) -> list[str]:
        return weekly_hours_text(self.weekly)


def list_services(session: Session, category: str | None = None) -> list[ServiceView]:
    """Every service in the directory (in one category, when given), by name."""
    query = select(Service, ServiceOrganisation.name).join(ServiceOrganisation)
    if category is not None:
        _check_category(category)
        query = query.where(exists().where(ServiceCategory.service_id == Service.id,
                                           ServiceCategory.category == category))
    rows = session.execute(query.order_by(Service.name, Service.ref)).all()
    ids = [service.id for service, _ in rows]
    if not ids:
        return []
    categories = _grouped(session.execute(
        select(ServiceCategory.service_id, ServiceCategory.category).where(ServiceCategory.service_id.in_(ids))))
    order = {name: index for index, name in enumerate(SERVICE_CATEGORIES)}
    places: dict[int, list[Place]] = {}
    place_index: dict[int, int] = {}
    for location in session.scalars(select(ServiceLocation).where(ServiceLocation.service_id.in_(ids))
                                    .order_by(ServiceLocation.service_id, ServiceLocation.position)):
        listed = places.setdefault(location.service_id, [])
        place_index[location.id] = len(listed)
        listed.append(Place(location.ref, location.name, location.address, location.postcode))
    phones = _grouped(
        (contact.service_id, Phone(contact.phone, contact.name, contact.title))
        for contact in session.scalars(select(ServiceContact).where(ServiceContact.service_id.in_(ids))
                                       .order_by(ServiceContact.service_id, ServiceContact.position)))
    weekly = _grouped(
        (row.service_id, WeeklyOpening(row.weekday, row.opens_at, row.closes_at, row.valid_from, row.valid_to,
                                       row.bank_holidays, None if row.location_id is None
                                       else place_index.get(row.location_id), row.description))
        for row in session.scalars(select(ServiceSchedule).where(ServiceSchedule.service_id.in_(ids))
                                   .order_by(ServiceSchedule.service_id, ServiceSchedule.weekday,
                                             ServiceSchedule.opens_at, ServiceSchedule.id)))
    holidays = _grouped(
        (row.service_id, HolidayChange(row.starts_on, row.ends_on, row.closed, row.opens_at, row.closes_at,
                                       row.description))
        for row in session.scalars(select(ServiceHoliday).where(ServiceHoliday.service_id.in_(ids))
                                   .order_by(ServiceHoliday.service_id, ServiceHoliday.starts_on, ServiceHoliday.id)))
    return [
        ServiceView(
            id=service.id, ref=service.ref, name=service.name, organisation=organisation_name,
            categories=tuple(sorted(categories.get(service.id, []), key=order.__getitem__)),
            description=service.description, url=service.url, email=service.email,
            eligibility=service.eligibility, minimum_age=service.minimum_age, maximum_age=service.maximum_age,
            places=tuple(places.get(service.id, [])), phones=tuple(phones.get(service.id, [])),
            weekly=tuple(weekly.get(service.id, [])), holidays=tuple(holidays.get(service.id, [])),
            source=service.source,
        )
        for service, organisation_name in rows
    ]


def directory_sources(session: Session) -> set[str]:
    """The files the directory's services came from (one file, or none when it is empty)."""
    return set(session.scalars(select(Service.source).distinct()))


def _check_category(category: str) -> None:
    if category not in SERVICE_CATEGORIES:
        raise InvalidInput(f'"{category}" is not a category of services. Use one of: {", ".join(SERVICE_CATEGORIES)}.')


def _grouped(pairs: Iterable[tuple[int, _T]]) -> dict[int, list[_T]]:
    grouped: dict[int, list[_T]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return grouped


# --- Open now ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Opening:
    """One stretch of time a service is open. `starts` and `ends` are aware, in UTC."""

    starts: datetime
    ends: datetime
    place: int | None = None


def wall_clock(day: date, at: time) -> datetime:
    """`at` on `day` on the London clock, as UTC (see the module's notes for the clock-change days)."""
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)


def _opening(day: date, opens_at: time, closes_at: time, place: int | None) -> Opening:
    end_day = day if closes_at > opens_at else day + timedelta(days=1)
    return Opening(wall_clock(day, opens_at), wall_clock(end_day, closes_at), place)


def openings_on(day: date, weekly: Sequence[WeeklyOpening], holidays: Sequence[HolidayChange],
                is_bank_holiday: IsBankHoliday) -> list[Opening]:
    """The openings that start on `day` (a London date)."""
    changes = [change for change in holidays if change.starts_on <= day <= change.ends_on]
    if changes:
        if any(change.closed for change in changes):
            return []
        return [_opening(day, change.opens_at, change.closes_at, None) for change in changes
                if change.opens_at is not None and change.closes_at is not None]
    bank_holiday = is_bank_holiday(day)
    return [
        _opening(day, opening.opens_at, opening.closes_at, opening.place)
        for opening in weekly
        if opening.weekday == day.weekday()
        and (opening.valid_from is None or opening.valid_from <= day)
        and (opening.valid_to is None or day <= opening.valid_to)
        and (opening.bank_holidays or not bank_holiday)
    ]


def merged_openings(weekly: Sequence[WeeklyOpening], holidays: Sequence[HolidayChange], first: date, last: date,
                    is_bank_holiday: IsBankHoliday) -> list[Opening]:
    """Openings starting from `first` to `last` (London dates), in time order, those that meet made one."""
    found = sorted(
        (opening for offset in range((last - first).days + 1)
         for opening in openings_on(first + timedelta(days=offset), weekly, holidays, is_bank_holiday)),
        key=lambda opening: (opening.starts, opening.ends),
    )
    merged: list[Opening] = []
    for opening in found:
        if merged and opening.starts <= merged[-1].ends:
            if opening.ends > merged[-1].ends:
                merged[-1] = Opening(merged[-1].starts, opening.ends, merged[-1].place)
            continue
        merged.append(opening)
    return merged


@dataclass(frozen=True)
class OpenState:
    """Whether a service is open at `at`, and until when or from when. Times are on the London clock.

    Open: `closes` is when it closes, None when it stays open past the look-ahead ("all day and night").
    Closed: `opens` is when it next opens, None when it does not within the look-ahead.
    `place` is the index of the service's place that opening is at, when the file says.
    `hours_known` is False for a service whose file gives no opening hours at all: closed, as far as
    Signpost can tell, and the text says to call first.
    """

    at: datetime
    open: bool
    closes: datetime | None = None
    opens: datetime | None = None
    place: int | None = None
    look_ahead_days: int = LOOK_AHEAD_DAYS
    hours_known: bool = True

    def text(self) -> str:
        """'Open now until 17:00', 'Open now, all day and night', 'Opens Monday at 09:00'."""
        if not self.hours_known:
            return "Opening hours not known: call first"
        if self.open:
            if self.closes is None:
                return "Open now, all day and night"
            return f"Open now until {_closing_words(self.at, self.closes)}"
        if self.opens is None:
            return f"Not open in the next {self.look_ahead_days} days"
        return f"Opens {_opening_words(self.at, self.opens)}"


def open_state(weekly: Sequence[WeeklyOpening], holidays: Sequence[HolidayChange], at: datetime,
               is_bank_holiday: IsBankHoliday, *, look_ahead_days: int = LOOK_AHEAD_DAYS) -> OpenState:
    """Open or closed at `at` (an aware datetime), from these hours; usable for any weekly hours."""
    moment = aware_now(at)
    local = moment.astimezone(LONDON)
    if not weekly and all(change.closed for change in holidays):
        return OpenState(local, False, look_ahead_days=look_ahead_days, hours_known=False)
    today = local.date()
    last = today + timedelta(days=look_ahead_days)
    # From yesterday: an opening that started yesterday may run past midnight into today.
    openings = merged_openings(weekly, holidays, today - timedelta(days=1), last, is_bank_holiday)
    horizon = wall_clock(last + timedelta(days=1), time(0, 0))
    for opening in openings:
        if opening.starts <= moment < opening.ends:
            closes = None if opening.ends >= horizon else opening.ends.astimezone(LONDON)
            return OpenState(local, True, closes=closes, place=opening.place, look_ahead_days=look_ahead_days)
        if opening.starts > moment:
            return OpenState(local, False, opens=opening.starts.astimezone(LONDON), place=opening.place,
                             look_ahead_days=look_ahead_days)
    return OpenState(local, False, look_ahead_days=look_ahead_days)


def _closing_words(now: datetime, closes: datetime) -> str:
    if closes - now <= timedelta(hours=24):
        return "midnight" if closes.time() == time(0, 0) else f"{closes:%H:%M}"
    if closes.time() == time(0, 0):
        return f"midnight on {WEEKDAYS[(closes.weekday() - 1) % 7]}"
    return f"{WEEKDAYS[closes.weekday()]} {closes:%H:%M}"


def _opening_words(now: datetime, opens: datetime) -> str:
    days = (opens.date() - now.date()).days
    if days == 0:
        return f"today at {opens:%H:%M}"
    if days == 1:
        return f"tomorrow at {opens:%H:%M}"
    if days < 7:
        return f"{WEEKDAYS[opens.weekday()]} at {opens:%H:%M}"
    return f"{WEEKDAYS[opens.weekday()]} {opens.day} {opens:%B} at {opens:%H:%M}"


@dataclass(frozen=True)
class ServiceNow:
    service: ServiceView
    state: OpenState

    @property
    def place(self) -> Place | None:
        """Where the opening now (or next) is, else the service's first place."""
        if self.state.place is not None and self.state.place < len(self.service.places):
            return self.service.places[self.state.place]
        return self.service.place

    def text(self) -> str:
        return self.state.text()


@dataclass(frozen=True)
class OpenNowAnswer:
    """Every service (of a category, when asked) at one moment: those open now, then the rest.

    `open` is by name; `closed` by when each next opens, soonest first (never-opening ones last).
    """

    at: datetime
    open: tuple[ServiceNow, ...]
    closed: tuple[ServiceNow, ...]
    category: str | None = None

    @property
    def services(self) -> int:
        return len(self.open) + len(self.closed)

    @property
    def nothing_open(self) -> bool:
        """True when no local service is open now: the chat then gives the 24-hour national lines."""
        return not self.open


def open_now(session: Session, at: datetime, is_bank_holiday: IsBankHoliday, *, category: str | None = None,
             look_ahead_days: int = LOOK_AHEAD_DAYS) -> OpenNowAnswer:
    """Which services are open at `at` (aware), until when, and when the others next open.

    `is_bank_holiday` is the England and Wales calendar (journeys' `BankHolidays.is_holiday`).
    """
    moment = aware_now(at)
    states = [ServiceNow(service, open_state(service.weekly, service.holidays, moment, is_bank_holiday,
                                             look_ahead_days=look_ahead_days))
              for service in list_services(session, category)]
    far = datetime.max.replace(tzinfo=UTC)
    closed = sorted((item for item in states if not item.state.open),
                    key=lambda item: (item.state.opens or far, item.service.name))
    return OpenNowAnswer(moment.astimezone(LONDON), tuple(item for item in states if item.state.open),
                         tuple(closed), category)


# --- Weekly hours in words ------------------------------------------------------------------------------------


def weekly_hours_text(weekly: Sequence[WeeklyOpening]) -> list[str]:
    """The weekly hours as lines of plain words: 'Monday to Friday, 09:00 to 17:00'."""
    groups: dict[tuple[time, time, bool, date | None, date | None], list[int]] = {}
    for opening in weekly:
        key = (opening.opens_at, opening.closes_at, opening.bank_holidays, opening.valid_from, opening.valid_to)
        groups.setdefault(key, [])
        if opening.weekday not in groups[key]:
            groups[key].append(opening.weekday)
    lines = []
    for (opens_at, closes_at, bank_holidays, valid_from, valid_to), days in sorted(
            groups.items(), key=lambda item: (min(item[1]), item[0][0])):
        hours = "all day and night" if opens_at == closes_at else f"{opens_at:%H:%M} to {closes_at:%H:%M}"
        line = f"{_days_words(sorted(days))}, {hours}"
        if bank_holidays:
            line += ", bank holidays too"
        if valid_from and valid_to:
            line += f" (from {valid_from:%d/%m/%Y} to {valid_to:%d/%m/%Y})"
        elif valid_from:
            line += f" (from {valid_from:%d/%m/%Y})"
        elif valid_to:
            line += f" (until {valid_to:%d/%m/%Y})"
        lines.append(line)
    return lines


def _days_words(days: list[int]) -> str:
    if len(days) == 7:
        return "Every day"
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        return f"{WEEKDAYS[days[0]]} to {WEEKDAYS[days[-1]]}"
    names = [WEEKDAYS[day] for day in days]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"
