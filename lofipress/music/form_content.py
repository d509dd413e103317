"""Form, progressions, melody rhythm and bass movement read from the notes alone.

The plan's section markers say where a listener *should* hear a new part; these
measures say whether the notes make it heard. None of them reads a part's
section label: the plan only says where to look (a boundary's bar, the bars a
4-bar window tiles), the notes decide what is there.

- **Form by content** (Foote 2000): every bar becomes a feature vector (harmony
  as a duration-weighted chroma, onsets per part, register per part, texture:
  how much of the bar each part sounds and how many keys notes sound at once);
  bar-to-bar distances make a self-similarity matrix; a checkerboard kernel
  slid along its diagonal gives a novelty curve, high where the music on one
  side differs from the music on the other. A planned boundary is *found* when
  the curve peaks within one bar of it above `NOVELTY_MIN`. The track loops, so
  the matrix wraps around the seam.
- **Progressions by content**: each planned 4-bar window's pitch classes per
  bar; a window sharing at least 60 % of them (pooled over its bars) with the
  first window of a progression heard before is that progression again.
- **Melody's own rhythm**: the share of melody onsets struck with a keys onset.
- **Bass on one pitch**: the longest span the bass stays on one pitch class,
  held or repeated.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

STEPS_PER_BAR = 16
PARTS = ("keys", "melody", "bass")
KERNEL_BARS = 4  # half-width of the checkerboard: one loop a side, so a repeating 4-bar loop scores ~0
NOVELTY_MIN = 0.1  # in mean bar-to-bar distances; inside sections 48 songs never passed 0.08, repeated loops score <= 0
FOUND_WITHIN_BARS = 1
SAME_PROGRESSION = 0.6  # pooled pitch-class overlap at or over which two 4-bar windows are one progression
# Feature groups and their weights in a bar-to-bar distance (each group's distance lies in 0..1).
WEIGHTS = {"chroma": 0.35, "density": 0.25, "register": 0.2, "texture": 0.2}
PART_WEIGHTS = np.array([0.5, 0.25, 0.25])  # keys, melody, bass: the comping is the texture a listener follows
Grid = Sequence[tuple[int, int, int]]


def bar_features(parts: dict, bars: int) -> dict[str, np.ndarray]:
    """Per bar: chroma (bars x 12, unit length), onsets (bars x parts), register (bars x parts, NaN where a part
    is silent), coverage (bars x parts, share of the bar sounding) and keys polyphony (bars,)."""
    total = bars * STEPS_PER_BAR
    chroma = np.zeros((bars, 12))
    onsets = np.zeros((bars, len(PARTS)))
    pitch_sum = np.zeros((bars, len(PARTS)))
    pitch_n = np.zeros((bars, len(PARTS)))
    sounding = np.zeros((len(PARTS), total), bool)
    keys_voices = np.zeros(total)
    for j, part in enumerate(PARTS):
        for t, d, p in parts.get(part, ()):
            if not 0 <= t < total:
                continue
            end = min(t + max(d, 1), total)
            onsets[t // STEPS_PER_BAR, j] += 1
            pitch_sum[t // STEPS_PER_BAR, j] += p
            pitch_n[t // STEPS_PER_BAR, j] += 1
            sounding[j, t:end] = True
            if part == "keys":
                keys_voices[t:end] += 1
            weight = 0.5 if part == "melody" else 1.0  # harmony first: the line colours it, the chord sets it
            for b in range(t // STEPS_PER_BAR, (end - 1) // STEPS_PER_BAR + 1):
                lo, hi = max(t, b * STEPS_PER_BAR), min(end, (b + 1) * STEPS_PER_BAR)
                chroma[b, p % 12] += weight * (hi - lo)
    norm = np.linalg.norm(chroma, axis=1, keepdims=True)
    chroma = np.divide(chroma, norm, out=np.zeros_like(chroma), where=norm > 0)
    with np.errstate(invalid="ignore"):
        register = np.where(pitch_n > 0, pitch_sum / np.maximum(pitch_n, 1), np.nan)
    coverage = sounding.reshape(len(PARTS), bars, STEPS_PER_BAR).mean(axis=2).T
    poly = keys_voices.reshape(bars, STEPS_PER_BAR).mean(axis=1)
    return {"chroma": chroma, "onsets": onsets, "register": register, "coverage": coverage, "poly": poly}


def distance_matrix(f: dict[str, np.ndarray]) -> np.ndarray:
    """Bar-to-bar distance in 0..1: the weighted mean of the groups' distances."""
    c = f["chroma"]
    both = (np.linalg.norm(c, axis=1)[:, None] > 0) & (np.linalg.norm(c, axis=1)[None, :] > 0)
    chroma = np.where(both, 1.0 - np.clip(c @ c.T, 0.0, 1.0), 1.0)
    np.fill_diagonal(chroma, 0.0)
    chroma[~np.any(c, axis=1)[:, None] & ~np.any(c, axis=1)[None, :]] = 0.0  # two silent bars are alike
    o = f["onsets"]
    total = o[:, None, :] + o[None, :, :]
    density = np.divide(np.abs(o[:, None, :] - o[None, :, :]), total, out=np.zeros_like(total), where=total > 0)
    r = f["register"]
    present = ~np.isnan(r)
    diff = np.abs(np.nan_to_num(r)[:, None, :] - np.nan_to_num(r)[None, :, :]) / 12.0
    reg = np.where(present[:, None, :] & present[None, :, :], np.minimum(diff, 1.0),
                   np.where(present[:, None, :] | present[None, :, :], 1.0, 0.0))
    cov = f["coverage"]
    p = f["poly"]
    poly = np.abs(p[:, None] - p[None, :]) / np.maximum(np.maximum(p[:, None], p[None, :]), 1.0)
    texture = (np.abs(cov[:, None, :] - cov[None, :, :]) @ PART_WEIGHTS + poly) / 2
    groups = {"chroma": chroma, "density": density @ PART_WEIGHTS, "register": reg @ PART_WEIGHTS,
              "texture": texture}
    # Each group in units of its own mean bar-to-bar distance in this track, so a change in how the keys comp
    # counts as much as a change of chords; a loop repeated under new labels still scores 0 (it is periodic).
    return sum(WEIGHTS[g] * d / max(float(d.mean()), 1e-3) for g, d in groups.items())


