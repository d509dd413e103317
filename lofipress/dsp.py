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
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import njit

_JIT = dict(cache=True, nogil=True, error_model="numpy")


@njit(inline="always")
def _biquad(x, c, z0, z1):
    """One transposed-direct-form-II step, c = (b0, b1, b2, a1, a2): (output, new state).

    The products that do not need the output are added first, which keeps the
    recursion to a multiply and two adds.
    """
    y = c[0] * x + z0
    return y, (c[1] * x + z1) - c[3] * y, c[2] * x - c[4] * y


SPLIT_MIN = 1 << 16  # frames: shorter work is not worth a second thread
SETTLE = SPLIT_MIN // 2  # frames a filter runs on the audio before a half's start to settle (0.74 s at 44.1 kHz)
_pool: list = []  # [(pid, the second core's thread)]
_in_pool = threading.local()


def both(first, second):
    """Run first() here and second() on a second core at once; (first's result, second's).

    The long passes split a track into two fixed halves, so what they compute
    never depends on how many cores there are. Inside the second thread, or
    when the machine has one core, both run here.
    """
    if getattr(_in_pool, "busy", False) or (os.cpu_count() or 1) < 2:
        return first(), second()
    if not _pool or _pool[0][0] != os.getpid():  # a forked worker has the list but not the thread
        _pool[:] = [(os.getpid(), ThreadPoolExecutor(1, initializer=lambda: setattr(_in_pool, "busy", True)))]
    later = _pool[0][1].submit(second)
    return first(), later.result()


def halves(n: int, align: int = 1) -> list[tuple[int, int]]:
    """[(0, n)] for short work, else two ranges split at a multiple of align."""
    if n < SPLIT_MIN:
        return [(0, n)]
    mid = n // 2 // align * align
    return [(0, mid), (mid, n)]


def in_halves(work, n: int, align: int = 1) -> list:
    """work(lo, hi) over the halves of range(n) (see halves), at once; their results in order."""
    parts = halves(n, align)
    if len(parts) == 1:
        return [work(*parts[0])]
    return list(both(lambda: work(*parts[0]), lambda: work(*parts[1])))


@njit(**_JIT)
def _cascade3(sos, src, dst, c0, c1, settle_lo, settle_hi, lo, hi, m):  # c1 < 0: one channel
    """The first m (1 to 3) of three biquads in series (float64 state) over channels c0 and c1: src[lo:hi] -> dst.

    All the state lives in registers and the recursions (sections x channels)
    are independent within a sample, so the CPU overlaps them. The tests on m
    and c1 are loop-invariant: LLVM compiles a loop for each case, so a single
    section costs what it should. Frames settle_lo..settle_hi of src run first,
    unstored, to settle the state.
    """
    k0, k1, k2 = [(s[0], s[1], s[2], s[4], s[5]) for s in (sos[0], sos[1], sos[2])]  # coefficients in registers
    p0 = p1 = q0 = q1 = r0 = r1 = 0.0  # channel c0: sections 1, 2, 3
    s0 = s1 = t0 = t1 = u0 = u1 = 0.0  # channel c1
    for lap in range(2):
        a, b = (settle_lo, settle_hi) if lap == 0 else (lo, hi)
        for i in range(a, b):
            y, p0, p1 = _biquad(np.float64(src[i, c0]), k0, p0, p1)
            if m >= 2:
                y, q0, q1 = _biquad(y, k1, q0, q1)
            if m >= 3:
                y, r0, r1 = _biquad(y, k2, r0, r1)
            if lap == 1:
                dst[i, c0] = y
            if c1 >= 0:
                y, s0, s1 = _biquad(np.float64(src[i, c1]), k0, s0, s1)
                if m >= 2:
                    y, t0, t1 = _biquad(y, k1, t0, t1)
                if m >= 3:
                    y, u0, u1 = _biquad(y, k2, u0, u1)
                if lap == 1:
                    dst[i, c1] = y


