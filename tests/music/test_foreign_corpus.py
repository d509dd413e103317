"""A corpus nobody here wrote (Bach chorales from music21's bundled corpus) trains and composes songs, no code change."""
import dataclasses
import sys
from pathlib import Path

import pytest

from lofipress.station import config
from lofipress.music.compose import compose
from lofipress.station.config import ModelSettings
from lofipress.music.song import plan_sections

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))


@pytest.mark.slow
def test_bach_chorales_train_and_compose_songs_with_the_soprano_as_lead(tmp_path):
    from music21_corpus import main as export

    from lofipress.music.model import load
    from lofipress.music.train import train

    export(str(tmp_path / "bach"), 6)
    assert len(list((tmp_path / "bach").glob("*.mid"))) == 6
    lines = []
    card = train(tmp_path / "bach", tmp_path / "models" / "bach",
                 ModelSettings(epochs=2, units=32, embedding=16, seq_len=64, patience=10), log=lines.append)
    assert card["corpus"]["with_lead"] == 6 and not card["corpus"]["lead_from_skyline"]
    assert "melody parts in 6/6 pieces" in lines
    _, vocab, _ = load(tmp_path / "models" / "bach")
    assert vocab.has_lead and "sec:B" in vocab.index
    station = config.Station()
    station = dataclasses.replace(
        station, model=dataclasses.replace(station.model, dir=str(tmp_path / "models"), name="bach"),
        sampling=dataclasses.replace(station.sampling, max_redraws=0))
    songs = compose(station, 2, log=lambda *_: None)
    for song in songs:
        assert song.piece.sections == plan_sections("song", 30)
        assert song.parts["bass"] and song.parts["keys"]
