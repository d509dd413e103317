"""A fake "press" (what the pipeline hands to `site.write_site`) with short real MP3s.

Site and browser tests use it instead of a full build. MP3s are real LAME files with
their Xing/"Info" header and exact sample counts (`bars x 4 x 60 / bpm x 44100`), so
the player's loop and length checks behave as they would on a built station; each
track also comes as segments cut where the build cuts them. Encoded
MP3s are cached by content in the system temp folder: the first test run pays about a
second, later ones nothing.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

from lofipress.music.evaluate import summarize_rows
from lofipress.music.model_card import describe

SAMPLE_RATE = 44100
TRACK_BPMS = (80, 84)  # two tempos, so every drum and ambience needs two renders


def n_samples(bars: int, bpm: int, rate: int = SAMPLE_RATE) -> int:
    """Exact loop length in samples (the DESIGN.md formula)."""
    return int(round(bars * 4 * 60 * rate / bpm))


def _signal(kind: str, n: int, freq_hz: float, seed: int) -> np.ndarray:
    """A quiet mono test signal: a sine ("sine"), or noise bursts on the beat ("noise")."""
    t = np.arange(n) / SAMPLE_RATE
    if kind == "sine":
        x = 0.2 * np.sin(2 * np.pi * freq_hz * t) * np.minimum(1.0, (n - np.arange(n)) / 2000)
    else:
        rng = np.random.default_rng(seed)
        envelope = np.exp(-((t * freq_hz) % 1.0) * 12)  # one burst per beat (freq_hz = beats per second)
        x = 0.15 * rng.standard_normal(n) * envelope
    return (x * 32767).astype("<i2")


def write_mp3(path: Path, kind: str, n: int, freq_hz: float = 220.0, seed: int = 0,
              span: tuple[int, int] | None = None) -> Path:
    """Encode n samples of a test signal (or its samples span[0]:span[1]) to an MP3 that keeps its Xing header.

    Cached by content.
    """
    import imageio_ffmpeg

    lo, hi = span or (0, n)
    key = hashlib.sha256(f"{kind}-{n}-{freq_hz}-{seed}-{lo}-{hi}-v1".encode()).hexdigest()[:20]
    cache = Path(tempfile.gettempdir()) / "lofipress-test-mp3"
    cache.mkdir(exist_ok=True)
    cached = cache / f"{key}.mp3"
    if not cached.exists():
        pcm = _signal(kind, n, freq_hz, seed)[lo:hi].tobytes()
        part = cache / f"{key}.{os.getpid()}.part.mp3"
        subprocess.run(
            [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "s16le", "-ar", str(SAMPLE_RATE),
             "-ac", "1", "-i", "-", "-c:a", "libmp3lame", "-q:a", "9", "-write_xing", "1",
             "-fflags", "+bitexact", "-flags:a", "+bitexact", "-map_metadata", "-1", str(part)],
            input=pcm, check=True)
        os.replace(part, cached)  # atomic: parallel test workers never see half a file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(cached.read_bytes())
    return path


def _notes(bars: int, root: int) -> list[list]:
    """A ii-V-ish chord loop with a bass root and a few melody notes, in beats."""
    notes = []
    chords = [(0, 3, 7, 10), (5, 9, 12, 15), (-2, 2, 5, 9), (3, 7, 10, 14)]
    for bar in range(bars):
        chord = chords[bar % len(chords)]
        start = bar * 4.0
        for i, step in enumerate(chord):
            notes.append([start, 3.5, root + step, 70 + i, "keys"])
        notes.append([start, 1.5, root - 24 + chord[0] % 12, 90, "bass"])
        notes.append([start + 2.5, 0.75, root + 12 + chord[2] % 12, 80, "melody"])
    return notes


def _write_midi(path: Path, notes: list[list], bpm: int) -> Path:
    import pretty_midi

    pm = pretty_midi.PrettyMIDI(initial_tempo=float(bpm))
    inst = pretty_midi.Instrument(program=4)
    sec = 60.0 / bpm
    for start, dur, pitch, vel, _part in notes:
        inst.notes.append(pretty_midi.Note(velocity=vel, pitch=pitch, start=start * sec, end=(start + dur) * sec))
    pm.instruments.append(inst)
    path.parent.mkdir(parents=True, exist_ok=True)
    pm.write(str(path))
    return path


def _write_loss_png(path: Path) -> Path:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 2.5), dpi=80)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    epochs = np.arange(1, 11)
    ax.plot(epochs, 3.0 / epochs ** 0.5, label="train")
    ax.plot(epochs, 2.8 / epochs ** 0.4, label="validation")
    ax.legend()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", metadata={"Software": None})
    return path


def sections_of(bars: int) -> list[list]:
    """The song form the station plans for a track of `bars` bars (lofipress.music.song)."""
    from lofipress.music.song import plan_sections

    return [list(s) for s in plan_sections("song", bars)]


LEAPY = "melody: step_share 0.38 outside 0.44-0.96"  # the gate's words for the second song's miss


def song_metrics(i: int) -> dict:
    """The gate's measures of a scored song (lofipress.music.compose.score), the second song's melody too leapy."""
    return {"key_consistency": 1.0, "in_key": 0.96, "pc_entropy_bits": 2.7, "distinct_windows": 2 + i,
            "a2_similarity": 0.68, "b_similarity": 0.12, "exact_repeat_share": 0.27, "notes_per_bar": 2.5,
            "step_share": 0.62 if i == 1 else 0.38, "chord_tone_strong": 0.93, "range_semitones": 12,
            "longest_repeat_bars": 4, "bass_hold_bars": 1.0, "bass_onsets_per_bar": 2.5, "keys_copied_run": 3,
            "lead_copied_run": 4, "keys_shared_8gram": 0.0, "lead_shared_8gram": 0.0, "sections": 5,
            "has_melody": True, "ends_on_tonic": True, "melody_notes": 60, "notes": 320, "polyphony": 4.2}


def _segments(folder: Path, sections: list[list], bars: int, bpm: int, n: int, freq_hz: float) -> list[dict]:
    """The track's sine cut at the build's segment bar lines, one MP3 each (lofipress.sound.segments)."""
    from lofipress.sound.segments import plan_segments, segment_edges

    plan = plan_segments(sections, bars)
    edges = segment_edges(plan, bpm, SAMPLE_RATE, n)
    return [{"first_bar": first, "bars": b, "start_samples": lo, "samples": hi - lo,
             "mp3": write_mp3(folder / f"{i}.mp3", "sine", n, freq_hz, span=(lo, hi))}
            for i, ((first, b), lo, hi) in enumerate(zip(plan, edges, edges[1:]))]


def make_press(tmp_path: Path, title: str = "Amber Window", track_bars: int = 30) -> dict:
    """Write a small fake press under tmp_path/cache and return it.

    Args:
        tmp_path: a scratch folder (pytest's tmp_path).
        title: the first track's title (tests pass markup here to check escaping).
        track_bars: bars of each AI track (30 like the station; fewer for speed).

    Returns:
        The press dict `site.write_site` takes: 2 tracks (80 and 84 BPM), 1 live song,
        a sampler, 2 drum loops and 2 ambiences at both tempos, 2 quotes, credits, about.
    """
    cache = Path(tmp_path) / "cache"
    tracks = []
    for i, (bpm, key, root) in enumerate(zip(TRACK_BPMS, ("D minor", "F major"), (62, 65)), start=1):
        tid = f"t{i:02d}"
        notes = _notes(track_bars, root)
        n = n_samples(track_bars, bpm)
        sections = sections_of(track_bars)
        tracks.append({
            "id": tid, "title": title if i == 1 else "Night Bus", "bpm": bpm, "key": key, "bars": track_bars,
            "seed": 1000 + i, "model": "default", "notes": notes,
            "mp3": write_mp3(cache / "tracks" / f"{tid}.mp3", "sine", n, 110.0 * i),
            "segments": _segments(cache / "tracks" / tid, sections, track_bars, bpm, n, 110.0 * i),
            "midi": _write_midi(cache / "midi" / f"{tid}.mid", notes, bpm),
            "samples": n, "sample_rate": SAMPLE_RATE, "sections": sections,
            "breaks": [first - 1 for name, first, _ in sections if name == "B"],  # the default: the bar before B
            "metrics": song_metrics(i),
        })
    song_notes = _notes(8, 60)
    songs = [{"id": "s01", "title": "Porch Light", "bpm": 78, "key": "C minor", "bars": 8, "notes": song_notes,
              "midi": _write_midi(cache / "midi" / "s01.mid", song_notes, 78), "sections": sections_of(8),
              "breaks": [3]}]
    one_s = SAMPLE_RATE
    sampler = {
        "keys": {p: write_mp3(cache / "sampler" / f"keys-{p}.mp3", "sine", one_s, 440 * 2 ** ((p - 69) / 12))
                 for p in (48, 60, 72)},
        "bass": {36: write_mp3(cache / "sampler" / "bass-36.mp3", "sine", one_s, 65.41)},
    }

    def by_bpm(kind: str, loop_id: str, bars: int, seed: int) -> dict:
        out = {}
        for bpm in TRACK_BPMS:
            n = n_samples(bars, bpm)
            mp3 = write_mp3(cache / kind / f"{loop_id}-{bpm}.mp3", "noise", n, bpm / 60, seed)
            out[bpm] = {"mp3": mp3, "samples": n}
        return out

    drums = [{"id": "boombap", "title": "Boom bap", "bars": 8, "by_bpm": by_bpm("drums", "boombap", 8, 1)},
             {"id": "brushes", "title": "Brushes", "bars": 8, "by_bpm": by_bpm("drums", "brushes", 8, 2)}]
    ambience = [{"id": "rain", "title": "Rain", "visual": "rain", "bars": 12,
                 "by_bpm": by_bpm("ambience", "rain", 12, 3)},
                {"id": "fire", "title": "Fireplace", "visual": "fire", "bars": 12,
                 "by_bpm": by_bpm("ambience", "fire", 12, 4)}]
    quotes = [{"id": f"q{i}", "text": text, "speaker": speaker, "samples": 2 * one_s,
               "mp3": write_mp3(cache / "quotes" / f"q{i}.mp3", "sine", 2 * one_s, 300.0 + i)}
              for i, (text, speaker) in enumerate([("Slow down; the rain is not in a hurry.", "Narrator"),
                                                   ("Tea first, then homework.", "Grandma")], start=1)]
    credits = [{"file": "keys/epiano-60.ogg", "title": "E-piano C4", "author": "Test Author",
                "source": "https://example.org/epiano", "license": "CC0-1.0"},
               {"file": "ambience/rain.ogg", "title": "Rain on a window", "author": "Field Recorder",
                "source": "https://example.org/rain", "license": "CC-BY-4.0"}]
    about = {
        "eval": summarize_rows([{"id": t["id"], "title": t["title"], "key": t["key"], "tempo_bpm": t["bpm"], "draws": i,
                                 "failures": [] if i == 1 else [LEAPY], "metrics": t["metrics"],
                                 "sections": t["sections"]}
                                for i, t in enumerate(tracks, start=1)]),
        "loss_png": _write_loss_png(cache / "loss.png"),
        "card": {  # the keys press.gather keeps from models/<name>/card.json
            "corpus": {"dir": "/home/someone/corpus", "hash": "c3e9a51975b984f7", "kept": 164,
                       "lead_from_skyline": False, "skipped": [], "with_lead": 164},
            "epochs": 30, "best_epoch": 26, "date": "2026-11-20", "vocab_size": 699,
            "metrics": {"val_accuracy": 0.5858, "val_loss": 1.9845, "val_perplexity": 7.275},
            "settings": {"arch": "small", "batch_size": 64, "dir": "models", "dropout": 0.3, "embedding": 96,
                         "epochs": 40, "learning_rate": 0.002, "min_chord_count": 2, "name": "default",
                         "patience": 4, "seq_len": 160, "units": 320, "validation_split": 0.1},
        },
    }
    about["model"] = describe(about["card"])  # what press.gather adds: the model in words, as plain data
    about["melody"] = {"melodies": 920, "folk": 656, "chorales": 100, "corpus": 164}  # press._melody_card
    return {
        "tracks": tracks, "songs": songs, "sampler": sampler, "drums": drums, "ambience": ambience,
        "quotes": quotes, "credits": credits, "pack": {"name": "default", "license": "CC-BY-4.0"},
        "about": about,
        "live_fx": {"lowpass_hz": 3200.0, "bit_depth": 12, "noise_db": -38.0, "wow_cents": 6.0},
    }


@pytest.fixture(scope="module")
def press(tmp_path_factory):
    """A module's fake press (make_press), for the site and page tests: import this fixture by name."""
    return make_press(tmp_path_factory.mktemp("press"))


@pytest.fixture(scope="module")
def built(press, tmp_path_factory) -> Path:
    """That press written as a site with the default station."""
    from lofipress.station import config
    from lofipress import site

    out = tmp_path_factory.mktemp("built") / "site"
    site.write_site(config.Station(), press, out)
    return out
