"""Song form, training songs, song metrics and per-part copying, on songs made in code."""
import pytest
from hypothesis import given, settings, strategies as st

from lofipress.station import config
from lofipress.music.chords import parse_progression, voice_progression
from lofipress.music.copying import PartIndex, copy_metrics, keys_events, lead_events
from lofipress.core.errors import ConfigError
from lofipress.music.song import plan_sections, training_song, training_songs
from lofipress.station.form import FORMS, Form
from lofipress.music import form_content
from lofipress.music.song_metrics import check, longest_repeated_span, melody_metrics, song_metrics
from lofipress.music.tokens import Piece, quantize
from lofipress.core.keys import parse_key

C_MAJOR = {0, 2, 4, 5, 7, 9, 11}


def loop(symbols: str, key: str = "C major", lead=()) -> Piece:
    notes = [(i * 16, 16, p) for i, v in enumerate(voice_progression(parse_progression(symbols))) for p in v]
    bars = len(symbols.split())
    return Piece(symbols, quantize(notes, bars), key, bars, lead=quantize(lead, bars))


MOTIF = [(0, 4, 76), (4, 4, 74), (8, 8, 72), (16, 8, 71), (24, 4, 72), (32, 6, 74), (38, 2, 72), (40, 8, 71),
         (48, 12, 67)]


def test_the_default_form_fills_thirty_bars():
    assert plan_sections("song", 30) == (("intro", 0, 2), ("A", 2, 8), ("B", 10, 8), ("A2", 18, 8), ("outro", 26, 4))


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(sorted(FORMS)), st.integers(4, 128))
def test_sections_tile_any_track_in_whole_loops(form, bars):
    sections = plan_sections(form, bars)
    assert sections[0][1] == 0 and sum(n for _, _, n in sections) == bars
    assert all(first == prev_first + prev_n for (_, first, _), (_, prev_first, prev_n) in zip(sections[1:], sections))
    assert "A" in [name for name, _, _ in sections]
    if bars >= 30:
        assert len(sections) == 5 and all(n % 4 == 0 for name, _, n in sections if name in ("B", "A2"))


def test_a_bad_form_is_a_clear_config_error(tmp_path):
    with pytest.raises(ValueError, match="C:4"):
        Form.parse("intro:2 A:8 C:4")
    (tmp_path / "station.toml").write_text('[song]\nform = "A:8 A:8"\n')
    with pytest.raises(ConfigError, match="song.form"):
        config.load(tmp_path / "station.toml")
    (tmp_path / "station.toml").write_text('[station]\nmood = "sleepy"\n')
    assert config.load(tmp_path / "station.toml").song.form == "slow-build"
    (tmp_path / "station.toml").write_text('[song]\nform = "groove"\n[station]\nmood = "sleepy"\n')
    assert config.load(tmp_path / "station.toml").song.form == "groove"  # the file wins over the mood


def test_a_training_song_is_intro_a_b_a2_outro():
    a = loop("Dm9 G13 Cmaj9 Am9", lead=MOTIF)
    b = loop("Fmaj7 Em7 Dm7 G7", key="G major", lead=[(0, 16, 67), (16, 16, 69), (32, 16, 71), (48, 16, 72)])
    s = training_song(a, b, "song")
    assert s.key == "C major" and s.sections == plan_sections("song", 30)
    in_bars = lambda notes, lo, hi: [(t - lo * 16, d, p) for t, d, p in notes if lo * 16 <= t < hi * 16]  # noqa
    assert not in_bars(s.lead, 0, 2)  # the intro is the keys alone...
    assert in_bars(s.notes, 0, 2) == [(t - 32, d, p) for t, d, p in a.notes if t >= 32]  # ...A's turnaround
    assert in_bars(s.notes, 2, 6) == list(a.notes) and in_bars(s.lead, 18, 22) == list(a.lead)  # A and A2
    b_roots = {p % 12 for t, d, p in in_bars(s.notes, 10, 11)}
    assert b_roots == {(p - 7) % 12 for t, d, p in b.notes if t < 16}  # B, moved from G into C
    last = {p % 12 for t, d, p in in_bars(s.notes, 28, 30)}
    assert 0 in last and 4 in last  # the outro holds the tonic chord


def test_training_songs_pair_loops_of_one_mode():
    pieces = [loop("Dm9 G13 Cmaj9 Am9", lead=MOTIF), loop("Fmaj7 Em7 Dm7 G7", lead=MOTIF),
              loop("Am9 Dm9 Em7 Am9", key="A minor"), loop("Dm9 Gm9 Am7 Dm9", key="D minor")]
    songs = training_songs(pieces, seed=1, per_piece=2)
    assert len(songs) == 8
    for s in songs:
        a_name, b_name = s.name.split("+")
        modes = {parse_key(p.key)[1] for p in pieces if p.name in (a_name, b_name)}
        assert len(modes) == 1 and a_name != b_name


