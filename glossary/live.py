"""Content a running process serves, reloaded when editors change the files (or on SIGHUP).

`LiveContent` is the one keep-last-good mechanism; `LiveGlossary` (here) and `journeys.live.LiveJourneys`
are its two kinds of content.

New content is checked first and only swapped in when it has no errors; otherwise the process keeps
serving the last good content and logs the findings, so broken content is never served. The very
first load has nothing to fall back on, so it raises instead.

Changes are found by polling file times and sizes once a second: no extra dependency, and it works
the same on every filesystem (including network and container mounts where inotify is unreliable).
"""

from __future__ import annotations

import logging
import signal
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any, Generic, TypeVar

from glossary.check import GLOSSARY_DIR, check_glossary
from glossary.findings import ContentError, Finding, Severity
from glossary.load import load_glossary
from glossary.model import Glossary
from glossary.plain_language import PLAIN_WORDS_FILE
from glossary.question_match import QuestionIndex
from glossary.questions import QuestionLibrary, build_questions, question_files
from glossary.search import GlossaryIndex

logger = logging.getLogger("signpost.content")

FindingsHandler = Callable[[Sequence[Finding]], None]
Snapshot = tuple[tuple[str, int, int], ...]
_ATTEMPTS_WHILE_FILES_CHANGE = 5
Loaded = TypeVar("Loaded")


