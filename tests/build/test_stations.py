"""Several stations in one site: layout, picker links, back links, all-or-nothing swap, errors.

`stations.build_all` runs on two tiny stations with a fake per-station build (site.write_site
on tests/site_fixture.py's press), so these tests take a second; the browser test
(tests/browser/test_station_picker.py) builds real stations.
"""
from __future__ import annotations

import dataclasses
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from lofipress.station import config
from lofipress import site
from lofipress.build import stations
from lofipress.core.errors import ConfigError, PackError, SiteError
from site_fixture import make_press

ROOT = Path(__file__).resolve().parents[2]


def write_station(folder: Path, name: str, title: str, tempo: tuple[int, int], palette: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "station.toml"
    path.write_text(f'[station]\nname = "{name}"\ntitle = "{title}"\ntracks = 2\n'
                    f"tempo_min_bpm = {tempo[0]}\ntempo_max_bpm = {tempo[1]}\n"
                    f"[site]\npalette = {json.dumps(palette)}\n")
    return path


@pytest.fixture(scope="module")
def press(tmp_path_factory):
    return make_press(tmp_path_factory.mktemp("press"), track_bars=4)


@pytest.fixture
def lineup(tmp_path) -> stations.Lineup:
    folder = tmp_path / "stations"
    write_station(folder / "b-night", "night", "Night <shift>", (62, 70), ["#0f1a2b", "#e8e4d8", "#d4a373", "#7fb7be"])
    write_station(folder / "a-day", "day", "Day", (72, 86), ["#1d1b2c", "#f2d6b3", "#e07a5f", "#81b29a"])
    return stations.load_lineup(folder)


class FakeBuild:
    """Stands in for pipeline.build: writes a fake press's site and a stamp, skips when the stamp matches."""

    def __init__(self, press: dict, fail: str = ""):
        self.press, self.fail, self.written = press, fail, []

    def __call__(self, station, force=False, jobs=0, quiet=False, out=None) -> dict:
        if station.station.name == self.fail:
            raise PackError("pack.toml not found", "samples/missing/pack.toml", "is this a pack folder?")
        out = Path(out)
        key = json.dumps([station.station.title, station.site.home_url])
        stamp = out / stations.STAMP
        if stamp.is_file() and json.loads(stamp.read_text())["key"] == key:
            return {"dir": str(out), "rebuilt": False}
        site.write_site(station, self.press, out)
        stamp.write_text(json.dumps({"made_by": "lofipress", "key": key}))
        self.written.append(station.station.name)
        return {"dir": str(out), "rebuilt": True}


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: dict[str, str] = {}  # href -> link text or id
        self._open = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self._open = a["href"]
            self.hrefs[a["href"]] = a.get("id") or ""

    def handle_data(self, data):
        if self._open and data.strip():
            self.hrefs[self._open] = self.hrefs[self._open] or data.strip()
            self._open = None


def links(page: Path) -> dict[str, str]:
    parser = Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.hrefs


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_lineup_without_index_takes_every_station_folder_by_name(lineup):
    assert [s.station.name for s in lineup.stations] == ["day", "night"]  # a-day/ before b-night/


def test_one_site_with_a_picker_and_a_sub_site_per_station(lineup, press, tmp_path):
    out = tmp_path / "out"
    stations.build_all(lineup, out=str(out), build=FakeBuild(press), quiet=True)
    for name in ("day", "night"):
        manifest = json.loads((out / name / "manifest.json").read_text())
        assert manifest["station"]["name"] == name and manifest["station"]["home"] == "../index.html"
    picker = out / "index.html"
    hrefs = links(picker)
    assert hrefs["day/index.html"] == "Day" and hrefs["night/index.html"] == "Night <shift>"  # escaped, then parsed
    for href in (h for h in hrefs if not h.startswith("#")):  # every link is relative and resolves in the site
        assert "://" not in href and not href.startswith("/") and (out / href).is_file(), href
    html = picker.read_text()
    assert "Night &lt;shift&gt;" in html and "80–84 BPM" in html
    look = (out / "look.css").read_text()  # each card in its station's colours, from a stylesheet (the CSP)
    assert '.station-card[data-station="night"] { --bg: #0f1a2b' in look and 'data-station="night"' in html
    assert (out / "style.css").is_file() and (out / stations.STAMP).is_file()


def test_every_station_page_links_back_to_the_picker(lineup, press, tmp_path):
    out = tmp_path / "out"
    stations.build_all(lineup, out=str(out), build=FakeBuild(press), quiet=True)
    for page in [out / "night" / "index.html", out / "night" / "about.html", *(out / "night" / "tracks").glob("*.html")]:
        back = [href for href, text in links(page).items() if text == "home-link"]
        assert len(back) == 1 and (page.parent / back[0]).resolve() == (out / "index.html").resolve(), page


def test_a_single_station_build_has_no_back_link(press, tmp_path):
    site.write_site(config.Station(), press, tmp_path / "single")
    assert "home-link" not in (tmp_path / "single" / "index.html").read_text()


def test_a_failing_station_leaves_the_previous_site_whole(lineup, press, tmp_path):
    out = tmp_path / "out"
    stations.build_all(lineup, out=str(out), build=FakeBuild(press), quiet=True)
    before = snapshot(out)
    renamed = dataclasses.replace(lineup.stations[0], station=dataclasses.replace(lineup.stations[0].station,
                                                                                   title="Day, renamed"))
    changed = dataclasses.replace(lineup, stations=(renamed, lineup.stations[1]))
    with pytest.raises(PackError):  # station 1 rebuilt fine, then station 2 failed
        stations.build_all(changed, out=str(out), build=FakeBuild(press, fail="night"), quiet=True)
    assert snapshot(out) == before  # not a mix: the renamed day station is not there either
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "stations"]  # no staging folder left


