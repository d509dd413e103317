"""Signals and a tiny sample pack made in code, shared by the audio tests."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

SR = 44100


def sine(freq_hz: float, seconds: float, sample_rate: int = SR, amp: float = 0.5, channels: int = 2) -> np.ndarray:
    """A sine as float32 (n, channels)."""
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    return np.repeat((amp * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)[:, None], channels, axis=1)


def level_db(x: np.ndarray) -> float:
    """RMS level in dBFS."""
    return float(20 * np.log10(np.sqrt(np.mean(np.asarray(x, dtype=np.float64) ** 2)) + 1e-20))


def tone(freq_hz: float, seconds: float, sample_rate: int = SR) -> np.ndarray:
    """A plucked tone with harmonics and a decay: a stand-in for a piano sample."""
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    x = sum(np.sin(2 * np.pi * freq_hz * k * t) / k ** 1.5 for k in (1, 2, 3, 4))
    return (0.4 * x * np.exp(-t / 1.2) * np.minimum(1, t / 0.002)).astype(np.float32)


def peak_hz(x: np.ndarray, sample_rate: int = SR) -> float:
    """Frequency of the strongest spectral peak (parabolic interpolation)."""
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1).mean(axis=1)
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    k = int(np.argmax(spec[1:])) + 1
    a, b, c = np.log(spec[k - 1:k + 2] + 1e-20)
    return (k + 0.5 * (a - c) / (a - 2 * b + c)) * sample_rate / len(x)


GRID = {  # one bar of boom-bap: kick 1 and the "and" of 2, snare 2 and 4, swung 8th hats
    "kick": [110, 0, 0, 0, 0, 0, 0, 0, 0, 0, 90, 0, 0, 0, 0, 0],
    "snare": [0, 0, 0, 0, 100, 0, 0, 0, 0, 0, 0, 0, 100, 0, 0, 0],
    "hat_closed": [70, 0, 50, 0, 70, 0, 50, 0, 70, 0, 50, 0, 70, 0, 50, 0],
}


ROLE_ROOTS = {"keys": (48, 60, 72), "piano": (60, 72), "bass": (36, 48), "lead": (60, 72, 84)}


def make_pack(root: Path, sample_rate: int = SR, roles=tuple(ROLE_ROOTS)) -> Path:
    """Write a small valid pack (sine-ish zones, synthetic kit, a bed and a quote) under root.

    Zone files are named inst/<role>-<root>.wav; `roles` leaves some out (an old pack has no lead).
    """
    root.mkdir(parents=True, exist_ok=True)
    (root / "inst").mkdir(exist_ok=True)
    zones = {role: [] for role in roles}
    for role, roots in ((r, ROLE_ROOTS[r]) for r in roles):
        for r in roots:
            name = f"inst/{role}-{r}.wav"
            sf.write(root / name, tone(440 * 2 ** ((r - 69) / 12), 1.5, sample_rate), sample_rate)
            zones[role].append(f'{{file = "{name}", root = {r}, lo = {r - 6}, hi = {r + 5}}}')
    rng = np.random.default_rng(0)
    t = np.arange(int(0.3 * sample_rate)) / sample_rate
    kick = np.sin(2 * np.pi * (50 + 100 * np.exp(-t / 0.03)) * t) * np.exp(-t / 0.12)
    snare = rng.standard_normal(len(t)) * np.exp(-t / 0.06) * 0.2  # peaks under full scale: a clipped file is refused
    hat = rng.standard_normal(len(t) // 4) * np.exp(-t[: len(t) // 4] / 0.01) * 0.3
    for name, x in (("kick", kick), ("snare", snare), ("hat", hat)):
        sf.write(root / f"{name}.wav", x.astype(np.float32), sample_rate)
    sf.write(root / "rain.wav", (rng.standard_normal((5 * sample_rate, 2)) * 0.1).astype(np.float32), sample_rate)
    sf.write(root / "quote.wav", tone(200, 1.5, sample_rate), sample_rate)
    grid = "\n".join(f"{v} = {steps}" for v, steps in GRID.items())
    instruments = "\n".join(f"[instruments.{role}]\nzones = [{', '.join(z)}]" for role, z in zones.items())
    (root / "pack.toml").write_text(f'''name = "test"
license = "CC0-1.0"
kit = {{kick = "kick.wav", snare = "snare.wav", hat_closed = "hat.wav"}}
ambience = [{{id = "rain", title = "Rain", file = "rain.wav", visual = "rain"}}]
quotes = [{{id = "q1", file = "quote.wav", text = "Hello.", speaker = "Nobody"}}]
credits = [{{file = "inst/", title = "t", author = "a", source = "s", license = "CC0-1.0"}},
           {{file = "kick.wav", title = "t", author = "a", source = "s", license = "CC0-1.0"}},
           {{file = "snare.wav", title = "t", author = "a", source = "s", license = "CC0-1.0"}},
           {{file = "hat.wav", title = "t", author = "a", source = "s", license = "CC0-1.0"}},
           {{file = "rain.wav", title = "t", author = "a", source = "s", license = "CC0-1.0"}},
           {{file = "quote.wav", title = "t", author = "a", source = "s", license = "CC0-1.0"}}]

{instruments}

[patterns.basic]
title = "Basic"
bars = 1
snare_late_ms = 20.0
[patterns.basic.grid]
{grid}
''')
    return root
