"""A corpus of bare chord loops (no lead line anywhere, as most producers' MIDI packs) still gives songs a melody."""
import dataclasses
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lofipress.music import compose as compose_mod
from lofipress.music.corpus import load_corpus
from lofipress.music.melody_model import MELODY_FILE
from lofipress.station import config
from lofipress.station.settings import ModelSettings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_a_corpus_of_bare_chord_loops_composes_songs_with_a_melody(tmp_path):
    if importlib.util.find_spec("tensorflow") is None:
        pytest.skip("training needs TensorFlow")
    from lofipress.music.train import train

    corpus = tmp_path / "loops"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "leadless_corpus.py"), str(corpus)], check=True,
                   capture_output=True)
    for extra in sorted(corpus.iterdir())[40:]:  # a small corpus: a test, not a station
        extra.unlink()
    pieces, report = load_corpus(corpus)
    assert sum(1 for p in pieces if p.lead) <= 2, "the leads were stripped (a lone line may still read as one)"
    out = tmp_path / "models" / "bare"
    train(corpus, out, ModelSettings(epochs=5, units=96, embedding=32, seq_len=96, patience=10), seed=3,
          log=lambda *_: None, melody=False)
    shutil.copyfile(ROOT / "models" / "default" / MELODY_FILE, out / MELODY_FILE)
    st = config.load(ROOT / "station.toml")
    st = dataclasses.replace(st, model=dataclasses.replace(st.model, dir=str(tmp_path / "models"), name="bare"),
                             sampling=dataclasses.replace(st.sampling, max_redraws=0))
    songs = compose_mod.compose(st, 6, log=lambda *_: None)
    for s in songs:
        m = s.metrics
        assert m["has_melody"], (s.id, s.failures)
        assert 1.5 <= m["notes_per_bar"] <= 4.5 and m["melody_on_keys_share"] <= 0.5, (s.id, m["notes_per_bar"])
    # One draw each, over keys from five epochs of training: what the melody does is asked of every song, how
    # well it sits on chords a half-trained keys model writes, of the songs taken together.
    assert np.median([s.metrics["chord_tone_strong"] for s in songs]) >= 0.73
    assert min(s.metrics["melody_in_key"] for s in songs) >= 0.86
