"""Does a composed part copy the corpus? Per part, transposition-invariant event strings.

The keys are compared as chord shapes: each onset's pitch classes above its
lowest note, with the step of that lowest note from the chord before, its
position in the bar and its length. The lead is compared as a line: each
note's interval from the note before, position and length. Neither string
holds a pitch, so a corpus loop copied into another key, or another octave,
is still found (`lofipress.music.metrics.CopyIndex` finds the longest shared run).
"""
from __future__ import annotations

from collections.abc import Iterable

from . import metrics

STEPS_PER_BAR = 16
PARTS = ("keys", "lead")
# Copying limits per part. The keys keep the corpus figures (DESIGN.md: run <= 12 events, 8-grams <= 5 %).
# A melody event is one note, so its runs are shorter per bar: 12 notes is about three bars of a top line,
# more than a shared stepwise figure by chance (the held-out corpus melodies share at most 7 with the rest).
TARGETS = {"keys": (12, 0.05), "lead": (12, 0.10)}


def keys_events(notes: Iterable[tuple[int, int, int]]) -> list[str]:
    """Chord events of keys notes (start, dur, pitch): "pos|dur|root step|shape"."""
    by_onset: dict[int, list[tuple[int, int]]] = {}
    for t, d, p in notes:
        by_onset.setdefault(int(t), []).append((int(d), int(p)))
    out, prev_low = [], None
    for t in sorted(by_onset):
        items = by_onset[t]
        low = min(p for _, p in items)
        shape = ".".join(str(x) for x in sorted({(p - low) % 12 for _, p in items}))
        step = "x" if prev_low is None else str((low - prev_low) % 12)
        out.append(f"{t % STEPS_PER_BAR}|{max(d for d, _ in items)}|{step}|{shape}")
        prev_low = low
    return out


def lead_events(notes: Iterable[tuple[int, int, int]]) -> list[str]:
    """Line events of lead notes (start, dur, pitch): "pos|dur|interval from the previous note"."""
    out, prev = [], None
    for t, d, p in sorted(notes):
        out.append(f"{int(t) % STEPS_PER_BAR}|{int(d)}|{'x' if prev is None else int(p) - prev}")
        prev = int(p)
    return out


class PartIndex:
    """One copy index per part over a corpus of {"keys": [...], "lead": [...]} event strings."""

    def __init__(self, by_part: dict[str, metrics.CopyIndex | None]):
        self.by_part = by_part

    @classmethod
    def build(cls, corpus: dict[str, dict[str, list[str]]]) -> "PartIndex":
        return cls({part: metrics.CopyIndex.build([seqs[part] for seqs in corpus.values() if seqs.get(part)])
                    if any(seqs.get(part) for seqs in corpus.values()) else None for part in PARTS})


def copy_metrics(keys: Iterable, lead: Iterable, index: PartIndex) -> dict:
    """Longest copied run and shared 8-gram share of the keys (`keys_*`) and the lead (`lead_*`)."""
    out = {}
    for part, seq in (("keys", keys_events(keys)), ("lead", lead_events(lead))):
        idx = index.by_part.get(part)
        m = metrics.copy_metrics(seq, idx) if idx is not None and seq else dict(longest_copied_run=0,
                                                                              shared_ngram_share=0.0)
        out[f"{part}_copied_run"] = int(m["longest_copied_run"])
        out[f"{part}_shared_8gram"] = round(float(m["shared_ngram_share"]), 4)
    return out


def check(m: dict) -> list[str]:
    """The copying limits a piece breaks, as readable strings."""
    failed = []
    for part, (run_max, share_max) in TARGETS.items():
        run, share = m.get(f"{part}_copied_run"), m.get(f"{part}_shared_8gram")
        if run is not None and run > run_max:
            failed.append(f"{part} copies {run} events of the corpus in a row (> {run_max})")
        if share is not None and share > share_max:
            failed.append(f"{part} shares {share:.0%} of its 8-grams with the corpus (> {share_max:.0%})")
    return failed
