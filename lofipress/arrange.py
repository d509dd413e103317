"""Arrange a composed piece for the band: keys voicing, a top-line melody, a bass, swing and feel.

`arrange()` takes the composer's grid notes (16ths) and returns `Note`s in
seconds for the renderer; `write_midi()` saves them as a .mid per track and
`notes_to_beats()` gives the site's notes JSON.
"""
from __future__ import annotations

import io
from collections import defaultdict
from pathlib import Path

import numpy as np
import pretty_midi

from .chords import key_name_to_number, root_of
from .config import ArrangeSettings
from .notes import Note, bars_to_seconds

STEPS_PER_BAR = 16
MELODY_LOW, MELODY_HIGH = 60, 84  # a top line starts over C4 and stays at or under C6
PROGRAMS = {"keys": 4, "melody": 0, "bass": 33}  # electric piano, piano, fingered bass
BASE_VELOCITY = {"keys": 62, "melody": 80, "bass": 84}  # the melody sings over the keys


def _split_parts(notes: list[tuple[int, int, int]], keys_high: int) -> tuple[list, list]:
    """Melody = notes >= C4 that sound alone, or top a sounding set from above the keys' range."""
    keys, melody = [], []
    arr = np.array(notes, int).reshape(-1, 3)
    starts, ends, pitches = arr[:, 0], arr[:, 0] + arr[:, 1], arr[:, 2]
    for i, n in enumerate(notes):
        sounding = (starts <= n[0]) & (n[0] < ends)
        sounding[i] = False
        alone = not sounding.any()
        on_top = alone or int(pitches[sounding].max()) < n[2]
        if n[2] >= MELODY_LOW and (alone or (on_top and n[2] > keys_high)):
            melody.append(n)
        else:
            keys.append(n)
    return keys, melody


def _into_range(p: int, low: int, high: int) -> int:
    """Move a pitch by octaves into [low, high] (the nearest edge if the range is under an octave)."""
    while p < low:
        p += 12
    while p > high:
        p -= 12
    return max(p, low)


