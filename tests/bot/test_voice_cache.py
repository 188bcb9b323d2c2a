"""The voice-note cache on disk and in memory, and the Ogg/Opus reader it checks notes with."""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.voice_cache import VoiceCache
from bot.voice_ogg import NotOggOpus, ogg_crc, read_opus_info

KEY = "a" * 64
OTHER_KEY = "b" * 64


@pytest.fixture(scope="module")
def real_ogg(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A short real voice note, made by the espeak-ng and opusenc command lines."""
    folder = tmp_path_factory.mktemp("ogg")
    wav, ogg = folder / "hello.wav", folder / "hello.ogg"
    subprocess.run(["espeak-ng", "-v", "en-gb", "-w", str(wav), "Hello, this is a test."], check=True)
    subprocess.run(["opusenc", "--quiet", "--speech", "--bitrate", "24", str(wav), str(ogg)], check=True)
    return ogg.read_bytes()


def test_reader_finds_mono_opus_and_its_length(real_ogg: bytes) -> None:
    info = read_opus_info(real_ogg, check_crc=True)
    assert info.channels == 1
    assert info.input_sample_rate == 22050  # what espeak-ng makes
    assert 0.5 < info.duration_seconds < 5


def test_crc_matches_the_ogg_specification_check_value() -> None:
    # The Ogg CRC (poly 0x04C11DB7, not reflected, init 0, no final xor) of "123456789" is 0x89A1897F.
    assert ogg_crc(b"123456789") == 0x89A1897F


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # cut short
        lambda data: b"RIFF" + data[4:],  # not Ogg at all
        lambda data: data[:60] + bytes([data[60] ^ 0xFF]) + data[61:],  # one byte flipped in a header page
        lambda data: b"",
    ],
)
def test_reader_refuses_damaged_files(real_ogg: bytes, damage: Callable[[bytes], bytes]) -> None:
    with pytest.raises(NotOggOpus):
        read_opus_info(damage(real_ogg), check_crc=True)


def test_put_then_get_from_memory_and_from_disk(tmp_path: Path, real_ogg: bytes) -> None:
    cache = VoiceCache(tmp_path / "voice")
    note = cache.put(KEY, real_ogg)
    assert note.path.read_bytes() == real_ogg
    assert cache.get(KEY) is note
    fresh = VoiceCache(tmp_path / "voice").get(KEY)
    assert fresh is not None
    assert fresh.ogg == real_ogg
    assert fresh.duration_seconds == pytest.approx(note.duration_seconds)
    assert VoiceCache(tmp_path / "voice").get(OTHER_KEY) is None


def test_files_and_folders_are_private_to_the_bot(tmp_path: Path, real_ogg: bytes) -> None:
    cache = VoiceCache(tmp_path / "voice")
    note = cache.put(KEY, real_ogg)
    cache.remember_file_id(KEY, "AwACAgQAAxkBAAIB")
    assert stat.S_IMODE(os.stat(tmp_path / "voice").st_mode) == 0o700
    assert stat.S_IMODE(note.path.stat().st_mode) == 0o600


def test_damaged_file_on_disk_counts_as_missing_and_is_removed(tmp_path: Path, real_ogg: bytes) -> None:
    VoiceCache(tmp_path / "voice").put(KEY, real_ogg)
    path = VoiceCache(tmp_path / "voice").path_for(KEY)
    path.write_bytes(real_ogg[:100])
    assert VoiceCache(tmp_path / "voice").get(KEY) is None
    assert not path.exists()


def test_memory_keeps_only_the_most_recent_notes(tmp_path: Path, real_ogg: bytes) -> None:
    cache = VoiceCache(tmp_path / "voice", memory_entries=1)
    first = cache.put(KEY, real_ogg)
    cache.put(OTHER_KEY, real_ogg)
    again = cache.get(KEY)  # pushed out of memory, so read back from disk
    assert again is not None and again is not first and again.ogg == real_ogg


def test_file_ids_survive_a_restart_and_can_be_forgotten(tmp_path: Path) -> None:
    VoiceCache(tmp_path / "voice").remember_file_id(KEY, "AwACAgQAAxkBAAIB")
    later = VoiceCache(tmp_path / "voice")
    assert later.file_id_for(KEY) == "AwACAgQAAxkBAAIB"
    assert later.file_id_for(OTHER_KEY) is None
    later.forget_file_id(KEY)
    assert VoiceCache(tmp_path / "voice").file_id_for(KEY) is None


@pytest.mark.parametrize("bad_key", ["../../etc/passwd", "A" * 64, "a" * 63, ""])
def test_keys_that_are_not_sha256_hex_are_refused(tmp_path: Path, bad_key: str) -> None:
    with pytest.raises(ValueError):
        VoiceCache(tmp_path).file_id_for(bad_key)


def test_a_file_id_must_be_one_short_word(tmp_path: Path) -> None:
    cache = VoiceCache(tmp_path)
    for bad in ("", "two words", "x" * 600):
        with pytest.raises(ValueError):
            cache.remember_file_id(KEY, bad)


def test_not_ogg_is_never_kept(tmp_path: Path) -> None:
    with pytest.raises(NotOggOpus):
        VoiceCache(tmp_path).put(KEY, b"RIFF....WAVE")
    assert VoiceCache(tmp_path).get(KEY) is None


def test_a_cache_folder_that_cannot_be_written_still_gives_the_note(tmp_path: Path, real_ogg: bytes) -> None:
    blocker = tmp_path / "a-file-not-a-folder"
    blocker.write_text("")
    cache = VoiceCache(blocker / "voice")
    note = cache.put(KEY, real_ogg)
    assert note.ogg == real_ogg
    assert cache.get(KEY) is note


def test_prune_removes_old_notes_and_their_file_ids(tmp_path: Path, real_ogg: bytes) -> None:
    cache = VoiceCache(tmp_path / "voice")
    old = cache.put(KEY, real_ogg)
    cache.remember_file_id(KEY, "OLD")
    new = cache.put(OTHER_KEY, real_ogg)
    month_ago = old.path.stat().st_mtime - 31 * 24 * 3600
    os.utime(old.path, (month_ago, month_ago))
    assert cache.prune(timedelta(days=30)) == 1
    assert not old.path.exists() and new.path.exists()
    assert cache.get(KEY) is None
    assert cache.file_id_for(KEY) is None
