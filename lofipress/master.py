"""Loudness and true peak: BS.1770 integrated loudness (pyloudnorm) and a loop-safe true-peak limiter.

True peak is the largest sample of the signal oversampled 4x (BS.1770 annex 2);
pyloudnorm gives loudness only. The limiter looks ahead on the 4x peaks and its
gain curve wraps around the loop, so mastering keeps the seam intact.
"""
from __future__ import annotations

import functools

import numpy as np
import pyloudnorm
from scipy.ndimage import correlate1d, minimum_filter1d, uniform_filter1d
from scipy.signal import firwin

OVERSAMPLE = 4  # BS.1770-4 true-peak meters oversample 4x at 44.1/48 kHz
LOOKAHEAD_S = 0.004  # the limiter's gain reaches its floor before the peak: no overshoot, little distortion
RELEASE_S = 0.06  # holds the reduced gain this long after a peak before recovering: less distortion
HEADROOM_DB = 0.3  # aim this far under the ceiling: the 4x meter can miss a little between samples
SILENCE_LUFS = -70.0  # BS.1770's absolute gate: below it, loudness is undefined


@functools.lru_cache(maxsize=4)
def _phases(taps_per_phase: int = 12) -> np.ndarray:
    """Polyphase branches of a 4x interpolation low-pass (Kaiser, like resample_poly's default design)."""
    h = firwin(OVERSAMPLE * taps_per_phase, 1.0 / OVERSAMPLE, window=("kaiser", 5.0)) * OVERSAMPLE
    return h.reshape(taps_per_phase, OVERSAMPLE).T[:, ::-1].astype(np.float32)


def true_peak_per_sample(audio: np.ndarray) -> np.ndarray:
    """Largest |value| of the 4x oversampled signal around each original sample, over channels.

    The same interpolation as `resample_poly(x, 4, 1)` written as four short
    polyphase filters, which is several times faster on long loops.
    """
    x = np.asarray(audio, dtype=np.float32).reshape(len(audio), -1)
    peak = np.zeros(len(x), dtype=np.float32)
    for c in range(x.shape[1]):
        col = np.ascontiguousarray(x[:, c])
        for branch in _phases():
            y = correlate1d(col, branch, mode="wrap")  # wrap: a loop's true peak includes its seam
            np.maximum(peak, np.abs(y), out=peak)
    return peak


def loudness(audio: np.ndarray, sample_rate: int) -> float:
    """BS.1770 integrated loudness in LUFS (pyloudnorm); very quiet or short audio gives -140."""
    x = np.asarray(audio, dtype=np.float64).reshape(len(audio), -1)
    if len(x) < 0.4 * sample_rate:
        return SILENCE_LUFS * 2
    with np.errstate(divide="ignore"):
        lufs = float(pyloudnorm.Meter(sample_rate).integrated_loudness(x))
    return lufs if np.isfinite(lufs) else SILENCE_LUFS * 2


def measure(audio: np.ndarray, sample_rate: int) -> dict:
    """{'lufs': integrated loudness (BS.1770), 'true_peak_dbtp': 4x-oversampled peak in dBTP}."""
    x = np.asarray(audio, dtype=np.float32).reshape(len(audio), -1)
    peak = float(true_peak_per_sample(x).max()) if len(x) else 0.0
    return {"lufs": loudness(x, sample_rate), "true_peak_dbtp": float(20 * np.log10(peak)) if peak > 0 else -200.0}


def limit(audio: np.ndarray, sample_rate: int, ceiling_dbtp: float, peak: np.ndarray | None = None) -> np.ndarray:
    """Look-ahead true-peak limiter: gain never lets a 4x-oversampled peak pass the ceiling.

    peak: true_peak_per_sample(audio) if already known (it scales with gain, so master() computes it once).
    """
    x = audio.reshape(len(audio), -1)
    peak = true_peak_per_sample(x) if peak is None else peak
    ceiling = 10 ** ((ceiling_dbtp - HEADROOM_DB) / 20)
    need = np.minimum(1.0, ceiling / np.maximum(peak, 1e-12))
    if need.min() >= 1.0:
        return audio
    ahead = max(1, int(LOOKAHEAD_S * sample_rate))
    hold = max(2 * ahead, int(RELEASE_S * sample_rate))
    span = 2 * ahead + 2 + hold  # min over [k - hold, k + 2*ahead]: see each peak early, let go late
    span += span % 2
    centered = minimum_filter1d(need, size=span + 1, mode="wrap")
    gain = np.roll(centered, (hold - 2 * ahead - 2) // 2)
    # two box smoothings of +-ahead each reach at most 2*ahead away, inside the min window: the gain at
    # every peak stays <= need there, and the ramps are smooth (no clicks)
    for _ in range(2):
        gain = uniform_filter1d(gain, size=2 * ahead + 1, mode="wrap")
    return (x * gain[:, None]).astype(np.float32).reshape(audio.shape)


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
    now = loudness(x, sample_rate)
    if now <= SILENCE_LUFS:
        return x
    gain_db = target_lufs - now
    peak = true_peak_per_sample(x)  # true peak is linear in gain: measure once, scale per round
    out = x
    for _ in range(5):  # usually done in two rounds; heavy limiting needs more
        gain = np.float32(10 ** (gain_db / 20))
        out = limit(x * gain, sample_rate, ceiling_dbtp, peak * gain)
        error = target_lufs - loudness(out, sample_rate)
        if abs(error) < 0.05:
            break
        gain_db += error
    return out
