"""Does a join click? A loop's seam (its end into its start), or one track segment into the next, judged by the
sound just around it.

Three measures, all of the `NEIGHBOURHOOD_S` either side of the join:
- the step ratio: the jump across the join over the 99th percentile of the steps around it. A plain cut of a
  loud, slow sound (a fire's low rumble) jumps 8-13 times its neighbours' loud steps;
- the click ratio: the energy above `CLICK_BAND_HZ` in the `CLICK_WINDOW_S` centred on the join over the most
  any other such window around it holds (0 if the burst is `MASKED_DB` under the sound around it). A step is
  broadband; the music around it rarely is, so a click stands out in the high band even where its step is no
  larger than a drum hit's;
- the hole: how far the quietest `HOLE_WINDOW_S` at the join falls under the quiet moments around it, in dB.
  A dropout (samples lost or zeroed at a cut) is no step and no burst when the music around it is soft.

Calibrated on every loop of the default site (12 tracks, 21 drum loops, 28 beds) and both packs' beds cut at
three tempi: the worst real loop measures 1.21 (step) and 2.5 (click: a piano struck on the seam); plain cuts of
the fire bed measure 8.2-13.3 and 19-59, and of the water bed 2.3-2.6 (step). A plain cut of rain, wind or
crickets is noise running into noise: it measures like the crossfaded loop, and no listener hears it either.
"""
from __future__ import annotations

import numpy as np

NEIGHBOURHOOD_S = 0.05  # how far either side of the join the steps it is judged against lie
STEP_RATIO_MAX = 2.0  # 1.65x the worst real loop measured (1.21)
CLICK_BAND_HZ = 5000.0
CLICK_WINDOW_S = 0.002  # a click's energy sits within a millisecond or so of the step
CLICK_GUARD_S = 0.003  # windows this close to the join share its click: they are not its neighbours
CLICK_RATIO_MAX = 8.0  # 3.2x the worst real loop (2.5, a piano struck on the seam)
INAUDIBLE = 1e-4  # -80 dBFS: a step below this is no click, whatever its neighbours
# A high-band burst under -70 dBFS RMS is no click either, however quiet the sound around it.
CLICK_FLOOR = 10 ** (-70 / 20)
# A high-band burst this far under the sound around the join is masked by it. An MP3's coding error differs
# from one end of a file to the other, which leaves a burst on the seam of a pure-tone loop 47 dB under the tone
# at any level; a limiter that does not wrap clicks 35 dB under a loud tone, a plain cut of the fire bed 23 dB
# under the bed.
MASKED_DB = 40.0
SETTLE_S = 0.02  # the high-pass runs this long before the measured stretch, so its start-up is not measured
# A dropout: half a millisecond at the join far quieter than the quiet moments around it. On every seam and
# segment join of the default site the deepest such window sits 12.2 dB under the reference; 32 samples zeroed
# before a seam sit 25.7 dB under it on a drum loop and 61 dB on a track (a drum loop already silent at its end
# loses nothing). A gap shorter than the window is a click's business, not a hole's.
HOLE_WINDOW_S = 0.0005
HOLE_DB_MAX = 18.0
LOOP_POINTS = 32  # instants inside a loop its seam's hole is compared with
HOLE_MARGIN_DB = 3.0  # a cut may sit this much deeper than the music's own quiet moment at its place


def _high_band(sample_rate: int) -> np.ndarray:
    from scipy.signal import butter

    return butter(4, min(CLICK_BAND_HZ, 0.45 * sample_rate), "highpass", fs=sample_rate, output="sos")


