"""Every TOML file lofipress writes reads back as the data it was made from (one writer: tomli-w)."""
import tomllib

import pytest

from lofipress.station import config
from lofipress.cli import scaffold
from lofipress.core import tomlfile
from lofipress.packs.write import PATTERNS, kit_patterns, pack_toml

ODD = {  # what the hand-made writers got wrong: a spaced key, a DEL, a None, quotes, a newline
    "name": "odd \x7f \"quoted\" é\nline",
    "a key with spaces": 1.5,
    "unset": None,
    "credits": [{"file": "keys/", "title": "t\x7f", "author": None, "license": "CC0-1.0"}],
    "patterns": {"a pattern \"quoted\"": {"title": "é ü", "bars": 1, "swing": 0.5, "flag": True}},
}


def test_odd_keys_and_values_round_trip_and_none_is_left_out():
    text = tomlfile.dumps(ODD, ["# made by a test"])
    assert text.startswith("# made by a test\n")
    back = tomllib.loads(text)
    assert back == tomlfile.without_none(ODD)
    assert "unset" not in back and "author" not in back["credits"][0]


def test_one_line_assignments_read_back_and_refuse_what_is_not_a_value():
    for key, value in [("keys", ("C", "Am")), ("a b", "\x7f,]"), ("nested", [[1, 2], [3]]), ("empty", []),
                       ("palette", ["#1d1b2c", "#f2d6b3"]), ("on", False)]:
        line = tomlfile.assignment(key, value)
        assert "\n" not in line
        assert tomllib.loads(line) == {key: list(value) if isinstance(value, tuple) else value}
    for bad in (None, {"a": 1}, {1, 2}):
        with pytest.raises(ValueError):
            tomlfile.assignment("k", bad)


def test_a_nan_is_refused_rather_than_written_unreadable():
    with pytest.raises(ValueError):
        tomlfile.dumps({"gain_db": float("nan")})


def test_pack_toml_reads_back_as_the_pack_it_describes():
    """pack import, SoundFont import and scripts/make_pack.py all write through pack_toml."""
    default = tomllib.loads((config.INSTALL_ROOT / "samples" / "default" / "pack.toml").read_text(encoding="utf-8"))
    instruments = {role: table["zones"] for role, table in default["instruments"].items()}
    gains = {role: table.get("gain_db", 0.0) for role, table in default["instruments"].items()}
    gains["a role"] = -2.5
    instruments["a role"] = [{"file": "odd name\x7f.flac", "root": 60}]
    text = pack_toml(["# a comment"], "pack \"odd\"", default["license"], default["credits"], default["quotes"],
                     default["ambience"], default.get("drum_loops", []), instruments, default["kit"],
                     kit_patterns(default["kit"]), gains)
    back = tomllib.loads(text)
    assert back["name"] == "pack \"odd\"" and back["credits"] == default["credits"]
    assert back["quotes"] == default["quotes"] and back["ambience"] == default["ambience"]
    assert {r: t["zones"] for r, t in back["instruments"].items()} == instruments
    assert back["instruments"]["a role"]["gain_db"] == -2.5
    assert back["kit"] == default["kit"]
    assert set(back["patterns"]) <= set(PATTERNS)
    for pid, pattern in back["patterns"].items():
        assert pattern["title"] == PATTERNS[pid][0] and pattern["bars"] == 1


def test_every_line_of_a_new_station_file_reads_back_commented_or_not():
    """`lofipress new` writes each default as "# key = value": uncommented, every one is valid TOML."""
    text = scaffold.station_toml({"station": {"title": "odd \x7f \"title\"", "keys": ("C", "Am")}})
    data = tomllib.loads(text)
    assert data["station"]["title"] == "odd \x7f \"title\"" and data["station"]["keys"] == ["C", "Am"]
    uncommented = "\n".join(line[2:] if line.startswith("# ") and " = " in line.split("#")[1] else line
                            for line in text.splitlines())
    every = tomllib.loads(uncommented)
    defaults = config.Station()
    for section, table in every.items():
        for key, value in table.items():
            expected = getattr(getattr(defaults, section), key)
            if section == "station" and key in ("title", "keys"):
                continue
            assert value == (list(expected) if isinstance(expected, tuple) else expected), (section, key)
