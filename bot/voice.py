"""Voice notes: a reply read aloud, as the Ogg/Opus audio Telegram plays as a voice message.

Speech is made by pyttsx3 with its espeak-ng driver, in the reply's language, then encoded by opusenc.
It runs in one child process (see bot/voice_worker.py), one note at a time, with a time limit,
so it never blocks the bot's event loop. The same words in the same voice are made only once.

How a channel uses it, reusing Telegram's file id after the first upload:

    notes = VoiceNotes(settings.voice_cache_dir, settings.voice_timeout_seconds)
    await notes.start()                        # optional: warms the speech process up front
    try:
        key = notes.key_for(reply_text, language)
        file_id = notes.file_id_for(key)
        if file_id:
            await bot.send_voice(chat_id, voice=file_id)
        else:
            note = await notes.voice_note(reply_text, language)
            sent = await bot.send_voice(chat_id, voice=note.ogg, duration=round(note.duration_seconds))
            notes.remember_file_id(note.key, sent.voice.file_id)
    except SpeechUnavailable as problem:
        await bot.send_message(chat_id, str(problem))   # a kind, plain message; problem.reason is for logs
    ...
    notes.close()
"""

from __future__ import annotations

import asyncio
import ctypes.util
import hashlib
import importlib.util
import logging
import multiprocessing
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import TracebackType

from bot.i18n import choose_language
from bot.settings import default_of
from bot.voice_cache import VoiceCache, VoiceNote
from bot.voice_ogg import NotOggOpus
from bot.voice_text import speakable_text
from bot.voice_worker import SynthesisDone, SynthesisJob, WorkerFailed, WorkerReady, serve

__all__ = [
    "SpeechUnavailable",
    "SynthesisTiming",
    "VoiceNote",
    "VoiceNotes",
    "available",
    "speech_problem",
    "voice_id_for",
]

log = logging.getLogger(__name__)

# espeak-ng voice identifiers (as pyttsx3 lists them) for each reply language.
VOICE_IDS: dict[str, str] = {"en": "gmw/en", "cy": "cel/cy", "pl": "zlw/pl"}  # gmw/en is British English
SPEAKING_RATE_WPM = 150  # a little slower than espeak-ng's 175, for clarity
OPUS_BITRATE_KBPS = 24
# Encoding is most of a new note's time. opusenc's default complexity 10 took 250 ms for a 40-word answer
# here, 5 took 160 ms, and decoded back the two were within 0.6 dB signal-to-noise of each other.
OPUS_COMPLEXITY = 5
STARTUP_TIMEOUT_SECONDS = 20.0  # a cold Python start on a busy server; separate from the per-note limit
RETRY_START_AFTER_SECONDS = 60.0  # after speech failed to start, say "not available" at once until then
CACHE_RETENTION = timedelta(days=30)  # notes can hold case details, so they are not kept for ever
_CACHE_FORMAT = "ogg-opus/1"  # change when the encoding changes, so old notes are not reused

UNAVAILABLE_MESSAGE = "Sorry, I can't read this out loud right now. The words are still here for you to read."
NOTHING_TO_SAY_MESSAGE = "There are no words in this message for me to read out."


