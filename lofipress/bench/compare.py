"""`lofipress models compare`: every arch trained on one split of a corpus in one time budget, then scored.

Each arch (the LSTM, WaveNet, the Music Transformer) is trained by `lofipress.music.train` with the same seed, so the
same held-out pieces, vocabulary and windows, and stops after the epoch that ends past the budget (or at early
stopping). Then, per arch: the held-out negative log-likelihood (nats a token, best epoch) and perplexity,
tokens a second of batched numpy generation, and one first draw of `songs` songs composed with the station's
sampling settings and gated as a build gates them: the first-draw pass rate and the median of every metric of
the evaluation (tonality, form, melody, bass, copying). Every arch's keys get the station's melody model, so
the archs are what differs.
"""
from __future__ import annotations

import dataclasses
import json
import shutil
import time
from pathlib import Path

from ..site.compare_table import HEAD_ROWS

ARCHS = ("small", "wavenet", "transformer")
NAMES = {"small": "LSTM", "seed": "LSTM (seed)", "wavenet": "WaveNet", "transformer": "Transformer"}


def compare(corpus_dir: Path, out_dir: Path, station, archs=ARCHS, budget_s: float = 480.0, songs: int = 48,
            log=print) -> dict:
    """Train and score each arch; writes out_dir/<arch>/ (a model folder) and out_dir/compare.json."""
    from .generate import batched_rate
    from ..music.compose import compose
    from ..music.evaluate import summarize, target_of
    from ..music.melody_model import MELODY_FILE
    from ..music.model import load
    from ..music.train import train

    out_dir.mkdir(parents=True, exist_ok=True)
    melody = station.path(station.model.dir) / station.model.name / MELODY_FILE
    melody = melody if melody.is_file() and station.song.melody == "model" else None
    results = {}
    for arch in archs:
        settings = dataclasses.replace(station.model, arch=arch, name=arch, epochs=max(station.model.epochs, 200))
        log(f"{NAMES.get(arch, arch)}: training for up to {budget_s:.0f} s")
        card = train(corpus_dir, out_dir / arch, settings, station.corpus, seed=station.station.seed,
                     log=lambda line: log(f"  {line}"), budget_s=budget_s, melody=False)
        if melody is not None:  # every arch's keys under one melody model: the archs are what differs
            shutil.copyfile(melody, out_dir / arch / MELODY_FILE)
        step, vocab, _ = load(out_dir / arch)
        rate, _ = batched_rate(step, vocab, 24, station.station.bars, station.sampling)
        st = dataclasses.replace(station, model=dataclasses.replace(station.model, dir=str(out_dir.resolve()),
                                                                    name=arch, arch=arch),
                                 sampling=dataclasses.replace(station.sampling, max_redraws=0))
        started = time.perf_counter()
        summary = summarize(compose(st, songs, log=lambda *_: None))
        misses: dict[str, int] = {}
        for row in summary["rows"]:
            for f in row["failures"]:
                misses[target_of(f)] = misses.get(target_of(f), 0) + 1
        results[arch] = {
            "name": NAMES.get(arch, arch), "val_nll": card["metrics"]["val_loss"],
            "val_perplexity": card["metrics"]["val_perplexity"], "parameters": card.get("parameters"),
            "epochs": card["epochs"], "best_epoch": card["best_epoch"], "train_s": card["train_seconds_last_run"],
            "tokens_per_s": round(rate, 1), "compose_s": round(time.perf_counter() - started, 2),
            "first_draw_pass_rate": summary["first_draw_pass_rate"], "tracks_with_form": summary["tracks_with_form"],
            "tracks_with_melody": summary["tracks_with_melody"], "max_bass_hold_bars": summary["max_bass_hold_bars"],
            "medians": summary["medians"], "misses": dict(sorted(misses.items(), key=lambda kv: -kv[1])),
        }
        log(f"{NAMES.get(arch, arch)}: NLL {results[arch]['val_nll']:.3f}, first draw "
            f"{results[arch]['first_draw_pass_rate']:.0%}")
    data = {"corpus": Path(corpus_dir).name, "budget_s": budget_s, "songs": songs, "seed": station.station.seed,
            "validation": "the same held-out pieces for every arch (train.split_pieces, station seed)",
            "archs": results}
    (out_dir / "compare.json").write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return data


def table(data: dict) -> str:
    """One column an arch, one row a figure, then the median of every evaluation metric."""
    from ..music.evaluate import COLUMNS

    archs = list(data["archs"].values())
    width = max(12, *(len(a["name"]) + 2 for a in archs))
    head = f"{'':34}" + "".join(f"{a['name']:>{width}}" for a in archs)
    lines = [f"corpus {data['corpus']}: each arch trained for {data['budget_s']:.0f} s on the same split; "
             f"{data['songs']} songs composed, one draw each", head, "-" * len(head)]

    def cell(value, fmt):
        return "-" if value is None else fmt.format(value)

    for key, label, fmt in HEAD_ROWS:
        lines.append(f"{label:34}" + "".join(f"{cell(a.get(key), fmt):>{width}}" for a in archs))
    lines.append(f"{'median of the songs:':34}")
    for key, _, _ in COLUMNS:  # a median of whole numbers can fall between two
        lines.append(f"{'  ' + key:34}" + "".join(f"{cell(a['medians'].get(key), '{:.2f}'):>{width}}" for a in archs))
    for a in archs:
        if a["misses"]:
            lines.append(f"{a['name']} misses: " + ", ".join(f"{k} {n}" for k, n in a["misses"].items()))
    return "\n".join(lines)


