"""The journeys content a running process serves: stages, money steps and bank holidays.

Built once (in `bot.app.build_app`, and by the console) and shared by the conversation, the reminder
planner and the console. New content is checked with `journeys.check` before it is swapped in, and
broken content keeps the last good content, on file changes and on SIGHUP, by the same mechanism as
the glossary (`glossary.live.LiveContent`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from glossary.findings import ContentError, Finding, Severity
from glossary.live import LiveContent
from journeys import calendar, money, stages
from journeys.check import check_journeys

JOURNEYS_DIR = "journeys"


@dataclass(frozen=True)
class JourneyContent:
    stages: stages.StageCatalog
    money: money.MoneyCatalog
    holidays: calendar.BankHolidays


def load_journeys(content_dir: Path) -> JourneyContent:
    """Load without checking first: for tools and tests that read a known-good folder once."""
    return JourneyContent(
        stages=stages.load_stages(content_dir),
        money=money.load_money(content_dir),
        holidays=calendar.load_bank_holidays(content_dir),
    )


class LiveJourneys(LiveContent[JourneyContent]):
    def watched_paths(self) -> list[Path]:
        return sorted((self.content_dir / JOURNEYS_DIR).glob("*.yaml"))

    def check_and_build(self) -> tuple[JourneyContent | None, list[Finding]]:
        findings = check_journeys(self.content_dir)
        if any(finding.severity is Severity.ERROR for finding in findings):
            return None, findings
        try:
            return load_journeys(self.content_dir), findings
        except ContentError as error:  # the checker passed something the loader cannot build: never serve it
            return None, [*findings, error.finding]

    def describe(self, loaded: JourneyContent) -> str:
        return f"{len(loaded.stages.stages)} journey stages"
