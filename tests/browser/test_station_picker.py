"""A multi-station site in the browser: the picker, each station playing, the way back.

One real build of the shipped stations/ lineup (each station cut to 2 tracks, through the
build cache), plus a third station whose pack `lofipress pack import` drafted from the messy
third-party folder of tests/thirdparty_samples.py, served under a sub-path like a GitHub
Pages project site.
"""
from __future__ import annotations

import dataclasses
import functools
import json
import sys
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import ROOT, SUB_PATH, PageWatch, _Quiet, start_playing

TRACKS = 2  # per station: enough for a tempo range, few renders


def small(station):
    return dataclasses.replace(station, station=dataclasses.replace(station.station, tracks=TRACKS))


def third_party_station(work: Path):
    """A short station whose pack `lofipress pack import` drafted from a generated third-party folder."""
    from lofipress import cli
    from lofipress.station import config

    sys.path.insert(0, str(ROOT / "tests"))
    from thirdparty_samples import write_thirdparty_folder

    write_thirdparty_folder(work / "thirdparty")
    assert cli.main(["pack", "import", str(work / "thirdparty"), str(work / "samples" / "thirdparty")]) == 0
    station = config.from_dict({"station": {"name": "thirdparty", "title": "Third-party pack", "seed": 99, "bars": 8},
                                "loops": {"track_bars": 8}, "pack": {"name": "thirdparty", "dir": str(work / "samples")}},
                               work / "station.toml", root=ROOT)  # the repo's model and build cache
    return small(station)


@pytest.fixture(scope="module")
def multi_site(tmp_path_factory) -> Path:
    from lofipress.build import stations

    work = tmp_path_factory.mktemp("stations")
    lineup = stations.load_lineup(ROOT / "stations")
    chosen = [small(s) for s in lineup.stations]
    lineup = dataclasses.replace(lineup, stations=(*chosen, third_party_station(work)))
    out = work / "out" / "site"
    stations.build_all(lineup, out=str(out), quiet=True)
    return out


@pytest.fixture(scope="module")
def multi_url(multi_site, tmp_path_factory) -> str:
    root = tmp_path_factory.mktemp("serve-stations")
    (root / SUB_PATH).symlink_to(multi_site.resolve(), target_is_directory=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/{SUB_PATH}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)  # see conftest
    yield ctx.new_page()
    ctx.close()


def names(site: Path) -> list[str]:
    return json.loads((site / ".lofipress-build.json").read_text())["stations"]


def test_picker_lists_every_station_and_opens_one_by_keyboard(page, multi_site, multi_url):
    watch = PageWatch(page)
    page.goto(multi_url + "index.html")
    cards = page.locator(".station-card h2 a")
    assert cards.count() == len(names(multi_site)) >= 2
    for name in names(multi_site):
        title = json.loads((multi_site / name / "manifest.json").read_text())["station"]["title"]
        link = page.locator(f'.station-card h2 a[href="{name}/index.html"]')
        assert link.inner_text() == title
    for _ in range(6):  # skip link, site name, then the first card: one tab stop each
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('href')") == "default/index.html":
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**/default/index.html")
    assert watch.errors == [] and watch.failed == []


@pytest.mark.parametrize("name", ["default", "nightcap", "thirdparty"])
def test_each_station_plays_and_links_back(page, multi_site, multi_url, name):
    watch = PageWatch(page)
    page.goto(multi_url + "index.html")
    page.click(f'.station-card a[href="{name}/index.html"]')
    page.wait_for_function("window.lofipress && window.lofipress.manifest")
    m = page.evaluate("window.lofipress.manifest")
    assert m["station"]["name"] == name and m["station"]["home"] == "../index.html"
    state = start_playing(page, timeout_ms=60000)
    assert page.evaluate("Tone.getContext().rawContext.state") == "running"
    track = next(t for t in m["tracks"] if t["id"] == state["trackId"])
    assert page.evaluate("window.lofipress.transport.sampleRate") == track["audio"]["sample_rate"]
    first = (track["audio"].get("segments") or [track["audio"]])[0]  # the track starts with its first segment
    assert state["buffers"][first["src"]]["length"] == first["samples"]
    assert abs(state["bpm"] - track["bpm"]) < 1e-9
    assert watch.errors == [] and watch.failed == []  # before leaving: navigating away aborts the playing stream
    page.click("#home-link")
    page.wait_for_url(f"{multi_url}index.html")
    assert page.locator(".station-card").count() == len(names(multi_site))


def test_the_stations_differ_in_pack_preset_tempo_and_look(multi_site):
    default, night = (json.loads((multi_site / n / "manifest.json").read_text()) for n in ("default", "nightcap"))
    assert default["pack"]["name"] != night["pack"]["name"]
    assert default["station"]["fx_preset"] != night["station"]["fx_preset"]
    assert default["live_fx"] != night["live_fx"]  # the preset reaches the in-browser chain too
    tempos = [{t["bpm"] for t in m["tracks"]} for m in (default, night)]
    assert max(tempos[1]) < min(tempos[0])  # nightcap is slower than every default track
    assert default["look"]["palette"] != night["look"]["palette"] and night["look"]["background"] == "night"
