"""A track as segments: cut at the song form's bar lines, each decoding to its exact length, joining without
a click, and sounding like the full MP3 at its place and level; wrong cuts and gains are caught."""
from __future__ import annotations

import json

import numpy as np
import pytest

from audio_helpers import SR
from lofipress.sound import encode, seams, segments
from lofipress.core.files import part_path
from lofipress.core.errors import AudioError
from lofipress.core.notes import loop_n_samples
from lofipress.music.song import plan_sections
from lofipress.station.form import FORMS

BPM = 120.0
SECTIONS = [("intro", 0, 2), ("A", 2, 4), ("B", 6, 2)]  # 8 bars: 16 s at 120 BPM


def _tiles(plan, bars):
    return [f for f, _ in plan] == [sum(b for _, b in plan[:i]) for i in range(len(plan))] and \
        sum(b for _, b in plan) == bars


def test_the_default_song_is_cut_at_its_sections():
    plan = segments.plan_segments(plan_sections("song", 30), 30)
    assert plan == [(0, 1), (1, 1), (2, 8), (10, 8), (18, 8), (26, 4)]  # one bar first: it arrives fastest


@pytest.mark.parametrize("form", sorted(FORMS))
def test_every_form_and_length_is_tiled_small_first(form):
    for bars in range(1, 70):
        sections = plan_sections(form, bars)
        plan = segments.plan_segments(sections, bars)
        assert _tiles(plan, bars), (form, bars, plan)
        assert plan[0][1] <= segments.FIRST_BARS and max(b for _, b in plan) <= segments.MAX_BARS
        assert {first for _, first, _ in sections} <= {f for f, _ in plan}  # a section change is a cut
        after_first = sections[1][1] if len(sections) > 1 else bars  # the first section's rest may be short
        lengths = [b for f, b in plan if f >= after_first]  # a long section is split evenly, never into a scrap
        assert not lengths or min(lengths) >= min(n for _, _, n in sections[1:] or sections) // 2


def test_a_long_first_section_starts_short_and_splits_evenly():
    assert segments.plan_segments([("A", 0, 20)], 20, first_bars=2) == [(0, 2), (2, 6), (8, 6), (14, 6)]
    assert segments.plan_segments([("A", 0, 2), ("B", 2, 12)], 14, first_bars=2) == [(0, 2), (2, 6), (8, 6)]
    assert segments.plan_segments([], 3, first_bars=2) == [(0, 2), (2, 1)]  # no sections: the track is one
    assert segments.plan_segments([], 3) == [(0, 1), (1, 2)]  # the default: one bar first


def test_sections_that_do_not_tile_are_refused():
    for bad in ([("A", 0, 4), ("B", 5, 4)], [("A", 0, 4)], [("A", 0, 0), ("B", 0, 9)]):
        with pytest.raises(ValueError):
            segments.plan_segments(bad, 9)


def _track(bars: int = 8) -> np.ndarray:
    """A seamless stereo loop: a new chord each bar, struck on every beat (2 ms attack), over a swelling pad.

    Each hit dies away (-52 dB) before the next, and the pad has whole cycles in the loop: no seam anywhere.
    """
    n = loop_n_samples(bars, BPM, SR)
    t = np.arange(n) / SR
    beat_t = t % (60 / BPM)
    hit = np.minimum(1, beat_t / 0.002) * np.exp(-beat_t * 12)
    root_hz = 196 * 2 ** (np.array([0, 5, 3, 7, 0, 8, 5, 2])[(t * BPM / 240).astype(int) % 8] / 12)
    chord = sum(np.sin(2 * np.pi * root_hz * ratio * beat_t) for ratio in (1, 1.189, 1.498, 1.782))
    pad = 0.1 * np.sin(2 * np.pi * 110 * t) * (1 + 0.5 * np.sin(2 * np.pi * t / (n / SR)))
    left, right = 0.15 * chord * hit + pad, 0.12 * chord * hit + 0.8 * pad
    return np.stack([left, right], axis=1).astype(np.float32)


@pytest.fixture(scope="module")
def pressed(tmp_path_factory):
    """The loop written as a full MP3 and as segments, as press_track writes them."""
    folder = tmp_path_factory.mktemp("segments")
    pcm = _track()
    full = encode.encode_checked(pcm, SR, folder / "t.mp3", 2, loop=True)
    plan = segments.plan_segments(SECTIONS, 8, first_bars=2)  # three pieces: the cut and check mechanics
    rows, joined, checks = segments.press_segments(pcm, full, SR, BPM, plan, folder / "t.mp3", 2)
    return {"folder": folder, "pcm": pcm, "full": full, "plan": plan, "rows": rows, "joined": joined,
            "checks": checks}


