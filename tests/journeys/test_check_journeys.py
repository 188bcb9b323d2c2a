"""The journeys checker: each kind of finding, with its exact line and wording."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli.content import check_content
from journeys.check import check_journeys, journeys_check_report
from journeys.stages import STAGE_KEYS

REPO = Path(__file__).resolve().parents[2]

LABELS = """labels:
  your_journey: Your journey
  you_are_here: You are here
  translations:
    cy: {your_journey: Eich taith, you_are_here: Rydych chi yma}
    pl: {your_journey: Twoja droga, you_are_here: Jesteś tutaj}
"""


def stage(key: str, *, body: str | None = None) -> str:
    return body if body is not None else f"""  - key: {key}
    timeline: [custody]
    title: Title of {key}
    explanation: Short words here. Another short sentence.
    next: Then this happens.
    translations:
      cy: {{title: Teitl, explanation: Geiriau byr., next: Wedyn.}}
      pl: {{title: Tytuł, explanation: Krótkie słowa., next: Potem.}}
"""


def stages_text(**replaced: str) -> str:
    """A valid stages file, with some stages' text replaced (an empty string leaves the stage out)."""
    return LABELS + "stages:\n" + "".join(replaced.get(key, stage(key)) for key in STAGE_KEYS) + \
        replaced.get("_extra", "")


MONEY = """steps:
  - key: claim_online
    when: {day: 0}
    title: Claim
    what_to_do: Claim today.
    translations:
      cy: {title: Hawlio, what_to_do: Hawliwch heddiw.}
      pl: {title: Wniosek, what_to_do: Złóż wniosek dziś.}
"""
HOLIDAYS = "changes:\n  - date: 2023-05-08\n    change: add\n    name: Coronation\n"


