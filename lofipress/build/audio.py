"""One-call jobs for the build's worker processes: render, process, master, encode, verify.

Each takes only picklable plain data (paths, numbers, frozen settings, Notes)
and returns a plain dict, so it can run in a ProcessPoolExecutor. Every MP3 is
measured after decoding; if MP3 moved loudness or peaks out of tolerance, the
level is corrected once and the file encoded again.
"""
from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import numpy as np

from ..sound import encode, fx, master as mastering, render, segments
from .. import packs
from ..packs import samples
from ..station.config import FxSettings, MasterSettings
from ..core.errors import AudioError
from ..core.notes import Note

LUFS_TOLERANCE = 0.5  # DESIGN.md: -14 LUFS +-0.5 LU on the decoded MP3
LUFS_AIM = 0.2  # re-encode when the decoded file is further than this off target: keeps tracks within 1 LU
TP_MARGIN_DB = 0.05  # re-encode when the decoded true peak comes this close to the ceiling
ENCODE_RETRIES = 3  # at most this many corrected encodes after the first (sparse, bright loops need two)
SILENT_MUSIC_DBFS = -70.0  # a track's dry music below this (RMS) is silence: BS.1770's gate, where loudness ends
TRACK_DUCK_DB = 2.0  # the track pumps lightly on beats 1 and 3, where every pack pattern has a kick
DRUM_BUS = dict(drive=1.4, bit_depth=12, reduce_rate_hz=fx.SP1200_RATE_HZ, lowpass_hz=11000.0,
                threshold_db=-20.0, ratio=3.0)  # sampled-off-a-record drums, whatever the track's preset


@functools.lru_cache(maxsize=8)
def _pack(pack_dir: str) -> packs.Pack:
    return packs.load_pack(Path(pack_dir))


def _as_note(n) -> Note:
    return n if isinstance(n, Note) else Note(float(n[0]), float(n[1]), int(n[2]), int(n[3]), str(n[4]))


def _press(audio: np.ndarray, sample_rate: int, out_path, target_lufs: float, ceiling_dbtp: float,
           quality: int, loop: bool, cut: tuple | None = None) -> dict:
    """Master, encode, decode, measure; while the MP3 drifted, correct level and ceiling and encode again.

    MP3 moves true peaks up (most where a limiter has flattened bright transients,
    such as a ride cymbal), so each retry lowers the limiter's ceiling by what the
    last encode added; it converges in one or two retries. With `cut`
    ((tempo_bpm, segment plan)), the level about to be kept is also written as
    segments (lofipress.sound.segments) from the same mastered samples; the player plays
    those or the full file, so the peak of either must stay under the ceiling.
    """
    aim_lufs, aim_ceiling = target_lufs, ceiling_dbtp
    parts = None

    def close(m: dict) -> bool:  # on target, or silence (which no gain can bring there)
        over_db = m["true_peak_dbtp"] - (ceiling_dbtp - TP_MARGIN_DB)
        return (abs(m["lufs"] - target_lufs) <= LUFS_AIM and over_db <= 0) or m["lufs"] <= mastering.SILENCE_LUFS

    def cut_segments() -> dict:  # segments of this `out`; the peak the listener may hear
        nonlocal parts
        rows, joined, checks = segments.press_segments(out, decoded, sample_rate, cut[0], cut[1], out_path, quality)
        parts = {"segments": rows, "segment_checks": checks}
        return {**got, "true_peak_dbtp": max(got["true_peak_dbtp"],
                                             mastering.measure(joined, sample_rate)["true_peak_dbtp"])}

    for _ in range(1 + ENCODE_RETRIES):
        out = mastering.master(audio, sample_rate, aim_lufs, aim_ceiling)
        decoded = encode.encode_checked(out, sample_rate, out_path, quality, loop=loop)
        got, parts = mastering.measure(decoded, sample_rate), None
        if cut and close(got):  # cut only a level that may be kept: once, usually
            got = cut_segments()
        if close(got):
            break
        aim_lufs += target_lufs - got["lufs"]  # what MP3 did to loudness, taken back
        aim_ceiling -= max(0.0, got["true_peak_dbtp"] - (ceiling_dbtp - TP_MARGIN_DB)) + 0.1
    if cut and parts is None:  # out of retries: the level kept was not cut yet
        got = cut_segments()
    if got["lufs"] > mastering.SILENCE_LUFS and (abs(got["lufs"] - target_lufs) > LUFS_TOLERANCE
                                                 or got["true_peak_dbtp"] > ceiling_dbtp):
        raise AudioError(f"decoded MP3 at {got['lufs']:.2f} LUFS, {got['true_peak_dbtp']:.2f} dBTP; wanted "
                         f"{target_lufs} LUFS, <= {ceiling_dbtp} dBTP", out_path)
    jump, step = encode.seam_jump(decoded)
    return {"samples": int(len(decoded)), "sample_rate": sample_rate, "lufs": round(got["lufs"], 2),
            "true_peak_dbtp": round(got["true_peak_dbtp"], 2), "seam": round(jump, 5), "max_step": round(step, 5),
            "bytes": Path(out_path).stat().st_size, **(parts or {})}


