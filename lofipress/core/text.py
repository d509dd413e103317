"""Is a text from a config or a pack fit to print on a page? Shared by the station's checks and the pack's.

Control characters (NUL, BEL, ESC, the C1 range) and the bidirectional controls are refused: a right-to-left
override (U+202E) in a title turns "evil.mp3" into what reads as "3pm.live" in a tab or a list, the classic
Trojan Source trick. Zero-width joiners stay: emoji sequences need them.
"""
from __future__ import annotations

BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def unprintable(text: str) -> str | None:
    """What is wrong with the text's characters ("a control character", "a bidirectional control (U+202E)"),
    or None when every one may be printed."""
    for c in text:
        if ord(c) < 32 or 127 <= ord(c) < 160:
            return "a control character"
        if c in BIDI_CONTROLS:
            return f"a bidirectional control (U+{ord(c):04X}), which can make a text read backwards"
    return None
