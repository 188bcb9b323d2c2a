"""The answers benchmark runs end to end at tiny sizes and prints every figure beside its floor (no timings asserted)."""

from __future__ import annotations

import re

import pytest

from bench import answers


def test_prints_matching_and_core_figures_beside_their_floors(capsys: pytest.CaptureFixture[str]) -> None:
    assert answers.main(["--cards", "300", "--samples", "20", "--messages", "30", "--people", "2"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"real library \(\d{3}\): \d{3} cards", out)
    assert "synthetic library (300): 300 cards" in out
    assert out.count("floor: search(words)") == 2 and out.count("ratio p50") == 2
    assert re.search(r"target: match p99 at most 2x floor p99 at 300 cards: [\d.]+x, (met|MISSED)", out)
    assert re.search(r"with the questions library \(\d+ cards\): +\d+ messages/s", out)
    assert re.search(r"floor: same mix, empty questions library: +\d+ messages/s +ratio [\d.]+", out)
    assert re.search(r"target: within 10% of the speed without it: [\d.]+, (met|MISSED)", out)


def test_the_synthetic_library_is_the_real_one_grown_with_new_ids_and_words() -> None:
    real, _findings = answers.read_questions(answers.CONTENT)
    grown = answers.synthetic_library(real, len(real) + 40)
    assert len(grown) == len(real) + 40 and len({card.id for card in grown}) == len(grown)
    clone = grown.cards[len(real)]
    original = real.cards[0]
    assert clone.id.startswith(original.id + "-s") and set(clone.asks) == set(original.asks)
    assert clone.asks["en"] != original.asks["en"]
    assert answers.synthetic_library(real, len(real) + 40) == grown  # the same every run