def _beat_kicks(tempo_bpm: float, bars: int) -> list[float]:
    """Beats 1 and 3 of every bar, in seconds."""
    beat_s = 60.0 / tempo_bpm
    return [bar * 4 * beat_s + b * beat_s for bar in range(bars) for b in (0, 2)]


def press_track(notes, pack_dir, fx_settings: FxSettings, master: MasterSettings, tempo_bpm: float, bars: int,
                out_path, seed: int, sections=()) -> dict:
    """Render an arranged track with the pack, run the lo-fi chain, master to track_lufs and write the MP3.

    Also writes the track as segments at its sections' bar lines (lofipress.sound.segments)
    beside out_path: segment i at cache.part_path(out_path, i).

    Returns:
        dict(samples, sample_rate, lufs, true_peak_dbtp, seam, max_step, bytes), measured on the decoded MP3,
        segments (first_bar, bars, start_samples, samples per segment) and segment_checks.
    """
    rng = np.random.default_rng(seed)
    sr = master.sample_rate
    dry = render.render_track([_as_note(n) for n in notes], _pack(str(pack_dir)), tempo_bpm, bars, sr, rng)
    check_music(dry, pack_dir)
    duck = dict(sidechain_db=min(TRACK_DUCK_DB, fx.resolve(fx_settings)["sidechain_db"]))
    wet = fx.apply_chain(dry, sr, dataclasses.replace(fx_settings, **duck), rng, _beat_kicks(tempo_bpm, bars))
    return _press(wet, sr, out_path, master.track_lufs, master.ceiling_dbtp, master.mp3_quality, loop=True,
                  cut=(tempo_bpm, segments.plan_segments(sections, bars)))


def check_music(dry: np.ndarray, pack_dir) -> None:
    """AudioError when a track's music, before hiss and crackle, is non-finite or silent: the chain sets its noise
    relative to the music and mastering lifts the whole to track_lufs, so silence would ship as a track of hiss."""
    if not np.isfinite(dry).all():
        raise AudioError("the rendered music holds NaN or infinite samples", pack_dir,
                         "run `lofipress pack check` on the pack: a sample it plays is broken")
    level_db = samples.rms_db(dry)
    if level_db < SILENT_MUSIC_DBFS:
        raise AudioError(f"the music is silent before hiss and crackle ({level_db:.0f} dBFS)", pack_dir,
                         "check the pack's instruments sound (`lofipress pack check`) and that the track has notes "
                         "(`lofipress compose`)")


