"""Loudness and true peak: BS.1770 integrated loudness, 4x true peak, and a loop-safe true-peak limiter.

Loudness is BS.1770-4: K-weighting (a high shelf and the RLB high-pass), 400 ms
blocks every 100 ms, the absolute (-70 LUFS) and relative (-10 LU) gates. It is
written here on 100 ms segment energies, so one call costs one filter pass
(checked against pyloudnorm in the tests). True peak is the largest sample of
the signal oversampled 4x (annex 2), computed exactly only where a cheap bound
says it could matter. The limiter looks ahead on the 4x peaks and its gain curve
wraps around the loop, so mastering keeps the seam intact.
"""
from __future__ import annotations

import functools
import numpy as np
from scipy.signal import firwin

from . import dsp, dsp_master

OVERSAMPLE = 4  # BS.1770-4 true-peak meters oversample 4x at 44.1/48 kHz
LOOKAHEAD_S = 0.004  # the limiter's gain reaches its floor before the peak: no overshoot, little distortion
RELEASE_S = 0.06  # holds the reduced gain this long after a peak before recovering: less distortion
HEADROOM_DB = 0.3  # aim this far under the ceiling: the 4x meter can miss a little between samples
SILENCE_LUFS = -70.0  # BS.1770's absolute gate: below it, loudness is undefined
BLOCK_S, HOP_S = 0.4, 0.1  # BS.1770 gating blocks: 400 ms, overlapping by 75 %
RELATIVE_GATE_LU = 10.0
# K-weighting as analog filters whose bilinear transform gives BS.1770's 48 kHz coefficients:
# a +4 dB high shelf (the head's diffraction) and the RLB high-pass
SHELF_HZ, SHELF_DB, SHELF_Q, SHELF_VB_EXP = 1681.974450955533, 3.999843853973347, 0.7071752369554196, 0.4996667741545416
RLB_HZ, RLB_Q = 38.13547087602444, 0.5003270373238773


@functools.lru_cache(maxsize=4)
def _phases(taps_per_phase: int = 12) -> np.ndarray:
    """Polyphase branches of a 4x interpolation low-pass (Kaiser, like resample_poly's default design)."""
    h = firwin(OVERSAMPLE * taps_per_phase, 1.0 / OVERSAMPLE, window=("kaiser", 5.0)) * OVERSAMPLE
    return h.reshape(taps_per_phase, OVERSAMPLE).T[:, ::-1].astype(np.float32)


def true_peak_per_sample(audio: np.ndarray, floor: float = 0.0) -> np.ndarray:
    """Largest |value| of the 4x oversampled signal around each original sample, over channels.

    The same interpolation as `resample_poly(x, 4, 1)`, written as four short
    polyphase filters that wrap round the loop (its seam counts). An interpolated
    value is at most sum|h| times the largest sample under the filter, so only
    samples whose bound exceeds `floor` are interpolated; the others get the
    bound itself (which is <= floor). With floor 0 every value is exact; with
    floor = the largest sample value, the maximum is still exact.
    """
    return dsp_master.true_peak(audio, _phases(), floor)


@functools.lru_cache(maxsize=8)
def _k_weighting(sample_rate: int) -> np.ndarray:
    """BS.1770 K-weighting as two biquads at any rate (bilinear transform of the analog filters).

    At 48 kHz these are the coefficients printed in BS.1770-4 (tested).
    """
    k = np.tan(np.pi * SHELF_HZ / sample_rate)
    vh = 10 ** (SHELF_DB / 20)
    vb = vh ** SHELF_VB_EXP
    a0 = 1 + k / SHELF_Q + k * k
    shelf = [(vh + vb * k / SHELF_Q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / SHELF_Q + k * k) / a0,
             1.0, 2 * (k * k - 1) / a0, (1 - k / SHELF_Q + k * k) / a0]
    k = np.tan(np.pi * RLB_HZ / sample_rate)
    a0 = 1 + k / RLB_Q + k * k
    highpass = [1.0, -2.0, 1.0, 1.0, 2 * (k * k - 1) / a0, (1 - k / RLB_Q + k * k) / a0]
    return np.array([shelf, highpass], dtype=np.float64)


def _gated_lufs(seg: np.ndarray) -> float:
    """BS.1770-4 integrated loudness from 100 ms segment energies (K-weighted, channels summed)."""
    per_block = int(round(BLOCK_S / HOP_S))
    if len(seg) < per_block:
        return SILENCE_LUFS * 2
    blocks = np.convolve(seg, np.full(per_block, 1.0 / per_block), mode="valid")
    with np.errstate(divide="ignore"):
        block_lufs = -0.691 + 10 * np.log10(blocks)
        kept = blocks[block_lufs > SILENCE_LUFS]
        if len(kept) == 0:
            return SILENCE_LUFS * 2
        relative = -0.691 + 10 * np.log10(kept.mean()) - RELATIVE_GATE_LU
        kept = blocks[(block_lufs > SILENCE_LUFS) & (block_lufs > relative)]
        return float(-0.691 + 10 * np.log10(kept.mean()))


