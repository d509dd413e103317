"""manifest.json against the contract in docs/manifest.md, with a small schema checker."""
from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path

import pytest

from lofipress.station import config
from lofipress.site import manifest as mf
from lofipress import site
from lofipress.core.errors import SiteError
from site_fixture import make_press


SRC = "src"  # a relative URL of a file in the site
BARS = re.compile(r"^\d+m$")
BBS = re.compile(r"^\d+:\d+:\d+$")
DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})?$")
AUDIO = {"src": SRC, "samples": int}
BY_BPM = {"*": AUDIO}  # "*": a mapping whose every value has this shape
SECTIONS = [{"name": ("intro", "A", "B", "A2", "outro"), "first_bar": int, "bars": int,
             "start": re.compile(r"^\d+:0:0$")}]
SEGMENTS = [{"src": SRC, "first_bar": int, "bars": int, "start_samples": int, "samples": int}]
SCHEMA = {
    "version": int,
    "station": {"name": str, "title": str, "description": str, "seed": int, "model": str, "generated": DATE,
                "fx_preset": ("dusty", "tape", "muffled", "clean"), "home": str},
    "look": {"palette": [str, str, str, str], "font": str, "heading_font": str,
             "background": ("calm", "rain", "fire", "wind", "water", "night")},
    "loops": {"drums": BARS, "ambience": BARS, "track": BARS, "quote_at": BBS, "beats_per_bar": int},
    "live_fx": {"lowpass_hz": float, "bit_depth": int, "noise_db": float, "wow_cents": float},
    "levels": {"track_lufs": float, "drums_lufs": float, "ambience_lufs": float, "quote_lufs": float},
    "pack": {"name": str, "license": str},
    "tracks": [{"id": str, "title": str, "kind": "ai", "bpm": int, "key": str, "bars": int, "seed": int,
                "model": str, "draws": int, "audio": {"src": SRC, "samples": int, "sample_rate": int, "segments": SEGMENTS},
                "notes": SRC, "midi": SRC, "page": SRC,
                "sections": SECTIONS, "breaks": [int]}],
    "songs": [{"id": str, "title": str, "kind": "live", "bpm": int, "key": str, "bars": int,
               "notes": SRC, "midi": SRC, "sections": SECTIONS, "breaks": [int]}],
    "sampler": {"*": {"*": SRC}},
    "drums": [{"id": str, "title": str, "bars": int, "by_bpm": BY_BPM}],
    "ambience": [{"id": str, "title": str, "visual": str, "bars": int, "by_bpm": BY_BPM}],
    "quotes": [{"id": str, "text": str, "speaker": str, "src": SRC, "samples": int}],
    "credits": [{"file": str, "title": str, "author": str, "source": str, "license": str}],
}
NOTES_SCHEMA = {"bpm": int, "bars": int, "notes": [[float, float, int, int, ("keys", "melody", "bass")]]}


