"""Seams judged by the sound around them: a plain cut and a limiter that does not wrap now fail; real joins pass.

Before lofipress.sound.seams, a seam passed if it jumped no more than the loop's largest step anywhere: any loop
with a drum hit or noise in it passed, a plain cut of the fire bed and a limiter without wrap-around included.
Each test below shows that old rule passing what the new one fails.
"""
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from lofipress.sound import audiocheck, dsp_master, encode, master, render, seams
from lofipress import packs
from lofipress.core.errors import AudioError

SR = 44100
DEFAULT_PACK = Path(__file__).resolve().parents[2] / "samples" / "default"


def old_rule_passes(audio) -> bool:
    jump, step = encode.seam_jump(audio)
    return jump <= step


@pytest.fixture(scope="module")
def fire_beds():
    """The default pack's fire bed as a 12-bar loop at 77 BPM: crossfaded, and plainly cut."""
    pack = packs.load_pack(DEFAULT_PACK)
    faded = render.render_ambience(pack, "fire", 77.0, 12, SR)
    keep = render.AMBIENCE_XFADE_S
    try:
        render.AMBIENCE_XFADE_S = 0.0  # no crossfade: the loop's end runs straight into its start
        cut = render.render_ambience(pack, "fire", 77.0, 12, SR)
    finally:
        render.AMBIENCE_XFADE_S = keep
    return faded, cut


def test_a_plain_cut_of_a_bed_fails_and_the_crossfaded_loop_passes(fire_beds, tmp_path):
    faded, cut = fire_beds
    assert seams.clicks(*seams.seam_ratios(faded, SR)) is None
    step_ratio, click_ratio, _ = seams.seam_ratios(cut, SR)
    assert step_ratio > seams.STEP_RATIO_MAX and click_ratio > seams.CLICK_RATIO_MAX, (step_ratio, click_ratio)
    assert old_rule_passes(cut)  # what the old check let through
    with pytest.raises(AudioError, match="loop seam"):  # the build's own check, on the decoded MP3
        encode.encode_checked(cut, SR, tmp_path / "cut.mp3")
    encode.encode_checked(faded, SR, tmp_path / "faded.mp3")


def _tone_under_a_burst_on_the_seam() -> np.ndarray:
    """One second: a held 441 Hz tone, a loud 1 kHz burst across the seam (the limiter must act there, and its
    gain must ramp down before the seam, at the loop's end) and a snare-like hit mid-loop, whose steps are the
    largest of the loop."""
    t = np.arange(SR) / SR
    x = 0.3 * np.cos(2 * np.pi * 441 * t)
    width = 600
    burst = np.zeros(SR)
    burst[:width] = 0.95 * np.hanning(width) * np.sin(2 * np.pi * 1000 * np.arange(width) / SR)
    x += np.roll(burst, -200)
    hit = np.random.default_rng(7).uniform(-0.6, 0.6, 2000) * np.exp(-np.arange(2000) / 300)
    x[SR // 2:SR // 2 + 2000] += hit
    return np.stack([x, x], axis=1).astype(np.float32)


def test_a_limiter_without_wrap_around_fails(monkeypatch):
    x = _tone_under_a_burst_on_the_seam()
    limited = master.master(x, SR, -11.0, -1.0)
    assert seams.clicks(*seams.seam_ratios(limited, SR)) is None

    real = dsp_master.peak_limiter_gain

    def not_wrapping(peak, scale, ceiling, behind, ahead, half):
        """The same limiter computed as if the loop had silence before and after it."""
        reach = behind + ahead + 2 * half + 2
        pad = np.zeros(reach, dtype=np.float32)
        return real(np.concatenate([pad, peak, pad]), scale, ceiling, behind, ahead, half)[reach:-reach]

    monkeypatch.setattr(dsp_master, "peak_limiter_gain", not_wrapping)
    broken = master.master(x, SR, -11.0, -1.0)
    assert not np.allclose(broken, limited)  # the break reached the limiter
    assert old_rule_passes(broken)  # the hit's steps are larger than the seam's jump
    problem = seams.clicks(*seams.seam_ratios(broken, SR))
    assert problem and "high-band" in problem, seams.seam_ratios(broken, SR)


def test_a_note_struck_on_the_seam_is_music_not_a_click():
    """A track's first bar strikes its notes on the seam; the release before it has died away."""
    n = 2 * SR
    t = np.arange(n) / SR
    attack = np.minimum(1.0, t / 0.002)
    note = sum(a * np.sin(2 * np.pi * 220 * k * t) for k, a in ((1, 0.5), (2, 0.2), (3, 0.1), (5, 0.05)))
    x = (note * attack * np.exp(-t / 0.3)).astype(np.float32)
    assert seams.clicks(*seams.seam_ratios(x, SR)) is None


@pytest.mark.parametrize("tick,clicks", [(0.01, True), (1e-5, False)])
def test_a_tick_under_a_quiet_hum_fails_unless_it_is_below_hearing(tick, clicks):
    t = np.arange(SR) / SR
    hum = 0.05 * np.sin(2 * np.pi * 110 * t)  # whole cycles: seamless on its own
    hum += tick * np.linspace(0.0, 1.0, SR)  # a slow drift up by `tick`: its end then drops back to its start
    assert (seams.clicks(*seams.seam_ratios(hum, SR)) is not None) == clicks


def test_audiocheck_fails_a_published_bed_that_was_cut_plainly(fire_beds, tmp_path, capsys):
    faded, cut = fire_beds
    entries = {}
    for name, audio in (("faded", faded), ("cut", cut)):
        audio = master.master(audio, SR, -30.0, -1.0)
        (tmp_path / "audio").mkdir(exist_ok=True)
        decoded = encode.encode_checked(audio, SR, tmp_path / "audio" / f"{name}.mp3", loop=False)  # unchecked
        entries[name] = {"src": f"audio/{name}.mp3", "samples": len(decoded)}
    manifest = {"levels": {"ambience_lufs": -30.0},
                "ambience": [{"id": name, "by_bpm": {"77": e}} for name, e in entries.items()]}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    assert audiocheck.cli_audiocheck(SimpleNamespace(site=str(tmp_path), json=True)) == 2
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out.splitlines()[-1])["rows"]}
    assert rows["faded@77"]["ok"], rows["faded@77"]
    assert any(p.startswith("seam jumps") for p in rows["cut@77"]["problems"]), rows["cut@77"]


