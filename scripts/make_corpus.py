"""Write the default corpus: corpus/source/*.txt -> corpus/NNN-slug.mid + corpus/index.json.

Each loop becomes one 4/4 MIDI file with a "keys" electric piano (program 4)
holding the voiced, voice-led chords in C3-C5 and, when the source gives one, a
"melody" (program 0) above. No bass and no drums: the arranger adds the bass.
Deterministic: the same source gives the same bytes. The format of the source
files is described in corpus/source/README.md.

    .venv/bin/python scripts/make_corpus.py            # rewrite the corpus
    .venv/bin/python scripts/make_corpus.py --check    # fail if the corpus is stale
"""
from __future__ import annotations

import argparse
import io
import json
import re
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pretty_midi

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from lofipress.music.chords import PC_NAMES, key_name_to_number, key_tonic_and_mode, parse_symbol, voice  # noqa: E402
from lofipress.core.errors import ConfigError  # noqa: E402

STEPS_PER_BAR = 16
KEYS_LOW, KEYS_HIGH = 48, 72  # C3-C5
_ROMAN = re.compile(r"^([b#]?)(VII|III|VI|IV|II|V|I)(.*)$", re.IGNORECASE)
_ROMAN_STEPS = {"I": 0, "II": 2, "III": 4, "IV": 5, "V": 7, "VI": 9, "VII": 11}
_MAJOR = (0, 2, 4, 5, 7, 9, 11)
_NATURAL_MINOR = (0, 2, 3, 5, 7, 8, 10)

# comping rhythms: one bar of hits (step, duration in 16ths, voices, velocity offset);
# voices: "all" = the whole voicing, "top" = all but the lowest note, "root" = the lowest note
RHYTHMS = {
    "whole": [(0, 16, "all", 4)],
    "halves": [(0, 8, "all", 4), (8, 8, "all", 0)],
    "push": [(0, 16, "all", 4)],  # like whole, every change anticipated on the "and of 4"
    "charleston": [(0, 3, "all", 6), (6, 10, "all", 0)],
    "stabs": [(0, 2, "all", 6), (6, 2, "top", -2), (10, 3, "all", 2), (14, 2, "top", -6)],
    "sync16": [(0, 16, "root", 0), (0, 3, "top", 4), (3, 4, "top", -4), (7, 3, "top", 0),
               (10, 6, "top", -3)],
    "neo": [(0, 16, "root", 2), (0, 7, "top", 4), (7, 4, "top", -5), (11, 5, "top", -1)],
    "dotted": [(0, 6, "all", 5), (6, 6, "all", -1), (12, 4, "top", -4)],
    "ballad": [(0, 11, "all", 4), (11, 5, "top", -4)],
    "arp": [],  # broken chord in 8ths, each note ringing to the chord's end
}


@dataclass
class Loop:
    title: str
    key: str
    tempo_bpm: float
    rhythm: str
    bars: list[list[str]]  # absolute chord symbols per bar
    melody: list[tuple[int, int, int | None]]  # (start_16th, dur_16ths, pitch or None)
    source: str


def degree_to_symbol(token: str, key: str) -> str:
    """"bVImaj7" in Am -> "Fmaj7"; absolute symbols pass through; slash basses may be numerals."""
    if token[0] in "ABCDEFG":
        return token
    tonic, _ = key_tonic_and_mode(key)
    head, _, bass = token.partition("/") if re.search(r"/[b#]?[IViv]+$", token) else (token, "", "")
    m = _ROMAN.match(head)
    if not m:
        raise ConfigError(f"cannot read chord {token!r}", fix="write a symbol (Dm9) or a numeral (iim9, bVII13)")
    acc, numeral, quality = m.groups()
    pc = (tonic + _ROMAN_STEPS[numeral.upper()] + (acc == "#") - (acc == "b")) % 12
    out = PC_NAMES[pc] + quality
    if bass:
        out += "/" + degree_to_symbol(bass, key)
    return out


