"""`lofipress bench render`: real-time factors of sampler, chain, mastering and MP3 encoding on one track.

One 30-bar track at 80 BPM (a ii-V-I-vi voicing loop with a bass line, made in
code), rendered with the station's pack. The goal: the whole track within 1.5x
of MP3 encoding alone, which is the floor.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from . import report
from .. import encode, fx, master, packs, render
from ..notes import Note, loop_n_samples

TEMPO_BPM, BARS = 80.0, 30
VOICINGS = [(53, 57, 60, 64), (53, 55, 59, 62), (52, 55, 59, 62), (52, 55, 57, 60)]  # Dm9, G13, Cmaj9, Am7: rootless
BASS_ROOTS = [38, 43, 36, 45]  # D, G, C, A


def bench_notes(tempo_bpm: float = TEMPO_BPM, bars: int = BARS) -> list[Note]:
    """The benchmark's track: one voicing per bar, held 3.5 beats, bass on 1 and the 'and' of 3."""
    beat = 60.0 / tempo_bpm
    notes = []
    for bar in range(bars):
        t0 = bar * 4 * beat
        for i, pitch in enumerate(VOICINGS[bar % 4]):
            notes.append(Note(t0 + 0.01 * i, t0 + 3.5 * beat, pitch, 70 + 6 * (i % 2), "keys"))
        root = BASS_ROOTS[bar % 4]
        notes += [Note(t0, t0 + 1.5 * beat, root, 100, "bass"), Note(t0 + 2.5 * beat, t0 + 3.8 * beat, root + 12, 88, "bass")]
        if bar % 2:
            notes.append(Note(t0 + 2 * beat, t0 + 3 * beat, VOICINGS[bar % 4][-1] + 12, 84, "melody"))
    return notes


def _fluidsynth_s(notes: list[Note], work: Path) -> float | None:
    """Seconds FluidSynth takes to render the same notes, or None if it is not installed."""
    sf2 = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
    if not shutil.which("fluidsynth") or not sf2.exists():
        return None
    import pretty_midi

    midi = pretty_midi.PrettyMIDI(initial_tempo=TEMPO_BPM)
    for part, program in (("keys", 4), ("bass", 33), ("melody", 0)):
        inst = pretty_midi.Instrument(program=program)
        inst.notes = [pretty_midi.Note(n.velocity, n.pitch, n.start_s, n.end_s) for n in notes if n.part == part]
        midi.instruments.append(inst)
    midi.write(str(work / "bench.mid"))
    t = time.perf_counter()
    subprocess.run(["fluidsynth", "-ni", "-F", str(work / "fs.wav"), "-r", "44100", str(sf2), str(work / "bench.mid")],
                   check=True, capture_output=True)
    return time.perf_counter() - t


def run(station, as_json: bool) -> int:
    """Time each stage on one track; print a table (and one JSON line with as_json)."""
    sr = station.master.sample_rate
    pack = packs.load_pack(station.path(station.pack.dir) / station.pack.name)
    notes = bench_notes()
    audio_s = loop_n_samples(BARS, TEMPO_BPM, sr) / sr
    rng = np.random.default_rng(station.station.seed)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        render.render_track(notes[:8], pack, TEMPO_BPM, 2, sr, rng)  # warm the sample cache: decoding is not rendering
        t = [time.perf_counter()]
        dry = render.render_track(notes, pack, TEMPO_BPM, BARS, sr, rng)
        t.append(time.perf_counter())
        wet = fx.apply_chain(dry, sr, station.fx, rng, [b * 240.0 / TEMPO_BPM for b in range(BARS)])
        t.append(time.perf_counter())
        out = master.master(wet, sr, station.master.track_lufs, station.master.ceiling_dbtp)
        t.append(time.perf_counter())
        encode.write_mp3(out, sr, work / "t.mp3", station.master.mp3_quality)
        t.append(time.perf_counter())
        decoded, _ = encode.decode(work / "t.mp3")
        got = master.measure(decoded, sr)
        t.append(time.perf_counter())
        fluid_s = _fluidsynth_s(notes, work)
    sampler_s, chain_s, master_s, encode_s, verify_s = np.diff(t)
    whole_s = t[-1] - t[0]
    data = {"audio_s": round(audio_s, 2), "rtf_sampler": round(sampler_s / audio_s, 5),
            "rtf_chain": round(chain_s / audio_s, 5), "rtf_master": round(master_s / audio_s, 5),
            "rtf_encode": round(encode_s / audio_s, 5), "rtf_verify": round(verify_s / audio_s, 5),
            "rtf_whole": round(whole_s / audio_s, 5), "whole_vs_encode_floor": round(whole_s / encode_s, 3),
            "goal_whole_vs_encode_floor": 1.5, "lufs": round(got["lufs"], 2),
            "true_peak_dbtp": round(got["true_peak_dbtp"], 2), "samples": len(decoded),
            "fluidsynth_s": None if fluid_s is None else round(fluid_s, 3),
            "sampler_vs_fluidsynth": None if fluid_s is None else round(sampler_s / fluid_s, 3)}
    rows = [("track", f"{BARS} bars at {TEMPO_BPM:g} BPM = {audio_s:.1f} s, {len(notes)} notes, preset {station.fx.preset}")]
    for name, secs in (("sampler", sampler_s), ("lo-fi chain", chain_s), ("mastering", master_s),
                       ("MP3 encode (floor)", encode_s), ("decode + measure", verify_s), ("whole", whole_s)):
        rows.append((name, f"{secs:6.2f} s   {audio_s / secs:7.1f}x real time"))
    rows.append(("whole / encode floor", f"{whole_s / encode_s:.2f}x (goal <= 1.5x)"))
    if fluid_s is not None:
        rows.append(("FluidSynth, same MIDI", f"{fluid_s:6.2f} s   (sampler takes {sampler_s / fluid_s:.2f}x its time)"))
    rows.append(("decoded MP3", f"{got['lufs']:.2f} LUFS, {got['true_peak_dbtp']:.2f} dBTP, {len(decoded)} samples"))
    report("bench render", rows, data, as_json)
    return 0