def _decoded_parts(pressed) -> list[np.ndarray]:
    """Each segment decoded by ffmpeg (as a browser would, trimming delay and padding by the Info header)."""
    return [encode.decode(part_path(pressed["folder"] / "t.mp3", i), 2)[0] for i in range(len(pressed["rows"]))]


def _rms(x) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def test_segments_decode_to_their_bar_lines_and_add_up(pressed):
    rows, pcm = pressed["rows"], pressed["pcm"]
    assert [(r["first_bar"], r["bars"]) for r in rows] == pressed["plan"] == [(0, 2), (2, 4), (6, 2)]
    assert [r["start_samples"] for r in rows] == [round(f * 4 * 60 / BPM * SR) for f, _ in pressed["plan"]]
    parts = _decoded_parts(pressed)
    assert [len(p) for p in parts] == [r["samples"] for r in rows]
    assert sum(len(p) for p in parts) == len(pcm) == len(pressed["full"])


def test_segments_join_and_loop_without_a_click(pressed):
    """Every join, and the seam from the last segment into the first, judged from the decoded files by the sound
    around each (lofipress.sound.seams), not by the build's own record of it."""
    parts = _decoded_parts(pressed)
    bar = loop_n_samples(1, BPM, SR)
    for i, part in enumerate(parts):
        ratios = seams.join_ratios(part[-bar:], parts[(i + 1) % len(parts)][:bar], SR)
        assert seams.clicks(*ratios) is None, (i, ratios)


def test_segments_sound_like_the_full_mp3(pressed):
    """End to end they are the full file within the error MP3 itself makes, at the same level."""
    joined, full, pcm = np.concatenate(_decoded_parts(pressed)), pressed["full"], pressed["pcm"]
    own_error = _rms(full - pcm)  # what one encode changes
    assert _rms(joined - full) < segments.MATCH_FACTOR * own_error < 0.1 * _rms(full)
    assert abs(20 * np.log10(_rms(joined) / _rms(full))) < segments.LEVEL_TOLERANCE_DB
    assert np.abs(joined - pressed["joined"]).max() < 1e-4  # the build's decoder agrees with ffmpeg's
    assert pressed["checks"]["match_ratio"] < segments.MATCH_FACTOR


def test_same_track_same_segment_bytes(pressed, tmp_path):
    again = segments.press_segments(pressed["pcm"], pressed["full"], SR, BPM, pressed["plan"], tmp_path / "t.mp3", 2)
    assert again[0] == pressed["rows"]
    for i in range(len(pressed["rows"])):
        assert part_path(tmp_path / "t.mp3", i).read_bytes() == part_path(pressed["folder"] / "t.mp3", i).read_bytes()


def _check(pressed, parts):
    edges = [r["start_samples"] for r in pressed["rows"]] + [len(pressed["pcm"])]
    return segments.check_segments(parts, pressed["full"], pressed["pcm"], edges, loop_n_samples(1, BPM, SR), SR,
                                   "t.mp3")


def test_the_check_passes_what_was_pressed(pressed):
    assert _check(pressed, _decoded_parts(pressed)) == pressed["checks"]


def test_a_misplaced_section_is_caught(pressed):
    """Segments 1 and 2 cut from each other's place (same lengths: a 2-bar piece off by a section): it clicks
    where it starts, or else it is not the full file at its place."""
    a, b, c = _decoded_parts(pressed)
    with pytest.raises(AudioError, match="segment 0 into 1 clicks|segment 1 differs"):
        _check(pressed, [a, np.concatenate([c, b[: len(b) - len(c)]]), b[len(b) - len(c):]])


@pytest.mark.parametrize("gain_db", [0.1, -0.5, 3.0])
def test_a_wrong_gain_is_caught(pressed, gain_db):
    parts = _decoded_parts(pressed)
    parts[2] = parts[2] * np.float32(10 ** (gain_db / 20))
    with pytest.raises(AudioError, match="segment 2"):
        _check(pressed, parts)


def test_a_cut_one_sample_off_its_bar_line_is_caught(pressed):
    a, b, c = _decoded_parts(pressed)
    with pytest.raises(AudioError, match="their places hold"):
        _check(pressed, [a[:-1], np.concatenate([a[-1:], b]), c])


