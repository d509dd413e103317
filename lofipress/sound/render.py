"""The sampler: notes, drum patterns and ambience beds to exact-length, wrap-around stereo loops.

Every loop is rendered into a buffer longer than the loop; whatever rings past
the end (releases, reverb-free tails of one-shots) is folded back onto the start,
so the loop plays seamlessly when it repeats.
"""
from __future__ import annotations

import numpy as np
from scipy.signal import butter

from . import dsp_sampler
from ..core.notes import Note, loop_n_samples
from ..packs import Pack, Zone, role_for
from ..packs.samples import load_audio, load_bed, stretch_loop

PART_GAIN = {"keys": 0.45, "melody": 0.55, "bass": 0.8}  # a rough mix; mastering sets the final level
RELEASE_S = {"keys": 0.28, "piano": 0.35, "lead": 0.3, "bass": 0.12}  # decay time constant after note-off, per role
# The lead is one voice against the keys' three or four, so it gets more gain than a melody on the piano: the
# shipped leads (a jazz guitar, a flute), at the arranger's velocities, sit about 2 dB over the keys' chords
# (measured on rendered phrases). It sits left of centre while the keys spread their upper voices, where the
# tune lives, to the right (see the pan below): the two lines stay apart in the stereo field.
LEAD_GAIN, LEAD_PAN = 0.7, -0.2
ATTACK_S = 0.003  # long enough to hide a click, short enough to keep the hammer
DARK_CUTOFF_HZ = 1500.0  # soft notes fade towards this low-passed copy (felt hammers, tines struck gently)
KIT_GAIN = {"kick": 1.0, "snare": 0.75, "rim": 0.55, "hat_closed": 0.32, "hat_open": 0.3, "ride": 0.3,
            "shaker": 0.22}  # kick and snare lead, the rest is texture
KIT_PAN = {"kick": 0.0, "snare": 0.05, "rim": -0.1, "hat_closed": 0.25, "hat_open": 0.25, "ride": -0.3,
           "shaker": 0.35}  # -1 left .. +1 right, a drummer's-eye kit
AMBIENCE_XFADE_S = 2.0  # equal-power crossfade at the seam of a noise bed: long enough to be inaudible


def _fold(buf: np.ndarray, n_samples: int) -> np.ndarray:
    """Mix everything past n_samples back onto the start (wrap-around) and cut to n_samples."""
    out = buf[:n_samples].copy()
    for start in range(n_samples, len(buf), n_samples):
        chunk = buf[start:start + n_samples]
        out[: len(chunk)] += chunk
    return out


def _pan_gains(pan: float) -> tuple[float, float]:
    """Equal-power pan law: pan -1 (left) .. +1 (right)."""
    angle = (np.clip(pan, -1, 1) + 1) * np.pi / 4
    return float(np.cos(angle)), float(np.sin(angle))


def _velocity_gain(velocity: int, curve: float = 1.7) -> float:
    """MIDI velocity to amplitude: 127 -> 1, 64 -> about -10 dB, like a real key's response."""
    return float((max(1, velocity) / 127.0) ** curve)


def _pick_zone(zones: tuple[Zone, ...], pitch: int, velocity: int) -> Zone:
    """The zone covering pitch and velocity; else the nearest root among those of the right velocity."""
    layer = [z for z in zones if z.vel_lo <= velocity <= z.vel_hi] or list(zones)
    inside = [z for z in layer if z.lo <= pitch <= z.hi]
    return min(inside or layer, key=lambda z: (abs(z.root - pitch), z.root))