class ContentCheckFailed(ContentError):
    """The content has errors and there is no earlier good content to serve instead."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        errors = [finding for finding in findings if finding.severity is Severity.ERROR]
        first = errors[0]
        more = len(errors) - 1
        if more:
            first = Finding(
                first.path,
                first.line,
                f"{first.problem} (and {more} more {'error' if more == 1 else 'errors'})",
                f"{first.fix}. Run `signpost content check` to see them all",
            )
        super().__init__(first.path, first.line, first.problem, first.fix)
        self.findings = list(findings)


def log_findings_to(target: logging.Logger) -> FindingsHandler:
    """A findings handler that writes each finding as one log line: errors as errors, warnings as warnings."""

    def handle(findings: Sequence[Finding]) -> None:
        for finding in sorted(findings):
            level = logging.ERROR if finding.severity is Severity.ERROR else logging.WARNING
            target.log(level, "%s", finding.format())

    return handle


class LiveContent(ABC, Generic[Loaded]):
    """Holds the current content; swaps in new content only when it passes its check.

    A kind of content says which files it reads (`watched_paths`), how to check and build them
    (`check_and_build`), and how to describe a good load in the log (`describe`).
    """

    def __init__(
        self, content_dir: Path, on_findings: FindingsHandler | logging.Logger | None = None
    ) -> None:
        self.content_dir = Path(content_dir)
        if on_findings is None:
            on_findings = logger
        self._on_findings: FindingsHandler = (
            log_findings_to(on_findings) if isinstance(on_findings, logging.Logger) else on_findings
        )
        self._reload_lock = threading.Lock()
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self._seen: Snapshot = self._snapshot()
        self.loads = 0  # how many times good content was swapped in (the first load counts)
        loaded, findings = self._check_and_load()
        if loaded is None:
            raise ContentCheckFailed(findings)
        self._current: Loaded = loaded
        self.loads = 1

    def current(self) -> Loaded:
        """The content to answer with now; read it once per reply so one reply never mixes two loads."""
        return self._current

    @abstractmethod
    def watched_paths(self) -> list[Path]:
        """Every file a reload reads: a change to any of them means reload."""

    @abstractmethod
    def check_and_build(self) -> tuple[Loaded | None, list[Finding]]:
        """Check the files, and build the content only if there are no errors (else None)."""

    def describe(self, loaded: Loaded) -> str:
        return "content"

    def reload(self) -> bool:
        """Check and load the content again; True if new content is now served, False if the old one stays."""
        with self._reload_lock:
            loaded, findings = self._check_and_load()
            if loaded is None:
                errors = sum(1 for finding in findings if finding.severity is Severity.ERROR)
                logger.error(
                    "The changed content in %s has %d %s, so the last good content is still served. "
                    "Fix them and save again.",
                    self.content_dir,
                    errors,
                    "error" if errors == 1 else "errors",
                )
                return False
            self._current = loaded  # one assignment: readers see the old pair or the new one, never half
            self.loads += 1
            logger.info("Content reloaded from %s: %s.", self.content_dir, self.describe(loaded))
            return True

    def _check_and_load(self) -> tuple[Loaded | None, list[Finding]]:
        """Check, then load what was checked, and report the findings once.

        The checker and the loader each read the files, so an editor saving in between could get
        unchecked content loaded. If any file changed while we worked, start again.
        """
        for _ in range(_ATTEMPTS_WHILE_FILES_CHANGE):
            before = self._snapshot()
            loaded, findings = self.check_and_build()
            self._seen = self._snapshot()
            if self._seen == before:
                break
        else:
            loaded, findings = (
                None,
                [
                    Finding(
                        self.content_dir,
                        1,
                        "The content files kept changing while they were being checked",
                        "Wait until everyone has saved, then save one file again",
                    )
                ],
            )
        if findings:
            self._on_findings(findings)
        return loaded, findings

    def _snapshot(self) -> Snapshot:
        """Name, change time and size of every file a reload reads; any difference means reload."""
        seen: list[tuple[str, int, int]] = []
        for path in self.watched_paths():
            try:
                status = path.stat()
            except OSError:  # deleted between listing and looking: the next poll sees it gone
                continue
            seen.append((path.name, status.st_mtime_ns, status.st_size))
        return tuple(seen)

    def changed(self) -> bool:
        return self._snapshot() != self._seen

    def start_watching(self, interval: float = 1.0) -> None:
        """Poll the content folder every `interval` seconds in a daemon thread and reload on changes."""
        if self._watcher is not None and self._watcher.is_alive():
            return
        self._stop.clear()
        self._watcher = threading.Thread(
            target=self._watch, args=(interval,), name="content-watcher", daemon=True
        )
        self._watcher.start()

    def _watch(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                if self.changed():
                    self.reload()
            except Exception:  # a bug must not stop the watching; the old content is still served
                logger.exception("Reloading the content failed; the last good content is still served.")

    def stop(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
            self._watcher = None

    def install_sighup_handler(self) -> Any:
        """Reload this content on SIGHUP; see `install_sighup_handler` for several kinds at once."""
        return install_sighup_handler(self)

    def _reload_quietly(self) -> None:
        try:
            self.reload()
        except Exception:
            logger.exception("Reloading the content failed; the last good content is still served.")


def install_sighup_handler(*contents: LiveContent[Any]) -> Any:
    """Reload every one of `contents` on SIGHUP (`kill -HUP <pid>`). Call from the main thread.

    A process has one SIGHUP handler, so all its live content is reloaded by the same one. The reloads
    run in their own thread: the handler may interrupt code that holds a reload lock. Returns the
    previous handler.
    """
    if not hasattr(signal, "SIGHUP"):  # Windows has no SIGHUP; file watching still works
        return None

    def reload_all() -> None:
        for content in contents:
            content._reload_quietly()

    def on_sighup(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=reload_all, name="content-reload-sighup", daemon=True).start()

    return signal.signal(signal.SIGHUP, on_sighup)


class LiveGlossary(LiveContent[tuple[Glossary, GlossaryIndex]]):
    """The current `(Glossary, GlossaryIndex)`, from the glossary files and the hard-words list."""

    @property
    def glossary(self) -> Glossary:
        return self._current[0]

    @property
    def index(self) -> GlossaryIndex:
        return self._current[1]

    def watched_paths(self) -> list[Path]:
        return sorted((self.content_dir / GLOSSARY_DIR).glob("*.yaml")) + [self.content_dir / PLAIN_WORDS_FILE]

    def describe(self, loaded: tuple[Glossary, GlossaryIndex]) -> str:
        return f"{len(loaded[0])} entries"

    def check_and_build(self) -> tuple[tuple[Glossary, GlossaryIndex] | None, list[Finding]]:
        report = check_glossary(self.content_dir)
        if report.has_errors:
            return None, report.findings
        try:
            glossary = load_glossary(self.content_dir)
            index = GlossaryIndex.build(glossary)
        except ContentError as error:
            # The checker passed something the loader cannot build: still never serve it.
            return None, report.findings + [error.finding]
        return (glossary, index), report.findings


class LiveQuestions(LiveContent[tuple[QuestionLibrary, QuestionIndex]]):
    """The current questions library and its match index, from content/questions (glossary.questions)."""

    @property
    def index(self) -> QuestionIndex:
        return self._current[1]

    def watched_paths(self) -> list[Path]:
        # The cards name glossary terms, so a glossary change can break (or mend) them too.
        return question_files(self.content_dir) + sorted((self.content_dir / GLOSSARY_DIR).glob("*.yaml"))

    def describe(self, loaded: tuple[QuestionLibrary, QuestionIndex]) -> str:
        return f"{len(loaded[0])} question cards"

    def check_and_build(self) -> tuple[tuple[QuestionLibrary, QuestionIndex] | None, list[Finding]]:
        library, findings = build_questions(self.content_dir)
        if library is None:
            return None, findings
        return (library, QuestionIndex(library)), findings
