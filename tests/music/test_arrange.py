"""The arranger and the performer on songs made in code: parts, sections, the bass, swing, MIDI."""
import numpy as np
import pretty_midi
import pytest

from lofipress.music.arrange import arrange_parts, chord_spans
from lofipress.music.chords import parse_progression, voice_progression
from lofipress.station.config import ArrangeSettings
from lofipress.core.notes import bars_to_seconds
from lofipress.music.perform import notes_to_beats, perform, write_midi
from lofipress.music.song_metrics import bass_metrics, parts_from_midi
from lofipress.music.tokens import Piece

STRAIGHT = ArrangeSettings(swing=0.5, humanize_ms=0.0, velocity_jitter=0)
TOP_LINE = [(0, 4, 76), (4, 4, 74), (8, 8, 79), (20, 6, 77), (26, 6, 74)]


def voiced(symbols: str, steps_per_chord: int = 16) -> list[tuple[int, int, int]]:
    notes = []
    for i, v in enumerate(voice_progression(parse_progression(symbols))):
        notes += [(i * steps_per_chord, steps_per_chord, p) for p in v]
    return notes


def song(keys, lead=(), bars=4, key="C major", sections=()) -> Piece:
    return Piece("t", tuple(sorted(keys)), key, bars, lead=tuple(sorted(lead)), sections=tuple(sections))


def test_bass_is_in_range_and_plays_the_root_on_each_change():
    parts = arrange_parts(song(voiced("Dm9 G13 Cmaj9 Am9"), TOP_LINE), STRAIGHT, np.random.default_rng(0))
    bass = parts["bass"]
    assert bass and all(28 <= p <= 47 for _, _, p in bass)
    for bar, root in enumerate((2, 7, 0, 9)):  # D, G, C, A
        on_change = [p for t, _, p in bass if t == bar * 16]
        assert len(on_change) == 1 and on_change[0] % 12 == root


def test_no_bass_note_is_held_across_a_chord_change_or_a_bar_line():
    keys = voiced("Dm9 G13 Cmaj9 Fmaj7 Em7 A7 Dm9 G13", steps_per_chord=8)  # a change every half bar
    for seed in range(6):
        bass = arrange_parts(song(keys, TOP_LINE), STRAIGHT, np.random.default_rng(seed))["bass"]
        changes = {a for a, _, _ in chord_spans(sorted(keys), 64)}
        for t, d, _ in bass:
            assert not any(t < c < t + d for c in changes)
            assert t // 16 == (t + d - 1) // 16
        assert {t for t, _, _ in bass} >= changes


def test_one_root_for_thirty_bars_still_moves():
    """The held-note bug (t06 held one E-flat for 100 s): every chord reads as one root, the old bass held it.

    An Ebmaj9 vamp struck as long chords for 30 bars, the published shape of that track.
    """
    chord = [p for p in voice_progression(parse_progression("Ebmaj9"))[0]]
    keys = [(b * 16, 32 if b % 2 == 0 else 16, p) for b in range(30) for p in chord]
    sections = (("intro", 0, 2), ("A", 2, 8), ("B", 10, 8), ("A2", 18, 8), ("outro", 26, 4))
    for seed in range(4):
        parts = arrange_parts(song(keys, bars=30, key="Eb major", sections=sections), STRAIGHT,
                              np.random.default_rng(seed))
        m = bass_metrics(parts["bass"], 30, skip_bars=2)
        assert m["bass_hold_bars"] <= 1.0 and m["bass_onsets_per_bar"] >= 1.0
        assert len({p for _, _, p in parts["bass"]}) >= 2  # root and fifth or octave, not one drone


def test_sections_shape_the_arrangement():
    keys = voiced("Dm9 G13 Cmaj9 Am9 " * 5 + "Dm9 G13")  # 22 bars of changes
    lead = [(b * 16 + t, d, p) for b in range(0, 22, 2) for t, d, p in TOP_LINE]
    sections = (("intro", 0, 2), ("A", 2, 8), ("B", 10, 8), ("outro", 18, 4))
    parts = arrange_parts(song(keys, lead, bars=22, sections=sections), STRAIGHT, np.random.default_rng(1))
    intro = range(0, 32)
    assert not [n for n in parts["melody"] + parts["bass"] if n[0] in intro]  # the keys alone
    assert [n for n in parts["keys"] if n[0] in intro]
    b_keys = [t for t, _, _ in parts["keys"] if 160 <= t < 288]
    assert any(t % 16 == 6 for t in b_keys)  # B comps on the "and of 2"
    a_mel = sorted(p for t, _, p in parts["melody"] if 32 <= t < 64)
    b_mel = sorted(p for t, _, p in parts["melody"] if 160 <= t < 192)
    assert a_mel == b_mel  # the melody keeps its register in B (the model's line, not a jump)
    last = [n for n in parts["bass"] if n[0] >= 21 * 16]
    assert len(last) == 1 and last[0][2] % 12 == 0 and last[0][0] + last[0][1] == 22 * 16  # the outro rests on C


