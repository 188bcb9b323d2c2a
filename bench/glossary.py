"""How fast the glossary answers: look-ups, spotting in a letter, and loading the content.

Run: .venv/bin/python -m bench.glossary
Prints p50 and p99 in microseconds for look-ups by kind (exact, alias, fuzzy, question) and for spotting
a 300-word letter, on the real glossary and on a synthetic one of 10,000 entries made the same way every
run. Beside each: the floor measured in the same run on the same queries, one raw
`rapidfuzz.process.extractOne(query, names, scorer=fuzz.ratio)` over the index's own list of names
(the scorer the index uses; the default WRatio is slower, so a WRatio floor would flatter us).
Targets from the issue: fuzzy look-up p99 at most 2x that floor; spotting a 300-word letter at most
2 ms p50 at 10,000 entries; loading and checking the real content under 1 second. Nothing is asserted.
"""

from __future__ import annotations

import gc
import random
import statistics
import string
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from rapidfuzz import fuzz, process

from bot.cli.content import check_content
from glossary.check import check_glossary
from glossary.load import load_glossary
from glossary.model import Entry, Glossary, Meaning
from glossary.normalize import key_of, question_parts, word_set
from glossary.search import GlossaryIndex

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
LETTER = ROOT / "tests" / "glossary" / "letters" / "probation_appointment.txt"
SAMPLES = 2000  # timed calls per case
QUERIES = 400  # distinct queries per case, cycled
SYNTHETIC_SIZE = 10_000

ORDINARY = sorted(word_set(
    "you your the a to of and in on at for with this that we will can may must please if is are be "
    "meeting office phone bring letter day time week date help money home work family ask call when where"
))


def _percentiles(timings_ns: Sequence[int]) -> tuple[float, float]:
    ordered = sorted(timings_ns)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return p50 / 1000, p99 / 1000


def _time(call: Callable[[str], object], inputs: Sequence[str], samples: int = SAMPLES) -> tuple[float, float]:
    for text in inputs[:50]:
        call(text)  # warm caches (regex, rapidfuzz) before timing
    gc.collect()
    timings = []
    for number in range(samples):
        text = inputs[number % len(inputs)]
        start = time.perf_counter_ns()
        call(text)
        timings.append(time.perf_counter_ns() - start)
    return _percentiles(timings)


# -- a synthetic glossary, the same every run ---------------------------------------------------------


def _word(rng: random.Random, low: int = 4, high: int = 9) -> str:
    consonants, vowels = "bcdfghklmnprstvw", "aeiou"
    length = rng.randint(low, high)
    return "".join(rng.choice(consonants if i % 2 == 0 else vowels) for i in range(length))


