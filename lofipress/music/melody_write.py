"""Write a song's melody with the melody model, over the keys the composer wrote, a batch of songs at a time.

The model chooses every note; the song's plan shapes where it may sing:
- **Phrases** of 2 or 4 bars (drawn per section), each ending in a breath: its last
  beat starts no note and stops the one sounding, so phrases have rests between them.
- **Sections**: silent in the intro (the keys alone); in the outro, one closing note on the
  downbeat (the tonic or the fifth), held a bar.
- **A motif that returns**: A's second phrase group leans toward its first, and A2
  leans toward A at the same place, so A's opening comes back varied (the lean is a
  logit bonus, not a copy: the model still moves where it is sure of something else).
- A pace: onsets are drawn in when the line falls behind NOTES_PER_BAR, held
  back when it runs ahead; B takes its own pace and sits higher, so it is heard
  as a new section.
- Light priors a singer would keep: notes of the key, a chord tone on beats 1 and 3,
  no leap past a sixth, and onsets of its own rather than on the comping's strikes.
Same seed, same notes: each song samples from its own generator.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import melody_data as md
from .generate import SCALES, sample_rows
from .melody_model import MelodyStep
from .priors import logsumexp_rows
from .tokens import tonic_reference

STEPS_PER_BAR = 16
BREATH_STEPS = 4  # a phrase's last beat: no new note, the last one stops
RETURN_BIAS = 2.0  # A2 toward A at the same step: A again, varied (the keys lean to A's harmony already)
ECHO_BIAS = 1.5  # inside a section, the second phrase group toward the first: a motif, not a loop
SCALE_COST = 4.0  # an onset outside the key
CHORD_COST = 3.0  # an onset on beat 1 or 3 outside the chord under it
OWN_RHYTHM_COST = 3.0  # an onset where the keys strike: a line of its own, not the comping's top voice
REENTRY_BIAS, REENTRY_MAX = 0.5, 3.0  # per 16th of rest past a beat: a phrase ends, the next one comes
NOTES_PER_BAR = 2.75  # the lo-fi top line's pace (the corpus's own leads: median 2.85 a bar)
DENSITY_GAIN, DENSITY_MAX = 0.5, 2.0  # logit per note behind (or ahead of) that pace, and its cap
B_PACE = (0.65, 1.4)  # B's pace against A's, drawn per song: a bridge in longer notes, or a busier one
B_TILT = 0.12  # logit per semitone toward the top in B: the bridge sits a few semitones higher
CLOSE_BIAS = 3.0  # the outro's closing note: that it comes, and that it rests on the tonic or the fifth
LEAP_COST = 0.6  # per semitone of leap past a minor sixth
FREE_LEAP = 8
TEMPERATURE, TOP_P = 1.0, 0.95
Grid = list[tuple[int, int, int]]


@dataclass(frozen=True)
class Job:
    """One song to write a melody for: its keys (grid, MIDI pitches), key, bars, sections and seed."""

    keys: Grid
    tonic_pc: int
    mode: str
    bars: int
    sections: tuple
    seed: int


@dataclass
class Plan:
    """Per step of one song: may a note start, must the line stop, the step it leans toward (-1: none) and how
    much, the pace (notes a bar) its section asks for, the section's number, and its register tilt."""

    may: np.ndarray
    stop: np.ndarray
    lean_to: np.ndarray
    lean: np.ndarray
    pace: np.ndarray
    section: np.ndarray
    tilt: np.ndarray
    close: np.ndarray


