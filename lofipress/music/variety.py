"""Variety across a station: do its tracks differ from each other the way real lo-fi loops do?

Each track's keys part, over its body sections, gets the five figures FIELD-NOTES gives for 65 producers'
MIDI loops (one part each, 4-8 bars): notes a bar, the average gap between distinct onsets (beats), notes
sounding at an onset, pitch range and distinct pitches. For each figure the station reports its quartiles
across tracks beside the real loops', and two readings:

- `spread_ratio`: the station's interquartile range over the real loops'. Below 1, the tracks are more alike
  than real loops are; a station of one song played twelve times scores 0.
- `median_inside`: whether the station's median lies inside the real loops' interquartile range: the keys
  sound like real keys, whatever their spread.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

STEPS_PER_BAR = 16
# 25th percentile, median, 75th over 65 real loops (FIELD-NOTES, "Real lo-fi loops by numbers").
REAL_LOOPS = {
    "notes_per_bar": (8.75, 11.5, 14.5),
    "onset_gap_beats": (0.57, 0.86, 1.03),
    "notes_per_onset": (3.75, 4.38, 5.23),
    "range_semitones": (28, 34, 40),
    "distinct_pitches": (15, 17, 20),
}


def keys_figures(keys: Sequence[tuple[int, int, int]], bars: Sequence[int]) -> dict | None:
    """The five figures of a keys part over the given bars (None where it plays nothing there)."""
    chosen = set(bars)
    notes = [(t, d, p) for t, d, p in keys if t // STEPS_PER_BAR in chosen]
    if not notes:
        return None
    onsets = sorted({t for t, _, _ in notes})
    gaps = np.diff(onsets) / 4.0 if len(onsets) > 1 else np.array([4.0 * len(chosen)])
    pitches = [p for _, _, p in notes]
    return {"notes_per_bar": len(notes) / len(chosen), "onset_gap_beats": float(np.mean(gaps)),
            "notes_per_onset": len(notes) / len(onsets), "range_semitones": max(pitches) - min(pitches),
            "distinct_pitches": len(set(pitches))}


def body_bars(sections, bars: int) -> list[int]:
    """The bars of the body sections (not the intro or outro); every bar when there is no plan."""
    out = [b for name, first, count in sections if name not in ("intro", "outro")
           for b in range(first, first + count)]
    return out or list(range(bars))


def variety(figures: list[dict]) -> dict:
    """Per figure: the station's quartiles, the real loops', the spread ratio and whether the median is inside."""
    out = {}
    for key, (lo, mid, hi) in REAL_LOOPS.items():
        vals = [f[key] for f in figures if f]
        if not vals:
            continue
        q1, q2, q3 = (float(v) for v in np.percentile(vals, [25, 50, 75]))
        out[key] = {"station": [round(q1, 3), round(q2, 3), round(q3, 3)], "real": [lo, mid, hi],
                    "spread_ratio": round((q3 - q1) / (hi - lo), 3), "median_inside": bool(lo <= q2 <= hi)}
    return out


def table(v: dict) -> list[str]:
    """Lines for `lofipress eval`'s table."""
    lines = [f"{'keys part, across tracks':26} {'station p25/p50/p75':>22} {'real loops':>20} {'spread':>7}  median"]
    for key, row in v.items():
        st = "/".join(f"{x:g}" for x in row["station"])
        real = "/".join(f"{x:g}" for x in row["real"])
        lines.append(f"{key:26} {st:>22} {real:>20} {row['spread_ratio']:>6.2f}x  "
                     f"{'inside' if row['median_inside'] else 'OUTSIDE'}")
    return lines