def press_drums(pack_dir, pattern_id: str, tempo_bpm: float, bars: int, master: MasterSettings, out_path,
                seed: int) -> dict:
    """Render a kit pattern as an exact-length loop through a fixed drum bus, at drums_lufs."""
    rng = np.random.default_rng(seed)
    sr = master.sample_rate
    audio, kicks = render.render_drums(_pack(str(pack_dir)), pattern_id, tempo_bpm, bars, sr, rng)
    b = DRUM_BUS
    audio = fx.saturate(audio, b["drive"])
    audio = fx.bitcrush(audio, sr, b["bit_depth"], b["reduce_rate_hz"])
    audio = fx.lowpass(audio, sr, b["lowpass_hz"])
    audio = fx.compress(audio, sr, b["threshold_db"], b["ratio"])
    result = _press(audio, sr, out_path, master.drums_lufs, master.ceiling_dbtp, master.mp3_quality, loop=True)
    result["kick_times_s"] = [round(k, 4) for k in kicks]
    return result


def press_ambience(pack_dir, bed_id: str, tempo_bpm: float, bars: int, master: MasterSettings, out_path) -> dict:
    """Cut an ambience bed to an exact-length loop with a crossfaded seam, at ambience_lufs."""
    sr = master.sample_rate
    audio = render.render_ambience(_pack(str(pack_dir)), bed_id, tempo_bpm, bars, sr)
    return _press(audio, sr, out_path, master.ambience_lufs, master.ceiling_dbtp, master.mp3_quality, loop=True)


def press_quote(pack_dir, quote_id: str, master: MasterSettings, out_path) -> dict:
    """A spoken quote as a one-shot MP3 at quote_lufs (not a loop: no seam check)."""
    pack = _pack(str(pack_dir))
    quote = next((q for q in pack.quotes if q.id == quote_id), None)
    if quote is None:
        raise AudioError(f"no quote {quote_id!r}", pack.root / "pack.toml")
    sr = master.sample_rate
    audio = samples.load_audio(quote.file, sr)
    result = _press(audio, sr, out_path, master.quote_lufs, master.ceiling_dbtp, master.mp3_quality, loop=False)
    return {**result, "text": quote.text, "speaker": quote.speaker}


def press_sample(pack_dir, role: str, zone_index: int, out_path, sample_rate: int = 44100, quality: int = 2) -> dict:
    """One sampler zone as an MP3 for the browser's Tone.Sampler, at the pack's own level."""
    pack = _pack(str(pack_dir))
    inst = pack.instruments[role]
    zone = inst.zones[zone_index]
    audio = samples.load_audio(zone.file, sample_rate) * np.float32(10.0 ** (inst.gain_db / 20.0))  # the role balance
    peak = float(np.abs(audio).max())
    if peak > 0.98:  # keep MP3 overshoot from clipping in the browser
        audio = audio * (0.98 / peak)
    encode.write_mp3(audio, sample_rate, out_path, quality, loop=False)
    return {"samples": int(len(audio)), "sample_rate": sample_rate, "root": zone.root, "lo": zone.lo, "hi": zone.hi,
            "vel_lo": zone.vel_lo, "vel_hi": zone.vel_hi, "bytes": Path(out_path).stat().st_size}


def press_drum_loop(pack_dir, loop_id: str, tempo_bpm: float, bars: int, master: MasterSettings, out_path) -> dict:
    """Varispeed a pack's finished drum loop onto the tempo as an exact-length loop, at drums_lufs.

    No drum bus: a finished loop is already produced. Its kicks are not located:
    nothing reads kick_times_s yet (the track ducks on beats 1 and 3 whatever the drums).
    """
    sr = master.sample_rate
    audio = render.render_drum_loop(_pack(str(pack_dir)), loop_id, tempo_bpm, bars, sr)
    result = _press(audio, sr, out_path, master.drums_lufs, master.ceiling_dbtp, master.mp3_quality, loop=True)
    return {**result, "kick_times_s": []}
