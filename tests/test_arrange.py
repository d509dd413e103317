"""The arranger on pieces made in code: parts, registers, bass roots, swing, determinism, MIDI."""
import numpy as np
import pretty_midi
import pytest

from lofipress.arrange import arrange, notes_to_beats, write_midi
from lofipress.chords import parse_progression, voice_progression
from lofipress.config import ArrangeSettings
from lofipress.notes import bars_to_seconds

STRAIGHT = ArrangeSettings(swing=0.5, humanize_ms=0.0, velocity_jitter=0)


def two_five_one(bars_per_chord: int = 1) -> list[tuple[int, int, int]]:
    chords = parse_progression("Dm9 G13 Cmaj9 Am9")
    notes = []
    for i, v in enumerate(voice_progression(chords)):
        notes += [(i * 16 * bars_per_chord, 16 * bars_per_chord, p) for p in v]
    notes += [(0, 4, 76), (4, 4, 74), (8, 8, 79), (20, 6, 77), (26, 6, 74)]  # a top line over it
    return notes


def test_bass_is_in_range_and_is_the_root_of_each_chord():
    out = arrange(two_five_one(), "C", 80, 4, STRAIGHT, np.random.default_rng(0))
    bass = [n for n in out if n.part == "bass"]
    assert bass and all(28 <= n.pitch <= 47 for n in bass)
    bar_s = bars_to_seconds(1, 80)
    for bar, root in enumerate((2, 7, 0, 9)):  # D, G, C, A
        on_change = [n for n in bass if abs(n.start_s - bar * bar_s) < 1e-6]
        assert len(on_change) == 1 and on_change[0].pitch % 12 == root


def test_parts_and_registers():
    notes = two_five_one() + [(32, 8, 40)]  # a stray low chord tone goes up an octave
    out = arrange(notes, "C", 80, 4, STRAIGHT, np.random.default_rng(0))
    keys = [n for n in out if n.part == "keys"]
    melody = [n for n in out if n.part == "melody"]
    assert all(48 <= n.pitch <= 72 for n in keys)
    assert 52 in {n.pitch for n in keys}
    assert sorted(n.pitch for n in melody) == sorted([76, 74, 79, 77, 74])
    assert all(m.velocity > np.median([k.velocity for k in keys]) for m in melody)


def test_swing_moves_off_sixteenths_by_the_swing_share():
    settings = ArrangeSettings(swing=0.58, humanize_ms=0.0, velocity_jitter=0)
    notes = [(s, 1, 79) for s in range(4)] + [(0, 16, 48), (0, 16, 55), (0, 16, 64)]
    out = arrange(notes, "C", 75, 1, settings, np.random.default_rng(0))
    sixteenth_s = 60 / 75 / 4
    starts = sorted(n.start_s for n in out if n.part == "melody")
    assert starts == pytest.approx([0, 1.16 * sixteenth_s, 2 * sixteenth_s, 3.16 * sixteenth_s], abs=1e-6)


def test_deterministic_wrapped_and_clipped():
    settings = ArrangeSettings()
    notes = two_five_one() + [(60, 40, 50)]  # rings past the loop's end
    a = arrange(notes, "C", 80, 4, settings, np.random.default_rng(7))
    b = arrange(notes, "C", 80, 4, settings, np.random.default_rng(7))
    c = arrange(notes, "C", 80, 4, settings, np.random.default_rng(8))
    assert a == b and a != c
    loop_s = bars_to_seconds(4, 80)
    assert all(0 <= n.start_s < loop_s and 0 < n.end_s - n.start_s <= loop_s for n in a)
    assert all(1 <= n.velocity <= 127 for n in a)


def test_midi_round_trip_and_identical_bytes(tmp_path):
    out = arrange(two_five_one(), "Am", 78, 4, ArrangeSettings(), np.random.default_rng(3))
    write_midi(out, 78, "Am", tmp_path / "a.mid", title="test loop")
    write_midi(out, 78, "Am", tmp_path / "b.mid", title="test loop")
    assert (tmp_path / "a.mid").read_bytes() == (tmp_path / "b.mid").read_bytes()
    pm = pretty_midi.PrettyMIDI(str(tmp_path / "a.mid"))
    assert {i.name: i.program for i in pm.instruments} == {"keys": 4, "melody": 0, "bass": 33}
    assert pm.key_signature_changes[0].key_number == 21
    assert abs(pm.get_tempo_changes()[1][0] - 78) < 1e-3
    for inst in pm.instruments:
        mine = sorted((n.pitch, n.start_s, n.end_s) for n in out if n.part == inst.name)
        back = sorted((n.pitch, n.start, n.end) for n in inst.notes)
        assert [x[0] for x in mine] == [y[0] for y in back]
        assert max(abs(x[2] - y[2]) for x, y in zip(mine, back)) < 1e-3
        assert max(abs(x[1] - y[1]) for x, y in zip(mine, back)) < 1e-3


def test_notes_to_beats():
    out = arrange(two_five_one(), "C", 80, 4, STRAIGHT, np.random.default_rng(0))
    beats = notes_to_beats(out, 80)
    assert len(beats) == len(out)
    first = beats[0]
    assert first[0] == 0.0 and isinstance(first[2], int) and first[4] in ("keys", "melody", "bass")
    assert all(round(b[0], 4) == b[0] and b[1] > 0 for b in beats)
