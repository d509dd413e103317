"""The melody model: its events, its conditions, its numpy step against Keras, and what it writes."""
from pathlib import Path

import numpy as np
import pytest

from lofipress.music import melody_data as md
from lofipress.music import melody_model, melody_write
from lofipress.music.melody_sources import Melody

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MELODY = ROOT / "models" / "default" / melody_model.MELODY_FILE


def test_a_line_becomes_events_and_back():
    notes = [(0, 4, 76), (4, 2, 78), (8, 8, 79), (20, 4, 81)]
    ev = md.events(notes, 0, 32)
    assert ev[0] >= 2 and ev[6] == md.REST and ev[16] == md.REST and ev[24] == md.REST
    assert md.notes_of(ev, 60) == notes  # C: the reference is 60, and the line already sits in its centre


def test_a_later_onset_cuts_a_note_and_pitches_fold_into_range():
    ev = md.events([(0, 16, 72), (4, 4, 74)], 0, 16)
    assert list(ev[:5]).count(md.HOLD) == 3 and ev[4] >= 2 and ev[8] == md.REST
    low = md.events([(0, 4, 20)], 0, 8)  # far below: moved by octaves into the event range
    assert md.LOW <= low[0] - 2 + md.LOW <= md.HIGH


def test_a_tune_alone_is_harmonized_with_chords_that_hold_its_notes():
    tune = [(0, 8, 60), (8, 8, 64), (16, 8, 65), (24, 8, 69), (32, 8, 67), (40, 8, 71), (48, 16, 72)]
    chords = md.harmonize(tune, "major", 0, 4)
    assert len(chords) == 8
    for h, pcs in enumerate(chords):  # every long note is a tone of the chord under it
        held = [p for t, d, p in tune if t <= h * 8 < t + d]
        assert all(p % 12 in pcs for p in held), (h, pcs, held)


def test_conditions_carry_the_chord_the_step_and_the_phrase_bar():
    chords = np.zeros((64, 12), bool)
    chords[:, [0, 4, 7]] = True
    c = md.conditions(chords, "minor")
    assert c.shape == (64, md.CONDITION)
    assert c[17, 12 + 1] == 1 and c[17, 12 + 16 + 1] == 1 and c[17, :12].sum() == 3 and c[17, -1] == 1


def test_a_busy_tune_is_slowed_to_a_lo_fi_pace_and_a_calm_one_is_not():
    busy = Melody("busy", [(t, 2, 67 + (t // 2) % 5) for t in range(0, 32, 2)], None, 7, "major")  # 8 a bar
    ev, cond = md.example(busy)
    assert len(ev) == 64 and (ev >= 2).sum() == 16 and cond[:, :12].any(axis=1).all()
    calm = Melody("calm", [(0, 4, 67), (4, 4, 69), (8, 4, 71), (12, 4, 72), (16, 16, 74)], None, 7, "major")
    ev, _ = md.example(calm)
    assert len(ev) == 32 and (ev >= 2).sum() == 5


def test_syncopation_pushes_some_beats_ahead_and_keeps_every_note():
    tune = [(t, 8, 60 + t // 8) for t in range(0, 128, 8)]
    pushed = md.syncopate(tune, np.random.default_rng(1), share=0.5)
    assert len(pushed) == len(tune) and [p for _, _, p in pushed] == [p for _, _, p in tune]
    moved = [t for (t, _, _), (u, _, _) in zip(pushed, tune) if t != u]
    assert moved and all(t % 8 in (6, 7) for t in moved)
    assert all(a[0] + a[1] == b[0] for a, b in zip(pushed, pushed[1:]))  # no gap, no overlap


@pytest.mark.slow
def test_the_numpy_step_equals_keras(tmp_path):
    keras = pytest.importorskip("keras")
    model = melody_model.build_keras(units=24)
    path = tmp_path / melody_model.MELODY_FILE
    model.save(path)
    rng = np.random.default_rng(3)
    ids = rng.integers(0, md.EVENTS + 1, (3, 20)).astype(np.int32)
    cond = rng.random((3, 20, md.CONDITION)).astype(np.float32)
    want = keras.models.load_model(path).predict([ids, cond], verbose=0)
    step = melody_model.MelodyStep.from_file(path)
    step.reset(3)
    got = np.stack([step.step(ids[:, t], cond[:, t]) for t in range(20)], axis=1)
    assert np.abs(got - want).max() < 1e-4


def _jobs(seed=11):
    keys = [(bar * 16, 16, p) for bar in range(30) for p in ((57, 60, 64, 67), (53, 57, 60, 64))[bar % 2]]
    sections = (("intro", 0, 2), ("A", 2, 8), ("B", 10, 8), ("A2", 18, 8), ("outro", 26, 4))
    return [melody_write.Job(keys, 9, "minor", 30, sections, seed), melody_write.Job(keys, 9, "minor", 30, sections, seed + 1)]


@pytest.fixture(scope="module")
def shipped():
    if not DEFAULT_MELODY.is_file():
        pytest.fail(f"{DEFAULT_MELODY} is missing: train it with `lofipress train --melody-only`")
    return melody_model.MelodyStep.from_file(DEFAULT_MELODY)


def test_the_shipped_model_writes_phrases_with_rests_and_a_returning_motif(shipped):
    lines = melody_write.write(shipped, _jobs())
    for line in lines:
        assert not [n for n in line if n[0] < 32], "the intro is the keys alone"
        assert not [n for n in line if n[0] >= 27 * 16], "the outro sings one closing bar"
        starts = sorted(t for t, _, _ in line)
        assert all(b > a for a, b in zip(starts, starts[1:])), "one note at a time"
        body = [n for n in line if 32 <= n[0] < 26 * 16]
        assert 1.5 <= len(body) / 24 <= 4.5, len(body) / 24
        rests = sum(1 for (t, d, _), (u, _, _) in zip(line, line[1:]) if u - (t + d) >= 4)
        assert rests >= 6, "phrases breathe: a beat or more of rest between them"
        for end in (10, 18, 26):  # a section's end always ends a phrase: its last beat starts no note
            assert not [n for n in line if end * 16 - 4 <= n[0] < end * 16], (end, line)
        a = {(t - 32, p) for t, _, p in line if 32 <= t < 160}
        a2 = {(t - 288, p) for t, _, p in line if 288 <= t < 416}
        assert len(a & a2) / max(len(a), 1) >= 0.3, "A's melody comes back in A2"
    assert lines[0] != lines[1]


def test_same_seed_same_notes(shipped):
    assert melody_write.write(shipped, _jobs()) == melody_write.write(shipped, _jobs())
