"""Write pieces from music21's bundled corpus out as MIDI: a corpus nobody here wrote.

Usage: python scripts/music21_corpus.py OUT_DIR [COUNT]
Bach chorales (4 voices, pickups, fermatas, 3/4 and 4/4), exported with music21's MIDI writer.
"""
import sys
from pathlib import Path

import music21


def main(out: str, count: int = 40) -> int:
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for path in sorted(music21.corpus.getComposer("bach"), key=str):
        if written >= count:
            break
        if not str(path).endswith((".mxl", ".xml", ".krn")):
            continue
        try:
            score = music21.corpus.parse(path)
            score.write("midi", fp=str(folder / f"{Path(str(path)).stem}.mid"))
            written += 1
        except Exception as exc:  # some corpus files use features the MIDI writer rejects
            print(f"skip {path}: {exc}", file=sys.stderr)
    print(f"wrote {written} MIDI files to {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 40))
