"""Journey stages from `content/journeys/stages.yaml`: their plain words, order and paths.

The stage keys are the case file's own list (`casefile.models.STAGES`), so the allowed keys are fixed in code;
everything a person reads comes from the editors' file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from casefile.models import STAGES
from glossary.findings import ContentError
from glossary.yaml_source import line_of
from journeys.yamlfile import localised, read_journey_file, text_value

STAGES_FILE = "journeys/stages.yaml"

# The keys the case file stores (one list, the case file's). The YAML must describe each of them, and no others.
STAGE_KEYS: tuple[str, ...] = STAGES
CUSTODY, COMMUNITY = "custody", "community"
TIMELINES: tuple[str, ...] = (CUSTODY, COMMUNITY)
STAGE_FIELDS: tuple[str, ...] = ("key", "timeline", "optional", "title", "explanation", "next", "translations")
REQUIRED_STAGE_FIELDS: tuple[str, ...] = ("key", "timeline", "title", "explanation", "next")
TRANSLATED_STAGE_FIELDS: tuple[str, ...] = ("title", "explanation", "next")
LABEL_FIELDS: tuple[str, ...] = ("your_journey", "you_are_here")


class UnknownStageError(ValueError):
    """The case file holds a stage key that Signpost does not know."""


@dataclass(frozen=True)
class StageText:
    """A stage in one language, ready to show."""

    key: str
    title: str
    explanation: str
    next: str


@dataclass(frozen=True)
class TimelineLabels:
    """The fixed words on the timeline picture, in one language."""

    your_journey: str
    you_are_here: str


@dataclass(frozen=True)
class Stage:
    key: str
    timelines: tuple[str, ...]
    optional: bool
    raw: Mapping[str, Any]  # the YAML entry, for its translations
    line: int

    def text(self, language: str) -> StageText:
        return StageText(
            key=self.key,
            title=localised(self.raw, "title", language),
            explanation=localised(self.raw, "explanation", language),
            next=localised(self.raw, "next", language),
        )


@dataclass(frozen=True)
class StageCatalog:
    stages: tuple[Stage, ...]
    labels_raw: Mapping[str, Any]

    def get(self, key: str) -> Stage:
        for stage in self.stages:
            if stage.key == key:
                return stage
        raise UnknownStageError(f"Unknown journey stage {key!r}. Known stages: {', '.join(STAGE_KEYS)}.")

    def on_path(self, timeline: str) -> list[Stage]:
        """The stages of one path (custody or community), in the order a person meets them."""
        return [stage for stage in self.stages if timeline in stage.timelines]

    def labels(self, language: str) -> TimelineLabels:
        return TimelineLabels(
            your_journey=localised(self.labels_raw, "your_journey", language),
            you_are_here=localised(self.labels_raw, "you_are_here", language),
        )


def parse_stages(path: Path, data: Any) -> tuple[StageCatalog, list[ContentError]]:
    """The catalog and every structural problem (missing fields, unknown keys and paths) with its line."""
    problems: list[ContentError] = []
    stages: list[Stage] = []
    if not isinstance(data, Mapping) or not isinstance(data.get("stages"), list):
        problems.append(ContentError(path, 1, "The file has no `stages:` list",
                                     "Start the stages with `stages:` and list each stage under it"))
        return StageCatalog(stages=(), labels_raw={}), problems
    labels = data.get("labels")
    if not isinstance(labels, Mapping):
        problems.append(ContentError(path, 1, "The file has no `labels:` for the picture",
                                     "Add `labels:` with `your_journey:` and `you_are_here:`"))
        labels = {}
    else:
        for name in LABEL_FIELDS:
            if not text_value(labels.get(name)):
                problems.append(ContentError(path, line_of(labels), f"`labels` has no `{name}`",
                                             f"Add `{name}:` under `labels:`"))
    seen: dict[str, int] = {}
    for index, entry in enumerate(data["stages"]):
        line = line_of(data["stages"], index)
        if not isinstance(entry, Mapping):
            problems.append(ContentError(path, line, "This stage is not a set of fields",
                                         "Write it as `- key: ...` with title, explanation and next below"))
            continue
        stage_problems = _stage_problems(path, entry, seen)
        problems.extend(stage_problems)
        key = text_value(entry.get("key"))
        if key in STAGE_KEYS and key not in seen:
            seen[key] = line
            timelines = tuple(text_value(t) for t in entry.get("timeline") or () if text_value(t) in TIMELINES)
            stages.append(Stage(key=key, timelines=timelines, optional=entry.get("optional") is True,
                                raw=entry, line=line))
    for key in STAGE_KEYS:
        if key not in seen:
            problems.append(ContentError(path, line_of(data, "stages"), f"The stage `{key}` is missing",
                                         f"Add a stage with `key: {key}`: the case file uses it"))
    return StageCatalog(stages=tuple(stages), labels_raw=labels), problems


def _stage_problems(path: Path, entry: Mapping[str, Any], seen: Mapping[str, int]) -> list[ContentError]:
    problems: list[ContentError] = []
    start = line_of(entry)
    for name in entry:
        if name not in STAGE_FIELDS:
            problems.append(ContentError(path, line_of(entry, name), f"`{name}` is not a stage field",
                                         f"Use only {', '.join(STAGE_FIELDS)}; check the spelling"))
    for name in REQUIRED_STAGE_FIELDS:
        if not entry.get(name):
            problems.append(ContentError(path, start, f"This stage has no `{name}`", f"Add `{name}:` to the stage"))
    key = text_value(entry.get("key"))
    if key and key not in STAGE_KEYS:
        problems.append(ContentError(path, line_of(entry, "key"), f"`{key}` is not a stage key the case file knows",
                                     f"Use one of {', '.join(STAGE_KEYS)}"))
    elif key in seen:
        problems.append(ContentError(path, line_of(entry, "key"), f"The stage `{key}` is listed twice",
                                     f"Keep one of them; the first is on line {seen[key]}"))
    timeline = entry.get("timeline")
    if timeline is not None:
        if not isinstance(timeline, list):
            problems.append(ContentError(path, line_of(entry, "timeline"), "`timeline` is not a list",
                                         "Write it as `timeline: [custody]` or `timeline: [custody, community]`"))
        else:
            for value in timeline:
                if text_value(value) not in TIMELINES:
                    problems.append(ContentError(path, line_of(entry, "timeline"),
                                                 f"`{text_value(value)}` is not a path",
                                                 "Use custody or community"))
    if "optional" in entry and not isinstance(entry.get("optional"), bool):
        problems.append(ContentError(path, line_of(entry, "optional"), "`optional` must be true or false",
                                     "Write `optional: true` or leave the line out"))
    return problems


def load_stages(content_dir: Path) -> StageCatalog:
    """The stages file. Raises ContentError (with file and line) if it cannot be used."""
    path = content_dir / STAGES_FILE
    catalog, problems = parse_stages(path, read_journey_file(path))
    if problems:
        raise problems[0]
    return catalog
