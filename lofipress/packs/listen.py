"""Listening to a sound: the pitch of a one-shot (YIN) and the tempo and bars of a loop (onset autocorrelation).

`lofipress pack import` uses these where a file's name says nothing, or to check
what it says. Plain numpy on mono audio; no model, nothing to download.
"""
from __future__ import annotations

import numpy as np

ANALYSIS_SR = 22050  # enough bandwidth for pitch up to C8 and for drum onsets; fast


def detect_pitch(x: np.ndarray, sample_rate: int) -> tuple[float, float]:
    """(MIDI pitch, confidence 0-1) of a one-shot by YIN on frames after the attack.

    Confidence is the frames' median periodicity (1 - YIN's normalized
    difference) times the share of frames that agree within half a semitone.
    """
    w, hop = 2048, 1024  # 93 ms windows at 22.05 kHz: two periods of E1 (41 Hz)
    tau_min = int(sample_rate / 2500)
    starts = range(int(0.03 * sample_rate), max(1, len(x) - 2 * w), hop)[:24]  # skip the attack's noise
    frames = [x[s:s + 2 * w] for s in starts if len(x[s:s + 2 * w]) == 2 * w]
    if not frames:
        return 0.0, 0.0
    rms = np.array([np.sqrt(np.mean(f ** 2)) for f in frames])
    picks, confs = [], []
    for f in (f for f, r in zip(frames, rms) if r > 0.1 * rms.max() and r > 1e-5):
        energy = np.cumsum(np.concatenate([[0.0], f ** 2]))
        corr = np.fft.irfft(np.conj(np.fft.rfft(f[:w], 4 * w)) * np.fft.rfft(f, 4 * w))[: w + 1]
        d = energy[w] + (energy[w:2 * w + 1] - energy[: w + 1]) - 2 * corr  # sum (x_j - x_j+tau)^2, j < w
        cmnd = d * np.arange(w + 1) / np.maximum(np.cumsum(d), 1e-12)
        cmnd[0] = 1.0
        below = np.flatnonzero(cmnd[tau_min:w] < 0.15)
        tau = tau_min + (below[0] if len(below) else int(np.argmin(cmnd[tau_min:w])))
        while tau + 1 < w and cmnd[tau + 1] < cmnd[tau]:
            tau += 1
        a, b, c = cmnd[tau - 1], cmnd[tau], cmnd[tau + 1]
        shift = 0.5 * (a - c) / (a - 2 * b + c) if a - 2 * b + c > 1e-12 else 0.0
        picks.append(69 + 12 * np.log2(sample_rate / (tau + shift) / 440.0))
        confs.append(max(0.0, 1.0 - b))
    if not picks:
        return 0.0, 0.0
    midi = float(np.median(picks))
    agree = float(np.mean(np.abs(np.array(picks) - midi) < 0.5))
    return midi, float(np.median(confs)) * agree


def onset_envelope(x: np.ndarray, sample_rate: int, hop: int = 256) -> np.ndarray:
    """Spectral flux (rise of log magnitude per frame), minus its local mean: a train of drum hits."""
    n_fft = 1024
    pad = np.concatenate([np.zeros(n_fft // 2), x, np.zeros(n_fft)])
    frames = np.lib.stride_tricks.sliding_window_view(pad, n_fft)[::hop]
    mag = np.log1p(100 * np.abs(np.fft.rfft(frames * np.hanning(n_fft), axis=1)))
    flux = np.maximum(0.0, np.diff(mag, axis=0)).sum(axis=1)
    local = np.convolve(flux, np.ones(16) / 16, mode="same")  # 0.19 s at 22.05 kHz
    return np.maximum(0.0, flux - local)


def detect_tempo(x: np.ndarray, sample_rate: int) -> tuple[float, float]:
    """(tempo in BPM, confidence 0-1) of a drum loop: onset autocorrelation, then a whole number of bars.

    Beat-lag candidates 55-140 BPM are scored by the autocorrelation at one,
    two and four beats, weighted toward lo-fi tempos (85 BPM, an octave wide)
    so 8th-note hats do not double the tempo. A tempo within 4 % of one that
    makes the file a whole number of 4/4 bars is snapped to it. Loops above
    about 120 BPM read as half time (and half the bars), where a lo-fi station
    would play them anyway.
    """
    hop = 256
    env = onset_envelope(x[: 32 * sample_rate], sample_rate, hop)  # 32 s hold a dozen bars: plenty, and bounded
    env = env - env.mean()
    n = len(env)
    ac = np.fft.irfft(np.abs(np.fft.rfft(env, 2 * n)) ** 2)[:n]
    ac = ac / np.maximum(np.arange(n, 0, -1), 1) * n / max(ac[0], 1e-12)  # unbiased: divide by the overlap
    fps = sample_rate / hop
    bpms = np.arange(55.0, 140.0, 0.1)

    def at(lag):
        return np.interp(lag, np.arange(n), ac, right=0.0)

    lag = 60.0 * fps / bpms
    score = at(lag) + 0.5 * at(2 * lag) + 0.25 * at(4 * lag)
    prior = np.exp(-0.5 * (np.log2(bpms / 85.0) / 0.5) ** 2)
    best = float(bpms[int(np.argmax(score * prior))])
    confidence = float(np.clip(at(60.0 * fps / best), 0.0, 1.0))
    duration_s = len(x) / sample_rate
    whole = [240.0 * bars / duration_s for bars in (1, 2, 3, 4, 6, 8, 12, 16, 32)]
    near = min(whole, key=lambda b: abs(b / best - 1))
    if abs(near / best - 1) < 0.04:
        return round(near, 2), min(1.0, confidence + 0.25)
    return round(best, 1), confidence


def whole_bars(duration_s: float, tempo_bpm: float) -> tuple[int, float]:
    """(bars, how far the length is from that many 4/4 bars, in bars)."""
    exact = duration_s * tempo_bpm / 240.0
    return max(1, round(exact)), abs(exact - round(exact))
