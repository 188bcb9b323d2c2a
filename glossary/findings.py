"""A content finding: one line an editor can act on, `file:line: what is wrong. How to fix it.`

Shared by every content checker (glossary, journeys, templates, translations).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Severity(StrEnum):
    ERROR = "error"  # the content is not served until it is fixed
    WARNING = "warning"  # served, but an editor should look


@dataclass(frozen=True, order=True)
class Finding:
    path: Path
    line: int
    problem: str  # what is wrong, one sentence without a final full stop
    fix: str  # how to fix it, one sentence without a final full stop
    severity: Severity = Severity.ERROR

    def format(self, relative_to: Path | None = None) -> str:
        shown = self.path
        if relative_to is not None:
            try:
                shown = self.path.relative_to(relative_to)
            except ValueError:
                shown = self.path
        prefix = "" if self.severity is Severity.ERROR else "warning: "
        return f"{shown}:{self.line}: {prefix}{self.problem}. {self.fix}."


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)
