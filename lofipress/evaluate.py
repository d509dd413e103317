"""`lofipress eval`: compose the station's pieces and score them against the quality targets."""
from __future__ import annotations

import json
import time

import numpy as np

from . import metrics
from .compose import Composed, compose

COLUMNS = (  # (metric, header, format)
    ("key_consistency", "keycons", "{:.2f}"),
    ("in_key", "in-key", "{:.2f}"),
    ("pc_entropy_bits", "entropy", "{:.2f}"),
    ("polyphony", "poly", "{:.1f}"),
    ("longest_repeat", "repeat", "{:d}"),
    ("longest_copied_run", "copied", "{:d}"),
    ("shared_ngram_share", "8gram", "{:.3f}"),
)


def summarize(pieces: list[Composed]) -> dict:
    """Per-piece rows, per-metric medians, first-draw pass rate, and whether every kept piece passes."""
    return summarize_rows([{"id": c.id, "title": c.title, "key": c.key, "tempo_bpm": c.tempo_bpm, "draws": c.draws,
                            "failures": c.failures, "metrics": c.metrics} for c in pieces])


def summarize_rows(pieces: list[dict]) -> dict:
    """The same summary from plain dicts (id, title, key, tempo_bpm, draws, failures, metrics)."""
    rows = [{"id": c["id"], "title": c["title"], "key": c["key"], "tempo_bpm": c["tempo_bpm"], "draws": c["draws"],
             "passed": not c["failures"], "failures": c["failures"],
             **{k: c["metrics"].get(k) for k, _, _ in COLUMNS}} for c in pieces]
    medians = {k: float(np.median([c["metrics"][k] for c in pieces if k in c["metrics"]]))
               for k, _, _ in COLUMNS if any(k in c["metrics"] for c in pieces)}
    n = max(1, len(pieces))
    return {
        "pieces": len(pieces),
        "first_draw_pass_rate": sum(1 for c in pieces if c["draws"] == 1 and not c["failures"]) / n,
        "kept_pass_rate": sum(1 for c in pieces if not c["failures"]) / n,
        "redrawn": sum(1 for c in pieces if c["draws"] > 1),
        "medians": medians,
        "targets": metrics.TARGETS,
        "rows": rows,
    }


def table(summary: dict) -> str:
    """The summary as a fixed-width text table."""
    head = f"{'id':4} {'key':9} {'bpm':>3} " + " ".join(f"{h:>7}" for _, h, _ in COLUMNS) + "  draws pass"
    lines = [head, "-" * len(head)]
    for r in summary["rows"]:
        cells = " ".join(f"{(fmt.format(r[k]) if r[k] is not None else '-'):>7}" for k, _, fmt in COLUMNS)
        lines.append(f"{r['id']:4} {r['key']:9} {r['tempo_bpm']:>3} {cells}  {r['draws']:>5} {'yes' if r['passed'] else 'NO'}")
    med = summary["medians"]
    cells = " ".join(f"{(f'{med[k]:.2f}' if k in med else '-'):>7}" for k, _, _ in COLUMNS)
    lines.append("-" * len(head))
    lines.append(f"{'median':18} {cells}")
    t = summary["targets"]
    lines.append(f"{'target':18} {'>=' + str(t['key_consistency_min']):>7} {'>=' + str(t['in_key_min']):>7} "
                 f"{str(t['entropy_min']) + '-' + str(t['entropy_max']):>7} {'':>7} {'':>7} "
                 f"{'<=' + str(t['copied_run_max']):>7} {'<=' + str(t['shared_8gram_max']):>7}")
    lines.append(f"first-draw pass rate {summary['first_draw_pass_rate']:.0%}; kept pieces passing "
                 f"{summary['kept_pass_rate']:.0%}; redrawn {summary['redrawn']}")
    return "\n".join(lines)


def cli_eval(args) -> int:
    """Compose and print the evaluation table (and one JSON line with --json)."""
    from .cli import station_from_args

    station = station_from_args(args)
    started = time.perf_counter()
    pieces = compose(station, args.tracks, log=lambda *_: None)
    summary = summarize(pieces)
    summary["compose_s"] = round(time.perf_counter() - started, 3)
    print(table(summary))
    if args.json:
        print(json.dumps(summary, sort_keys=True))
    return 0
