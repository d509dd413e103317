"""Compiled kernels of the lo-fi chain's colour (lofipress.sound.fx): wow and flutter (a varying delay), tape
saturation, bit crushing, the bus compressor's block gains and the kick's ducking.

Same rules as lofipress.sound.dsp, whose plumbing they use: one pass each, float64 state, no fastmath, the long
passes split in two fixed halves.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from .dsp import GAIN_BLOCK, JIT, in_halves, scale_frames


WOW_BLOCK = 4096  # the modulation is exact at each block's start and added from tables inside it


@njit(**JIT)
def _wow(x, out, rates, depths, phases, step_sin, step_cos, lo, hi):
    """out[lo:hi] = x read through the delay sum(depth sin(rate i + phase)), linear interpolation, wrapping round.

    sin(a + k r) = sin a cos kr + cos a sin kr with kr from tables: no recursion
    from sample to sample, so both loops vectorize.
    """
    n, ch = x.shape
    delay = np.empty(WOW_BLOCK)
    for b0 in range(lo, hi, WOW_BLOCK):
        b = min(WOW_BLOCK, hi - b0)
        delay[:b] = 0.0
        for m in range(len(rates)):
            sa = depths[m] * math.sin(rates[m] * b0 + phases[m])
            ca = depths[m] * math.cos(rates[m] * b0 + phases[m])
            for k in range(b):
                delay[k] += sa * step_cos[m, k] + ca * step_sin[m, k]
        for k in range(b):
            pos = (b0 + k) - delay[k]
            if pos < 0.0:
                pos += n
            elif pos >= n:
                pos -= n
            i0 = min(int(pos), n - 1)
            frac = pos - i0
            i1 = i0 + 1 if i0 + 1 < n else 0
            for c in range(ch):
                a = np.float64(x[i0, c])
                out[b0 + k, c] = a + (x[i1, c] - a) * frac


def varying_delay(audio: np.ndarray, rad_per_sample, depth_samples, phase_rad) -> np.ndarray:
    """Read a loop through a delay of sum(depth * sin(rate * i + phase)) samples, linear interpolation, wrapping."""
    x = np.ascontiguousarray(audio, dtype=np.float32).reshape(len(audio), -1)
    rates = np.asarray(rad_per_sample, dtype=np.float64)
    depths, phases = np.asarray(depth_samples, dtype=np.float64), np.asarray(phase_rad, dtype=np.float64)
    steps = rates[:, None] * np.arange(WOW_BLOCK)
    step_sin, step_cos = np.sin(steps), np.cos(steps)  # once, for both halves
    out = np.empty_like(x)
    in_halves(lambda lo, hi: _wow(x, out, rates, depths, phases, step_sin, step_cos, lo, hi), len(x), WOW_BLOCK)
    return out.reshape(np.shape(audio))


@njit(**JIT)
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


@njit(**JIT)
def _offset_scale_sum(x, offset, scale, lo, hi):
    """x[lo:hi] = (x - offset) * scale in place; the sums of each channel's new values (float64)."""
    ch = x.shape[1]
    flat = x.reshape(-1)[lo * ch:hi * ch]
    total = np.zeros(ch)
    for i in range(0, len(flat), ch):
        for c in range(ch):
            v = (flat[i + c] - offset) * scale
            flat[i + c] = v
            total[c] += v
    return total


@njit(**JIT)
def _subtract(x, dc, lo, hi):
    ch = x.shape[1]
    flat = x.reshape(-1)[lo * ch:hi * ch]
    if ch == 2:
        d0, d1 = dc[0], dc[1]
        for j in range(0, len(flat), 2):
            flat[j] -= d0
            flat[j + 1] -= d1
    else:
        for j in range(len(flat)):
            flat[j] -= dc[j % ch]


def tanh_saturate(audio: np.ndarray, drive: float, bias: float, offset: float, scale: float) -> np.ndarray:
    """(tanh(drive * (x + bias)) - offset) * scale, then each channel's mean removed; float32 (n, ch), in two halves.

    numpy's tanh runs 8 lanes at a time (a compiled scalar tanh is 10x slower), so
    each half is numpy's tanh on a view and one compiled pass that shifts, scales
    and sums; the means are taken off in a second pass.
    """
    x = np.ascontiguousarray(audio, dtype=np.float32).reshape(len(audio), -1)
    out = np.empty_like(x)

    def shaped(lo, hi):
        part = out[lo:hi]
        np.add(x[lo:hi], np.float32(bias), out=part)
        part *= np.float32(drive)
        np.tanh(part, out=part)
        return _offset_scale_sum(out, np.float32(offset), np.float32(scale), lo, hi)

    dc = (sum(in_halves(shaped, len(x))) / max(1, len(x))).astype(np.float32)  # a biased saturator leaves some DC
    in_halves(lambda lo, hi: _subtract(out, dc, lo, hi), len(x))
    return out.reshape(np.shape(audio))


@njit(**JIT)
def _crush(x, hold_n, steps, out, lo, hi):
    """out[lo:hi]: x held from the first frame of each period (periods start at ceil(k * hold_n)), rounded."""
    ch = x.shape[1]
    held = np.empty(ch, dtype=np.float32)
    k = int(lo / hold_n)  # the period holding frame lo: ceil(k hold_n) <= lo < ceil((k + 1) hold_n)
    while k > 0 and math.ceil(k * hold_n) > lo:
        k -= 1
    while math.ceil((k + 1) * hold_n) <= lo:
        k += 1
    i, start = lo, int(math.ceil(k * hold_n))
    while i < hi:
        stop = min(hi, int(math.ceil((k + 1) * hold_n)))
        for c in range(ch):
            v = x[start, c]
            held[c] = np.rint(v * steps) / steps if steps > 0 else v
        for j in range(i, stop):
            for c in range(ch):
                out[j, c] = held[c]
        k += 1
        i = start = stop


