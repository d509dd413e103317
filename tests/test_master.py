"""Mastering: loudness and true peak on the decoded MP3, loop-safe limiting."""
import numpy as np
import pytest
from scipy.signal import resample_poly

from audio_helpers import SR, make_pack, sine
from lofipress import audio, encode, master
from lofipress.config import FxSettings, MasterSettings
from lofipress.notes import Note


def _loop(seconds=6.0, seed=0):
    """Plucked chords with a loud transient each second: needs limiting to reach -14 LUFS at -1 dBTP."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    t = np.arange(n) / SR
    env = np.exp(-(t % 1.0) / 0.25)[:, None]
    x = (sine(220, seconds) + sine(330, seconds) + sine(440, seconds)) * env * 0.2
    x[:: SR] += 0.9  # a click: true peak far above the rest
    return (x + rng.standard_normal((n, 2)) * 0.01).astype(np.float32)


def test_true_peak_matches_resample_poly():
    x = sine(5000, 0.5, amp=0.8) + sine(7100, 0.5, amp=0.1)
    ours = master.true_peak_per_sample(x).max()
    reference = np.abs(resample_poly(x, 4, 1, axis=0)).max()
    assert abs(20 * np.log10(ours / reference)) < 0.1


def test_master_hits_target_and_ceiling():
    out = master.master(_loop(), SR, -14.0, -1.0)
    m = master.measure(out, SR)
    assert abs(m["lufs"] + 14.0) < 0.1 and m["true_peak_dbtp"] <= -1.0
    assert np.abs(out[-1] - out[0]).max() <= np.abs(np.diff(out, axis=0)).max()


def test_silence_stays_silent():
    assert not master.master(np.zeros((SR, 2), np.float32), SR, -14.0, -1.0).any()


@pytest.mark.slow
def test_press_track_on_decoded_mp3(tmp_path):
    pack_dir = make_pack(tmp_path / "p")
    beat = 60 / 80
    notes = [Note(b * 4 * beat, b * 4 * beat + 3 * beat, p, 80, "keys") for b in range(4) for p in (50, 53, 57, 60)]
    notes += [Note(b * 4 * beat, b * 4 * beat + beat, 38, 100, "bass") for b in range(4)]
    r = audio.press_track(notes, pack_dir, FxSettings(), MasterSettings(), 80.0, 4, tmp_path / "t.mp3", 1)
    assert r["samples"] == 4 * 4 * 60 * SR // 80
    assert abs(r["lufs"] + 14.0) <= 0.5 and r["true_peak_dbtp"] <= -1.0 and r["seam"] <= r["max_step"]
    decoded, sr = encode.decode(tmp_path / "t.mp3")
    got = master.measure(decoded, sr)
    assert abs(got["lufs"] + 14.0) <= 0.5 and got["true_peak_dbtp"] <= -1.0
