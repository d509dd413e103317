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
from ..sound import encode, fx, master, render
from .. import packs
from ..core.notes import Note, loop_n_samples

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


def _clock() -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process and its finished children such as ffmpeg)."""
    import resource

    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter(), time.process_time() + kids.ru_utime + kids.ru_stime


def _encode_only_s(audio: np.ndarray, sr: int, quality: int, work: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of libmp3lame alone on this audio, with the build's flags: the floor."""
    raw = np.ascontiguousarray(audio, dtype=np.float32).tobytes()
    cmd = encode.lame_cmd(sr, audio.shape[1], quality, work / "floor.mp3")
    t0 = _clock()
    subprocess.run(cmd, input=raw, check=True, capture_output=True)
    t1 = _clock()
    return t1[0] - t0[0], t1[1] - t0[1]


def _press_once(notes, pack, station, work: Path, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict, int]:
    """Press the track as the build does: (wall per stage, CPU per stage, mastered audio, measurement, decoded length)."""
    sr, m = station.master.sample_rate, station.master
    marks = [_clock()]
    dry = render.render_track(notes, pack, TEMPO_BPM, BARS, sr, rng)
    marks.append(_clock())
    wet = fx.apply_chain(dry, sr, station.fx, rng, [b * 240.0 / TEMPO_BPM for b in range(BARS)])
    marks.append(_clock())
    out = master.master(wet, sr, m.track_lufs, m.ceiling_dbtp)
    marks.append(_clock())
    decoded = encode.encode_checked(out, sr, work / "t.mp3", m.mp3_quality)
    marks.append(_clock())
    got = master.measure(decoded, sr)
    marks.append(_clock())
    return np.diff([k[0] for k in marks]), np.diff([k[1] for k in marks]), out, got, len(decoded)


def run(station, as_json: bool, repeats: int = 5) -> int:
    """Time each stage of pressing one track; print a table (and one JSON line with as_json).

    The floor is libmp3lame alone on the mastered audio. The whole track is what
    the build does: sampler, chain, mastering, encoding with its decode-and-check,
    and the loudness and true-peak measurement of the decoded MP3. A shared
    machine's speed drifts by 20-30 % within a minute, so the floor is timed just
    before and just after each of `repeats` whole runs, and each run is compared
    with the mean of its two floors; the verdict is the median of those ratios.
    One untimed pressing first decodes the samples and loads the compiled
    kernels. Wall and CPU seconds are both reported: CPU time moves less when
    the machine is busy.
    """
    sr = station.master.sample_rate
    quality = station.master.mp3_quality
    pack = packs.load_pack(station.path(station.pack.dir) / station.pack.name)
    notes = bench_notes()
    audio_s = loop_n_samples(BARS, TEMPO_BPM, sr) / sr
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        out = _press_once(notes, pack, station, work, np.random.default_rng(station.station.seed))[2]  # warm-up
        walls, cpus, floors = [], [], [_encode_only_s(out, sr, quality, work)]
        for _ in range(repeats):
            wall, cpu, out, got, samples = _press_once(notes, pack, station, work, np.random.default_rng(station.station.seed))
            walls.append(wall)
            cpus.append(cpu)
            floors.append(_encode_only_s(out, sr, quality, work))
        fluid_s = _fluidsynth_s(notes, work)
    wall, cpu = np.median(walls, axis=0), np.median(cpus, axis=0)
    whole_wall, whole_cpu = float(np.median([w.sum() for w in walls])), float(np.median([c.sum() for c in cpus]))
    floor_wall, floor_cpu = (float(v) for v in np.median(floors, axis=0))
    around = [(np.add(before, after) / 2) for before, after in zip(floors, floors[1:])]  # (wall, CPU) per run
    each = [float(w.sum()) / f[0] for w, f in zip(walls, around)]
    each_cpu = [float(c.sum()) / f[1] for c, f in zip(cpus, around)]
    names = ("sampler", "chain", "master", "encode_checked", "measure")
    data = {"audio_s": round(audio_s, 2), "repeats": repeats, "floor_s": round(floor_wall, 3),
            "floor_cpu_s": round(floor_cpu, 3), **{f"rtf_{k}": round(w / audio_s, 5) for k, w in zip(names, wall)},
            "rtf_encode": round(floor_wall / audio_s, 5), "rtf_whole": round(whole_wall / audio_s, 5),
            "whole_vs_encode_floor": round(float(np.median(each)), 3),
            "whole_vs_encode_floor_cpu": round(float(np.median(each_cpu)), 3), "goal_whole_vs_encode_floor": 1.5,
            "whole_vs_encode_floor_each_run": [round(r, 3) for r in each],
            "whole_vs_encode_floor_of_medians": round(whole_wall / floor_wall, 3),
            "lufs": round(got["lufs"], 2), "true_peak_dbtp": round(got["true_peak_dbtp"], 2),
            "samples": samples, "fluidsynth_s": None if fluid_s is None else round(fluid_s, 3),
            "sampler_vs_fluidsynth": None if fluid_s is None else round(wall[0] / fluid_s, 3)}
    rows = [("track", f"{BARS} bars at {TEMPO_BPM:g} BPM = {audio_s:.1f} s, {len(notes)} notes, preset {station.fx.preset}"),
            ("stage (median of runs)", f"   wall       CPU   real time (wall)   [{repeats} runs]")]
    labels = ("sampler", "lo-fi chain", "mastering", "encode + decode check", "measure decoded MP3")
    for label, w, c in zip(labels, wall, cpu):
        rows.append((label, f"{w:6.2f} s  {c:6.2f} s  {audio_s / w:7.1f}x"))
    rows.append(("whole track", f"{whole_wall:6.2f} s  {whole_cpu:6.2f} s  {audio_s / whole_wall:7.1f}x"))
    rows.append(("MP3 encode alone (floor)", f"{floor_wall:6.2f} s  {floor_cpu:6.2f} s  {audio_s / floor_wall:7.1f}x"))
    rows.append(("whole / floor (median of runs)", f"{data['whole_vs_encode_floor']:.2f}x wall, "
                 f"{data['whole_vs_encode_floor_cpu']:.2f}x CPU (goal <= 1.5x)"))
    rows.append(("whole / floor, each run", ", ".join(f"{r:.2f}x" for r in each) + "  (floors just before and after)"))
    rows.append(("median whole / median floor", f"{whole_wall / floor_wall:.2f}x wall"))
    if fluid_s is not None:
        rows.append(("FluidSynth, same MIDI", f"{fluid_s:6.2f} s   (sampler takes {wall[0] / fluid_s:.2f}x its time)"))
    rows.append(("decoded MP3", f"{got['lufs']:.2f} LUFS, {got['true_peak_dbtp']:.2f} dBTP, {samples} samples"))
    report("bench render", rows, data, as_json)
    return 0