def _dedupe(notes: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Drop doubled pitches at one onset and cut a note where its pitch strikes again."""
    best: dict[tuple[int, int], int] = {}
    for t, d, p in notes:
        best[(t, p)] = max(best.get((t, p), 0), d)
    by_pitch: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (t, p), d in best.items():
        by_pitch[p].append((t, d))
    out = []
    for p, items in by_pitch.items():
        items.sort()
        for i, (t, d) in enumerate(items):
            if i + 1 < len(items):
                d = min(d, items[i + 1][0] - t)
            out.append((t, d, p))
    return sorted(out)


def _chord_spans(keys: list[tuple[int, int, int]], total: int) -> list[tuple[int, int, int]]:
    """(start, end, root_pc) per chord, from roots of the sounding keys per half bar.

    A change pushed ahead of the half bar (an anticipation) starts where it is struck.
    """
    slots: list[int | None] = []
    chord_pcs: set[int] = set()
    for s in range(0, total, 8):
        held = [p for t, d, p in keys if min(t + d, s + 8) - max(t, s) >= 4]  # half the slot or more
        if held and slots and slots[-1] is not None and {p % 12 for p in held} <= chord_pcs:
            slots.append(slots[-1])  # only tones of the chord before (a re-strike, an arpeggio): no change
            continue
        found = root_of(held) if held else None
        chord_pcs = {p % 12 for p in held}
        slots.append(found[0] if found else None)
    spans: list[list[int]] = []
    for i, root in enumerate(slots):
        if root is None:
            continue
        if spans and spans[-1][2] == root:
            spans[-1][1] = i * 8 + 8
            continue
        start = i * 8
        for t in sorted({t for t, _, _ in keys if start - 8 < t < start}, reverse=True):  # anticipation?
            struck = [p for u, _, p in keys if u == t]
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


def _bass_line(spans, total: int, low: int, high: int, rng: np.random.Generator) -> list[tuple[int, int, int]]:
    """Root on each change, a re-strike or fifth inside long chords, an approach before some changes."""
    style = int(rng.integers(3))  # one feel per piece: held, root-and-"and of 3", root-fifth
    out: list[tuple[int, int]] = []  # (step, pitch); lengths are legato to the next note
    prev = (low + high) // 2 - 2
    for a, b, root in spans:
        options = [p for p in range(low, high + 1) if p % 12 == root]
        if not options:
            options = [_into_range(root + 36, low, high)]
        pitch = min(options, key=lambda p: (abs(p - prev) + 0.3 * abs(p - 38), p))
        fifth = pitch + 7 if pitch + 7 <= high else pitch - 5
        octave = pitch + 12 if pitch + 12 <= high else pitch
        out.append((max(a, 0), pitch))
        length = b - a
        if length >= 16 and style == 1:
            out.append((a + 10, pitch))
        elif length >= 16 and style == 2:
            out.append((a + 8, fifth))
        if length >= 8 and rng.random() < 0.35:  # lead into the next change
            out.append((b - 2, fifth if rng.random() < 0.6 else octave))
        prev = pitch
    out = sorted(dict(out).items())
    notes = []
    for i, (t, p) in enumerate(out):
        end = out[i + 1][0] if i + 1 < len(out) else total
        if end > t:
            notes.append((t, end - t, p))
    return notes


def _swung_16ths(step: float, swing: float) -> float:
    """Grid position of a 16th step after swing: the off-16th lands at `swing` of its 8th."""
    pair, off = divmod(step, 2)
    return 2 * pair + (2 * swing * off if off <= 1 else 2 * swing + (off - 1) * 2 * (1 - swing))


def arrange(notes16: list[tuple[int, int, int]], key: str, tempo_bpm: float, bars: int,
            settings: ArrangeSettings, rng: np.random.Generator) -> list[Note]:
    """Arrange a composed piece into keys, melody and bass notes in seconds.

    Args:
        notes16: (start_16th, duration_16ths, MIDI pitch), 16 sixteenths per 4/4 bar.
        key: the piece's key ("C", "Am"...); checked, and kept for the caller's records.
        tempo_bpm: tempo of the loop.
        bars: loop length in bars; notes are clipped to it, onsets past it dropped.
        settings: swing, humanize, velocity jitter and the register of each part.
        rng: the only source of randomness (bass feel, timing and velocity jitter).

    Returns:
        Notes sorted by start; times wrap modulo the loop length (the renderer
        wraps tails), so a note humanized before 0 sounds at the loop's end.
    """
    key_name_to_number(key)
    total = bars * STEPS_PER_BAR
    clean = [(int(t), int(min(d, total - t)), int(p)) for t, d, p in notes16 if 0 <= t < total and d > 0]
    keys_in, melody_in = _split_parts(clean, settings.keys_high)
    keys = _dedupe([(t, d, _into_range(p, settings.keys_low, settings.keys_high)) for t, d, p in keys_in])
    melody = _dedupe([(t, d, p if p <= MELODY_HIGH else _into_range(p, MELODY_LOW, MELODY_HIGH))
                      for t, d, p in melody_in])
    spans = _chord_spans(keys, total)
    bass = _bass_line(spans, total, settings.bass_low, settings.bass_high, rng)

    loop_s = bars_to_seconds(bars, tempo_bpm)
    sixteenth_s = 60.0 / tempo_bpm / 4
    sigma_s = settings.humanize_ms / 1000.0
    out: list[Note] = []
    for part, items, jitter in (("keys", keys, settings.velocity_jitter),
                                ("melody", melody, max(1, settings.velocity_jitter // 2)),
                                ("bass", bass, max(1, settings.velocity_jitter // 2))):
        onset_shift: dict[int, float] = {}
        tops = defaultdict(int)
        for t, _, p in items:
            tops[t] = max(tops[t], p)
        for t, d, p in items:
            if t not in onset_shift:  # one shared push or drag per struck chord, a little spread inside it
                onset_shift[t] = float(np.clip(rng.normal(0, sigma_s), -2.5 * sigma_s, 2.5 * sigma_s))
            shift = onset_shift[t] + (float(rng.normal(0, 0.3 * sigma_s)) if sigma_s else 0.0)
            on_s = _swung_16ths(t, settings.swing) * sixteenth_s
            dur_s = min(_swung_16ths(t + d, settings.swing) * sixteenth_s - on_s, loop_s)
            start_s = (on_s + shift) % loop_s  # wrap: a note pushed before 0 sounds at the loop's end
            end_s = start_s + dur_s
            accent = 10 if t % 16 == 0 else 5 if t % 8 == 0 else 2 if t % 4 == 0 else -3 if t % 2 else 0
            vel = BASE_VELOCITY[part] + accent + (3 if part == "keys" and p == tops[t] else 0)
            vel += int(rng.integers(-jitter, jitter + 1))
            out.append(Note(round(start_s, 6), round(end_s, 6), p, int(np.clip(vel, 1, 127)), part))
    return _cut_overlaps(out)


def _cut_overlaps(notes: list[Note]) -> list[Note]:
    """End a note where its part strikes the same pitch again (MIDI cannot hold both)."""
    by_voice: dict[tuple[str, int], list[Note]] = defaultdict(list)
    for n in notes:
        by_voice[(n.part, n.pitch)].append(n)
    out = []
    for items in by_voice.values():
        items.sort()
        for i, n in enumerate(items):
            nxt = items[i + 1].start_s if i + 1 < len(items) else float("inf")
            if n.end_s > nxt:
                if nxt - n.start_s < 0.01:  # struck twice at once after humanizing: keep one
                    continue
                n = Note(n.start_s, nxt, n.pitch, n.velocity, n.part)
            out.append(n)
    return sorted(out)


def write_midi(notes: list[Note], tempo_bpm: float, key: str, path: Path, title: str = "") -> None:
    """Write arranged notes as a .mid: tempo, 4/4, key signature, one track per part.

    Byte-identical output for identical input (pretty_midi writes deterministically).
    """
    pm = pretty_midi.PrettyMIDI(initial_tempo=float(tempo_bpm), resolution=960)
    pm.time_signature_changes.append(pretty_midi.TimeSignature(4, 4, 0.0))
    pm.key_signature_changes.append(pretty_midi.KeySignature(key_name_to_number(key), 0.0))
    if title:
        pm.text_events.append(pretty_midi.Text(title, 0.0))
    for part in ("keys", "melody", "bass"):
        mine = [n for n in notes if n.part == part]
        if not mine:
            continue
        inst = pretty_midi.Instrument(program=PROGRAMS[part], name=part)
        inst.notes = [pretty_midi.Note(velocity=n.velocity, pitch=n.pitch, start=n.start_s, end=n.end_s)
                      for n in sorted(mine)]
        pm.instruments.append(inst)
    buf = io.BytesIO()
    pm.write(buf)
    Path(path).write_bytes(buf.getvalue())


def notes_to_beats(notes: list[Note], tempo_bpm: float) -> list[list]:
    """[[start_beats, dur_beats, pitch, velocity, part], ...] rounded to 4 decimals, for the site."""
    beat_s = 60.0 / tempo_bpm
    return [[round(n.start_s / beat_s, 4), round((n.end_s - n.start_s) / beat_s, 4), n.pitch, n.velocity, n.part]
            for n in sorted(notes)]
