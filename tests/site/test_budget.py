"""The site's cost: audio per kind said in one line, and `[site] max_mb` checked before the new site replaces the old."""
import dataclasses
import json

import pytest

from lofipress.site import budget
from lofipress import site
from lofipress.station import config
from lofipress.core.errors import SiteError
from site_fixture import make_press


def test_the_audio_line_says_what_each_kind_and_the_beds_cost(tmp_path):
    jobs = []
    for i, (kind, ref, bpm, size, parts) in enumerate([("track", "t01", 80, 2_000_000, [70_000, 90_000]),
                                                       ("ambience", "rain", 80, 1_000_000, []),
                                                       ("ambience", "rain", 84, 1_000_000, []),
                                                       ("ambience", "fire", 80, 500_000, [])]):
        meta = tmp_path / f"{i}.json"
        meta.write_text(json.dumps({"sealed": [size, 0, "x"], "sealed_parts": [[p, 0, "y"] for p in parts]}))
        jobs.append({"kind": kind, "ref": ref, "bpm": bpm, "meta": meta})
    jobs.append({"kind": "quote", "ref": "q", "meta": tmp_path / "missing.json"})  # not made: costs nothing yet
    line = budget.audio_cost_line(jobs)
    assert line == "audio 4.7 MB: ambience 2.5 MB, track 2.2 MB, quote 0.0 MB (ambience: 2 beds x 2 tempos)"


def test_a_site_over_its_budget_is_refused_and_the_last_one_stays(tmp_path):
    press = make_press(tmp_path / "press")
    out = tmp_path / "site"
    roomy = config.Station()
    site.write_site(roomy, press, out)
    before = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    tight = dataclasses.replace(roomy, site=dataclasses.replace(roomy.site, max_mb=0.01), root=str(tmp_path))
    with pytest.raises(SiteError) as err:
        site.write_site(tight, press, out)
    line = err.value.one_line()
    assert "over its budget site.max_mb = 0.01" in line and "station.toml" in line and "MB" in line
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site")]  # no half-made folder left


def test_a_budget_must_be_a_size(tmp_path):
    (tmp_path / "station.toml").write_text("[site]\nmax_mb = -5\n")
    with pytest.raises(config.ConfigError, match="site.max_mb"):
        config.load(tmp_path / "station.toml")
