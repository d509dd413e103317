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
import time
from pathlib import Path

import numpy as np

from .cache import Cache, code_hash, digest

from ..core.files import file_hash
from ..station.config import Station, derive_seed
from ..core.errors import ModelError
from ..core.resources import ROOT as INSTALL_ROOT
from .audio_jobs import audio_jobs, check_drum_loops, run_jobs
from ..site.budget import audio_cost_line
from .press import gather
from ..site import SITE_STAMP, intact as site_intact  # noqa: F401 - the stamp: its key, its files, proof it is ours

SITE_CODE = ("site", "site.pages", "site.manifest", "site.pianoroll", "site.theme", "site.csp", "site.budget",
             "site.compare_table", "site.templates", "site.stamp", "build.press", "music.model_card", "core.files",
             "station.mood", "core.keys", "music.form_content")
COMPOSE_CODE = (  # tests/build/test_cache_code.py checks the list; the archs' step models load lazily
    "music.compose", "music.generate", "music.grammar", "music.priors", "music.tokens", "music.metrics",
    "music.model", "music.keras_file", "music.wavenet", "music.transformer", "music.chords", "music.train",
    "music.song", "music.arrange", "music.song_metrics", "music.copying", "music.corpus", "music.form_content",
    "music.melody_write", "music.melody_model", "music.melody_data", "music.melody_sources", "station.mood",
    "station.form", "core.keys")


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
    from ..music.model import CARD_FILE, MODEL_FILE, VOCAB_FILE

    model_dir = _model_dir(station)
    if all((model_dir / f).is_file() for f in (MODEL_FILE, VOCAB_FILE, CARD_FILE)):
        _check_arch(station, model_dir / CARD_FILE)
        return model_dir
    from ..music.corpus import corpus_files

    corpus = station.path(station.corpus.dir)
    if not (corpus.is_dir() and corpus_files(corpus)):  # nothing to train on: the missing model is the news
        models = sorted({p.parent.name for folder in (model_dir.parent, INSTALL_ROOT / "models")
                         for p in folder.glob(f"*/{MODEL_FILE}")})
        raise ModelError(f"no model '{station.model.name}' in {model_dir.parent} or lofipress's own (the models "
                         f"there: {', '.join(models) or 'none'}), and no MIDI in {corpus} to train one on", None,
                         "set [model] name to one of those, or put MIDI files in the corpus and build again")
    log(f"no trained model in {model_dir}: training on {station.corpus.dir} (TensorFlow, minutes)")
    from ..music.train import train

    train(corpus, model_dir, station.model, station.corpus, seed=station.station.seed, log=log)
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
    from ..music.melody_model import MELODY_FILE
    from ..music.model import MODEL_FILE, VOCAB_FILE
    from ..music.train import EVENTS_FILE

    model_files = [file_hash(model_dir / f) for f in (MODEL_FILE, VOCAB_FILE, MELODY_FILE) if (model_dir / f).is_file()]
    events = model_dir / EVENTS_FILE
    key = digest("compose", model_files, file_hash(events) if events.is_file() else "", station.sampling,
                 station.song, station.arrange, station.station.seed, station.station.tracks, station.station.bars, station.station.tempo_min_bpm,
                 station.station.tempo_max_bpm, station.station.tempo_step_bpm, station.station.keys,
                 code_hash(*COMPOSE_CODE))
    hit = cache.get_json("compose", key)
    if hit is not None:
        log(f"composed {len(hit)} pieces (cached)")
        return hit
    from ..music.compose import compose

    pieces = compose(station, log=log, drop_failing=True)
    data = [{"index": c.index, "id": c.id, "title": c.title, "key": c.key, "tempo_bpm": c.tempo_bpm,
             "seed": c.seed, "bars": c.piece.bars, "sections": [list(s) for s in c.piece.sections],
             "parts": {k: [list(n) for n in v] for k, v in c.parts.items()},
             "metrics": c.metrics, "failures": c.failures, "draws": c.draws} for c in pieces]
    cache.put_json("compose", key, data)
    return data


