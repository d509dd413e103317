"""Arrange a composed song for the band on the 16th grid: keys, melody and bass, section by section.

`arrange_parts()` takes the composer's piece (keys notes, the lead, the sections)
and returns grid notes per part; `lofipress.music.perform` turns them into notes in
seconds (swing, timing, velocity). The quality gate scores these parts, so what
is scored is what is published.

Per section: the intro is the keys alone and softer (the band comes in with A);
B comps in another rhythm (the keys re-struck on the "and of 2"); the
outro holds its last chord over the tonic. The bass is written here, not
composed: a root on every chord change, a fifth, octave or approach note on the
other hits of a pattern that sits with the kick (1, the "and of 2" or 3, the
"and of 3"), and never a note across a chord change or a bar line.
"""
from __future__ import annotations

import numpy as np

from .chords import root_of
from ..station.config import ArrangeSettings
from .tokens import Piece, section_names
from ..core.keys import parse_key

STEPS_PER_BAR = 16
MELODY_LOW, MELODY_HIGH = 55, 88  # G3..E6: the lead keeps the register the model gave it inside this
Grid = list[tuple[int, int, int]]  # (start_16th, duration_16ths, MIDI pitch)

# Bass patterns, one bar each: (step, what) with what = "root", "fifth", "octave" or "approach" (to the next chord).
# Steps 0, 8 and 10 are where lo-fi kicks fall (boom-bap: 1 and the "and of 3"), so the bass sits with them.
BASS_PATTERNS = {
    "anchor": ((0, "root"), (10, "root")),  # root on 1, again with the kick on the "and of 3"
    "walk": ((0, "root"), (8, "fifth"), (14, "approach")),  # root, fifth on 3, a step into the next bar
    "push": ((0, "root"), (3, "root"), (7, "octave"), (10, "fifth"), (14, "approach")),  # B drives: busier

    "whole": ((0, "root"),),  # the outro: one root a bar, held, while the chords ring out
}
SECTION_BASS = {"A": ("anchor", "walk"), "A2": ("anchor", "walk"), "B": ("push",), "outro": ("whole",),
                "loop": ("anchor", "walk")}  # each section draws its pattern from these, per track


def _into_range(p: int, low: int, high: int) -> int:
    """Move a pitch by octaves into [low, high] (the nearest edge if the range is under an octave)."""
    while p < low:
        p += 12
    while p > high:
        p -= 12
    return max(p, low)


def _dedupe(notes: Grid) -> Grid:
    """Drop doubled pitches at one onset and cut a note where its pitch strikes again."""
    best: dict[tuple[int, int], int] = {}
    for t, d, p in notes:
        best[(t, p)] = max(best.get((t, p), 0), d)
    by_pitch: dict[int, list[tuple[int, int]]] = {}
    for (t, p), d in best.items():
        by_pitch.setdefault(p, []).append((t, d))
    out = []
    for p, items in by_pitch.items():
        items.sort()
        for i, (t, d) in enumerate(items):
            if i + 1 < len(items):
                d = min(d, items[i + 1][0] - t)
            out.append((t, d, p))
    return sorted(out)


