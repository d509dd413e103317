"""Key names: "Eb major", "Dm" <-> (tonic pitch class, mode). Shared by the settings (a station's keys, its mood)
and the music, below both."""
from __future__ import annotations

PITCH_CLASS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


SHARP_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


def parse_key(name: str) -> tuple[int, str]:
    """Key name ("D minor", "Dm", "Eb", "F# major", "bb minor") -> (tonic pitch class, mode)."""
    text = name.strip()
    mode = "major"
    low = text.lower()
    for suffix, m in ((" minor", "minor"), (" major", "major"), ("min", "minor"), ("maj", "major"), ("m", "minor")):
        if low.endswith(suffix) and len(text) > len(suffix):
            text, mode = text[: -len(suffix)].strip(), m
            break
    if not text or text[0].upper() not in PITCH_CLASS:
        raise ValueError(f"not a key: {name!r}")
    pc = PITCH_CLASS[text[0].upper()]
    for accidental in text[1:]:
        if accidental in "#s":
            pc += 1
        elif accidental in "b-":
            pc -= 1
        else:
            raise ValueError(f"not a key: {name!r}")
    return pc % 12, mode


def key_name(tonic_pc: int, mode: str) -> str:
    """(pitch class, mode) -> "Eb major"."""
    return f"{SHARP_NAMES[tonic_pc % 12]} {mode}"
