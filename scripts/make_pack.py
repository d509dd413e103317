"""Regenerate samples/default (or a variant): FluidR3 instruments and kit, procedural ambience, spoken quotes.

Needs fluidsynth, fluid-soundfont-gm and espeak-ng (Debian); the build itself
never runs this. Deterministic: fixed seeds, fixed MIDI, fixed text.

    .venv/bin/python scripts/make_pack.py [--variant nightcap] [OUT_DIR]
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import butter, sosfilt

from lofipress.packs.balance import balancing_gains, pack_of_zones
from lofipress.packs.importer import PATTERNS, RENDER_SR as SR, pack_toml
from lofipress.packs.soundfont import INSTRUMENTS, KIT, make_instruments, make_kit, write_ogg

QUOTES = [
    ("walden-stream", "Time is but the stream I go a-fishing in.", "Henry David Thoreau, Walden (1854)"),
    ("walden-woods", "I went to the woods because I wished to live deliberately, to front only the essential "
     "facts of life.", "Henry David Thoreau, Walden (1854)"),
    ("whitman-loafe", "I loafe and invite my soul. I lean and loafe at my ease, observing a spear of summer grass.",
     "Walt Whitman, Song of Myself (1855)"),
    ("dickinson-hope", "Hope is the thing with feathers that perches in the soul, and sings the tune without the "
     "words, and never stops at all.", "Emily Dickinson, poem 254 (published 1891)"),
]
BEDS = [("rain", "Rain on the window", "rain"), ("fire", "Fireplace", "fire"), ("wind", "Wind in the trees", "wind"),
        ("water", "Creek", "water")]
BED_S = 24.0  # >= 20 s: render.render_ambience makes a shorter bed cyclic and crossfades the loop seam


def _sos(kind, freq, order=2):
    return butter(order, freq, kind, fs=SR, output="sos")


def _smooth_noise(rng, n, rate_hz):
    """Slow random control signal in 0..1 (gusts, swells)."""
    knots = rng.uniform(0, 1, int(n / SR * rate_hz) + 2)
    return np.interp(np.arange(n), np.linspace(0, n, len(knots)), knots)


def _events(rng, n, per_s, length_s, freq_lo, freq_hi, decay_s):
    """Random short resonant blips (droplets, crackles, babble), stereo placed."""
    out = np.zeros((n + int(length_s * SR), 2))
    k = np.arange(int(length_s * SR)) / SR
    for _ in range(rng.poisson(per_s * n / SR)):
        at = rng.integers(0, n)
        f = rng.uniform(freq_lo, freq_hi) * np.exp(-k / rng.uniform(0.01, 0.05) * 0.3)  # slight downward chirp
        blip = np.sin(2 * np.pi * np.cumsum(f) / SR) * np.exp(-k / (decay_s * rng.uniform(0.5, 1.5)))
        pan = rng.uniform(0.15, 0.85)
        out[at:at + len(k)] += rng.lognormal(0, 0.6) * blip[:, None] * [1 - pan, pan]
    return out[:n]


def make_bed(kind: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(BED_S * SR)
    white = rng.standard_normal((n, 2))
    if kind == "rain":
        wash = sosfilt(_sos("bandpass", [400, 6000]), white, axis=0) * 0.3
        drops = _events(rng, n, 40, 0.03, 1500, 4500, 0.004) * 0.25
        x = wash + sosfilt(_sos("highpass", 800), drops, axis=0)
    elif kind == "fire":
        rumble = sosfilt(_sos("lowpass", 300), white, axis=0) * (0.6 + 0.4 * _smooth_noise(rng, n, 0.7))[:, None]
        crackle = sosfilt(_sos("highpass", 1500), _events(rng, n, 7, 0.01, 2000, 6000, 0.0015), axis=0) * 0.7
        pops = _events(rng, n, 0.6, 0.05, 300, 900, 0.01) * 0.5
        x = rumble * 0.8 + crackle + pops
    elif kind == "crickets":  # a summer night: chirp trains of a 4.6 kHz carrier over a faint low hum
        t = np.arange(n) / SR
        x = sosfilt(_sos("lowpass", 200), white, axis=0) * 0.15
        for rate_hz, phase, pan in ((0.9, 0.0, 0.3), (0.7, 0.4, 0.75), (1.1, 0.7, 0.5)):
            trains = (((t * rate_hz + phase) % 1.0) < 0.25) * (np.sin(2 * np.pi * 30 * t) > 0)  # 30 pulses/s
            chirp = np.sin(2 * np.pi * rng.uniform(4300, 4900) * t) * sosfilt(_sos("lowpass", 120), trains * 1.0)
            x += 0.2 * chirp[:, None] * [1 - pan, pan]
    elif kind == "wind":
        gust = _smooth_noise(rng, n, 0.25) ** 2
        low = sosfilt(_sos("bandpass", [150, 900]), white, axis=0)
        high = sosfilt(_sos("bandpass", [900, 3000]), white, axis=0)
        x = low * (0.2 + gust)[:, None] + high * (0.05 + 0.5 * gust ** 2)[:, None]
    else:  # water: a creek, broadband wash with babbling resonant bubbles
        wash = sosfilt(_sos("bandpass", [200, 3000]), white, axis=0) * (0.5 + 0.3 * _smooth_noise(rng, n, 1.5))[:, None]
        babble = _events(rng, n, 60, 0.04, 300, 1400, 0.012) * 0.3
        x = wash * 0.5 + babble
    return (x / np.abs(x).max() * 0.5).astype(np.float32)


def make_quote(text: str, work: Path, voice: tuple = ("en-us", "140", "40")) -> np.ndarray:
    wav = work / "q.wav"
    subprocess.run(["espeak-ng", "-v", voice[0], "-s", voice[1], "-p", voice[2], "-w", str(wav), text], check=True)
    x, sr = sf.read(str(wav), dtype="float64")
    from scipy.signal import resample_poly

    x = resample_poly(x, SR, sr) if sr != SR else x
    x = sosfilt(_sos("bandpass", [300, 3400], 4), x)  # an old radio: telephone band
    x = np.tanh(3 * x / np.abs(x).max()) / np.tanh(3)  # light valve saturation
    pad = np.zeros(int(0.2 * SR))
    x = np.concatenate([pad, x, pad])
    return (0.7 * x / np.abs(x).max()).astype(np.float32)


def main(out: Path, variant: str = "default") -> None:
    v = {"name": "default", "instruments": INSTRUMENTS, "kit": KIT, "kit_program": 0, "quotes": QUOTES,
         "voice": ("en-us", "140", "40"), "beds": BEDS, "bed_seed": 100, "patterns": PATTERNS,
         "license": LICENSE_TEXT, **VARIANTS.get(variant, {})}
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        instruments = make_instruments(out, work, v["instruments"])
        kit = make_kit(out, work, v["kit"], v["kit_program"])
        for qid, text, _ in v["quotes"]:
            write_ogg(out / f"quotes/{qid}.ogg", make_quote(text, work, v["voice"]), 0.3)
    for seed, (bid, _, _) in enumerate(v["beds"]):
        write_ogg(out / f"ambience/{bid}.ogg", make_bed(bid, v["bed_seed"] + seed), 0.3)
    fluid = {"title": "FluidR3 GM SoundFont", "author": "Frank Wen",
             "source": "https://packages.debian.org/fluid-soundfont-gm", "license": "MIT"}
    procedural = {"author": "lofipress (scripts/make_pack.py)", "source": "made procedurally in numpy",
                  "license": "CC0-1.0"}
    credits = [{"file": f"{d}/", **fluid} for d in (*v["instruments"], "kit")]
    credits += [{"file": f"ambience/{b}.ogg", "title": t, **procedural} for b, t, _ in v["beds"]]
    credits += [{"file": f"quotes/{q}.ogg", "title": f"{s} (text public domain), read by espeak-ng",
                 "author": "lofipress (espeak-ng voice)", "source": f"espeak-ng {v['voice'][0]}, radio filter",
                 "license": "CC0-1.0"} for q, _, s in v["quotes"]]
    quotes = [{"id": q, "file": f"quotes/{q}.ogg", "text": text, "speaker": s} for q, text, s in v["quotes"]]
    beds = [{"id": b, "title": t, "file": f"ambience/{b}.ogg", "visual": vis} for b, t, vis in v["beds"]]
    text = pack_toml(["# Generated by scripts/make_pack.py; edit that script, not this file."], v["name"],
                     "MIT (FluidR3 instruments and kit) and CC0-1.0 (ambience, spoken quotes)", credits, quotes, beds,
                     instruments=instruments, kit=kit, patterns=v["patterns"],
                     gains=balancing_gains(pack_of_zones(out, instruments)))
    (out / "pack.toml").write_text(text)
    (out / "LICENSE.md").write_text(v["license"])


LICENSE_TEXT = """# samples/default: licenses

