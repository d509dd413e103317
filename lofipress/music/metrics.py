"""Quality metrics of a composed piece: key, tonality, pitch-class entropy, copying.

The station's quality gate (DESIGN.md, "Quality targets") reads these. Pieces
come in as `notes16`: (start_16th, duration_16ths, MIDI pitch) with 16
sixteenths per 4/4 bar. Pure numpy and the standard library so that gating 64
pieces costs milliseconds; no music21 here.
"""
from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np

from .chords import KEY_NAMES, key_name_to_number

STEPS_PER_BAR = 16
WINDOW_BARS = 4

TARGETS = dict(key_consistency_min=0.75, in_key_min=0.85, entropy_min=2.45, entropy_max=3.05,
               copied_run_max=12, shared_8gram_max=0.05)

# Aarden-Essen key profiles (Aarden 2003), tonic first: the weights of music21's default
# `analyze('key')`, with which the real-loop figures in FIELD-NOTES were measured. Against
# Krumhansl-Kessler they weigh scale membership over tonic emphasis, so a diatonic window
# is not heard in its dominant's key.
_MAJOR = np.array([17.7661, 0.1456, 14.9265, 0.1602, 19.8049, 11.3587, 0.2912, 22.062, 0.1456, 8.1549, 0.233, 4.9512])
_MINOR = np.array([18.2648, 0.7376, 14.0499, 16.8599, 0.7025, 14.4362, 0.7025, 18.6161, 4.5662, 1.9319, 7.3762, 1.7562])


def _profiles() -> np.ndarray:
    """24 x 12 z-scored profiles, rows in key-number order (0-11 major, 12-23 minor)."""
    rows = [np.roll(_MAJOR, k) for k in range(12)] + [np.roll(_MINOR, k) for k in range(12)]
    m = np.array(rows)
    m = m - m.mean(axis=1, keepdims=True)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


_PROFILES = _profiles()
_MAJOR_STEPS = np.array([0, 2, 4, 5, 7, 9, 11])
_MINOR_EXTRA = np.array([9, 11])  # melodic/harmonic minor's raised 6th and 7th


def _scale_mask(key_number: int, with_raised: bool = False) -> np.ndarray:
    """Boolean mask of the key's scale pitch classes (natural minor for minor keys)."""
    tonic = key_number % 12
    rel_major = tonic if key_number < 12 else (tonic + 3) % 12
    mask = np.zeros(12, bool)
    mask[(rel_major + _MAJOR_STEPS) % 12] = True
    if with_raised and key_number >= 12:
        mask[(tonic + _MINOR_EXTRA) % 12] = True
    return mask


def key_scale_pcs(key: str) -> set[int]:
    """Pitch classes of a key's scale, with a minor key's raised 6th and 7th (the in-key test of piece_metrics)."""
    return {int(pc) for pc in np.flatnonzero(_scale_mask(key_name_to_number(key), with_raised=True))}


def _scale_id(key_number: int) -> int:
    """Pitch class of the relative major: keys sharing a scale share this id."""
    return key_number % 12 if key_number < 12 else (key_number % 12 + 3) % 12


def _estimate_number(pc_weights: np.ndarray) -> int:
    w = np.asarray(pc_weights, float)
    w = w - w.mean()
    norm = np.linalg.norm(w)
    if norm == 0:
        return 0
    return int(np.argmax(_PROFILES @ (w / norm)))


def estimate_key(pc_weights: np.ndarray) -> str:
    """Krumhansl-Schmuckler key of a 12-bin pitch-class weight vector (duration-weighted).

    Correlates the weights with the 24 rotated Aarden-Essen profiles and
    returns the best key's short name ("C", "Am"...). A flat vector returns "C".
    """
    return KEY_NAMES[_estimate_number(pc_weights)]


def _entropy_bits(hist: np.ndarray) -> float:
    total = hist.sum()
    if total <= 0:
        return 0.0
    p = hist[hist > 0] / total
    return float(-(p * np.log2(p)).sum() + 0.0)


