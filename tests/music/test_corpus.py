"""The corpus reader: real files kept; a bad file stops the read with its name, or is skipped when asked."""
import pretty_midi
import pytest

from lofipress.music.corpus import load_corpus, read_piece
from lofipress.core.errors import CorpusError, MidiError


def midi_file(path, notes, tempo=90.0, drums=False, key_number=None):
    pm = pretty_midi.PrettyMIDI(initial_tempo=tempo)
    inst = pretty_midi.Instrument(0, is_drum=drums)
    for start, end, pitch in notes:
        inst.notes.append(pretty_midi.Note(80, pitch, start, end))
    pm.instruments.append(inst)
    if key_number is not None:
        pm.key_signature_changes.append(pretty_midi.KeySignature(key_number, 0))
    pm.write(str(path))


def chord_loop(n=4):
    beat = 60 / 90
    return [(b * 4 * beat, (b * 4 + 4) * beat, p) for b in range(n) for p in (57, 60, 64, 67)]


def bad_corpus(folder):
    """One good loop and five kinds of bad file."""
    midi_file(folder / "good.mid", chord_loop(), key_number=9 + 12)
    (folder / "empty.mid").write_bytes(b"")
    (folder / "text.mid").write_text("this is not a MIDI file")
    (folder / "corrupt.mid").write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00\x02\x01\xe0MTrk\xff\xff")
    midi_file(folder / "drums-only.mid", chord_loop(), drums=True)
    midi_file(folder / "long.mid", [(i * 2.0, i * 2.0 + 1, 60) for i in range(4000)])


def test_a_bad_file_stops_the_read_naming_it_and_how_to_skip(tmp_path):
    bad_corpus(tmp_path)
    with pytest.raises(MidiError) as info:
        load_corpus(tmp_path, max_bars=512)
    line = info.value.one_line()
    assert line.startswith(str(tmp_path / "corrupt.mid"))  # the first bad file in sorted order
    assert "corrupt MIDI" in line and "--skip-bad" in line and "skip_bad = true" in line


def test_with_skip_bad_bad_files_are_skipped_and_reported(tmp_path):
    bad_corpus(tmp_path)
    pieces, report = load_corpus(tmp_path, max_bars=512, skip_bad=True)
    assert [p.name for p in pieces] == ["good.mid"]
    assert pieces[0].key == "A minor" and pieces[0].bars == 4
    summary = report.summary()
    assert summary.startswith("kept 1/6 files")
    for name in ("empty.mid", "text.mid", "corrupt.mid", "drums-only.mid", "long.mid"):
        assert name in summary


def test_tempo_changes_do_not_move_notes_off_the_grid(tmp_path):
    pm = pretty_midi.PrettyMIDI(resolution=480, initial_tempo=120)
    # Ticks stay on the beat grid whatever the tempo map: write notes by tick through mido-level times.
    inst = pretty_midi.Instrument(0)
    for beat in range(16):
        t = pm.tick_to_time(beat * 480)
        inst.notes.append(pretty_midi.Note(80, 60 + beat % 5, t, pm.tick_to_time(beat * 480 + 240)))
    pm.instruments.append(inst)
    pm.write(str(tmp_path / "a.mid"))
    piece = read_piece(tmp_path / "a.mid")
    assert not piece.notes  # one line on its own track: a melody, read as the lead
    assert [s for s, _, _ in piece.lead] == [4 * b for b in range(16)]
    assert all(d == 2 for _, d, _ in piece.lead)


def test_abc_files_are_read_with_music21(tmp_path):
    (tmp_path / "tune.abc").write_text("X:1\nT:Test\nM:4/4\nL:1/8\nK:G\nGABc dedB|dedB dedB|c2ec B2dB|c2A2 A4|\n")
    piece = read_piece(tmp_path / "tune.abc")
    assert len(piece.lead) >= 8 and not piece.notes and piece.key == "G major"  # a tune is a lead line


def test_an_empty_or_useless_corpus_is_a_clear_error(tmp_path):
    with pytest.raises(CorpusError, match="no .mid"):
        load_corpus(tmp_path)
    (tmp_path / "x.mid").write_text("nope")
    with pytest.raises(CorpusError, match="no usable piece"):
        load_corpus(tmp_path, skip_bad=True)
    with pytest.raises(CorpusError, match="not found"):
        load_corpus(tmp_path / "missing")


def _midi(tmp_path, name, tracks):
    """A .mid with one instrument per (name, program, notes as (beat, beats, pitch))."""
    pm = pretty_midi.PrettyMIDI(resolution=480, initial_tempo=90)
    for track, program, notes in tracks:
        inst = pretty_midi.Instrument(program, name=track)
        inst.notes = [pretty_midi.Note(80, p, b * 60 / 90, (b + d) * 60 / 90) for b, d, p in notes]
        pm.instruments.append(inst)
    pm.write(str(tmp_path / name))
    return tmp_path / name


CHORDS = [(b, 4, p) for b in range(0, 16, 4) for p in (48, 55, 64, 71)]
LINE = [(b, 1, 72 + (b % 5)) for b in range(16)]


def test_the_lead_is_the_named_track_or_the_highest_single_line(tmp_path):
    named = read_piece(_midi(tmp_path, "a.mid", [("keys", 4, CHORDS), ("melody", 0, LINE)]))
    assert len(named.lead) == 16 and len(named.notes) == 16
    flute = read_piece(_midi(tmp_path, "b.mid", [("", 0, CHORDS), ("", 73, [(b, 1, 50) for b in range(16)])]))
    assert {p for _, _, p in flute.lead} == {50}  # a flute programme is a lead even below the chords
    chorale = read_piece(_midi(tmp_path, "c.mid", [("", 0, CHORDS), ("", 0, LINE), ("", 0, [(b, 2, 40) for b in range(0, 16, 2)])]))
    assert len(chorale.lead) == 16 and {p for _, _, p in chorale.lead} == {p for _, _, p in LINE}


def test_a_corpus_without_any_lead_takes_the_top_line_and_says_so(tmp_path):
    for i in range(2):
        notes = CHORDS + [(b + 0.5, 0.5, 79) for b in range(0, 16, 2)]  # chords with a top note above C5
        _midi(tmp_path, f"{i}.mid", [("piano", 0, notes)])
    pieces, report = load_corpus(tmp_path)
    assert report.skyline and all(p.lead for p in pieces)
    assert "no melody parts" in report.lead_summary() and "2/2" in report.lead_summary()
