"""How long a voice note takes: new ones, cached ones, and the bare command line as the baseline.

Run: .venv/bin/python -m bench.voice
Prints medians (p50) and p99 in milliseconds, where the time of a new note goes (speech, encoding,
the rest), and ratios against the baseline measured in the same run: `espeak-ng -w` then `opusenc`
run as two commands on the same text with the same voice, rate and Opus settings. Targets from the
issue: a new 40-word answer at most 500 ms, a cached one at most 5 ms. Nothing is asserted.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bot.voice import (
    OPUS_BITRATE_KBPS,
    OPUS_COMPLEXITY,
    SPEAKING_RATE_WPM,
    SynthesisTiming,
    VoiceNotes,
)
from bot.voice_text import speakable_text

# A 40-word answer, as the bot might give it.
ANSWER = (
    "Your next meeting with your probation officer is on Tuesday at 10:30 in the morning. "
    "Bring your letter and some photo ID. If you cannot go, ring the office before the day. "
    "They can move it. Do not just miss it."
)
# Other answers of about 40 words, in each language, for the spread over different texts.
OTHER_ANSWERS: list[tuple[str, str]] = [
    ("en", "Universal Credit is money to help with living costs. You can claim it online. "
           "The first payment takes about five weeks. You can ask for an advance if you need money sooner. "
           "Your work coach will help you with the next steps."),
    ("en", "MAPPA means the police, probation and prison work together to keep people safe. "
           "It does not mean you did something new. Your probation officer can tell you what it means "
           "for you and what you need to do."),
    ("cy", "Mae eich cyfarfod nesaf gyda'ch swyddog prawf ddydd Mawrth am hanner awr wedi deg yn y bore. "
           "Dewch â'ch llythyr a llun adnabod. Os na allwch chi fynd, ffoniwch y swyddfa cyn y diwrnod. "
           "Gallant ei symud."),
    ("cy", "Mae Credyd Cynhwysol yn arian i helpu gyda chostau byw. Gallwch ei hawlio ar-lein. "
           "Mae'r taliad cyntaf yn cymryd tua phum wythnos. Gallwch ofyn am daliad ymlaen llaw "
           "os oes angen arian arnoch chi yn gynt."),
    ("pl", "Twoje następne spotkanie z kuratorem jest we wtorek o dziesiątej trzydzieści rano. "
           "Weź ze sobą list i dokument ze zdjęciem. Jeśli nie możesz przyjść, zadzwoń do biura "
           "przed tym dniem. Mogą przełożyć spotkanie na inny termin."),
    ("pl", "Universal Credit to pieniądze na koszty życia. Możesz złożyć wniosek przez internet. "
           "Pierwsza wypłata przychodzi po około pięciu tygodniach. Jeśli potrzebujesz pieniędzy "
           "wcześniej, możesz poprosić o zaliczkę u swojego doradcy."),
]
ESPEAK_VOICES = {"en": "en-gb", "cy": "cy", "pl": "pl"}  # the command line's names for the same voices
COLD_ROUNDS = 3
FIRST_ROUNDS = 7
CACHED_CALLS = 2000
DISK_CALLS = 300


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f}"


def baseline(text: str, language: str, folder: Path, complexity: int) -> float:
    """The bare command line: espeak-ng writes a WAV, opusenc turns it into Ogg/Opus."""
    wav, ogg = folder / "baseline.wav", folder / "baseline.ogg"
    started = time.perf_counter()
    subprocess.run(["espeak-ng", "-v", ESPEAK_VOICES[language], "-s", str(SPEAKING_RATE_WPM),
                    "-w", str(wav), speakable_text(text, language)], check=True)
    subprocess.run(["opusenc", "--quiet", "--speech", "--bitrate", str(OPUS_BITRATE_KBPS),
                    "--comp", str(complexity), str(wav), str(ogg)], check=True)
    return time.perf_counter() - started


async def cold_start_and_first_note(folder: Path) -> float:
    started = time.perf_counter()
    notes = VoiceNotes(folder)
    try:
        await notes.start()
        await notes.voice_note(ANSWER, "en")
    finally:
        notes.close()
    return time.perf_counter() - started


async def first_note_warm(folder: Path) -> tuple[float, SynthesisTiming]:
    notes = VoiceNotes(folder)
    try:
        await notes.start()
        started = time.perf_counter()
        await notes.voice_note(ANSWER, "en")
        elapsed = time.perf_counter() - started
        assert notes.last_timing is not None
        return elapsed, notes.last_timing
    finally:
        notes.close()


async def first_notes_of_other_texts(folder: Path) -> list[float]:
    notes = VoiceNotes(folder)
    timings = []
    try:
        await notes.start()
        for language, text in OTHER_ANSWERS:
            started = time.perf_counter()
            await notes.voice_note(text, language)
            timings.append(time.perf_counter() - started)
    finally:
        notes.close()
    return timings


async def cached_notes(folder: Path, memory_entries: int, calls: int) -> list[float]:
    """Repeat look-ups of a note already made; memory_entries=0 makes every one read the disk."""
    maker = VoiceNotes(folder)
    try:
        await maker.voice_note(ANSWER, "en")
    finally:
        maker.close()
    notes = VoiceNotes(folder, memory_entries=memory_entries)
    timings = []
    try:
        for _ in range(calls):
            started = time.perf_counter()
            await notes.voice_note(ANSWER, "en")
            timings.append(time.perf_counter() - started)
        assert notes.synthesis_count == 0
    finally:
        notes.close()
    return timings


def fresh(root: Path, name: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=root))


async def main() -> None:
    words = len(ANSWER.split())
    with tempfile.TemporaryDirectory(prefix="signpost-voice-bench-") as temporary:
        root = Path(temporary)
        # Baseline and Signpost take turns, so a busy moment on the machine falls on both alike.
        base_same: list[float] = []
        base_default: list[float] = []
        warm_runs: list[tuple[float, SynthesisTiming]] = []
        for _ in range(FIRST_ROUNDS):
            base_same.append(baseline(ANSWER, "en", root, OPUS_COMPLEXITY))
            warm_runs.append(await first_note_warm(fresh(root, "warm")))
            base_default.append(baseline(ANSWER, "en", root, 10))
        warm = [elapsed for elapsed, _ in warm_runs]
        base_others = [baseline(text, language, root, OPUS_COMPLEXITY) for language, text in OTHER_ANSWERS]
        cold = [await cold_start_and_first_note(fresh(root, "cold")) for _ in range(COLD_ROUNDS)]
        others = await first_notes_of_other_texts(fresh(root, "others"))
        memory_hits = await cached_notes(fresh(root, "memory"), memory_entries=64, calls=CACHED_CALLS)
        disk_hits = await cached_notes(fresh(root, "disk"), memory_entries=0, calls=DISK_CALLS)

    base = statistics.median(base_same)
    print(f"Voice notes: a {words}-word English answer; pyttsx3 + espeak-ng at {SPEAKING_RATE_WPM} wpm, "
          f"opusenc --speech {OPUS_BITRATE_KBPS} kbit/s --comp {OPUS_COMPLEXITY}.")
    print(f"Baseline: `espeak-ng -w` then `opusenc` as two commands, same voice, rate and flags "
          f"(median of {FIRST_ROUNDS}).")
    print()
    print(f"{'measure':58} {'p50 ms':>8} {'p99 ms':>8} {'vs baseline':>12}")

    def row(label: str, values: list[float], against: float | None = base) -> None:
        ratio = f"{statistics.median(values) / against:.3g}x" if against else ""
        print(f"{label:58} {ms(statistics.median(values))} {ms(percentile(values, 0.99))} {ratio:>12}")

    row("baseline: espeak-ng -w + opusenc (same flags)", base_same)
    row("baseline: espeak-ng -w + opusenc (default --comp 10)", base_default)
    row(f"new note, child started and warmed (n={FIRST_ROUNDS})", warm)
    row(f"new note, including child start (n={COLD_ROUNDS})", cold)
    row(f"new note, 6 other ~40-word texts en/cy/pl (n={len(others)})", others, statistics.median(base_others))
    row(f"cached, from memory (n={CACHED_CALLS})", memory_hits)
    row(f"cached, from disk (n={DISK_CALLS})", disk_hits)
    print()
    speech = statistics.median(timing.speech_seconds for _, timing in warm_runs)
    encode = statistics.median(timing.encode_seconds for _, timing in warm_runs)
    rest = statistics.median(elapsed - t.speech_seconds - t.encode_seconds for elapsed, t in warm_runs)
    total = statistics.median(warm)
    print(f"Where a new note's time goes (p50 ms): pyttsx3 speech {ms(speech).strip()}, "
          f"opusenc {ms(encode).strip()}, pipe, text, cache and checks {ms(rest).strip()}")
    print(f"Targets: new note <= 500 ms: {ms(total).strip()} ms "
          f"({'met' if total <= 0.5 else 'MISSED'}); cached <= 5 ms: "
          f"{ms(percentile(disk_hits, 0.99)).strip()} ms p99 from disk, "
          f"{ms(percentile(memory_hits, 0.99)).strip()} ms p99 from memory "
          f"({'met' if max(percentile(disk_hits, 0.99), percentile(memory_hits, 0.99)) <= 0.005 else 'MISSED'})")


if __name__ == "__main__":  # needed: the speech child process starts by re-importing this file
    asyncio.run(main())
