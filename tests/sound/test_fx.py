"""The lo-fi chain: one contract for every effect, then acoustics on signals made in code."""
import numpy as np
import pytest
from scipy.signal import hilbert

from audio_helpers import SR, level_db, sine
from lofipress.sound import fx
from lofipress.station.config import FxSettings

KICKS = [0.0, 0.5, 1.0, 1.5]
EFFECTS = {
    "highpass": lambda x, rng: fx.highpass(x, SR, 60.0),
    "lowpass": lambda x, rng: fx.lowpass(x, SR, 9000.0),
    "wow_flutter": lambda x, rng: fx.wow_flutter(x, SR, 0.8, 8.0, 9.0, 3.0, rng),
    "saturate": lambda x, rng: fx.saturate(x, 2.0),
    "bitcrush": lambda x, rng: fx.bitcrush(x, SR, 12, fx.SP1200_RATE_HZ),
    "reverb": lambda x, rng: fx.reverb(x, SR, 0.2, 1.0, rng),
    "sidechain": lambda x, rng: fx.sidechain(x, SR, KICKS, 4.0),
    "compress": lambda x, rng: fx.compress(x, SR, -18.0, 3.0),
    "vinyl_noise": lambda x, rng: fx.vinyl_noise(x, SR, -35.0, -40.0, rng),
    **{f"chain_{p}": (lambda p: lambda x, rng: fx.apply_chain(x, SR, FxSettings(preset=p), rng, KICKS))(p)
       for p in fx.PRESETS},
}


