"""Pieces <-> tokens <-> ids.

A piece is a set of quantized notes (start and duration in 16ths, MIDI pitch) in
4/4, 16 sixteenths a bar, with a key. Its tokens go beyond the seed articles'
notes / chords-in-normal-order / rests:

    <bos> mode:minor lead:on bar sec:A pos:0 n:-9.-2.3.7 d:16 m:7 d:4 pos:10 m:5 d:6 bar sec:A ... <eos>

- `bar` and `pos:P` (P = 0..15) place events on the grid, so rests are implicit
  and exact (a rest is simply a position nothing starts on).
- `n:...` is a chord (or a single note) with its VOICING: pitches relative to the
  tonic's reference pitch (`tonic_reference`), ascending, so register and spread
  survive and one token means the same function in every key.
- `d:K` is a learned duration in 16ths (1..32), never drawn at random.
- Events that start together but last differently are separate `n d` pairs.
- Two parts, REMI+-style: `n:` events are the keys, `m:R` a single note of the
  lead (the melody), tonic-relative like a chord. At one position the keys come
  first and the lead last, so the model picks a melody note knowing the chord
  under it; the lead is monophonic (at most one `m:` per position).
- `lead:on` / `lead:off` after the mode says whether the piece has a lead part,
  so a corpus mixing bare loops and loops with a top line can be asked for one.
- `sec:NAME` after each bar line names the song section the bar belongs to
  (intro, A, B, A2, outro...); generation forces the planned one, so the model
  composes each section knowing where it is in the song.

Because pitches are tonic-relative, a piece transposed to another key keeps its
tokens except for the octave it sits in; `augment_keys` produces those shifted
variants (the 12-key augmentation of the seed articles, without 12 copies of
every chord in the vocabulary).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..core.keys import key_name, parse_key
from ..core.errors import ModelError

STEPS_PER_BAR = 16  # 16th-note grid, 4/4
MAX_DURATION = 32  # 2 bars: longer notes are clipped (lo-fi keys rarely hold longer)
PAD, BOS, EOS, BAR = "<pad>", "<bos>", "<eos>", "bar"
MODES = ("major", "minor")
LEAD_ON, LEAD_OFF = "lead:on", "lead:off"
SECTIONS = ("intro", "A", "B", "A2", "outro", "loop")  # "loop": a bare corpus loop, no song around it

QNote = tuple[int, int, int]  # (start_16th, duration_16ths, pitch)


Section = tuple[str, int, int]  # (name, first bar, bars)


@dataclass(frozen=True)
class Piece:
    """A quantized piece: keys notes and lead notes sorted by (start, pitch, duration), a key, a bar count.

    `sections` plans the song ((name, first bar, bars), covering every bar) or is empty for a bare loop.
    """

    name: str
    notes: tuple[QNote, ...]  # the keys (chords)
    key: str  # "D minor", "Eb major"
    bars: int
    meta: dict = field(default_factory=dict, compare=False, hash=False)
    lead: tuple[QNote, ...] = ()  # the melody, one note at a time
    sections: tuple[Section, ...] = ()

    def section_of_bar(self) -> list[str]:
        """The section name of every bar ("loop" for every bar of a bare loop)."""
        return section_names(self.sections, self.bars)


def section_names(sections, bars: int, default: str = "loop") -> list[str]:
    """The section name of every one of `bars` bars; bars no section covers get `default`."""
    names = [default] * bars
    for name, first, n in sections:
        for b in range(max(first, 0), min(first + n, bars)):
            names[b] = name
    return names


def tonic_reference(tonic_pc: int) -> int:
    """The MIDI pitch tokens are relative to: the tonic nearest middle C (54..65)."""
    return 60 + ((tonic_pc + 6) % 12) - 6


def quantize(notes: Iterable[QNote], bars: int | None = None) -> tuple[QNote, ...]:
    """Canonical form: durations clipped to 1..32, duplicates (same start and pitch) merged, sorted.

    Notes starting at or after `bars` bars are dropped.
    """
    longest: dict[tuple[int, int], int] = {}
    limit = bars * STEPS_PER_BAR if bars is not None else None
    for start, dur, pitch in notes:
        if start < 0 or (limit is not None and start >= limit) or not 0 <= pitch <= 127:
            continue
        dur = max(1, min(MAX_DURATION, int(dur)))
        k = (int(start), int(pitch))
        longest[k] = max(longest.get(k, 0), dur)
    return tuple(sorted((s, d, p) for (s, p), d in longest.items()))


def events(piece: Piece, with_lead: bool = False) -> list[tuple]:
    """Group notes into (bar, pos, duration, relative pitches) events, in token order.

    With `with_lead`, each event gets a fifth field, the part ("n" keys, "m" lead), and the lead's
    notes come after the keys' at their position.
    """
    tonic, _ = parse_key(piece.key)
    ref = tonic_reference(tonic)
    groups: dict[tuple[int, int], list[int]] = {}
    for start, dur, pitch in piece.notes:
        groups.setdefault((start, dur), []).append(pitch - ref)
    out = []
    for (start, dur), rel in groups.items():
        out.append((start // STEPS_PER_BAR, start % STEPS_PER_BAR, dur, tuple(sorted(rel)), "n"))
    if with_lead:
        for start, dur, pitch in monophonic(piece.lead):
            out.append((start // STEPS_PER_BAR, start % STEPS_PER_BAR, dur, (pitch - ref,), "m"))
    # Same position: keys before the lead, longer first, then lower pitches, so the order is canonical.
    out.sort(key=lambda e: (e[0], e[1], e[4] == "m", -e[2], e[3]))
    return out if with_lead else [e[:4] for e in out]


def monophonic(lead: Iterable[QNote]) -> list[QNote]:
    """One lead note per onset (the highest), each cut where the next one starts."""
    top: dict[int, QNote] = {}
    for n in lead:
        if n[0] not in top or n[2] > top[n[0]][2]:
            top[n[0]] = n
    starts = sorted(top)
    out = []
    for i, s in enumerate(starts):
        _, d, p = top[s]
        if i + 1 < len(starts):
            d = min(d, starts[i + 1] - s)
        out.append((s, d, p))
    return out


def chord_token(rel: tuple[int, ...]) -> str:
    return "n:" + ".".join(str(r) for r in rel)


def lead_token(rel: int) -> str:
    return f"m:{rel}"


def encode(piece: Piece, known_chords: set[str] | None = None) -> list[str]:
    """Piece -> tokens. Chords not in `known_chords` (when given) are split into single notes."""
    _, mode = parse_key(piece.key)
    tokens = [BOS, f"mode:{mode}", LEAD_ON if piece.lead else LEAD_OFF]
    by_bar: dict[int, list] = {}
    for bar, pos, dur, rel, part in events(piece, with_lead=True):
        by_bar.setdefault(bar, []).append((pos, dur, rel, part))
    names = piece.section_of_bar()
    for bar in range(piece.bars):
        tokens += [BAR, f"sec:{names[bar]}"]
        last_pos = None
        for pos, dur, rel, part in by_bar.get(bar, []):
            if pos != last_pos:
                tokens.append(f"pos:{pos}")
                last_pos = pos
            tok = chord_token(rel)
            if part == "m":
                tokens += [lead_token(rel[0]), f"d:{dur}"]
            elif known_chords is not None and len(rel) > 1 and tok not in known_chords:
                for r in rel:
                    tokens += [chord_token((r,)), f"d:{dur}"]
            else:
                tokens += [tok, f"d:{dur}"]
    tokens.append(EOS)
    return tokens


def decode(tokens: list[str], key: str, name: str = "decoded") -> Piece:
    """Tokens -> Piece in `key`, with its lead and sections. Tolerant: an event missing its duration is dropped."""
    tonic, _ = parse_key(key)
    ref = tonic_reference(tonic)
    notes: list[QNote] = []
    lead: list[QNote] = []
    names: list[str] = []
    bar, pos, pending, target = -1, 0, None, notes
    for tok in tokens:
        if tok == BAR:
            bar, pos, pending = bar + 1, 0, None
            names.append("loop")
        elif tok.startswith("sec:") and bar >= 0:
            names[bar] = tok[4:]
        elif tok.startswith("pos:"):
            pos, pending = int(tok[4:]), None
        elif tok.startswith("n:") or tok.startswith("m:"):
            pending = [int(r) for r in tok[2:].split(".")]
            target = notes if tok[0] == "n" else lead
        elif tok.startswith("d:") and pending is not None and bar >= 0:
            start = bar * STEPS_PER_BAR + pos
            target += [(start, int(tok[2:]), ref + r) for r in pending]
            pending = None
        elif tok == EOS:
            break
    sections: list[Section] = []
    for b, name in enumerate(names):
        if sections and sections[-1][0] == name:
            sections[-1] = (name, sections[-1][1], sections[-1][2] + 1)
        else:
            sections.append((name, b, 1))
    plain = [s for s in sections if s[0] != "loop"]
    return Piece(name, quantize(notes), key, max(bar + 1, 0), lead=tuple(monophonic(quantize(lead))),
                 sections=tuple(sections) if plain else ())


def transpose(piece: Piece, semitones: int) -> Piece:
    """The same piece `semitones` higher, with its key moved along."""
    tonic, mode = parse_key(piece.key)
    notes = tuple((s, d, p + semitones) for s, d, p in piece.notes)
    lead = tuple((s, d, p + semitones) for s, d, p in piece.lead)
    return Piece(piece.name, notes, key_name(tonic + semitones, mode), piece.bars, piece.meta, lead, piece.sections)


def augment_keys(piece: Piece, low: int = 21, high: int = 108) -> list[Piece]:
    """The piece in all 12 keys (-5..+6 semitones) that stay in [low, high]; token-distinct ones only."""
    seen, out = set(), []
    for shift in range(-5, 7):
        moved = transpose(piece, shift)
        if any(not low <= p <= high for _, _, p in moved.notes + moved.lead):
            continue
        sig = tuple(encode(moved))
        if sig not in seen:
            seen.add(sig)
            out.append(moved)
    return out


class Vocab:
    """Token <-> id. Id 0 is <pad>; the order is saved in vocab.json next to the model."""

    def __init__(self, tokens: list[str]):
        self.tokens = list(tokens)
        self.index = {t: i for i, t in enumerate(self.tokens)}
        if len(self.index) != len(self.tokens) or self.tokens[:4] != [PAD, BOS, EOS, BAR]:
            raise ModelError("vocabulary is corrupt (duplicates or wrong specials)")

    def __len__(self) -> int:
        return len(self.tokens)

    def ids(self, tokens: list[str]) -> list[int]:
        return [self.index[t] for t in tokens]

    def words(self, ids: Iterable[int]) -> list[str]:
        return [self.tokens[i] for i in ids]

    @property
    def chords(self) -> set[str]:
        return {t for t in self.tokens if t.startswith("n:")}

    @property
    def has_lead(self) -> bool:
        """Whether the model learned a lead part (its corpus had melodies)."""
        return any(t.startswith("m:") for t in self.tokens)

    @classmethod
    def build(cls, pieces: list[Piece], min_chord_count: int = 2) -> "Vocab":
        """Grid, duration, section and lead-flag tokens always; chords seen at least `min_chord_count` times;
        every single note of the keys and every lead note seen."""
        counts: dict[str, int] = {}
        leads: set[int] = set()
        for piece in pieces:
            for *_, rel in events(piece):
                tok = chord_token(rel)
                counts[tok] = counts.get(tok, 0) + 1
            leads.update(p - tonic_reference(parse_key(piece.key)[0]) for _, _, p in piece.lead)
        chords = {t for t, c in counts.items() if c >= min_chord_count or "." not in t}
        singles = {chord_token((r,)) for t in counts for r in map(int, t[2:].split("."))}
        fixed = [PAD, BOS, EOS, BAR] + [f"mode:{m}" for m in MODES] + [LEAD_ON, LEAD_OFF]
        fixed += [f"sec:{s}" for s in SECTIONS]
        fixed += [f"pos:{p}" for p in range(STEPS_PER_BAR)] + [f"d:{d}" for d in range(1, MAX_DURATION + 1)]
        return cls(fixed + sorted(chords | singles, key=_chord_sort_key) + [lead_token(r) for r in sorted(leads)])

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"tokens": self.tokens}, indent=0) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "Vocab":
        try:
            return cls(json.loads(path.read_text(encoding="utf-8"))["tokens"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelError(f"cannot read vocabulary: {exc}", path, "retrain the model with `lofipress train`") from None


def _chord_sort_key(tok: str):
    rel = [int(r) for r in tok[2:].split(".")]
    return (len(rel), rel)
