"""Compiled inner loops of the sampler, the lo-fi chain and mastering (numba, no fastmath).

numpy is fast at whole-array arithmetic but slow at what audio is made of:
recursive filters, fractional delay reads and per-sample envelopes, each of which
numpy (or scipy) runs as several full passes over the track. These kernels do
one pass each, in float64 state with float32 audio, and release the GIL.

No `fastmath`: LLVM keeps IEEE order, so the same input gives the same bytes and
the site stays reproducible. Compiled code is cached beside this module (in
`__pycache__`, like .pyc files) and loaded in milliseconds by later processes.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

_JIT = dict(cache=True, nogil=True, error_model="numpy")


@njit(**_JIT)
def _sos_pass(sos, x, out, z, start, stop, store):
    """Run a biquad cascade (transposed direct form II) over frames start..stop of x, state z (sections, 2, ch)."""
    n_sec = sos.shape[0]
    ch = x.shape[1]
    for i in range(start, stop):
        for c in range(ch):
            v = np.float64(x[i, c])
            for s in range(n_sec):
                y = sos[s, 0] * v + z[s, 0, c]
                z[s, 0, c] = sos[s, 1] * v - sos[s, 4] * y + z[s, 1, c]
                z[s, 1, c] = sos[s, 2] * v - sos[s, 5] * y
                v = y
            if store:
                out[i, c] = v


def sosfilt_wrap(sos: np.ndarray, audio: np.ndarray, pad: int) -> np.ndarray:
    """Filter a loop (n, ch) with second-order sections whose state first settles on its last `pad` frames.

    Returns float32 (n, ch): the loop as it sounds when it has been playing forever.
    """
    x = np.ascontiguousarray(audio, dtype=np.float32).reshape(len(audio), -1)
    s = np.ascontiguousarray(sos, dtype=np.float64)
    z = np.zeros((len(s), 2, x.shape[1]))
    out = np.empty_like(x)
    pad = min(pad, len(x))
    _sos_pass(s, x, out, z, len(x) - pad, len(x), False)
    _sos_pass(s, x, out, z, 0, len(x), True)
    return out.reshape(np.shape(audio))


def sosfilt(sos: np.ndarray, audio: np.ndarray) -> np.ndarray:
    """Filter (n, ch) or (n,) audio from rest with second-order sections; float32 out, same shape."""
    x = np.ascontiguousarray(audio, dtype=np.float32)
    x2 = x.reshape(len(x), -1)
    s = np.ascontiguousarray(sos, dtype=np.float64)
    out = np.empty_like(x2)
    _sos_pass(s, x2, out, np.zeros((len(s), 2, x2.shape[1])), 0, len(x2), True)
    return out.reshape(x.shape)


@njit(**_JIT)
def _weighted_segments(sos, x, hop):
    """Mean energy per hop-long segment of x filtered from rest, summed over channels."""
    n_sec = sos.shape[0]
    n, ch = x.shape
    z = np.zeros((n_sec, 2, ch))
    seg = np.zeros(n // hop)
    for i in range(len(seg) * hop):
        acc = 0.0
        for c in range(ch):
            v = np.float64(x[i, c])
            for s in range(n_sec):
                y = sos[s, 0] * v + z[s, 0, c]
                z[s, 0, c] = sos[s, 1] * v - sos[s, 4] * y + z[s, 1, c]
                z[s, 1, c] = sos[s, 2] * v - sos[s, 5] * y
                v = y
            acc += v * v
        seg[i // hop] += acc
    return seg / hop


def weighted_segment_energy(sos: np.ndarray, audio: np.ndarray, hop: int) -> np.ndarray:
    """Per-segment mean energy of audio through sos (BS.1770's K-weighting), channels summed; one pass, no copy."""
    x = np.ascontiguousarray(audio, dtype=np.float32).reshape(len(audio), -1)
    return _weighted_segments(np.ascontiguousarray(sos, dtype=np.float64), x, hop)


@njit(**_JIT)
def _true_peak(xp, phases, gain_bound, floor, n):
    """Blocks of 64 samples: bound each by its largest neighbour; interpolate only blocks the bound cannot clear."""
    ch = xp.shape[0]
    n_ph, taps = phases.shape
    peak = np.empty(n, dtype=np.float32)
    size = 64
    bound = np.empty(size, dtype=np.float32)
    acc = np.empty(size, dtype=np.float32)
    best = np.empty(size, dtype=np.float32)
    for i0 in range(0, n, size):
        m = min(size, n - i0)
        bound[:] = 0.0
        for c in range(ch):
            row = xp[c, i0:i0 + m + taps]  # a 1-D view and max(): the sample loops vectorize (8 lanes)
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
            row = xp[c, i0:i0 + m + taps]
            for p in range(n_ph):
                acc[:] = 0.0
                for k in range(taps):
                    h = phases[p, k]
                    for j in range(m):
                        acc[j] += h * row[j + k]
                for j in range(m):
                    best[j] = max(best[j], abs(acc[j]))
        peak[i0:i0 + m] = best[:m]
    return peak


def true_peak(audio: np.ndarray, phases: np.ndarray, floor: float) -> np.ndarray:
    """Per-sample 4x true peak over channels, wrapping round the loop; values provably <= floor are only bounded.

    phases: (4, taps) polyphase branches, each applied as a correlation centred on the sample.
    """
    x = np.asarray(audio, dtype=np.float32).reshape(len(audio), -1)
    ph = np.ascontiguousarray(phases, dtype=np.float32)
    taps = ph.shape[1]
    half = taps // 2
    wrapped = np.concatenate([x[len(x) - half:], x, x[: taps - 1 - half]])  # the seam's neighbours, both sides
    xp = np.ascontiguousarray(wrapped.T)
    bound_gain = np.float32(np.abs(ph).sum(axis=1).max())
    return _true_peak(xp, ph, bound_gain, np.float32(floor), len(x))


@njit(**_JIT)
def _wow(x, rates, depths, phases):
    n, ch = x.shape
    out = np.empty_like(x)
    sin = np.empty(len(rates))
    cos = np.empty(len(rates))
    step_sin = np.sin(rates)
    step_cos = np.cos(rates)
    for i in range(n):
        delay = 0.0
        for m in range(len(rates)):
            if i % 4096 == 0:  # exact every 4096 samples; a rotation in between (no drift, 10x cheaper than sin)
                sin[m] = math.sin(rates[m] * i + phases[m])
                cos[m] = math.cos(rates[m] * i + phases[m])
            else:
                s = sin[m] * step_cos[m] + cos[m] * step_sin[m]
                cos[m] = cos[m] * step_cos[m] - sin[m] * step_sin[m]
                sin[m] = s
            delay += depths[m] * sin[m]
        pos = i - delay
        if pos < 0.0:
            pos += n
        elif pos >= n:
            pos -= n
        i0 = min(int(pos), n - 1)
        frac = pos - i0
        i1 = i0 + 1 if i0 + 1 < n else 0
        for c in range(ch):
            a = np.float64(x[i0, c])
            out[i, c] = a + (x[i1, c] - a) * frac
    return out


def varying_delay(audio: np.ndarray, rad_per_sample, depth_samples, phase_rad) -> np.ndarray:
    """Read a loop through a delay of sum(depth * sin(rate * i + phase)) samples, linear interpolation, wrapping."""
    x = np.ascontiguousarray(audio, dtype=np.float32).reshape(len(audio), -1)
    out = _wow(x, np.asarray(rad_per_sample, dtype=np.float64), np.asarray(depth_samples, dtype=np.float64),
               np.asarray(phase_rad, dtype=np.float64))
    return out.reshape(np.shape(audio))


@njit(**_JIT)
def _smooth_gain(target_db, a_att, a_rel, laps):
    """One-pole attack/release smoothing of a gain curve in dB, run `laps` times round the loop; the last lap kept."""
    out = np.empty_like(target_db)
    state = 0.0
    for _ in range(laps):
        for i in range(len(target_db)):
            g = target_db[i]
            coef = a_att if g < state else a_rel
            state = coef * state + (1 - coef) * g
            out[i] = state
    return out


def smooth_gain_db(target_db: np.ndarray, attack_coef: float, release_coef: float, laps: int = 2) -> np.ndarray:
    """A compressor's gain smoothing; laps > 1 lets the state settle on the loop's end before the kept lap."""
    return _smooth_gain(np.ascontiguousarray(target_db, dtype=np.float64), attack_coef, release_coef, laps)


@njit(**_JIT)
def _mix_note(buf, start, bright, dark, v, n_total, gate_n, attack_n, decay, fade_n, gain_l, gain_r):
    """Add one note, velocity-blended between bright and dark, under its envelope, panned into buf (n, 2)."""
    env_rel = 1.0
    for t in range(n_total):
        env = min(1.0, t / attack_n)
        if t > gate_n:
            env_rel *= decay  # exp(-(t - gate_n) / release_n), one multiply a sample
            env *= env_rel
        if t >= n_total - fade_n:  # the sample itself may end early: never stop on a step
            env *= (n_total - 1 - t) / max(1, fade_n - 1)
        s = (v * bright[t] + (1.0 - v) * dark[t]) * env
        buf[start + t, 0] += gain_l * s
        buf[start + t, 1] += gain_r * s


def mix_note(buf: np.ndarray, start: int, bright: np.ndarray, dark: np.ndarray, velocity_blend: float, n_total: int,
             gate_n: int, attack_n: float, release_n: float, fade_n: int, gain_l: float, gain_r: float) -> None:
    """Mix a sampled note into a stereo buffer in place: attack ramp, hold, exponential release, end fade."""
    _mix_note(buf, start, bright, dark, velocity_blend, n_total, gate_n, max(1.0, attack_n),
              math.exp(-1.0 / release_n), fade_n, gain_l, gain_r)


@njit(**_JIT)
def _offset_scale_dc(x, offset, scale):
    total = np.zeros(x.shape[1])
    for i in range(x.shape[0]):
        for c in range(x.shape[1]):
            v = (x[i, c] - offset) * scale
            x[i, c] = v
            total[c] += v
    for c in range(x.shape[1]):  # whatever DC is left (a biased saturator leaves some) goes
        dc = np.float32(total[c] / x.shape[0])
        for i in range(x.shape[0]):
            x[i, c] -= dc
    return x


def offset_scale_dc(audio: np.ndarray, offset: float, scale: float) -> np.ndarray:
    """(x - offset) * scale in place, then each channel's mean removed; float32 (n, ch)."""
    x = np.ascontiguousarray(audio, dtype=np.float32).reshape(len(audio), -1)
    return _offset_scale_dc(x, np.float32(offset), np.float32(scale)).reshape(np.shape(audio))


@njit(**_JIT)
def _crush(x, hold_n, steps):
    out = np.empty_like(x)
    period = 0
    start = 0
    next_start = math.ceil(hold_n) if hold_n > 0 else 0
    for i in range(x.shape[0]):
        if hold_n <= 0:
            start = i
        elif i >= next_start:  # a new hold period: sample the input here (periods are never empty: hold_n >= 1)
            period += 1
            start = i
            next_start = math.ceil((period + 1) * hold_n)
        for c in range(x.shape[1]):
            v = x[start, c]
            out[i, c] = np.rint(v * steps) / steps if steps > 0 else v
    return out


def sample_and_hold(audio: np.ndarray, hold_n: float, steps: float) -> np.ndarray:
    """Hold the input at the first sample of every hold_n-long period (0: no hold), round to 1/steps (0: no rounding)."""
    x = np.ascontiguousarray(audio, dtype=np.float32).reshape(len(audio), -1)
    return _crush(x, float(hold_n), np.float32(steps)).reshape(np.shape(audio))


@njit(**_JIT)
def _gain_interp(x, centers, gains, period):
    """x times a gain curve linearly interpolated between block centres (wrapping at `period`)."""
    out = np.empty_like(x)
    m = len(centers)
    k = 0  # centres[k - 1] <= i < centres[k], wrapping round
    for i in range(x.shape[0]):
        while k < m and centers[k] <= i:
            k += 1
        if k == 0:
            c0, g0, c1, g1 = centers[m - 1] - period, gains[m - 1], centers[0], gains[0]
        elif k == m:
            c0, g0, c1, g1 = centers[m - 1], gains[m - 1], centers[0] + period, gains[0]
        else:
            c0, g0, c1, g1 = centers[k - 1], gains[k - 1], centers[k], gains[k]
        g = np.float32(g0 + (g1 - g0) * (i - c0) / (c1 - c0))
        for c in range(x.shape[1]):
            out[i, c] = x[i, c] * g
    return out


def apply_block_gain(audio: np.ndarray, centers: np.ndarray, gains: np.ndarray, period: int) -> np.ndarray:
    """Multiply audio by gains given at sample positions `centers` (ascending), interpolated around a loop."""
    x = np.ascontiguousarray(audio, dtype=np.float32).reshape(len(audio), -1)
    out = _gain_interp(x, np.asarray(centers, dtype=np.float64), np.asarray(gains, dtype=np.float64), float(period))
    return out.reshape(np.shape(audio))


@njit(**_JIT)
def _duck(x, kicks, curve):
    n = x.shape[0]
    out = np.empty_like(x)
    k = 0  # the last kick at or before i; before the first kick, the last one of the loop still rules
    for i in range(n):
        while k < len(kicks) and kicks[k] <= i:
            k += 1
        since = i - kicks[k - 1] if k > 0 else i + n - kicks[len(kicks) - 1]
        g = curve[since]
        for c in range(x.shape[1]):
            out[i, c] = x[i, c] * g
    return out


def duck(audio: np.ndarray, kick_samples: np.ndarray, curve: np.ndarray) -> np.ndarray:
    """Scale each sample by curve[samples since the last kick], kicks (sorted, in [0, n)) wrapping round the loop."""
    x = np.ascontiguousarray(audio, dtype=np.float32).reshape(len(audio), -1)
    out = _duck(x, np.asarray(kick_samples, dtype=np.int64), np.ascontiguousarray(curve, dtype=np.float32))
    return out.reshape(np.shape(audio))