def synthetic_glossary(size: int = SYNTHETIC_SIZE, seed: int = 2027) -> Glossary:
    """Half acronyms with a full form, half multi-word names; each with an alias and a misspelling."""
    rng = random.Random(seed)
    vocabulary = sorted({_word(rng) for _ in range(3000)})
    used: set[str] = set()
    entries: list[Entry] = []

    def unique(make: Callable[[], str]) -> str:
        while True:
            candidate = make()
            if candidate.casefold() not in used:
                used.add(candidate.casefold())
                return candidate

    for number in range(size):
        if number % 2 == 0:
            term = unique(lambda: "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.randint(3, 5))))
            full_form = " ".join(rng.choice(vocabulary).title() for _ in range(len(term)))
            alias = unique(lambda t=term: t + rng.choice(string.ascii_uppercase))
        else:
            term = unique(lambda: " ".join(rng.choice(vocabulary) for _ in range(rng.randint(2, 3))))
            full_form = None
            alias = unique(lambda: " ".join(rng.choice(vocabulary) for _ in range(2)))
        misspelling = unique(lambda t=term: _slip(rng, t.casefold()))
        meaning = Meaning(full_form, "Synthetic explanation for the benchmark.")
        entries.append(Entry(term, "general", (meaning,), aliases=(alias,), misspellings=(misspelling,)))
    return Glossary(entries)


def _slip(rng: random.Random, text: str) -> str:
    """One typing slip: a letter changed, dropped or doubled, away from the first letter."""
    position = rng.randint(1, max(1, len(text) - 1))
    kind = rng.randint(0, 2)
    if kind == 0:
        return text[:position] + rng.choice(string.ascii_lowercase) + text[position + 1:]
    if kind == 1:
        return text[:position] + text[position + 1:]
    return text[:position] + text[position - 1] + text[position:]


# -- queries ------------------------------------------------------------------------------------------


def queries(glossary: Glossary, seed: int = 7) -> dict[str, list[str]]:
    rng = random.Random(seed)
    entries = list(glossary)
    rng.shuffle(entries)
    chosen = entries[:QUERIES]
    with_alias = [e for e in entries if e.aliases][:QUERIES]
    # Fuzzy: a slip in a name of at least six characters, so the look-up really reaches rapidfuzz.
    long_names = [n for e in entries for n in (e.term, *(m.full_form or "" for m in e.meanings)) if len(n) >= 6]
    fuzzy = [_slip(rng, name.casefold()) for name in long_names[:QUERIES]]
    return {
        "exact": [e.term for e in chosen],
        "alias": [e.aliases[0] for e in with_alias],
        "fuzzy": fuzzy,
        "question": [rng.choice(["what does {} mean?", "whats a {}", "what is {}", "explain {}"]).format(e.term)
                     for e in chosen],
    }


def letter_of_300_words(glossary: Glossary, seed: int = 11) -> str:
    """300 words: ordinary letter words with about twenty glossary names mixed in, in sentences."""
    rng = random.Random(seed)
    names = [e.term for e in glossary]
    words: list[str] = []
    while len(words) < 300:
        sentence = [rng.choice(ORDINARY) for _ in range(rng.randint(6, 12))]
        if rng.random() < 0.8:
            sentence.insert(rng.randint(0, len(sentence)), rng.choice(names))
        sentence[0] = sentence[0].capitalize()
        words.extend(" ".join(sentence).split())
        words[-1] += "."
    return " ".join(words[:300])


# -- the report ---------------------------------------------------------------------------------------


def bench_glossary(label: str, glossary: Glossary, letter: str) -> list[tuple[str, ...]]:
    index = GlossaryIndex.build(glossary)
    names = index._choices  # the very list the index gives rapidfuzz
    rows: list[tuple[str, ...]] = []

    def floor(query: str) -> object:
        return process.extractOne(key_of(question_parts(query)[-1].text), names, scorer=fuzz.ratio)

    for case, inputs in queries(glossary).items():
        found = sum(1 for q in inputs if index.lookup(q).entry is not None) / len(inputs)
        p50, p99 = _time(index.lookup, inputs)
        f50, f99 = _time(floor, inputs)
        rows.append((f"{label}: look-up {case} ({found:.0%} found)", f"{p50:.0f}", f"{p99:.0f}", f"{f50:.0f}",
                     f"{f99:.0f}", f"{p99 / f99:.2f}"))
    words = len(letter.split())
    spotted = len(index.spot(letter))
    p50, p99 = _time(index.spot, [letter], samples=500)
    rows.append((f"{label}: spot a {words}-word letter ({spotted} words found)", f"{p50:.0f}", f"{p99:.0f}",
                 "", "", ""))
    return rows


def bench_loading() -> list[str]:
    lines = []
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        glossary = load_glossary(CONTENT)
        loaded = time.perf_counter()
        GlossaryIndex.build(glossary)
        timings.append((loaded - start, time.perf_counter() - loaded))
    load = statistics.median(t[0] for t in timings)
    build = statistics.median(t[1] for t in timings)
    lines.append(f"Load real content ({len(glossary)} entries): {load * 1000:.0f} ms; build index: "
                 f"{build * 1000:.0f} ms (median of 5)")
    check_seconds: dict[str, float] = {}
    checkers: dict[str, Callable[[Path], object]] = {
        "glossary.check.check_glossary": check_glossary,  # the glossary alone
        "bot.cli.content.check_content": check_content,  # what `signpost content check` runs: glossary and journeys
    }
    for name, function in checkers.items():
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            function(CONTENT)
            runs.append(time.perf_counter() - start)
        check_seconds[name] = statistics.median(runs)
        lines.append(f"Check real content ({name}): {check_seconds[name] * 1000:.0f} ms (median of 3)")
    for name, seconds in check_seconds.items():
        total = load + build + seconds
        verdict = "met" if total < 1.0 else "MISSED"
        lines.append(f"Target: load + index + {name.rsplit('.', 1)[1]} under 1 s: {total * 1000:.0f} ms, {verdict}")
    return lines


def main() -> None:
    real = load_glossary(CONTENT)
    started = time.perf_counter()
    synthetic = synthetic_glossary()
    made = time.perf_counter() - started
    real_letter = " ".join(LETTER.read_text(encoding="utf-8").split()[:300])
    rows = [("case", "p50 us", "p99 us", "floor p50", "floor p99", "p99 / floor p99")]
    rows += bench_glossary(f"real ({len(real)})", real, real_letter)
    rows += bench_glossary(f"synthetic ({len(synthetic)})", synthetic, letter_of_300_words(synthetic))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print("Glossary look-up and spotting; floor = rapidfuzz.process.extractOne(query, names, scorer=fuzz.ratio)")
    print(f"(synthetic glossary generated in {made:.1f} s)\n")
    for row in rows:
        print("  ".join(cell.ljust(width) if i == 0 else cell.rjust(width) for i, (cell, width) in
                        enumerate(zip(row, widths, strict=True))))
    print()
    fuzzy = next(row for row in rows if row[0].startswith("synthetic") and "fuzzy" in row[0])
    spot = next(row for row in rows if row[0].startswith("synthetic") and "spot" in row[0])
    ratio = float(fuzzy[5])
    print(f"Target: fuzzy look-up p99 at most 2x floor p99 (10,000 entries): {ratio:.2f}x, "
          f"{'met' if ratio <= 2 else 'MISSED'}")
    real_fuzzy = next(row for row in rows if row[0].startswith("real") and "fuzzy" in row[0])
    print(f"        the same on the real glossary: {float(real_fuzzy[5]):.2f}x, "
          f"{'met' if float(real_fuzzy[5]) <= 2 else 'MISSED'}")
    spot_p50_ms = float(spot[1]) / 1000
    print(f"Target: spotting a 300-word letter at most 2 ms p50 (10,000 entries): {spot_p50_ms:.2f} ms, "
          f"{'met' if spot_p50_ms <= 2 else 'MISSED'}")
    for line in bench_loading():
        print(line)


if __name__ == "__main__":
    main()
