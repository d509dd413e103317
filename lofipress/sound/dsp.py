"""Compiled inner loops (numba, no fastmath): the plumbing every kernel shares, the recursive filters and the
measures encoding and mastering both take. The stages' own kernels live beside it: dsp_sampler (the
sampler), dsp_noise and dsp_color (the lo-fi chain), dsp_master (loudness, true peak, the limiter).

numpy is fast at whole-array arithmetic but slow at what audio is made of:
recursive filters, fractional delay reads and per-sample envelopes, each of which
numpy (or scipy) runs as several full passes over the track. These kernels do
one pass each, in float64 state with float32 audio, and release the GIL.

No `fastmath`: LLVM keeps IEEE order, so the same input gives the same bytes and
the site stays reproducible. Compiled code is cached beside this module (in
`__pycache__`, like .pyc files) and loaded in milliseconds by later processes.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import njit

JIT = dict(cache=True, nogil=True, error_model="numpy")


@njit(inline="always")
def biquad(x, c, z0, z1):
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


@njit(**JIT)
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
            y, p0, p1 = biquad(np.float64(src[i, c0]), k0, p0, p1)
            if m >= 2:
                y, q0, q1 = biquad(y, k1, q0, q1)
            if m >= 3:
                y, r0, r1 = biquad(y, k2, r0, r1)
            if lap == 1:
                dst[i, c0] = y
            if c1 >= 0:
                y, s0, s1 = biquad(np.float64(src[i, c1]), k0, s0, s1)
                if m >= 2:
                    y, t0, t1 = biquad(y, k1, t0, t1)
                if m >= 3:
                    y, u0, u1 = biquad(y, k2, u0, u1)
                if lap == 1:
                    dst[i, c1] = y


@njit(**JIT)
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


@njit(**JIT)
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


@njit(**JIT)
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


GAIN_BLOCK = 4096  # frames whose gains are worked out before they are applied


@njit(inline="always")
def scale_frames(x, out, g, f0, b):
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
