"""Compiled kernels of the sampler (lofipress.sound.render): each sample pitched once, every note mixed under its
envelope in one pass, the loop folded onto its length.

Same rules as lofipress.sound.dsp: float64 state, no fastmath, the same bytes for the same input.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from .dsp import JIT, SPLIT_MIN, biquad, both, in_halves


@njit(**JIT)
def _pitch_voice(mono, ratio, sos, bright, dark):
    """bright[k] = mono read at k * ratio (linear interpolation); dark = bright through one biquad from rest."""
    last = len(mono) - 1
    for k in range(len(bright)):
        pos = k * ratio
        i0 = min(int(pos), last - 1)
        a = np.float64(mono[i0])
        bright[k] = a + (mono[i0 + 1] - a) * (pos - i0)
    c = (sos[0, 0], sos[0, 1], sos[0, 2], sos[0, 4], sos[0, 5])
    z0 = z1 = 0.0
    for k in range(len(bright)):
        y, z0, z1 = biquad(np.float64(bright[k]), c, z0, z1)
        dark[k] = y


def pitch_voices(jobs, sos: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Resample mono samples to new pitches, each with a copy through a biquad low-pass (soft notes lean to it).

    Args:
        jobs: [(mono float32 samples, read ratio (2 ** (semitones / 12)), frames wanted)].
        sos: one second-order section, float64 (1, 6).
    Returns:
        (bright, dark, offsets): float32 banks of every voice end to end; voice j is bank[offsets[j]:offsets[j + 1]].
    """
    offsets = np.zeros(len(jobs) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([frames for _, _, frames in jobs])
    bright, dark = np.empty(offsets[-1], np.float32), np.empty(offsets[-1], np.float32)
    sos = np.ascontiguousarray(sos, dtype=np.float64)

    def work(lo, hi):  # voices lo..hi
        for j in range(lo, hi):
            mono, ratio, _ = jobs[j]
            _pitch_voice(np.ascontiguousarray(mono, dtype=np.float32), float(ratio), sos,
                         bright[offsets[j]:offsets[j + 1]], dark[offsets[j]:offsets[j + 1]])

    middle = int(np.searchsorted(offsets, offsets[-1] / 2))  # about half the frames each side
    if len(jobs) > 1 and offsets[-1] >= SPLIT_MIN:
        both(lambda: work(0, middle), lambda: work(middle, len(jobs)))
    else:
        work(0, len(jobs))
    return bright, dark, offsets


NOTE_FIELDS = ("start", "offset", "frames", "gate", "blend", "attack", "release", "fade", "gain_l", "gain_r")
ENVELOPE_BLOCK = 64  # the release is exact at every block's start, from a table of powers inside it


@njit(**JIT)
def _mix_notes(left, right, bright, dark, notes, lo, hi):
    """Frames lo..hi of left and right: silence plus the part of every note (a row of NOTE_FIELDS) that falls there.

    A note is its voice blended between bright and dark, under an attack ramp,
    a hold, an exponential release from the gate on and a fade to exactly 0 at
    its end, panned. The release exp(-(t - gate) / release) is exact at the start
    of every block (counted from the note's start, so a note cut by lo gives the
    same values) and a table of powers inside it. The sample loops index views
    from 0, so they vectorize.
    """
    left[lo:hi] = 0.0  # each half clears (and so maps) its own pages
    right[lo:hi] = 0.0
    size = ENVELOPE_BLOCK
    powers = np.empty(2 * size)
    rel = np.empty(size)
    env = np.empty(size)
    s = np.empty(size, dtype=np.float32)
    steps = np.arange(size).astype(np.float64)
    for j in range(notes.shape[0]):
        start, off, n_total, gate_n = int(notes[j, 0]), int(notes[j, 1]), int(notes[j, 2]), int(notes[j, 3])
        v, attack_n, release_n, fade_n = notes[j, 4], notes[j, 5], notes[j, 6], notes[j, 7]
        gl, gr = np.float32(notes[j, 8]), np.float32(notes[j, 9])
        t_lo, t_hi = max(0, lo - start), min(n_total, hi - start)
        if t_lo >= t_hi:
            continue
        decay = math.exp(-1.0 / release_n)
        p = 1.0
        for k in range(2 * size):
            powers[k] = p
            p *= decay
        inv_attack = 1.0 / max(1.0, attack_n)
        inv_fade = 1.0 / max(1.0, fade_n - 1)
        for t0 in range(t_lo // size * size, t_hi, size):
            m = min(size, n_total - t0)
            if t0 + m - 1 <= gate_n:  # key still down
                rel[:m] = 1.0
            elif t0 > gate_n:
                base = math.exp(-(t0 - gate_n) / release_n)
                for k in range(m):
                    rel[k] = base * powers[k]
            else:  # the key is released inside this block
                for k in range(m):
                    rel[k] = powers[max(0, k - (gate_n - t0))]
            rise, fall = t0 * inv_attack, (n_total - 1 - t0) * inv_fade
            for k in range(m):
                env[k] = min(1.0, rise + steps[k] * inv_attack) * min(1.0, fall - steps[k] * inv_fade) * rel[k]
            k0, k1 = max(0, t_lo - t0), min(m, t_hi - t0)
            b, d, e, out = bright[off + t0 + k0:off + t0 + k1], dark[off + t0 + k0:off + t0 + k1], env[k0:k1], s[:k1 - k0]
            for k in range(len(out)):
                out[k] = np.float32((v * b[k] + (1.0 - v) * d[k]) * e[k])
            ll, rr = left[start + t0 + k0:start + t0 + k1], right[start + t0 + k0:start + t0 + k1]
            for k in range(len(out)):
                ll[k] += gl * out[k]
            for k in range(len(out)):
                rr[k] += gr * out[k]


def mix_notes(notes: np.ndarray, bright: np.ndarray, dark: np.ndarray, length: int) -> np.ndarray:
    """Mix notes (rows of NOTE_FIELDS, offsets into the voice banks) into a new, silent (2, length) float32 buffer.

    The two halves of the buffer are mixed at once, each from every note that
    sounds there, in the notes' order: the sums are the same on any core count.
    """
    planar = np.empty((2, length), dtype=np.float32)
    table = np.ascontiguousarray(notes, dtype=np.float64).reshape(-1, len(NOTE_FIELDS))
    in_halves(lambda lo, hi: _mix_notes(planar[0], planar[1], bright, dark, table, lo, hi), length)
    return planar


@njit(**JIT)
def _fold_planar(planar, n, out):
    ch, length = planar.shape
    for c in range(ch):
        row = planar[c]
        for i in range(n):
            out[i, c] = row[i]
        for start in range(n, length, n):  # what rings past the end, lap by lap
            tail = row[start:min(length, start + n)]
            for i in range(len(tail)):
                out[i, c] += tail[i]


def fold_planar(planar: np.ndarray, n: int) -> np.ndarray:
    """(channels, length) to an (n, channels) loop: everything past n is added back onto the start (wrap-around)."""
    out = np.empty((n, planar.shape[0]), dtype=np.float32)
    _fold_planar(np.ascontiguousarray(planar, dtype=np.float32), n, out)
    return out
