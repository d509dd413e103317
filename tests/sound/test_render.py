"""The sampler: exact lengths, right pitches, velocity response, wrap-around tails."""
import dataclasses

import numpy as np
import pytest

from audio_helpers import SR, level_db, make_pack, peak_hz
from lofipress.sound import render, seams
from lofipress.core.notes import Note, loop_n_samples
from lofipress.packs import Pattern, load_pack


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    return load_pack(make_pack(tmp_path_factory.mktemp("pack") / "p"))


def _one(pack, pitch, velocity=100, part="keys", start=0.0, dur=1.0, bars=1, bpm=120.0):
    return render.render_track([Note(start, start + dur, pitch, velocity, part)], pack, bpm, bars, SR,
                               np.random.default_rng(0))


@pytest.mark.parametrize("bpm,bars", [(80, 2), (83.5, 3), (71, 1)])
def test_length_is_exact(pack, bpm, bars):
    out = _one(pack, 60, bars=bars, bpm=bpm)
    assert out.shape == (loop_n_samples(bars, bpm, SR), 2) and out.dtype == np.float32


@pytest.mark.parametrize("pitch,part", [(57, "keys"), (64, "keys"), (69, "melody"), (40, "bass"), (75, "keys")])
def test_pitch_matches_the_note(pack, pitch, part):
    out = _one(pack, pitch, part=part, dur=1.5, bars=1, bpm=120.0)[: int(0.8 * SR)]
    cents = 1200 * np.log2(peak_hz(out) / (440 * 2 ** ((pitch - 69) / 12)))
    assert abs(cents) < 10


def test_velocity_louder_and_brighter(pack):
    soft, loud = _one(pack, 72, velocity=40), _one(pack, 72, velocity=120)
    assert level_db(loud) > level_db(soft) + 6

    def high_share(x):  # energy above 1.5 kHz over all energy
        spec = np.abs(np.fft.rfft(x[: SR // 2, 0])) ** 2
        return spec[int(1500 * (SR // 2) / SR):].sum() / spec.sum()

    assert high_share(loud) > 1.5 * high_share(soft)


def test_release_wraps_into_the_loop_start(pack):
    """A note held to the very end of the loop rings on at its start."""
    bars, bpm = 1, 120.0
    loop_s = loop_n_samples(bars, bpm, SR) / SR
    out = _one(pack, 60, start=loop_s - 0.3, dur=0.3, bars=bars, bpm=bpm)
    assert level_db(out[: int(0.05 * SR)]) > -40
    assert np.abs(out[-1] - out[0]).max() <= np.abs(np.diff(out, axis=0)).max()


def test_stereo_and_deterministic(pack):
    notes = [Note(0.0, 0.5, 48, 90, "keys"), Note(0.0, 0.5, 72, 90, "keys"), Note(0.5, 1.0, 36, 90, "bass")]
    a = render.render_track(notes, pack, 120.0, 1, SR, np.random.default_rng(1))
    b = render.render_track(notes, pack, 120.0, 1, SR, np.random.default_rng(1))
    assert np.array_equal(a, b) and not np.allclose(a[:, 0], a[:, 1])


def test_drums_exact_kicks_and_lazy_snare(pack):
    bpm, bars = 90.0, 2
    audio, kicks = render.render_drums(pack, "basic", bpm, bars, SR, np.random.default_rng(0))
    assert audio.shape == (loop_n_samples(bars, bpm, SR), 2)
    step_s = 60 / bpm / 4
    swing = pack.patterns["basic"].swing
    expect = [0.0, 10 * step_s, 16 * step_s, 26 * step_s]  # step 10 is even: on the grid
    assert kicks == pytest.approx(expect)
    assert 0.5 <= swing <= 0.75


def test_snare_lands_late(pack):
    only_snare = {"snare": (0,) * 4 + (100,) + (0,) * 11}
    p = dataclasses.replace(pack, patterns={"s": Pattern("s", "S", 1, only_snare, 0.5, 20.0)})
    bpm = 90.0
    for seed in range(3):
        audio, _ = render.render_drums(p, "s", bpm, 1, SR, np.random.default_rng(seed))
        grid_s = 4 * 60 / bpm / 4
        onset_s = np.argmax(np.abs(audio[:, 0]) > 1e-4) / SR
        assert 0.010 - 1e-3 <= onset_s - grid_s <= 0.030 + 1e-3


def test_ambience_exact_and_seamless(pack):
    for bpm, bars in ((80.0, 12), (72.0, 1)):
        out = render.render_ambience(pack, "rain", bpm, bars, SR)
        assert out.shape == (loop_n_samples(bars, bpm, SR), 2)
        assert seams.clicks(*seams.seam_ratios(out, SR)) is None  # judged by the sound around the seam


def _without(pack, *roles):
    return dataclasses.replace(pack, instruments={r: i for r, i in pack.instruments.items() if r not in roles})


@pytest.mark.parametrize("missing,plays", [((), "lead"), (("lead",), "piano"), (("lead", "piano"), "keys")])
def test_melody_plays_on_the_lead_else_piano_else_keys(pack, monkeypatch, missing, plays):
    """An older pack, with no lead, keeps playing its melody on the piano; with neither, on the keys."""
    used, pick = [], render._pick_zone

    def spy(zones, pitch, velocity):
        used.append(pick(zones, pitch, velocity))
        return used[-1]

    monkeypatch.setattr(render, "_pick_zone", spy)
    out = _one(_without(pack, *missing), 72, part="melody", dur=1.5)
    assert [z.file.name for z in used] == [f"{plays}-72.wav"]  # the test pack names files <role>-<root>.wav
    cents = 1200 * np.log2(peak_hz(out[: int(0.8 * SR)]) / (440 * 2 ** ((72 - 69) / 12)))
    assert abs(cents) < 10


def test_lead_sings_over_and_left_while_a_piano_melody_sits_right(pack):
    """The test pack's lead and piano are the same tone: only the lead's render settings tell them apart."""
    lead, piano = _one(pack, 72, part="melody"), _one(_without(pack, "lead"), 72, part="melody")
    assert level_db(lead) > level_db(piano) + 1.5  # more gain: one voice over the keys' chords
    assert level_db(lead[:, 0]) > level_db(lead[:, 1]) + 1.0  # off-centre, to the left
    assert level_db(piano[:, 1]) > level_db(piano[:, 0]) + 1.0  # where a piano melody always sat