def render_track(notes: list[Note], pack: Pack, tempo_bpm: float, bars: int, sample_rate: int,
                 rng: np.random.Generator) -> np.ndarray:
    """Render notes with the pack's instruments into one wrap-around loop.

    Each (sample, pitch) a track plays is resampled once, as far as its longest
    note reaches, with a low-passed copy that soft notes lean to; then every
    note is mixed under its envelope.

    Args:
        notes: notes in seconds from the loop start; part keys/melody/bass.
        pack: a loaded Pack with instruments keys, lead (the melody; else piano, else keys) and bass.
        tempo_bpm, bars: the loop's length.
        sample_rate: output rate in Hz.
        rng: small per-note variations (stereo spread, detune of a few cents).
    Returns:
        float32 (n, 2), n == loop_n_samples(bars, tempo_bpm, sample_rate).
    """
    n = loop_n_samples(bars, tempo_bpm, sample_rate)
    voices: dict = {}  # (file, root, pitch) -> [index, mono, ratio, frames wanted]
    rows = []
    for note in sorted(notes):
        inst = pack.instruments[role_for(pack, note.part)]  # melody: lead, else piano, else keys
        zone = _pick_zone(inst.zones, note.pitch, note.velocity)
        key = (zone.file, zone.root, note.pitch)
        if key not in voices:
            mono = load_audio(zone.file, sample_rate).mean(axis=1)
            ratio = 2.0 ** ((note.pitch - zone.root) / 12.0)  # resampling shifts pitch (and formants, as a sampler does)
            voices[key] = [len(voices), mono, ratio, 0]
        voice = voices[key]
        available = int(np.ceil((len(voice[1]) - 1) / voice[2]))  # frames the sample gives at this pitch
        release_s = RELEASE_S.get(inst.role, 0.25)
        gate_n = max(1, int((note.end_s - note.start_s) * sample_rate))
        n_total = min(available, gate_n + int(7 * release_s * sample_rate))  # e^-7: -60 dB
        if n_total < 2:
            continue
        voice[3] = max(voice[3], n_total)
        if note.part == "bass":
            pan = 0.0
        elif inst.role == "lead":
            pan = LEAD_PAN + rng.uniform(-0.05, 0.05)
        elif note.part == "melody":
            pan = 0.15 + rng.uniform(-0.05, 0.05)
        else:  # spread the voicing across the field, low left to high right, like a piano seen from the bench
            pan = np.clip((note.pitch - 60) / 30.0, -0.5, 0.5) + rng.uniform(-0.08, 0.08)
        gain = _velocity_gain(note.velocity) * (LEAD_GAIN if inst.role == "lead" else PART_GAIN.get(note.part, 0.5))
        gain *= 10.0 ** (inst.gain_db / 20.0)  # the pack's balance of its roles (lofipress.packs.balance)
        gl, gr = _pan_gains(pan)
        start = int(round(note.start_s * sample_rate)) % n
        rows.append((start, voice[0], n_total, gate_n, note.velocity / 127.0, ATTACK_S * sample_rate,
                     release_s * sample_rate, min(n_total, int(0.005 * sample_rate)), gl * gain, gr * gain))
    jobs = [(mono, ratio, frames) for _, mono, ratio, frames in voices.values()]
    bright, dark, offsets = dsp_sampler.pitch_voices(jobs, butter(2, DARK_CUTOFF_HZ, fs=sample_rate, output="sos"))
    table = np.array(rows, dtype=np.float64).reshape(-1, len(dsp_sampler.NOTE_FIELDS))
    table[:, 1] = offsets[table[:, 1].astype(np.int64)]  # voice index -> its place in the banks
    length = int(max([n] + [start + frames for start, _, frames, *_ in rows]))
    return dsp_sampler.fold_planar(dsp_sampler.mix_notes(table, bright, dark, length), n)


def _one_shot(pack: Pack, voice: str, sample_rate: int) -> np.ndarray:
    x = load_audio(pack.kit[voice], sample_rate)
    return x.mean(axis=1).astype(np.float32)


def render_drums(pack: Pack, pattern_id: str, tempo_bpm: float, bars: int, sample_rate: int,
                 rng: np.random.Generator) -> tuple[np.ndarray, list[float]]:
    """Play a kit pattern for `bars` bars: kick on the grid, snare late, hats swung and uneven.

    Returns:
        (float32 (n, 2) wrap-around loop, kick times in seconds from the loop start).
    """
    pattern = pack.patterns[pattern_id]
    n = loop_n_samples(bars, tempo_bpm, sample_rate)
    step_s = 60.0 / tempo_bpm / 4.0
    swing_shift_s = (2.0 * pattern.swing - 1.0) * step_s  # the second 16th of each pair comes late
    hits, kicks = [], []
    for bar in range(bars):
        pbar = bar % pattern.bars
        for voice, steps in pattern.grid.items():
            for step in range(16):
                vel = steps[pbar * 16 + step]
                if not vel:
                    continue
                t = (bar * 16 + step) * step_s + (swing_shift_s if step % 2 else 0.0)
                if voice in ("snare", "rim"):
                    late_ms = np.clip(pattern.snare_late_ms + rng.normal(0, 3.0), 10.0, 30.0)
                    t += late_ms / 1000.0
                    vel = vel * rng.uniform(0.92, 1.0)
                elif voice == "kick":
                    kicks.append(t)
                else:  # hats, ride, shaker: loose hands
                    t += rng.normal(0, 0.004)
                    vel = vel * rng.uniform(0.7, 1.0)
                hits.append((t, voice, vel))
    shots = {v: _one_shot(pack, v, sample_rate) for v in {h[1] for h in hits}}
    end = n + max([len(s) for s in shots.values()] + [0]) + sample_rate // 10
    buf = np.zeros((end, 2), dtype=np.float32)
    for t, voice, vel in hits:
        start = int(round(t * sample_rate)) % n
        shot = shots[voice] * (_velocity_gain(int(vel), 1.4) * KIT_GAIN.get(voice, 0.4))
        gl, gr = _pan_gains(KIT_PAN.get(voice, 0.0))
        buf[start:start + len(shot), 0] += gl * shot
        buf[start:start + len(shot), 1] += gr * shot
    return _fold(buf, n), [float(k) for k in kicks]


