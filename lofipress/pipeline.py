"""`lofipress build`: the recipe. Each stage is cached by the hash of what it reads.

    station -> model (trained only if missing) -> compose (+ gate) -> arrange -> MIDI
    pack -> audio jobs (tracks, drums, ambience, quotes, sampler zones; every core) -> site

TensorFlow is imported only when the model folder has no model; a rebuild with
nothing changed hashes its inputs, finds every artifact and the same site, and stops.
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sys
import time
from concurrent.futures import as_completed
from pathlib import Path

import numpy as np

from . import workers as workers_mod
from .cache import Cache, code_hash, digest, file_hash, intact, part_path, seal, tree_hash, writable_or_error
from .config import Station, derive_seed
from .errors import LofipressError, ModelError, PackError
from .packs import role_for
from .press import gather
from .site import SITE_STAMP  # in the built site: its key, and proof that lofipress made it

AUDIO_CODE = ("audio", "render", "fx", "presets", "master", "dsp", "encode", "packs", "samples", "notes", "segments",
              "cache", "mood", "tokens")
COMPOSE_CODE = ("compose", "generate", "priors", "tokens", "metrics", "model", "keras_file", "wavenet", "transformer",
                "chords", "train", "song", "arrange", "song_metrics", "copying", "corpus",
                "mood")  # tests/test_cache_code.py checks the list; the archs' step models load lazily


class Log:
    """One line per stage; quiet mode for CI keeps only the lines, never progress bars."""

    def __init__(self, quiet: bool):
        self.quiet, self.t0 = quiet, time.perf_counter()

    def __call__(self, msg: str) -> None:
        print(f"[{time.perf_counter() - self.t0:6.1f}s] {msg}", flush=True)


def _model_dir(station: Station) -> Path:
    return station.path(station.model.dir) / station.model.name


def ensure_model(station: Station, log) -> Path:
    """The station's model folder, training it first if it has no model."""
    from .model import CARD_FILE, MODEL_FILE, VOCAB_FILE

    model_dir = _model_dir(station)
    if all((model_dir / f).is_file() for f in (MODEL_FILE, VOCAB_FILE, CARD_FILE)):
        _check_arch(station, model_dir / CARD_FILE)
        return model_dir
    log(f"no trained model in {model_dir}: training on {station.corpus.dir} (TensorFlow, minutes)")
    from .train import train

    train(station.path(station.corpus.dir), model_dir, station.model, station.corpus, seed=station.station.seed,
          log=log)
    return model_dir


def _check_arch(station: Station, card_path: Path) -> None:
    """A station asking for another arch than its model folder holds is told so, not given the other model.

    The default arch ("small") asks for nothing: a station naming a WaveNet folder uses it as it is."""
    try:
        trained = (json.loads(card_path.read_text(encoding="utf-8")).get("settings") or {}).get("arch", "small")
    except (OSError, ValueError, AttributeError):
        return  # model.load reports a broken card with its own fix
    wanted = station.model.arch
    if wanted != "small" and trained != wanted:
        raise ModelError(f"this model was trained as {trained!r}, but the station asks for model.arch = {wanted!r}",
                         card_path.parent, f"set [model] name to a {wanted} model folder, or move this one away "
                         "and build again to train it")


def compose_stage(station: Station, cache: Cache, model_dir: Path, log) -> list[dict]:
    """Composed pieces as plain dicts, from the cache when model, sampling and plan are unchanged."""
    from .model import MODEL_FILE, VOCAB_FILE
    from .train import EVENTS_FILE

    model_files = [file_hash(model_dir / f) for f in (MODEL_FILE, VOCAB_FILE) if (model_dir / f).is_file()]
    events = model_dir / EVENTS_FILE
    key = digest("compose", model_files, file_hash(events) if events.is_file() else "", station.sampling,
                 station.song, station.arrange, station.station.seed, station.station.tracks, station.station.bars, station.station.tempo_min_bpm,
                 station.station.tempo_max_bpm, station.station.tempo_step_bpm, station.station.keys,
                 code_hash(*COMPOSE_CODE))
    hit = cache.get_json("compose", key)
    if hit is not None:
        log(f"composed {len(hit)} pieces (cached)")
        return hit
    from .compose import compose

    pieces = compose(station, log=log)
    data = [{"index": c.index, "id": c.id, "title": c.title, "key": c.key, "tempo_bpm": c.tempo_bpm,
             "seed": c.seed, "bars": c.piece.bars, "sections": [list(s) for s in c.piece.sections],
             "parts": {k: [list(n) for n in v] for k, v in c.parts.items()},
             "metrics": c.metrics, "failures": c.failures, "draws": c.draws} for c in pieces]
    cache.put_json("compose", key, data)
    return data