def arrange_stage(station: Station, cache: Cache, pieces: list[dict]) -> list[dict]:
    """Performed notes (seconds), beats for the visualizer and a .mid per piece, cached as a whole."""
    key = digest("perform", [(p["seed"], p["parts"], p["sections"], p["key"], p["tempo_bpm"], p["bars"], p["title"])
                             for p in pieces], station.arrange, code_hash("music.perform", "music.chords", "core.notes"))
    hit = cache.get_json("arrange", key)
    if hit is not None and len(hit) == len(pieces):
        midis = [cache.root / "midi" / h["midi"] for h in hit]
        if all(m.is_file() for m in midis):
            return [{**p, "notes": h["notes"], "beats": h["beats"], "midi": m} for p, h, m in zip(pieces, hit, midis)]
    out = _arrange(station, cache, pieces)
    cache.put_json("arrange", key, [{"notes": t["notes"], "beats": t["beats"], "midi": t["midi"].name} for t in out])
    return out


def _arrange(station: Station, cache: Cache, pieces: list[dict]) -> list[dict]:
    from ..music import perform

    out = []
    for p in pieces:
        rng = np.random.default_rng(derive_seed(p["seed"], "perform"))
        sections = [tuple(s) for s in p["sections"]]
        parts = {k: [tuple(n) for n in v] for k, v in p["parts"].items()}
        notes = perform.perform(parts, p["key"], p["tempo_bpm"], p["bars"], station.arrange, rng, sections)
        rows = [n.to_list() for n in notes]
        midi = cache.path("midi", digest("midi", rows, p["tempo_bpm"], p["key"], p["title"], sections,
                                         code_hash("music.perform")), ".mid")
        if not midi.is_file():
            tmp = midi.with_name(f".{midi.name}.{os.getpid()}.tmp")
            perform.write_midi(notes, p["tempo_bpm"], p["key"], tmp, p["title"], sections)
            os.replace(tmp, midi)
        out.append({**p, "notes": rows, "beats": perform.notes_to_beats(notes, p["tempo_bpm"]), "midi": midi})
    return out


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
    from .. import packs
    from ..site import theme
    from ..site import check_output, write_site

    log = Log(quiet)
    started = time.perf_counter()
    out_dir = Path(out).absolute() if out else station.path(station.site.out_dir)
    check_output(out_dir)  # bad input fails in seconds, before anything is composed or rendered
    pack_dir = station.path(station.pack.dir) / station.pack.name
    pack = packs.load_pack(pack_dir)
    check_drum_loops(pack, station.loops.drums_bars)
    cache = Cache(station.path(".cache"))
    if force and cache.root.is_dir():
        shutil.rmtree(cache.root)
    cache.check()  # a read-only cache is named before any work (a full one before rendering: run_jobs)
    apart = _balance_warning(pack, cache)  # a mixing mistake is said, not silently pressed into every track
    if apart:
        log(f"warning: {apart}")
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
    log(audio_cost_line(job_list))
    press = gather(station, pack, tracks, job_list, model_dir, pieces)
    site_key = digest("site", press, dataclasses.replace(station, root=""),
                      code_hash(*SITE_CODE), theme.theme_hash(station),
                      os.environ.get("SOURCE_DATE_EPOCH", ""), root=station.path("."))  # the same wherever it lives
    if not force and site_intact(out_dir, site_key):  # the key, and every file the site was built with
        log(f"site unchanged: {out_dir}")
        return {"dir": str(out_dir), "rebuilt": False, "seconds": round(time.perf_counter() - started, 3)}
    summary = write_site(station, press, out_dir, site_key)
    log(f"wrote {out_dir}: {summary.get('files')} files, {summary.get('bytes', 0) / 1e6:.1f} MB, "
        f"{len(tracks)} tracks")
    return {**summary, "rebuilt": True, "seconds": round(time.perf_counter() - started, 3)}


def _balance_warning(pack, cache: Cache) -> str | None:
    """balance.apart_warning, cached by what it reads (each role's reference zone and gain): decoding those
    zones costs a no-op rebuild about 2 s (scipy's resampler and the decoders load for it)."""
    from ..packs.balance import apart_warning, reference_zone

    key = digest("balance", [(role, inst.gain_db, file_hash(reference_zone(inst).file))
                             for role, inst in sorted(pack.instruments.items())], pack.name,
                 str(pack.root / "pack.toml"), code_hash("packs.balance"))  # the line names the pack and its file
    hit = cache.get_json("balance", key)
    if hit is None:
        hit = {"warning": apart_warning(pack)}
        cache.put_json("balance", key, hit)
    return hit["warning"]
