"""manifest.json: the one contract between the Python build and the browser player.

`asset_plan` names every file the pipeline hands over (a track's segments too)
with a stable, URL-safe path inside the site; `build_manifest` writes
manifest.json from the same names and checks that every `src` it names exists
in the site folder. The format is documented in docs/manifest.md.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from ..core.errors import SiteError

VERSION = 1  # bump when a field changes meaning; the player checks it
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")  # ids become file names and URL parts: no '#', '/', '%'


def dump_json(data) -> str:
    """Deterministic JSON text: sorted keys, compact, UTF-8, newline at the end."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


def check_id(value, what: str) -> str:
    """Return value if it is safe as a file name and URL part, else raise SiteError."""
    if not isinstance(value, str) or not SAFE_ID.match(value):
        raise SiteError(f"{what} id {value!r} is not usable in a URL", None,
                        "use letters, digits, '-' and '_' only")
    return value


def tempo(bpm) -> int | float:
    """A tempo as JSON and pages show it: 80 for 80.0, 80.5 stays 80.5."""
    bpm = float(bpm)
    return int(bpm) if bpm.is_integer() else bpm


def bpm_label(bpm) -> str:
    """A tempo as it appears in file names and `by_bpm` keys: "80", or "80.5" if fractional."""
    return str(tempo(bpm))


def _suffix(path: Path) -> str:
    suffix = Path(path).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,5}", suffix) else ".mp3"


def asset_plan(press: dict) -> dict[str, Path]:
    """Map each site-relative path to the cache file it copies, for every audio and MIDI file.

    Raises:
        SiteError: an id is not URL-safe or names a track and a song (their notes and MIDI share
            folders), or a track's tempo has no drum or ambience render (see check_tempos).
    """
    check_tempos(press)
    plan: dict[str, Path] = {}
    for t in press.get("tracks", []):
        tid = check_id(t["id"], "track")
        plan[f"audio/tracks/{tid}.mp3"] = Path(t["mp3"])
        for i, seg in enumerate(check_segments(t)):
            plan[segment_src(tid, i)] = Path(seg["mp3"])
        plan[f"midi/{tid}.mid"] = Path(t["midi"])
    for s in press.get("songs", []):
        if s["id"] in {t["id"] for t in press.get("tracks", [])}:
            raise SiteError(f"song id {s['id']!r} is also a track id", None, "give songs their own ids")
        plan[f"midi/{check_id(s['id'], 'song')}.mid"] = Path(s["midi"])
    for part, zones in press.get("sampler", {}).items():
        check_id(part, "sampler part")
        for pitch, path in zones.items():
            plan[f"audio/samples/{part}/{int(pitch)}{_suffix(path)}"] = Path(path)
    for kind in ("drums", "ambience"):
        for loop in press.get(kind, []):
            lid = check_id(loop["id"], kind)
            for bpm, entry in loop["by_bpm"].items():
                plan[f"audio/{kind}/{lid}-{bpm_label(bpm)}.mp3"] = Path(entry["mp3"])
    for q in press.get("quotes", []):
        plan[f"audio/quotes/{check_id(q['id'], 'quote')}.mp3"] = Path(q["mp3"])
    return plan


def segment_src(track_id: str, index: int) -> str:
    """Where a track's segment lives in the site: a folder per track, so no id can meet another's segment."""
    return f"audio/tracks/{track_id}/{index}.mp3"


def check_segments(track: dict) -> list[dict]:
    """A track's segments, if they tile its samples in order (the player schedules them end to end).

    Raises:
        SiteError: a track has no segments, or they leave a gap, overlap or fall short of its samples.
    """
    segs = track.get("segments") or []
    starts = [sum(s["samples"] for s in segs[:i]) for i in range(len(segs))]
    if not segs or [s["start_samples"] for s in segs] != starts or sum(s["samples"] for s in segs) != track["samples"]:
        raise SiteError(f"track {track['id']!r}: its segments do not tile its {track['samples']} samples", None,
                        "this is a bug in the build; rerun with --force")
    return segs


def notes_json(piece: dict) -> str:
    """The notes file of a track or song: {"bpm", "bars", "notes": [[start, dur, pitch, vel, part]]}."""
    notes = [[round(float(a), 4), round(float(b), 4), int(p), int(v), str(part)]
             for a, b, p, v, part in piece["notes"]]
    return dump_json({"bpm": tempo(piece["bpm"]), "bars": piece["bars"], "notes": sorted(notes, key=lambda n: n[:3])})


def song_form(piece: dict) -> dict:
    """A track's sections in bars ({"name", "start": "B:0:0", "first_bar", "bars"}) and its drum-break bars."""
    sections = [{"name": str(name), "first_bar": int(first), "bars": int(n), "start": f"{int(first)}:0:0"}
                for name, first, n in piece.get("sections", [])]
    return {"sections": sections, "breaks": [int(b) for b in piece.get("breaks", [])]}


