"""Same inputs and seed, same site byte for byte (MP3s included), wherever and however it is built."""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys

import pytest

import build_fixture as bf

EPOCH = 1_700_000_000  # 2023-11-14 22:13:20 UTC


@pytest.mark.slow
def test_two_cold_builds_in_different_places_give_the_same_bytes(tmp_path):
    """Other folders, other cwds, other hash seeds, 1 or 2 workers: not one byte moves, MP3s included."""
    stations = [bf.make_station(tmp_path / "a" / "station"), bf.make_station(tmp_path / "elsewhere" / "b" / "station")]
    runs = [subprocess.Popen([sys.executable, "-m", "lofipress.cli", "build", "--station", str(s / "station.toml"),
                              "--quiet", "--jobs", jobs], cwd=cwd, env={**os.environ, "PYTHONHASHSEED": seed},
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            for s, cwd, jobs, seed in zip(stations, (tmp_path, stations[1].parent), ("1", "2"), ("1", "4242"))]
    for run in runs:  # both at once: a long gap would let a code edit in a shared checkout change the stamp
        assert run.wait(timeout=300) == 0, run.stderr.read()
    a, b = (bf.tree_digest(bf.site_dir(s)) for s in stations)
    tracks = json.loads((bf.site_dir(stations[0]) / "manifest.json").read_text())["tracks"]
    segments = {seg["src"] for t in tracks for seg in t["audio"]["segments"]}
    assert len(segments) == 4 and segments <= set(a)  # 4 bars each: 2 bars first, then the other 2
    # 2 tracks and their segments, drums, ambience, quote, 3 sampler zones
    assert sum(rel.endswith(".mp3") for rel in a) == 8 + len(segments)
    assert bf.first_difference(a, b) is None, f"first differing file: {bf.first_difference(a, b)}"


def _shown_dates(site) -> set[str]:
    """Every date the site shows: the manifest's build date and the <time> elements of its pages."""
    import re

    dates = {json.loads((site / "manifest.json").read_text())["station"]["generated"]}
    for page in site.rglob("*.html"):
        dates |= set(re.findall(r'<time datetime="(\d{4}-\d\d-\d\d)">', page.read_text(encoding="utf-8")))
    return dates


def test_source_date_epoch_sets_the_date_the_site_shows(tmp_path, monkeypatch):
    station = bf.settled_copy(tmp_path / "station")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    before = bf.cache_state(station)
    assert bf.build(station)["rebuilt"]  # the date is an input of the site
    assert bf.remade(before, bf.cache_state(station)) == {}  # ...and of nothing else
    assert _shown_dates(bf.site_dir(station)) == {"2023-11-14"}


def test_without_source_date_epoch_the_date_is_the_models_not_the_clock(tmp_path, monkeypatch):
    """A build on any day shows the model card's date: copy the model, back-date its card, build."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    models = tmp_path / "models"
    shutil.copytree(bf.REPO / "models" / "default", models / "default")
    card = json.loads((models / "default" / "card.json").read_text())
    card["date"] = "2001-02-03"
    (models / "default" / "card.json").write_text(json.dumps(card))
    station = bf.copy_station(bf.golden(), tmp_path / "station")
    bf.write_station(station, model={"dir": str(models), "name": "default"})
    assert bf.build(station)["rebuilt"]
    assert _shown_dates(bf.site_dir(station)) == {"2001-02-03"} != {dt.date.today().isoformat()}