def test_a_click_at_a_join_is_caught(pressed):
    """A step of 0.2 where segments meet (each stretch drifts off slowly, with no step inside)."""
    parts = _decoded_parts(pressed)
    parts[1] = parts[1] + np.linspace(0.2, 0, len(parts[1]), dtype=np.float32)[:, None]
    with pytest.raises(AudioError, match="segment 0 into 1 jumps"):
        _check(pressed, parts)
    parts = _decoded_parts(pressed)
    parts[2] = parts[2] + np.linspace(0, 0.2, len(parts[2]), dtype=np.float32)[:, None]
    with pytest.raises(AudioError, match="loop seam"):
        _check(pressed, parts)


def test_a_segment_of_the_wrong_length_is_caught(pressed):
    parts = _decoded_parts(pressed)
    with pytest.raises(AudioError, match="decode to"):
        _check(pressed, [*parts[:2], parts[2][:-1]])


@pytest.mark.slow
def test_a_built_station_ships_segments_that_add_up_join_and_match(tmp_path):
    """The tiny station's site: decoded by ffmpeg, every track's segments are its full MP3, end to end."""
    import build_fixture as bf
    from lofipress.sound import audiocheck

    site = bf.site_dir(bf.golden())
    manifest = json.loads((site / "manifest.json").read_text())
    for t in manifest["tracks"]:
        audio = t["audio"]
        full, rate = encode.decode(site / audio["src"], 2)
        parts = [encode.decode(site / s["src"], 2)[0] for s in audio["segments"]]
        assert [len(p) for p in parts] == [s["samples"] for s in audio["segments"]]
        assert sum(len(p) for p in parts) == audio["samples"] == len(full)
        bar = loop_n_samples(1, t["bpm"], rate)
        for i, part in enumerate(parts):
            jump, step = encode.join_jump(part[-bar:], parts[(i + 1) % len(parts)][:bar])
            assert jump <= step, (t["id"], i, jump, step)
        joined = np.concatenate(parts)
        assert _rms(joined - full) < 0.1 * _rms(full)  # ~-35 dB at -V2: two encodes' own error
        assert abs(20 * np.log10(_rms(joined) / _rms(full))) < segments.LEVEL_TOLERANCE_DB
    rows = [audiocheck.check_file(site / e["src"], e) for e in audiocheck._entries(manifest) if e["kind"] == "segment"]
    assert rows and all(r["ok"] for r in rows), [r for r in rows if not r["ok"]]


def _struck_on_the_bar_line():
    """A pad with a hat struck exactly on bar 2's line (a burst above 5 kHz the continuous track has too)."""
    n, edge = loop_n_samples(4, BPM, SR), loop_n_samples(2, BPM, SR)
    t = np.arange(n) / SR
    pcm = np.stack([0.1 * np.sin(2 * np.pi * 110 * t)] * 2, axis=1)
    burst = np.random.default_rng(5).standard_normal((88, 2)) * np.exp(-np.arange(88) / 20)[:, None]
    pcm[edge:edge + 88] += 0.3 * burst
    return pcm.astype(np.float32), [0, edge, n]


def test_a_note_struck_on_the_bar_line_is_music_not_a_click_the_cut_made():
    """nightcap's t08 failed its build: segment 4 into 5 measured 8.1, the continuous track 8.9 at the same
    place (its PCM 9.0). A join is judged by what the cut adds to the music there."""
    pcm, edges = _struck_on_the_bar_line()
    own = seams.join_ratios(pcm[:edges[1]], pcm[edges[1]:], SR)
    assert seams.clicks(*own)  # the old judgement: the music itself "clicks" there
    cut = [pcm[lo:hi] for lo, hi in zip(edges, edges[1:])]
    segments.check_segments(cut, pcm, pcm, edges, loop_n_samples(1, BPM, SR), SR, "t.mp3")  # passes


def test_a_step_the_cut_makes_on_the_bar_line_still_fails():
    pcm, edges = _struck_on_the_bar_line()
    cut = [pcm[lo:hi].copy() for lo, hi in zip(edges, edges[1:])]
    cut[0] += 0.2  # an offset in one segment: a jump where the continuous music has none
    with pytest.raises(AudioError, match="segment 0 into 1"):
        segments.check_segments(cut, pcm, pcm, edges, loop_n_samples(1, BPM, SR), SR, "t.mp3")