def test_registers():
    keys = voiced("Dm9 G13 Cmaj9 Am9") + [(32, 8, 40)]  # a stray low chord tone goes up an octave
    parts = arrange_parts(song(keys, TOP_LINE), STRAIGHT, np.random.default_rng(0))
    assert all(48 <= p <= 72 for _, _, p in parts["keys"]) and 52 in {p for _, _, p in parts["keys"]}
    assert sorted(p for _, _, p in parts["melody"]) == sorted(p for _, _, p in TOP_LINE)


def test_swing_moves_off_sixteenths_by_the_swing_share():
    settings = ArrangeSettings(swing=0.58, humanize_ms=0.0, velocity_jitter=0)
    parts = {"melody": [(s, 1, 79) for s in range(4)], "keys": [(0, 16, 48), (0, 16, 55), (0, 16, 64)]}
    out = perform(parts, "C", 75, 1, settings, np.random.default_rng(0))
    sixteenth_s = 60 / 75 / 4
    starts = sorted(n.start_s for n in out if n.part == "melody")
    assert starts == pytest.approx([0, 1.16 * sixteenth_s, 2 * sixteenth_s, 3.16 * sixteenth_s], abs=1e-6)
    assert all(m.velocity > max(k.velocity for k in out if k.part == "keys") - 10 for m in out if m.part == "melody")


def test_deterministic_wrapped_and_clipped():
    parts = arrange_parts(song(voiced("Dm9 G13 Cmaj9 Am9") + [(60, 40, 50)], TOP_LINE), ArrangeSettings(),
                          np.random.default_rng(7))
    a = perform(parts, "C", 80, 4, ArrangeSettings(), np.random.default_rng(7))
    b = perform(parts, "C", 80, 4, ArrangeSettings(), np.random.default_rng(7))
    c = perform(parts, "C", 80, 4, ArrangeSettings(), np.random.default_rng(8))
    assert a == b and a != c
    loop_s = bars_to_seconds(4, 80)
    assert all(0 <= n.start_s < loop_s and 0 < n.end_s - n.start_s <= loop_s for n in a)
    assert all(1 <= n.velocity <= 127 for n in a)


def test_midi_round_trip_sections_and_identical_bytes(tmp_path):
    sections = (("A", 0, 2), ("B", 2, 2))
    parts = arrange_parts(song(voiced("Dm9 G13 Cmaj9 Am9"), TOP_LINE, sections=sections), ArrangeSettings(),
                          np.random.default_rng(3))
    out = perform(parts, "Am", 78, 4, ArrangeSettings(), np.random.default_rng(3), sections)
    write_midi(out, 78, "Am", tmp_path / "a.mid", title="test loop", sections=sections)
    write_midi(out, 78, "Am", tmp_path / "b.mid", title="test loop", sections=sections)
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
    back_parts, back_sections, tempo, bars = parts_from_midi((tmp_path / "a.mid").read_bytes(), 4)
    assert [tuple(s) for s in back_sections] == list(sections) and bars == 4
    assert sorted(p for _, _, p in back_parts["melody"]) == sorted(p for _, _, p in parts["melody"])


def test_notes_to_beats():
    parts = arrange_parts(song(voiced("Dm9 G13 Cmaj9 Am9"), TOP_LINE), STRAIGHT, np.random.default_rng(0))
    out = perform(parts, "C", 80, 4, STRAIGHT, np.random.default_rng(0))
    beats = notes_to_beats(out, 80)
    assert len(beats) == len(out)
    first = beats[0]
    assert first[0] == 0.0 and isinstance(first[2], int) and first[4] in ("keys", "melody", "bass")
    assert all(round(b[0], 4) == b[0] and b[1] > 0 for b in beats)


def test_a_track_s_comping_feel_keeps_its_chords_and_changes_its_strikes():
    from lofipress.music.arrange import comp_feel

    held_chord = [(0, 16, p) for p in (57, 60, 64)] + [(16, 8, p) for p in (57, 60, 64)] + \
        [(24, 8, p) for p in (57, 60, 64)]
    pushed = comp_feel(held_chord, "pushed")
    assert {t for t, _, _ in pushed} > {t for t, _, _ in held_chord} and 6 in {t for t, _, _ in pushed}
    held = comp_feel(held_chord, "held")
    assert {t for t, _, _ in held} == {0, 16}  # struck again as it ended, in the same bar: rings on
    for feel in (pushed, held):
        sounding = lambda notes, s: {p for t, d, p in notes if t <= s < t + d}  # noqa: E731
        assert all(sounding(feel, s) == sounding(held_chord, s) for s in range(32))  # same chords, every 16th
    assert comp_feel(held_chord, "as played") == held_chord
