"""Chord symbols, lo-fi keys voicings, root estimation and key names.

`parse_symbol("Dm9")` turns a lead-sheet symbol into a `Chord`; `voice()` lays it
out for electric piano in C3-C5 with smooth voice leading; `root_of()` guesses
the root of a sounding set of pitches so the arranger can put a bass under it.
Keys are numbered like pretty-midi: 0-11 major (C..B), 12-23 minor (Cm..Bm).
"""
from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass

from ..core.errors import ConfigError

PC_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_MINOR_PC_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B")
KEY_NAMES = tuple(PC_NAMES) + tuple(n + "m" for n in _MINOR_PC_NAMES)  # index = key number
_LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}

# suffix -> (quality, intervals above the root in semitones); 9 = 14, 11 = 17, 13 = 21
QUALITIES: dict[str, tuple[str, tuple[int, ...]]] = {
    "": ("maj", (0, 4, 7)),
    "m": ("m", (0, 3, 7)),
    "5": ("5", (0, 7)),
    "maj7": ("maj7", (0, 4, 7, 11)),
    "maj9": ("maj9", (0, 4, 7, 11, 14)),
    "maj13": ("maj13", (0, 4, 7, 11, 14, 21)),
    "maj7#11": ("maj7#11", (0, 4, 7, 11, 18)),
    "maj9#11": ("maj9#11", (0, 4, 7, 11, 14, 18)),
    "6": ("6", (0, 4, 7, 9)),
    "6/9": ("6/9", (0, 4, 7, 9, 14)),
    "add9": ("add9", (0, 4, 7, 14)),
    "m7": ("m7", (0, 3, 7, 10)),
    "m9": ("m9", (0, 3, 7, 10, 14)),
    "m11": ("m11", (0, 3, 7, 10, 14, 17)),
    "m13": ("m13", (0, 3, 7, 10, 14, 21)),
    "m6": ("m6", (0, 3, 7, 9)),
    "m6/9": ("m6/9", (0, 3, 7, 9, 14)),
    "madd9": ("madd9", (0, 3, 7, 14)),
    "m(maj7)": ("m(maj7)", (0, 3, 7, 11)),
    "m(maj9)": ("m(maj9)", (0, 3, 7, 11, 14)),
    "7": ("7", (0, 4, 7, 10)),
    "9": ("9", (0, 4, 7, 10, 14)),
    "11": ("11", (0, 7, 10, 14, 17)),  # the 3rd is left out: it clashes with the 11th
    "13": ("13", (0, 4, 7, 10, 14, 21)),
    "7sus4": ("7sus4", (0, 5, 7, 10)),
    "9sus4": ("9sus4", (0, 5, 7, 10, 14)),
    "13sus4": ("13sus4", (0, 5, 7, 10, 14, 21)),
    "sus2": ("sus2", (0, 2, 7)),
    "sus4": ("sus4", (0, 5, 7)),
    "m7b5": ("m7b5", (0, 3, 6, 10)),
    "m9b5": ("m9b5", (0, 3, 6, 10, 14)),
    "dim": ("dim", (0, 3, 6)),
    "dim7": ("dim7", (0, 3, 6, 9)),
    "aug": ("aug", (0, 4, 8)),
    "7#5": ("7#5", (0, 4, 8, 10)),
    "7b9": ("7b9", (0, 4, 7, 10, 13)),
    "7#9": ("7#9", (0, 4, 7, 10, 15)),
    "7#11": ("7#11", (0, 4, 7, 10, 18)),
    "9#11": ("9#11", (0, 4, 7, 10, 14, 18)),
    "7b13": ("7b13", (0, 4, 7, 10, 20)),
    "7alt": ("7alt", (0, 4, 10, 15, 20)),  # 3, b7, #9, b13: the usual altered shell
    "13b9": ("13b9", (0, 4, 7, 10, 13, 21)),
    "7b9b13": ("7b9b13", (0, 4, 7, 10, 13, 20)),
}
_ALIASES = {
    "M7": "maj7", "Δ7": "maj7", "Δ": "maj7", "ma7": "maj7", "M9": "maj9", "Δ9": "maj9",
    "69": "6/9", "maj6": "6", "-": "m", "min": "m", "mi": "m", "-7": "m7", "min7": "m7",
    "mi7": "m7", "-9": "m9", "min9": "m9", "-11": "m11", "min11": "m11", "-6": "m6",
    "m69": "m6/9", "mmaj7": "m(maj7)", "mMaj7": "m(maj7)", "m(M7)": "m(maj7)", "-maj7": "m(maj7)",
    "mmaj9": "m(maj9)", "ø": "m7b5", "ø7": "m7b5", "-7b5": "m7b5", "o": "dim", "°": "dim",
    "o7": "dim7", "°7": "dim7", "+": "aug", "+7": "7#5", "7sus": "7sus4", "9sus": "9sus4",
    "13sus": "13sus4", "sus": "sus4", "2": "sus2", "add2": "add9", "dom7": "7", "alt": "7alt",
    "7+": "7#5", "maj": "", "M": "",
}
_SYMBOL = re.compile(r"^([A-G])([b#]?)(.*)$")


