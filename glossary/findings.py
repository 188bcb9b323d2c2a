"""A content finding: one line an editor can act on, `file:line: what is wrong. How to fix it.`

Shared by every content checker (glossary, journeys, templates, translations), and `ContentError` by
every loader that refuses content it cannot build.
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


class ContentError(ValueError):
    """Content that cannot be loaded or used. The message is the editor's line: file, line, and the fix.

    The one error every content loader raises (glossary, journeys), so callers catch one class and editors
    read one format whichever file is wrong.
    """

    def __init__(self, path: Path, line: int, problem: str, fix: str) -> None:
        self.finding = Finding(path=path, line=line, problem=problem, fix=fix)
        super().__init__(self.finding.format())

    @classmethod
    def from_finding(cls, finding: Finding) -> ContentError:
        return cls(finding.path, finding.line, finding.problem, finding.fix)

    @property
    def path(self) -> Path:
        return self.finding.path

    @property
    def line(self) -> int:
        return self.finding.line

    @property
    def problem(self) -> str:
        return self.finding.problem

    @property
    def fix(self) -> str:
        return self.finding.fix
