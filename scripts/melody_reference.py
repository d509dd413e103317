"""Measure a reference set of real melodies with lofipress's own melody metrics.

Usage: python scripts/melody_reference.py [--json]

The quality gate's melody targets (`song_metrics.MELODY_REFERENCE`) should come from
melodies people actually wrote and sang, not from numbers we liked. This script builds
that reference from music21's bundled corpus (shipped inside the package: offline, and
the same files on every machine, so the figures are reproducible):

- chorales: the first 150 Bach chorales in Riemenschneider order that are in 4/4 and
  have four voices (`music21.corpus.chorales.Iterator`). The soprano is the melody;
  alto+tenor are "keys" and the bass is "bass", so chord tones on beats 1 and 3 are
  measured against real harmony. Three lower voices often leave the soprano's chord
  tone undoubled (soprano E over C-C-G), which the bare metric counts as a miss; our
  keys play whole chords, so "keys" also sounds the soprano on strong beats where the
  four voices form a triad or seventh chord (`chord_tone_strong`). The bare
  alto/tenor/bass figure is kept as `chord_tone_strong_atb` for comparison.
- folk: every 3rd 4/4 song of six German collections of the Essen folksong database
  (`essenFolksong/erk10, erk20, erk30, boehme10, boehme20, fink0`: Erk's Deutscher
  Liederhort, Boehme, Fink). Sung melodies, melody only, so no chord tones.

Both sets are measured with `lofipress.music.song_metrics.melody_metrics` on the same 16th grid
that the arranger writes, so a generated top line and a reference melody are compared
with one ruler. For each set and their union it prints the 1st/5th/25th/50th/75th/95th/99th
percentiles over pieces, and the share of pieces that meet every melody target of the gate
at once (`gate`); with --json it also prints them as one JSON object, last.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
from music21 import corpus

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing
from lofipress.music.melody_sources import (FOLK_FILES, FOLK_STRIDE, chorale_voices,  # noqa: E402
                                            folk_part, folk_tunes, grid, key_of, scale_pcs)
from lofipress.music.song_metrics import MELODY_REFERENCE, STEPS_PER_BAR, STRONG_STEPS, melody_metrics  # noqa: E402

CHORALES = 150
METRICS = ("notes_per_bar", "range_semitones", "step_share", "in_key", "chord_tone_strong",
           "chord_tone_strong_atb", "longest_repeat_bars")
# Targets that are lo-fi style choices, not reference figures (see MELODY_REFERENCE): sung melodies are denser
# than a lo-fi top line, and the reference's short pieces say nothing about a section repeated note for note.
STYLE_CHOICES = ("notes_per_bar", "longest_repeat_bars")
PERCENTILES = (1, 5, 25, 50, 75, 95, 99)  # the gate's bounds are p1 and p99
# Intervals above a root of the seventh chords (triads are their subsets): dom, maj, min, minmaj, half-dim, dim, aug.
CHORDS = ({4, 7, 10}, {4, 7, 11}, {3, 7, 10}, {3, 7, 11}, {3, 6, 10}, {3, 6, 9}, {4, 8, 10})


def scale_of(stream) -> set[int]:
    """The key's pitch classes from music21's key analysis (the key signature cannot tell major from minor)."""
    return scale_pcs(*key_of(stream))

def tertian(pcs: set[int]) -> bool:
    """A triad or seventh chord, complete or not (a root and its third at least), on some root in the set."""
    return any((iv := {(p - r) % 12 for p in pcs} - {0}) & {3, 4} and any(iv <= c for c in CHORDS)
               for r in pcs)


def measure(melody, parts, scale) -> dict | None:
    if len(melody) < 2:
        return None
    bars = math.ceil(max(t + d for t, d, _ in melody) / STEPS_PER_BAR)
    return melody_metrics(melody, parts, scale, bars)


def chorale(score) -> tuple[list, dict, dict, set[int]] | None:
    """A 4/4 four-voice chorale as (soprano, harmony as our keys play it, bare alto+tenor and bass, scale), or None.

    The harmony as our keys play it: alto and tenor as keys, plus the soprano's own note on a strong beat
    where the four voices form a triad or seventh chord (whole-chord keys would sound it)."""
    voices = chorale_voices(score)
    if voices is None:
        return None
    mel, inner, bass, tonic, mode = voices
    atb = {"keys": inner, "bass": bass}
    below = [(u, d, p) for rows in atb.values() for u, d, p in rows]
    chords = [(u, 1, p) for u, _, p in mel if u % STEPS_PER_BAR in STRONG_STEPS  # a full chord holds this tone too
              if tertian({p % 12} | {q % 12 for v, d, q in below if v <= u < v + d})]
    return mel, {"keys": atb["keys"] + chords, "bass": atb["bass"]}, atb, scale_pcs(tonic, mode)


def chorale_set(skipped: dict) -> dict[str, dict]:
    out = {}
    for name in corpus.chorales.Iterator(returnType="filename"):
        if len(out) >= CHORALES:
            break
        read = chorale(corpus.parse(name, forceSource=True))  # forceSource: read the file, write no pickle cache
        if read is None:
            skipped["chorales"] = skipped.get("chorales", 0) + 1
            continue
        mel, harmony, atb, scale = read
        m = measure(mel, harmony, scale)
        if m:
            m["chord_tone_strong_atb"] = measure(mel, atb, scale)["chord_tone_strong"]
            out[name] = m
    return out


def folk_set(skipped: dict) -> dict[str, dict]:
    out = {}
    for name, tune in folk_tunes():
        read = folk_part(tune)
        if read is None:  # a few Essen encodings trip music21's ABC reader, or change meter: counted, not fatal
            skipped["folk"] = skipped.get("folk", 0) + 1
            continue
        part, origin = read
        m = measure(grid(part, origin, True), None, scale_of(part))
        if m:
            out[name] = m
    return out


def summary(pieces: list[dict]) -> dict:
    """Per metric: pieces that have it and its percentiles over pieces (linear interpolation)."""
    out = {}
    for key in METRICS:
        vals = np.array([p[key] for p in pieces if key in p], dtype=float)
        if len(vals):
            out[key] = {"n": len(vals), **{f"p{q}": round(float(np.percentile(vals, q)), 3) for q in PERCENTILES}}
    return out


def joint_pass(pieces: list[dict]) -> dict:
    """Share of pieces inside every measured melody target of the gate that applies to them (chord tones need
    harmony), and the share outside each one: how often real melodies would fail the gate."""
    keys = [k for k, v in MELODY_REFERENCE.items() if isinstance(v, tuple) and k in METRICS
            and k not in STYLE_CHOICES]
    outside = {k: 0 for k in keys}
    passed = 0
    for p in pieces:
        miss = [k for k in keys if k in p and not MELODY_REFERENCE[k][0] <= p[k] <= MELODY_REFERENCE[k][1]]
        passed += not miss
        for k in miss:
            outside[k] += 1
    n = max(len(pieces), 1)
    return {"pass_share": round(passed / n, 3), "outside_share": {k: round(v / n, 3) for k, v in outside.items()}}


def table(title: str, stats: dict) -> str:
    head = f"{'metric':<22}{'n':>5}" + "".join(f"{'p' + str(q):>8}" for q in PERCENTILES)
    rows = [f"{k:<22}{v['n']:>5}" + "".join(f"{v['p' + str(q)]:>8.3g}" for q in PERCENTILES)
            for k, v in stats.items()]
    return "\n".join([title, head, *rows, ""])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object, last")
    args = ap.parse_args()
    start, skipped = time.time(), {}
    sets = {"chorales": chorale_set(skipped), "folk": folk_set(skipped)}
    sources = {"chorales": f"music21 corpus.chorales.Iterator (Riemenschneider order), first {CHORALES} "
                           "in 4/4 with 4 voices; soprano vs alto+tenor (keys) and bass",
               "folk": f"music21 essenFolksong/{{{','.join(FOLK_FILES)}}}.abc, every {FOLK_STRIDE}rd "
                       "4/4 song; melody only"}
    stats = {name: summary(list(p.values())) for name, p in sets.items()}
    stats["union"] = summary([m for p in sets.values() for m in p.values()])
    for name in (*sets, "union"):
        count = sum(len(p) for p in sets.values()) if name == "union" else len(sets[name])
        print(table(f"{name}: {count} pieces" + (f" ({sources[name]})" if name in sources else ""), stats[name]))
    joint = {name: joint_pass(list(p.values())) for name, p in sets.items()}
    joint["union"] = joint_pass([m for p in sets.values() for m in p.values()])
    for name, j in joint.items():
        print(f"{name}: {j['pass_share']:.0%} meet every measured melody target of the gate at once; outside each: "
              + ", ".join(f"{k} {v:.0%}" for k, v in j["outside_share"].items()))
    print(f"skipped (meter, voices or unreadable): {skipped}; {time.time() - start:.0f} s", file=sys.stderr)
    if args.json:
        print(json.dumps({"sets": {n: {"source": sources[n], "pieces": len(p), "names": sorted(p),
                                       "skipped": skipped.get(n, 0)} for n, p in sets.items()},
                          "percentiles": stats, "gate": joint}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
