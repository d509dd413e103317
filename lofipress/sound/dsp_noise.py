"""Compiled kernels of the lo-fi chain's rate reduction and noise (lofipress.sound.fx): polyphase decimation and
interpolation (the sampler's 26 kHz), white noise from a counter (the same on every machine), and vinyl ticks.

Same rules as lofipress.sound.dsp, whose plumbing they use: one pass each, float64 state, no fastmath, the long
passes split in two fixed halves.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .dsp import JIT, in_halves


@njit(**JIT)
def _mono_phases(x, down, centre, phases, j_lo, j_hi):
    """phases[p, j] = mean over channels of x[(down * j + p - centre) mod n], for j in j_lo..j_hi."""
    n, ch = x.shape
    scale = np.float32(1.0 / ch)
    src = (down * j_lo - centre) % n
    for j in range(j_lo, j_hi):
        for p in range(down):
            total = np.float32(0.0)
            for c in range(ch):
                total += x[src, c]
            phases[p, j] = total * scale
            src += 1
            if src == n:  # round the loop
                src = 0


@njit(**JIT)
def _polyphase_fir(phases, h, down, out, j_lo, j_hi):
    """out[j] = sum over taps of h[down * q + p] * phases[p, j + q], for j in j_lo..j_hi."""
    q_n = len(h) // down
    size = 1024
    acc = np.empty(size, dtype=np.float32)
    for j0 in range(j_lo, j_hi, size):  # a block of outputs stays in L1 while all taps pass over it
        b = min(size, j_hi - j0)
        acc[:] = 0.0
        for q in range(q_n):
            for p in range(down):
                hk = h[down * q + p]
                row = phases[p, j0 + q:j0 + q + b]
                for j in range(b):
                    acc[j] += hk * row[j]
        out[j0:j0 + b] = acc[:b]


def decimate_mono(audio: np.ndarray, fir: np.ndarray, down: int) -> np.ndarray:
    """Mono sum of a loop (n, ch) filtered by a linear-phase FIR and decimated by down, wrapping round: (ceil(n/down),).

    Polyphase: only the kept outputs are computed, a few multiplies per input sample.
    The input is first dealt into `down` phases (mono), then filtered; both in two halves at once.
    """
    x = np.ascontiguousarray(audio, dtype=np.float32).reshape(len(audio), -1)
    h = np.asarray(fir, dtype=np.float32)
    down = int(down)
    assert len(h) % down == 0
    m = -(-len(x) // down)
    phases = np.empty((down, m + len(h) // down), dtype=np.float32)
    in_halves(lambda lo, hi: _mono_phases(x, down, len(h) // 2, phases, lo, hi), phases.shape[1])
    out = np.empty(m, dtype=np.float32)
    in_halves(lambda lo, hi: _polyphase_fir(phases, h, down, out, lo, hi), m)
    return out


@njit(**JIT)
def _interpolate_mix(dry, z, g, up, dry_gain, wet_gain, out, j_lo, j_hi):
    """Frames up * j_lo .. up * j_hi of out: dry mixed with z interpolated by the polyphase FIR g (see interpolate_mix).

    Each block of low-rate frames is filtered phase by phase into rows, dealt
    into the output's interleaved order in cache, and mixed with the dry frames
    in one flat loop: every sample loop runs over views and vectorizes.
    """
    n, ch = dry.shape
    m = z.shape[1]
    q_n = len(g) // up
    center = len(g) // 2
    pad = q_n + 2
    ext = np.empty((ch, j_hi - j_lo + 2 * pad), dtype=np.float32)  # ext[c, pad + t - j_lo] = z[c, t mod m]
    for c in range(ch):
        row = ext[c]
        for k in range(len(row)):
            t = j_lo - pad + k
            t = t + m if t < 0 else (t - m if t >= m else t)
            row[k] = z[c, t]
    size = 512
    acc = np.empty((ch, up, size), dtype=np.float32)
    mixed = np.empty(size * up * ch, dtype=np.float32)
    flat_out, flat_dry = out.reshape(-1), dry.reshape(-1)
    for j0 in range(j_lo, j_hi, size):  # each block of the output is written while it is in cache
        b = min(size, j_hi - j0)
        for c in range(ch):
            for p in range(up):  # output up * j + p takes taps k = (p + center) mod up, + up * q
                r = (p + center) % up
                shift = (p + center) // up
                a = acc[c, p]
                a[:] = 0.0
                for q in range(q_n):
                    gk = g[up * q + r]
                    base = pad + j0 - j_lo - q + shift
                    row = ext[c, base:base + b]
                    for j in range(b):
                        a[j] += gk * row[j]
        for c in range(ch):
            for p in range(up):
                a = acc[c, p]
                for j in range(b):
                    mixed[(j * up + p) * ch + c] = a[j]
        i_lo, i_hi = up * j0 * ch, min(n, up * (j0 + b)) * ch  # the last block may stop inside a group of `up`
        o, d, w = flat_out[i_lo:i_hi], flat_dry[i_lo:i_hi], mixed[:i_hi - i_lo]
        for k in range(len(o)):
            o[k] = d[k] * dry_gain + w[k] * wet_gain


def interpolate_mix(dry: np.ndarray, low: np.ndarray, fir: np.ndarray, up: int, dry_gain: float,
                    wet_gain: float) -> np.ndarray:
    """dry * dry_gain + wet_gain * (low (ch, m) interpolated up by `up` through the FIR), wrapping round the loop.

    `fir` is the interpolation low-pass at the full rate (its gain at DC should be `up`).
    Returns float32 shaped like dry (n, ch), n <= up * m.
    """
    d = np.ascontiguousarray(dry, dtype=np.float32).reshape(len(dry), -1)
    z = np.ascontiguousarray(low, dtype=np.float32).reshape(d.shape[1], -1)
    g = np.asarray(fir, dtype=np.float32)
    assert len(g) % up == 0 and up * z.shape[1] >= len(d)
    out = np.empty_like(d)
    in_halves(lambda lo, hi: _interpolate_mix(d, z, g, int(up), np.float32(dry_gain), np.float32(wet_gain), out, lo, hi),
              z.shape[1], 512)
    return out.reshape(np.shape(dry))


@njit(inline="always")
def _uniform_pair(seed, k):
    """The k-th output of a counter-based SplitMix64 stream as two floats in [-0.5, 0.5), 24 random bits each."""
    z = seed + np.uint64(k) * np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    scale = 1.0 / 16777216.0
    return (np.float64(z >> np.uint64(40)) * scale - 0.5,
            np.float64((z >> np.uint64(8)) & np.uint64(0xFFFFFF)) * scale - 0.5)


@njit(**JIT)
def _white(count, seed):
    out = np.empty((count, 2), dtype=np.float32)
    for k in range(count):  # a plain loop over the counter: LLVM runs 8 hashes at once (AVX-512)
        u0, u1 = _uniform_pair(seed, k)
        out[k, 0] = u0
        out[k, 1] = u1
    return out


def white_noise(n: int, channels: int, seed: int) -> np.ndarray:
    """Uniform white noise in [-0.5, 0.5), float32 (n, channels): a counter-based generator (SplitMix64 of the
    frame index, one hash for two channels), about 3.5x cheaper than numpy's and a pure function of seed and index."""
    pairs = (int(channels) + 1) // 2
    out = _white(int(n) * pairs, np.uint64(seed)).reshape(int(n), 2 * pairs)
    return out if out.shape[1] == channels else np.ascontiguousarray(out[:, :channels])


