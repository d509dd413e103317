"""station.toml: defaults, unknown keys and wrong types named with the file, impossible values refused."""
import pytest

from lofipress.station import config
from lofipress.core.errors import ConfigError


def write(tmp_path, text):
    path = tmp_path / "station.toml"
    path.write_text(text)
    return path


def test_the_default_station_loads_and_every_missing_key_has_a_default(tmp_path):
    s = config.load(write(tmp_path, ""))
    assert s.station.bars == 30 and s.loops.drums_bars == 8 and s.loops.quote_at == "4:0:0"
    assert config.load("station.toml").station.name == "default"


@pytest.mark.parametrize("text, words", [
    ("[station]\ntrakcs = 3\n", ["station.trakcs", "did you mean 'tracks'"]),
    ("[sampling]\ntemperature = \"hot\"\n", ["sampling.temperature", "number"]),
    ("[station]\ntracks = 2.5\n", ["station.tracks", "whole number"]),
    ("[fxx]\npreset = \"dusty\"\n", ["[fxx]", "did you mean [fx]"]),
    ("[station]\ntracks = 0\n", ["station.tracks"]),
    ("[station]\ntempo_min_bpm = 0\n", ["station.tempo_min_bpm"]),
    ("[loops]\nbeats_per_bar = 3\n", ["loops.beats_per_bar", "4/4"]),
    ("[sampling]\ntop_p = 0\n", ["sampling.top_p"]),
    ("[fx]\npreset = \"loud\"\n", ["fx.preset"]),
    ("[station\nname = 1", ["not valid TOML"]),
    # a right-to-left override turns a title around in a tab or a list (Trojan Source)
    ('[station]\ntitle = "Rain \u202eevil.mp3"\n', ["station.title", "bidirectional control (U+202E)"]),
    ('[station]\ndescription = "a \u2066b"\n', ["station.description", "U+2066"]),
    ('[loops]\nquote_at = "99:99:99"\n', ["loops.quote_at", "beats 0-3"]),
    ('[loops]\nquote_at = "4:0:0:0"\n', ["loops.quote_at"]),
    ('[loops]\nquote_at = "9999:0:0"\n', ["loops.quote_at", "bars 0-256"]),
    ("[station]\nbars = 8\n[loops]\ntrack_bars = 30\n", ["loops.track_bars", "station.bars (8)"]),
])
def test_bad_station_files_name_the_file_and_the_key(tmp_path, text, words):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        config.load(path)
    line = err.value.one_line()
    assert str(path) in line and "\n" not in line
    for w in words:
        assert w in line


def test_missing_station_file_says_how_to_make_one(tmp_path):
    with pytest.raises(ConfigError, match="lofipress new"):
        config.load(tmp_path / "nope.toml")


def test_derived_seeds_are_stable_and_distinct():
    """Pinned values (sha256 of the JSON of the labels, 63 bits): the same on every machine, Python and run."""
    assert config.derive_seed(1234, "track", 0) == 1859039443564244878
    assert config.derive_seed(1234, "track", 0, 1) == 8801503454456041530  # a redraw is another seed
    assert len({config.derive_seed(1234, "track", i) for i in range(100)}) == 100


def test_cli_turns_a_bad_station_into_one_line_and_exit_2(tmp_path, capsys):
    from lofipress.cli import main

    path = write(tmp_path, "[station]\ncolour = 1\n")
    assert main(["eval", "--station", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "station.colour" in err and str(path) in err


def test_bars_alone_carries_the_track_loop_with_it(tmp_path):
    """`bars = 8` is a whole request: the track loops over its 8 bars (it was refused: track_bars stayed 30)."""
    station = config.load(write(tmp_path, "[station]\nbars = 8\n"))
    assert station.station.bars == station.loops.track_bars == 8


def test_emoji_with_joiners_and_the_latest_quote_time_are_fine(tmp_path):
    station = config.load(write(tmp_path, '[station]\ntitle = "night shift \U0001F469\u200d\U0001F4BB"\n'
                                          '[loops]\nquote_at = "256:3:3"\n'))
    assert station.station.title.endswith("\U0001F4BB") and station.loops.quote_at == "256:3:3"
