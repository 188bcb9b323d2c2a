"""The journeys content a running process serves: stages, money steps, bank holidays and Help now.

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
from journeys.help_now import HELP_NOW_DIR, HelpNow, read_help_now

JOURNEYS_DIR = "journeys"


@dataclass(frozen=True)
class JourneyContent:
    stages: stages.StageCatalog
    money: money.MoneyCatalog
    holidays: calendar.BankHolidays
    help_now: HelpNow


def load_help_now(content_dir: Path) -> HelpNow:
    """The Help now content; its first error as a ContentError when it cannot be served."""
    loaded, findings = read_help_now(content_dir)
    if loaded is None:
        first = next(finding for finding in sorted(findings) if finding.severity is Severity.ERROR)
        raise ContentError.from_finding(first)
    return loaded


def load_journeys(content_dir: Path) -> JourneyContent:
    """Load without checking first: for tools and tests that read a known-good folder once."""
    return JourneyContent(
        stages=stages.load_stages(content_dir),
        money=money.load_money(content_dir),
        holidays=calendar.load_bank_holidays(content_dir),
        help_now=load_help_now(content_dir),
    )


class LiveJourneys(LiveContent[JourneyContent]):
    def watched_paths(self) -> list[Path]:
        return sorted((self.content_dir / JOURNEYS_DIR).glob("*.yaml")) + sorted(
            (self.content_dir / HELP_NOW_DIR).glob("*.yaml"))

    def check_and_build(self) -> tuple[JourneyContent | None, list[Finding]]:
        help_now, help_findings = read_help_now(self.content_dir)
        findings = check_journeys(self.content_dir) + help_findings
        if help_now is None or any(finding.severity is Severity.ERROR for finding in findings):
            return None, findings
        try:
            return JourneyContent(stages.load_stages(self.content_dir), money.load_money(self.content_dir),
                                  calendar.load_bank_holidays(self.content_dir), help_now), findings
        except ContentError as error:  # the checker passed something the loader cannot build: never serve it
            return None, [*findings, error.finding]

    def describe(self, loaded: JourneyContent) -> str:
        return f"{len(loaded.stages.stages)} journey stages"
