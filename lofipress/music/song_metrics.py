"""Metrics of an arranged song, part by part: its form, its melody and its bass.

They read what is published: the arranged grid parts (`lofipress.music.arrange`), or
the same parts read back from a track's MIDI (`parts_from_midi`). The melody
targets are the 1st-99th percentiles of a reference set of real melodies
(`MELODY_REFERENCE`, measured by scripts/melody_reference.py; see the README):
a song must meet them all at once, so each bound leaves 1 % of real tunes out
and 96 % of the reference meet every one together (the 5th-95th percentiles
let 76 % of them through: a gate real composers fail one time in four).
"""
from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np

from .arrange import chord_spans

STEPS_PER_BAR = 16
STRONG_STEPS = (0, 8)  # beats 1 and 3 of a 4/4 bar
Grid = Sequence[tuple[int, int, int]]

# The melody targets, from the reference melodies measured by scripts/melody_reference.py: 150 Bach chorale
# sopranos and 326 Essen German folk songs in 4/4 from music21's bundled corpus (476 real melodies). Each bound
# is the set's 1st or 99th percentile: with four measured targets met at once, that lets 96 % of the reference
# through (the script prints it), as a Bonferroni split of a 5 % miss rate would.
MELODY_REFERENCE = {
    "name": "Bach chorale sopranos (150) + Essen German folk songs (326), music21 10.5 corpus",
    "pieces": 476,
    # Upper bound: the reference's p75 (4.5). Lower bound: a style choice, not a measurement: sung melodies
    # carry a syllable a note (p5 = 3.0), while a lo-fi top line leaves space (1.5 notes a bar and more).
    "notes_per_bar": (1.5, 4.5),
    "range_semitones": (7, 19),  # p1-p99 of all 476
    "step_share": (0.44, 0.96),  # folk p1-p99 (0.437-0.956): chorales are stepwise hymns, too smooth for a sparse line
    "chord_tone_strong": (0.73, 1.0),  # chorale sopranos, p1 0.728 (a chord tone of the four voices' chord)
    "in_key": (0.86, 1.0),  # folk p1 (0.857): room for a blue note over jazz chords
    # Not from the reference (its pieces are 8-20 bars and music21 does not play out repeat signs): A's own
    # loop may repeat (4 bars), a whole section repeated note for note (8) means A2 did not vary its melody.
    "longest_repeat_bars": (0, 6),
}
# Form, bass and presence targets, with why.
FORM_TARGETS = dict(
    sections_min=3,  # intro or outro plus at least two body sections: a song, not a loop
    distinct_windows_min=2,  # at least two different 4-bar progressions (A and B)
    a2_similarity=(0.35, 0.95),  # A2 is A again (over a third of its notes), but not a copy
    b_similarity_max=0.5,  # B shares under half of A's notes bar for bar: it contrasts
    exact_repeat_share_max=0.6,  # the loop-everything tracks this replaces repeated 93-100 % of their bars
)
BASS_TARGETS = dict(hold_bars_max=2.0, onsets_per_bar_min=1.0)  # never a drone; at least a note a bar
MELODY_PRESENT_NOTES_PER_BAR = 0.5  # over the body sections, and a note in each of them


def _section_bars(sections, name: str) -> list[int]:
    return [b for n, first, count in sections if n == name for b in range(first, first + count)]