def chord_spans(keys: Grid, total: int) -> list[tuple[int, int, int]]:
    """(start, end, root_pc) per chord, from the roots of the sounding keys per half bar.

    A half bar with only tones of the chord before (a re-strike, an arpeggio) is no change. A change
    pushed ahead of the half bar (an anticipation) starts where it is struck.
    """
    slots: list[int | None] = []
    chord_pcs: set[int] = set()
    arr = np.array(keys, int).reshape(-1, 3)
    starts, ends, pitches = arr[:, 0], arr[:, 0] + arr[:, 1], arr[:, 2]
    for s in range(0, total, 8):
        held = pitches[(np.minimum(ends, s + 8) - np.maximum(starts, s)) >= 4].tolist()  # half the slot or more
        if held and slots and slots[-1] is not None and {p % 12 for p in held} <= chord_pcs:
            slots.append(slots[-1])
            continue
        found = root_of(held) if held else None
        chord_pcs = {p % 12 for p in held}
        slots.append(found[0] if found else (slots[-1] if slots else None))
    spans: list[list[int]] = []
    for i, root in enumerate(slots):
        if root is None:
            continue
        if spans and spans[-1][2] == root:
            spans[-1][1] = i * 8 + 8
            continue
        start = i * 8
        for t in sorted({int(t) for t in starts[(starts > start - 8) & (starts < start)]}, reverse=True):
            struck = pitches[starts == t].tolist()  # an anticipation? the chord struck just before the slot
            r = root_of(struck) if len(struck) >= 3 else None
            if r and r[0] == root:
                start = t
        if spans:
            spans[-1][1] = max(min(spans[-1][1], start), spans[-1][0] + 1)
        spans.append([start, i * 8 + 8, root])
    if spans:
        spans[0][0] = 0 if spans[0][0] <= 8 else spans[0][0]
        spans[-1][1] = total
    return [tuple(s) for s in spans]


