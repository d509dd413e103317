"""The build's audio: every MP3 a site needs as a cached job, rendered over every core.

`audio_jobs` lists the jobs (tracks, drums, ambience, quotes, sampler zones), each keyed by the hash of the
pack data and file bytes it reads; `run_jobs` renders the missing ones in worker processes (lofipress.build.workers)
after saying how long that will take and checking the cache has room. Split from lofipress.build.pipeline, the
recipe, which calls it between arranging and writing the site.
"""
from __future__ import annotations

import os
import sys
from concurrent.futures import as_completed
from pathlib import Path

from . import workers as workers_mod
from .cache import Cache, code_hash, digest, intact, seal
from ..core.files import file_hash, part_path, writable_or_error
from ..station.config import Station, derive_seed
from ..core.errors import LofipressError, PackError
from ..packs import role_for

AUDIO_CODE = (  # tests/build/test_cache_code.py checks the list
    "build.audio", "build.cache", "sound.render", "sound.fx", "sound.master", "sound.dsp", "sound.dsp_noise",
    "sound.dsp_color", "sound.dsp_sampler", "sound.dsp_master", "sound.encode", "sound.lametag", "sound.seams",
    "sound.segments", "packs", "packs.foreign_audio", "packs.samples", "station.presets", "station.mood",
    "music.tokens", "core.notes", "core.audiofile", "core.files", "core.keys")


def audio_jobs(station: Station, cache: Cache, pack, tracks: list[dict]) -> list[dict]:
    """Every audio artifact the site needs, each with its cache path and the call that makes it.

    A key holds the pack data and file bytes its job reads, not the whole pack nor where it lives:
    a new kick redoes the drum loops only.
    """
    from .. import packs

    pack_dir = str(pack.root)
    m, fx = station.master, station.fx
    code = code_hash(*AUDIO_CODE)
    hashes = {f: file_hash(f) for f in packs.zone_files(pack)}
    jobs = []

    def add(kind, ident, func, args, reads, files, **extra):
        key = digest(kind, ident, [a for a in args if a != pack_dir], reads, [hashes[f] for f in files], code,
                     root=pack.root)
        jobs.append({"kind": kind, "id": ident, "func": func, "args": args,
                     "mp3": cache.path(f"audio/{kind}", key, ".mp3"),
                     "meta": cache.path(f"audio/{kind}", key, ".json"), **extra})

    zones = [z.file for inst in pack.instruments.values() for z in inst.zones]
    for t in tracks:
        add("track", t["id"], "press_track",
            (t["notes"], pack_dir, fx, m, t["tempo_bpm"], t["bars"], None, derive_seed(t["seed"], "render"),
             t["sections"]),
            pack.instruments, zones, audio_s=t["bars"] * 240 / t["tempo_bpm"])
    tempos = sorted({t["tempo_bpm"] for t in tracks})
    lp = station.loops
    for pattern in sorted(pack.patterns):
        kit = {voice: pack.kit[voice] for voice in pack.patterns[pattern].grid}
        for bpm in tempos:
            add("drums", f"{pattern}-{bpm}", "press_drums",
                (pack_dir, pattern, bpm, lp.drums_bars, m, None, derive_seed(station.station.seed, "drums", pattern)),
                (pack.patterns[pattern], kit), kit.values(), ref=pattern, bpm=bpm, audio_s=lp.drums_bars * 240 / bpm)
    for loop, loop_tempos in drum_loop_tempos(pack, tempos):
        for bpm in loop_tempos:
            add("drums", f"{loop.id}-{bpm}", "press_drum_loop", (pack_dir, loop.id, bpm, lp.drums_bars, m, None),
                loop, [loop.file], ref=loop.id, bpm=bpm, audio_s=lp.drums_bars * 240 / bpm)
    for bed in pack.ambience:
        for bpm in tempos:
            add("ambience", f"{bed.id}-{bpm}", "press_ambience", (pack_dir, bed.id, bpm, lp.ambience_bars, m, None),
                bed, [bed.file], ref=bed.id, bpm=bpm, audio_s=lp.ambience_bars * 240 / bpm)
    for q in pack.quotes:
        add("quote", q.id, "press_quote", (pack_dir, q.id, m, None), q, [q.file], ref=q.id)
    for role in dict.fromkeys(("keys", "bass", role_for(pack, "melody"))):  # live songs sing on the melody's voice
        inst = pack.instruments.get(role)
        if inst is None:
            continue
        top = max(z.vel_hi for z in inst.zones)  # the loudest layer: the browser sampler has one
        for i, z in enumerate(inst.zones):
            if z.vel_hi == top:
                add("sample", f"{role}-{z.root}", "press_sample", (pack_dir, role, i, None, m.sample_rate),
                    (z, inst.gain_db), [z.file], ref=role, root=z.root)
    return jobs


def check_drum_loops(pack, drums_bars: int) -> None:
    """Raise PackError for a drum loop that cannot restart on the station's drum grid (3 bars into 8)."""
    for loop in pack.drum_loops:
        if drums_bars % loop.bars:
            raise PackError(f"drum loop '{loop.id}' is {loop.bars} bars: it cannot repeat to fill the station's "
                            f"{drums_bars}-bar drum loop", pack.root / "pack.toml", f"trim it to a number of bars "
                            f"that divides {drums_bars}, or set [loops] drums_bars to a multiple of {loop.bars} "
                            f"in station.toml")


