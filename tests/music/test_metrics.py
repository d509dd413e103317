"""Quality metrics on pieces made in code."""
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lofipress.music.chords import parse_progression, voice_progression
from lofipress.music.metrics import (
    TARGETS,
    CopyIndex,
    check,
    copy_metrics,
    estimate_key,
    longest_repeat,
    piece_metrics,
)


def chords_to_notes16(symbols: str, bar_16: int = 16) -> list[tuple[int, int, int]]:
    notes = []
    for i, v in enumerate(voice_progression(parse_progression(symbols))):
        notes += [(i * bar_16, bar_16, p) for p in v]
    return notes


def test_major_two_five_one_loop_is_in_c():
    notes = chords_to_notes16("Dm7 G7 Cmaj7 Cmaj7 " * 2)
    m = piece_metrics(notes, bars=8)
    assert m["key"] in ("C", "Am")
    assert m["key_consistency"] == 1.0
    assert m["in_key"] >= 0.95
    assert m["n_windows"] == 2
    assert 3.5 <= m["polyphony"] <= 5
    assert not [f for f in check(m) if "key" in f]


def test_given_key_is_used_and_minor_admits_raised_degrees():
    notes = [(0, 16, 57), (16, 16, 68), (32, 16, 66), (48, 16, 60)]  # A, G#, F#, C in A minor
    m = piece_metrics(notes, bars=4, key="Am")
    assert m["key"] == "Am" and m["in_key"] == 1.0


def test_chromatic_cluster_fails_in_key():
    notes = [(0, 64, p) for p in range(60, 72)]
    m = piece_metrics(notes, bars=4, key="C")
    assert m["in_key"] < TARGETS["in_key_min"]
    assert any(f.startswith("in_key") for f in check(m))


def test_entropy_bounds():
    one = piece_metrics([(s, 4, 60) for s in range(0, 64, 4)], bars=4)
    assert one["pc_entropy_bits"] == 0.0
    allpc = piece_metrics([(s * 4, 4, 60 + s % 12) for s in range(12)], bars=4)
    assert math.isclose(allpc["pc_entropy_bits"], math.log2(12))


def test_partial_window_counts_from_two_bars():
    notes = [(s, 16, 60) for s in range(0, 16 * 6, 16)]
    assert piece_metrics(notes, bars=6)["n_windows"] == 2
    assert piece_metrics(notes, bars=5)["n_windows"] == 1


def test_estimate_key_on_profiles():
    scale = np.zeros(12)
    scale[[0, 2, 4, 5, 7, 9, 11]] = 1
    scale[[0, 4, 7]] += 1
    assert estimate_key(scale) == "C"
    minor = np.zeros(12)
    minor[[9, 11, 0, 2, 4, 5, 8]] = 1
    minor[[9, 0, 4]] += 1
    assert estimate_key(minor) == "Am"


def test_longest_repeat():
    assert longest_repeat([]) == 0
    assert longest_repeat(list("abbbcbb")) == 3


def test_copy_metrics_find_a_planted_run():
    rng = np.random.default_rng(0)
    corpus = [list(rng.integers(0, 50, 200)) for _ in range(5)]
    index = CopyIndex.build(corpus, n=8)
    planted = [1000 + i for i in range(20)] + corpus[2][37:47] + [2000 + i for i in range(20)]
    m = copy_metrics(planted, index)
    assert m["longest_copied_run"] == 10
    assert copy_metrics(corpus[3][10:90], index)["shared_ngram_share"] == 1.0
    disjoint = copy_metrics([5000 + i for i in range(40)], index)
    assert disjoint == dict(longest_copied_run=0, shared_ngram_share=0.0)
    assert any("copied" in f for f in check(dict(longest_copied_run=13, shared_ngram_share=0.0)))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 4), max_size=30), max_size=5),
       st.lists(st.integers(0, 5), max_size=40))
def test_copied_run_never_exceeds_the_sequence(corpus, seq):
    m = copy_metrics(seq, CopyIndex.build(corpus))
    assert 0 <= m["longest_copied_run"] <= len(seq)
    # brute force agrees
    brute = 0
    for i in range(len(seq)):
        for j in range(i + 1, len(seq) + 1):
            sub = seq[i:j]
            if any(any(c[k:k + len(sub)] == sub for k in range(len(c) - len(sub) + 1)) for c in corpus):
                brute = max(brute, len(sub))
    assert m["longest_copied_run"] == brute