@dataclass(frozen=True)
class Chord:
    """A parsed chord symbol; intervals are semitones above the root, the root first."""

    symbol: str
    root_pc: int
    quality: str
    intervals: tuple[int, ...]
    bass_pc: int | None = None  # slash chords only: Cmaj7/E -> 4

    @property
    def pcs(self) -> frozenset[int]:
        """Pitch classes of the chord, the slash bass included."""
        tones = {(self.root_pc + i) % 12 for i in self.intervals}
        return frozenset(tones | ({self.bass_pc} if self.bass_pc is not None else set()))


def note_name_to_pc(name: str) -> int:
    """Pitch class of a note name such as "Bb", "F#" or "C"; raise ConfigError otherwise."""
    m = re.fullmatch(r"([A-Ga-g])([b#]*)", name.strip())
    if not m:
        raise ConfigError(f"unknown note name {name!r}", fix="write a letter A-G with optional b or #")
    letter, accidentals = m.groups()
    return (_LETTER_PC[letter.upper()] + accidentals.count("#") - accidentals.count("b")) % 12


def parse_symbol(symbol: str) -> Chord:
    """Parse a chord symbol like "Dm9", "G7alt", "Bb6/9" or "Cmaj7/E".

    Raises:
        ConfigError: the root or the quality is not known.
    """
    text = symbol.strip()
    m = _SYMBOL.match(text)
    if not m:
        raise ConfigError(f"unknown chord symbol {symbol!r}", fix="start with a root A-G, e.g. Dm9")
    letter, accidental, rest = m.groups()
    root_pc = note_name_to_pc(letter + accidental)
    bass_pc = None
    if "/" in rest:  # a slash bass, unless the slash belongs to 6/9
        head, tail = rest.rsplit("/", 1)
        if re.fullmatch(r"[A-G][b#]?", tail):
            rest, bass_pc = head, note_name_to_pc(tail)
    key = rest if rest in QUALITIES else _ALIASES.get(rest)
    if key is None:
        known = ", ".join(q or "(major)" for q in list(QUALITIES)[:12])
        raise ConfigError(f"unknown chord quality {rest!r} in {symbol!r}", fix=f"use one of {known}, ...")
    quality, intervals = QUALITIES[key]
    if bass_pc == root_pc:
        bass_pc = None
    return Chord(text, root_pc, quality, intervals, bass_pc)


def parse_progression(text: str) -> list[Chord]:
    """Parse whitespace-separated chord symbols ("|" bar lines are ignored)."""
    return [parse_symbol(tok) for tok in text.replace("|", " ").split()]


# ---------------------------------------------------------------- voicing

def _upper_pcs(chord: Chord, n_max: int = 4) -> list[int]:
    """Pick the upper-structure tones: guide tones, then colour, then the fifth."""
    ivs = [i % 12 for i in chord.intervals]
    guide = [i for i in ivs if i in (3, 4, 5, 10, 11)]  # 3rd (or sus 4th) and 7th
    if 9 in ivs and 10 not in ivs and 11 not in ivs:  # 6 chords: the 6th acts as the 7th
        guide.append(9)
    colour = [i for i in ivs if i in (1, 2, 6, 8) or (i == 9 and i not in guide)]
    colour += [i for i in ivs if i in (5,) and i not in guide]
    fifth = [i for i in ivs if i == 7]
    picked: list[int] = []
    for i in guide + colour + fifth:
        if i not in picked and len(picked) < n_max:
            picked.append(i)
    if len(picked) < 3 or (chord.bass_pc is not None and 0 not in picked):
        picked.append(0)  # triads double the root on top; slash chords keep their root above the bass
    return [(chord.root_pc + i) % 12 for i in picked]


