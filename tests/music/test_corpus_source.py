"""The default corpus: its text source parses, the MIDI files are current, and it meets the quality targets."""
import importlib.util
import json
import statistics
import sys
from pathlib import Path

import pretty_midi
import pytest

from lofipress.music.chords import key_tonic_and_mode
from lofipress.music.metrics import TARGETS, piece_metrics

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("make_corpus", ROOT / "scripts" / "make_corpus.py")
make_corpus = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("make_corpus", make_corpus)  # dataclasses look their module up here
_spec.loader.exec_module(make_corpus)


@pytest.fixture(scope="module")
def loops():
    return make_corpus.build_loops()


@pytest.fixture(scope="module")
def metrics(loops):
    out = []
    for i, loop in enumerate(loops):
        keys, melody = make_corpus.realize(loop, seed=i)
        notes16 = [(t, d, p) for t, d, p, _ in keys + melody]
        out.append((piece_metrics(notes16, len(loop.bars)), piece_metrics(notes16, len(loop.bars), loop.key)))
    return out


def test_at_least_150_distinct_loops_over_all_keys(loops):
    assert len(loops) >= 150
    assert len({(lp.key, tuple(map(tuple, lp.bars))) for lp in loops}) == len(loops)
    tonics = {key_tonic_and_mode(lp.key) for lp in loops}
    assert {t for t, _ in tonics} == set(range(12))
    assert {m for _, m in tonics} == {False, True}
    assert all(4 <= len(lp.bars) <= 8 and 70 <= lp.tempo_bpm <= 90 for lp in loops)


def test_corpus_medians_meet_the_station_targets(metrics):
    estimated = [m for m, _ in metrics]
    given = [g for _, g in metrics]
    assert statistics.median(m["key_consistency"] for m in estimated) >= TARGETS["key_consistency_min"]
    assert statistics.median(m["key_consistency"] for m in given) >= TARGETS["key_consistency_min"]
    assert statistics.median(m["in_key"] for m in estimated) >= TARGETS["in_key_min"]
    assert statistics.median(m["in_key"] for m in given) >= TARGETS["in_key_min"]
    entropy = statistics.median(m["pc_entropy_bits"] for m in estimated)
    assert TARGETS["entropy_min"] <= entropy <= TARGETS["entropy_max"]
    assert 3.5 <= statistics.median(m["polyphony"] for m in estimated) <= 6.5


def test_midi_files_are_current_and_well_formed():
    assert make_corpus.main(["--check"]) == 0
    index = json.loads((ROOT / "corpus" / "index.json").read_text())
    assert sum(p.stat().st_size for p in (ROOT / "corpus").rglob("*") if p.is_file()) < 1_000_000
    name = sorted(index)[0]
    pm = pretty_midi.PrettyMIDI(str(ROOT / "corpus" / name))
    assert {i.name for i in pm.instruments} <= {"keys", "melody"}
    keys = next(i for i in pm.instruments if i.name == "keys")
    assert keys.program == 4 and all(48 <= n.pitch <= 72 for n in keys.notes)
    assert not any(i.is_drum for i in pm.instruments)
    assert pm.key_signature_changes and abs(pm.get_tempo_changes()[1][0] - index[name]["tempo_bpm"]) < 0.01
