"""`lofipress new DIR`: a station folder that lists every setting, loads, checks and builds as it is."""
import dataclasses
import json
import re
import tomllib
from pathlib import Path

import pytest

from lofipress.station import config
from lofipress import packs
from lofipress.cli import scaffold
from lofipress.cli import main


def settings_in(text: str) -> dict[str, dict[str, str]]:
    """section -> {key: the line's value text}, counting commented-out defaults ("# key = value")."""
    out, section = {}, None
    for line in text.splitlines():
        if m := re.match(r"^\[(\w+)\]$", line):
            section = out.setdefault(m.group(1), {})
        elif section is not None and (m := re.match(r"^(?:# )?(\w+) = (.*?)(?:\s+# .*)?$", line)):
            section[m.group(1)] = m.group(2)
    return out


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("stations") / "Night Shift"
    scaffold.scaffold(folder)
    return folder


def test_station_toml_lists_every_config_field_with_its_default_and_reason(made):
    text = (made / "station.toml").read_text(encoding="utf-8")
    listed = settings_in(text)
    for section in dataclasses.fields(config.Station):
        if section.name == "root":
            continue
        cls = type(getattr(config.Station(), section.name))
        assert set(listed[section.name]) == {f.name for f in dataclasses.fields(cls)}, section.name
        reasons = scaffold.field_reasons(cls)
        assert all(reasons[f.name] for f in dataclasses.fields(cls)), f"a [{section.name}] field has no reason"
    # The commented defaults are the real ones: uncommenting every line gives a valid file equal to the defaults.
    data = tomllib.loads(re.sub(r"(?m)^# (\w+ = )", r"\1", text))
    uncommented = config.from_dict(data, made / "station.toml")
    chosen = {"name", "title", "seed", "mood"}
    assert {f.name: getattr(uncommented.station, f.name) for f in dataclasses.fields(config.StationMeta)
            if f.name not in chosen} == {f.name: getattr(config.StationMeta(), f.name)
                                         for f in dataclasses.fields(config.StationMeta) if f.name not in chosen}
    assert uncommented.sampling == config.SamplingSettings() and uncommented.master == config.MasterSettings()


def test_new_station_loads_with_its_own_pack_and_the_builtin_model(made):
    s = config.load(made / "station.toml")
    assert s.station.name == "night-shift" and s.station.mood
    pack_dir = s.path(s.pack.dir) / s.pack.name
    assert pack_dir.is_relative_to(made.resolve())
    model_dir = s.path(s.model.dir) / s.model.name
    assert (model_dir / "vocab.json").is_file() and (model_dir / "card.json").is_file()
    pack = packs.load_pack(pack_dir)
    assert pack.instruments and pack.kit and pack.patterns and pack.credits
    assert all(f.is_relative_to(pack_dir) for f in packs.zone_files(pack))
    assert "site/" in (made / ".gitignore").read_text() and ".cache/" in (made / ".gitignore").read_text()
    assert "lofipress train --corpus corpus" in (made / "corpus" / "README.md").read_text()


def test_the_station_folder_wins_over_the_builtin_model_and_an_explicit_dir_is_kept(tmp_path):
    (tmp_path / "models" / "default").mkdir(parents=True)
    own = config.load(_station(tmp_path, ""))
    assert own.path(own.model.dir) == (tmp_path / "models").resolve()
    elsewhere = tmp_path / "b"
    elsewhere.mkdir()
    builtin = config.load(_station(elsewhere, ""))
    assert builtin.path(builtin.model.dir) == config.INSTALL_ROOT / "models"
    kept = config.load(_station(elsewhere, '[model]\ndir = "mine"\n'))
    assert kept.path(kept.model.dir) == (elsewhere / "mine").resolve()


def _station(folder: Path, text: str) -> Path:
    (folder / "station.toml").write_text(text)
    return folder / "station.toml"


def test_scaffolding_is_deterministic(made, tmp_path):
    again = tmp_path / "Night Shift"
    scaffold.scaffold(again)
    for rel in ("station.toml", "samples/starter/pack.toml", "README.md", "corpus/README.md"):
        assert (again / rel).read_bytes() == (made / rel).read_bytes(), rel


def test_new_refuses_a_folder_that_is_not_empty_in_one_line(tmp_path, capsys):
    (tmp_path / "keep.txt").write_text("mine")
    assert main(["new", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(tmp_path) in err and "not an empty folder" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["new", str(empty)]) == 0 and (empty / "station.toml").is_file()


@pytest.mark.slow
def test_new_station_builds_as_it_is(made, tmp_path):
    from lofipress.build import pipeline

    s = config.load(made / "station.toml")
    s = dataclasses.replace(s, station=dataclasses.replace(s.station, tracks=2, bars=8),
                            loops=dataclasses.replace(s.loops, track_bars=8))
    out = tmp_path / "site"
    pipeline.build(s, quiet=True, out=str(out))
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["tracks"]) == 2
    assert all((out / t["audio"]["src"]).is_file() and (out / t["midi"]).is_file() for t in manifest["tracks"])
    assert {c["file"] for c in manifest["credits"]} >= {"keys/", "kit/"}
