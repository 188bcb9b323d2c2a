"""The speech child process: one pyttsx3 engine (espeak-ng driver) that makes one voice note at a time.

pyttsx3 is not thread-safe, keeps global espeak-ng state, and its `runAndWait` can hang in a long-lived
process. So it lives alone in a child process started with the spawn method: the bot can kill it when
it takes too long and start a fresh one, and the bot's own process never loads libespeak-ng.

The parent (bot/voice.py) sends a `SynthesisJob`; the child answers with `SynthesisDone` or `WorkerFailed`.
On start the child answers `WorkerReady` (or `WorkerFailed` when speech cannot work at all).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

# A word said once per language at start, so each voice's data is loaded before the first real job.
_WARM_UP_WORD = "OK"
_WARM_UP_LIMIT_SECONDS = 5.0


@dataclass(frozen=True)
class SynthesisJob:
    job_id: int
    text: str
    voice_id: str
    rate_wpm: int
    opusenc: str
    bitrate_kbps: int
    complexity: int
    time_limit_seconds: float  # the parent kills this process at its own limit; this just stops a wait


@dataclass(frozen=True)
class WorkerReady:
    voice_ids: frozenset[str]


@dataclass(frozen=True)
class SynthesisDone:
    job_id: int
    ogg: bytes
    speech_seconds: float
    encode_seconds: float


@dataclass(frozen=True)
class WorkerFailed:
    """`problem` is one of "engine", "voice", "encoder"; `detail` is for the log, never for the person."""

    job_id: int | None
    problem: str
    detail: str


WorkerReply = WorkerReady | SynthesisDone | WorkerFailed


def _silence_stdout() -> None:
    # pyttsx3's espeak driver prints "Audio saved to ..." after every file; keep the bot's output clean.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)


class _Speaker:
    """The one pyttsx3 engine, and a safe way to have it write one WAV file.

    pyttsx3's espeak driver runs espeak-ng in its asynchronous mode: the sound is made on espeak-ng's own
    thread, and `runAndWait` can return before it is done (it does on the first call). Voice and rate
    changes are queued on that thread too, and if `runAndWait` starts while espeak-ng is still busy, the
    driver cancels the new speech and writes an empty WAV. So each job waits until espeak-ng is idle
    before `runAndWait`, and afterwards waits for the driver's own "finished-utterance" event, which it
    sends only after the WAV file is written.
    """

    def __init__(self, engine: Any) -> None:
        self._engine = engine
        self._finished = threading.Event()
        engine.connect("finished-utterance", self._on_finished)
        try:
            from pyttsx3.drivers import _espeak

            self._is_playing: Callable[[], int] = _espeak.IsPlaying
        except (ImportError, AttributeError):  # another pyttsx3 layout: rely on the finished event alone
            self._is_playing = lambda: 0

    def _on_finished(self, name: object = None, completed: bool = True, **_: object) -> None:
        if completed:
            self._finished.set()

    def _wait_until_idle(self, deadline: float) -> bool:
        while self._is_playing():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.001)
        return True

    def speak_to_wav(self, text: str, voice_id: str, rate_wpm: int, wav_path: Path, limit_seconds: float) -> str | None:
        """Write `text` as a WAV file; returns what went wrong, or None."""
        deadline = time.monotonic() + limit_seconds
        self._engine.setProperty("voice", voice_id)
        self._engine.setProperty("rate", rate_wpm)
        # espeak-ng queues voice and rate changes on its own thread too, so wait for those as well.
        if not self._wait_until_idle(deadline):
            return "espeak-ng stayed busy"
        wav_path.unlink(missing_ok=True)
        self._finished.clear()
        self._engine.save_to_file(text, str(wav_path))
        self._engine.runAndWait()
        if not self._finished.wait(max(0.0, deadline - time.monotonic())):
            return "espeak-ng did not finish"
        # pyttsx3 swallows a failed voice change (it only logs it), so check which voice actually spoke.
        if self._engine.getProperty("voice") != voice_id:
            return f"espeak-ng would not switch to voice {voice_id!r}"
        if not wav_path.exists() or wav_path.stat().st_size <= 44:  # 44 bytes is a WAV header with no sound
            return "pyttsx3 made no audio"
        return None


def _encode(job: SynthesisJob, wav_path: Path) -> bytes:
    """WAV file to Ogg/Opus bytes, read from opusenc's standard output."""
    command = [
        job.opusenc, "--quiet", "--speech",
        "--bitrate", str(job.bitrate_kbps),
        "--comp", str(job.complexity),
        str(wav_path), "-",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, check=False)
    if result.returncode != 0 or not result.stdout.startswith(b"OggS"):
        message = result.stderr.decode("utf-8", "replace").strip()[-300:]
        raise RuntimeError(f"opusenc exited {result.returncode}: {message}")
    return result.stdout


def _run_job(speaker: _Speaker, job: SynthesisJob, wav_path: Path, voices: frozenset[str]) -> WorkerReply:
    if job.voice_id not in voices:
        return WorkerFailed(job.job_id, "voice", f"espeak-ng has no voice {job.voice_id!r}")
    started = time.perf_counter()
    problem = speaker.speak_to_wav(job.text, job.voice_id, job.rate_wpm, wav_path, job.time_limit_seconds)
    spoken = time.perf_counter()
    if problem:
        return WorkerFailed(job.job_id, "engine", problem)
    try:
        ogg = _encode(job, wav_path)
    except OSError as error:  # opusenc missing or not runnable
        return WorkerFailed(job.job_id, "encoder", f"cannot run {job.opusenc!r}: {error}")
    except RuntimeError as error:
        return WorkerFailed(job.job_id, "encoder", str(error))
    finally:
        wav_path.unlink(missing_ok=True)  # the person's words stay on disk no longer than needed
    return SynthesisDone(job.job_id, ogg, spoken - started, time.perf_counter() - spoken)


def serve(connection: Connection, work_dir: str, warm_voice_ids: tuple[str, ...]) -> None:
    """The child's whole life: start the engine, say which voices exist, then answer jobs until the pipe closes."""
    _silence_stdout()
    wav_path = Path(work_dir) / "speech.wav"
    try:
        import pyttsx3  # imported here so only the child loads libespeak-ng

        engine = pyttsx3.init("espeak")
        speaker = _Speaker(engine)
        voices = frozenset(voice.id for voice in engine.getProperty("voices"))
        for voice_id in warm_voice_ids:
            if voice_id in voices:
                speaker.speak_to_wav(_WARM_UP_WORD, voice_id, 150, wav_path, _WARM_UP_LIMIT_SECONDS)
        wav_path.unlink(missing_ok=True)
    except Exception as error:  # pyttsx3 raises ImportError, OSError or RuntimeError when espeak-ng is missing
        connection.send(WorkerFailed(None, "engine", f"{type(error).__name__}: {error}"))
        return
    connection.send(WorkerReady(voices))
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return  # the bot closed the pipe or exited
        try:
            reply = _run_job(speaker, job, wav_path, voices)
        except Exception as error:  # pyttsx3's loop state is unknown after this, so this child ends
            connection.send(WorkerFailed(job.job_id, "engine", f"{type(error).__name__}: {error}"))
            return
        connection.send(reply)
