"""Compiled kernels of mastering (lofipress.sound.master): K-weighted energy and its gated segments, true peak,
and the look-ahead limiter's gain.

Same rules as lofipress.sound.dsp: float64 state, no fastmath, the long passes split in two fixed halves.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .dsp import GAIN_BLOCK, JIT, SETTLE, biquad, in_halves, scale_frames


@njit(**JIT)
def _true_peak(x, phases, gain_bound, floor, peak, lo, hi):
    """Blocks of 64 samples of peak[lo:hi]: bound each by its largest neighbour; interpolate only blocks the bound
    cannot clear. Each block's neighbourhood is first copied channel by channel (wrapping round the loop), so the
    sample loops run on rows and vectorize."""
    n, ch = x.shape
    n_ph, taps = phases.shape
    half = taps // 2
    size = 64
    rows = np.empty((ch, size + taps), dtype=np.float32)
    bound = np.empty(size, dtype=np.float32)
    acc = np.empty(size, dtype=np.float32)
    best = np.empty(size, dtype=np.float32)
    for i0 in range(lo, hi, size):
        m = min(size, hi - i0)
        src, span = i0 - half, m + taps - 1
        if 0 <= src and src + span <= n:
            near = x[src:src + span]
            for c in range(ch):
                row = rows[c]
                for k in range(span):
                    row[k] = near[k, c]
        else:
            for k in range(span):  # the block and the taps either side, round the seam
                j = src + k
                j = j + n if j < 0 else (j - n if j >= n else j)
                for c in range(ch):
                    rows[c, k] = x[j, c]
        bound[:] = 0.0
        for c in range(ch):
            row = rows[c]
            for k in range(taps):
                for j in range(m):
                    bound[j] = max(bound[j], abs(row[j + k]))
        above = False
        for j in range(m):
            bound[j] *= gain_bound
            above |= bound[j] > floor
        if not above:
            peak[i0:i0 + m] = bound[:m]
            continue
        best[:] = 0.0
        for c in range(ch):
            row = rows[c]
            for p in range(n_ph):
                acc[:] = 0.0
                for k in range(taps):
                    h = phases[p, k]
                    for j in range(m):
                        acc[j] += h * row[j + k]
                for j in range(m):
                    best[j] = max(best[j], abs(acc[j]))
        peak[i0:i0 + m] = best[:m]


def true_peak(audio: np.ndarray, phases: np.ndarray, floor: float) -> np.ndarray:
    """Per-sample 4x true peak over channels, wrapping round the loop; values provably <= floor are only bounded.

    phases: (4, taps) polyphase branches, each applied as a correlation centred on the sample.
    """
    x = np.ascontiguousarray(audio, dtype=np.float32).reshape(len(audio), -1)
    ph = np.ascontiguousarray(phases, dtype=np.float32)
    bound_gain = np.float32(np.abs(ph).sum(axis=1).max())
    peak = np.empty(len(x), dtype=np.float32)
    in_halves(lambda lo, hi: _true_peak(x, ph, bound_gain, np.float32(floor), peak, lo, hi), len(x), 64)
    return peak


@njit(**JIT)
def _window_min(a, w):
    """min(a[i : i + w]) for every i, a already padded by w - 1 (van Herk / Gil-Werman: 3 compares a sample)."""
    n = len(a) - w + 1
    prefix = np.empty_like(a)
    suffix = np.empty_like(a)
    for b0 in range(0, len(a), w):  # minima from each block's start, and to each block's end
        b1 = min(b0 + w, len(a))
        low = a[b0]
        for i in range(b0, b1):
            low = a[i] if a[i] < low else low
            prefix[i] = low
        low = a[b1 - 1]
        for i in range(b1 - 1, b0 - 1, -1):
            low = a[i] if a[i] < low else low
            suffix[i] = low
    out = np.empty(n, dtype=a.dtype)
    for i in range(n):
        p, q = suffix[i], prefix[i + w - 1]
        out[i] = p if p < q else q
    return out


@njit(**JIT)
def _box_wrap(a, half):
    """Mean of a[i - half : i + half + 1], wrapping round the loop (a running sum in float64)."""
    n = len(a)
    padded = np.concatenate((a[n - half - 1:], a, a[:half + 1]))  # padded[i + half + 1] == a[i]
    out = np.empty_like(a)
    total = 0.0
    for k in range(1, 2 * half + 2):
        total += padded[k]
    scale = 1.0 / (2 * half + 1)
    for i in range(n):
        out[i] = total * scale
        total += np.float64(padded[i + 2 * half + 2]) - padded[i + 1]  # slide: one sample in, one out
    return out


@njit(**JIT)
def _limiter_gain(need, lo, hi, half):
    n = len(need)
    padded = np.concatenate((need[n - lo:], need, need[:hi]))  # padded[i + lo] == need[i]
    gain = _window_min(padded, lo + hi + 1)  # gain[i] = min(need[i - lo : i + hi + 1])
    return _box_wrap(_box_wrap(gain, half), half)


def limiter_gain(need: np.ndarray, behind: int, ahead: int, smooth_half: int) -> np.ndarray:
    """Per-sample gain: the least `need` from `behind` samples before to `ahead` after, box-smoothed twice (+-half).

    All windows wrap round the loop. float32 (n,). A limiter acts on a few
    milliseconds here and there: only the stretches around samples that need
    less than 1 are computed (with margins wide enough that they come out as
    the whole loop's computation would give them); everywhere else it is 1.
    """
    need = np.ascontiguousarray(need, dtype=np.float32)
    return _sparse_limiter(len(need), np.flatnonzero(need < 1.0), lambda where: need[where], behind, ahead,
                           smooth_half)


def peak_limiter_gain(peak: np.ndarray, scale: float, ceiling: float, behind: int, ahead: int,
                      smooth_half: int) -> np.ndarray:
    """limiter_gain of need = min(1, ceiling / (peak * scale)), computed only where peak * scale tops the ceiling."""
    peak = np.ascontiguousarray(peak, dtype=np.float32)
    scale, ceiling = np.float32(scale), np.float32(ceiling)

    def need_at(where):
        return np.minimum(np.float32(1.0), ceiling / np.maximum(peak[where] * scale, np.float32(1e-12)))

    return _sparse_limiter(len(peak), np.flatnonzero(peak * scale > ceiling), need_at, behind, ahead, smooth_half)


def _sparse_limiter(n: int, low: np.ndarray, need_at, behind: int, ahead: int, half: int) -> np.ndarray:
    """The limiter's gain from the frames `low` that need less than 1, need_at(indices) giving their need."""
    behind, ahead, half = int(behind), int(ahead), int(half)
    reach = behind + ahead + 2 * half + 2  # a sample's gain depends on `need` this far away, no further
    if len(low) > n // 16 or n < 16 * reach:
        return _limiter_gain(need_at(slice(None)), behind, ahead, half)
    gain = np.ones(n, dtype=np.float32)
    if not len(low):
        return gain
    cuts = np.flatnonzero(np.diff(low) > 4 * reach)  # stretches further apart than this do not touch
    firsts, lasts = list(low[np.r_[0, cuts + 1]]), list(low[np.r_[cuts, len(low) - 1]])
    if len(firsts) > 1 and firsts[0] + n - lasts[-1] <= 4 * reach:  # the last stretch runs on over the seam
        firsts[0] = firsts.pop() - n
        lasts.pop()
    for first, last in zip(firsts, lasts):
        if last - first + 4 * reach >= n:
            return _limiter_gain(need_at(slice(None)), behind, ahead, half)
        where = np.arange(first - 2 * reach, last + 2 * reach + 1) % n
        part = _limiter_gain(need_at(where), behind, ahead, half)  # its own wrap only mixes the 1s of its margins
        gain[where[reach:-reach]] = part[reach:-reach]
    return gain


@njit(**JIT)
def _weighted_energy(sos, x, out, settle_lo, settle_hi, lo, hi):
    """out[lo:hi] = per-frame energy (channels summed, float64) of x through two biquads; x is not written.

    The filter state first settles on frames settle_lo..settle_hi (none: from rest).
    """
    ch = x.shape[1]
    k0 = (sos[0, 0], sos[0, 1], sos[0, 2], sos[0, 4], sos[0, 5])
    k1 = (sos[1, 0], sos[1, 1], sos[1, 2], sos[1, 4], sos[1, 5])
    out[lo:hi] = 0.0
    for c0 in range(0, ch, 2):
        c1 = c0 + 1  # channels in pairs: their recursions overlap in the CPU
        p0 = p1 = q0 = q1 = r0 = r1 = s0 = s1 = 0.0
        for lap in range(2):
            a, b = (settle_lo, settle_hi) if lap == 0 else (lo, hi)
            for i in range(a, b):
                y, p0, p1 = biquad(np.float64(x[i, c0]), k0, p0, p1)
                y, q0, q1 = biquad(y, k1, q0, q1)
                e = np.float64(np.float32(y)) ** 2  # the filtered sample as float32, as a filtered copy holds it
                if c1 < ch:
                    y, r0, r1 = biquad(np.float64(x[i, c1]), k0, r0, r1)
                    y, s0, s1 = biquad(y, k1, s0, s1)
                    e += np.float64(np.float32(y)) ** 2
                if lap == 1:
                    out[i] += e


def weighted_energy(sos: np.ndarray, audio: np.ndarray) -> np.ndarray:
    """Per-sample energy of audio through two second-order sections from rest, summed over channels: (n,) float64.

    One pass (the filtered signal is never stored), in two halves at once.
    """
    assert len(sos) == 2
    x = np.ascontiguousarray(audio, dtype=np.float32).reshape(len(audio), -1)
    sos = np.ascontiguousarray(sos, dtype=np.float64)
    out = np.empty(len(x))
    in_halves(lambda lo, hi: _weighted_energy(sos, x, out, max(0, lo - SETTLE), lo, lo, hi), len(x))
    return out


@njit(**JIT)
def _apply_gain(x, curve, gain, out, lo, hi):
    g = np.empty(GAIN_BLOCK, dtype=np.float32)
    for f0 in range(lo, hi, GAIN_BLOCK):
        b = min(GAIN_BLOCK, hi - f0)
        part = curve[f0:f0 + b]
        for j in range(b):
            g[j] = np.float32(part[j] * gain)
        scale_frames(x, out, g, f0, b)


def apply_gain(audio: np.ndarray, curve: np.ndarray, gain: float) -> np.ndarray:
    """audio (n, ch) times a per-sample gain curve (n,) times gain, float32, in one pass."""
    x = np.ascontiguousarray(audio, dtype=np.float32).reshape(len(audio), -1)
    curve, out = np.ascontiguousarray(curve, dtype=np.float32), np.empty_like(x)
    in_halves(lambda lo, hi: _apply_gain(x, curve, np.float32(gain), out, lo, hi), len(x))
    return out.reshape(np.shape(audio))


@njit(**JIT)
def _segment_sums(energy, gain, plain, hop, out, lo, hi):
    """out[s] = sum of energy * gain^2 over segment s (hop frames), for s in lo..hi.

    With plain (the sums without gain, from this same loop), a segment whose gain
    is 1 throughout is copied from it, as the sum would come out the same.
    """
    for s in range(lo, hi):
        e = energy[s * hop:(s + 1) * hop]
        if len(gain):
            g = gain[s * hop:(s + 1) * hop]
            moved = False
            for k in range(len(g)):
                moved |= g[k] != 1.0
            if not moved and len(plain):
                out[s] = plain[s]
                continue
            total = 0.0
            for k in range(len(e)):
                total += e[k] * g[k] * g[k]
        else:
            total = 0.0
            for k in range(len(e)):
                total += e[k]
        out[s] = total


def segment_energy(energy: np.ndarray, hop: int, gain: np.ndarray | None = None, scale: float = 1.0,
                   plain: np.ndarray | None = None) -> np.ndarray:
    """Mean per whole hop of energy * gain^2 * scale: the segments of a signal under a slowly varying gain.

    plain: this function's sums without gain (segment_energy(energy, hop) * hop)
    to skip the segments where gain is 1 throughout.
    """
    hop = int(hop)
    out = np.empty(len(energy) // hop)
    g = np.empty(0, np.float32) if gain is None else np.ascontiguousarray(gain, dtype=np.float32)
    p = np.empty(0) if plain is None else np.ascontiguousarray(plain, dtype=np.float64)
    in_halves(lambda lo, hi: _segment_sums(energy, g, p, hop, out, lo // hop, hi // hop), len(out) * hop, hop)
    return out * (float(scale) / hop)
