"""`lofipress build --base-url`: where a site is published, as a Pages workflow knows it; social cards,
canonical links and the 404 page's way home become absolute, right at any depth."""
from __future__ import annotations

import re

import pytest

import build_fixture as bf
from lofipress import cli

BASE = "https://you.github.io/station"


@pytest.mark.slow
def test_base_url_makes_cards_canonical_links_and_the_404_absolute(tmp_path, capsys):
    station = bf.copy_station(bf.golden(), tmp_path / "station")
    site = station / "site"
    assert 'property="og:image" content="img/social.png"' in (site / "index.html").read_text(encoding="utf-8")
    assert cli.main(["build", "--station", str(station / "station.toml"), "--quiet", "--base-url", BASE + "/"]) == 0
    index = (site / "index.html").read_text(encoding="utf-8")
    assert f'property="og:image" content="{BASE}/img/social.png"' in index
    assert re.search(rf'<link rel="canonical" href="{re.escape(BASE)}/">', index)
    track = (site / "tracks" / "t01.html").read_text(encoding="utf-8")
    assert f'property="og:url" content="{BASE}/tracks/t01.html"' in track
    assert f'href="{BASE}/"' in (site / "404.html").read_text(encoding="utf-8")  # home from /station/a/b/missing too
    # the station file is unchanged: the command line only overrides
    assert "base_url" not in (station / "station.toml").read_text(encoding="utf-8")
    # an empty one (a workflow with no address to give) leaves the station's own setting alone
    assert cli.main(["build", "--station", str(station / "station.toml"), "--quiet", "--base-url", ""]) == 0
    assert 'property="og:image" content="img/social.png"' in (site / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "you.github.io/station", "https://x/" + "a" * 300])
def test_a_bad_base_url_is_one_line_exit_2(tmp_path, capsys, bad):
    station = bf.make_station(tmp_path / "st")
    assert cli.main(["build", "--station", str(station / "station.toml"), "--base-url", bad]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--base-url" in err[0] and "https://you.github.io/station" in err[0]
    assert not (station / "site").exists()
