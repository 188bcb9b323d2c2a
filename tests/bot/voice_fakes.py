"""A speech child process that always loses the sound, for the voice tests (imported by the spawned child)."""

from __future__ import annotations

from multiprocessing.connection import Connection

from bot.voice_worker import WorkerFailed, WorkerReady


def serve_without_sound(connection: Connection, work_dir: str, warm_voice_ids: tuple[str, ...]) -> None:
    connection.send(WorkerReady(frozenset(warm_voice_ids)))
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        connection.send(WorkerFailed(job.job_id, "engine", "pyttsx3 made no audio"))