def check(value, schema, site_dir: Path, where: str = "manifest") -> None:
    """Assert that value has the shape of schema; SRC strings must name a file in site_dir."""
    if schema is SRC:
        assert isinstance(value, str) and value and not value.startswith(("/", "http")), f"{where}: {value!r}"
        assert "#" not in value and "\\" not in value and (site_dir / value).is_file(), f"{where}: {value}"
    elif schema is float:
        assert isinstance(value, (int, float)) and not isinstance(value, bool), f"{where}: {value!r}"
    elif isinstance(schema, type):
        assert type(value) is schema, f"{where}: {value!r} is not {schema.__name__}"
    elif isinstance(schema, re.Pattern):
        assert isinstance(value, str) and schema.match(value), f"{where}: {value!r}"
    elif isinstance(schema, tuple):
        assert value in schema, f"{where}: {value!r} not in {schema}"
    elif isinstance(schema, str):
        assert value == schema, f"{where}: {value!r} != {schema!r}"
    elif isinstance(schema, list):
        assert isinstance(value, list), f"{where}: not a list"
        if len(schema) == 1:
            for i, item in enumerate(value):
                check(item, schema[0], site_dir, f"{where}[{i}]")
        else:
            assert len(value) == len(schema), f"{where}: {len(value)} items, want {len(schema)}"
            for i, (item, sub) in enumerate(zip(value, schema)):
                check(item, sub, site_dir, f"{where}[{i}]")
    elif isinstance(schema, dict) and "*" in schema:
        assert isinstance(value, dict) and value, f"{where}: empty or not an object"
        for key, item in value.items():
            assert isinstance(key, str), f"{where}: key {key!r}"
            check(item, schema["*"], site_dir, f"{where}.{key}")
    elif isinstance(schema, dict):
        assert isinstance(value, dict), f"{where}: not an object"
        assert set(value) == set(schema), f"{where}: keys {sorted(set(value) ^ set(schema))} differ"
        for key, sub in schema.items():
            check(value[key], sub, site_dir, f"{where}.{key}")
    else:
        raise TypeError(schema)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    press = make_press(tmp_path_factory.mktemp("press"), track_bars=8)
    out = tmp_path_factory.mktemp("site") / "site"
    site.write_site(config.Station(), press, out)
    return press, out, json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def test_manifest_matches_the_schema(built):
    _, out, m = built
    check(m, SCHEMA, out)
    assert m["version"] == mf.VERSION
    for t in m["tracks"] + m["songs"]:  # the sections tile the track, in order, and breaks fall inside it
        assert t["sections"], t["id"]
        assert [s["first_bar"] for s in t["sections"]] == [sum(x["bars"] for x in t["sections"][:i])
                                                             for i in range(len(t["sections"]))]
        assert sum(s["bars"] for s in t["sections"]) == t["bars"]
        assert all(0 <= b < t["bars"] for b in t["breaks"])


def test_check_catches_a_wrong_shape(built):
    _, out, m = built
    bad = copy.deepcopy(m)
    bad["tracks"][0]["audio"]["src"] = "audio/tracks/nope.mp3"
    with pytest.raises(AssertionError, match="nope.mp3"):
        check(bad, SCHEMA, out)
    bad = copy.deepcopy(m)
    bad["loops"]["drums"] = "16"  # seconds, not bars: the bug DESIGN.md warns about
    with pytest.raises(AssertionError, match="loops.drums"):
        check(bad, SCHEMA, out)


def test_loops_are_bars_from_the_station(built):
    m = built[2]
    assert m["loops"] == {"drums": "8m", "ambience": "12m", "track": "30m", "quote_at": "4:0:0", "beats_per_bar": 4}


def test_every_track_tempo_has_every_loop(built):
    m = built[2]
    for kind in ("drums", "ambience"):
        for loop in m[kind]:
            assert {str(t["bpm"]) for t in m["tracks"]} <= set(loop["by_bpm"]), loop["id"]


def test_sample_counts_and_notes_files(built):
    press, out, m = built
    for t, raw in zip(m["tracks"], press["tracks"]):
        assert t["audio"]["samples"] == raw["samples"] == round(t["bars"] * 4 * 60 * 44100 / t["bpm"])
        notes = json.loads((out / t["notes"]).read_text())
        check(notes, NOTES_SCHEMA, out, t["notes"])
        assert len(notes["notes"]) == len(raw["notes"]) and notes["bpm"] == t["bpm"]
    for s in m["songs"]:
        check(json.loads((out / s["notes"]).read_text()), NOTES_SCHEMA, out, s["notes"])
    for pitch in m["sampler"]["keys"]:
        assert pitch.isdigit() and 0 <= int(pitch) <= 127


