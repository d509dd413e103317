"""`lofipress eval`: score the station's songs against the quality targets, part by part.

By default it composes the station's songs (each draw arranged, as the build
does) and scores the arranged parts. With `--site DIR` it reads a built site's
published MIDI instead (`midi/t*.mid`, quantized back to the grid, sections from
the files' markers), an independent reading of what listeners get.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from . import copying, form_content, metrics, song_metrics, variety
from .compose import Composed, failures_of, score

COLUMNS = (  # (metric, header, format)
    ("key_consistency", "keycons", "{:.2f}"),
    ("in_key", "in-key", "{:.2f}"),
    ("pc_entropy_bits", "entropy", "{:.2f}"),
    ("distinct_windows", "prog", "{:d}"),
    ("a2_similarity", "A'~A", "{:.2f}"),
    ("b_similarity", "B~A", "{:.2f}"),
    ("exact_repeat_share", "repeat", "{:.2f}"),
    ("notes_per_bar", "mel/bar", "{:.1f}"),
    ("step_share", "steps", "{:.2f}"),
    ("chord_tone_strong", "chordtn", "{:.2f}"),
    ("range_semitones", "range", "{:d}"),
    ("longest_repeat_bars", "melrep", "{:d}"),
    ("bass_hold_bars", "bashold", "{:.1f}"),
    ("boundaries_found", "heard", "{:d}"),
    ("progressions_by_content", "progC", "{:d}"),
    ("melody_on_keys_share", "mel=kys", "{:.2f}"),
    ("bass_same_pitch_bars", "bas1pc", "{:.1f}"),
    ("bass_onsets_per_bar", "bas/bar", "{:.1f}"),
    ("keys_copied_run", "kcopy", "{:d}"),
    ("lead_copied_run", "mcopy", "{:d}"),
)


def summarize(pieces: list[Composed]) -> dict:
    """Per-piece rows, per-metric medians, first-draw pass rate, and whether every kept piece passes."""
    return summarize_rows([{"id": c.id, "title": c.title, "key": c.key, "tempo_bpm": c.tempo_bpm, "draws": c.draws,
                            "failures": c.failures, "metrics": c.metrics, "keys_part": c.parts.get("keys", []),
                            "bars": c.piece.bars, "sections": [list(s) for s in c.piece.sections]} for c in pieces])


def _has_form(m: dict) -> bool:
    f = song_metrics.FORM_TARGETS
    return m.get("sections", 0) >= f["sections_min"] and m.get("distinct_windows", 0) >= f["distinct_windows_min"]


def target_of(failure: str) -> str:
    """The target a failure line names, to count misses: "melody: step_share 0.45 ..." -> "melody: step_share"."""
    words = failure.split(" ")
    return " ".join(words[:2]).rstrip(":") if words[0].endswith(":") else words[0]


def summarize_rows(pieces: list[dict]) -> dict:
    """The same summary from plain dicts (id, title, key, tempo_bpm, draws, failures, metrics, sections; with
    keys_part and bars, the station's variety too)."""
    rows = [{"id": c["id"], "title": c["title"], "key": c["key"], "tempo_bpm": c["tempo_bpm"], "draws": c["draws"],
             "passed": not c["failures"], "failures": c["failures"], "sections": c.get("sections", []),
             **{k: c["metrics"].get(k) for k, _, _ in COLUMNS}} for c in pieces]
    medians = {k: float(np.median([c["metrics"][k] for c in pieces if c["metrics"].get(k) is not None]))
               for k, _, _ in COLUMNS if any(c["metrics"].get(k) is not None for c in pieces)}
    n = max(1, len(pieces))
    holds = [c["metrics"]["bass_hold_bars"] for c in pieces if "bass_hold_bars" in c["metrics"]]
    return {
        **content_summary([c["metrics"] for c in pieces]),
        "pieces": len(pieces),
        "first_draw_pass_rate": sum(1 for c in pieces if c["draws"] == 1 and not c["failures"]) / n,
        "kept_pass_rate": sum(1 for c in pieces if not c["failures"]) / n,
        "redrawn": sum(1 for c in pieces if c["draws"] > 1),
        "tracks_with_form": sum(1 for c in pieces if _has_form(c["metrics"])) / n,
        "tracks_with_melody": sum(1 for c in pieces if c["metrics"].get("has_melody")) / n,
        "max_bass_hold_bars": max(holds) if holds else None,
        "medians": medians,
        "variety": variety.variety([variety.keys_figures(c["keys_part"], variety.body_bars(c.get("sections", []),
                                                                                          c["bars"]))
                                    for c in pieces if "keys_part" in c]),
        "targets": targets(),
        "rows": rows,
    }


def content_summary(rows: list[dict]) -> dict:
    """The station's figures read from the notes alone (lofipress.music.form_content), over its tracks."""
    planned = sum(m.get("boundaries", 0) for m in rows)
    with_b = [m["progressions_by_content"] for m in rows if m.get("has_b") and "progressions_by_content" in m]
    shares = [m["melody_on_keys_share"] for m in rows if m.get("melody_on_keys_share") is not None]
    same = [m["bass_same_pitch_bars"] for m in rows if "bass_same_pitch_bars" in m]
    edges = [m.get(k) for m in rows for k in ("intro_found", "outro_found") if m.get(k) is not None]
    limit = form_content.TARGETS["melody_on_keys_max"]
    return {
        "form_by_content": round(sum(m.get("boundaries_found", 0) for m in rows) / planned, 3) if planned else None,
        "intro_outro_found": all(edges) if edges else None,
        "min_progressions_by_content": min(with_b) if with_b else None,
        "melody_own_rhythm": round(sum(1 for x in shares if x <= limit) / len(shares), 3) if shares else None,
        "max_bass_same_pitch_bars": max(same) if same else None,
    }


def targets() -> dict:
    """Every target the gate applies, flat, for the table and the about page."""
    out = dict(metrics.TARGETS)
    out.update({f"form_{k}": v for k, v in song_metrics.FORM_TARGETS.items()})
    out.update({f"melody_{k}": v for k, v in song_metrics.MELODY_REFERENCE.items() if isinstance(v, tuple)})
    out.update({f"bass_{k}": v for k, v in song_metrics.BASS_TARGETS.items()})
    out.update({f"content_{k}": v for k, v in form_content.TARGETS.items()})
    out["content_novelty_min"] = form_content.NOVELTY_MIN
    out.update({f"{part}_copied_run_max": run for part, (run, _) in copying.TARGETS.items()})
    out.update({f"{part}_shared_8gram_max": share for part, (_, share) in copying.TARGETS.items()})
    return out


def table(summary: dict) -> str:
    """The summary as a fixed-width text table."""
    head = f"{'id':4} {'key':8} {'bpm':>3} " + " ".join(f"{h:>7}" for _, h, _ in COLUMNS) + "  draws pass"
    lines = [head, "-" * len(head)]
    for r in summary["rows"]:
        cells = " ".join(f"{(fmt.format(r[k]) if r[k] is not None else '-'):>7}" for k, _, fmt in COLUMNS)
        lines.append(f"{r['id']:4} {r['key'][:8]:8} {r['tempo_bpm']:>3} {cells}  {r['draws']:>5} "
                     f"{'yes' if r['passed'] else 'NO'}")
    med = summary["medians"]
    cells = " ".join(f"{(f'{med[k]:.2f}' if k in med else '-'):>7}" for k, _, _ in COLUMNS)
    lines.append("-" * len(head))
    lines.append(f"{'median':17} {cells}")
    for r in summary["rows"]:
        if r["failures"]:
            lines.append(f"{r['id']}: " + "; ".join(r["failures"]))
    hold = summary["max_bass_hold_bars"]
    lines.append(f"first-draw pass rate {summary['first_draw_pass_rate']:.0%}; kept pieces passing "
                 f"{summary['kept_pass_rate']:.0%}; redrawn {summary['redrawn']}; with form "
                 f"{summary['tracks_with_form']:.0%}; with a melody {summary['tracks_with_melody']:.0%}; longest "
                 f"bass note {'-' if hold is None else f'{hold:g}'} bars")
    fbc, prog, own, same = (summary[k] for k in ("form_by_content", "min_progressions_by_content",
                                                   "melody_own_rhythm", "max_bass_same_pitch_bars"))
    lines.append(f"from the notes alone: boundaries heard {'-' if fbc is None else f'{fbc:.0%}'} (intro and outro "
                 f"in every track: {'yes' if summary['intro_outro_found'] else 'no'}); fewest progressions "
                 f"{'-' if prog is None else prog}; melodies with their own rhythm {'-' if own is None else f'{own:.0%}'}"
                 f"; longest bass on one pitch {'-' if same is None else f'{same:g}'} bars")
    if summary.get("variety"):
        lines += variety.table(summary["variety"])
    lines.append("targets: " + ", ".join(f"{k} {v}" for k, v in summary["targets"].items()))
    return "\n".join(lines)


def score_site(site_dir: Path, model_dir: Path | None = None) -> list[dict]:
    """Score a built site's published MIDI, one row per AI track, with the draws the build's manifest records
    (a site built before they were recorded counts each track as one draw)."""
    from .compose import load_copy_index

    manifest = json.loads((site_dir / "manifest.json").read_text(encoding="utf-8"))
    index = load_copy_index(model_dir) if model_dir is not None else None
    rows = []
    for t in manifest["tracks"]:
        parts, sections, _, bars = song_metrics.parts_from_midi((site_dir / t["midi"]).read_bytes(), t["bars"])
        m = score(parts, t["key"], bars, sections, index)
        rows.append({"id": t["id"], "title": t["title"], "key": t["key"], "tempo_bpm": t["bpm"],
                     "draws": int(t.get("draws", 1)), "keys_part": parts.get("keys", []), "bars": bars,
                     "failures": failures_of(m), "metrics": m, "sections": [list(s) for s in sections]})
    return rows
