"""`lofipress audiocheck SITE`: loudness, true peak, length and seam of every MP3 a built site lists.

A track's segments are what the player streams, so they are held to the whole file: each must sound like the
track over its bars (not silent, not louder or quieter), stay under the true-peak ceiling as it plays into the
next, and the segments joined must be the whole file again, sample for sample in length and within coding
noise in sound."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from . import encode, master, seams
from ..station.config import MasterSettings
from ..core.errors import AudioError
from ..packs.samples import peak_db, rms_db

LUFS_TOLERANCE = 0.5  # DESIGN.md: tracks at their target +-0.5 LU
LAYER_TOLERANCE = 3.0  # drums, beds and quotes: within 3 LU of their level (a silent bed is 100 LU off, not fine)
CEILING_DBTP = -1.0  # true-peak ceiling of every file
SEGMENT_LEVEL_DB = 1.0  # a segment's level against the track's over its bars (the default site: within 0.011 dB)
JOIN_RESIDUAL_DB = -20.0  # the segments joined minus the whole file, against the file (the default site: -27 dB)
# Each kind's loudness target: the manifest's "levels" (the station's [master]), else the defaults of config.
DEFAULT_LEVELS = {kind: getattr(MasterSettings(), f"{kind}_lufs") for kind in ("track", "drums", "ambience", "quote")}


def _entries(manifest: dict) -> list[dict]:
    """(kind, id, src, samples, loop[, peak]) of every MP3 the manifest names, a track's segments too."""
    out = []
    for t in manifest.get("tracks", []):
        a = t.get("audio") or {}
        if a.get("src"):
            out.append({"kind": "track", "id": t["id"], "src": a["src"], "samples": a.get("samples"), "loop": True})
        for i, seg in enumerate(a.get("segments") or []):  # no peak: the meter would wrap a piece round its ends
            out.append({"kind": "segment", "id": f"{t['id']}/{i}", "src": seg["src"], "samples": seg.get("samples"),
                        "loop": False, "peak": False})  # the build measures the segments joined
    for group in ("drums", "ambience"):
        for item in manifest.get(group, []):
            for bpm, v in sorted((item.get("by_bpm") or {}).items()):
                out.append({"kind": group, "id": f"{item['id']}@{bpm}", "src": v["src"], "samples": v.get("samples"),
                            "loop": True})
    for q in manifest.get("quotes", []):
        out.append({"kind": "quote", "id": q["id"], "src": q["src"], "samples": q.get("samples"), "loop": False})
    levels = manifest.get("levels") if isinstance(manifest.get("levels"), dict) else {}
    for e in out:
        level = levels.get(f"{e['kind']}_lufs")
        if isinstance(level, (int, float)) and not isinstance(level, bool):
            e["target_lufs"] = float(level)
    return out


def check_file(path: Path, entry: dict) -> dict:
    """Measure one MP3 against its manifest entry; returns a row with 'ok' and the reasons it failed."""
    row = {"kind": entry["kind"], "id": entry["id"], "src": entry["src"], "problems": []}
    try:
        audio, sr = encode.decode(path)
    except AudioError as exc:
        row["problems"].append(f"cannot decode: {exc.message}")
        row["ok"] = False
        return row
    m = master.measure(audio, sr)
    jump, step = encode.seam_jump(audio)
    step_ratio, click_ratio, hole_db = seams.seam_ratios(audio, sr) if entry["loop"] else (None, None, None)
    row.update(lufs=round(m["lufs"], 2), true_peak_dbtp=round(m["true_peak_dbtp"], 2), samples=len(audio),
               expected_samples=entry["samples"], seam=round(jump, 5), max_step=round(step, 5),
               seam_step_ratio=None if step_ratio is None else round(step_ratio, 3),
               seam_click_ratio=None if click_ratio is None else round(click_ratio, 3),
               seam_hole_db=None if hole_db is None else round(hole_db, 1))
    if entry["samples"] is not None and len(audio) != entry["samples"]:
        row["problems"].append(f"length {len(audio)} != manifest {entry['samples']}")
    if entry.get("peak", True) and m["true_peak_dbtp"] > CEILING_DBTP:
        row["problems"].append(f"true peak {m['true_peak_dbtp']:.2f} > {CEILING_DBTP} dBTP")
    target = entry.get("target_lufs", DEFAULT_LEVELS.get(entry["kind"]))
    within = LUFS_TOLERANCE if entry["kind"] == "track" else LAYER_TOLERANCE
    if target is not None and not abs(m["lufs"] - target) <= within:  # also catches -inf: digital silence
        row["problems"].append(f"loudness {m['lufs']:.2f} LUFS, not {target} +-{within}")
    clicks = seams.loop_seam_problem(audio, sr) if entry["loop"] else None
    if clicks:
        row["problems"].append(f"seam {clicks}")
    row["ok"] = not row["problems"]
    return row