@njit(**_JIT)
def _sos_range(sos, src, dst, settle_lo, settle_hi, lo, hi):
    """Up to three sections over every channel of src[lo:hi] into dst, settled on src[settle_lo:settle_hi]."""
    group = np.zeros((3, 6))
    group[:, 0] = 1.0
    group[:, 3] = 1.0
    m = sos.shape[0]
    group[:m] = sos
    ch = src.shape[1]
    for c in range(0, ch, 2):
        _cascade3(group, src, dst, c, c + 1 if c + 1 < ch else -1, settle_lo, settle_hi, lo, hi, m)


def sosfilt_wrap(sos: np.ndarray, audio: np.ndarray, pad: int) -> np.ndarray:
    """Filter a loop (n, ch) with second-order sections whose state first settles on its last `pad` frames.

    pad 0 filters from rest. A long loop is filtered in two halves at once: the
    second half's state settles on the SETTLE frames before it.
    Returns float32 (n, ch): the loop as it sounds when it has been playing forever.
    """
    src = np.ascontiguousarray(audio, dtype=np.float32).reshape(len(audio), -1)
    n = len(src)
    pad = min(int(pad), n)
    sos = np.ascontiguousarray(sos, dtype=np.float64)
    for first in range(0, len(sos), 3):
        group, dst = sos[first:first + 3], np.empty_like(src)

        def work(lo, hi):  # used at once, inside this round of the loop
            settle = (n - pad, n) if lo == 0 else (lo - SETTLE, lo)
            _sos_range(group, src, dst, *settle, lo, hi)

        in_halves(work, n)  # SPLIT_MIN >= 2 * SETTLE: the second half has its settling frames
        src = dst
    return src.reshape(np.shape(audio))


def sosfilt(sos: np.ndarray, audio: np.ndarray) -> np.ndarray:
    """Filter (n, ch) or (n,) audio from rest with second-order sections; float32 out, same shape."""
    return sosfilt_wrap(sos, audio, 0)


@njit(**_JIT)
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


@njit(**_JIT)
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


@njit(**_JIT)
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


@njit(**_JIT)
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


@njit(**_JIT)
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


@njit(**_JIT)
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


@njit(**_JIT)
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


WOW_BLOCK = 4096  # the modulation is exact at each block's start and added from tables inside it


@njit(**_JIT)
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
        y, z0, z1 = _biquad(np.float64(bright[k]), c, z0, z1)
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


@njit(**_JIT)
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


@njit(**_JIT)
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


@njit(**_JIT)
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


@njit(**_JIT)
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


@njit(**_JIT)
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


@njit(**_JIT)
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


GAIN_BLOCK = 4096  # frames whose gains are worked out before they are applied


