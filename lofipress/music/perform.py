"""Perform arranged grid parts: swing, timing and velocity in seconds, then MIDI and the site's note data.

`perform()` turns `lofipress.music.arrange` grid notes into `Note`s in seconds for the
renderer; `write_midi()` saves them as a .mid per track and `notes_to_beats()`
gives the site's notes JSON.
"""
from __future__ import annotations

import io
from collections import defaultdict
from pathlib import Path

import numpy as np
import pretty_midi

from .chords import key_name_to_number
from ..station.config import ArrangeSettings
from ..core.notes import PARTS, Note, bars_to_seconds

STEPS_PER_BAR = 16
PROGRAMS = {"keys": 4, "melody": 0, "bass": 33}  # electric piano, piano, fingered bass (the MIDI file's labels)
BASE_VELOCITY = {"keys": 62, "melody": 80, "bass": 84}  # the melody sings over the keys
INTRO_SOFTER = 12  # velocity taken off the intro's keys: the song starts quietly and opens up with A


def _swung_16ths(step: float, swing: float) -> float:
    """Grid position of a 16th step after swing: the off-16th lands at `swing` of its 8th."""
    pair, off = divmod(step, 2)
    return 2 * pair + (2 * swing * off if off <= 1 else 2 * swing + (off - 1) * 2 * (1 - swing))


def perform(parts: dict[str, list[tuple[int, int, int]]], key: str, tempo_bpm: float, bars: int,
            settings: ArrangeSettings, rng: np.random.Generator, sections=()) -> list[Note]:
    """Arranged grid parts -> notes in seconds, swung and humanized.

    Args:
        parts: {"keys"|"melody"|"bass": [(start_16th, duration_16ths, pitch)]} from arrange_parts.
        key: the piece's key; checked.
        tempo_bpm: tempo of the loop.
        bars: loop length in bars.
        settings: swing, humanize and velocity jitter.
        rng: the only source of randomness (timing and velocity jitter).
        sections: (name, first bar, bars); the intro plays softer.
    Returns:
        Notes sorted by start; times wrap modulo the loop length (the renderer
        wraps tails), so a note humanized before 0 sounds at the loop's end.
    """
    key_name_to_number(key)
    intro_end = sum(n for name, first, n in sections if name == "intro" and first == 0) * STEPS_PER_BAR
    loop_s = bars_to_seconds(bars, tempo_bpm)
    sixteenth_s = 60.0 / tempo_bpm / 4
    sigma_s = settings.humanize_ms / 1000.0
    out: list[Note] = []
    for part in PARTS:
        items = parts.get(part, [])
        jitter = settings.velocity_jitter if part == "keys" else max(1, settings.velocity_jitter // 2)
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
            vel -= INTRO_SOFTER if t < intro_end else 0
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


def write_midi(notes: list[Note], tempo_bpm: float, key: str, path: Path, title: str = "",
               sections=()) -> None:
    """Write performed notes as a .mid: tempo, 4/4, key signature, section markers, one track per part.

    Byte-identical output for identical input (pretty_midi writes deterministically).
    """
    pm = pretty_midi.PrettyMIDI(initial_tempo=float(tempo_bpm), resolution=960)
    pm.time_signature_changes.append(pretty_midi.TimeSignature(4, 4, 0.0))
    pm.key_signature_changes.append(pretty_midi.KeySignature(key_name_to_number(key), 0.0))
    if title:
        pm.text_events.append(pretty_midi.Text(title, 0.0))
    for name, first, _ in sections:  # markers a DAW shows: where each section starts
        pm.text_events.append(pretty_midi.Text(f"section:{name}", bars_to_seconds(first, tempo_bpm)))
    for part in PARTS:
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
