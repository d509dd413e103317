"""Chord symbols, voicings, root estimation and key names."""
import pytest

from lofipress.music.chords import (
    KEY_NAMES,
    key_long_name,
    key_name_to_number,
    key_number_to_key_name,
    parse_progression,
    parse_symbol,
    root_of,
    scale_pcs,
    voice,
    voice_progression,
)
from lofipress.core.errors import ConfigError

SYMBOLS = ["Cmaj7", "Dbmaj9", "F6", "Bb6/9", "Dm7", "Em9", "F#m11", "Gm6", "Am(maj7)", "G7", "A9",
           "B11", "C13", "D7sus4", "E9sus4", "Fsus2", "Bm7b5", "C#dim7", "Ebadd9", "A7b9", "E7#9",
           "Db7#11", "G7b13", "B7alt", "F13b9", "Cmaj7/E", "Abmaj7", "Gbmaj7"]


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_every_documented_symbol_parses_and_voices_in_range(symbol):
    chord = parse_symbol(symbol)
    v = voice(chord)
    assert 4 <= len(v) <= 5 or chord.quality in ("sus2",)
    assert all(48 <= p <= 72 for p in v)
    assert {p % 12 for p in v} <= chord.pcs


def test_parse_fields():
    c = parse_symbol("Dm9")
    assert (c.root_pc, c.quality, c.intervals, c.bass_pc) == (2, "m9", (0, 3, 7, 10, 14), None)
    s = parse_symbol("Cmaj7/E")
    assert (s.root_pc, s.bass_pc, s.quality) == (0, 4, "maj7")
    assert parse_symbol("Bb6/9").bass_pc is None and parse_symbol("Bb6/9").quality == "6/9"
    assert parse_symbol("F#m7b5").root_pc == 6 and parse_symbol("Dbmaj7").root_pc == 1
    assert parse_symbol("G7alt").intervals == (0, 4, 10, 15, 20)


def test_unknown_symbol_is_a_config_error_with_a_hint():
    with pytest.raises(ConfigError, match="unknown chord quality"):
        parse_symbol("Cblah7")
    with pytest.raises(ConfigError):
        parse_symbol("H7")


def test_progression_and_voice_leading_is_smooth():
    chords = parse_progression("Dm9 | G13 | Cmaj9 | A7b9")
    assert [c.symbol for c in chords] == ["Dm9", "G13", "Cmaj9", "A7b9"]
    voicings = voice_progression(chords)
    for a, b in zip(voicings, voicings[1:]):
        upper_a, upper_b = a[1:], b[1:]
        # the hands (everything above the root) move little: on average under a 3rd per voice
        moves = [min(abs(x - y) for y in upper_a) for x in upper_b]
        assert sum(moves) / len(moves) <= 3


def test_voice_leading_prefers_the_nearest_inversion():
    c = parse_symbol("Fmaj7")
    near_top = voice(c, previous=(53, 64, 69, 72))
    near_bottom = voice(c, previous=(48, 52, 55, 59))
    assert sum(near_top) > sum(near_bottom)


def test_root_of_finds_roots_of_voiced_chords():
    for sym in ["Dm9", "G13", "Cmaj9", "A7b9", "Bm7b5", "F6", "E7#9", "Abmaj7"]:
        c = parse_symbol(sym)
        root, _ = root_of(voice(c))
        assert root == c.root_pc, sym
    assert root_of([]) is None
    assert root_of([60, 64, 67]) == (0, "maj")
    assert root_of([57, 60, 64, 67])[0] == 9  # Am7 = C6: the lowest note decides


def test_key_round_trip_for_all_24_keys():
    assert len(KEY_NAMES) == 24 and len(set(KEY_NAMES)) == 24
    for k in range(24):
        assert key_name_to_number(key_number_to_key_name(k)) == k
    assert key_name_to_number("A minor") == key_name_to_number("Am") == 21
    assert key_name_to_number("Eb major") == key_name_to_number("D#") == 3
    assert key_long_name("Am") == "A minor"
    with pytest.raises(ConfigError):
        key_name_to_number("X")


def test_scale_pcs():
    assert scale_pcs("C") == {0, 2, 4, 5, 7, 9, 11}
    assert scale_pcs("Am") == scale_pcs("C")
    assert scale_pcs("Ebm") == {3, 5, 6, 8, 10, 11, 1}