def piece_metrics(notes16: Sequence[tuple[int, int, int]], bars: int, key: str | None = None) -> dict:
    """Tonality and texture metrics of a piece on 4-bar windows.

    Args:
        notes16: (start_16th, duration_16ths, MIDI pitch) per note.
        bars: length of the piece in 4/4 bars; windows are bars 0-3, 4-7, ...;
            a last partial window counts when it holds at least 2 bars.
        key: the piece's key ("C", "Am"...); estimated on the whole piece when None.

    Returns:
        dict with `key`; `key_consistency`: share of non-empty windows whose
        estimated key has the same scale as the piece key (relative major and
        minor count as the same: C and Am agree); `in_key`: duration-weighted
        share of notes in the key's scale, where a minor key also admits the
        raised 6th and 7th (natural, harmonic and melodic minor); `pc_entropy_bits`:
        mean over windows of the entropy of the duration-weighted pitch-class
        histogram; `polyphony`: mean number of sounding notes over the 16ths where
        something sounds; `span_semitones`; `distinct_pitches`; `n_windows`.
    """
    arr = np.asarray(list(notes16), float).reshape(-1, 3)
    starts, durs, pitches = arr[:, 0], np.maximum(arr[:, 1], 0), arr[:, 2].astype(int)
    ends = starts + durs
    pcs = pitches % 12
    total_16 = bars * STEPS_PER_BAR
    win_16 = WINDOW_BARS * STEPS_PER_BAR
    n_windows = bars // WINDOW_BARS + (1 if bars % WINDOW_BARS >= 2 else 0)
    n_windows = max(n_windows, 1)
    w_lo = np.arange(n_windows)[:, None] * win_16
    w_hi = np.minimum(w_lo + win_16, total_16)
    overlap = np.clip(np.minimum(ends[None, :], w_hi) - np.maximum(starts[None, :], w_lo), 0, None)
    hists = np.zeros((n_windows, 12))
    for pc in range(12):  # 12 column sums beat np.add.at on small pieces
        hists[:, pc] = overlap[:, pcs == pc].sum(axis=1)
    whole = np.zeros(12)
    np.add.at(whole, pcs, durs)

    key_number = key_name_to_number(key) if key else _estimate_number(whole)
    scale_id = _scale_id(key_number)
    filled = hists.sum(axis=1) > 0
    agree = [_scale_id(_estimate_number(h)) == scale_id for h in hists[filled]]
    in_mask = _scale_mask(key_number, with_raised=True)
    total_w = whole.sum()

    polyphony = 0.0
    if len(pitches):
        n_steps = int(max(total_16, np.ceil(ends.max())))
        count = np.zeros(n_steps + 1)
        np.add.at(count, np.floor(starts).astype(int), 1)
        np.add.at(count, np.ceil(ends).astype(int), -1)
        sounding = np.cumsum(count)[:n_steps]
        active = sounding > 0
        polyphony = float(sounding[active].mean()) if active.any() else 0.0

    return dict(
        key=KEY_NAMES[key_number],
        key_consistency=float(np.mean(agree)) if agree else 0.0,
        in_key=float(whole[in_mask].sum() / total_w) if total_w > 0 else 0.0,
        pc_entropy_bits=float(np.mean([_entropy_bits(h) for h in hists[filled]])) if filled.any() else 0.0,
        polyphony=polyphony,
        span_semitones=int(pitches.max() - pitches.min()) if len(pitches) else 0,
        distinct_pitches=int(len(set(pitches.tolist()))),
        n_windows=int(n_windows),
    )


def longest_repeat(tokens: Sequence[Hashable]) -> int:
    """Longest run of one token repeated back to back (0 for an empty sequence)."""
    best = run = 0
    prev = object()
    for t in tokens:
        run = run + 1 if t == prev else 1
        best = max(best, run)
        prev = t
    return best


class _Sep:
    """A separator that equals nothing but itself, so no match spans two corpus pieces."""

    __slots__ = ()