def drum_loop_tempos(pack, tempos: list[float]) -> list[tuple]:
    """(loop, the track tempos it is rendered at) for each finished drum loop of the pack.

    A loop is varispeeded, so pitch follows tempo: it plays only at tempos within
    packs.VARISPEED_MAX of its own, and a loop that fits none is left out. Kit
    patterns play at every tempo; a pack without them needs a loop near each one.

    Raises:
        PackError: a track tempo would have no drums.
    """
    from ..packs import VARISPEED_MAX

    plan = [(loop, [b for b in tempos if abs(b / loop.tempo_bpm - 1) <= VARISPEED_MAX]) for loop in pack.drum_loops]
    uncovered = [b for b in tempos if not any(b in fits for _, fits in plan)]
    if pack.drum_loops and not pack.patterns and uncovered:
        raise PackError(f"no drum loop is within {VARISPEED_MAX:.0%} of the track tempo {uncovered[0]:g} BPM",
                        pack.root / "pack.toml", "add a loop near that tempo or a kit pattern, "
                        "or narrow the tempo range in station.toml")
    return plan


def _run_job(func: str, args, mp3: str, meta: str, what: str = "") -> dict:
    """Worker: make one MP3 under a temporary name, then move it, its parts and its metadata into place.

    func names a function of lofipress.build.audio: a build with nothing to render never imports the DSP stack.
    A track's segments are parts: the job writes them at part_path(its temporary MP3, i).
    """
    from . import audio

    tmp = Path(mp3).with_name(f".{Path(mp3).name}.{os.getpid()}.tmp.mp3")
    args = tuple(str(tmp) if a is None else a for a in args)
    try:
        result = getattr(audio, func)(*args)
    except BaseException as exc:  # a job that fails leaves nothing behind in the cache
        for left in (tmp, *tmp.parent.glob(part_path(tmp, "*").name)):
            left.unlink(missing_ok=True)
        if what and isinstance(exc, LofipressError):  # say which file of the site failed, not a temporary name
            raise type(exc)(f"{what}: {exc.message}", exc.path, exc.fix) from None
        raise
    parts = len(result.get("segments", ()))
    for i in range(parts):  # the parts first: the sealed metadata, written last, vouches for all
        os.replace(part_path(tmp, i), part_path(mp3, i))
    os.replace(tmp, mp3)
    seal(mp3, meta, result, parts)
    return result


# CPU seconds per second of audio a job renders (sampler, effects, mastering, the MP3 and its segments, every
# check), measured on the 2-core development machine with `lofipress bench render`; a job also costs a start-up.
CPU_PER_AUDIO_S = 0.06
CPU_PER_JOB_S = 0.5
LONG_BUILD_S = 600.0  # a build that will render longer than this says so before it starts
MP3_BYTES_PER_AUDIO_S = 60_000  # a full MP3 at ~190 kbit/s and its segments again, with room: the disk it needs


def render_estimate_s(jobs: list[dict], workers: int) -> float:
    """Wall seconds to render `jobs` on `workers` cores: their audio's length times the measured rate."""
    cpu_s = sum(CPU_PER_JOB_S + CPU_PER_AUDIO_S * j.get("audio_s", 0.0) for j in jobs)
    return cpu_s / max(1, workers)


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"


def run_jobs(jobs: list[dict], workers: int, log, quiet: bool) -> None:
    """Run the jobs whose artifacts are missing, over `workers` processes, with a progress bar."""
    todo = [j for j in jobs if not intact(j["mp3"], j["meta"])]
    if todo:
        writable_or_error(Path(todo[0]["mp3"]).parent.parent, int(MP3_BYTES_PER_AUDIO_S * sum(j.get("audio_s", 0.0)
                                                                                             for j in todo)))
    estimate_s = render_estimate_s(todo, workers)
    log(f"audio: {len(jobs) - len(todo)} of {len(jobs)} files cached, {len(todo)} to render on {workers} cores"
        + (f" (about {_minutes(estimate_s)})" if todo else ""))
    if estimate_s > LONG_BUILD_S:
        log(f"this build renders {_minutes(sum(j.get('audio_s', 0) for j in todo))} of audio: about "
            f"{_minutes(estimate_s)} on {workers} cores; fewer [station] tracks or bars make it quicker")
    if not todo:
        return
    bar = None
    if not quiet and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=len(todo), unit="file", desc="rendering", file=sys.stderr)
    # Longest first (tracks), so the pool never ends waiting on one long job.
    todo.sort(key=lambda j: {"track": 0, "ambience": 1, "drums": 2, "quote": 3, "sample": 4}[j["kind"]])
    calls = [(j["func"], j["args"], str(j["mp3"]), str(j["meta"]), f"{j['kind']} {j['id']}") for j in todo]

    def finished():
        if workers <= 1:
            yield from (_run_job(*c) for c in calls)
            return
        with workers_mod.pool(workers) as pool:  # workers end with this process, however it ends
            yield from (f.result() for f in as_completed([pool.submit(_run_job, *c) for c in calls]))

    for done, _ in enumerate(finished(), 1):
        if bar:
            bar.update(1)
        elif not quiet and done % 10 == 0:
            log(f"audio: {done}/{len(todo)}")
    if bar:
        bar.close()