def _melody_pitch(token: str, key: str) -> int:
    """Scale degree of the key's own scale (natural minor in minor) -> MIDI, tonic in 67-78."""
    m = re.fullmatch(r"([b#]?)([1-7])(['，,]*)", token)
    if not m:
        raise ConfigError(f"cannot read melody note {token!r}", fix="write a degree like 5, b3, 2' or 7,")
    acc, deg, marks = m.groups()
    tonic, minor = key_tonic_and_mode(key)
    base = 60 + tonic + (12 if tonic < 7 else 0)
    scale = _NATURAL_MINOR if minor else _MAJOR
    return base + scale[int(deg) - 1] + (acc == "#") - (acc == "b") + 12 * marks.count("'") - 12 * marks.count(",")


def parse_melody(text: str, key: str) -> list[tuple[int, int, int | None]]:
    """"5.4 3.2 r.2 | 1.8" -> [(start, dur, pitch)], rests as None pitches."""
    out, t = [], 0
    for tok in text.replace("|", " ").split():
        note, _, dur = tok.partition(".")
        d = int(dur or 4)
        out.append((t, d, None if note == "r" else _melody_pitch(note, key)))
        t += d
    return out


def parse_source(path: Path) -> list[Loop]:
    """Read one source file: `title ; key ; bpm ; rhythm ; chords | chords ...` + optional melody line."""
    loops: list[Loop] = []
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):  # whole-line comments: '#' is also a sharp
            continue
        where = f"{path.name}:{n}"
        if line.lstrip().startswith("melody:"):
            if not loops:
                raise ConfigError("melody line before any loop", where)
            loop = loops[-1]
            loop.melody = parse_melody(line.split(":", 1)[1], loop.key)
            total = sum(d for _, d, _ in loop.melody)
            if total != len(loop.bars) * STEPS_PER_BAR:
                raise ConfigError(f"melody lasts {total} 16ths, the loop {len(loop.bars) * 16}", where)
            continue
        fields = [f.strip() for f in line.split(";")]
        if len(fields) != 5:
            raise ConfigError("a loop line needs 5 fields separated by ';'", where)
        title, key, bpm, rhythm, chords = fields
        key_name_to_number(key)
        if rhythm not in RHYTHMS:
            raise ConfigError(f"unknown rhythm {rhythm!r}", where, f"use one of {', '.join(RHYTHMS)}")
        bars = [[degree_to_symbol(t, key) for t in bar.split()] for bar in chords.split("|")]
        if not 4 <= len(bars) <= 8 or any(len(b) not in (1, 2, 4) for b in bars):
            raise ConfigError("a loop has 4-8 bars of 1, 2 or 4 chords", where)
        for bar in bars:
            for sym in bar:
                parse_symbol(sym)
        loops.append(Loop(title, key, float(bpm), rhythm, bars, [], where))
    return loops


def _chord_spans(loop: Loop) -> list[tuple[int, int, str]]:
    spans = []
    for b, bar in enumerate(loop.bars):
        step = STEPS_PER_BAR // len(bar)
        spans += [(b * 16 + i * step, b * 16 + (i + 1) * step, sym) for i, sym in enumerate(bar)]
    return spans


def realize(loop: Loop, seed: int) -> tuple[list[tuple[int, int, int, int]], list[tuple[int, int, int, int]]]:
    """Keys and melody notes as (start_16th, dur_16ths, pitch, velocity)."""
    rng = np.random.default_rng(seed)
    spans = _chord_spans(loop)
    total = len(loop.bars) * STEPS_PER_BAR
    chords = [parse_symbol(s) for _, _, s in spans]
    voicings, prev = [], None
    for _ in range(2):  # voice the loop twice, keep the second pass: its first chord leads from the last
        voicings = []
        for c in chords:
            prev = voice(c, KEYS_LOW, KEYS_HIGH, prev)
            voicings.append(prev)
    keys: list[list[int]] = []

    def vel(base: int) -> int:
        return int(np.clip(base + rng.integers(-5, 6), 30, 110))

    for (a, b, _), v in zip(spans, voicings):
        if loop.rhythm == "arp":
            order = list(v) + list(v[-2:0:-1])
            for k, t in enumerate(range(a, b, 2)):
                keys.append([t, b - t, order[k % len(order)], vel(66 if t % 8 == 0 else 58)])
            continue
        hits = [(a - a % 16 + s, d, voices, off) for s, d, voices, off in RHYTHMS[loop.rhythm]
                if a <= a - a % 16 + s < b]
        if not any(h[0] == a and h[2] in ("all", "top") for h in hits):
            hits.append((a, b - a, "all", 2))
        for t, d, voices, off in hits:
            notes = v if voices == "all" else v[1:] if voices == "top" else v[:1]
            accent = 6 if t % 16 == 0 else 2 if t % 8 == 0 else 0
            for i, p in enumerate(notes):
                top = 4 if p == v[-1] else -3 if i > 0 and p != v[-1] else 0  # the top voice sings
                keys.append([t, min(d, b - t), p, vel(62 + off + accent + top)])
    if loop.rhythm == "push":  # anticipate each change (and the loop's restart) by an 8th
        starts = {a for a, _, _ in spans if a > 0}
        for n in keys:
            end = n[0] + n[1] - (2 if n[0] + n[1] in starts or n[0] + n[1] == total else 0)
            n[0] -= 2 if n[0] in starts else 0
            n[1] = end - n[0]
        keys += [[total - 2, 2, p, vel(60)] for p in voicings[0]]
    keys = _fix_overlaps(keys)
    melody = []
    for t, d, p in loop.melody:
        if p is not None:
            accent = 6 if t % 16 == 0 else 3 if t % 4 == 0 else 0
            melody.append((t, d, p, vel(74 + accent)))
    return [tuple(n) for n in keys], melody