@njit(inline="always")
def _scale_frames(x, out, g, f0, b):
    """out[f0:f0 + b] = x[f0:f0 + b] * g[:b] per frame, over flat (frames * ch) views, so the loop vectorizes."""
    ch = x.shape[1]
    xs, os = x.reshape(-1)[f0 * ch:(f0 + b) * ch], out.reshape(-1)[f0 * ch:(f0 + b) * ch]
    if ch == 2:
        for j in range(b):
            os[2 * j] = xs[2 * j] * g[j]
            os[2 * j + 1] = xs[2 * j + 1] * g[j]
    else:
        for j in range(b * ch):
            os[j] = xs[j] * g[j // ch]


@njit(**_JIT)
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
        _scale_frames(x, out, g, f0, b)


def apply_block_gain(audio: np.ndarray, centers: np.ndarray, gains: np.ndarray, period: int) -> np.ndarray:
    """Multiply audio by gains given at sample positions `centers` (ascending), interpolated around a loop."""
    x = np.ascontiguousarray(audio, dtype=np.float32).reshape(len(audio), -1)
    centers, gains = np.asarray(centers, dtype=np.float64), np.asarray(gains, dtype=np.float64)
    out = np.empty_like(x)
    in_halves(lambda lo, hi: _gain_interp(x, centers, gains, float(period), out, lo, hi), len(x))
    return out.reshape(np.shape(audio))


@njit(**_JIT)
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
        _scale_frames(x, out, g, f0, b)


def duck(audio: np.ndarray, kick_samples: np.ndarray, curve: np.ndarray) -> np.ndarray:
    """Scale each sample by curve[samples since the last kick], kicks (sorted, in [0, n)) wrapping round the loop."""
    x = np.ascontiguousarray(audio, dtype=np.float32).reshape(len(audio), -1)
    kicks, curve = np.asarray(kick_samples, dtype=np.int64), np.ascontiguousarray(curve, dtype=np.float32)
    out = np.empty_like(x)
    in_halves(lambda lo, hi: _duck(x, kicks, curve, out, lo, hi), len(x))
    return out.reshape(np.shape(audio))


@njit(**_JIT)
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


@njit(**_JIT)
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


@njit(**_JIT)
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


@njit(**_JIT)
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
                y, p0, p1 = _biquad(np.float64(x[i, c0]), k0, p0, p1)
                y, q0, q1 = _biquad(y, k1, q0, q1)
                e = np.float64(np.float32(y)) ** 2  # the filtered sample as float32, as a filtered copy holds it
                if c1 < ch:
                    y, r0, r1 = _biquad(np.float64(x[i, c1]), k0, r0, r1)
                    y, s0, s1 = _biquad(y, k1, s0, s1)
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


@njit(**_JIT)
def _apply_gain(x, curve, gain, out, lo, hi):
    g = np.empty(GAIN_BLOCK, dtype=np.float32)
    for f0 in range(lo, hi, GAIN_BLOCK):
        b = min(GAIN_BLOCK, hi - f0)
        part = curve[f0:f0 + b]
        for j in range(b):
            g[j] = np.float32(part[j] * gain)
        _scale_frames(x, out, g, f0, b)


def apply_gain(audio: np.ndarray, curve: np.ndarray, gain: float) -> np.ndarray:
    """audio (n, ch) times a per-sample gain curve (n,) times gain, float32, in one pass."""
    x = np.ascontiguousarray(audio, dtype=np.float32).reshape(len(audio), -1)
    curve, out = np.ascontiguousarray(curve, dtype=np.float32), np.empty_like(x)
    in_halves(lambda lo, hi: _apply_gain(x, curve, np.float32(gain), out, lo, hi), len(x))
    return out.reshape(np.shape(audio))


@njit(**_JIT)
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


@njit(**_JIT)
def _largest_step(flat, ch, lo, hi):
    """max |flat[i] - flat[i - ch]| over i in lo..hi (interleaved frames: the step of each channel)."""
    a, b = flat[lo:hi], flat[lo - ch:hi - ch]
    best = np.float32(0.0)
    for k in range(len(a)):
        d = abs(a[k] - b[k])
        best = d if d > best else best
    return best


def largest_step(audio: np.ndarray) -> float:
    """The largest sample-to-sample step of any channel of audio (n, ch), in two halves at once."""
    x = np.ascontiguousarray(audio, dtype=np.float32).reshape(len(audio), -1)
    ch = x.shape[1]
    if len(x) < 2:
        return 0.0
    flat = x.reshape(-1)
    return float(max(in_halves(lambda lo, hi: _largest_step(flat, ch, max(lo, 1) * ch, hi * ch), len(x))))


@njit(**_JIT)
def _largest_abs(flat, lo, hi):
    v = flat[lo:hi]
    best = np.float32(0.0)
    for k in range(len(v)):
        a = abs(v[k])
        best = a if a > best else best
    return best


def largest_abs(audio: np.ndarray) -> float:
    """The largest |sample| of audio (any shape), in two halves at once."""
    flat = np.ascontiguousarray(audio, dtype=np.float32).reshape(-1)
    return float(max(in_halves(lambda lo, hi: _largest_abs(flat, lo, hi), len(flat))))
