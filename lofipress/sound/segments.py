"""A track as short MP3 segments at bar lines, so the player can start the first while the rest loads.

`decodeAudioData` needs a whole file: on a phone network (1.6 Mbps) a 2 MB track
keeps a listener waiting ten seconds for the first sound. Cut from the very PCM
the full MP3 is encoded from, each segment is its own MP3 with the Info header,
decodes to exactly its samples, and the player schedules them back to back.
The cuts follow the song form: one segment per section, a long section in
pieces of at most MAX_BARS, and a short first segment that arrives in about a
second. Every segment is decoded and checked here: lengths, the joins between
segments (and the loop seam) with the loop's own click criterion, and that it
sounds like the full file at the same place and level.
"""
from __future__ import annotations

import numpy as np

from ..core.files import part_path
from ..core.errors import AudioError
from ..core.notes import loop_n_samples

FIRST_BARS = 1  # 1 bar at 80 BPM is ~70 KB at -V2: under half a second at 1.6 Mbps, with the page itself
MAX_BARS = 8  # ~24 s of music in ~600 KB: each fetch stays far ahead of playback, few requests
JOIN_WINDOW_BARS = 1  # a join is judged against the bar either side of it, whose beats attack as its bar line does
# Two encodes of the same PCM differ by about sqrt(2) times one encode's own error (measured 1.38-1.42 from
# -V0 to -V9 on default-station tracks): twice that lets no misplaced cut through (a section off: ~90x).
MATCH_FACTOR = 2.0
MATCH_FLOOR = 1e-5  # -100 dBFS: digital silence codes exactly, and twice nothing would allow nothing
LEVEL_TOLERANCE_DB = 0.05  # measured within 0.01 dB from -V0 to -V9; a gain slip of 0.1 dB fails