def _fix_overlaps(notes: list[list[int]]) -> list[list[int]]:
    """Cut a note where the same pitch strikes again; drop empty notes."""
    notes.sort(key=lambda n: (n[2], n[0], -n[1]))
    out = []
    for i, n in enumerate(notes):
        if i + 1 < len(notes) and notes[i + 1][2] == n[2] and notes[i + 1][0] < n[0] + n[1]:
            n = [n[0], notes[i + 1][0] - n[0], n[2], n[3]]
        if n[1] > 0:
            out.append(n)
    out.sort(key=lambda n: (n[0], n[2]))
    return out


def build_loops(source_dir: Path = ROOT / "corpus" / "source") -> list[Loop]:
    """Every loop of every source file, in file then line order."""
    loops = []
    for path in sorted(source_dir.glob("*.txt")):
        loops += parse_source(path)
    return loops


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]


def loop_to_midi_bytes(loop: Loop, seed: int) -> bytes:
    keys, melody = realize(loop, seed)
    sec = 60.0 / loop.tempo_bpm / 4  # one 16th in seconds
    pm = pretty_midi.PrettyMIDI(initial_tempo=loop.tempo_bpm, resolution=480)
    pm.time_signature_changes.append(pretty_midi.TimeSignature(4, 4, 0.0))
    pm.key_signature_changes.append(pretty_midi.KeySignature(key_name_to_number(loop.key), 0.0))
    for name, program, notes in (("keys", 4, keys), ("melody", 0, melody)):
        if not notes:
            continue
        inst = pretty_midi.Instrument(program=program, name=name)
        inst.notes = [pretty_midi.Note(velocity=v, pitch=p, start=t * sec, end=(t + d) * sec)
                      for t, d, p, v in notes]
        pm.instruments.append(inst)
    buf = io.BytesIO()
    pm.write(buf)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only compare with the files on disk")
    args = ap.parse_args(argv)
    out_dir = ROOT / "corpus"
    loops = build_loops()
    files, index = {}, {}
    for i, loop in enumerate(loops, 1):
        name = f"{i:03d}-{slug(loop.title)}.mid"
        files[name] = loop_to_midi_bytes(loop, seed=zlib.crc32(name.encode()))
        index[name] = dict(title=loop.title, key=loop.key, bars=len(loop.bars), tempo_bpm=loop.tempo_bpm,
                           rhythm=loop.rhythm, chords=" | ".join(" ".join(b) for b in loop.bars),
                           melody=bool(loop.melody))
    files["index.json"] = (json.dumps(index, indent=1, ensure_ascii=False) + "\n").encode()
    stale = [p for p in out_dir.glob("[0-9][0-9][0-9]-*.mid") if p.name not in files]
    if args.check:
        bad = [n for n, b in files.items() if not (out_dir / n).exists() or (out_dir / n).read_bytes() != b]
        print(f"{len(bad)} stale, {len(stale)} extra of {len(files)} files")
        return 1 if bad or stale else 0
    for p in stale:
        p.unlink()
    for n, b in files.items():
        (out_dir / n).write_bytes(b)
    print(f"wrote {len(loops)} loops to {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
