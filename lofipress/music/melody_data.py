"""Melodies as the melody model reads and writes them: one event per 16th, conditioned on the chord under it.

In the spirit of Magenta's ImprovRNN: at every 16th step the melody either starts a
note (its pitch relative to the key's tonic reference, so one event means one scale
degree in every key), holds what it is doing (a note or a rest), or stops (a rest
begins). The condition at each step is what the melody cannot choose: the pitch
classes of the chord sounding under it (tonic-relative), the step's place in the
bar, and the bar's place in a 4-bar phrase.

A tune sung alone (a folk song) has no chord under it: `harmonize` gives it the
diatonic seventh chords a lo-fi player would put there, one per half bar.
Sung melodies carry a syllable a note; one busier than a lo-fi top line (over
4.5 notes a bar, a quarter of the folk songs) is played at half speed (`stretch`),
so its bar becomes two bars of a song. Sung tunes sit on the beat: `syncopate`
pushes some of their notes ahead of it, as a player phrasing them would.
"""
from __future__ import annotations

import numpy as np

from .melody_sources import Melody
from .tokens import tonic_reference

STEPS_PER_BAR = 16
HOLD, REST = 0, 1
LOW, HIGH = -7, 29  # tonic-relative range of note events: a 4th below the reference to two octaves and a 5th above
NOTES = HIGH - LOW + 1
EVENTS = 2 + NOTES  # HOLD, REST, then one onset per pitch
START = EVENTS  # the input before the first step (never an output)
CONDITION = 12 + STEPS_PER_BAR + 4 + 1  # chord pitch classes, step in the bar, bar in the phrase, minor mode
CENTRE = (7, 19)  # a training melody is moved by octaves so its median sits here: G4..G5 over a C reference
Grid = list[tuple[int, int, int]]

# Diatonic seventh chords (tonic-relative pitch classes) a melody alone is harmonized with, and how readily.
CHORDS = {
    "major": {"I": (0, 4, 7, 11), "ii": (2, 5, 9, 0), "iii": (4, 7, 11, 2), "IV": (5, 9, 0, 4),
              "V": (7, 11, 2, 5), "vi": (9, 0, 4, 7)},
    "minor": {"i": (0, 3, 7, 10), "iv": (5, 8, 0, 3), "v": (7, 10, 2, 5), "V": (7, 11, 2, 5), "VI": (8, 0, 3, 7),
              "III": (3, 7, 10, 2), "VII": (10, 2, 5, 8)},
}
COMMON = {"I", "IV", "V", "vi", "i", "iv", "VI"}  # the progressions lo-fi lives on: a small head start
DENSE_NOTES_PER_BAR = 4.5  # the gate's upper bound for a lo-fi top line: a tune busier than this is slowed down
SYNCOPATION = 0.35  # share of eligible on-beat notes a folk tune anticipates (see `syncopate`)
CHANGE_COST = 1.5  # 16ths of chord-tone cover a new chord must win to replace the one before


def stretch(notes: Grid, factor: int = 2) -> Grid:
    """A melody at 1/factor speed."""
    return [(t * factor, d * factor, p) for t, d, p in notes]


def syncopate(notes: Grid, rng: np.random.Generator, share: float = SYNCOPATION) -> Grid:
    """Pushes, as a lo-fi player phrases a tune: a note on a beat that follows a held note is anticipated by an
    8th or a 16th (`share` of them), the note before giving up the time. Sung tunes sit on the beat; a top line
    over a comping that strikes every 8th needs onsets of its own between them."""
    out = [list(n) for n in sorted(notes)]
    for i in range(1, len(out)):
        t, d, _ = out[i]
        before = out[i - 1]
        if t % 8 or before[0] + before[1] != t or before[1] < 4 or rng.random() >= share:
            continue
        push = 1 if rng.random() < 0.4 else 2
        before[1] -= push
        out[i][0], out[i][1] = t - push, d + push
    return [tuple(n) for n in out]


def harmonize(notes: Grid, mode: str, tonic_pc: int, bars: int) -> list[tuple[int, ...]]:
    """One diatonic seventh chord per half bar (tonic-relative pcs) covering the most melody: notes on the half
    bar's first step count double, a common chord gets a small head start, a change must win CHANGE_COST."""
    chords = CHORDS[mode]
    out: list[tuple[int, ...]] = []
    prev = None
    for h in range(bars * 2):
        lo, hi = h * 8, h * 8 + 8
        cover = {}
        for name, pcs in chords.items():
            score = 0.5 if name in COMMON else 0.0
            for t, d, p in notes:
                overlap = min(t + d, hi) - max(t, lo)
                if overlap > 0 and (p - tonic_pc) % 12 in pcs:
                    score += overlap * (2 if lo <= t < lo + 2 else 1)
            cover[name] = score
        best = max(chords, key=lambda n: (cover[n], n in COMMON, n))
        if prev is not None and cover[best] < cover[prev] + CHANGE_COST:
            best = prev
        out.append(chords[best])
        prev = best
    return out


