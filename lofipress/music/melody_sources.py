"""Real melodies from music21's bundled corpus, on the 16th grid: Essen folk songs and Bach chorale sopranos.

music21 ships its corpus inside the package, so these melodies are the same offline
on every machine. Two jobs use them: scripts/melody_reference.py measures the gate's
melody targets on one share of them, and the melody model (lofipress.music.melody_model)
learns from the others, so the targets are never measured on what the model saw.

Folk songs: 4/4 songs of six German collections (Erk, Boehme, Fink), melody only.
Chorales: four-voice chorales in 4/4, the soprano over the chord of the three voices below.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

STEPS_PER_BAR = 16
FOLK_FILES = ("erk10", "erk20", "erk30", "boehme10", "boehme20", "fink0")
FOLK_STRIDE = 3  # the reference takes every 3rd song (share 0); the melody model learns from shares 1 and 2
MAJOR, MINOR = (0, 2, 4, 5, 7, 9, 11), (0, 2, 3, 5, 7, 8, 9, 10, 11)  # minor: natural + raised 6th and 7th
Grid = list[tuple[int, int, int]]


@dataclass(frozen=True)
class Melody:
    """One real melody: grid notes, the notes below it (None for a tune sung alone), its key's tonic and mode."""

    name: str
    notes: Grid
    below: Grid | None
    tonic_pc: int
    mode: str


def four_four(stream) -> bool:
    """Only 4/4 throughout: the metrics' strong beats (steps 0 and 8) assume a 16-step 4/4 bar."""
    sigs = [ts.ratioString for ts in stream.recurse().getElementsByClass("TimeSignature")]
    return bool(sigs) and all(s == "4/4" for s in sigs)


def downbeat(part) -> float | None:
    """Offset (quarters) of the first full measure, so a pickup does not shift every bar by a beat."""
    for m in part.getElementsByClass("Measure"):
        if m.duration.quarterLength >= m.barDuration.quarterLength - 1e-6:
            return float(m.offset)
    return None


def grid(part, origin: float, top_only: bool) -> Grid:
    """A part as grid notes (start, duration in 16ths, MIDI pitch) from the first downbeat on.

    Tied notes are merged (a tie is one sung note); fermatas keep their notated length;
    grace notes (no duration) are dropped; triplets round to the nearest 16th.
    """
    rows = []
    for n in part.stripTies().flatten().notes:
        ql = float(n.duration.quarterLength)
        t = int(round((float(n.offset) - origin) * 4))
        if ql <= 0 or t < 0:  # grace note, or a pickup note before bar 1
            continue
        d = max(1, int(round(ql * 4)))
        pitches = [p.midi for p in n.pitches]
        for p in ([max(pitches)] if top_only else pitches):  # a melody chord: its top note is the tune
            rows.append((t, d, p))
    return sorted(rows)


def key_of(stream) -> tuple[int, str]:
    """(tonic pitch class, mode) from music21's key analysis (the key signature cannot tell major from minor)."""
    k = stream.analyze("key")
    return k.tonic.pitchClass, ("minor" if k.mode == "minor" else "major")


def scale_pcs(tonic_pc: int, mode: str) -> set[int]:
    return {(tonic_pc + i) % 12 for i in (MINOR if mode == "minor" else MAJOR)}


def folk_tunes(share: int | None = 0):
    """(name, ABC text) of the 4/4 songs: one `M:` header saying 4/4 and no inline meter change.

    `share` picks every FOLK_STRIDE-th song starting at that offset (None: all of them)."""
    from music21 import corpus

    for book in FOLK_FILES:
        text = Path(corpus.getWork(f"essenFolksong/{book}")).read_text(encoding="latin-1")
        tunes = [t for t in re.split(r"\n(?=X:)", text) if t.lstrip().startswith("X:")]
        four = [t for t in tunes if re.findall(r"^M:\s*(\S+)", t, re.M) == ["4/4"] and "[M:" not in t]
        for tune in (four if share is None else four[share::FOLK_STRIDE]):
            ident = re.search(r"^N:\s*(\S+)", tune, re.M)  # Essen catalogue number, e.g. E0001C
            yield f"essenFolksong/{book} {ident.group(1) if ident else tune.split()[0]}", tune


def folk_part(tune: str):
    """A folk song's ABC text as (its melody's part, the offset of its first full bar), or None where music21
    cannot read it or it is not 4/4 throughout."""
    from music21 import converter

    try:
        score = converter.parse(tune, format="abc")
    except Exception:  # a few Essen encodings trip music21's ABC reader; they are skipped, not fatal
        return None
    part = score.parts[0] if score.hasPartLikeStreams() else score
    origin = downbeat(part)
    return None if origin is None or not four_four(part) else (part, origin)


def folk_melody(name: str, tune: str) -> Melody | None:
    """One folk song as a Melody, or None where it cannot be read (folk_part) or holds under 8 notes."""
    read = folk_part(tune)
    if read is None:
        return None
    part, origin = read
    notes = grid(part, origin, True)
    if len(notes) < 8:
        return None
    tonic, mode = key_of(part)
    return Melody(name, notes, None, tonic, mode)


def chorale_voices(score):
    """A 4/4 four-voice chorale as (soprano, alto+tenor, bass grids, tonic, mode), or None."""
    if len(score.parts) != 4 or not four_four(score):  # not SATB, or 3/4 and mixed meters
        return None
    s, a, t, b = score.parts
    origin = downbeat(s)
    if origin is None:
        return None
    tonic, mode = key_of(score)
    return grid(s, origin, True), grid(a, origin, False) + grid(t, origin, False), grid(b, origin, False), tonic, mode


def chorale_melodies(skip: int, count: int):
    """Chorale sopranos over the three voices below, after the first `skip` usable chorales (the reference's)."""
    from music21 import corpus

    seen = 0
    for name in corpus.chorales.Iterator(returnType="filename"):
        voices = chorale_voices(corpus.parse(name, forceSource=True))  # forceSource: no pickle cache written
        if voices is None:
            continue
        seen += 1
        if seen <= skip:
            continue
        if seen > skip + count:
            return
        soprano, inner, bass, tonic, mode = voices
        yield Melody(str(name), soprano, sorted(inner + bass), tonic, mode)


def training_melodies(folk_shares=(1, 2), chorales: int = 100, limit: int | None = None, log=print) -> list[Melody]:
    """The melodies the melody model learns from: folk shares the reference does not use, and chorales after
    the reference's first 150. `limit` caps the folk songs (for quick tests)."""
    out: list[Melody] = []
    for share in folk_shares:
        for name, tune in folk_tunes(share):
            if limit is not None and len(out) >= limit:
                break
            m = folk_melody(name, tune)
            if m is not None:
                out.append(m)
    folk = len(out)
    if chorales:
        out += list(chorale_melodies(150, chorales))
    log(f"melody corpus: {folk} folk songs and {len(out) - folk} chorale sopranos from music21's corpus")
    return out
