"""Form, progressions, melody rhythm and bass movement measured from the notes alone.

Songs are written here bar by bar, so each test knows what a listener would hear:
sections that differ in harmony and texture, the same sections differing only in
their labels, a melody that rides the comping, a bass that drones.
"""
import numpy as np

from lofipress.music import form_content as fc

SECTIONS = (("intro", 0, 2), ("A", 2, 8), ("B", 10, 8), ("A2", 18, 8), ("outro", 26, 4))
BARS = 30
A_CHORDS = ((57, 60, 64, 67), (53, 57, 60, 64), (48, 52, 55, 59), (55, 59, 62, 65))  # Am7 Fmaj7 Cmaj7 G7
B_CHORDS = ((50, 53, 57, 60), (52, 55, 59, 62), (50, 53, 57, 60), (52, 56, 59, 62))  # Dm7 Em7 Dm7 E7


def _stabs(chord, bar):  # three short strikes a bar
    return [(bar * 16 + s, 3, p) for s in (0, 6, 10) for p in chord]


def _pads(chord, bar):  # one strike held the bar
    return [(bar * 16, 16, p) for p in chord]


def _song(contrast=True):
    """A song with the plan SECTIONS: B in other chords, comped with pads over A's stabs, a busier bass."""
    keys, melody, bass = [], [], []
    for bar in range(BARS):
        name = next(n for n, f, c in SECTIONS if f <= bar < f + c)
        loop = bar % 4
        if name == "B" and contrast:
            chord = B_CHORDS[loop]
            keys += _pads(chord, bar)
            bass += [(bar * 16 + s, 3, chord[0] - 24 + (7 if s == 8 else 0)) for s in (0, 3, 8, 14)]
        elif name == "outro" and contrast:
            chord = A_CHORDS[0]
            keys += _pads(chord, bar)
            bass += [(bar * 16, 16, chord[0] - 24)]
        else:
            chord = A_CHORDS[loop]
            keys += _stabs(chord, bar)
            if name != "intro":
                bass += [(bar * 16, 8, chord[0] - 24), (bar * 16 + 10, 4, chord[0] - 24 + 7)]
        if name in ("A", "B", "A2") or (name == "outro" and bar == 26):
            top = chord[-1] + 12
            melody += [(bar * 16 + 2, 4, top), (bar * 16 + 8, 2, top - 2), (bar * 16 + 12, 3, top - 3)]
    return {"keys": keys, "melody": melody, "bass": bass}


def test_every_boundary_of_a_song_with_contrast_is_heard():
    m = fc.content_metrics(_song(), SECTIONS, BARS)
    assert m["boundaries"] == 4 and m["boundaries_found"] == 4, m["missed_boundaries"]
    assert m["intro_found"] and m["outro_found"]
    assert m["progressions_by_content"] == 2
    assert fc.check(m) == []


def test_sections_that_differ_only_in_their_labels_are_not_heard():
    m = fc.content_metrics(_song(contrast=False), SECTIONS, BARS)
    assert "A->B at bar 11" in m["missed_boundaries"] and "B->A2 at bar 19" in m["missed_boundaries"]
    assert m["progressions_by_content"] == 1
    failures = fc.check(m)
    assert any("A->B at bar 11 not heard" in f for f in failures)
    assert any("1 progression by content" in f for f in failures)


def test_a_repeated_loop_scores_no_novelty_anywhere():
    """Periodic music has nothing new on either side of any bar line: the curve stays at or under 0."""
    keys = [n for bar in range(16) for n in _stabs(A_CHORDS[bar % 4], bar)]
    curve = fc.novelty(fc.distance_matrix(fc.bar_features({"keys": keys}, 16)))
    assert curve.max() <= 1e-9


def test_the_novelty_peaks_where_the_texture_changes():
    keys = [n for bar in range(8) for n in _stabs(A_CHORDS[bar % 4], bar)]
    keys += [n for bar in range(8, 16) for n in _pads(B_CHORDS[bar % 4], bar)]
    curve = fc.novelty(fc.distance_matrix(fc.bar_features({"keys": keys}, 16)))
    assert int(np.argmax(curve)) in (0, 8)  # the change and, wrapped around the seam, its return
    assert curve[8] >= fc.NOVELTY_MIN


def test_a_melody_that_doubles_the_comping_rides_the_keys():
    parts = _song()
    top = {}
    for t, _, p in parts["keys"]:
        top[t] = max(top.get(t, 0), p)
    riding = {**parts, "melody": [(t, 2, p + 12) for t, p in sorted(top.items())]}
    assert fc.melody_on_keys_share(riding) == 1.0
    assert any("rides the keys" in f for f in fc.check(fc.content_metrics(riding, SECTIONS, BARS)))
    assert fc.melody_on_keys_share(parts) == 0.0  # the song's own line starts off the comping's strikes


def test_a_bass_repeating_one_note_for_eight_bars_is_a_drone():
    drone = [(t, 4, 36) for t in range(0, 8 * 16, 8)] + [(8 * 16, 4, 43)]
    assert fc.bass_same_pitch_bars(drone) == 8.0
    assert fc.bass_same_pitch_bars([(0, 64, 36)]) == 4.0  # one held note counts the same as one re-struck
    assert fc.bass_same_pitch_bars([(0, 8, 36), (8, 8, 48), (16, 8, 43)]) == 1.0  # an octave is the same pitch
    parts = {**_song(), "bass": drone}
    assert any("one pitch for 8" in f for f in fc.check(fc.content_metrics(parts, SECTIONS, BARS)))


def test_progressions_are_counted_from_pitch_classes_not_voicings():
    """The same chords voiced an octave apart are one progression; new chords are a second."""
    a = [n for bar in range(2, 10) for n in _pads(A_CHORDS[bar % 4], bar)]
    moved = [(t + 8 * 16, d, p + 12) for t, d, p in a]
    sections = (("A", 2, 8), ("B", 10, 8))
    assert fc.progressions_by_content({"keys": a + moved}, sections) == 1
    other = [n for bar in range(10, 18) for n in _pads(B_CHORDS[bar % 4], bar)]
    assert fc.progressions_by_content({"keys": a + other}, sections) == 2
