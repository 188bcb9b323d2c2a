from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.text import render
from journeys.calendar import BankHolidays
from journeys.stages import StageCatalog, UnknownStageError
from journeys.where import JourneyFacts, KeyDate, where_am_i

TODAY = date(2026, 11, 26)  # a Thursday


def _where(stages: StageCatalog, holidays: BankHolidays, language: str = "en", **facts: object) -> str:
    answer = where_am_i(JourneyFacts(**facts), TODAY, stages, language=language, holidays=holidays)  # type: ignore[arg-type]
    return render(Path(__file__).resolve().parents[2] / "content", "journeys/where.txt.j2", language, answer=answer)


def test_key_dates_with_day_counts(stages: StageCatalog, holidays: BankHolidays) -> None:
    answer = where_am_i(JourneyFacts(stage="on_licence", release_date=date(2026, 9, 1), release_confirmed=True,
                                     licence_end=date(2027, 3, 3), top_up_end=date(2027, 9, 1)),
                        TODAY, stages, holidays=holidays)
    assert answer.key_dates == (
        KeyDate("licence_end", date(2027, 3, 3), 97),
        KeyDate("top_up_end", date(2027, 9, 1), 279),
    )
    text = _where(stages, holidays, stage="on_licence", release_date=date(2026, 9, 1), release_confirmed=True,
                  licence_end=date(2027, 3, 3))
    assert "- Your licence ends on Wednesday 3 March 2027, in 97 days." in text
    assert "release date may still change" not in text  # the release is in the past


def test_a_top_up_date_from_before_the_2026_law_is_shown_with_advice_to_ask(
    stages: StageCatalog, holidays: BankHolidays
) -> None:
    # The Sentencing Act 2026 ended top-up supervision: an old date is not shown as a duty.
    facts = {"stage": "on_licence", "licence_end": date(2027, 3, 3), "top_up_end": date(2027, 9, 1)}
    english = _where(stages, holidays, **facts)
    assert ("- Your file shows extra supervision until Wednesday 1 September 2027. A 2026 law ended extra "
            "supervision, so ask your probation officer if you still need to go.") in english
    assert "extra supervision ends" not in english
    assert "Mae eich ffeil yn dangos goruchwyliaeth ychwanegol tan" in _where(stages, holidays, "cy", **facts)
    assert "W Twoich aktach jest dodatkowy nadzór do" in _where(stages, holidays, "pl", **facts)


def test_a_recalled_person_is_held_and_told_about_fixed_recalls(stages: StageCatalog, holidays: BankHolidays) -> None:
    answer = where_am_i(JourneyFacts(stage="recalled", release_date=date(2027, 1, 21), licence_end=date(2027, 6, 1)),
                        TODAY, stages, holidays=holidays)
    assert answer.stage.title == "Back in prison on recall" and answer.held_now
    assert [stage.key for stage in answer.path] == [
        "in_court", "in_prison", "release_day", "on_licence", "recalled", "sentence_ended"]
    text = _where(stages, holidays, stage="recalled", release_date=date(2027, 1, 21))
    assert "Many recalls now last a fixed 56 days." in text
    assert "- You leave prison on Thursday 21 January 2027, in 56 days." in text


def test_today_and_tomorrow(stages: StageCatalog, holidays: BankHolidays) -> None:
    text = _where(stages, holidays, stage="in_prison", release_date=date(2026, 11, 27), release_confirmed=True,
                  hdc_eligibility=TODAY)
    assert "- You may be able to go home on a tag from Thursday 26 November 2026, today." in text
    assert "- You leave prison on Friday 27 November 2026, tomorrow." in text


def test_past_dates_are_left_out_and_the_rest_are_in_date_order(stages: StageCatalog) -> None:
    answer = where_am_i(JourneyFacts(stage="in_prison", sentence_date=date(2026, 1, 5),
                                     licence_end=date(2027, 6, 1), release_date=date(2027, 1, 4),
                                     hdc_eligibility=date(2026, 12, 1)), TODAY, stages)
    assert [key_date.label_key for key_date in answer.key_dates] == ["hdc_eligibility", "release_date",
                                                                     "licence_end"]


def test_unconfirmed_release_date(stages: StageCatalog, holidays: BankHolidays) -> None:
    unconfirmed = _where(stages, holidays, stage="in_prison", release_date=date(2027, 1, 12))
    confirmed = _where(stages, holidays, stage="in_prison", release_date=date(2027, 1, 12), release_confirmed=True)
    assert "Your release date may still change." in unconfirmed
    assert "may still change" not in confirmed


def test_friday_release_warns_about_the_weekend(stages: StageCatalog, holidays: BankHolidays) -> None:
    answer = where_am_i(JourneyFacts(stage="in_prison", release_date=date(2026, 12, 4)), TODAY, stages,
                        holidays=holidays)
    assert answer.release_warning is not None
    assert answer.release_warning.shut_days == (date(2026, 12, 5), date(2026, 12, 6))
    assert answer.release_warning.bank_holidays == ()
    assert answer.release_warning.reopens == date(2026, 12, 7)
    text = _where(stages, holidays, stage="in_prison", release_date=date(2026, 12, 4))
    assert "You leave on a Friday. Most services are shut at the weekend, until Monday 7 December 2026." in text
    assert "Before you leave, get help to sort out your medicine, money and a place to stay" in text


