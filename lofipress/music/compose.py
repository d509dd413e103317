"""Compose a station's songs: plan (seed, key, tempo, title, sections), generate in one batch, arrange, gate, redraw.

Every piece gets its own seed derived from the station seed and its index, so
track 3 is the same whether the station has 5 tracks or 50. Each draw is
arranged (lofipress.music.arrange) before it is scored, so the gate scores the parts
that are published: tonality (lofipress.music.metrics), copying per part
(lofipress.music.copying), form, melody and bass (lofipress.music.song_metrics). A piece
that misses a target is redrawn with a new derived seed, all failing pieces
together, up to `sampling.max_redraws` times; the draw missing the fewest
targets is kept.
"""
from __future__ import annotations

import dataclasses
import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import copying, form_content, metrics, song_metrics
from .arrange import COMPINGS, REGISTERS, arrange_parts, comp_feel
from ..station.config import Station, derive_seed
from ..core.errors import ConfigError, ModelError
from .generate import Request, generate, primer_tokens
from . import melody_write
from .melody_model import load as load_melody
from .model import load as load_model
from .song import plan_sections
from .tokens import Piece, decode
from ..core.keys import key_name, parse_key
from .train import EVENTS_FILE

ADJECTIVES = ("amber", "velvet", "quiet", "paper", "late", "dusty", "soft", "rainy", "hazy", "warm", "faded",
              "slow", "blue", "golden", "sleepy", "distant", "mellow", "cloudy", "tender", "hollow", "lazy",
              "silver", "foggy", "honey")
NOUNS = ("window", "lanterns", "tram", "letters", "library", "balcony", "tea", "cassette", "streetlight",
         "notebook", "harbor", "attic", "umbrella", "bookshop", "rooftop", "sweater", "radio", "garden",
         "platform", "postcard", "kettle", "alley", "snowfall", "polaroid")


@dataclass
class Composed:
    """One composed piece and how it got through the gate."""

    index: int
    id: str
    title: str
    key: str
    tempo_bpm: int
    seed: int  # the seed of the draw that was kept
    piece: Piece
    tokens: list[str]
    parts: dict = field(default_factory=dict)  # arranged grid notes: keys, melody, bass
    metrics: dict = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    draws: int = 1


def plan(station: Station, n: int) -> list[dict]:
    """Seed, key, tempo and title of each track, from the station seed alone."""
    s = station.station
    keys = list(s.keys) or [key_name(pc, m) for m in ("major", "minor") for pc in range(12)]
    for k in keys:
        try:
            parse_key(k)
        except ValueError:
            raise ConfigError(f"'station.keys' holds {k!r}, not a key", Path(station.root) / "station.toml",
                              'write keys like "C", "Am", "Eb major"') from None
    steps = int(round((s.tempo_max_bpm - s.tempo_min_bpm) / s.tempo_step_bpm))
    tempos = sorted({int(round(s.tempo_min_bpm + i * s.tempo_step_bpm)) for i in range(steps + 1)})
    out = []
    for i in range(n):
        rng = np.random.default_rng(derive_seed(s.seed, "plan", i))
        tonic, mode = parse_key(keys[int(rng.integers(len(keys)))])
        title = f"{ADJECTIVES[int(rng.integers(len(ADJECTIVES)))]} {NOUNS[int(rng.integers(len(NOUNS)))]}".title()
        tempo = tempos[int(rng.integers(len(tempos)))]
        # The track's feel, drawn last so every earlier draw (and so titles, keys, tempos) stays as it was.
        out.append({"index": i, "id": f"t{i + 1:02d}", "title": title, "key": key_name(tonic, mode),
                    "tempo_bpm": tempo, "comping": COMPINGS[int(rng.integers(len(COMPINGS)))],
                    "register": REGISTERS[int(rng.integers(len(REGISTERS)))]})
    return out


def load_copy_index(model_dir: Path) -> copying.PartIndex | None:
    """The training corpus as per-part event sequences, for the copying check (None if the model has none)."""
    path = model_dir / EVENTS_FILE
    if not path.is_file():
        return None
    with gzip.open(path, "rb") as fh:
        seqs = json.loads(fh.read())
    if not all(isinstance(v, dict) for v in seqs.values()):
        return None  # a model trained before parts were recorded: retrain it to check copying per part
    return copying.PartIndex.build(seqs)


def score(parts: dict, key: str, bars: int, sections, index: copying.PartIndex | None) -> dict:
    """Every gate metric of an arranged song. Tonality is heard on the keys and the melody, not asked for."""
    heard = sorted(parts.get("keys", [])) + sorted(parts.get("melody", []))
    m = metrics.piece_metrics(heard, bars, None)
    m.update(song_metrics.song_metrics(parts, sections, bars, metrics.key_scale_pcs(m["key"]), parse_key(key)[0]))
    m.update(form_content.content_metrics(parts, sections, bars))
    if index is not None:
        m.update(copying.copy_metrics(parts.get("keys", []), parts.get("melody", []), index))
    m["notes"] = sum(len(v) for v in parts.values())
    return m


def failures_of(m: dict) -> list[str]:
    """Every target a scored song misses."""
    return metrics.check(m) + copying.check(m) + song_metrics.check(m) + form_content.check(m)