@njit(**JIT)
def _add_scaled(a, b, scale, out, lo, hi):
    x, y, o = a[lo:hi], b[lo:hi], out[lo:hi]
    for k in range(len(o)):
        o[k] = x[k] + y[k] * scale


def add_scaled(a: np.ndarray, b: np.ndarray, scale: float) -> np.ndarray:
    """a + b * scale (float32, b scaled as float32 first), one pass in two halves; a new array shaped like a."""
    x, y = np.ascontiguousarray(a, dtype=np.float32), np.ascontiguousarray(b, dtype=np.float32)
    out = np.empty_like(x)
    fx, fy, fo = x.reshape(-1), y.reshape(-1), out.reshape(-1)
    in_halves(lambda lo, hi: _add_scaled(fx, fy, np.float32(scale), fo, lo, hi), len(fo))
    return out


@njit(**JIT)
def _ticks(where, amp, kernel, n, out, scale):
    """Clusters of overlapping ticks rendered one at a time: their sum of squares (scale 0) or added to out."""
    ch = amp.shape[1]
    size = len(kernel)
    scratch = np.zeros((len(where) * size, ch))
    energy = 0.0
    i = 0
    while i < len(where):
        first, end, j = where[i], where[i] + size, i + 1
        while j < len(where) and where[j] < end:  # ticks that overlap make one cluster
            end = max(end, where[j] + size)
            j += 1
        length = end - first
        scratch[:length] = 0.0
        for t in range(i, j):
            off = where[t] - first
            for k in range(size):
                for c in range(ch):
                    scratch[off + k, c] += kernel[k] * amp[t, c]
        for k in range(length):
            for c in range(ch):
                v = scratch[k, c]
                energy += v * v
                if scale != 0.0:
                    out[(first + k) % n, c] += np.float32(v * scale)  # the last ticks wrap onto the start
        i = j
    return energy


def add_ticks(out: np.ndarray, where: np.ndarray, amp: np.ndarray, kernel: np.ndarray, rms: float) -> None:
    """Add the ticks (kernel * amp[i] at where[i], wrapping round the loop) to out (n, ch) in place, scaled to rms."""
    order = np.argsort(where, kind="stable")
    w = np.asarray(where, dtype=np.int64)[order]
    a = np.ascontiguousarray(np.asarray(amp, dtype=np.float64)[order])
    h = np.asarray(kernel, dtype=np.float64)
    energy = _ticks(w, a, h, len(out), out, 0.0)
    if energy > 0:
        _ticks(w, a, h, len(out), out, rms / np.sqrt(energy / out.size))
