"""How long the journey picture takes to draw and encode, against the baseline `optimize=True`.

Run: .venv/bin/python -m bench.timeline_png
Prints, per language, the median time and file size for Signpost's PNG options and for the
baseline (Pillow's `optimize=True`), and the ratios between them. Nothing is asserted.
"""

from __future__ import annotations

import statistics
import time
from datetime import date
from pathlib import Path

from journeys import timeline
from journeys.stages import load_stages
from journeys.where import JourneyFacts, where_am_i

CONTENT = Path(__file__).resolve().parent.parent / "content"
ROUNDS = 15
BASELINE_OPTIONS: dict[str, int | bool] = {"optimize": True}


def _measure(stages_on_path: list[tuple[str, str]], current: str, language: str,
             labels: timeline.TimelineLabels, options: dict[str, int | bool]) -> tuple[float, int]:
    saved = timeline.PNG_SAVE_OPTIONS
    timeline.PNG_SAVE_OPTIONS = options
    try:
        timings, size = [], 0
        for _ in range(ROUNDS):
            start = time.perf_counter()
            size = len(timeline.draw_timeline(stages_on_path, current, language, labels=labels))
            timings.append(time.perf_counter() - start)
        return statistics.median(timings), size
    finally:
        timeline.PNG_SAVE_OPTIONS = saved


def main() -> None:
    stages = load_stages(CONTENT)
    facts = JourneyFacts(stage="on_licence", hdc_eligibility=date(2026, 1, 1), top_up_end=date(2027, 1, 1))
    print(f"Journey picture, 7 stages, median of {ROUNDS} rounds. Baseline: {BASELINE_OPTIONS}; "
          f"Signpost: {timeline.PNG_SAVE_OPTIONS}")
    print(f"{'lang':5} {'signpost ms':>12} {'baseline ms':>12} {'time ratio':>11} {'signpost KB':>12} "
          f"{'baseline KB':>12} {'size ratio':>11}")
    for language in ("en", "cy", "pl"):
        answer = where_am_i(facts, date(2026, 11, 26), stages, language=language)
        args = (answer.timeline_stages, "on_licence", language, answer.labels)
        ours, our_size = _measure(*args, timeline.PNG_SAVE_OPTIONS)
        base, base_size = _measure(*args, BASELINE_OPTIONS)
        print(f"{language:5} {ours * 1000:12.1f} {base * 1000:12.1f} {ours / base:11.2f} {our_size / 1024:12.1f} "
              f"{base_size / 1024:12.1f} {our_size / base_size:11.2f}")


if __name__ == "__main__":
    main()