def compose(station: Station, n: int | None = None, log=print, drop_failing: bool = False) -> list[Composed]:
    """Compose, gate and redraw the station's pieces.

    Args:
        station: the station (model folder, sampling settings, seed, bars, tempo range, keys).
        n: number of pieces (default station.tracks).
        drop_failing: leave out (and say so, one line each) a piece still missing a target after the redraws,
            as a build does: the gate is a promise, not advice. Off, every piece comes back with its failures,
            for `eval` and the first-draw measurements.
    Returns:
        One Composed per track, in track order (those that passed, with drop_failing); `draws` says how often
        each was drawn.
    Raises:
        ModelError: the model folder is missing or inconsistent, or (drop_failing) no piece met the targets.
    """
    n = station.station.tracks if n is None else n
    model_dir = station.path(station.model.dir) / station.model.name
    step, vocab, _ = load_model(model_dir)
    melody = load_melody(model_dir) if station.song.melody == "model" else None
    index = load_copy_index(model_dir)
    bars, sampling = station.station.bars, station.sampling
    plans = plan(station, n)
    sections = plan_sections(station.song.form or "song", bars, sampling.loop_bars or 4)
    # Keys of one mode (a mood, or keys = ["Am", "Dm"]) promise that mode: a piece heard in the other is redrawn.
    modes = {parse_key(k)[1] for k in station.station.keys}
    kept: dict[int, Composed] = {}
    pending = list(range(n))
    for draw in range(sampling.max_redraws + 1):
        if not pending:
            break
        requests = []
        for i in pending:
            p = plans[i]
            primer = primer_tokens(sampling.primer, p["key"], vocab) if sampling.primer else ()
            requests.append(Request(parse_key(p["key"])[1], derive_seed(station.station.seed, "track", i, draw), primer,
                                    sections))
        sequences = generate(step, vocab, requests, bars, sampling, station.song)
        drafts = [decode(toks, plans[i]["key"], plans[i]["id"]) for i, toks in zip(pending, sequences)]
        drafts = [dataclasses.replace(d, notes=tuple(comp_feel(d.notes, plans[i]["comping"])))
                  for i, d in zip(pending, drafts)]
        # The melody model sings over the keys the composer wrote. The keys model still writes its own lead, as it
        # learned to, and that line is dropped: with its lead masked the keys left their habit and 46 of 288
        # first draws wandered out of the key, against 18 (scripts/first_draw.py).
        if melody is not None:
            jobs = [melody_write.Job(list(d.notes), *parse_key(d.key), bars, sections, derive_seed(req.seed, "melody"))
                    for d, req in zip(drafts, requests)]
            drafts = [dataclasses.replace(d, lead=tuple(lead)) for d, lead in zip(drafts, melody_write.write(melody, jobs))]
        for i, req, toks, piece in zip(pending, requests, sequences, drafts):
            best = kept.get(i)
            p = plans[i]
            piece = Piece(p["id"], piece.notes, piece.key, bars, lead=piece.lead, sections=sections)
            low, high = station.arrange.keys_low + p["register"], station.arrange.keys_high + p["register"]
            parts = arrange_parts(piece, dataclasses.replace(station.arrange, keys_low=low, keys_high=high),
                                  np.random.default_rng(derive_seed(req.seed, "arrange")))
            m = score(parts, piece.key, bars, sections, index)
            failures = failures_of(m)
            heard = key_name(*parse_key(m["key"]))  # label the piece with the key it is heard in
            if len(modes) == 1 and parse_key(heard)[1] not in modes:
                failures.append(f"mode: heard {heard}, asked for {p['key']}")
            candidate = Composed(i, p["id"], p["title"], heard, p["tempo_bpm"], req.seed,
                                 Piece(p["id"], piece.notes, heard, bars, lead=piece.lead, sections=sections), toks,
                                 parts, m, failures, draw + 1)
            if best is None or len(failures) < len(best.failures):
                kept[i] = candidate
            kept[i].draws = draw + 1
        pending = [i for i in pending if kept[i].failures]
    redrawn = sum(1 for c in kept.values() if c.draws > 1)
    failed = sum(1 for c in kept.values() if c.failures)
    first = sum(1 for c in kept.values() if c.draws == 1 and not c.failures)
    log(f"composed {n} songs of {bars} bars ({' '.join(f'{s}:{b}' for s, _, b in sections)}): {first} passed on "
        f"the first draw, {redrawn} redrawn"
        + (f", {failed} still missing a target after {sampling.max_redraws} redraws" if failed else ""))
    pieces = [kept[i] for i in range(n)]
    if not drop_failing:
        return pieces
    for c in pieces:
        if c.failures:
            log(f"{c.id} '{c.title}' left out: after {c.draws} draws it still misses {c.failures[0]}"
                + (f" and {len(c.failures) - 1} more" if len(c.failures) > 1 else ""))
    passing = [c for c in pieces if not c.failures]
    if not passing:
        raise ModelError(f"none of the {n} songs met the quality targets in {sampling.max_redraws + 1} draws "
                         f"(first miss: {pieces[0].failures[0]})", model_dir,
                         "train the model longer or on more music, or raise [sampling] max_redraws")
    return passing