class CopyIndex:
    """A suffix automaton over the whole corpus plus the set of its n-grams."""

    def __init__(self, trans: list[dict], link: list[int], length: list[int], ngrams: set, n: int):
        self.trans, self.link, self.length, self.ngrams, self.n = trans, link, length, ngrams, n

    @classmethod
    def build(cls, corpus_sequences: Sequence[Sequence[Hashable]], n: int = 8) -> "CopyIndex":
        """Index the corpus: linear-time suffix automaton + hashed n-grams."""
        trans: list[dict] = [{}]
        link, length = [-1], [0]
        last = 0

        def extend(c):
            nonlocal last
            cur = len(trans)
            trans.append({})
            length.append(length[last] + 1)
            link.append(0)
            p = last
            while p != -1 and c not in trans[p]:
                trans[p][c] = cur
                p = link[p]
            if p != -1:
                q = trans[p][c]
                if length[p] + 1 == length[q]:
                    link[cur] = q
                else:
                    clone = len(trans)
                    trans.append(dict(trans[q]))
                    length.append(length[p] + 1)
                    link.append(link[q])
                    while p != -1 and trans[p].get(c) == q:
                        trans[p][c] = clone
                        p = link[p]
                    link[q] = clone
                    link[cur] = clone
            last = cur

        ngrams = set()
        for seq in corpus_sequences:
            seq = list(seq)
            for tok in seq:
                extend(tok)
            extend(_Sep())
            ngrams.update(tuple(seq[i:i + n]) for i in range(len(seq) - n + 1))
        return cls(trans, link, length, ngrams, n)


def copy_metrics(sequence: Sequence[Hashable], index: CopyIndex) -> dict:
    """How much of `sequence` the corpus holds verbatim.

    Returns:
        dict(longest_copied_run: the longest contiguous run of the sequence that
        occurs contiguously in one corpus sequence; shared_ngram_share: share of
        the sequence's n-grams (n = index.n, 8 by default) found in the corpus,
        0.0 when the sequence is shorter than n).
    """
    trans, link, length = index.trans, index.link, index.length
    state = cur = best = 0
    for tok in sequence:
        while state and tok not in trans[state]:
            state = link[state]
            cur = length[state]
        if tok in trans[state]:
            state = trans[state][tok]
            cur += 1
        else:
            state, cur = 0, 0
        best = max(best, cur)
    seq = list(sequence)
    n = index.n
    grams = [tuple(seq[i:i + n]) for i in range(len(seq) - n + 1)]
    share = sum(g in index.ngrams for g in grams) / len(grams) if grams else 0.0
    return dict(longest_copied_run=best, shared_ngram_share=float(share))


def check(metrics: dict) -> list[str]:
    """The quality targets a piece fails, as short readable strings; empty when it passes."""
    t, failed = TARGETS, []
    if "key_consistency" in metrics and metrics["key_consistency"] < t["key_consistency_min"]:
        failed.append(f"key_consistency {metrics['key_consistency']:.2f} < {t['key_consistency_min']}")
    if "in_key" in metrics and metrics["in_key"] < t["in_key_min"]:
        failed.append(f"in_key {metrics['in_key']:.2f} < {t['in_key_min']}")
    if "pc_entropy_bits" in metrics:
        e = metrics["pc_entropy_bits"]
        if not t["entropy_min"] <= e <= t["entropy_max"]:
            failed.append(f"pc_entropy_bits {e:.2f} outside {t['entropy_min']}-{t['entropy_max']}")
    if "longest_copied_run" in metrics and metrics["longest_copied_run"] > t["copied_run_max"]:
        failed.append(f"longest_copied_run {metrics['longest_copied_run']} > {t['copied_run_max']}")
    if "shared_ngram_share" in metrics and metrics["shared_ngram_share"] > t["shared_8gram_max"]:
        failed.append(f"shared_ngram_share {metrics['shared_ngram_share']:.3f} > {t['shared_8gram_max']}")
    return failed