def test_segments_tile_each_track_at_its_bar_lines(built):
    """In order, end to end, on the bar lines of the track's sections, adding up to its samples."""
    _, out, m = built
    for t in m["tracks"]:
        segs, rate = t["audio"]["segments"], t["audio"]["sample_rate"]
        assert [s["first_bar"] for s in segs] == [sum(x["bars"] for x in segs[:i]) for i in range(len(segs))]
        assert sum(s["bars"] for s in segs) == t["bars"]
        assert [s["start_samples"] for s in segs] == [round(s["first_bar"] * 4 * 60 / t["bpm"] * rate) for s in segs]
        assert [s["start_samples"] + s["samples"] for s in segs] == [s["start_samples"] for s in segs[1:]] + [
            t["audio"]["samples"]]
        assert {s["first_bar"] for s in t["sections"]} <= {s["first_bar"] for s in segs}  # every section starts one
        assert len({s["src"] for s in segs}) == len(segs) and t["audio"]["src"] not in {s["src"] for s in segs}


def test_segments_that_do_not_tile_are_a_site_error(built, tmp_path):
    for damage in ({"samples": 1}, {"start_samples": 1}):
        press = copy.deepcopy(built[0])
        press["tracks"][1]["segments"][-1].update(damage)
        with pytest.raises(SiteError, match="t02.*segments do not tile"):
            site.write_site(config.Station(), press, tmp_path / "site")


def test_a_missing_segment_file_is_a_site_error(built, tmp_path):
    press, out, _ = built
    lost = copy.deepcopy(press)
    lost["tracks"][0]["segments"][1]["mp3"] = tmp_path / "gone.mp3"
    with pytest.raises(SiteError, match="audio/tracks/t01/1.mp3"):  # the cache lost it: nothing is written
        site.write_site(config.Station(), lost, tmp_path / "site")
    shutil.copytree(out, tmp_path / "copy")
    (tmp_path / "copy" / "audio" / "tracks" / "t02" / "0.mp3").unlink()
    with pytest.raises(SiteError, match="missing file.*audio/tracks/t02/0.mp3"):  # every src is checked
        mf.build_manifest(config.Station(), press, tmp_path / "copy", "")


def test_iter_srcs_names_every_copied_file(built):
    _, out, m = built
    srcs = set(mf.iter_srcs(m))
    copied = {p.relative_to(out).as_posix() for d in ("audio", "midi", "notes") for p in (out / d).rglob("*")
              if p.is_file()}
    assert copied <= srcs


def test_missing_tempo_render_is_a_site_error(built, tmp_path):
    press = copy.deepcopy(built[0])
    del press["drums"][1]["by_bpm"][84]
    with pytest.raises(SiteError, match="brushes.*84 BPM"):
        site.write_site(config.Station(), press, tmp_path / "site")


def test_a_missing_src_is_a_site_error(built, tmp_path):
    press, out, m = built
    (tmp_path / "notes").mkdir()
    with pytest.raises(SiteError, match="missing file"):
        mf.build_manifest(config.Station(), press, tmp_path, "")


def test_json_is_deterministic_text():
    assert mf.dump_json({"b": 1, "a": [1.5, "é"]}) == '{"a":[1.5,"é"],"b":1}\n'
    assert mf.bpm_label(80) == mf.bpm_label(80.0) == "80" and mf.bpm_label(80.5) == "80.5"


def test_whole_float_tempos_are_written_as_integers(built, tmp_path):
    press = copy.deepcopy(built[0])
    for t in press["tracks"]:
        t["bpm"] = float(t["bpm"])  # the pipeline's tempo_bpm may be a float
    site.write_site(config.Station(), press, tmp_path / "site")
    m = json.loads((tmp_path / "site" / "manifest.json").read_text())
    assert [t["bpm"] for t in m["tracks"]] == [80, 84] and type(m["tracks"][0]["bpm"]) is int
    assert json.loads((tmp_path / "site" / "notes" / "t01.json").read_text())["bpm"] == 80
    assert "80.0" not in (tmp_path / "site" / "index.html").read_text()


def test_a_song_may_not_reuse_a_track_id(built, tmp_path):
    press = copy.deepcopy(built[0])
    press["songs"][0]["id"] = "t01"
    with pytest.raises(SiteError, match="also a track id"):
        site.write_site(config.Station(), press, tmp_path / "site")