def join_ratios(before: np.ndarray, after: np.ndarray, sample_rate: int) -> tuple[float, float, float]:
    """(step ratio, click ratio, hole dB) of `before` running into `after` (float arrays (n,) or (n, ch)); see
    the module.

    Pass the same array twice for a loop's seam. Either side may be shorter than the neighbourhood: what there
    is, is used. A join quieter than INAUDIBLE (a step) or CLICK_FLOOR (a burst) measures 0: nobody hears it.
    """
    from scipy.signal import sosfilt

    w = max(2, int(NEIGHBOURHOOD_S * sample_rate))
    settle = int(SETTLE_S * sample_rate)
    # only the stretch around the join, in float64: a loop passes its whole track twice
    head = np.asarray(before[-(w + settle):], dtype=np.float64).reshape(min(len(before), w + settle), -1)
    tail = np.asarray(after[:w], dtype=np.float64).reshape(min(len(after), w), -1)
    ring = np.concatenate([head, tail])
    at = len(head)  # the join lies between ring[at - 1] and ring[at]
    lo = max(0, at - w - 1)
    steps = np.abs(np.diff(ring[lo:], axis=0)).max(axis=1)
    k = at - 1 - lo  # the join's own step
    others = np.delete(steps, k)
    loud_step = float(np.percentile(others, 99)) if len(others) else 0.0
    step_ratio = 0.0 if steps[k] < INAUDIBLE else steps[k] / max(loud_step, INAUDIBLE / 100)

    energy = (sosfilt(_high_band(sample_rate), ring, axis=0) ** 2).sum(axis=1)
    win = max(1, int(CLICK_WINDOW_S * sample_rate))
    guard = int(CLICK_GUARD_S * sample_rate)
    sums = np.convolve(energy, np.ones(win), "valid")  # sums[i] = energy[i : i + win]
    centre = float(sums[at - win // 2])
    first = min(settle, at)  # skip the filter's start-up
    near = np.concatenate([sums[first:max(first, at - guard - win)], sums[at + guard:]])
    loud_window = float(near.max()) if len(near) else 0.0
    around = float((ring[first:] ** 2).sum(axis=1).mean()) * win  # the sound's own energy in a window this long
    floor = max(win * CLICK_FLOOR ** 2, around * 10 ** (-MASKED_DB / 10))
    click_ratio = 0.0 if centre < floor else centre / max(loud_window, floor / 1e4)
    return float(step_ratio), float(click_ratio), _hole_db(ring[first:], at - first, sample_rate)


def _hole_db(ring: np.ndarray, at: int, sample_rate: int) -> float:
    """How far under the sound around it the quietest HOLE_WINDOW_S near the join falls, in dB (0: no hole).

    The reference is the 10th percentile of every such window farther out, so the quiet moments the music has
    anyway (a wave crossing zero, a rest) set the bar, not its loud ones."""
    w = max(2, int(HOLE_WINDOW_S * sample_rate))
    guard = int(CLICK_GUARD_S * sample_rate)
    power = np.convolve((ring ** 2).sum(axis=1), np.ones(w) / w, "valid")  # power[i]: window ring[i : i + w]
    near = power[max(0, at - guard - w):at + guard]
    far = np.concatenate([power[:max(0, at - guard - w)], power[at + guard:]])
    if not len(near) or not len(far):
        return 0.0
    ref = float(np.percentile(far, 10))
    if ref < INAUDIBLE ** 2:  # the sound around the join is silence: nothing to drop out of
        return 0.0
    return max(0.0, float(10 * np.log10(ref / max(float(near.min()), 1e-20))))


def seam_ratios(audio: np.ndarray, sample_rate: int) -> tuple[float, float, float]:
    """join_ratios of a loop with itself: its end running into its start."""
    return join_ratios(audio, audio, sample_rate)


def clicks(step_ratio: float, click_ratio: float, hole_db: float = 0.0) -> str | None:
    """What is wrong with a join of these ratios, in words, or None if it neither clicks nor drops out."""
    if step_ratio > STEP_RATIO_MAX:
        return (f"jumps {step_ratio:.1f}x the loud steps within {NEIGHBOURHOOD_S * 1000:.0f} ms "
                f"(at most {STEP_RATIO_MAX:g})")
    if click_ratio > CLICK_RATIO_MAX:
        return (f"clicks: {click_ratio:.1f}x the high-band energy around it (at most {CLICK_RATIO_MAX:g}, "
                f"above {CLICK_BAND_HZ / 1000:g} kHz)")
    if hole_db > HOLE_DB_MAX:
        return (f"drops out: {HOLE_WINDOW_S * 1000:g} ms at the join is {hole_db:.0f} dB under the quiet moments "
                f"around it (at most {HOLE_DB_MAX:g} dB)")
    return None


def loop_hole_reference(audio: np.ndarray, sample_rate: int, points: int = LOOP_POINTS) -> float:
    """The deepest hole the continuous loop has of its own, at `points` evenly spaced instants inside it (an
    8-bar drum loop: every beat). A ride hit that starts from its own silence leaves the same hole at every
    beat as at the seam: that is the loop, not a dropout."""
    n = len(audio)
    cuts = sorted({k * n // points for k in range(1, points)} - {0, n})
    return max((join_ratios(audio[:k], audio[k:], sample_rate)[2] for k in cuts), default=0.0)


def loop_seam_problem(audio: np.ndarray, sample_rate: int) -> str | None:
    """What is wrong with a loop's seam (its end into its start), or None. A hole deeper than HOLE_DB_MAX passes
    when the loop has one as deep of its own inside it (within HOLE_MARGIN_DB): what the cut adds is judged."""
    ratios = seam_ratios(audio, sample_rate)
    problem = clicks(*ratios)
    if problem and clicks(*ratios[:2]) is None and \
            ratios[2] <= loop_hole_reference(audio, sample_rate) + HOLE_MARGIN_DB:
        return None
    return problem


CUT_MARGIN = 1.25  # a cut may measure this much over the continuous music at its place: coding noise, not a click


def no_worse(ratios: tuple[float, ...], own: tuple[float, ...]) -> bool:
    """A join measures no worse than the continuous music at the same instant (within CUT_MARGIN, and
    HOLE_MARGIN_DB for a hole): what it would fail for is in the music itself."""
    ratio_ok = all(r <= CUT_MARGIN * o for r, o in zip(ratios[:2], own[:2]))
    return ratio_ok and (len(ratios) < 3 or len(own) < 3 or ratios[2] <= own[2] + HOLE_MARGIN_DB)