def _bar_events(parts: dict, bars: int, names=("keys", "melody")) -> list[frozenset]:
    """Per bar, the notes (part, step in the bar, pitch) starting in it."""
    rows: list[set] = [set() for _ in range(bars)]
    for part in names:
        for t, _, p in parts.get(part, ()):
            if 0 <= t < bars * STEPS_PER_BAR:
                rows[t // STEPS_PER_BAR].add((part, t % STEPS_PER_BAR, p))
    return [frozenset(r) for r in rows]


def _jaccard(a: frozenset, b: frozenset) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def _similarity(events: list[frozenset], bars_x: list[int], bars_y: list[int]) -> float | None:
    """Mean bar-for-bar Jaccard similarity of two sections' notes (the shorter one sets the length)."""
    pairs = list(zip(bars_x, bars_y))
    if not pairs:
        return None
    return float(np.mean([_jaccard(events[x], events[y]) for x, y in pairs]))


def harmonic_windows(parts: dict, sections, bars: int, spans=None) -> list[tuple]:
    """Per section, its whole 4-bar windows as the chord root of every half bar (None where no chord sounds).

    The roots are the arranger's reading of the keys (`chord_spans`), the one the bass follows.
    """
    total = bars * STEPS_PER_BAR
    spans = chord_spans(sorted(parts.get("keys", ())), total) if spans is None else spans
    half = [None] * (total // 8 + 1)
    for a, b, root in spans:
        for i in range(a // 8, min((b + 7) // 8, len(half))):
            half[i] = root
    out = []
    for _, first, count in sections:
        for w in range(first, first + count - 3, 4):
            out.append(tuple(half[w * 2:(w + 4) * 2]))
    return out


def form_metrics(parts: dict, sections, bars: int, spans=None) -> dict:
    """Sections, distinct 4-bar harmonic windows, A2-to-A and B-to-A similarity, exact-repeat share of bars."""
    a = _section_bars(sections, "A")
    windows = [w for w in harmonic_windows(parts, sections, bars, spans) if any(r is not None for r in w)]
    events = _bar_events(parts, bars)
    seen, repeats, filled = set(), 0, 0
    for b in range(bars):
        ev = events[b]
        if not ev:
            continue
        filled += 1
        repeats += ev in seen
        seen.add(ev)
    a2 = _similarity(events, a, _section_bars(sections, "A2"))
    bs = _similarity(events, a, _section_bars(sections, "B"))
    return dict(sections=len(sections), distinct_windows=len(set(windows)),
                a2_similarity=None if a2 is None else round(a2, 3),
                b_similarity=None if bs is None else round(bs, 3),
                exact_repeat_share=round(repeats / filled, 3) if filled else 0.0)


def _chord_pcs(parts: dict, t: int) -> set[int]:
    """The chord under step t: the keys' notes sounding in its half bar (an arpeggio or a stab counts) and the bass."""
    lo = t - t % 8
    keys = {p % 12 for u, d, p in parts.get("keys", ()) if u < lo + 8 and u + d > lo}
    return keys | {p % 12 for u, d, p in parts.get("bass", ()) if u <= t < u + d}


def melody_metrics(melody: Grid, parts: dict | None, scale_pcs: set[int], bars: int) -> dict:
    """Notes per bar, range, step share, chord tones on strong beats, notes in key, longest repeated span.

    Args:
        melody: the melody's grid notes.
        parts: the other parts (keys, bass) for chord tones; None leaves `chord_tone_strong` out.
        scale_pcs: pitch classes of the key (with a minor key's raised 6th and 7th).
        bars: the bars the melody is measured over (notes per bar).
    """
    notes = sorted(melody)
    pitches = [p for _, _, p in notes]
    steps = np.abs(np.diff(pitches)) if len(pitches) > 1 else np.array([])
    strong = [(t, p) for t, _, p in notes if t % STEPS_PER_BAR in STRONG_STEPS]
    m = dict(melody_notes=len(notes), notes_per_bar=round(len(notes) / max(bars, 1), 3),
             range_semitones=int(max(pitches) - min(pitches)) if pitches else 0,
             step_share=round(float(np.mean(steps <= 2)), 3) if len(steps) else 0.0,
             in_key=round(float(np.mean([p % 12 in scale_pcs for p in pitches])), 3) if pitches else 0.0,
             longest_repeat_bars=longest_repeated_span(notes, bars))
    if parts is not None:
        hits = [p % 12 in _chord_pcs(parts, t) for t, p in strong]
        m["chord_tone_strong"] = round(float(np.mean(hits)), 3) if hits else 0.0
    return m


def longest_repeated_span(notes: Grid, bars: int) -> int:
    """The longest run of consecutive melody bars (with notes) that occurs again, note for note, elsewhere."""
    rows = []
    for b in range(bars):
        lo = b * STEPS_PER_BAR
        rows.append(tuple((t - lo, d, p) for t, d, p in notes if lo <= t < lo + STEPS_PER_BAR))
    best = 0
    for i in range(bars):
        for j in range(i + 1, bars):
            k = 0
            while j + k < bars and i + k < j and rows[i + k] == rows[j + k]:
                k += 1
            run = k
            while run and not rows[i + run - 1]:  # a repeated run may not end in empty bars
                run -= 1
            if any(rows[i:i + run]):
                best = max(best, run)
    return best


def bass_metrics(bass: Grid, bars: int, skip_bars: int = 0) -> dict:
    """Longest bass note in bars and bass onsets per bar (after `skip_bars`, an intro without bass)."""
    durs = [d for _, d, _ in bass]
    heard = max(bars - skip_bars, 1)
    return dict(bass_hold_bars=round(max(durs) / STEPS_PER_BAR, 3) if durs else float(bars),
                bass_onsets_per_bar=round(len(bass) / heard, 3))


def ends_on_tonic(parts: dict, bars: int, tonic_pc: int, spans=None) -> bool:
    """Whether the last chord of the keys has the tonic for its root: the outro resolves before the seam."""
    spans = chord_spans(sorted(parts.get("keys", ())), bars * STEPS_PER_BAR) if spans is None else spans
    return bool(spans) and spans[-1][2] == tonic_pc


def song_metrics(parts: dict, sections, bars: int, scale_pcs: set[int], tonic_pc: int | None = None) -> dict:
    """Form, melody and bass metrics of an arranged song, with the melody measured over its body sections."""
    body = [b for n, first, c in sections if n not in ("intro",) for b in range(first, first + c)]
    spans = chord_spans(sorted(parts.get("keys", ())), bars * STEPS_PER_BAR)  # read once, used twice
    m = form_metrics(parts, sections, bars, spans)
    if tonic_pc is not None:
        m["ends_on_tonic"] = ends_on_tonic(parts, bars, tonic_pc, spans)
    melody = melody_metrics(parts.get("melody", ()), parts, scale_pcs, len(body) or bars)
    melody["melody_in_key"] = melody.pop("in_key")  # beside, not over, the tonality's in_key (keys and melody)
    m.update(melody)
    intro = sum(c for n, first, c in sections if n == "intro")
    m.update(bass_metrics(parts.get("bass", ()), bars, intro))
    per_section = [sum(1 for t, _, _ in parts.get("melody", ()) if first * 16 <= t < (first + c) * 16)
                   for n, first, c in sections if n in ("A", "B", "A2")]
    m["has_melody"] = bool(per_section) and min(per_section) > 0 and m["notes_per_bar"] >= MELODY_PRESENT_NOTES_PER_BAR
    return m


def check(m: dict) -> list[str]:
    """The form, melody and bass targets a song misses, as readable strings.

    A song is held to what its plan can give: the number of sections is the plan's (a station's form, or a
    track too short for more), which no redraw changes, so it is reported (`tracks_with_form`) and not gated;
    two distinct progressions are asked of a song whose plan has a B to hold the second.
    """
    f, failed = FORM_TARGETS, []
    if m["b_similarity"] is not None and m["distinct_windows"] < f["distinct_windows_min"]:
        failed.append(f"form: {m['distinct_windows']} distinct 4-bar progressions (< {f['distinct_windows_min']})")
    lo, hi = f["a2_similarity"]
    if m["a2_similarity"] is not None and not lo <= m["a2_similarity"] <= hi:
        failed.append(f"form: A2 is {m['a2_similarity']:.2f} like A (want {lo}-{hi})")
    if m["b_similarity"] is not None and m["b_similarity"] > f["b_similarity_max"]:
        failed.append(f"form: B is {m['b_similarity']:.2f} like A (> {f['b_similarity_max']})")
    if m["exact_repeat_share"] > f["exact_repeat_share_max"]:
        failed.append(f"form: {m['exact_repeat_share']:.0%} of bars repeat exactly (> {f['exact_repeat_share_max']:.0%})")
    if not m["has_melody"]:
        failed.append("melody: missing or too sparse")
    else:
        for key in ("notes_per_bar", "range_semitones", "step_share", "chord_tone_strong", "melody_in_key",
                    "longest_repeat_bars"):
            lo, hi = MELODY_REFERENCE[key.removeprefix("melody_")]
            if key in m and not lo <= m[key] <= hi:
                failed.append(f"melody: {key} {m[key]} outside {lo}-{hi}")
    if m["bass_hold_bars"] > BASS_TARGETS["hold_bars_max"]:
        failed.append(f"bass: holds a note {m['bass_hold_bars']} bars (> {BASS_TARGETS['hold_bars_max']})")
    if m["bass_onsets_per_bar"] < BASS_TARGETS["onsets_per_bar_min"]:
        failed.append(f"bass: {m['bass_onsets_per_bar']} notes a bar (< {BASS_TARGETS['onsets_per_bar_min']})")
    return failed


def parts_from_midi(data: bytes, bars: int | None = None) -> tuple[dict, list, float, int]:
    """A published track's .mid -> (grid parts by track name, sections, tempo, bars), quantized to 16ths.

    Sections come from the `section:NAME` text events; swing and humanizing round back onto the grid, and
    with `bars` a note humanized across the loop seam wraps back to its start.
    """
    import pretty_midi

    pm = pretty_midi.PrettyMIDI(io.BytesIO(data))
    tempo = float(pm.get_tempo_changes()[1][0])
    sixteenth_s = 60.0 / tempo / 4
    parts: dict[str, list] = {}
    last = 0
    for inst in pm.instruments:
        rows = []
        for n in inst.notes:
            t = int(round(n.start / sixteenth_s))
            t = t % (bars * STEPS_PER_BAR) if bars else t
            d = max(1, int(round((n.end - n.start) / sixteenth_s)))
            rows.append((t, d, n.pitch))
            last = max(last, t)
        parts[inst.name] = sorted(rows)
    bars = bars or last // STEPS_PER_BAR + 1
    marks = sorted((int(round(e.time / sixteenth_s)) // STEPS_PER_BAR, e.text.split(":", 1)[1])
                   for e in pm.text_events if e.text.startswith("section:"))
    sections = [(name, first, (marks[i + 1][0] if i + 1 < len(marks) else bars) - first)
                for i, (first, name) in enumerate(marks)]
    return parts, sections, tempo, bars