def sample_and_hold(audio: np.ndarray, hold_n: float, steps: float) -> np.ndarray:
    """Hold the input at the first sample of every hold_n-long period (0: no hold), round to 1/steps (0: no rounding)."""
    x = np.ascontiguousarray(audio, dtype=np.float32).reshape(len(audio), -1)
    out = np.empty_like(x)
    hold = float(hold_n) if hold_n > 0 else 1.0  # no hold: every frame is its own period
    in_halves(lambda lo, hi: _crush(x, hold, np.float32(steps), out, lo, hi), len(x))
    return out.reshape(np.shape(audio))


@njit(**JIT)
def _block_power(x, block, out, lo, hi):
    """out[b] = mean square over channels of frames b * block .. (b + 1) * block (zero-padded), blocks lo..hi."""
    n, ch = x.shape
    flat = x.reshape(-1)
    for b in range(lo, hi):
        seg = flat[b * block * ch:min(n, (b + 1) * block) * ch]
        even = odd = 0.0  # two sums: the additions of one do not wait on the other's
        for j in range(0, len(seg) - 1, 2):
            v, w = np.float64(seg[j]), np.float64(seg[j + 1])
            even += v * v
            odd += w * w
        if len(seg) % 2:
            v = np.float64(seg[len(seg) - 1])
            even += v * v
        out[b] = (even + odd) / (block * ch)


def block_power(audio: np.ndarray, block: int) -> np.ndarray:
    """Mean square of each run of `block` frames over all channels (zeros after the end): (ceil(n / block),)."""
    x = np.ascontiguousarray(audio, dtype=np.float32).reshape(len(audio), -1)
    block = int(block)
    out = np.empty(-(-len(x) // block))
    in_halves(lambda lo, hi: _block_power(x, block, out, -(-lo // block), -(-hi // block)), len(x), block)
    return out


@njit(**JIT)
def _gain_interp(x, centers, gains, period, out, lo, hi):
    """out[lo:hi] = x times a gain curve linearly interpolated between block centres (wrapping at `period`)."""
    m = len(centers)
    g = np.empty(GAIN_BLOCK, dtype=np.float32)
    k = 0  # centres[k - 1] <= i < centres[k], wrapping round
    for f0 in range(lo, hi, GAIN_BLOCK):
        b = min(GAIN_BLOCK, hi - f0)
        for i in range(f0, f0 + b):
            while k < m and centers[k] <= i:
                k += 1
            if k == 0:
                c0, g0, c1, g1 = centers[m - 1] - period, gains[m - 1], centers[0], gains[0]
            elif k == m:
                c0, g0, c1, g1 = centers[m - 1], gains[m - 1], centers[0] + period, gains[0]
            else:
                c0, g0, c1, g1 = centers[k - 1], gains[k - 1], centers[k], gains[k]
            g[i - f0] = np.float32(g0 + (g1 - g0) * (i - c0) / (c1 - c0))
        scale_frames(x, out, g, f0, b)


def apply_block_gain(audio: np.ndarray, centers: np.ndarray, gains: np.ndarray, period: int) -> np.ndarray:
    """Multiply audio by gains given at sample positions `centers` (ascending), interpolated around a loop."""
    x = np.ascontiguousarray(audio, dtype=np.float32).reshape(len(audio), -1)
    centers, gains = np.asarray(centers, dtype=np.float64), np.asarray(gains, dtype=np.float64)
    out = np.empty_like(x)
    in_halves(lambda lo, hi: _gain_interp(x, centers, gains, float(period), out, lo, hi), len(x))
    return out.reshape(np.shape(audio))


@njit(**JIT)
def _duck(x, kicks, curve, out, lo, hi):
    n = x.shape[0]
    g = np.empty(GAIN_BLOCK, dtype=np.float32)
    k = 0  # the last kick at or before i; before the first kick, the last one of the loop still rules
    while k < len(kicks) and kicks[k] <= lo:
        k += 1
    for f0 in range(lo, hi, GAIN_BLOCK):
        b = min(GAIN_BLOCK, hi - f0)
        i = f0
        while i < f0 + b:  # runs between kicks are slices of the curve
            while k < len(kicks) and kicks[k] <= i:
                k += 1
            since = i - kicks[k - 1] if k > 0 else i + n - kicks[len(kicks) - 1]
            stop = min(f0 + b, kicks[k] if k < len(kicks) else f0 + b)
            run = g[i - f0:stop - f0]
            part = curve[since:since + len(run)]
            for j in range(len(run)):
                run[j] = part[j]
            i = stop
        scale_frames(x, out, g, f0, b)


def duck(audio: np.ndarray, kick_samples: np.ndarray, curve: np.ndarray) -> np.ndarray:
    """Scale each sample by curve[samples since the last kick], kicks (sorted, in [0, n)) wrapping round the loop."""
    x = np.ascontiguousarray(audio, dtype=np.float32).reshape(len(audio), -1)
    kicks, curve = np.asarray(kick_samples, dtype=np.int64), np.ascontiguousarray(curve, dtype=np.float32)
    out = np.empty_like(x)
    in_halves(lambda lo, hi: _duck(x, kicks, curve, out, lo, hi), len(x))
    return out.reshape(np.shape(audio))