def plan_segments(sections, bars: int, first_bars: int = FIRST_BARS, max_bars: int = MAX_BARS) -> list[tuple]:
    """(first_bar, bars) of each segment: the sections in order, split so that none exceeds max_bars.

    A first section longer than first_bars gives the first segment only first_bars,
    so the first fetch is small. A longer section is split into equal-ish pieces
    (12 bars -> 6 + 6, not 8 + 4). No sections: the track is one section.

    Raises:
        ValueError: the sections do not tile 0..bars in order.
    """
    spans = [(int(first), int(n)) for _, first, n in sections] or [(0, int(bars))]
    if [f for f, _ in spans] != [sum(n for _, n in spans[:i]) for i in range(len(spans))] or \
            sum(n for _, n in spans) != bars or any(n < 1 for _, n in spans):
        raise ValueError(f"sections {list(sections)} do not tile {bars} bars")
    out: list[tuple[int, int]] = []
    for first, n in spans:
        if not out and n > first_bars:
            out.append((first, first_bars))
            first, n = first + first_bars, n - first_bars
        pieces = -(-n // max_bars)
        cuts = [first + n * k // pieces for k in range(pieces + 1)]
        out += [(lo, hi - lo) for lo, hi in zip(cuts, cuts[1:])]
    return out


def segment_edges(plan: list[tuple], tempo_bpm: float, sample_rate: int, n_samples: int) -> list[int]:
    """Each segment's first sample, then n_samples: bar lines by the loop-length formula, so they add up."""
    return [loop_n_samples(first, tempo_bpm, sample_rate) for first, _ in plan] + [int(n_samples)]


def press_segments(pcm: np.ndarray, full: np.ndarray, sample_rate: int, tempo_bpm: float, plan: list[tuple],
                   out_path, quality: int) -> tuple[list[dict], np.ndarray, dict]:
    """Encode pcm's segments beside out_path (see cache.part_path), decode them and check them.

    Args:
        pcm: the mastered track (n, channels), the very samples the full MP3 was encoded from.
        full: that full MP3, decoded (n, channels).
        sample_rate: rate of both in Hz.
        tempo_bpm: the track's tempo (bar lines are cut points).
        plan: (first_bar, bars) per segment (plan_segments).
        out_path: the full MP3's path; segment i is written to part_path(out_path, i).
        quality: LAME VBR level, as for the full file.
    Returns:
        (rows, the decoded segments end to end, measurements): a row per segment,
        {"first_bar", "bars", "start_samples", "samples"}; measurements as check_segments.
    Raises:
        AudioError: a segment decodes to another length, a join clicks, or a segment differs
            from the full file at its place.
    """
    from . import encode  # the DSP stack: only a worker that renders imports it

    edges = segment_edges(plan, tempo_bpm, sample_rate, len(pcm))
    k = encode.CONTEXT_SAMPLES  # each segment is coded with the music either side of it, as the full file is
    decoded = [encode.encode_checked(pcm[lo:hi], sample_rate, part_path(out_path, i), quality, loop=False,
                                     context=(encode.wrapped(pcm, lo - k, lo), encode.wrapped(pcm, hi, hi + k)))
               for i, (lo, hi) in enumerate(zip(edges, edges[1:]))]
    window = loop_n_samples(JOIN_WINDOW_BARS, tempo_bpm, sample_rate)
    measured = check_segments(decoded, full, pcm, edges, window, sample_rate, out_path)
    rows = [{"first_bar": first, "bars": bars, "start_samples": lo, "samples": hi - lo}
            for (first, bars), lo, hi in zip(plan, edges, edges[1:])]
    return rows, np.concatenate(decoded), measured


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0


def check_segments(decoded: list[np.ndarray], full: np.ndarray, pcm: np.ndarray, edges: list[int], window: int,
                   sample_rate: int, path) -> dict:
    """Check decoded segments against the decoded full file and the PCM both were encoded from.

    Each segment decodes to the samples between its edges (0 ... the track's
    length); every join, and the loop seam from the last segment into the first,
    passes the loop's click criterion (encode.check_join) on the `window` samples
    either side of it; each segment differs from the full file at its place by at
    most MATCH_FACTOR times the full file's own coding error there, and has its
    level within LEVEL_TOLERANCE_DB.

    Returns:
        {"join_ratio": worst jump / largest step, "match_ratio": worst difference / coding error,
        "level_db": worst level difference}, rounded for the build's metadata.
    Raises:
        AudioError: naming the segment and what is off.
    """
    from . import seams
    from .encode import check_join, join_jump

    if [len(d) for d in decoded] != np.diff(edges).tolist() or edges[0] != 0 or edges[-1] != len(full) or \
            len(full) != len(pcm):
        raise AudioError(f"segments decode to {[len(d) for d in decoded]} samples, their places hold "
                         f"{np.diff(edges).tolist()} from 0 to {edges[-1]}; the track has {len(pcm)} "
                         f"(its MP3 {len(full)})", path, "keep the Info header; cut at the bar lines")
    window = max(1, int(window))
    joins, matches, levels = [], [], []
    for i, (seg, lo, hi) in enumerate(zip(decoded, edges, edges[1:])):
        after = decoded[(i + 1) % len(decoded)]
        what = "the loop seam (last segment into the first)" if i == len(decoded) - 1 else f"segment {i} into {i + 1}"
        cut = hi % len(full)  # where this join plays in the full track; 0: the loop seam, with no music running on
        own = seams.join_ratios(full[cut - window:cut], full[cut:cut + window], sample_rate) if cut else None
        check_join(seg[-window:], after[:window], sample_rate, path, what, "cut segments from the mastered track",
                   own=own)
        jump, step = join_jump(seg[-window:], after[:window])  # reported: the join against the bars either side
        joins.append(jump / step if step else 0.0)
        ref, err = full[lo:hi], _rms(full[lo:hi] - pcm[lo:hi])
        diff = _rms(seg - ref)
        if diff > MATCH_FACTOR * err + MATCH_FLOOR:
            raise AudioError(f"segment {i} differs from the full MP3 at its place by {diff:.5f} RMS, more than "
                             f"{MATCH_FACTOR:g}x the MP3's own error {err:.5f}", part_path(path, i),
                             "cut it from the samples the full MP3 was encoded from")
        ref_rms = _rms(ref)
        level = 20 * np.log10(max(_rms(seg), MATCH_FLOOR) / ref_rms) if ref_rms > MATCH_FLOOR else 0.0
        if abs(level) > LEVEL_TOLERANCE_DB:
            raise AudioError(f"segment {i} is {level:+.3f} dB from the full MP3's level", part_path(path, i),
                             "cut it from the samples the full MP3 was encoded from, at the same gain")
        matches.append(diff / err if err else 0.0)
        levels.append(abs(float(level)))
    return {"join_ratio": round(max(joins), 4), "match_ratio": round(max(matches), 4),
            "level_db": round(max(levels), 4)}