def novelty(dist: np.ndarray, half_bars: int = KERNEL_BARS) -> np.ndarray:
    """Foote's novelty at every bar line t (between bar t-1 and bar t), the matrix wrapped at the seam.

    With D the distances, L the bars before t and R the bars from t: mean D over L x R less the mean of
    D within L and within R, each pair weighted by a Gaussian taper of its distance from t.
    """
    n = len(dist)
    h = min(half_bars, max(n // 2, 1))
    offsets = np.arange(-h, h)
    taper = np.exp(-0.5 * ((offsets + 0.5) / (0.5 * h)) ** 2)
    left = offsets < 0
    w = taper[:, None] * taper[None, :]
    cross = left[:, None] != left[None, :]
    within = ~cross & ~np.eye(len(offsets), dtype=bool)
    out = np.zeros(n)
    for t in range(n):
        idx = (t + offsets) % n
        block = dist[np.ix_(idx, idx)]
        out[t] = (block * w)[cross].sum() / w[cross].sum() - (block * w)[within].sum() / w[within].sum()
    return out


def found_boundaries(curve: np.ndarray, planned: Sequence[int], within: int = FOUND_WITHIN_BARS,
                     threshold: float = NOVELTY_MIN) -> list[bool]:
    """Per planned boundary bar: whether the curve has a local peak >= threshold within `within` bars."""
    n = len(curve)
    out = []
    for b in planned:
        hit = False
        for t in range(b - within, b + within + 1):
            v = curve[t % n]
            if v >= threshold and v >= curve[(t - 1) % n] and v >= curve[(t + 1) % n]:
                hit = True
        out.append(hit)
    return out


def _family(name: str) -> str:
    return "A" if name in ("A", "A2", "loop") else name


def form_by_content(parts: dict, sections, bars: int) -> dict:
    """The planned boundaries and which of them the notes make heard.

    A planned boundary is a section start after bar 0 between sections meant to differ: A into A2 (A again,
    varied) is not one, and neither is a loop into itself."""
    curve = novelty(distance_matrix(bar_features(parts, bars)))
    starts = [(i, first) for i, (name, first, _) in enumerate(sections)
              if first > 0 and _family(name) != _family(sections[i - 1][0])]
    heard = dict(zip((i for i, _ in starts), found_boundaries(curve, [first for _, first in starts])))
    names = [name for name, _, _ in sections]
    intro, outro = (names.index(n) if n in names else None for n in ("intro", "outro"))
    return dict(boundaries=len(starts), boundaries_found=sum(heard.values()),
                missed_boundaries=[f"{names[i - 1]}->{names[i]} at bar {first + 1}" for i, first in starts
                                   if not heard[i]],
                intro_found=None if intro is None else heard.get(intro + 1, True),  # where the intro ends
                outro_found=None if outro is None else heard.get(outro, True),
                novelty_curve=[round(float(v), 3) for v in curve])


def _window_pcs(parts: dict, first_bar: int) -> list[frozenset]:
    """Per bar of a 4-bar window, the pitch classes the keys and bass sound for a quarter note or more."""
    out = []
    for b in range(first_bar, first_bar + 4):
        lo, hi = b * STEPS_PER_BAR, (b + 1) * STEPS_PER_BAR
        weight: dict[int, int] = {}
        for part in ("keys", "bass"):
            for t, d, p in parts.get(part, ()):
                overlap = min(t + d, hi) - max(t, lo)
                if overlap > 0:
                    weight[p % 12] = weight.get(p % 12, 0) + overlap
        out.append(frozenset(pc for pc, w in weight.items() if w >= 4))
    return out


def _overlap(x: list[frozenset], y: list[frozenset]) -> float:
    inter = sum(len(a & b) for a, b in zip(x, y))
    union = sum(len(a | b) for a, b in zip(x, y))
    return inter / union if union else 1.0


def progressions_by_content(parts: dict, sections) -> int:
    """Distinct 4-bar progressions among the planned body windows, in order: a window that shares >= 60 % of its
    pitch classes with a progression's first window is that progression (no chaining through near misses)."""
    windows = [_window_pcs(parts, w) for name, first, count in sections if name not in ("intro", "outro")
               for w in range(first, first + count - 3, 4)]
    windows = [w for w in windows if any(w)]
    leaders: list[list[frozenset]] = []  # each progression's first window; the next joins the first it matches
    for w in windows:
        if not any(_overlap(w, lead) >= SAME_PROGRESSION for lead in leaders):
            leaders.append(w)
    return len(leaders)


def melody_on_keys_share(parts: dict) -> float | None:
    """The share of melody onsets struck together with a keys onset (None without a melody)."""
    melody = {t for t, _, _ in parts.get("melody", ())}
    if not melody:
        return None
    keys = {t for t, _, _ in parts.get("keys", ())}
    return len(melody & keys) / len(melody)


def bass_same_pitch_bars(bass: Grid) -> float:
    """The longest span, in bars, over which the bass plays one pitch class (held or struck again), from its
    first onset to the onset of another pitch class (or the end of its last note)."""
    notes = sorted(bass)
    best, i = 0.0, 0
    while i < len(notes):
        j = i
        while j + 1 < len(notes) and notes[j + 1][2] % 12 == notes[i][2] % 12:
            j += 1
        end = notes[j + 1][0] if j + 1 < len(notes) else notes[j][0] + notes[j][1]  # until the bass moves
        span = end - notes[i][0]
        best = max(best, span / STEPS_PER_BAR)
        i = j + 1
    return round(best, 3)


def content_metrics(parts: dict, sections, bars: int) -> dict:
    """Every measure of this module for one arranged song."""
    m = form_by_content(parts, sections, bars)
    share = melody_on_keys_share(parts)
    m.update(has_b=any(name == "B" for name, _, _ in sections), progressions_by_content=progressions_by_content(parts, sections),
             melody_on_keys_share=None if share is None else round(share, 3),
             bass_same_pitch_bars=bass_same_pitch_bars(parts.get("bass", ())))
    return m


TARGETS = dict(
    progressions_min=2,  # a song with a B: its B is a second progression a listener can tell from A's
    melody_on_keys_max=0.5,  # a line of its own strikes at most half its notes with the comping
    bass_same_pitch_bars_max=4.0,  # longer on one pitch class, held or struck again, is a drone
)


def check(m: dict) -> list[str]:
    """The content targets a scored song misses, as readable strings (every planned boundary must be heard)."""
    t, failed = TARGETS, []
    for miss in m.get("missed_boundaries", ()):
        failed.append(f"form: {miss} not heard in the notes (novelty under {NOVELTY_MIN})")
    if m.get("has_b") and m["progressions_by_content"] < t["progressions_min"]:
        failed.append(f"form: {m['progressions_by_content']} progression by content (< {t['progressions_min']})")
    share = m.get("melody_on_keys_share")
    if share is not None and share > t["melody_on_keys_max"]:
        failed.append(f"melody: rides the keys, {share:.0%} of its onsets with theirs (> {t['melody_on_keys_max']:.0%})")
    if m["bass_same_pitch_bars"] > t["bass_same_pitch_bars_max"]:
        failed.append(f"bass: one pitch for {m['bass_same_pitch_bars']:g} bars (> {t['bass_same_pitch_bars_max']:g})")
    return failed