def _movement(prev: tuple[int, ...], new: tuple[int, ...]) -> float:
    """Symmetric nearest-neighbour distance between two voicings, in semitones."""
    a = sum(min(abs(n - p) for p in prev) for n in new)
    b = sum(min(abs(p - n) for n in new) for p in prev)
    return (a + b) / 2


def _upper_candidates(pcs: list[int], low: int, high: int) -> set[tuple[int, ...]]:
    """Close-position stacks (every inversion) and their drop-2 forms inside [low, high]."""
    ring = sorted(set(pcs))
    out = set()
    for r in range(len(ring)):  # within an octave, ascending stacks are the rotations of the ring
        order = ring[r:] + ring[:r]
        rel = [0]
        for pc in order[1:]:
            rel.append(rel[-1] + (pc - order[0] - rel[-1]) % 12)
        for start in range(low - (low - order[0]) % 12, high + 1, 12):
            stack = [start + x for x in rel]
            variants = [tuple(stack)]
            if len(stack) >= 4:  # drop-2: the second voice from the top down an octave
                variants.append(tuple(sorted(stack[:-2] + [stack[-2] - 12] + stack[-1:])))
            for v in variants:
                if v[0] >= low and v[-1] <= high:
                    out.add(v)
    return out


def voice(chord: Chord, low: int = 48, high: int = 72, previous: tuple[int, ...] | None = None,
          rootless: bool = False) -> tuple[int, ...]:
    """Voice a chord for lo-fi keys inside [low, high], moving as little as possible from `previous`.

    The voicing is a rootless upper structure (3rd and 7th, colour tones, the
    fifth last; close or drop-2) with the root (or slash bass) under it when it
    fits, so 4-5 notes; `rootless=True` leaves the root out.
    """
    upper_pcs = _upper_pcs(chord)
    bass_pc = chord.bass_pc if chord.bass_pc is not None else chord.root_pc
    pairs = [((), u) for u in _upper_candidates(upper_pcs, low, high)]
    if not rootless:  # the root (or slash bass) at least a minor 3rd under the hands
        tries = [upper_pcs] + [list(c) for c in itertools.combinations(upper_pcs, 3)]
        for pcs in tries:  # in a narrow range over a high root, thin the hands to three tones
            with_root = [((r,), u) for u in _upper_candidates(pcs, low, high)
                         for r in range(low, u[0] - 2) if r % 12 == bass_pc]
            if with_root:
                pairs = with_root
                break
    best, best_score = None, float("inf")
    for root, upper in pairs:
        cand = root + upper
        if True:
            score = 0.0
            if previous:
                score += _movement(tuple(previous), cand)
            score += 0.35 * abs(sum(upper) / len(upper) - (low + high) / 2 - 3)  # sit mid-high
            if upper[1] - upper[0] <= 2 and upper[0] < 55:
                score += 4.0  # low-interval limit: seconds below G3 turn to mud
            if root and cand[1] - cand[0] > 12:
                score += 2.0  # a root far below the hands sounds detached
            if score < best_score or (score == best_score and cand < best):
                best, best_score = cand, score
    if best is None:  # range too narrow for the full stack: fold each tone in
        span = max(high - low, 12)
        best = tuple(sorted({low + (pc - low) % 12 if span >= 12 else low for pc in upper_pcs}))
    return tuple(best)


def voice_progression(chords: list[Chord], low: int = 48, high: int = 72) -> list[tuple[int, ...]]:
    """Voice chords one after another with voice leading from each to the next."""
    out: list[tuple[int, ...]] = []
    for c in chords:
        out.append(voice(c, low, high, out[-1] if out else None))
    return out


# ---------------------------------------------------------------- root estimation