def test_unchanged_stations_are_not_rewritten_and_bytes_repeat(lineup, press, tmp_path):
    out = tmp_path / "out"
    first = FakeBuild(press)
    stations.build_all(lineup, out=str(out), build=first, quiet=True)
    before = snapshot(out)
    again = FakeBuild(press)
    stations.build_all(lineup, out=str(out), build=again, quiet=True)
    assert first.written == ["day", "night"] and again.written == []  # the previous build was carried over
    assert snapshot(out) == before
    stations.build_all(lineup, out=str(tmp_path / "other"), build=FakeBuild(press), quiet=True)
    assert snapshot(tmp_path / "other") == before  # deterministic: a fresh build gives the same bytes


def test_a_folder_lofipress_did_not_make_is_refused_before_building(lineup, press, tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    builder = FakeBuild(press)
    with pytest.raises(SiteError, match="not made by lofipress"):
        stations.build_all(lineup, out=str(tmp_path / "mine"), build=builder, quiet=True)
    assert builder.written == [] and (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def test_two_stations_with_one_name_is_a_config_error(tmp_path):
    write_station(tmp_path / "s" / "one", "same", "One", (70, 80), ["#000", "#fff", "#f00", "#0f0"])
    second = write_station(tmp_path / "s" / "two", "same", "Two", (70, 80), ["#000", "#fff", "#f00", "#0f0"])
    with pytest.raises(ConfigError) as err:
        stations.load_lineup(tmp_path / "s")
    assert err.value.path == str(second) and "same" in err.value.message and "[station] name" in err.value.fix


@pytest.mark.parametrize("index, message", [
    ('stations = "one/station.toml"\n', "'stations' must be a list"),
    ('title = "x"\nout = "site"\n', "unknown key 'out'"),
    ('stations = ["missing/station.toml"]\n', "station file not found"),
])
def test_a_bad_stations_index_names_the_file_and_key(tmp_path, index, message):
    (tmp_path / "stations.toml").write_text(index)
    write_station(tmp_path / "one", "one", "One", (70, 80), ["#000", "#fff", "#f00", "#0f0"])
    with pytest.raises(ConfigError) as err:
        stations.load_lineup(tmp_path)
    assert message in err.value.message and err.value.path.endswith(".toml")


def test_an_empty_folder_says_what_to_add(tmp_path):
    with pytest.raises(ConfigError, match="no stations"):
        stations.load_lineup(tmp_path)


def test_the_shipped_stations_differ_in_pack_preset_tempo_and_look():
    lineup = stations.load_lineup(ROOT / "stations")
    default, night = lineup.stations
    assert default.root == str(ROOT) and default == config.load(ROOT / "station.toml")  # one copy of its settings
    assert default.pack.name != night.pack.name and default.fx.preset != night.fx.preset
    assert night.station.tempo_max_bpm < default.station.tempo_min_bpm  # no tempo in common
    assert default.site.palette != night.site.palette and night.site.background == "night"
    assert (night.path(night.pack.dir) / night.pack.name / "pack.toml").is_file()
    assert stations.is_stations_folder(ROOT / "stations") and not stations.is_stations_folder(ROOT / "stations/nightcap")