def arrange_stage(station: Station, cache: Cache, pieces: list[dict]) -> list[dict]:
    """Performed notes (seconds), beats for the visualizer and a .mid per piece, cached as a whole."""
    key = digest("perform", [(p["seed"], p["parts"], p["sections"], p["key"], p["tempo_bpm"], p["bars"], p["title"])
                             for p in pieces], station.arrange, code_hash("perform", "chords", "notes"))
    hit = cache.get_json("arrange", key)
    if hit is not None and len(hit) == len(pieces):
        midis = [cache.root / "midi" / h["midi"] for h in hit]
        if all(m.is_file() for m in midis):
            return [{**p, "notes": h["notes"], "beats": h["beats"], "midi": m} for p, h, m in zip(pieces, hit, midis)]
    out = _arrange(station, cache, pieces)
    cache.put_json("arrange", key, [{"notes": t["notes"], "beats": t["beats"], "midi": t["midi"].name} for t in out])
    return out


def _arrange(station: Station, cache: Cache, pieces: list[dict]) -> list[dict]:
    from . import perform

    out = []
    for p in pieces:
        rng = np.random.default_rng(derive_seed(p["seed"], "perform"))
        sections = [tuple(s) for s in p["sections"]]
        parts = {k: [tuple(n) for n in v] for k, v in p["parts"].items()}
        notes = perform.perform(parts, p["key"], p["tempo_bpm"], p["bars"], station.arrange, rng, sections)
        rows = [n.to_list() for n in notes]
        midi = cache.path("midi", digest("midi", rows, p["tempo_bpm"], p["key"], p["title"], sections,
                                         code_hash("perform")), ".mid")
        if not midi.is_file():
            tmp = midi.with_name(f".{midi.name}.{os.getpid()}.tmp")
            perform.write_midi(notes, p["tempo_bpm"], p["key"], tmp, p["title"], sections)
            os.replace(tmp, midi)
        out.append({**p, "notes": rows, "beats": perform.notes_to_beats(notes, p["tempo_bpm"]), "midi": midi})
    return out


def audio_jobs(station: Station, cache: Cache, pack, tracks: list[dict]) -> list[dict]:
    """Every audio artifact the site needs, each with its cache path and the call that makes it.

    A key holds the pack data and file bytes its job reads, not the whole pack nor where it lives:
    a new kick redoes the drum loops only.
    """
    from . import packs

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
    from .packs import VARISPEED_MAX

    plan = [(loop, [b for b in tempos if abs(b / loop.tempo_bpm - 1) <= VARISPEED_MAX]) for loop in pack.drum_loops]
    uncovered = [b for b in tempos if not any(b in fits for _, fits in plan)]
    if pack.drum_loops and not pack.patterns and uncovered:
        raise PackError(f"no drum loop is within {VARISPEED_MAX:.0%} of the track tempo {uncovered[0]:g} BPM",
                        pack.root / "pack.toml", "add a loop near that tempo or a kit pattern, "
                        "or narrow the tempo range in station.toml")
    return plan


def _run_job(func: str, args, mp3: str, meta: str) -> dict:
    """Worker: make one MP3 under a temporary name, then move it, its parts and its metadata into place.

    func names a function of lofipress.audio: a build with nothing to render never imports the DSP stack.
    A track's segments are parts: the job writes them at part_path(its temporary MP3, i).
    """
    from . import audio

    tmp = Path(mp3).with_name(f".{Path(mp3).name}.{os.getpid()}.tmp.mp3")
    args = tuple(str(tmp) if a is None else a for a in args)
    try:
        result = getattr(audio, func)(*args)
    except BaseException:  # a job that fails leaves nothing behind in the cache
        for left in (tmp, *tmp.parent.glob(part_path(tmp, "*").name)):
            left.unlink(missing_ok=True)
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
    calls = [(j["func"], j["args"], str(j["mp3"]), str(j["meta"])) for j in todo]

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