# quality -> (core intervals that should sound, tensions that may sound)
_TEMPLATES = {
    "maj7": ((0, 4, 7, 11), (2, 6, 9)),
    "7": ((0, 4, 7, 10), (1, 2, 3, 6, 8, 9)),
    "m7": ((0, 3, 7, 10), (2, 5, 9)),
    "m7b5": ((0, 3, 6, 10), (2, 5, 8)),
    "dim7": ((0, 3, 6, 9), ()),
    "7sus4": ((0, 5, 7, 10), (2, 9)),
    "6": ((0, 4, 7, 9), (2,)),
    "m6": ((0, 3, 7, 9), (2,)),
    "m(maj7)": ((0, 3, 7, 11), (2,)),
    "maj": ((0, 4, 7), (2,)),
    "m": ((0, 3, 7), (2,)),
}


def root_of(pitches) -> tuple[int, str] | None:
    """Estimate (root pitch class, quality) of sounding MIDI pitches by template matching.

    Core chord tones score, tensions are tolerated, other tones cost; the 3rd
    and 7th weigh most, a missing fifth costs little, a missing root somewhat
    more (rootless voicings); the lowest note is favoured as the root.
    """
    pitches = sorted(set(int(p) for p in pitches))
    if not pitches:
        return None
    return _root_of_pcs(frozenset(p % 12 for p in pitches), pitches[0] % 12)


@functools.lru_cache(maxsize=8192)
def _root_of_pcs(pcs: frozenset, lowest: int) -> tuple[int, str]:
    """root_of on pitch classes and the lowest one: all it depends on, so a song's repeated chords cost once."""
    if len(pcs) == 1:
        return lowest, "maj"
    best, best_score = None, -1e9
    for root in range(12):
        rel = {(pc - root) % 12 for pc in pcs}
        for quality, (core, tensions) in _TEMPLATES.items():
            score = 0.0
            for i in core:
                weight = 1.5 if i in (3, 4, 10, 11) or (i == 9 and len(core) == 4) else 0.9
                weight = 1.3 if i in (5, 6) else weight
                score += weight if i in rel else (-1.0 if i == 0 else -0.3 if i == 7 else -1.2)
            score += sum(0.2 for i in rel if i in tensions)
            score -= sum(1.5 for i in rel if i not in core and i not in tensions)
            score -= 0.1 * len(core)  # prefer simpler templates on equal evidence
            if root == lowest:
                score += 1.6  # loops keep the root at the bottom far more often than not
            if score > best_score:
                best, best_score = (root, quality), score
    return best


# ---------------------------------------------------------------- keys

def key_name_to_number(name: str) -> int:
    """Key number 0-23 of "C", "Am", "F# minor", "Eb major", "bbm"...; raise ConfigError otherwise."""
    text = name.strip().replace("♭", "b").replace("♯", "#")
    m = re.fullmatch(r"([A-Ga-g][b#]?)\s*(m|min|minor|maj|major|M)?", text)
    if not m:
        raise ConfigError(f"unknown key {name!r}", fix='write e.g. "C", "Am", "Eb major" or "F# minor"')
    pc = note_name_to_pc(m.group(1))
    minor = m.group(2) in ("m", "min", "minor")
    return pc + 12 * minor


def key_number_to_key_name(number: int) -> str:
    """Short key name ("C", "Am", "F#m", "Bb") of a key number 0-23."""
    if not 0 <= number < 24:
        raise ValueError(f"key number {number} is not in 0-23")
    return KEY_NAMES[number]


def key_long_name(key: str) -> str:
    """"Am" -> "A minor", "Eb" -> "Eb major"."""
    n = key_name_to_number(key)
    return f"{KEY_NAMES[n].rstrip('m')} {'minor' if n >= 12 else 'major'}"


def key_tonic_and_mode(key: str) -> tuple[int, bool]:
    """(tonic pitch class, is_minor) of a key name."""
    n = key_name_to_number(key)
    return n % 12, n >= 12


def scale_pcs(key: str) -> set[int]:
    """Pitch classes of the key's scale: major, or natural minor for minor keys."""
    tonic, minor = key_tonic_and_mode(key)
    steps = (0, 2, 3, 5, 7, 8, 10) if minor else (0, 2, 4, 5, 7, 9, 11)
    return {(tonic + s) % 12 for s in steps}