class SpeechUnavailable(Exception):
    """No voice note can be made. `str()` is a kind, plain message for the person; `reason` is for the log."""

    def __init__(self, reason: str, message: str = UNAVAILABLE_MESSAGE) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class _EngineGlitch(Exception):
    """The speech process failed in a way a fresh process may not; `reason` is for the log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SynthesisTiming:
    """Where the time of the last new note went, in seconds."""

    speech_seconds: float
    encode_seconds: float
    round_trip_seconds: float


def speech_problem() -> str | None:
    """What stops speech on this server, found without starting it; None when all parts are installed."""
    if importlib.util.find_spec("pyttsx3") is None:
        return "pyttsx3 is not installed"
    if ctypes.util.find_library("espeak-ng") is None:
        return "libespeak-ng is not installed (apt package espeak-ng)"
    if shutil.which("opusenc") is None:
        return "opusenc is not installed (apt package opus-tools)"
    return None


def available() -> bool:
    """True when pyttsx3, espeak-ng and opusenc are all installed. For a start-up check."""
    return speech_problem() is None


def voice_id_for(language: str) -> str:
    """The espeak-ng voice for a reply language; anything unknown gets British English."""
    return VOICE_IDS[choose_language(language)]


def _exchange(connection: Connection, job: SynthesisJob, timeout_seconds: float) -> object:
    """Send one job and wait for its answer. Runs in a worker thread; TimeoutError when it takes too long."""
    connection.send(job)
    if not connection.poll(timeout_seconds):
        raise TimeoutError
    return connection.recv()


def _wait_until_ready(connection: Connection, timeout_seconds: float) -> object:
    if not connection.poll(timeout_seconds):
        raise TimeoutError
    return connection.recv()


@dataclass
class _Worker:
    process: BaseProcess
    connection: Connection
    work_dir: Path
    voice_ids: frozenset[str] | None = None  # known once the child said it is ready


class VoiceNotes:
    """Makes and keeps voice notes. One instance per bot; call `close()` when the bot stops."""

    def __init__(
        self,
        cache_dir: Path,
        timeout_seconds: float = default_of("voice_timeout_seconds"),
        *,
        rate_wpm: int = SPEAKING_RATE_WPM,
        complexity: int = OPUS_COMPLEXITY,
        memory_entries: int = 64,
        retention: timedelta | None = CACHE_RETENTION,
    ) -> None:
        self.timeout_seconds = timeout_seconds
        self.rate_wpm = rate_wpm
        self.complexity = complexity
        self.synthesis_count = 0  # new notes made (cache misses), for tests and the benchmark
        self.last_timing: SynthesisTiming | None = None
        self._cache = VoiceCache(Path(cache_dir), memory_entries)
        self._retention = retention
        self._lock = asyncio.Lock()
        # One thread is enough: jobs go one at a time, and the thread only waits on the child's pipe.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="signpost-voice")
        self._worker: _Worker | None = None
        self._start_failed: tuple[float, str] | None = None
        self._closed = False
        self._next_job_id = 0

    # -- the public calls ------------------------------------------------------------------------

    async def start(self) -> None:
        """Start and warm the speech process now, so the first note is quick. SpeechUnavailable if it can't."""
        async with self._lock:
            if self._retention is not None:
                await asyncio.get_running_loop().run_in_executor(self._executor, self._cache.prune, self._retention)
            try:
                await self._ready_worker()
            except SpeechUnavailable as problem:
                log.warning("voice notes not available: %s", problem.reason)
                raise

    def key_for(self, text: str, language: str) -> str:
        """The cache key of `text` read in `language`: same words, same voice, same key."""
        return self._key(self._words(text, language), voice_id_for(language))

    async def voice_note(self, text: str, language: str) -> VoiceNote:
        """`text` read aloud in `language` as Ogg/Opus; from the cache when it was made before."""
        if self._closed:
            raise SpeechUnavailable("voice notes are closed")
        voice_id = voice_id_for(language)
        words = self._words(text, language)
        key = self._key(words, voice_id)
        note = self._cache.get(key)
        if note is not None:
            return note
        async with self._lock:
            note = self._cache.get(key)  # made by another caller while this one waited its turn
            if note is not None:
                return note
            try:
                ogg = await self._synthesise(words, voice_id)
                self.synthesis_count += 1
                try:
                    return self._cache.put(key, ogg)
                except NotOggOpus as error:
                    raise SpeechUnavailable(f"opusenc made something that is not Ogg/Opus: {error}") from None
            except SpeechUnavailable as problem:
                # The reason is for whoever runs the bot; the words being read are never logged.
                log.warning("voice note not made (%s, %d characters): %s", voice_id, len(words), problem.reason)
                raise

    def remember_file_id(self, key: str, file_id: str) -> None:
        """Keep Telegram's file id for a sent note, on disk, so it is reused even after a restart."""
        self._cache.remember_file_id(key, file_id)

    def file_id_for(self, key: str) -> str | None:
        return self._cache.file_id_for(key)

    def forget_file_id(self, key: str) -> None:
        """Call when Telegram refuses a stored file id; the next send uploads the note again."""
        self._cache.forget_file_id(key)

    def close(self) -> None:
        """Stop the speech process and its thread. Notes on disk stay for next time."""
        self._closed = True
        self._stop_worker()
        self._executor.shutdown(wait=False)

    async def __aenter__(self) -> VoiceNotes:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    # -- making a note ---------------------------------------------------------------------------

    def _words(self, text: str, language: str) -> str:
        words = speakable_text(text, choose_language(language))
        if not words:
            raise SpeechUnavailable("nothing left to say once markup was removed", NOTHING_TO_SAY_MESSAGE)
        return words

    def _key(self, words: str, voice_id: str) -> str:
        settings = f"{_CACHE_FORMAT}\n{voice_id}\n{self.rate_wpm}\n{OPUS_BITRATE_KBPS}\n{self.complexity}\n"
        return hashlib.sha256((settings + words).encode("utf-8")).hexdigest()

    async def _synthesise(self, words: str, voice_id: str) -> bytes:
        opusenc = shutil.which("opusenc")  # looked up each time so installing it later needs no restart
        if opusenc is None:
            raise SpeechUnavailable("opusenc is not installed (apt package opus-tools)")
        try:
            return await self._attempt(words, voice_id, opusenc)
        except _EngineGlitch as glitch:
            # pyttsx3 and espeak-ng now and then drop a note's sound or their process dies mid-note; a fresh
            # process (the failed one was already replaced) nearly always makes it, so try that once
            # rather than tell the person "sorry". Timeouts are not retried: the wait is already long.
            log.info("voice note retried in a fresh speech process after: %s", glitch.reason)
        try:
            return await self._attempt(words, voice_id, opusenc)
        except _EngineGlitch as glitch:
            raise SpeechUnavailable(glitch.reason) from None

    async def _attempt(self, words: str, voice_id: str, opusenc: str) -> bytes:
        """One try in the current speech process. _EngineGlitch when another process may succeed."""
        worker = await self._ready_worker()
        if worker.voice_ids is not None and voice_id not in worker.voice_ids:
            raise SpeechUnavailable(f"espeak-ng has no voice {voice_id!r} on this server")
        self._next_job_id += 1
        job = SynthesisJob(self._next_job_id, words, voice_id, self.rate_wpm, opusenc,
                           OPUS_BITRATE_KBPS, self.complexity, self.timeout_seconds)  # fmt: skip
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        try:
            reply = await loop.run_in_executor(
                self._executor, _exchange, worker.connection, job, self.timeout_seconds
            )
        except TimeoutError:
            self._restart_worker()
            raise SpeechUnavailable(f"speech took longer than {self.timeout_seconds:g} s") from None
        except (EOFError, OSError) as error:
            self._restart_worker()
            raise _EngineGlitch(f"the speech process ended: {error!r}") from None
        except asyncio.CancelledError:
            # The answer would arrive for nobody and muddle the next job: start afresh instead.
            self._restart_worker()
            raise
        if isinstance(reply, WorkerFailed):
            if reply.problem == "engine":
                self._restart_worker()
                raise _EngineGlitch(f"{reply.problem}: {reply.detail}")
            raise SpeechUnavailable(f"{reply.problem}: {reply.detail}")
        if not isinstance(reply, SynthesisDone) or reply.job_id != job.job_id:
            self._restart_worker()
            raise _EngineGlitch(f"unexpected answer from the speech process: {type(reply).__name__}")
        self.last_timing = SynthesisTiming(reply.speech_seconds, reply.encode_seconds,
                                           time.perf_counter() - started)  # fmt: skip
        return reply.ogg

    # -- the speech process ----------------------------------------------------------------------

    async def _ready_worker(self) -> _Worker:
        """The running, warmed speech process, starting one if needed. Called with the lock held."""
        if self._closed:
            raise SpeechUnavailable("voice notes are closed")
        if self._worker is not None and self._worker.voice_ids is not None and self._worker.process.is_alive():
            return self._worker
        if self._start_failed and time.monotonic() - self._start_failed[0] < RETRY_START_AFTER_SECONDS:
            raise SpeechUnavailable(self._start_failed[1])
        if self._worker is None or not self._worker.process.is_alive():
            self._stop_worker()
            self._worker = self._spawn()
        worker = self._worker
        loop = asyncio.get_running_loop()
        timeout = max(self.timeout_seconds, STARTUP_TIMEOUT_SECONDS)
        try:
            reply = await loop.run_in_executor(self._executor, _wait_until_ready, worker.connection, timeout)
        except (TimeoutError, EOFError, OSError) as error:
            reply = WorkerFailed(None, "engine", f"the speech process did not start: {error!r}")
        except asyncio.CancelledError:
            self._stop_worker()
            raise
        if not isinstance(reply, WorkerReady):
            detail = reply.detail if isinstance(reply, WorkerFailed) else repr(reply)
            reason = f"speech could not start: {detail}"
            self._stop_worker()
            self._start_failed = (time.monotonic(), reason)
            raise SpeechUnavailable(reason)
        self._start_failed = None
        worker.voice_ids = reply.voice_ids
        return worker

    def _spawn(self) -> _Worker:
        context = multiprocessing.get_context("spawn")
        parent_end, child_end = context.Pipe(duplex=True)
        # A private folder (mode 0700) for the one WAV file the child writes between speech and encoding.
        work_dir = Path(tempfile.mkdtemp(prefix="signpost-speech-"))
        warm = tuple(VOICE_IDS.values())
        process = context.Process(
            target=serve, args=(child_end, str(work_dir), warm), name="signpost-speech", daemon=True
        )
        process.start()
        child_end.close()  # the child holds its own copy; closing ours lets us see EOF if it dies
        return _Worker(process, parent_end, work_dir)

    def _restart_worker(self) -> None:
        """Kill the speech process (it may be stuck) and start a new one, to be warmed on next use."""
        self._stop_worker()
        if not self._closed:
            self._worker = self._spawn()

    def _stop_worker(self) -> None:
        worker, self._worker = self._worker, None
        if worker is None:
            return
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(timeout=2)
        # The executor's thread may still be waiting on this pipe; the kill gives it EOF, then it is closed.
        try:
            self._executor.submit(worker.connection.close)
        except RuntimeError:  # the executor is already shut down
            worker.connection.close()
        shutil.rmtree(worker.work_dir, ignore_errors=True)