def song_parts(b_symbols: str, a2_lead=None):
    """Arranged-like parts of a 30-bar song: A = ii-V-I-vi with MOTIF, B = b_symbols, A2 = A."""
    from lofipress.music.arrange import arrange_parts
    from lofipress.station.config import ArrangeSettings
    import numpy as np

    sections = plan_sections("song", 30)
    a = loop("Dm9 G13 Cmaj9 Am9", lead=MOTIF)
    b = loop(b_symbols, lead=[(t, d, p - 2) for t, d, p in MOTIF[::2]])
    keys, lead = [], []
    for name, first, n in sections:
        src = b if name == "B" else a
        for k in range(n):
            bar = (k % src.bars) * 16
            keys += [(first * 16 + k * 16 + t - bar, d, p) for t, d, p in src.notes if bar <= t < bar + 16]
            melody = a2_lead if (name == "A2" and a2_lead is not None) else src.lead
            if name != "intro":
                lead += [(first * 16 + k * 16 + t - bar, d, p) for t, d, p in melody if bar <= t < bar + 16]
    piece = Piece("s", quantize(keys, 30), "C major", 30, lead=quantize(lead, 30), sections=sections)
    return arrange_parts(piece, ArrangeSettings(), np.random.default_rng(0)), sections


def test_a_song_passes_the_form_targets_and_a_loop_does_not():
    varied = [(t, d, p + (2 if i % 3 == 0 else 0)) for i, (t, d, p) in enumerate(MOTIF)]
    parts, sections = song_parts("Fmaj7 Em7 Ebdim7 Dm7", a2_lead=varied)
    m = song_metrics(parts, sections, 30, C_MAJOR)
    assert m["sections"] == 5 and m["distinct_windows"] >= 2 and m["has_melody"]
    assert 0.35 <= m["a2_similarity"] < 0.95 and m["b_similarity"] < 0.5
    assert m["bass_hold_bars"] <= 1 and m["bass_onsets_per_bar"] >= 1
    assert not [f for f in check(m) if f.startswith(("form", "bass"))]
    loop_parts, _ = song_parts("Dm9 G13 Cmaj9 Am9")  # B = A: the old one-loop track, whatever its comping
    heard = form_content.content_metrics(loop_parts, sections, 30)
    assert heard["progressions_by_content"] == 1
    assert any(f.startswith("form") and "progression" in f for f in form_content.check(heard))
    same = song_metrics(loop_parts, sections, 30, C_MAJOR)
    assert same["a2_similarity"] == 1.0 and any("A2" in f or "B is" in f for f in check(same))


def test_melody_metrics_on_a_known_line():
    m = melody_metrics(MOTIF, None, C_MAJOR, 4)
    assert m["notes_per_bar"] == pytest.approx(9 / 4)
    assert m["range_semitones"] == 76 - 67 and m["in_key"] == 1.0
    steps = [abs(b[2] - a[2]) <= 2 for a, b in zip(MOTIF, MOTIF[1:])]
    assert m["step_share"] == pytest.approx(sum(steps) / len(steps), abs=1e-3)
    keys = {"keys": [(0, 16, 62), (0, 16, 65), (0, 16, 69), (0, 16, 72)]}  # Dm7 under bar 1
    strong = melody_metrics(MOTIF, keys, C_MAJOR, 4)
    assert strong["chord_tone_strong"] == pytest.approx(0.5 / 2 + 0.0, abs=0.26)  # C on 3 is a chord tone


def test_longest_repeated_span_counts_bars_note_for_note():
    bar = [(0, 4, 72), (8, 4, 74)]
    notes = [(b * 16 + t, d, p) for b in (0, 1, 2, 4, 5, 6) for t, d, p in bar]
    notes += [(3 * 16, 4, 60)]
    assert longest_repeated_span(notes, 8) == 3  # bars 0-2 come back as 4-6
    assert longest_repeated_span([(0, 4, 72)], 4) == 0


def test_copying_is_found_in_any_key_and_octave():
    a = loop("Dm9 G13 Cmaj9 Am9", lead=MOTIF)
    index = PartIndex.build({"a": {"keys": keys_events(a.notes), "lead": lead_events(a.lead)}})
    moved_keys = [(t, d, p + 5) for t, d, p in a.notes]
    moved_lead = [(t, d, p - 7) for t, d, p in a.lead]
    m = copy_metrics(moved_keys, moved_lead, index)
    assert m["keys_copied_run"] == len(keys_events(a.notes)) and m["lead_copied_run"] == len(MOTIF)
    other = copy_metrics(loop("Fmaj7 Bb7 Ebmaj7 Abmaj7").notes, [(t, d, 60 + (t % 7)) for t, d, _ in MOTIF], index)
    assert other["keys_copied_run"] < 3 and other["lead_copied_run"] < 4