def _equal_power(n_fade: int) -> tuple[np.ndarray, np.ndarray]:
    x = np.linspace(0.0, np.pi / 2, n_fade, dtype=np.float32)[:, None]
    return np.sin(x), np.cos(x)


def render_ambience(pack: Pack, bed_id: str, tempo_bpm: float, bars: int, sample_rate: int) -> np.ndarray:
    """Cut a bed to exactly `bars` bars, its seam hidden by an equal-power crossfade.

    A bed shorter than the loop is first made cyclic (its end crossfaded into its
    start) and tiled.
    """
    bed = next((a for a in pack.ambience if a.id == bed_id), None)
    if bed is None:
        raise KeyError(f"no ambience {bed_id!r} in pack {pack.name!r}")
    x = load_bed(bed.file, sample_rate)
    x = np.repeat(x, 2, axis=1) if x.shape[1] == 1 else x[:, :2]
    n = loop_n_samples(bars, tempo_bpm, sample_rate)
    xf = min(int(AMBIENCE_XFADE_S * sample_rate), len(x) // 4, n // 4)
    fade_in, fade_out = _equal_power(xf)
    if len(x) < n + xf:
        cyc = x[: len(x) - xf].copy()
        cyc[:xf] = x[:xf] * fade_in + x[len(x) - xf:] * fade_out
        reps = -(-(n + xf) // len(cyc))
        x = np.tile(cyc, (reps, 1))
    out = x[:n].copy()
    out[:xf] = x[:xf] * fade_in + x[n:n + xf] * fade_out  # the loop's start blends in what would follow its end
    return out.astype(np.float32)


def render_drum_loop(pack: Pack, loop_id: str, tempo_bpm: float, bars: int, sample_rate: int) -> np.ndarray:
    """Varispeed a pack's finished drum loop onto tempo_bpm and repeat it to exactly `bars` bars.

    The file's tail past its own bars (a ring, a reverb) is folded onto its start
    and a file a little short is padded, so one pass is exactly its bars long; the
    passes are tiled and resampled as one periodic signal, so the seam is as clean
    as any other point of the loop. Any tempo works here; the build renders a loop
    only at station tempos within packs.VARISPEED_MAX of its own.

    Returns:
        float32 (n, 2), n == loop_n_samples(bars, tempo_bpm, sample_rate).
    Raises:
        ValueError: the loop's bars do not divide `bars` (the build refuses such a pack first, with a PackError).
    """
    loop = next((d for d in pack.drum_loops if d.id == loop_id), None)
    if loop is None:
        raise KeyError(f"no drum loop {loop_id!r} in pack {pack.name!r}")
    if bars % loop.bars:
        raise ValueError(f"drum loop {loop.id!r} of {loop.bars} bars cannot repeat to fill {bars} bars")
    x = load_audio(loop.file, sample_rate)
    x = np.repeat(x, 2, axis=1) if x.shape[1] == 1 else x[:, :2]
    one = loop_n_samples(loop.bars, loop.tempo_bpm, sample_rate)
    cycle = _fold(np.concatenate([x, np.zeros((max(0, one - len(x)), 2), np.float32)]), one)
    return stretch_loop(np.tile(cycle, (bars // loop.bars, 1)), loop_n_samples(bars, tempo_bpm, sample_rate))
