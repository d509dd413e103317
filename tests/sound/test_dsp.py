"""The compiled kernels against their definitions, written out the slow way."""
import numpy as np
import pytest
from scipy.signal import welch

from audio_helpers import SR
from lofipress.sound import dsp, dsp_master, dsp_noise, dsp_sampler, fx


def _direct_decimate(x, h, down):
    mono = x.mean(axis=1).astype(np.float64)
    n, c = len(mono), len(h) // 2
    return np.array([sum(h[k] * mono[(down * j + k - c) % n] for k in range(len(h))) for j in range(-(-n // down))])


def _direct_interpolate(low, g, up, n):
    m = low.shape[1]
    stuffed = np.zeros((low.shape[0], up * m))
    stuffed[:, ::up] = low
    c = len(g) // 2
    return np.array([[sum(g[k] * stuffed[ch, (i + c - k) % (up * m)] for k in range(len(g))) for ch in range(len(low))]
                     for i in range(n)])


@pytest.mark.parametrize("n", [400, 403])  # a loop that is not a whole number of low-rate samples too
def test_polyphase_decimate_and_interpolate_wrap_round_the_loop(n):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((n, 2)).astype(np.float32)
    h = fx._resampling_fir(4)
    low = dsp_noise.decimate_mono(x, h, 4)
    assert np.allclose(low, _direct_decimate(x, h, 4), atol=1e-5)
    wet = rng.standard_normal((2, len(low))).astype(np.float32)
    out = dsp_noise.interpolate_mix(x, wet, h * 4, 4, 0.5, 2.0)
    assert np.allclose(out, 0.5 * x + 2.0 * _direct_interpolate(wet, h * 4, 4, n), atol=1e-4)


def test_reverb_tail_is_a_dark_room_after_its_predelay():
    impulse = np.zeros((2 * SR, 2), dtype=np.float32)
    impulse[SR // 2] = 1.0
    wet = fx.reverb(impulse, SR, 0.5, 1.0, np.random.default_rng(2)) - 0.75 * impulse
    onset = np.argmax(np.abs(wet).max(axis=1) > 1e-3 * np.abs(wet).max()) - SR // 2
    assert 0.008 * SR < onset < 0.02 * SR  # 12 ms pre-delay, give or take the filters
    f, p = welch(wet[:, 0], SR, nperseg=4096)
    band = lambda lo, hi: 10 * np.log10(p[(f >= lo) & (f < hi)].mean())  # noqa: E731
    assert band(7000, 10000) < band(500, 2000) - 30  # the walls took the highs
    energy = np.cumsum((wet.astype(np.float64) ** 2).sum(axis=1)[::-1])[::-1]
    db = 10 * np.log10(energy / energy[SR // 2] + 1e-30)
    t30 = (np.argmax(db < -35) - np.argmax(db < -5)) / SR  # the slope over 30 dB, as RT60 is measured
    assert 0.9 < 2 * t30 < 1.1  # the decay it promises, within 10 % (measured: 1.00 s)
    assert abs(np.corrcoef(wet[SR // 2:, 0], wet[SR // 2:, 1])[0, 1]) < 0.2  # two tails: a wide room


def test_white_noise_is_uniform_uncorrelated_and_a_function_of_its_index():
    a = dsp_noise.white_noise(200_000, 2, 42)
    assert a.dtype == np.float32 and a.min() >= -0.5 and a.max() < 0.5
    assert abs(a.mean()) < 0.003 and abs(a.var() - 1 / 12) < 0.001
    assert abs(np.corrcoef(a[:, 0], a[:, 1])[0, 1]) < 0.01
    assert abs(np.corrcoef(a[1:, 0], a[:-1, 0])[0, 1]) < 0.01
    assert np.array_equal(dsp_noise.white_noise(1000, 2, 42), a[:1000])
    assert not np.array_equal(dsp_noise.white_noise(1000, 2, 43), a[:1000])
    assert dsp_noise.white_noise(10, 3, 42).shape == (10, 3) and dsp_noise.white_noise(10, 1, 42).shape == (10, 1)


def test_ticks_reach_their_rms_and_wrap_round_the_loop():
    n = 10_000
    out = np.zeros((n, 2), dtype=np.float32)
    kernel = np.exp(-np.arange(60) / 10.0)
    where = np.array([n - 20, 100, 110, 5000])  # one wraps, two overlap
    amp = np.array([[1.0, 0.5], [-1.0, 1.0], [0.7, 0.7], [0.3, -0.2]])
    dsp_noise.add_ticks(out, where, amp, kernel, 0.01)
    assert np.sqrt(np.mean(out.astype(np.float64) ** 2)) == pytest.approx(0.01, rel=1e-4)
    dense = np.zeros((n + 60, 2))
    for w, a in zip(where, amp):
        dense[w:w + 60] += kernel[:, None] * a
    dense[:60] += dense[n:]
    dense = dense[:n] * 0.01 / np.sqrt(np.mean(dense[:n] ** 2))
    assert np.allclose(out, dense, atol=1e-6)


def test_limiter_gain_computed_around_its_peaks_equals_the_whole_loops():
    rng = np.random.default_rng(0)
    n = 200_000
    for trial in range(60):
        need = np.ones(n, dtype=np.float32)
        spots = rng.integers(0, n, rng.integers(1, 10))
        spots[0] = [rng.integers(0, 300), n - rng.integers(1, 300), spots[0]][trial % 3]  # at the seam, both sides
        for spot in spots:
            width = rng.integers(1, 200)
            need[np.arange(spot, spot + width) % n] = rng.uniform(0.5, 1.0, width)
        sparse = dsp_master.limiter_gain(need, 2646, 178, 88)
        assert np.abs(sparse - dsp_master._limiter_gain(need, 2646, 178, 88)).max() < 2e-6, trial


def _reference_limiter(need: np.ndarray, lo: int, hi: int, half: int) -> np.ndarray:
    """The limiter gain's definition in float64 numpy, by gathering every window: no running minimum, no running
    sum, no sparse stretches. min(need[i - lo .. i + hi]) round the loop, then a +-half box mean, twice."""
    n = len(need)
    x = need.astype(np.float64)
    g = x[(np.arange(n)[:, None] + np.arange(-lo, hi + 1)[None, :]) % n].min(axis=1)
    box = (np.arange(n)[:, None] + np.arange(-half, half + 1)[None, :]) % n
    return g[box].mean(axis=1)[box].mean(axis=1)


def test_the_limiter_gain_meets_its_definition_computed_another_way():
    rng = np.random.default_rng(1)
    n = 6000
    for trial in range(12):
        need = np.ones(n, dtype=np.float32)
        for spot in [rng.integers(0, 40), n - rng.integers(1, 40), *rng.integers(0, n, 4)][:2 + trial % 4]:
            width = rng.integers(1, 60)
            need[np.arange(spot, spot + width) % n] = rng.uniform(0.3, 1.0, width)
        ref = _reference_limiter(need, 240, 30, 12)
        assert np.abs(dsp_master.limiter_gain(need, 240, 30, 12) - ref).max() < 2e-6, trial  # the sparse one
        assert np.abs(dsp_master._limiter_gain(need, 240, 30, 12) - ref).max() < 2e-6, trial  # the whole loop's


@pytest.mark.parametrize("n", [1000, 300_000])
def test_filters_in_two_halves_match_one_pass(n):
    from scipy.signal import butter, sosfilt
    x = np.random.default_rng(3).standard_normal((n, 2)).astype(np.float32)
    sos = butter(4, 3000, fs=SR, output="sos")
    assert np.abs(dsp.sosfilt(sos, x) - sosfilt(sos, x.astype(np.float64), axis=0)).max() < 1e-5
    pad = min(SR // 2, n)
    wrapped = sosfilt(sos, np.concatenate([x[n - pad:], x]).astype(np.float64), axis=0)[pad:]
    assert np.abs(dsp.sosfilt_wrap(sos, x, pad) - wrapped).max() < 1e-5
    energy = (sosfilt(sos, x.astype(np.float64), axis=0).astype(np.float32).astype(np.float64) ** 2).sum(axis=1)
    assert np.allclose(dsp_master.weighted_energy(sos, x), energy, rtol=1e-5, atol=1e-9)


def test_a_forked_worker_gets_its_own_second_thread():
    """The build forks its workers: a worker must not wait on the parent's thread, which it does not have."""
    import multiprocessing
    from scipy.signal import butter
    x = np.random.default_rng(0).standard_normal((200_000, 2)).astype(np.float32)
    sos = butter(2, 100, "highpass", fs=SR, output="sos")
    here = dsp.sosfilt_wrap(sos, x, 1000)  # the parent's thread exists now
    with multiprocessing.get_context("fork").Pool(1) as pool:
        there = pool.apply_async(dsp.sosfilt_wrap, (sos, x, 1000)).get(timeout=60)
    assert np.array_equal(here, there)


def test_notes_mixed_in_two_halves_are_the_notes_mixed_in_one_pass():
    """Notes that straddle the middle are split between the cores; not one sample may move."""
    rng = np.random.default_rng(5)
    bank = rng.standard_normal(40_000).astype(np.float32)
    dark = rng.standard_normal(40_000).astype(np.float32)
    length = 300_000
    rows = [(start, off, frames, frames // 2, rng.uniform(), 132.3, 8000.0, 220, rng.uniform(), rng.uniform())
            for start, off, frames in zip(rng.integers(0, length - 20_000, 60), rng.integers(0, 20_000, 60),
                                          rng.integers(2, 20_000, 60))]
    rows.append((length // 2 - 333, 0, 20_000, 777, 0.5, 132.3, 8000.0, 220, 0.3, 0.7))  # across the middle
    table = np.array(rows, dtype=np.float64)
    split = dsp_sampler.mix_notes(table, bank, dark, length)
    whole = np.empty((2, length), dtype=np.float32)
    dsp_sampler._mix_notes(whole[0], whole[1], bank, dark, table, 0, length)
    assert np.array_equal(split, whole) and np.abs(whole).max() > 0.1
    folded = dsp_sampler.fold_planar(np.concatenate([whole, whole[:, :1000]], axis=1), length)  # 1000 frames ring on
    assert np.array_equal(folded[:1000], (whole[:, :1000] + whole[:, :1000]).T)
    assert np.array_equal(folded[1000:], whole[:, 1000:].T)


def test_the_limiter_from_peaks_and_the_rounds_that_reuse_plain_segments_agree_with_their_definitions():
    rng = np.random.default_rng(9)
    peak = rng.uniform(0.0, 0.5, 200_000).astype(np.float32)
    peak[rng.integers(0, 200_000, 12)] = rng.uniform(0.8, 1.2, 12)
    need = np.minimum(np.float32(1.0), np.float32(0.8) / np.maximum(peak * np.float32(1.1), np.float32(1e-12)))
    gain = dsp_master.peak_limiter_gain(peak, 1.1, 0.8, 2646, 178, 88)
    assert np.array_equal(gain, dsp_master.limiter_gain(need, 2646, 178, 88)) and gain.min() < 0.8
    energy = rng.uniform(0.0, 1.0, 200_000)
    hop = 4410
    plain = dsp_master.segment_energy(energy, hop, scale=hop)
    assert np.allclose(plain, energy[: len(plain) * hop].reshape(-1, hop).sum(axis=1), rtol=1e-12)
    rounds = dsp_master.segment_energy(energy, hop, gain, 2.0, plain)
    direct = (energy * gain.astype(np.float64) ** 2)[: len(plain) * hop].reshape(-1, hop).mean(axis=1) * 2.0
    assert np.allclose(rounds, direct, rtol=1e-12)
    assert np.array_equal(rounds, dsp_master.segment_energy(energy, hop, gain, 2.0))  # skipping the 1s changes nothing


@pytest.mark.parametrize("m, k", [(100_003, 2000), (5000, 12_127)])
def test_reverb_convolution_is_circular_even_when_the_room_outlasts_the_loop(m, k):
    rng = np.random.default_rng(m)
    x, irs = rng.standard_normal(m).astype(np.float32), rng.standard_normal((2, k))
    folded = np.zeros((2, m))
    for start in range(0, k, m):  # an IR longer than the loop rings on round it
        folded[:, :min(m, k - start)] += irs[:, start:start + m]
    direct = np.fft.irfft(np.fft.rfft(x.astype(np.float64)) * np.fft.rfft(folded, axis=1), n=m, axis=1)
    got = fx.circular_convolve(x, irs)
    assert got.shape == (2, m) and got.dtype == np.float32
    assert np.abs(got - direct).max() < 1e-5 * np.abs(direct).max()
