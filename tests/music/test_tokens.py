"""Tokens: decode(encode(piece)) is the quantized piece, for pieces made in code and by hypothesis."""
from hypothesis import given, settings, strategies as st

from lofipress.music import tokens
from lofipress.music.tokens import Piece, Vocab, decode, encode, quantize
from lofipress.core.keys import key_name, parse_key


def piece(notes, key="D minor", bars=4):
    return Piece("t", quantize(notes, bars), key, bars)


def test_ii_v_i_round_trip_keeps_voicing_and_durations():
    notes = [(0, 16, p) for p in (53, 57, 60, 64)] + [(16, 8, p) for p in (53, 55, 59, 64)] + [(24, 6, 72), (30, 2, 74)]
    p = piece(notes, "C major", 2)
    toks = encode(p)
    assert toks[:5] == ["<bos>", "mode:major", "lead:off", "bar", "sec:loop"] and toks[-1] == "<eos>"
    assert "n:-7.-3.0.4" in toks and "d:16" in toks  # the voicing, tonic-relative, and a learned duration
    assert decode(toks, "C major").notes == p.notes


def test_tokens_are_transposition_invariant_up_to_octave():
    notes = [(0, 16, p) for p in (50, 53, 57, 60)] + [(4, 2, 69)]
    a = piece(notes, "D minor", 1)
    b = tokens.transpose(a, 2)
    assert b.key == "E minor"
    assert encode(a) == encode(b)
    assert decode(encode(b), "E minor").notes == b.notes


def test_rare_chords_split_into_single_notes_and_still_round_trip():
    p = piece([(0, 4, 60), (0, 4, 63), (0, 4, 67), (4, 12, 62)], "C minor", 1)
    toks = encode(p, known_chords=set())
    assert "n:0.3.7" not in toks and toks.count("d:4") == 3
    assert decode(toks, "C minor").notes == p.notes


def test_all_24_keys_round_trip_through_names():
    for pc in range(12):
        for mode in ("major", "minor"):
            assert parse_key(key_name(pc, mode)) == (pc, mode)
    assert parse_key("Bbm") == (10, "minor") and parse_key("F#") == (6, "major")


def test_vocab_holds_every_single_note_of_every_chord():
    p = piece([(0, 4, 60), (0, 4, 64), (0, 4, 67)], "C major", 1)
    v = Vocab.build([p], min_chord_count=2)
    assert "n:0.4.7" not in v.chords and {"n:0", "n:4", "n:7"} <= v.chords
    assert v.ids(encode(p, v.chords))  # every token has an id


note = st.tuples(st.integers(0, 16 * 6 - 1), st.integers(1, 40), st.integers(30, 96))


@settings(max_examples=150, deadline=None)
@given(st.lists(note, max_size=60), st.integers(0, 11), st.sampled_from(["major", "minor"]))
def test_round_trip_property(notes, tonic, mode):
    key = key_name(tonic, mode)
    p = piece(notes, key, 6)
    assert decode(encode(p), key).notes == p.notes


def test_lead_and_sections_round_trip_and_the_lead_follows_the_keys():
    keys = [(0, 16, p) for p in (53, 57, 60, 64)] + [(16, 16, p) for p in (55, 59, 62, 65)]
    lead = [(0, 4, 76), (4, 4, 74), (8, 8, 72), (16, 12, 71)]
    p = Piece("t", quantize(keys, 2), "C major", 2, lead=quantize(lead, 2), sections=(("A", 0, 1), ("B", 1, 1)))
    toks = encode(p)
    assert toks[2] == "lead:on" and toks.count("sec:A") == 1 and toks.count("sec:B") == 1
    first = toks.index("pos:0")
    assert toks[first + 1].startswith("n:") and toks[first + 3] == "m:16"  # the chord, then the note over it
    back = decode(toks, "C major")
    assert back.notes == p.notes and back.lead == p.lead and back.sections == p.sections


@settings(max_examples=100, deadline=None)
@given(st.lists(note, max_size=40), st.lists(note, max_size=30), st.integers(0, 11),
       st.sampled_from(["major", "minor"]), st.integers(1, 5))
def test_round_trip_property_with_a_lead(notes, lead, tonic, mode, cut):
    key = key_name(tonic, mode)
    mono = tuple(tokens.monophonic(quantize(lead, 6)))
    p = Piece("t", quantize(notes, 6), key, 6, lead=mono, sections=(("intro", 0, cut), ("A", cut, 6 - cut)))
    back = decode(encode(p), key)
    assert (back.notes, back.lead, back.sections) == (p.notes, p.lead, p.sections)
