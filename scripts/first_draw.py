"""First-draw pass rate of a station's sampler over several seeds, and what the misses are.

    python scripts/first_draw.py [--station station.toml] [--seeds 3] [--songs 96] [--json] [key=value ...]
    python scripts/first_draw.py --corpus-songs      (the same gate on the songs training makes from the corpus)

Composes `--songs` songs per seed with no redraws (station seed, seed + 1, ...), gates each as the
build does, and prints the passes and a count of the targets missed. `key=value` overrides a
[sampling] or [song] setting for the run (e.g. window_key_bias=10), to compare priors on one sample.
With --json, one JSON object is printed last.
"""
from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import time

from lofipress.station import config
from lofipress.music.compose import compose
from lofipress.music.evaluate import target_of


def corpus_songs(station) -> None:
    """The same gate on the songs training strings from the corpus loops (form left out: their A2 is A)."""
    import numpy as np

    from lofipress.music.arrange import arrange_parts
    from lofipress.music.compose import failures_of, score
    from lofipress.music.corpus import load_corpus
    from lofipress.music.song import training_songs

    pieces, _ = load_corpus(station.path(station.corpus.dir))
    songs = training_songs(pieces, 7, 2)
    misses, passed = collections.Counter(), 0
    for i, s in enumerate(songs):
        parts = arrange_parts(s, station.arrange, np.random.default_rng(i))
        failed = [f for f in failures_of(score(parts, s.key, s.bars, s.sections, None))
                  if not f.startswith("form") and "longest_repeat" not in f]
        passed += not failed
        misses.update(target_of(f) for f in failed)
    print(f"training songs from the corpus: {passed}/{len(songs)} pass every tonality and melody target")
    for what, n in misses.most_common():
        print(f"  {n:4d}  {what}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--station", default="station.toml")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--songs", type=int, default=96)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--corpus-songs", action="store_true", help="gate the corpus's training songs instead")
    ap.add_argument("overrides", nargs="*", help="setting=value for [sampling] or [song]")
    args = ap.parse_args()
    st0 = config.load(args.station)
    if args.corpus_songs:
        corpus_songs(st0)
        return
    kw = dict(a.split("=", 1) for a in args.overrides)
    unknown = [k for k in kw if not hasattr(st0.sampling, k) and not hasattr(st0.song, k)]
    if unknown:
        raise SystemExit(f"unknown setting(s): {', '.join(unknown)}")
    sampling = {k: type(getattr(st0.sampling, k))(v) for k, v in kw.items() if hasattr(st0.sampling, k)}
    song = {k: type(getattr(st0.song, k))(v) for k, v in kw.items() if hasattr(st0.song, k)}
    started, passed, tonic, misses = time.time(), 0, 0, collections.Counter()
    for s in range(args.seeds):
        st = dataclasses.replace(
            st0, station=dataclasses.replace(st0.station, seed=st0.station.seed + s),
            sampling=dataclasses.replace(st0.sampling, max_redraws=0, **sampling),
            song=dataclasses.replace(st0.song, **song))
        pieces = compose(st, args.songs, log=lambda *_: None)
        passed += sum(not p.failures for p in pieces)
        tonic += sum(bool(p.metrics.get("ends_on_tonic")) for p in pieces)
        misses.update(target_of(f) for p in pieces for f in p.failures)
    total = args.seeds * args.songs
    print(f"first draw: {passed}/{total} songs pass every target ({passed / total:.0%}); "
          f"{tonic}/{total} end on the tonic; {time.time() - started:.1f} s")
    for what, n in misses.most_common():
        print(f"  {n:4d}  {what}")
    if args.json:
        print(json.dumps({"songs": total, "first_draw_passes": passed, "first_draw_rate": passed / total,
                          "ends_on_tonic": tonic, "misses": dict(misses.most_common()), "overrides": kw}))


if __name__ == "__main__":
    main()
