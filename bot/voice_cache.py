"""Voice notes already made, kept so the same words in the same voice are made only once.

Layout under the cache folder (private to the bot's user, as replies can hold case details):
    notes/<key>.ogg         the voice note
    file-ids/<key>.txt      Telegram's file id for it, once sent, so later sends skip the upload
The most recent notes are also kept in memory, so a repeat costs a dictionary look-up.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bot.voice_ogg import NotOggOpus, read_opus_info

log = logging.getLogger(__name__)

_KEY = re.compile(r"^[0-9a-f]{64}$")
_MAX_FILE_ID_LENGTH = 512


@dataclass(frozen=True)
class VoiceNote:
    """One voice note: Ogg/Opus bytes, where they are kept, and how long they play."""

    key: str
    ogg: bytes
    path: Path
    duration_seconds: float


def _check_key(key: str) -> None:
    # Keys become file names, so only accept what make_key-style sha256 hex digests look like.
    if not _KEY.match(key):
        raise ValueError(f"not a voice note key: {key!r}")


def _write_private(path: Path, data: bytes) -> None:
    """Write all of `data` or nothing: a crash part-way leaves no half file behind."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".writing-")  # mkstemp makes it 0600
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class VoiceCache:
    def __init__(self, directory: Path, memory_entries: int = 64) -> None:
        self.directory = Path(directory)
        self._notes_dir = self.directory / "notes"
        self._file_ids_dir = self.directory / "file-ids"
        self._memory: OrderedDict[str, VoiceNote] = OrderedDict()
        self._memory_entries = memory_entries
        self._file_ids: dict[str, str | None] = {}
        self._folders_ready = False

    def _ensure_folders(self) -> None:
        if self._folders_ready:
            return
        for folder in (self.directory, self._notes_dir, self._file_ids_dir):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._folders_ready = True

    def path_for(self, key: str) -> Path:
        return self._notes_dir / f"{key}.ogg"

    def _keep_in_memory(self, note: VoiceNote) -> None:
        self._memory[note.key] = note
        self._memory.move_to_end(note.key)
        while len(self._memory) > self._memory_entries:
            self._memory.popitem(last=False)

    def get(self, key: str) -> VoiceNote | None:
        """The note for `key` from memory or disk, or None. A damaged file on disk counts as missing."""
        note = self._memory.get(key)
        if note is not None:
            self._memory.move_to_end(key)
            return note
        _check_key(key)
        path = self.path_for(key)
        try:
            ogg = path.read_bytes()
            info = read_opus_info(ogg)
        except FileNotFoundError:
            return None
        except (OSError, NotOggOpus) as error:
            log.warning("voice cache: dropping unreadable note %s (%s)", key[:12], error)
            path.unlink(missing_ok=True)
            return None
        note = VoiceNote(key, ogg, path, info.duration_seconds)
        self._keep_in_memory(note)
        return note

    def put(self, key: str, ogg: bytes) -> VoiceNote:
        """Keep a newly made note. NotOggOpus if `ogg` is not valid; a disk problem is logged, not raised."""
        _check_key(key)
        info = read_opus_info(ogg)
        path = self.path_for(key)
        try:
            self._ensure_folders()
            _write_private(path, ogg)
        except OSError as error:
            # The person still gets this note from memory; it will just be made again after a restart.
            log.warning("voice cache: cannot save note %s in %s (%s)", key[:12], self.directory, error)
        note = VoiceNote(key, ogg, path, info.duration_seconds)
        self._keep_in_memory(note)
        return note

    def remember_file_id(self, key: str, file_id: str) -> None:
        _check_key(key)
        if not file_id or len(file_id) > _MAX_FILE_ID_LENGTH or any(ch.isspace() for ch in file_id):
            raise ValueError("a Telegram file id is one short word")
        self._file_ids[key] = file_id
        try:
            self._ensure_folders()
            _write_private(self._file_ids_dir / f"{key}.txt", file_id.encode("ascii", "replace"))
        except OSError as error:
            log.warning("voice cache: cannot save file id for %s (%s)", key[:12], error)

    def file_id_for(self, key: str) -> str | None:
        if key in self._file_ids:
            return self._file_ids[key]
        _check_key(key)
        try:
            file_id: str | None = (self._file_ids_dir / f"{key}.txt").read_text("ascii").strip() or None
        except (OSError, UnicodeDecodeError):
            file_id = None
        self._file_ids[key] = file_id
        return file_id

    def forget_file_id(self, key: str) -> None:
        """For when Telegram no longer knows the id (for example after the bot's token changed)."""
        _check_key(key)
        self._file_ids[key] = None
        (self._file_ids_dir / f"{key}.txt").unlink(missing_ok=True)

    def prune(self, older_than: timedelta) -> int:
        """Delete notes (and their file ids) made more than `older_than` ago; returns how many went."""
        cutoff = time.time() - older_than.total_seconds()
        removed = 0
        if not self._notes_dir.is_dir():
            return 0
        for path in self._notes_dir.glob("*.ogg"):
            try:
                if path.stat().st_mtime >= cutoff:
                    continue
                path.unlink()
            except FileNotFoundError:
                continue
            key = path.stem
            (self._file_ids_dir / f"{key}.txt").unlink(missing_ok=True)
            self._memory.pop(key, None)
            self._file_ids.pop(key, None)
            removed += 1
        return removed