- keys/, piano/, bass/, lead/, kit/: rendered with FluidSynth from the FluidR3 GM SoundFont by Frank Wen
  (Debian package fluid-soundfont-gm), released under the MIT license:
  Copyright (c) 2000-2002, 2008, 2012 Frank Wen <getfrank@gmail.com>. Permission is hereby granted, free of
  charge, to any person obtaining a copy of this software and associated documentation files, to deal in the
  Software without restriction, including without limitation the rights to use, copy, modify, merge, publish,
  distribute, sublicense, and/or sell copies of the Software, subject to the condition that the above
  copyright notice and this permission notice be included in all copies or substantial portions of the
  Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND.
- ambience/: synthesized procedurally by scripts/make_pack.py; CC0-1.0 (public domain dedication).
- quotes/: spoken by espeak-ng and filtered by scripts/make_pack.py; CC0-1.0. The texts are in the public
  domain: Henry David Thoreau, Walden (1854); Walt Whitman, Song of Myself (1855); Emily Dickinson,
  "Hope is the thing with feathers" (poem 254, first published 1891).
"""

NIGHTCAP_LICENSE = LICENSE_TEXT.replace("samples/default", "samples/nightcap").replace(
    "keys/, piano/, bass/, lead/, kit/",
    "keys/ (vibraphone), piano/ (nylon guitar), bass/ (fretless), lead/ (flute), kit/ (brush kit)").replace(
    """Henry David Thoreau, Walden (1854); Walt Whitman, Song of Myself (1855); Emily Dickinson,
  "Hope is the thing with feathers" (poem 254, first published 1891).""",
    """Henry Wadsworth Longfellow, "The Day Is Done" (1844); Ralph Waldo Emerson, Nature (1836);
  Henry David Thoreau, Walden (1854).""")
VARIANTS = {  # a second station's pack: same recipe, audibly other instruments, kit, beds and voice
    "nightcap": {
        "name": "nightcap",
        "instruments": {"keys": (11, 48, 84),  # Vibraphone: soft mallets instead of Rhodes tines
                        "piano": (24, 40, 82),  # Acoustic Guitar (nylon): the melody's voice before the lead
                        "bass": (35, 28, 55),  # Fretless Bass
                        # Flute sings the melody, breathy over the mallets; FluidR3's flute is about 11 dB louder
                        # than its vibraphone, so its files are rendered 11 dB down to sit over the keys, not on them
                        "lead": (73, 60, 84, -11.0)},
        "kit": {"kick": (36, 0.6), "snare": (38, 0.6), "rim": (37, 0.3), "hat_closed": (42, 0.3),
                "ride": (51, 1.5), "shaker": (40, 0.8)},  # the Brush kit's note 40 is a brush swirl
        "kit_program": 40,  # GM Brush kit
        "quotes": [
            ("longfellow-night", "And the night shall be filled with music.",
             "Henry Wadsworth Longfellow, The Day Is Done (1844)"),
            ("emerson-woods", "In the woods, we return to reason and faith.", "Ralph Waldo Emerson, Nature (1836)"),
            ("walden-wildness", "We need the tonic of wildness.", "Henry David Thoreau, Walden (1854)"),
        ],
        "voice": ("en-gb-x-rp", "125", "28"),  # slower and lower than the default station's reader
        "beds": [("crickets", "Summer night", "night"), ("rain", "Slow rain", "rain")],
        "bed_seed": 300,
        "patterns": {
            "brushes": ("Brushes", 0.62, 30.0, {
                "kick": [100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 80, 0, 0, 0, 0, 0],
                "snare": [0, 0, 0, 0, 92, 0, 0, 0, 0, 0, 0, 0, 92, 0, 0, 0],
                "shaker": [60, 0, 0, 0, 0, 0, 0, 0, 60, 0, 0, 0, 0, 0, 0, 0]}),
            "ride-slow": ("Slow ride", 0.64, 24.0, {
                "kick": [96, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                "rim": [0, 0, 0, 0, 84, 0, 0, 0, 0, 0, 0, 0, 84, 0, 0, 0],
                "ride": [70, 0, 0, 0, 60, 0, 0, 44, 70, 0, 0, 0, 60, 0, 0, 44]}),
        },
        "license": NIGHTCAP_LICENSE,
    },
}

if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="Regenerate a sample pack (needs fluidsynth, fluid-soundfont-gm, espeak-ng).")
    ap.add_argument("out_dir", nargs="?", help="pack folder to write (default: samples/<variant>)")
    ap.add_argument("--variant", default="default", choices=["default", *VARIANTS])
    args = ap.parse_args()
    default_out = Path(__file__).resolve().parent.parent / "samples" / args.variant
    main(Path(args.out_dir) if args.out_dir else default_out, args.variant)