def bass_line(spans, sections, total: int, low: int, high: int, tonic_pc: int,
              rng: np.random.Generator) -> Grid:
    """The bass: a pattern per section, a root on every change, nothing held across a change or a bar line."""
    if not spans:
        return []
    changes = sorted({a for a, _, _ in spans})

    def root_at(step: int) -> int:  # the chord sounding at a step; before the first chord, the first chord
        step = step % total
        return next((r for a, b, r in reversed(spans) if a <= step), spans[0][2])

    def next_change(step: int) -> int:
        return next((c for c in changes if c > step), total)

    patterns = {name: BASS_PATTERNS[opts[int(rng.integers(len(opts)))]] for name, opts in SECTION_BASS.items()}
    hits: dict[int, str] = {}
    names = section_names(sections, total // STEPS_PER_BAR)
    for bar, name in enumerate(names):
        if name == "intro":
            continue  # the bass comes in with A
        for step, what in patterns.get(name, patterns["loop"]):
            hits[bar * STEPS_PER_BAR + step] = what
    for c in changes:  # a root on every chord change, wherever it falls
        if names[min(c // STEPS_PER_BAR, len(names) - 1)] != "intro":
            hits[c] = "root"
    for bar in range(1, len(names)):  # a chord held over the bar line: this bar moves off its root (no drone)
        lo = bar * STEPS_PER_BAR
        if names[bar] == "intro" or root_at(lo) != root_at(lo - 1) or any(lo < c < lo + STEPS_PER_BAR for c in changes):
            continue
        moves = [t for t in range(lo + 1, lo + STEPS_PER_BAR) if hits.get(t) in ("fifth", "approach")]
        if not moves:
            for t in [t for t in range(lo + 1, lo + STEPS_PER_BAR) if hits.get(t) in ("root", "octave")]:
                hits[t] = "fifth"
            if not any(lo < t < lo + STEPS_PER_BAR for t in hits):
                hits[lo + 8] = "fifth"
    starts = sorted(hits)
    out: Grid = []
    prev = (low + high) // 2 - 2
    for i, t in enumerate(starts):
        root = root_at(t)
        options = [p for p in range(low, high + 1) if p % 12 == root] or [_into_range(root + 36, low, high)]
        base = min(options, key=lambda p: (abs(p - prev) + 0.3 * abs(p - 38), p))
        what = hits[t]
        if what == "fifth":
            pitch = base + 7 if base + 7 <= high else base - 5
        elif what == "octave":
            pitch = base + 12 if base + 12 <= high else base
        elif what == "approach":
            target = root_at(t + 2) if next_change(t) - t <= 2 else root
            goal = min((p for p in range(low, high + 1) if p % 12 == target), key=lambda p: abs(p - base),
                       default=base)
            pitch = goal + (1 if goal + 1 <= high and rng.random() < 0.5 else -1 if goal - 1 >= low else 2)
        else:
            pitch = base
        end = min(starts[i + 1] if i + 1 < len(starts) else total, next_change(t),
                  (t // STEPS_PER_BAR + 1) * STEPS_PER_BAR)
        if end > t:
            out.append((t, end - t, pitch))
        if what == "root":
            prev = pitch
    last_bar = (total // STEPS_PER_BAR - 1) * STEPS_PER_BAR
    if names and names[-1] == "outro":  # the outro's last bar rests on the tonic, held to the seam
        out = [n for n in out if n[0] < last_bar]
        tonic = min((p for p in range(low, high + 1) if p % 12 == tonic_pc), key=lambda p: abs(p - 38))
        out.append((last_bar, total - last_bar, tonic))
    return out


def _half_bar_chords(keys: Grid, first: int, last: int) -> list[tuple[int, tuple[int, ...]]]:
    """(step, pitches) per half bar of [first, last): the keys notes sounding three 16ths or more of it."""
    out, prev = [], ()
    for h in range(first, last, 8):
        ps = tuple(sorted({p for t, d, p in keys if min(t + d, h + 8) - max(t, h) >= 3}))
        out.append((h, ps or prev))
        prev = ps or prev
    return out


STAB_STEPS = ((0, 3), (6, 2), (10, 3))  # B over sustained A: short chords on 1, the "and of 2" and the "and of 3"


def _recomp(keys: Grid, first: int, last: int, a_strikes_per_bar: float) -> Grid:
    """B's comping, the contrast of A's: over busy A (two or more strikes a bar) the chords are held, one
    strike per chord; over sustained A they are short stabs that push against the beat. Same chords, new feel."""
    chords = _half_bar_chords(keys, first, last)
    out = [n for n in keys if not first <= n[0] < last]
    out = [(t, min(d, first - t), p) if t < first < t + d else (t, d, p) for t, d, p in out]
    if a_strikes_per_bar >= 2:
        i = 0
        while i < len(chords):
            h, ps = chords[i]
            span = 8
            if h % STEPS_PER_BAR == 0 and i + 1 < len(chords) and chords[i + 1][1] == ps:
                span, i = 16, i + 1
            out += [(h, span, p) for p in ps]
            i += 1
    else:
        by_step = dict(chords)
        for bar in range(first, last, STEPS_PER_BAR):
            for step, dur in STAB_STEPS:
                ps = by_step.get(bar + step - step % 8, ())
                out += [(bar + step, dur, p) for p in ps]
    return out


def _strikes_per_bar(keys: Grid, first: int, count: int) -> float:
    """Distinct keys onset times per bar over `count` bars from bar `first`."""
    lo, hi = first * STEPS_PER_BAR, (first + count) * STEPS_PER_BAR
    return len({t for t, _, _ in keys if lo <= t < hi}) / max(count, 1)


def _lift(keys: Grid, first: int, last: int, top: int) -> Grid:
    """B's voicing: the lowest note of every chord of three struck in [first, last) an octave up, the two
    lowest of a bigger one (an inversion over the bass's root), so B sits brighter than A as well as moving
    differently."""
    struck: dict[int, list[int]] = {}
    for t, _, p in keys:
        if first <= t < last:
            struck.setdefault(t, []).append(p)
    lift: dict[int, set[int]] = {}
    for t, ps in struck.items():  # three notes: the lowest goes up; four or more: the two lowest (an open voicing)
        low = sorted(set(ps))[:1 if len(set(ps)) == 3 else 2] if len(set(ps)) >= 3 else []
        lift[t] = {q for q in low if q + 12 <= top}
    return [(t, d, p + 12 if p in lift.get(t, ()) else p) for t, d, p in keys]


def _ring_out(keys: Grid, first: int, last: int) -> Grid:
    """The outro's keys: each bar's chord (what sounds at its downbeat, else what is struck first) struck once
    and held the bar, so the song slows into its last chord instead of comping on."""
    out = [n for n in keys if not first <= n[0] < last]
    for bar in range(first, last, STEPS_PER_BAR):
        sounding = [p for t, d, p in keys if t <= bar < t + d]
        if not sounding:
            inside = [n for n in keys if bar <= n[0] < bar + STEPS_PER_BAR]
            t0 = min((n[0] for n in inside), default=None)
            sounding = [p for t, _, p in inside if t == t0]
        out = [(t, min(d, bar - t), p) if t < bar < t + d else (t, d, p) for t, d, p in out]  # cut what rings in
        out += [(bar, STEPS_PER_BAR, p) for p in sorted(set(sounding))]
    return [n for n in out if n[1] > 0]


COMPINGS = ("as played", "as played", "pushed", "held")  # a track's comping feel, drawn per track
REGISTERS = (-4, 0, 0, 3)  # semitones the keys' voicing window moves, per track: darker, as set, brighter


def comp_feel(keys: Grid, feel: str) -> Grid:
    """The keys as a player with this feel would comp them, same chords: "pushed" re-strikes a chord held over
    the "and" of 2 or of 4 there (a lo-fi push); "held" lets a chord struck again at once ring on instead."""
    if feel == "pushed":
        out = []
        for t, d, p in keys:
            s = t + (6 - t % 8) % 8 or t + 8  # the next "and" before a strong beat (steps 6 and 14)
            out += [(t, s - t, p), (s, t + d - s, p)] if d >= 6 and t < s < t + d - 1 else [(t, d, p)]
        return sorted(out)
    if feel == "held":
        ends: dict[tuple[int, int], int] = {}
        out = []
        for t, d, p in sorted(keys):
            i = ends.pop((p, t), None)
            if i is not None and out[i][0] // STEPS_PER_BAR == t // STEPS_PER_BAR:  # struck again as it ends
                out[i] = (out[i][0], out[i][1] + d, p)
                ends[(p, t + d)] = i
                continue
            ends[(p, t + d)] = len(out)
            out.append((t, d, p))
        return sorted(out)
    return list(keys)


def arrange_parts(piece: Piece, settings: ArrangeSettings, rng: np.random.Generator) -> dict[str, Grid]:
    """Arrange a composed piece into keys, melody and bass on the 16th grid.

    Args:
        piece: the composer's piece: keys notes, the lead, the key, bars and sections.
        settings: the register of each part.
        rng: the only source of randomness (bass patterns and approach notes).
    Returns:
        {"keys": grid, "melody": grid, "bass": grid}; onsets inside the piece, durations clipped to its end.
    """
    tonic_pc = parse_key(piece.key)[0]
    total = piece.bars * STEPS_PER_BAR
    clip = lambda ns: [(int(t), int(min(d, total - t)), int(p)) for t, d, p in ns if 0 <= t < total and d > 0]  # noqa
    sections = piece.sections or (("loop", 0, piece.bars),)
    keys = _dedupe([(t, d, _into_range(p, settings.keys_low, settings.keys_high)) for t, d, p in clip(piece.notes)])
    melody = [(t, d, p if MELODY_LOW <= p <= MELODY_HIGH else _into_range(p, MELODY_LOW, MELODY_HIGH))
              for t, d, p in clip(piece.lead)]
    spans = chord_spans(keys, total)
    a_strikes = next((_strikes_per_bar(keys, first, n) for name, first, n in sections if name == "A"), 0.0)
    for name, first, n in sections:
        lo, hi = first * STEPS_PER_BAR, (first + n) * STEPS_PER_BAR
        if name == "intro":  # the keys alone: the melody waits for A
            melody = [m for m in melody if not lo <= m[0] < hi]
        elif name == "B":  # another comping rhythm and a brighter voicing; the melody keeps its register
            keys = _lift(_recomp(keys, lo, hi, a_strikes), lo, hi, settings.keys_high + 5)
        elif name == "outro":  # the chords ring out a bar each; the melody's closing note is in the first bar
            keys = _ring_out(keys, lo, hi)
            melody = [m for m in melody if not lo + STEPS_PER_BAR <= m[0] < hi]
    bass = bass_line(spans, sections, total, settings.bass_low, settings.bass_high, tonic_pc, rng)
    return {"keys": _dedupe(keys), "melody": _dedupe(melody), "bass": bass}
