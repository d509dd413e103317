"""Gather the press: the pipeline's stages as the plain data the site writer turns into pages and manifest.json.

Tracks with their segments, sections and drum breaks, live songs, the browser sampler's
zones, drums and ambience per tempo, quotes, credits, the model card and the
evaluation summary.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from ..core.files import part_path
from ..music.form_content import NOVELTY_MIN
from ..station.config import Station


def _meta(job: dict) -> dict:
    """The measurements an audio job wrote beside its MP3 (samples, sample rate...)."""
    return json.loads(job["meta"].read_text())


def gather(station: Station, pack, tracks: list[dict], jobs: list[dict], model_dir: Path, pieces: list[dict]) -> dict:
    """The press: plain data the site writer turns into pages and manifest.json."""
    by = {}
    for j in jobs:
        by.setdefault(j["kind"], []).append(j)
    track_jobs = {j["id"]: j for j in by.get("track", [])}
    press_tracks, songs = [], []
    for t in tracks:
        job = track_jobs[t["id"]]
        meta = _meta(job)
        segments = [{**row, "mp3": part_path(job["mp3"], i)} for i, row in enumerate(meta["segments"])]
        press_tracks.append({"id": t["id"], "title": t["title"], "bpm": t["tempo_bpm"], "key": t["key"],
                             "bars": t["bars"], "seed": t["seed"], "model": station.model.name, "notes": t["beats"],
                             "draws": int(t.get("draws", 1)), "mp3": job["mp3"], "segments": segments, "midi": t["midi"], "samples": meta["samples"],
                             "sample_rate": meta["sample_rate"], "sections": t["sections"],
                             "breaks": drum_breaks(t["sections"], station.song.drum_break_bars),
                             "novelty": t["metrics"].get("novelty_curve", []), "novelty_min": NOVELTY_MIN,
                             "metrics": {k: v for k, v in t["metrics"].items() if isinstance(v, (int, float))}})
        songs.append({"id": f"live-{t['id']}", "title": f"{t['title']} (live)", "bpm": t["tempo_bpm"],
                      "key": t["key"], "bars": t["bars"], "notes": t["beats"], "midi": t["midi"],
                      "sections": t["sections"], "breaks": drum_breaks(t["sections"], station.song.drum_break_bars)})

    def looped(kind, bars, info):
        out = {}
        for j in by.get(kind, []):
            entry = out.setdefault(j["ref"], {"id": j["ref"], "bars": bars, "by_bpm": {}, **info(j["ref"])})
            entry["by_bpm"][j["bpm"]] = {"mp3": j["mp3"], "samples": _meta(j)["samples"]}
        return [out[k] for k in sorted(out)]

    beds = {b.id: b for b in pack.ambience}
    loops = {d.id: d for d in pack.drum_loops}

    def drum_info(ref):  # a finished loop keeps its own tempo: it is rendered only near it
        if ref in pack.patterns:
            return {"title": pack.patterns[ref].title}
        return {"title": loops[ref].title, "loop_bpm": loops[ref].tempo_bpm}

    # Patterns first: they play at every tempo, so the player's default drums always sound.
    drums = sorted(looped("drums", station.loops.drums_bars, drum_info), key=lambda d: "loop_bpm" in d)
    ambience = looped("ambience", station.loops.ambience_bars,
                      lambda ref: {"title": beds[ref].title, "visual": beds[ref].visual})
    quotes = []
    for j in by.get("quote", []):
        q = next(q for q in pack.quotes if q.id == j["ref"])
        quotes.append({"id": q.id, "text": q.text, "speaker": q.speaker, "mp3": j["mp3"], "samples": _meta(j)["samples"]})
    sampler: dict = {}
    for j in by.get("sample", []):
        sampler.setdefault(j["ref"], {})[j["root"]] = j["mp3"]
    from ..music.evaluate import summarize_rows
    from ..music.model_card import describe

    card = json.loads((model_dir / "card.json").read_text())
    fxp = _live_fx(station)
    return {
        "tracks": press_tracks, "songs": songs, "sampler": sampler, "drums": drums, "ambience": ambience,
        "quotes": quotes,
        "credits": [dataclasses.asdict(c) for c in pack.credits],
        "pack": {"name": pack.name, "license": pack.license},
        "about": {"eval": summarize_rows(pieces), "loss_png": model_dir / "loss.png" if (model_dir / "loss.png").is_file() else None,
                  "card": {k: card[k] for k in ("corpus", "epochs", "best_epoch", "metrics", "vocab_size", "date",
                                                "settings", "parameters") if k in card},
                  "model": describe(card), "melody": _melody_card(station, model_dir),
                  "compare": comparisons(model_dir.parent)},
        "live_fx": fxp,
    }


def _melody_card(station: Station, model_dir: Path) -> dict | None:
    """What the about page says of the melody model (its melodies by source), where one writes the melodies."""
    path = model_dir / "melody.json"
    if station.song.melody != "model" or not path.is_file() or not (model_dir / "melody.keras").is_file():
        return None
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
        sources = {k: int(v) for k, v in card.get("sources", {}).items()}
    except (ValueError, TypeError, AttributeError):
        return None  # a damaged card: the page says nothing rather than something wrong
    return {"melodies": sum(sources.values()), "folk": sources.get("music21_folk", 0),
            "chorales": sources.get("music21_chorales", 0), "corpus": sources.get("corpus_leads", 0)}


def comparisons(models_dir: Path) -> list[dict]:
    """The `lofipress models compare` results kept beside the models (models/compare/*.json), for the about page;
    a file that is not a JSON object is left out (the page says nothing rather than something wrong)."""
    out = []
    for path in sorted((models_dir / "compare").glob("*.json"))[:8]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and isinstance(data.get("archs"), dict):
            out.append(data)
    return out


def drum_breaks(sections, bars: int) -> list[int]:
    """Bars (0-based) where the player drops the drums: the last `bars` bars before B, a break into the bridge."""
    return [b for name, first, _ in sections if name == "B" for b in range(max(first - bars, 0), first)]


def _live_fx(station: Station) -> dict:
    """The in-browser chain for live songs, from the same fx preset as the renders."""
    from ..station.presets import resolve

    r = resolve(station.fx)
    return {"lowpass_hz": float(r.get("lowpass_hz", 9000.0)), "bit_depth": int(r.get("bit_depth", 12) or 16),
            "noise_db": float(r.get("hiss_db", -40.0)), "wow_cents": float(r.get("wow_cents", 6.0))}