def _k_energy(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """K-weighted energy of every sample, channels summed (BS.1770 weighs L and R by 1)."""
    return dsp_master.weighted_energy(_k_weighting(sample_rate), np.asarray(audio).reshape(len(audio), -1))


def _hop(sample_rate: int) -> int:
    return int(round(HOP_S * sample_rate))


def _segments(energy: np.ndarray, sample_rate: int) -> np.ndarray:
    """Mean energy of every whole 100 ms segment."""
    return dsp_master.segment_energy(energy, _hop(sample_rate))


def loudness(audio: np.ndarray, sample_rate: int) -> float:
    """BS.1770-4 integrated loudness in LUFS; very quiet or short audio gives -140.

    Every 400 ms block is four 100 ms segments, so the block energies are sums of
    segment energies: one K-weighting pass and a few small arrays.
    """
    if len(audio) < BLOCK_S * sample_rate:
        return SILENCE_LUFS * 2
    return _gated_lufs(_segments(_k_energy(audio, sample_rate), sample_rate))


def measure(audio: np.ndarray, sample_rate: int) -> dict:
    """{'lufs': integrated loudness (BS.1770), 'true_peak_dbtp': 4x-oversampled peak in dBTP}."""
    x = np.asarray(audio, dtype=np.float32).reshape(len(audio), -1)
    if not len(x):
        return {"lufs": SILENCE_LUFS * 2, "true_peak_dbtp": -200.0}
    lufs = loudness(x, sample_rate)  # each pass runs in two halves at once
    peak = float(true_peak_per_sample(x, dsp.largest_abs(x)).max())
    return {"lufs": lufs, "true_peak_dbtp": float(20 * np.log10(peak)) if peak > 0 else -200.0}


def _limiter_gain(peak: np.ndarray, gain: float, sample_rate: int, ceiling_dbtp: float) -> np.ndarray | None:
    """Per-sample gain that keeps every 4x peak (times gain) under the ceiling, or None where none is needed.

    The gain reaches its floor before each peak (look-ahead) and holds it for
    RELEASE_S after; two box smoothings of +-LOOKAHEAD_S stay inside that window,
    so the gain at every peak is still low enough, and the ramps have no clicks.
    """
    ceiling = 10 ** ((ceiling_dbtp - HEADROOM_DB) / 20)
    if float(peak.max()) * gain <= ceiling:
        return None
    ahead = max(1, int(LOOKAHEAD_S * sample_rate))
    hold = max(2 * ahead, int(RELEASE_S * sample_rate))
    return dsp_master.peak_limiter_gain(peak, gain, ceiling, hold, 2 * ahead + 2, ahead)


def master(audio: np.ndarray, sample_rate: int, target_lufs: float, ceiling_dbtp: float) -> np.ndarray:
    """Bring a loop to target_lufs integrated with true peak under ceiling_dbtp.

    Gain to target, limit, re-measure and correct until within 0.05 LU (the
    limiter only touches the loudest few milliseconds, so this converges fast).

    Args:
        audio: float (n, channels) loop.
        sample_rate: its rate in Hz.
        target_lufs: integrated loudness to reach.
        ceiling_dbtp: true-peak ceiling.
    Returns:
        float32 array of the same shape. Silence is returned as it is.
    """
    x = np.asarray(audio, dtype=np.float32)
    if len(x) < BLOCK_S * sample_rate:
        return x
    # The limiter's gain moves slowly next to K-weighting's filters, so the loudness of x * gain is
    # the K-weighted energy of x times gain^2: one filter pass serves every round.
    energy, hop = _k_energy(x, sample_rate), _hop(sample_rate)
    plain = dsp_master.segment_energy(energy, hop, scale=hop)  # segment sums: rounds copy those the limiter leaves alone
    now = _gated_lufs(plain / hop)
    if now <= SILENCE_LUFS:
        return x
    gain_db = target_lufs - now
    # True peak is linear in gain: measure once and scale it each round. Values the limiter could
    # never act on (even 6 dB louder than the first guess) are only bounded, not interpolated.
    ceiling = 10 ** ((ceiling_dbtp - HEADROOM_DB) / 20)
    most_gain_db = gain_db + 6.0
    peak = true_peak_per_sample(x, ceiling / 10 ** (most_gain_db / 20))
    for _ in range(8):  # usually done in two rounds; heavy limiting needs more
        if gain_db > most_gain_db:  # a sparse, peaky loop can need more; stay exact if it does
            most_gain_db, peak = gain_db, true_peak_per_sample(x)
        linear = 10 ** (gain_db / 20)
        gain = np.float32(linear)
        curve = _limiter_gain(peak, gain, sample_rate, ceiling_dbtp)  # the curve holds for this gain only
        if curve is None:
            break  # no limiting: loudness is exactly on target
        lufs = _gated_lufs(dsp_master.segment_energy(energy, hop, curve, linear * linear, plain))
        if abs(target_lufs - lufs) < 0.05:
            break
        gain_db += target_lufs - lufs
    if curve is None:
        return (x * gain).astype(np.float32, copy=False)
    return dsp_master.apply_gain(x, curve, gain)