def chord_rows(below: Grid, tonic_pc: int, steps: int) -> np.ndarray:
    """(steps, 12) booleans: the tonic-relative pitch classes sounding under each step."""
    rows = np.zeros((steps, 12), bool)
    for t, d, p in below:
        rows[max(t, 0):min(t + d, steps), (p - tonic_pc) % 12] = True
    return rows


def conditions(chords: np.ndarray, mode: str) -> np.ndarray:
    """(steps, CONDITION) float32: chord pitch classes, one-hot step in the bar, one-hot bar in the phrase, and
    1 in a minor key (a line from a major tune over a minor song leans to the relative major)."""
    steps = len(chords)
    out = np.zeros((steps, CONDITION), np.float32)
    out[:, :12] = chords
    idx = np.arange(steps)
    out[idx, 12 + idx % STEPS_PER_BAR] = 1.0
    out[idx, 12 + STEPS_PER_BAR + (idx // STEPS_PER_BAR) % 4] = 1.0
    out[:, -1] = 1.0 if mode == "minor" else 0.0
    return out


def octave_shift(rels: list[int]) -> int:
    """The octave move (a multiple of 12) that puts a melody's median tonic-relative pitch inside CENTRE."""
    if not rels:
        return 0
    median = float(np.median(rels))
    shift = 0
    while median + shift < CENTRE[0]:
        shift += 12
    while median + shift > CENTRE[1]:
        shift -= 12
    return shift


def events(notes: Grid, tonic_pc: int, steps: int) -> np.ndarray:
    """(steps,) event ids of a monophonic line: an onset, then HOLD while it sounds, REST where it stops.

    A later onset cuts a note; pitches are moved by octaves into the event range."""
    ref = tonic_reference(tonic_pc)
    shift = octave_shift([p - ref for _, _, p in notes])
    onset = np.full(steps, -1)
    until = np.zeros(steps, bool)  # a note sounds at this step
    for t, d, p in sorted(notes):
        if not 0 <= t < steps:
            continue
        rel = p - ref + shift
        rel += 12 * max(0, -(-(LOW - rel) // 12))
        rel -= 12 * max(0, -(-(rel - HIGH) // 12))
        onset[t] = 2 + rel - LOW
        until[t:min(t + d, steps)] = True
        until[t + d:] = False  # a later onset cuts it short (notes are sorted: the next one sets its own)
    out = np.full(steps, HOLD, np.int32)
    for t in range(steps):
        if onset[t] >= 0:
            out[t] = onset[t]
        elif not until[t] and (t == 0 or until[t - 1]):
            out[t] = REST
    return out


def notes_of(ev: np.ndarray, ref_pitch: int) -> Grid:
    """Grid notes (start, duration, MIDI pitch) from an event row, pitches over `ref_pitch` (a tonic reference)."""
    out: Grid = []
    start, pitch = None, None
    for t, e in enumerate(list(ev) + [REST]):
        if e == HOLD:
            continue
        if start is not None:
            out.append((start, t - start, pitch))
            start = None
        if e >= 2:
            start, pitch = t, ref_pitch + LOW + int(e) - 2
    return out


def example(m: Melody) -> tuple[np.ndarray, np.ndarray]:
    """(events, conditions) of one real melody, stretched and syncopated: a tune alone is harmonized; a chorale
    soprano keeps the voices below it."""
    seed = sum(ord(ch) * (i + 1) for i, ch in enumerate(m.name))  # the same pushes on every machine
    bars_sung = max(t + d for t, d, _ in m.notes) / STEPS_PER_BAR
    slow = len(m.notes) / bars_sung > DENSE_NOTES_PER_BAR  # a tune busier than a lo-fi line is played at half speed
    notes = syncopate(stretch(m.notes) if slow else list(m.notes), np.random.default_rng(seed))
    bars = -(-max(t + d for t, d, _ in notes) // STEPS_PER_BAR)
    steps = bars * STEPS_PER_BAR
    if m.below is None:
        chords = np.zeros((steps, 12), bool)
        for h, pcs in enumerate(harmonize(notes, m.mode, m.tonic_pc, bars)):
            chords[h * 8:h * 8 + 8, list(pcs)] = True
    else:
        chords = chord_rows(stretch(m.below), m.tonic_pc, steps)
    return events(notes, m.tonic_pc, steps), conditions(chords, m.mode)


def piece_example(keys: Grid, lead: Grid, tonic_pc: int, mode: str, bars: int) -> tuple[np.ndarray, np.ndarray]:
    """(events, conditions) of a corpus loop's own lead over its keys, at the loop's speed."""
    steps = bars * STEPS_PER_BAR
    return events(lead, tonic_pc, steps), conditions(chord_rows(keys, tonic_pc, steps), mode)