def build(station: Station, force: bool = False, jobs: int = 0, quiet: bool = False, out: str | None = None) -> dict:
    """Build the station's site.

    Args:
        station: the loaded Station.
        force: ignore every cached artifact (the cache is emptied first).
        jobs: worker processes for audio (0 = every core).
        quiet: one line per stage, no progress bars.
        out: output folder (default station.site.out_dir).
    Returns:
        A summary: site folder, files, bytes, timings, whether anything was rebuilt.
    Raises:
        LofipressError: bad input anywhere; the previous site is left as it was.
    """
    from . import balance, packs
    from .site import STATIC, TEMPLATES, check_output, write_site

    log = Log(quiet)
    started = time.perf_counter()
    out_dir = Path(out).absolute() if out else station.path(station.site.out_dir)
    check_output(out_dir)  # bad input fails in seconds, before anything is composed or rendered
    pack_dir = station.path(station.pack.dir) / station.pack.name
    pack = packs.load_pack(pack_dir)
    check_drum_loops(pack, station.loops.drums_bars)
    apart = balance.apart_warning(pack)  # a mixing mistake is said, not silently pressed into every track
    if apart:
        log(f"warning: {apart}")
    cache = Cache(station.path(".cache"))
    if force and cache.root.is_dir():
        shutil.rmtree(cache.root)
    cache.check()  # a read-only cache is named before any work (a full one before rendering: run_jobs)
    os.environ.setdefault("MPLCONFIGDIR", str(cache.root / "matplotlib"))  # its font cache, not in ~/.cache
    model_dir = ensure_model(station, log)
    pieces = compose_stage(station, cache, model_dir, log)
    tracks = arrange_stage(station, cache, pieces)
    job_list = audio_jobs(station, cache, pack, tracks)
    offered = {j["ref"] for j in job_list if j["kind"] == "drums"}
    for loop in (d for d in pack.drum_loops if d.id not in offered):
        log(f"drum loop '{loop.id}' ({loop.tempo_bpm:g} BPM) is more than {packs.VARISPEED_MAX:.0%} from every "
            f"track tempo: left out")
    workers = jobs or os.cpu_count() or 1
    run_jobs(job_list, workers, log, quiet)
    press = gather(station, pack, tracks, job_list, model_dir, pieces)
    site_key = digest("site", press, dataclasses.replace(station, root=""),
                      code_hash("site", "pages", "manifest", "pianoroll", "press"), tree_hash(TEMPLATES), tree_hash(STATIC),
                      os.environ.get("SOURCE_DATE_EPOCH", ""), root=station.path("."))  # the same wherever it lives
    stamp = out_dir / SITE_STAMP
    if not force and stamp.is_file() and _stamp_key(stamp) == site_key:
        log(f"site unchanged: {out_dir}")
        return {"dir": str(out_dir), "rebuilt": False, "seconds": round(time.perf_counter() - started, 3)}
    summary = write_site(station, press, out_dir, site_key)
    log(f"wrote {out_dir}: {summary.get('files')} files, {summary.get('bytes', 0) / 1e6:.1f} MB, "
        f"{len(tracks)} tracks")
    return {**summary, "rebuilt": True, "seconds": round(time.perf_counter() - started, 3)}


def _stamp_key(path: Path) -> str | None:
    try:
        return json.loads(path.read_text()).get("key")
    except (OSError, ValueError):
        return None


def cli_build(args) -> int:
    from . import stations
    from .cli import station_from_args

    if stations.is_stations_folder(args.station):  # a stations/ folder: every station and a picker
        return stations.cli_build(args)
    station = station_from_args(args)
    build(station, args.force, args.jobs, args.quiet, args.out)
    return 0


def cli_clean(args) -> int:
    """Remove the build cache and the site folder, only if lofipress made it (it holds our stamp).

    A stations/ folder: every station's cache and the multi-station site.
    """
    from . import stations
    from .cli import station_from_args

    if stations.is_stations_folder(args.station):
        lineup = stations.load_lineup(args.station)
        site, caches = lineup.out_dir, [s.path(".cache") for s in lineup.stations]
    else:
        station = station_from_args(args)
        site, caches = station.path(station.site.out_dir), [station.path(".cache")]
    if site.is_dir() and not (site / SITE_STAMP).is_file():  # checked first: a refusal removes nothing
        raise LofipressError("not removing a folder lofipress did not make (no build stamp)", site,
                             "delete it yourself if you are sure")
    removed = []
    for folder in dict.fromkeys([*caches, site]):  # two stations may share a folder, and so a cache
        if folder.is_dir():
            shutil.rmtree(folder)
            removed.append(str(folder))
    print("removed " + (", ".join(removed) if removed else "nothing (already clean)"))
    return 0
