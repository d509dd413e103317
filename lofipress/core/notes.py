"""Plain data shared by the stages: notes in seconds and exact loop lengths."""
from __future__ import annotations

from dataclasses import dataclass

PARTS = ("keys", "melody", "bass")  # rendered by the pack's instruments of the same role


@dataclass(frozen=True, order=True)
class Note:
    """One sounding note of an arranged track, in seconds from the loop start."""

    start_s: float
    end_s: float
    pitch: int  # MIDI number
    velocity: int  # 1-127
    part: str = "keys"  # one of PARTS

    def to_list(self) -> list:
        """Compact form for JSON: [start_s, end_s, pitch, velocity, part]."""
        return [round(self.start_s, 4), round(self.end_s, 4), self.pitch, self.velocity, self.part]


def bars_to_seconds(bars: float, tempo_bpm: float, beats_per_bar: int = 4) -> float:
    """Length of `bars` bars of 4/4 at `tempo_bpm`, in seconds."""
    return bars * beats_per_bar * 60.0 / tempo_bpm


def loop_n_samples(bars: int, tempo_bpm: float, sample_rate: int, beats_per_bar: int = 4) -> int:
    """Exact sample count of a loop: bars x 4 x 60 / bpm x rate, rounded to the nearest sample."""
    return int(round(bars * beats_per_bar * 60.0 * sample_rate / tempo_bpm))
