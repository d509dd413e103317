"""The gate's melody targets against real melodies: the tunes they were measured on pass, the same tunes broken fail.

A gate calibrated too tight fails real composers; one too loose passes a random line. Both are checked on
melodies from music21's bundled corpus, read by scripts/melody_reference.py as the targets were measured.
"""
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import melody_reference as ref  # noqa: E402

from lofipress.music.song_metrics import MELODY_REFERENCE  # noqa: E402

MEASURED = ("range_semitones", "step_share", "chord_tone_strong", "in_key")  # from the reference, not style choices
TUNES = 30
CHORALES = 10


def misses(m: dict) -> list[str]:
    return [k for k in MEASURED if k in m and not MELODY_REFERENCE[k][0] <= m[k] <= MELODY_REFERENCE[k][1]]


@pytest.fixture(scope="module")
def folk():
    """The first Essen tunes the reference uses: (grid melody, key scale)."""
    out = []
    for _, tune in ref.folk_tunes():
        read = ref.folk_part(tune)  # read as the reference reads it: 4/4 from the first full bar
        if read is not None:
            part, origin = read
            out.append((ref.grid(part, origin, True), ref.scale_of(part)))
        if len(out) == TUNES:
            return out


def wandering(melody, scale: set[int], seed: int):
    """The same rhythm with each note drawn at random from the key's scale over two octaves: in key, no line."""
    low = min(p for _, _, p in melody)
    notes = [p for p in range(low, low + 25) if p % 12 in scale]
    rng = np.random.default_rng(seed)
    return [(t, d, int(rng.choice(notes))) for t, d, _ in melody]


def test_real_folk_tunes_meet_the_melody_targets_and_random_lines_in_their_key_do_not(folk):
    real = [misses(ref.measure(m, None, scale)) for m, scale in folk]
    broken = [misses(ref.measure(wandering(m, scale, i), None, scale)) for i, (m, scale) in enumerate(folk)]
    assert sum(not x for x in real) >= 0.9 * len(folk), real
    assert sum(bool(x) for x in broken) >= 0.9 * len(folk), broken


def test_out_of_key_notes_fail_where_a_blue_note_passes(folk):
    melody, scale = folk[0]
    outside = sorted(set(range(12)) - scale)
    blue = [(t, d, p + 1 if i == 5 and (p + 1) % 12 in outside else p) for i, (t, d, p) in enumerate(melody)]
    sour = [(t, d, p + 1 if i % 3 == 0 and (p + 1) % 12 in outside else p) for i, (t, d, p) in enumerate(melody)]
    assert "in_key" not in misses(ref.measure(blue, None, scale))
    assert "in_key" in misses(ref.measure(sour, None, scale))


def test_chorale_sopranos_sit_on_chord_tones_and_a_soprano_moved_off_them_fails():
    from music21 import corpus

    real, moved = [], []
    for name in corpus.chorales.Iterator(returnType="filename"):
        read = ref.chorale(corpus.parse(name, forceSource=True))
        if read is None:
            continue
        soprano, harmony, _, scale = read
        real.append(misses(ref.measure(soprano, harmony, scale)))
        # Every strong-beat note a step higher in the scale: the line still sings, but leans off the chord.
        up = {pc: min((q for q in scale if 0 < (q - pc) % 12 <= 2), key=lambda q: (q - pc) % 12, default=pc)
              for pc in range(12)}
        off = [(u, d, p + (up[p % 12] - p % 12) % 12 if u % 16 in (0, 8) else p) for u, d, p in soprano]
        moved.append(misses(ref.measure(off, harmony, scale)))
        if len(real) == CHORALES:
            break
    assert sum("chord_tone_strong" not in x for x in real) >= CHORALES - 1, real
    assert all("chord_tone_strong" in x for x in moved), moved