def line(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line containing `needle`, worked out independently of the checker."""
    hits = [number for number, content in enumerate(text.splitlines(), start=1) if needle in content]
    return hits[occurrence - 1]


def content(tmp_path: Path, stages: str | None = None, money: str = MONEY, holidays: str = HOLIDAYS) -> Path:
    folder = tmp_path / "journeys"
    folder.mkdir()
    (folder / "stages.yaml").write_text(stages if stages is not None else stages_text(), encoding="utf-8")
    (folder / "money.yaml").write_text(money, encoding="utf-8")
    (folder / "bank-holidays.yaml").write_text(holidays, encoding="utf-8")
    return tmp_path


def findings(tmp_path: Path) -> list[str]:
    return [finding.format(tmp_path) for finding in check_journeys(tmp_path)]


def test_shipped_content_is_clean() -> None:
    assert [finding.format(REPO) for finding in check_journeys(REPO / "content")] == []


def test_the_fixture_base_is_clean(tmp_path: Path) -> None:
    assert findings(content(tmp_path)) == []


def test_a_folder_without_journeys_has_nothing_to_check(tmp_path: Path) -> None:
    assert check_journeys(tmp_path) == []


def test_missing_field(tmp_path: Path) -> None:
    body = stage("hdc").replace("    next: Then this happens.\n", "")
    text = stages_text(hdc=body)
    assert findings(content(tmp_path, text)) == [
        f"journeys/stages.yaml:{line(text, 'key: hdc')}: This stage has no `next`. Add `next:` to the stage.",
    ]


def test_unknown_stage_key_and_missing_stage(tmp_path: Path) -> None:
    text = stages_text(on_licence=stage("on_license"))
    assert findings(content(tmp_path, text)) == [
        f"journeys/stages.yaml:{line(text, 'stages:')}: The stage `on_licence` is missing. Add a stage with "
        "`key: on_licence`: the case file uses it.",
        f"journeys/stages.yaml:{line(text, 'key: on_license')}: `on_license` is not a stage key the case file "
        f"knows. Use one of {', '.join(STAGE_KEYS)}.",
    ]


def test_duplicate_stage(tmp_path: Path) -> None:
    text = stages_text(_extra=stage("in_court"))
    assert findings(content(tmp_path, text)) == [
        f"journeys/stages.yaml:{line(text, 'key: in_court', 2)}: The stage `in_court` is listed twice. Keep one "
        f"of them; the first is on line {line(text, 'key: in_court')}.",
    ]


def test_missing_translation_language_and_field(tmp_path: Path) -> None:
    no_polish = stage("in_prison").replace("      pl: {title: Tytuł, explanation: Krótkie słowa., next: Potem.}\n", "")
    no_welsh_next = stage("release_day").replace(", next: Wedyn.}", "}")
    text = stages_text(in_prison=no_polish, release_day=no_welsh_next)
    in_prison_translations = line(text, "translations:", 1 + 1 + STAGE_KEYS.index("in_prison"))
    release_day_welsh = line(text, "cy: {title: Teitl", 1 + STAGE_KEYS.index("release_day"))
    assert findings(content(tmp_path, text)) == [
        f"journeys/stages.yaml:{in_prison_translations}: The stage `in_prison` has no `pl` translation. Add `pl:` "
        "under `translations:` with title, explanation, next.",
        f"journeys/stages.yaml:{release_day_welsh}: The stage `release_day` has no `next` in its `cy` translation. "
        "Add `next:` under `cy:`.",
    ]


def test_long_sentence_and_too_many_sentences(tmp_path: Path) -> None:
    long_sentence = " ".join(["word"] * 21) + "."
    body = stage("community_order").replace("explanation: Short words here. Another short sentence.",
                                            f"explanation: {long_sentence} Two. Three.")
    text = stages_text(community_order=body)
    where = line(text, f"explanation: {long_sentence}")
    assert findings(content(tmp_path, text)) == [
        f"journeys/stages.yaml:{where}: The stage `community_order` `explanation` has a sentence of 21 words "
        "(word word word word word...). Split it so each sentence has at most 20 words.",
        f"journeys/stages.yaml:{where}: The stage `community_order` `explanation` has 3 sentences. Keep it to at "
        "most 2 short sentences.",
    ]


def test_long_sentence_in_a_translation(tmp_path: Path) -> None:
    long_polish = " ".join(["słowo"] * 22) + "."
    body = stage("sentence_ended").replace("pl: {title: Tytuł, explanation: Krótkie słowa.,",
                                           f"pl: {{title: Tytuł, explanation: {long_polish},")
    text = stages_text(sentence_ended=body)
    assert findings(content(tmp_path, text)) == [
        f"journeys/stages.yaml:{line(text, long_polish)}: The stage `sentence_ended` (pl) `explanation` has a "
        "sentence of 22 words (słowo słowo słowo słowo słowo...). Split it so each sentence has at most 20 words.",
    ]


def test_misspelt_field_and_unknown_path(tmp_path: Path) -> None:
    body = stage("in_court").replace("timeline: [custody]", "timeline: [custody, prison]\n    titel: Court")
    text = stages_text(in_court=body)
    assert findings(content(tmp_path, text)) == [
        f"journeys/stages.yaml:{line(text, 'timeline: [custody, prison]')}: `prison` is not a path. Use custody or "
        "community.",
        f"journeys/stages.yaml:{line(text, 'titel: Court')}: `titel` is not a stage field. Use only key, timeline, "
        "optional, title, explanation, next, translations; check the spelling.",
    ]


def test_yaml_syntax_error(tmp_path: Path) -> None:
    text = stages_text().replace("    title: Title of hdc", "    title: Title of hdc\n   bad: indent")
    [finding] = findings(content(tmp_path, text))
    assert finding.startswith(f"journeys/stages.yaml:{line(text, 'bad: indent')}: YAML error: ")
    assert finding.endswith("Check the indentation and quotes on this line.")


def test_missing_file(tmp_path: Path) -> None:
    (content(tmp_path) / "journeys" / "money.yaml").unlink()
    assert findings(tmp_path) == [
        "journeys/money.yaml:1: The file is missing. Put the file back from version control.",
    ]


@pytest.mark.parametrize(("when", "problem", "fix"), [
    ("{weeks: 2}", "`weeks` is not an offset Signpost knows",
     "Use day, days_after_claim, months_after_claim or on_working_day"),
    ('{day: "7..1"}', "`day: 7..1` is not a number of days", 'Write a whole number like 3, or a quoted range like "1..7"'),
    ("{day: soon}", "`day: soon` is not a number of days", 'Write a whole number like 3, or a quoted range like "1..7"'),
    ("{day: 0, days_after_claim: 3}", "`when` must count from the release day or from the claim",
     "Give either `day` or `days_after_claim`/`months_after_claim`, not both"),
    ("{months_after_claim: -1}", "`months_after_claim: -1` is not a number", "Write a whole number of months, like 1"),
    ("{day: 0, on_working_day: sometimes}", "`on_working_day` must be true or false",
     "Write `on_working_day: true` or leave it out"),
])
def test_unknown_or_wrong_offsets(tmp_path: Path, when: str, problem: str, fix: str) -> None:
    money = MONEY.replace("when: {day: 0}", f"when: {when}")
    assert findings(content(tmp_path, money=money)) == [
        f"journeys/money.yaml:{line(money, 'when:')}: {problem}. {fix}.",
    ]


def test_money_step_problems(tmp_path: Path) -> None:
    money = MONEY + """  - key: bus_fare
    when: {day: "1..3"}
    title: Bus fare
    translations:
      cy: {title: Tocyn bws}
      pl: {title: Bilet}
"""
    assert findings(content(tmp_path, money=money)) == [
        f"journeys/money.yaml:{line(money, 'key: bus_fare')}: This step has no `what_to_do`. Add `what_to_do:` to the "
        "step.",
        f"journeys/money.yaml:{line(money, 'key: bus_fare')}: warning: `bus_fare` is a new money step key. Agree it "
        "with the developers so the case file can tick it off.",
    ]


def test_money_translation_missing_if_late(tmp_path: Path) -> None:
    money = MONEY.replace("    what_to_do: Claim today.\n", "    what_to_do: Claim today.\n    if_late: Call them.\n")
    assert findings(content(tmp_path, money=money)) == [
        f"journeys/money.yaml:{line(money, 'cy: {title: Hawlio')}: The step `claim_online` has no `if_late` in its "
        "`cy` translation. Add `if_late:` under `cy:`.",
        f"journeys/money.yaml:{line(money, 'pl: {title: Wniosek')}: The step `claim_online` has no `if_late` in its "
        "`pl` translation. Add `if_late:` under `pl:`.",
    ]


def test_bank_holiday_problems(tmp_path: Path) -> None:
    holidays = HOLIDAYS + """  - date: 2026-13-01
    change: add
    name: Not a day
  - date: 2026-06-02
    change: remove
    name: Not a holiday
  - date: 2026-12-25
    change: add
    name: Christmas again
  - date: 2026-07-01
    change: move
    name: Moved
  - date: 2026-07-02
    change: add
"""
    assert findings(content(tmp_path, holidays=holidays)) == [
        f"journeys/bank-holidays.yaml:{line(holidays, '2026-13-01')}: `2026-13-01` is not a date. Write the date as "
        "YYYY-MM-DD, for example 2023-05-08.",
        f"journeys/bank-holidays.yaml:{line(holidays, '2026-06-02')}: 2026-06-02 is not a bank holiday by the usual "
        "rules. Check the date: only a usual bank holiday can be removed.",
        f"journeys/bank-holidays.yaml:{line(holidays, '2026-12-25')}: warning: 2026-12-25 is already a usual bank "
        "holiday. Remove this change: Signpost works it out by itself.",
        f"journeys/bank-holidays.yaml:{line(holidays, 'change: move')}: `change` must be add or remove, not `move`. "
        "Write `change: add` for an extra holiday or `change: remove`.",
        f"journeys/bank-holidays.yaml:{line(holidays, '2026-07-02')}: This change has no `name`. Add `name:` saying "
        "what the day was, for example State funeral.",
    ]


def test_registered_with_signpost_content_check(tmp_path: Path) -> None:
    shutil.copytree(REPO / "content", tmp_path / "content")
    stages_file = tmp_path / "content" / "journeys" / "stages.yaml"
    stages_file.write_text(stages_file.read_text(encoding="utf-8").replace("key: hdc", "key: tag"),
                           encoding="utf-8")
    lines = check_content(tmp_path / "content").lines(relative_to=tmp_path / "content")
    assert [entry for entry in lines if entry.startswith("journeys/")] == [
        line_text for line_text in (finding.format(tmp_path / "content")
                                    for finding in check_journeys(tmp_path / "content"))
    ]
    assert any("`tag` is not a stage key" in entry for entry in lines)


def test_report_counts_entries_and_files() -> None:
    report = journeys_check_report(REPO / "content")
    assert report.file_count == 3
    assert report.entry_count == len(STAGE_KEYS) + 8 + 17
    assert report.findings == []