def _plan(job: Job, rng: np.random.Generator) -> Plan:
    steps = job.bars * STEPS_PER_BAR
    p = Plan(np.ones(steps, bool), np.zeros(steps, bool), np.full(steps, -1), np.zeros(steps),
             np.full(steps, NOTES_PER_BAR), np.zeros(steps, int), np.zeros(steps), np.zeros(steps, bool))
    sections = job.sections or (("A", 0, job.bars),)
    first_a = next(((f, n) for name, f, n in sections if name == "A"), None)
    b_pace = float(rng.choice(B_PACE))  # B moves slower or busier than A, per song
    for number, (name, first, count) in enumerate(sections):
        lo, hi = first * STEPS_PER_BAR, (first + count) * STEPS_PER_BAR
        p.section[lo:hi] = number
        if name == "intro":
            p.may[lo:hi], p.stop[lo] = False, True
            continue
        if name == "outro":  # one closing note on its downbeat, on a tone of the tonic chord, held a bar
            p.may[lo + 1:hi], p.stop[min(lo + STEPS_PER_BAR, hi - 1)] = False, True
            p.close[lo] = True
            continue
        if name == "B":  # the bridge is heard as new: its own pace, and higher
            p.pace[lo:hi], p.tilt[lo:hi] = NOTES_PER_BAR * b_pace, B_TILT
        bar = first
        while bar < first + count:  # phrases of 2 or 4 bars, each ending in a breath
            size = min(int(rng.choice((2, 4, 4))), first + count - bar)
            end = (bar + size) * STEPS_PER_BAR
            p.may[end - BREATH_STEPS:end] = False
            p.stop[end - BREATH_STEPS] = True
            bar += size
        if name == "A2" and first_a is not None:
            a0, a_bars = first_a
            for k in range(min(count, a_bars) * STEPS_PER_BAR):
                p.lean_to[lo + k], p.lean[lo + k] = a0 * STEPS_PER_BAR + k, RETURN_BIAS
        elif count >= 8:
            half = (count // 2) * STEPS_PER_BAR
            for k in range(half, count * STEPS_PER_BAR):
                p.lean_to[lo + k], p.lean[lo + k] = lo + k - half, ECHO_BIAS
    return p


def write(model: MelodyStep, jobs: list[Job]) -> list[Grid]:
    """A melody (grid notes, MIDI pitches) per job, in one batch."""
    if not jobs:
        return []
    n = len(jobs)
    steps = max(j.bars for j in jobs) * STEPS_PER_BAR
    rngs = [np.random.default_rng(j.seed) for j in jobs]
    cond = np.zeros((n, steps, md.CONDITION), np.float32)
    plans = []
    for i, j in enumerate(jobs):
        total = j.bars * STEPS_PER_BAR
        cond[i, :total] = md.conditions(md.chord_rows(j.keys, j.tonic_pc, total), j.mode)
        plans.append(_plan(j, rngs[i]))
    def per_step(field: str, fill) -> np.ndarray:  # one plan field for the batch, padded past a short song
        out = np.full((n, steps), fill, dtype=np.asarray(fill).dtype)
        for i, p in enumerate(plans):
            v = getattr(p, field)
            out[i, :len(v)] = v
        return out

    may, pace, section, tilt = per_step("may", False), per_step("pace", 0.0), per_step("section", -1), \
        per_step("tilt", 0.0)
    close = per_step("close", False)
    struck = np.zeros((n, steps), bool)  # the keys strike here: the melody finds onsets of its own
    half_bar = np.zeros((n, steps // 8 + 1, 12), bool)  # pitch classes (tonic-relative) sounding in each half bar
    for i, j in enumerate(jobs):
        for t, d, p in j.keys:
            if 0 <= t < steps:
                struck[i, t] = True
            half_bar[i, max(t, 0) // 8:min((t + d - 1) // 8 + 1, steps // 8 + 1), (p - j.tonic_pc) % 12] = True
    rel = np.arange(md.NOTES) + md.LOW  # each onset event's pitch over the tonic reference
    in_scale = np.array([[(r % 12) in SCALES[j.mode] for r in rel] for j in jobs])
    tonic_tone = np.isin(rel % 12, (0, 7))  # root and fifth: the close rests on them, in either mode
    out = np.full((n, steps), md.HOLD, np.int32)
    prev = np.full(n, md.START, np.int32)
    sounding = np.zeros(n, bool)
    resting = np.zeros(n)  # steps since the line last sounded
    onsets, allowed = np.zeros(n), np.zeros(n)  # notes started, and steps a note could start on, so far
    last_rel = np.full(n, np.nan)
    model.reset(n)
    for t in range(steps):
        z = model.step(prev, cond[:, t]).astype(np.float64)
        notes = z[:, 2:]
        mass = logsumexp_rows(notes)
        cost = SCALE_COST * ~in_scale  # which pitch: the key, the chord on beats 1 and 3, no wild leap...
        if t % 8 == 0:  # the chord of this half bar, as the gate hears it (what sounds in it, struck late or not)
            chord = half_bar[:, t // 8]
            cost = cost + CHORD_COST * (~chord[:, rel % 12] & chord.any(axis=1, keepdims=True))
        leap = np.abs(rel[None, :] - np.nan_to_num(last_rel)[:, None]) - FREE_LEAP
        cost = cost + np.where(np.isnan(last_rel)[:, None], 0.0, LEAP_COST * np.maximum(leap, 0))
        cost = cost - tilt[:, t, None] * (rel[None, :] - rel.mean())
        cost = cost - CLOSE_BIAS * (close[:, t, None] & tonic_tone[None, :])  # the closing note: the tonic chord
        notes -= cost
        notes += (mass - logsumexp_rows(notes))[:, None]  # ...reshape which note, not whether one starts
        notes += CLOSE_BIAS * close[:, t, None]
        # Whether: off the comping's strikes, not out of the bar. An onset the cost held back comes a 16th or an
        # 8th later (a laid-back entry), so the line keeps its notes and finds a rhythm of its own; after a rest
        # longer than a breath, the next phrase is drawn in.
        after = ~struck[:, t] & (struck[:, max(t - 1, 0)] | struck[:, max(t - 2, 0)]) if t else np.zeros(n, bool)
        notes += OWN_RHYTHM_COST * (after.astype(float) - struck[:, t])[:, None]
        notes += np.minimum(REENTRY_BIAS * np.maximum(resting - BREATH_STEPS, 0), REENTRY_MAX)[:, None]
        # A line as busy as a lo-fi top line: the onsets so far against NOTES_PER_BAR over the steps it could sing.
        now = section[:, t]
        fresh = now != section[:, max(t - 1, 0)]  # the pace is kept section by section
        onsets, allowed = np.where(fresh, 0.0, onsets), np.where(fresh, 0.0, allowed)
        deficit = allowed * (pace[:, t] / STEPS_PER_BAR) - onsets
        notes += np.clip(DENSITY_GAIN * deficit, -DENSITY_MAX, DENSITY_MAX)[:, None]
        for i, p in enumerate(plans):
            if t >= jobs[i].bars * STEPS_PER_BAR:
                z[i] = -np.inf
                z[i, md.HOLD] = 0.0
                continue
            if p.lean_to[t] >= 0:
                z[i, out[i, p.lean_to[t]]] += p.lean[t]
            if not p.may[t]:
                z[i, 2:] = -np.inf
                if p.stop[t] and sounding[i]:
                    z[i, md.HOLD] = -np.inf
        u = np.array([r.random() for r in rngs])
        ev = sample_rows(z, u, TEMPERATURE, 0, TOP_P)
        out[:, t] = ev
        onset = ev >= 2
        sounding = np.where(onset, True, np.where(ev == md.REST, False, sounding))
        resting = np.where(sounding, 0, resting + 1)
        onsets += onset
        allowed += may[:, t]
        last_rel = np.where(onset, (ev - 2 + md.LOW).astype(float), last_rel)
        prev = ev.astype(np.int32)
    return [md.notes_of(out[i, :j.bars * STEPS_PER_BAR], tonic_reference(j.tonic_pc)) for i, j in enumerate(jobs)]

