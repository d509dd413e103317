"""bench build / bench scale work on a copy of the station: same music, a private cache and site."""
import tomllib
from pathlib import Path

from lofipress.station import config
from lofipress.bench import build

REPO = Path(__file__).resolve().parents[2]


def test_station_copy_reads_the_same_inputs_and_writes_only_in_its_folder(tmp_path):
    original = config.load(REPO / "station.toml")
    copy = config.load(build._copy_station(original, REPO / "station.toml", tmp_path, tracks=25, bars=8))
    assert copy.path(".cache").is_relative_to(tmp_path) and copy.path(copy.site.out_dir).is_relative_to(tmp_path)
    for section in ("corpus", "model", "pack"):
        assert copy.path(getattr(copy, section).dir) == original.path(getattr(original, section).dir)
    assert (copy.station.tracks, copy.station.bars) == (25, 8)
    assert copy.fx == original.fx and copy.sampling == original.sampling and copy.station.seed == original.station.seed


def test_station_copy_round_trips_through_toml(tmp_path):
    data = tomllib.loads((REPO / "station.toml").read_text())
    build._write_station(data, tmp_path / "s.toml")
    assert tomllib.loads((tmp_path / "s.toml").read_text()) == data