def build_manifest(station, press: dict, site_dir: Path, generated: str) -> dict:
    """Write site_dir/manifest.json and return it.

    Args:
        station: the Station (meta, loops and model name come from it).
        press: the pipeline's plain data (see site.write_site).
        site_dir: the folder being built; asset_plan's files are already copied in.
        generated: the build date (YYYY-MM-DD) or "" when none is fixed.

    Returns:
        The manifest as a dict (what manifest.json holds).

    Raises:
        SiteError: a `src` is missing from site_dir, or a track's tempo has no drum
            or ambience render.
    """
    loops, meta, look = station.loops, station.station, station.site
    manifest = {
        "version": VERSION,
        "station": {"name": meta.name, "title": meta.title, "description": meta.description,
                    "seed": meta.seed, "model": station.model.name, "generated": generated,
                    "fx_preset": station.fx.preset, "home": look.home_url},
        "look": {"palette": list(look.palette), "font": look.font, "heading_font": look.heading_font or look.font,
                 "background": look.background},
        "loops": {"drums": f"{loops.drums_bars}m", "ambience": f"{loops.ambience_bars}m",
                  "track": f"{loops.track_bars}m", "quote_at": loops.quote_at,
                  "beats_per_bar": loops.beats_per_bar},
        "live_fx": dict(press.get("live_fx", {})),
        "levels": {"track_lufs": station.master.track_lufs, "drums_lufs": station.master.drums_lufs,
                   "ambience_lufs": station.master.ambience_lufs, "quote_lufs": station.master.quote_lufs},
        "pack": dict(press.get("pack", {})),
        "tracks": [{
            "id": t["id"], "title": t["title"], "kind": "ai", "bpm": tempo(t["bpm"]), "key": t["key"],
            "bars": t["bars"], "seed": t["seed"], "model": t["model"], "draws": int(t.get("draws", 1)),
            "audio": {"src": f"audio/tracks/{t['id']}.mp3", "samples": t["samples"],
                      "sample_rate": t["sample_rate"],
                      "segments": [{"src": segment_src(t["id"], i), "first_bar": int(seg["first_bar"]),
                                    "bars": int(seg["bars"]), "start_samples": int(seg["start_samples"]),
                                    "samples": int(seg["samples"])} for i, seg in enumerate(check_segments(t))]},
            "notes": f"notes/{t['id']}.json", "midi": f"midi/{t['id']}.mid", "page": f"tracks/{t['id']}.html",
            **song_form(t),
        } for t in press.get("tracks", [])],
        "songs": [{
            "id": s["id"], "title": s["title"], "kind": "live", "bpm": tempo(s["bpm"]), "key": s["key"],
            "bars": s["bars"], "notes": f"notes/{s['id']}.json", "midi": f"midi/{s['id']}.mid",
            **song_form(s),
        } for s in press.get("songs", [])],
        "sampler": {part: {str(int(p)): f"audio/samples/{part}/{int(p)}{_suffix(path)}"
                           for p, path in sorted(zones.items(), key=lambda kv: int(kv[0]))}
                    for part, zones in press.get("sampler", {}).items()},
        "credits": [dict(c) for c in press.get("credits", [])],
    }
    for kind in ("drums", "ambience"):
        manifest[kind] = [{
            "id": loop["id"], "title": loop["title"], "bars": loop["bars"],
            **({"visual": loop["visual"]} if "visual" in loop else {}),
            "by_bpm": {bpm_label(bpm): {"src": f"audio/{kind}/{loop['id']}-{bpm_label(bpm)}.mp3",
                                        "samples": entry["samples"]}
                       for bpm, entry in loop["by_bpm"].items()},
        } for loop in press.get(kind, [])]
    manifest["quotes"] = [{"id": q["id"], "text": q["text"], "speaker": q["speaker"],
                           "src": f"audio/quotes/{q['id']}.mp3", "samples": q["samples"]}
                          for q in press.get("quotes", [])]
    check_tempos(press)
    missing = [src for src in sorted(iter_srcs(manifest)) if not (Path(site_dir) / src).is_file()]
    if missing:
        raise SiteError(f"manifest names {len(missing)} missing file(s), first: {missing[0]}", site_dir,
                        "this is a bug in the site build; rerun with --force")
    (Path(site_dir) / "manifest.json").write_text(dump_json(manifest), encoding="utf-8")
    return manifest


def check_tempos(press: dict) -> None:
    """Raise SiteError unless every track tempo has a render in every ambience and kit pattern, and some drums.

    A pack's finished drum loop (it has a `loop_bpm`) is rendered only near its own
    tempo, so it may lack some; the player offers it only where it has one.
    """
    tracks = press.get("tracks", [])
    for kind in ("drums", "ambience"):
        for loop in (x for x in press.get(kind, []) if "loop_bpm" not in x):
            have = {bpm_label(b) for b in loop["by_bpm"]}
            for t in tracks:
                if bpm_label(t["bpm"]) not in have:
                    raise SiteError(f"{kind} '{loop['id']}' has no render at {bpm_label(t['bpm'])} BPM "
                                    f"(track {t['id']})", None, "render every loop at every track tempo")
    drums = {bpm_label(b) for loop in press.get("drums", []) for b in loop["by_bpm"]}
    for t in tracks:
        if press.get("drums") and bpm_label(t["bpm"]) not in drums:
            raise SiteError(f"no drums have a render at {bpm_label(t['bpm'])} BPM (track {t['id']})", None,
                            "render a kit pattern or a drum loop at every track tempo")


def iter_srcs(manifest: dict):
    """Yield every site-relative file path the manifest names (audio, notes, MIDI, pages)."""
    for t in manifest["tracks"]:
        yield from (t["audio"]["src"], t["notes"], t["midi"], t["page"])
        yield from (seg["src"] for seg in t["audio"]["segments"])
    for s in manifest["songs"]:
        yield from (s["notes"], s["midi"])
    for zones in manifest["sampler"].values():
        yield from zones.values()
    for kind in ("drums", "ambience"):
        for loop in manifest[kind]:
            yield from (e["src"] for e in loop["by_bpm"].values())
    for q in manifest["quotes"]:
        yield q["src"]