def test_release_before_a_bank_holiday(stages: StageCatalog, holidays: BankHolidays) -> None:
    # Christmas Eve 2026 is a Thursday: Christmas Friday, the weekend, and Boxing Day moved to Monday.
    answer = where_am_i(JourneyFacts(stage="in_prison", release_date=date(2026, 12, 24)), TODAY, stages,
                        holidays=holidays)
    assert answer.release_warning is not None
    assert answer.release_warning.shut_days == (date(2026, 12, 25), date(2026, 12, 26), date(2026, 12, 27),
                                                date(2026, 12, 28))
    assert answer.release_warning.bank_holidays == (date(2026, 12, 25), date(2026, 12, 28))
    text = _where(stages, holidays, stage="in_prison", release_date=date(2026, 12, 24))
    assert ("Most services are shut after you leave, until Tuesday 29 December 2026. This is because of a "
            "weekend or bank holiday.") in text


def test_friday_before_a_bank_holiday_monday(stages: StageCatalog, holidays: BankHolidays) -> None:
    answer = where_am_i(JourneyFacts(stage="release_day", release_date=date(2027, 5, 28)), date(2027, 5, 28),
                        stages, holidays=holidays)
    assert answer.release_warning is not None
    assert answer.release_warning.reopens == date(2027, 6, 1)
    assert answer.release_warning.bank_holidays == (date(2027, 5, 31),)


def test_no_warning_for_a_tuesday_release(stages: StageCatalog, holidays: BankHolidays) -> None:
    answer = where_am_i(JourneyFacts(stage="in_prison", release_date=date(2026, 12, 8)), TODAY, stages,
                        holidays=holidays)
    assert answer.release_warning is None
    assert "services are shut" not in _where(stages, holidays, stage="in_prison", release_date=date(2026, 12, 8))


def test_paths_and_optional_stages(stages: StageCatalog) -> None:
    def drawn(**facts: object) -> list[str]:
        answer = where_am_i(JourneyFacts(**facts), TODAY, stages)  # type: ignore[arg-type]
        return [key for key, _ in answer.timeline_stages]

    assert drawn(stage="on_licence") == ["in_court", "in_prison", "release_day", "on_licence", "sentence_ended"]
    assert drawn(stage="on_licence", hdc_eligibility=date(2026, 5, 1), top_up_end=date(2027, 5, 1)) == [
        "in_court", "in_prison", "release_day", "hdc", "on_licence", "post_sentence_supervision", "sentence_ended"]
    assert drawn(stage="on_remand") == ["in_court", "on_remand", "in_prison", "release_day", "on_licence",
                                        "sentence_ended"]
    assert drawn(stage="community_order") == ["in_court", "community_order", "sentence_ended"]
    assert drawn(stage="in_court") == ["in_court", "community_order", "sentence_ended"]
    assert drawn(stage="in_court", release_date=date(2027, 1, 1))[:3] == ["in_court", "in_prison", "release_day"]
    assert drawn(stage="sentence_ended", community_order_end=date(2026, 1, 1)) == [
        "in_court", "community_order", "sentence_ended"]


def test_stage_words_in_the_chosen_language(stages: StageCatalog, holidays: BankHolidays) -> None:
    welsh = _where(stages, holidays, language="cy", stage="community_order", community_order_end=date(2027, 2, 1))
    assert welsh.startswith("Gorchymyn cymunedol\nRydych chi'n treulio eich dedfryd yn y gymuned")
    assert "Dydd Llun 1 Chwefror 2027" in welsh
    polish = _where(stages, holidays, language="pl", stage="hdc")
    assert polish.startswith("W domu z opaską elektroniczną\n")


def test_prison_is_named_only_while_there(stages: StageCatalog, holidays: BankHolidays) -> None:
    assert "You are at HMP Brixton." in _where(stages, holidays, stage="in_prison", prison="HMP Brixton")
    assert "HMP Brixton" not in _where(stages, holidays, stage="on_licence", prison="HMP Brixton")


def test_licence_conditions(stages: StageCatalog, holidays: BankHolidays) -> None:
    text = _where(stages, holidays, stage="on_licence", licence_conditions=[
        ("Not to contact directly or indirectly any person who is a victim of your offence", "Do not contact the "
         "victim, not even through friends or online."),
        ("Not to enter the exclusion zone as defined by the attached map", ""),
    ])
    assert "Your licence rules:\n- Do not contact the victim, not even through friends or online.\n" in text
    assert ('- "Not to enter the exclusion zone as defined by the attached map" Ask your probation officer what '
            "this means.") in text


def test_unknown_stage_is_a_clear_error(stages: StageCatalog) -> None:
    with pytest.raises(UnknownStageError, match="on_holiday"):
        where_am_i(JourneyFacts(stage="on_holiday"), TODAY, stages)


def test_whole_reply_reads_cleanly(stages: StageCatalog, holidays: BankHolidays) -> None:
    text = _where(stages, holidays, stage="on_licence", licence_end=date(2027, 3, 3))
    assert text == (
        "Out on licence\n"
        "You are out of prison, but your sentence is not over. You must keep to your licence rules and see your "
        "probation officer.\n\n"
        "What happens next: If you keep to your licence, it ends on its end date. If you break the rules, you "
        "could be sent back to prison.\n\n"
        "Your key dates:\n"
        "- Your licence ends on Wednesday 3 March 2027, in 97 days."
    )
