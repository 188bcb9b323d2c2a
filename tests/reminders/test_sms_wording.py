"""Every reminder by text, in three languages: discreet by default, and within two fragments in English."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from reminder_helpers import CONTENT

from bot.channels.sms_text import fragment_count
from bot.reminders import planning
from bot.reminders.compose import SMS, Composed, Composer, discreet_for
from casefile.views import AppointmentView
from journeys.money import MoneyStep
from journeys.pharmacy import ChangeNotice, PickupDay, ShutDay, ShutReason

NOW = datetime(2027, 6, 9, 8, 30, tzinfo=UTC)  # Wednesday 09:30 in London
# Words a text on a lock screen or a shared phone must not show, in each language's own words too.
GIVES_AWAY = {
    "en": r"probation|prison|methadone|drug|pharmac|licence|release|Lewisham|Boots|Universal Credit",
    "cy": r"prawf|carchar|methadon|cyffur|fferyll|trwydded|rhyddhau|Lewisham|Boots",
    "pl": r"kurator|więzie|metadon|narkot|aptek|zwolnieni|Lewisham|Boots",
}


def every_reminder(composer: Composer, language: str, discreet: bool) -> dict[str, Composed]:
    start = NOW + timedelta(days=1, hours=1)
    a = AppointmentView(id=7, starts_at=start, minutes=60, place="Lewisham probation office",
                        address="1 High Street", kind="probation", bring="Your licence", status="booked",
                        status_reason=None, worker_name="Dana Brooks", agency_name="Probation Service",
                        agency_short_name="PS", version=2)
    day = start.date()
    view = SimpleNamespace(person=SimpleNamespace(language=language, discreet=discreet),
                           pharmacy_plan=SimpleNamespace(pharmacy_name="Boots"), appointments=(a,))
    step = MoneyStep(key="claim_online", title="Claim Universal Credit online", what_to_do="After prison, claim.",
                     if_late="", starts=day, due=day, done=False, overdue=False, estimated=False, days_to_due=0)
    visit = PickupDay(date=day, opens_at=start, closes_at=start, pickup_at=start, usual_time=True, doses=())
    shut = day + timedelta(days=1)
    notice = ChangeNotice(on=day, pickup_at=start, shut_days=(ShutDay(shut, ShutReason.BANK_HOLIDAY, day, (shut,)),),
                          dose_days=(shut,))
    texts = {
        "appointment": composer.appointment(a, language, discreet, NOW, channel=SMS),
        "appointment later": composer.appointment(a, language, discreet, NOW - timedelta(days=1), channel=SMS),
        "missed": composer.missed(a, language, discreet, "07700 900123", channel=SMS),
        "worker message": composer.worker_message("Dana Brooks", "Probation Service", "See you soon.", language,
                                                  discreet, channel=SMS),
    }
    for kind, extra in ((planning.RELEASE_DAY, {"money_steps": (step,), "visit": visit}),
                        (planning.MONEY_STEP, {"money_steps": (step,)}),
                        (planning.PHARMACY_PICKUP, {"visit": visit}),
                        (planning.PHARMACY_CHANGE, {"notice": notice})):
        item = planning.Planned(key="k", kind=kind, person_id=1, day=day, due_at=NOW, too_late=NOW, payload={},
                                **extra)  # type: ignore[arg-type]
        texts[kind] = composer.planned(item, view, NOW, channel=SMS, discreet=discreet)  # type: ignore[arg-type]
    return texts


@pytest.fixture(scope="module")
def composer() -> Composer:
    return Composer(CONTENT)


def test_texts_are_discreet_unless_the_person_chose_otherwise() -> None:
    assert discreet_for(False, SMS) is True
    assert discreet_for(False, "telegram") is False
    assert discreet_for(True, "telegram") is True
    assert discreet_for(False, SMS, sms_discreet=False) is False


@pytest.mark.parametrize("language", ["en", "cy", "pl"])
def test_no_discreet_text_gives_away_what_it_is_about(composer: Composer, language: str) -> None:
    for kind, text in every_reminder(composer, language, True).items():
        found = re.search(GIVES_AWAY[language], text.text, re.IGNORECASE)
        assert found is None, f"{language} {kind}: {found.group(0) if found else ''!r} in {text.text!r}"
        assert text.buttons == () and text.fragments == fragment_count(text.text)
        assert "Tap" not in text.text  # a text has no buttons to tap


def test_every_english_reminder_by_text_is_within_two_fragments_even_when_not_discreet(composer: Composer) -> None:
    for discreet in (True, False):
        for kind, text in every_reminder(composer, "en", discreet).items():
            assert (text.fragments or 0) <= 2, f"{kind} (discreet={discreet}): {text.text!r}"


def test_a_texts_choices_say_what_each_number_answers(composer: Composer) -> None:
    text = every_reminder(composer, "cy", True)["appointment"]
    assert [button.data for button in text.choices] == ["appt:yes:7:2", "appt:no:7:2", "appt:where:7:2"]
    assert text.text.endswith("Atebwch 1 ar gyfer Bydda i yno, 2 ar gyfer Alla i ddim dod, 3 ar gyfer Ble mae e?")
