"""Voice notes end to end: real pyttsx3 + espeak-ng in the child process, real opusenc, real files.

Each test runs its own event loop with asyncio.run and its own VoiceNotes, so no speech process or
lock is shared between tests.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import subprocess
import wave
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest

from bot import voice
from bot.settings import Settings
from bot.voice import NOTHING_TO_SAY_MESSAGE, UNAVAILABLE_MESSAGE, SpeechUnavailable, VoiceNote, VoiceNotes
from bot.voice_ogg import read_opus_info
from tests.bot.voice_fakes import serve_without_sound

T = TypeVar("T")

SENTENCES = {
    "en": "Your next meeting with your probation officer is on Tuesday at 10:30. Bring your letter.",
    "cy": "Mae eich cyfarfod nesaf gyda'ch swyddog prawf ddydd Mawrth am hanner awr wedi deg.",
    "pl": "Twoje następne spotkanie z kuratorem jest we wtorek o dziesiątej trzydzieści.",
}
STEPS = [f"Step {number}: ring the office, say your name, and ask them what to do next." for number in range(60)]
LONG_TEXT = " ".join(STEPS)
MEDIUM_TEXT = " ".join(STEPS[:6])


def run_with_notes(tmp_path: Path, body: Callable[[VoiceNotes], Awaitable[T]], timeout: float = 10.0) -> T:
    async def main() -> T:
        notes = VoiceNotes(tmp_path / "voice-cache", timeout_seconds=timeout)
        try:
            return await body(notes)
        finally:
            notes.close()

    return asyncio.run(main())


def assert_real_voice_note(note: VoiceNote, tmp_path: Path) -> None:
    assert note.ogg.startswith(b"OggS")
    info = read_opus_info(note.ogg, check_crc=True)
    assert info.channels == 1
    assert note.duration_seconds == pytest.approx(info.duration_seconds)
    assert note.duration_seconds > 0.5
    # Decode it for real and check the sound lasts as long as the headers say.
    decoded = tmp_path / f"{note.key}.wav"
    subprocess.run(["opusdec", "--quiet", "--rate", "48000", str(note.path), str(decoded)], check=True)
    with wave.open(str(decoded)) as sound:
        assert sound.getnchannels() == 1
        assert sound.getnframes() / sound.getframerate() == pytest.approx(note.duration_seconds, abs=0.05)


@pytest.mark.parametrize("language", ["en", "cy", "pl"])
def test_voice_note_is_mono_ogg_opus_that_decodes(tmp_path: Path, language: str) -> None:
    note = run_with_notes(tmp_path, lambda notes: notes.voice_note(SENTENCES[language], language))
    assert_real_voice_note(note, tmp_path)
    # About 14 words at 150 a minute: a few seconds of speech, not a blip and not minutes.
    assert 2 < note.duration_seconds < 20


def test_each_language_gets_its_own_voice(tmp_path: Path) -> None:
    async def body(notes: VoiceNotes) -> tuple[VoiceNote, VoiceNote]:
        return await notes.voice_note("Tak", "en"), await notes.voice_note("Tak", "pl")

    english, polish = run_with_notes(tmp_path, body)
    assert english.key != polish.key
    assert english.ogg != polish.ogg


def test_same_text_twice_is_made_once_and_reused_after_a_restart(tmp_path: Path) -> None:
    async def body(notes: VoiceNotes) -> tuple[VoiceNote, VoiceNote, int]:
        first = await notes.voice_note(SENTENCES["en"], "en")
        # Different markup, same words: still the same note.
        second = await notes.voice_note(f"<b>{SENTENCES['en']}</b>\n[Listen]", "en")
        return first, second, notes.synthesis_count

    first, second, made = run_with_notes(tmp_path, body)
    assert made == 1
    assert second.ogg == first.ogg and second.key == first.key

    async def after_restart(notes: VoiceNotes) -> tuple[VoiceNote, int]:
        return await notes.voice_note(SENTENCES["en"], "en"), notes.synthesis_count

    again, made_after_restart = run_with_notes(tmp_path, after_restart)
    assert made_after_restart == 0
    assert again.ogg == first.ogg


def test_telegram_file_id_is_remembered_by_a_new_instance(tmp_path: Path) -> None:
    async def send(notes: VoiceNotes) -> str:
        note = await notes.voice_note(SENTENCES["pl"], "pl")
        assert notes.file_id_for(note.key) is None
        notes.remember_file_id(note.key, "AwACAgQAAxkBAAIBZ2")
        return note.key

    key = run_with_notes(tmp_path, send)
    fresh = VoiceNotes(tmp_path / "voice-cache")
    try:
        assert fresh.key_for(SENTENCES["pl"], "pl") == key
        assert fresh.file_id_for(key) == "AwACAgQAAxkBAAIBZ2"
    finally:
        fresh.close()


def test_too_slow_gives_speech_unavailable_and_the_next_note_works(tmp_path: Path) -> None:
    async def body(notes: VoiceNotes) -> tuple[SpeechUnavailable, VoiceNote]:
        await notes.start()
        notes.timeout_seconds = 0.05  # far less than 60 sentences take
        with pytest.raises(SpeechUnavailable) as too_slow:
            await notes.voice_note(LONG_TEXT, "en")
        notes.timeout_seconds = 10
        return too_slow.value, await notes.voice_note(SENTENCES["en"], "en")

    problem, note = run_with_notes(tmp_path, body)
    assert str(problem) == UNAVAILABLE_MESSAGE
    assert "longer than" in problem.reason
    assert_real_voice_note(note, tmp_path)


def speech_process_ids() -> set[int]:
    return {child.pid for child in multiprocessing.active_children() if child.name == "signpost-speech"}


def test_a_speech_process_that_dies_mid_note_is_replaced_and_the_note_still_made(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    twenty_sentences = " ".join(STEPS[:20])  # about 2 s to make here, most of it encoding: time to kill it

    async def body(notes: VoiceNotes) -> tuple[VoiceNote, set[int], set[int]]:
        await notes.start()
        first = speech_process_ids()
        making = asyncio.create_task(notes.voice_note(twenty_sentences, "en"))
        await asyncio.sleep(0.5)
        for pid in first:
            os.kill(pid, signal.SIGKILL)
        note = await making
        return note, first, speech_process_ids()

    with caplog.at_level(logging.INFO, logger="bot.voice"):
        note, before, after = run_with_notes(tmp_path, body, timeout=30.0)
    assert len(before) == 1 and len(after) == 1 and before != after
    assert_real_voice_note(note, tmp_path)
    assert note.duration_seconds > 60
    assert any("retried in a fresh speech process" in record.getMessage() for record in caplog.records)


def test_speech_that_fails_again_in_a_fresh_process_gives_the_kind_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(voice, "serve", serve_without_sound)

    async def body(notes: VoiceNotes) -> SpeechUnavailable:
        with pytest.raises(SpeechUnavailable) as failed:
            await notes.voice_note(SENTENCES["en"], "en")
        return failed.value

    with caplog.at_level(logging.INFO, logger="bot.voice"):
        problem = run_with_notes(tmp_path, body)
    assert str(problem) == UNAVAILABLE_MESSAGE and "made no audio" in problem.reason
    messages = [record.getMessage() for record in caplog.records]
    assert sum("retried in a fresh speech process" in message for message in messages) == 1  # once, not forever


def test_a_cancelled_request_leaves_the_next_one_working(tmp_path: Path) -> None:
    async def body(notes: VoiceNotes) -> VoiceNote:
        await notes.start()
        waiting = asyncio.create_task(notes.voice_note(MEDIUM_TEXT, "en"))
        await asyncio.sleep(0.05)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        return await notes.voice_note(SENTENCES["pl"], "pl")

    assert_real_voice_note(run_with_notes(tmp_path, body), tmp_path)


def test_missing_opusenc_gives_a_plain_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty_bin = tmp_path / "empty-bin"
    empty_bin.mkdir()

    async def body(notes: VoiceNotes) -> SpeechUnavailable:
        await notes.start()
        monkeypatch.setenv("PATH", str(empty_bin))
        with pytest.raises(SpeechUnavailable) as missing:
            await notes.voice_note(SENTENCES["en"], "en")
        return missing.value

    problem = run_with_notes(tmp_path, body)
    assert str(problem) == UNAVAILABLE_MESSAGE
    assert "opusenc" not in str(problem) and "Error" not in str(problem)
    assert "opusenc" in problem.reason
    assert voice.available() is False
    assert "opusenc" in (voice.speech_problem() or "")


def test_speech_that_cannot_start_gives_a_plain_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # espeak-ng finds no voice data here, so the child process cannot start its engine.
    monkeypatch.setenv("ESPEAK_DATA_PATH", str(tmp_path))

    async def body(notes: VoiceNotes) -> tuple[SpeechUnavailable, SpeechUnavailable]:
        with pytest.raises(SpeechUnavailable) as at_start:
            await notes.start()
        with pytest.raises(SpeechUnavailable) as later:
            await notes.voice_note(SENTENCES["en"], "en")
        return at_start.value, later.value

    at_start, later = run_with_notes(tmp_path, body)
    assert str(at_start) == str(later) == UNAVAILABLE_MESSAGE
    assert "could not start" in at_start.reason


def test_a_language_whose_voice_is_missing_gives_a_plain_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(voice.VOICE_IDS, "cy", "cel/not-a-voice")

    async def body(notes: VoiceNotes) -> tuple[SpeechUnavailable, VoiceNote]:
        with pytest.raises(SpeechUnavailable) as missing:
            await notes.voice_note(SENTENCES["cy"], "cy")
        return missing.value, await notes.voice_note(SENTENCES["en"], "en")

    problem, english = run_with_notes(tmp_path, body)
    assert str(problem) == UNAVAILABLE_MESSAGE
    assert "cel/not-a-voice" in problem.reason
    assert_real_voice_note(english, tmp_path)


def test_nothing_to_say_is_told_kindly_without_starting_speech(tmp_path: Path) -> None:
    async def body(notes: VoiceNotes) -> SpeechUnavailable:
        with pytest.raises(SpeechUnavailable) as nothing:
            await notes.voice_note("👍 [Back]", "en")
        assert notes.synthesis_count == 0
        return nothing.value

    assert str(run_with_notes(tmp_path, body)) == NOTHING_TO_SAY_MESSAGE


def test_three_at_once_are_made_one_at_a_time_and_duplicates_once(tmp_path: Path) -> None:
    async def body(notes: VoiceNotes) -> tuple[list[VoiceNote], int]:
        texts = [(SENTENCES["en"], "en"), (SENTENCES["cy"], "cy"), (SENTENCES["pl"], "pl"), (SENTENCES["en"], "en")]
        results = await asyncio.gather(*(notes.voice_note(text, language) for text, language in texts))
        return list(results), notes.synthesis_count

    results, made = run_with_notes(tmp_path, body)
    assert made == 3
    assert results[0].ogg == results[3].ogg
    assert len({note.key for note in results}) == 3
    for note in results:
        assert_real_voice_note(note, tmp_path)


def test_the_event_loop_keeps_running_while_speech_is_made(tmp_path: Path) -> None:
    async def body(notes: VoiceNotes) -> tuple[int, VoiceNote]:
        ticks = 0
        done = asyncio.Event()

        async def ticker() -> None:
            nonlocal ticks
            while not done.is_set():
                ticks += 1
                await asyncio.sleep(0.001)

        ticking = asyncio.create_task(ticker())
        try:
            note = await notes.voice_note(MEDIUM_TEXT, "en")
        finally:
            done.set()
            await ticking
        return ticks, note

    ticks, note = run_with_notes(tmp_path, body)
    assert note.duration_seconds > 20  # six long sentences: the loop had a while to tick
    assert ticks > 20


def test_settings_read_the_voice_timeout_and_cache_folder(tmp_path: Path) -> None:
    settings = Settings.from_env({"SIGNPOST_DATA_DIR": str(tmp_path), "SIGNPOST_VOICE_TIMEOUT": "2.5"})
    assert settings.voice_timeout_seconds == 2.5
    assert settings.voice_cache_dir == tmp_path / "voice-cache"
    odd = Settings.from_env({"SIGNPOST_VOICE_TIMEOUT": "soon", "SIGNPOST_VOICE_CACHE_DIR": str(tmp_path)})
    assert odd.voice_timeout_seconds == 10.0
    assert odd.voice_cache_dir == tmp_path


def test_start_up_check_finds_speech_installed_here() -> None:
    assert voice.speech_problem() is None
    assert voice.available() is True
