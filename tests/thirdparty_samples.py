"""A messy third-party sample folder made in code, as people have them, for `pack import` tests.

Naming styles (C4, c4, Cs4, F#3, Eb3, piano-A1, guitar_60, soft/_v110), a wrong
note name and missing ones, rates 22.05/44.1/48 kHz, mono and stereo, WAV, FLAC,
OGG and MP3, drum one-shots, three drum loops (two with a tempo in their name),
a rain bed, an unnamed noise bed, two quotes (one with a sidecar .txt), a broken
file and junk. Seeded; compressed files go through ffmpeg with bit-exact flags,
so the same seed writes the same bytes.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import butter, resample_poly, sosfilt

CODECS = {".flac": ["-c:a", "flac"], ".ogg": ["-c:a", "libvorbis", "-q:a", "4"],
          ".mp3": ["-c:a", "libmp3lame", "-q:a", "2"]}
QUOTE_TEXT = "Slow down. The rain is keeping time for you."


def midi_hz(midi: float) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


def tone(midi: float, seconds: float, sr: int, timbre: str = "ep", amp: float = 0.5) -> np.ndarray:
    """A pitched one-shot: 'ep' (tine with a bell partial), 'pluck', 'bass' (weak fundamental), 'organ' (odd)."""
    t = np.arange(int(seconds * sr)) / sr
    f = midi_hz(midi)
    partials = {"ep": [(1, 1.0, 1.2), (2, 0.3, 0.6), (3, 0.1, 0.3), (7.1, 0.06, 0.05)],
                "pluck": [(k, 1.0 / k, 1.0 / k) for k in range(1, 9)],
                "bass": [(1, 0.6, 1.5), (2, 1.0, 1.0), (3, 0.5, 0.6), (4, 0.3, 0.4), (5, 0.2, 0.3)],
                "organ": [(k, 1.0 / k, 50.0) for k in (1, 3, 5, 7)]}[timbre]
    x = sum(a * np.sin(2 * np.pi * f * k * t) * np.exp(-t / d) for k, a, d in partials if f * k < sr / 2)
    x = x * np.minimum(1.0, t / 0.004)
    return (amp * x / np.abs(x).max()).astype(np.float32)


def drum(voice: str, sr: int, rng: np.random.Generator) -> np.ndarray:
    """A synthetic drum one-shot for a kit voice (or clap/conga)."""
    length_s = {"kick": 0.5, "ride": 1.2, "hat_open": 0.6}.get(voice, 0.3)
    t = np.arange(int(length_s * sr)) / sr
    noise = rng.standard_normal(len(t))

    def band(x, lo, hi):
        return sosfilt(butter(2, [lo, min(hi, sr / 2 - 100)], "bandpass", fs=sr, output="sos"), x)

    x = {
        "kick": lambda: np.sin(2 * np.pi * np.cumsum(50 + 110 * np.exp(-t / 0.03)) / sr) * np.exp(-t / 0.15),
        "snare": lambda: 0.6 * band(noise, 1500, 8000) * np.exp(-t / 0.07) + 0.4 * np.sin(2 * np.pi * 190 * t)
        * np.exp(-t / 0.05),
        "rim": lambda: band(noise, 1800, 4000) * np.exp(-t / 0.012) + np.sin(2 * np.pi * 820 * t) * np.exp(-t / 0.02),
        "hat_closed": lambda: band(noise, 7000, 10000) * np.exp(-t / 0.02),
        "hat_open": lambda: band(noise, 6000, 10000) * np.exp(-t / 0.2),
        "ride": lambda: band(noise, 3000, 9000) * np.exp(-t / 0.5) + 0.2 * np.sin(2 * np.pi * 3200 * t)
        * np.exp(-t / 0.7),
        "shaker": lambda: band(noise, 5000, 9000) * np.sin(np.pi * np.minimum(1, t / 0.12)) ** 2,
        "clap": lambda: band(noise, 900, 3000) * sum(np.exp(-np.maximum(0, t - d) / 0.01) * (t >= d)
                                                      for d in (0, 0.011, 0.023)),
        "conga": lambda: np.sin(2 * np.pi * 330 * t) * np.exp(-t / 0.12) + 0.2 * band(noise, 200, 900)
        * np.exp(-t / 0.01),
    }[voice]()
    return (0.8 * x / np.abs(x).max()).astype(np.float32)


def drum_loop(tempo_bpm: float, bars: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    """A swung boom-bap loop of exactly `bars` 4/4 bars, its tail wrapped into its start."""
    n = int(round(bars * 240.0 / tempo_bpm * sr))
    step = 60.0 / tempo_bpm / 4
    shots = {v: drum(v, sr, rng) for v in ("kick", "snare", "hat_closed")}
    buf = np.zeros(n + sr, dtype=np.float32)
    for s in range(16 * bars):
        hits = [("kick", 1.0)] if s % 16 in (0, 10) else []
        hits += [("snare", 0.9)] if s % 16 in (4, 12) else []
        hits += [("hat_closed", 0.5 if s % 4 == 0 else 0.3)] if s % 2 == 0 else []
        at = int(round((s * step + (0.08 * step if s % 4 == 2 else 0.0)) * sr))  # a little swing on the off-8ths
        for voice, gain in hits:
            buf[at:at + len(shots[voice])] += gain * shots[voice]
    buf[: len(buf) - n] += buf[n:]
    return 0.7 * buf[:n] / np.abs(buf[:n]).max()


def rain(seconds: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    """Stereo wash of band-passed noise with droplets."""
    n = int(seconds * sr)
    x = sosfilt(butter(2, [400, 6000], "bandpass", fs=sr, output="sos"), rng.standard_normal((n, 2)), axis=0) * 0.3
    for at in rng.integers(0, n - 800, int(30 * seconds)):
        x[at:at + 800] += 0.3 * np.sin(2 * np.pi * rng.uniform(1500, 4000) * np.arange(800) / sr)[:, None] \
            * np.exp(-np.arange(800) / 60)[:, None]
    return (0.5 * x / np.abs(x).max()).astype(np.float32)


def voice(text: str, sr: int, rng: np.random.Generator) -> np.ndarray:
    """Speech from espeak-ng when installed, else a voice-like buzz (120 Hz, syllables at 4 Hz)."""
    if shutil.which("espeak-ng"):
        wav = subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "--stdout", text], check=True,
                             capture_output=True).stdout
        import io

        x, rate = sf.read(io.BytesIO(wav), dtype="float32")
        return (0.6 * resample_poly(x, sr, rate) / np.abs(x).max()).astype(np.float32)
    t = np.arange(int(2.5 * sr)) / sr
    buzz = sum(np.sin(2 * np.pi * 120 * k * t) / k for k in range(1, 20)) * (0.5 + 0.5 * np.sin(2 * np.pi * 4 * t))
    y = sosfilt(butter(2, [300, 3400], "bandpass", fs=sr, output="sos"), buzz + 0.05 * rng.standard_normal(len(t)))
    return (0.6 * y / np.abs(y).max()).astype(np.float32)  # under full scale, as a recorded voice would be


def write_audio(path: Path, x: np.ndarray, sr: int, channels: int = 1) -> None:
    """WAV through soundfile; FLAC, OGG and MP3 through ffmpeg with bit-exact flags."""
    import imageio_ffmpeg

    x = np.asarray(x, dtype=np.float32).reshape(len(x), -1)
    x = np.repeat(x[:, :1], channels, axis=1) if x.shape[1] < channels else x[:, :channels]
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".wav":
        sf.write(str(path), x, sr, subtype="PCM_16")
        return
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-v", "error", "-y", "-f", "f32le", "-ar", str(sr),
                    "-ac", str(channels), "-i", "pipe:0", *CODECS[path.suffix], "-fflags", "+bitexact",
                    "-flags:a", "+bitexact", "-map_metadata", "-1", str(path)], input=x.tobytes(), check=True)


TONES = {  # name: (true MIDI root, timbre, seconds, rate, channels, velocity-ish amplitude)
    "Keys/C3.wav": (48, "ep", 1.2, 44100, 1, 0.5),
    "Keys/Eb3.flac": (51, "ep", 1.2, 48000, 2, 0.5),
    "Keys/F#3.ogg": (54, "ep", 1.2, 22050, 1, 0.5),
    "Keys/a3 soft.wav": (57, "ep", 1.2, 44100, 2, 0.25),
    "Keys/A3_v110.wav": (57, "ep", 1.2, 44100, 2, 0.6),
    "Keys/c4.mp3": (60, "ep", 1.2, 44100, 2, 0.5),
    "Keys/G4.wav": (69, "ep", 1.2, 44100, 1, 0.5),  # WRONG name: it sounds A4
    "Keys/mystery.wav": (64, "organ", 1.2, 48000, 1, 0.5),  # no name: E4
    "Keys/untitled 2.flac": (71, "pluck", 1.2, 22050, 2, 0.5),  # no name: B4 (the 2 is a take number)
    "piano-A1.mp3": (33, "pluck", 1.5, 44100, 1, 0.5),
    "piano-Db4.ogg": (61, "pluck", 1.5, 48000, 2, 0.5),
    "Piano_C5.flac": (72, "pluck", 1.5, 22050, 1, 0.5),
    "bass/Bass_E1.wav": (28, "bass", 1.5, 44100, 1, 0.5),
    "bass/BASS A1.flac": (33, "bass", 1.5, 22050, 2, 0.5),
    "bass/Cs2.mp3": (37, "bass", 1.5, 44100, 1, 0.5),
    "bass/bass_40.wav": (40, "bass", 1.5, 48000, 1, 0.5),
    "guitar_60.wav": (60, "pluck", 1.2, 44100, 1, 0.5),
    "guitar_64.wav": (64, "pluck", 1.2, 44100, 1, 0.5),
}
DRUMS = {  # name: (voice sound, rate, channels)
    "Drums/Kick 01.wav": ("kick", 44100, 1), "Drums/snare_tight.flac": ("snare", 48000, 1),
    "Drums/HH closed.wav": ("hat_closed", 22050, 1), "Drums/hat_OPEN.ogg": ("hat_open", 44100, 2),
    "Drums/rimshot.wav": ("rim", 44100, 1), "Drums/Ride.mp3": ("ride", 44100, 2),
    "Drums/Shaker.wav": ("shaker", 48000, 1), "Drums/clap.wav": ("clap", 44100, 1),
    "Drums/perc_conga.flac": ("conga", 44100, 1),
}
LOOPS = {  # name: (tempo, bars, rate, channels)
    "Loops/lazy 85bpm.wav": (85.0, 2, 44100, 2), "Loops/drumloop80_2.mp3": (80.0, 2, 44100, 2),
    "Loops/dusty break.flac": (88.0, 2, 48000, 2),  # no tempo in the name
}


def write_thirdparty_folder(root: Path, seed: int = 7) -> dict[str, dict]:
    """Write the messy folder under root; returns the truth per relative path (kind and what it is)."""
    rng = np.random.default_rng(seed)
    truth: dict[str, dict] = {}
    for rel, (midi, timbre, seconds, sr, ch, amp) in TONES.items():
        write_audio(root / rel, tone(midi, seconds, sr, timbre, amp), sr, ch)
        truth[rel] = {"kind": "zone", "root": midi}
    for rel, (sound, sr, ch) in DRUMS.items():
        write_audio(root / rel, drum(sound, sr, rng), sr, ch)
        truth[rel] = {"kind": "kit", "voice": sound}
    for rel, (bpm, bars, sr, ch) in LOOPS.items():
        write_audio(root / rel, drum_loop(bpm, bars, sr, rng), sr, ch)
        truth[rel] = {"kind": "loop", "tempo_bpm": bpm, "bars": bars}
    write_audio(root / "FX/rain_window.ogg", rain(8.0, 44100, rng), 44100, 2)
    truth["FX/rain_window.ogg"] = {"kind": "ambience", "visual": "rain"}
    hiss = sosfilt(butter(1, 2000, "lowpass", fs=32000, output="sos"), rng.standard_normal((int(9 * 32000), 2)), axis=0)
    write_audio(root / "FX/texture_01.wav", (0.2 * hiss / np.abs(hiss).max()).astype(np.float32), 32000, 2)
    truth["FX/texture_01.wav"] = {"kind": "ambience"}  # no word in the name: a long noisy file
    write_audio(root / "Voice/quote_night.wav", voice(QUOTE_TEXT, 44100, rng), 44100, 1)
    (root / "Voice/quote_night.txt").write_text(QUOTE_TEXT + "\n")
    truth["Voice/quote_night.wav"] = {"kind": "quote", "text": QUOTE_TEXT}
    write_audio(root / "Voice/speech 2.ogg", voice("Take a breath.", 22050, rng), 22050, 1)
    truth["Voice/speech 2.ogg"] = {"kind": "quote"}
    (root / "Drums/broken.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEjunk" * 8)
    truth["Drums/broken.wav"] = {"kind": "skip"}
    (root / "README.txt").write_text("Sounds I made on a rainy weekend. Have fun with them!\n")
    (root / ".DS_Store").write_bytes(bytes(rng.integers(0, 256, 64, dtype=np.uint8)))
    return truth