@pytest.mark.parametrize("dropped", [16, 32])  # a 1 ms hole or longer passes: see the note
def test_a_dropout_before_the_seam_fails_on_chords_with_hiss(tmp_path, dropped):
    """The last samples before a loop's seam zeroed (a slip in the wrap-around): on a held chord under hiss, the
    hole is a click a listener hears, and the build's check of the decoded MP3 refuses it; the whole loop passes."""
    from lofipress.core.errors import AudioError
    from lofipress.sound import encode, fx

    n = SR * 4
    t = np.arange(n) / SR
    chord = sum(0.12 * np.sin(2 * np.pi * fx._loop_hz(f, n, SR) * t) for f in (220.0, 277.2, 329.6))
    loop = fx.vinyl_noise(np.stack([chord, chord], 1).astype(np.float32), SR, fx.OFF_DB, -30.0,
                          np.random.default_rng(1))
    encode.encode_checked(loop, SR, tmp_path / "whole.mp3", 2, loop=True)  # the loop as rendered: no click
    holed = loop.copy()
    holed[-dropped:] = 0
    with pytest.raises(AudioError, match="loop seam"):
        encode.encode_checked(holed, SR, tmp_path / "holed.mp3", 2, loop=True)


def _held_chords_with_hiss(seconds=2.0, seed=5):
    """A seamless loop of soft held chords (whole cycles of every partial in the loop) under a hiss 44 dB down."""
    n = int(seconds * SR)
    t = np.arange(n) / SR
    chord = sum(0.08 * np.sin(2 * np.pi * round(f * seconds) / seconds * t) for f in (220.0, 277.2, 329.6, 415.3))
    hiss = np.random.default_rng(seed).normal(0, 1, n) * 10 ** (-44 / 20) * np.sqrt(np.mean(chord ** 2))
    x = chord + hiss
    return np.stack([x, x], axis=1)


@pytest.mark.parametrize("lost", [32, 48, 96, 441])
def test_a_dropout_before_a_seam_is_heard_on_held_chords_under_hiss(lost):
    """A hole of 32 samples to 10 ms is no step and no high-band burst on soft music: the hole measure hears it."""
    clean = _held_chords_with_hiss()
    assert seams.clicks(*seams.seam_ratios(clean, SR)) is None, seams.seam_ratios(clean, SR)
    broken = clean.copy()
    broken[-lost:] = 0.0
    step_ratio, click_ratio, hole_db = seams.seam_ratios(broken, SR)
    problem = seams.clicks(step_ratio, click_ratio, hole_db)
    assert problem and hole_db > seams.HOLE_DB_MAX, (lost, step_ratio, click_ratio, hole_db)


def test_a_dropout_at_a_segment_join_fails_where_the_continuous_music_has_none():
    music = _held_chords_with_hiss(4.0)
    cut = len(music) // 2
    own = seams.join_ratios(music[:cut], music[cut:], SR)
    before = music[:cut].copy()
    before[-64:] = 0.0
    ratios = seams.join_ratios(before, music[cut:], SR)
    assert seams.clicks(*ratios) and not seams.no_worse(ratios, own), (ratios, own)
    assert seams.no_worse(own, own)


def test_a_loop_whose_hits_start_from_silence_may_start_so_at_its_seam():
    """nightcap's ride: every hit starts from a millisecond of its own silence, the one on the seam too. The
    hole at the seam is the loop's, so it passes; a dropout on a loop without such holes does not."""
    beat = SR // 2
    rng = np.random.default_rng(2)
    ring = rng.normal(0, 0.3, beat - 48) * np.exp(-np.arange(beat - 48) / (0.4 * SR))  # a ride rings on
    ride = np.tile(np.concatenate([np.zeros(48), ring]), 8)
    ride = np.stack([ride, ride], axis=1)
    assert seams.seam_ratios(ride, SR)[2] > seams.HOLE_DB_MAX  # a hole at the seam...
    assert seams.loop_seam_problem(ride, SR) is None  # ...which the loop has at every beat
    broken = _held_chords_with_hiss()
    broken[-64:] = 0.0
    assert "drops out" in seams.loop_seam_problem(broken, SR)