def check_segments(site: Path, manifest: dict, rows: list[dict]) -> list[dict]:
    """Each track's segments against its whole file: problems go on the segments' rows (in place); one row per
    track ("joined") says whether the segments joined are the file again."""
    by_id = {(r["kind"], r["id"]): r for r in rows}
    out = []
    for t in manifest.get("tracks", []):
        a = t.get("audio") or {}
        segs = a.get("segments") or []
        if not segs or not a.get("src") or not (site / a["src"]).is_file():
            continue
        seg_rows = [by_id.get(("segment", f"{t['id']}/{i}")) for i in range(len(segs))]
        if any(r is None or not (site / r["src"]).is_file() or "cannot decode" in " ".join(r["problems"])
               for r in seg_rows):
            continue  # a missing or unreadable segment already fails on its own row
        full, sr = encode.decode(site / a["src"])
        parts = [encode.decode(site / s["src"], full.shape[1])[0] for s in segs]
        joined = np.concatenate(parts)
        row = {"kind": "joined", "id": t["id"], "src": a["src"], "samples": len(joined), "problems": []}
        if len(joined) != len(full):
            row["problems"].append(f"segments join to {len(joined)} samples, the track has {len(full)}")
        else:
            peaks = master.true_peak_per_sample(joined)  # as the player streams them: each into the next, looped
            residual = rms_db(joined - full) - rms_db(full)
            row.update(residual_db=round(residual, 1), true_peak_dbtp=round(peak_db(peaks), 2),
                       lufs=round(master.measure(joined, sr)["lufs"], 2))
            if residual > JOIN_RESIDUAL_DB:
                row["problems"].append(f"the segments joined differ from the track by {residual:.1f} dB "
                                       f"(at most {JOIN_RESIDUAL_DB:g})")
            start = 0
            for part, r in zip(parts, seg_rows):
                span = full[start:start + len(part)]
                level, peak = rms_db(part) - rms_db(span), peak_db(peaks[start:start + len(part)])
                r.update(level_vs_track_db=round(level, 2), true_peak_dbtp=round(peak, 2))
                if float(np.abs(part).max()) < 1e-5 <= float(np.abs(span).max()):
                    r["problems"].append("silent where the track plays")
                elif abs(level) > SEGMENT_LEVEL_DB:
                    r["problems"].append(f"{abs(level):.1f} dB {'louder' if level > 0 else 'quieter'} than the "
                                         f"track over its bars (at most {SEGMENT_LEVEL_DB:g})")
                if peak > CEILING_DBTP:
                    r["problems"].append(f"true peak {peak:.2f} > {CEILING_DBTP} dBTP as it plays")
                r["ok"] = not r["problems"]
                start += len(part)
            if any(not r["ok"] for r in seg_rows):
                row["problems"].append("a segment fails: " + ", ".join(r["id"] for r in seg_rows if not r["ok"]))
        row["ok"] = not row["problems"]
        out.append(row)
    return out


def cli_audiocheck(args) -> int:
    """Check every MP3 of a built site; print a table (and one JSON line with --json); exit 2 on any failure."""
    site = Path(args.site)
    try:
        manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AudioError("manifest.json not found", site / "manifest.json", "build the site first") from None
    except (OSError, ValueError) as exc:
        raise AudioError(f"cannot read manifest: {exc}", site / "manifest.json") from None
    rows = []
    for entry in _entries(manifest):
        path = site / entry["src"]
        if not path.is_file():
            rows.append({**entry, "ok": False, "problems": ["file missing"]})
            continue
        rows.append(check_file(path, entry))
    rows += check_segments(site, manifest, rows)
    # seam: its jump over the loud steps within 50 ms, and its high-band burst over the loudest one around it
    print(f"{'kind':9} {'id':22} {'LUFS':>7} {'dBTP':>6} {'samples':>9} {'seam step':>9} {'click':>6}  result")
    for r in rows:
        step, click = (f"{r[k]:.2f}" if r.get(k) is not None else "-" for k in ("seam_step_ratio", "seam_click_ratio"))
        print(f"{r['kind']:9} {r['id'][:22]:22} {r.get('lufs', float('nan')):7.2f} "
              f"{r.get('true_peak_dbtp', float('nan')):6.2f} {r.get('samples', 0):9d} {step:>9} {click:>6}  "
              + ("ok" if r["ok"] else "FAIL: " + "; ".join(r["problems"])))
    failed = sum(not r["ok"] for r in rows)
    print(f"{len(rows) - failed}/{len(rows)} files pass")
    if getattr(args, "json", False):
        print(json.dumps({"files": len(rows), "failed": failed, "rows": rows}, sort_keys=True))
    return 2 if failed else 0
