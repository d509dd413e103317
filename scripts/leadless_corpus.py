"""Make corpora of bare chord loops, the kind most producers own: no lead line anywhere.

Usage: python scripts/leadless_corpus.py OUT_DIR [--from corpus] [--chorales N]

- Our corpus with its leads stripped: each file's lead (as lofipress reads it: a track named or programmed as a
  melody instrument, else a single line over the rest) is dropped and the keys written back as one track.
- With --chorales N: chord reductions of N Bach chorales from music21's bundled corpus (music21 `chordify`:
  the four voices merged into one chord track, soprano included), 4/4 only.

The station's melody then has to come from the melody model, which is what this corpus tests.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing
from lofipress.music.corpus import corpus_files, read_piece  # noqa: E402
from lofipress.music.melody_sources import four_four  # noqa: E402

SIXTEENTH_S = 0.125  # 120 BPM: a 16th is 125 ms


def write_keys(notes, path: Path) -> None:
    """Grid notes (start, duration in 16ths, pitch) as a one-track MIDI file of keys at 120 BPM."""
    import pretty_midi

    pm = pretty_midi.PrettyMIDI(initial_tempo=120.0)
    inst = pretty_midi.Instrument(program=4, name="keys")  # electric piano: never read as a lead
    for t, d, p in notes:
        inst.notes.append(pretty_midi.Note(velocity=80, pitch=int(p), start=t * SIXTEENTH_S,
                                           end=(t + d) * SIXTEENTH_S))
    pm.instruments.append(inst)
    pm.write(str(path))


def strip_leads(source: Path, out: Path) -> int:
    written = 0
    for path in corpus_files(source):
        piece = read_piece(path)
        if not piece.notes:
            continue
        write_keys(piece.notes, out / f"{path.stem}-keys.mid")
        written += 1
    return written


def chorale_reductions(out: Path, count: int) -> int:
    from music21 import corpus

    written = 0
    for name in corpus.chorales.Iterator(returnType="filename"):
        if written >= count:
            break
        score = corpus.parse(name, forceSource=True)
        if len(score.parts) != 4 or not four_four(score):
            continue
        chords = score.chordify().flatten().getElementsByClass("Chord")
        notes = [(int(round(float(c.offset) * 4)), max(1, int(round(float(c.duration.quarterLength) * 4))), p.midi)
                 for c in chords for p in c.pitches]
        if notes:
            write_keys(notes, out / f"chorale-{Path(str(name)).stem}.mid")
            written += 1
    return written


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--from", dest="source", default="corpus", help="corpus whose leads to strip (default corpus)")
    ap.add_argument("--chorales", type=int, default=0, help="also write N chorale chord reductions")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    n = strip_leads(Path(args.source), out)
    c = chorale_reductions(out, args.chorales) if args.chorales else 0
    print(f"wrote {n} stripped loops and {c} chorale chord reductions to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