def _music() -> np.ndarray:
    """Two seconds of a chord with a plucked envelope, -6 dBFS peak."""
    x = sine(220, 2.0) + sine(277.2, 2.0) + sine(329.6, 2.0) + sine(3000, 2.0, amp=0.1)
    env = np.exp(-(np.arange(len(x)) % (SR // 2)) / (0.15 * SR))[:, None]
    return (x * env * 0.5 / np.abs(x).max()).astype(np.float32)


@pytest.mark.parametrize("name", sorted(EFFECTS))
def test_effect_contract(name):
    x = _music()
    y = EFFECTS[name](x, np.random.default_rng(7))
    assert y.shape == x.shape and y.dtype == np.float32
    assert np.all(np.isfinite(y)) and np.abs(y).max() < 1.0
    assert abs(level_db(y) - level_db(x)) < 6.0  # colour, not a level change: the chains measure -3.3 to +0.2 dB
    assert np.array_equal(y, EFFECTS[name](x, np.random.default_rng(7)))


@pytest.mark.parametrize("name", sorted(EFFECTS))
def test_effect_keeps_loop_seamless(name):
    """A loop that is smooth across its seam stays smooth: the seam step is like any other step."""
    x = sine(250, 1.0)  # 250 whole cycles: seamless
    y = EFFECTS[name](x, np.random.default_rng(3))
    steps = np.abs(np.diff(y, axis=0)).max()
    assert np.abs(y[-1] - y[0]).max() <= steps * 1.01


def test_lowpass_is_the_fourth_order_butterworth_it_promises():
    """Against scipy's own frequency response of a 4th-order Butterworth (-24.8 dB one octave past 2 kHz,
    -52 dB two octaves past): a 1st- or 2nd-order filter is 12-40 dB off."""
    from scipy.signal import butter, sosfreqz

    for f in (4000.0, 8000.0):
        _, h = sosfreqz(butter(4, 2000, fs=SR, output="sos"), worN=[f], fs=SR)
        got = level_db(fx.lowpass(sine(f, 1.0), SR, 2000)) - level_db(sine(f, 1.0))
        assert abs(got - 20 * np.log10(abs(h[0]))) < 0.5, f
    assert abs(level_db(fx.lowpass(sine(200, 1.0), SR, 2000)) - level_db(sine(200, 1.0))) < 0.1


def test_highpass_mirror():
    """A high-pass at 2 kHz is the mirror: 200 Hz down by at least 12 dB, 8 kHz within 1 dB."""
    assert level_db(fx.highpass(sine(200, 1.0), SR, 2000)) <= level_db(sine(200, 1.0)) - 12
    assert abs(level_db(fx.highpass(sine(8000, 1.0), SR, 2000)) - level_db(sine(8000, 1.0))) < 1.0


def test_highpass_leaves_tone_three_octaves_up():
    assert abs(level_db(fx.highpass(sine(480, 1.0), SR, 60)) - level_db(sine(480, 1.0))) < 0.1


@pytest.mark.parametrize("cents", [5.0, 20.0])
def test_wow_moves_pitch_by_its_depth_in_cents(cents):
    x = sine(1000, 4.0)
    y = fx.wow_flutter(x, SR, 1.0, cents, 0.0, 0.0, np.random.default_rng(0))[:, 0].astype(np.float64)
    phase = np.unwrap(np.angle(hilbert(y)))
    inst_hz = np.diff(phase) * SR / (2 * np.pi)
    inst_hz = np.convolve(inst_hz, np.ones(441) / 441, mode="valid")[SR // 4:-SR // 4]  # 10 ms smoothing, no edges
    dev_cents = 1200 * np.log2(inst_hz / 1000.0)
    assert abs(dev_cents.max() - cents) < 0.1 * cents + 0.3
    assert abs(-dev_cents.min() - cents) < 0.1 * cents + 0.3


def test_bitcrush_12_bit_error_level():
    """Rounding to 12 bits leaves an error of step/sqrt(12) RMS: about -77 dBFS."""
    x = sine(997, 1.0, amp=0.7)
    err = fx.bitcrush(x, SR, 12, 0) - x
    step = 1.0 / 2 ** 11
    assert abs(level_db(err) - 20 * np.log10(step / np.sqrt(12))) < 1.0
    assert np.abs(err).max() <= step / 2 + 1e-7


def test_rate_reduction_holds_samples():
    y = fx.bitcrush(sine(100, 0.1), SR, 0, fx.SP1200_RATE_HZ)[:, 0]
    changes = np.count_nonzero(np.diff(y))
    assert abs(changes - 0.1 * fx.SP1200_RATE_HZ) < 10


def test_sidechain_ducks_at_the_kick_by_its_depth():
    x = sine(300, 2.0, amp=0.5)
    y = fx.sidechain(x, SR, [1.0], 6.0)
    at = SR + int(0.006 * SR)
    assert abs(20 * np.log10(np.abs(y[at:at + 160]).max() / 0.5) + 6.0) < 0.5  # one 300 Hz cycle
    assert np.abs(y[int(1.8 * SR):]).max() > 0.49  # recovered


def test_resolve_takes_preset_then_overrides():
    assert fx.resolve(FxSettings(preset="muffled"))["lowpass_hz"] == fx.PRESETS["muffled"]["lowpass_hz"]
    p = fx.resolve(FxSettings(preset="dusty", lowpass_hz=7000.0, wow_cents=0.0, hiss_db=-50.0))
    assert p["lowpass_hz"] == 7000.0 and p["wow_cents"] == 0.0 and p["hiss_db"] == -50.0
    assert p["bit_depth"] == 12


@pytest.mark.parametrize("hiss_db", [-40.0, -30.0])
def test_the_hiss_sits_where_its_setting_says_under_the_music(hiss_db):
    """The noise bed is measured, not trusted: what the chain adds (crackle off) is hiss_db under the music's RMS,
    within 0.5 dB (a bed 10 dB off its preset is what a listener hears as a different record)."""
    rng = np.random.default_rng(3)
    t = np.arange(SR * 2) / SR
    music = (0.2 * np.sin(2 * np.pi * 220 * t) + 0.1 * np.sin(2 * np.pi * 330 * t))[:, None].repeat(2, axis=1)
    music = music.astype(np.float32)
    added = fx.vinyl_noise(music, SR, fx.OFF_DB, hiss_db, rng) - music
    level_db = 20 * np.log10(np.sqrt(np.mean(added.astype(np.float64) ** 2)) / np.sqrt(np.mean(music ** 2.0)))
    assert abs(level_db - hiss_db) < 0.5, level_db
