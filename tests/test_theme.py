"""A station's own templates/ and static/ come before lofipress's (as layouts/ and static/ do in Hugo and Zola):
a file of the same name replaces the built-in one, a new one is added, and changing either rebuilds the site."""
from __future__ import annotations

import pytest

import build_fixture as bf
from lofipress import cli, resources


@pytest.mark.slow
def test_a_station_s_own_templates_and_static_files_win_and_rebuild_the_site(tmp_path, capsys):
    station = bf.copy_station(bf.golden(), tmp_path / "station")
    site = station / "site"
    built_in_css = (resources.STATIC / "style.css").read_bytes()
    assert (site / "static" / "style.css").read_bytes() == built_in_css

    (station / "templates").mkdir()
    about = (resources.TEMPLATES / "about.html").read_text(encoding="utf-8")
    marker = "<p>Pressed in my kitchen.</p>"
    (station / "templates" / "about.html").write_text(about.replace("</main>", f"{marker}</main>", 1),
                                                      encoding="utf-8")
    (station / "static").mkdir()
    (station / "static" / "style.css").write_bytes(built_in_css + b"\nbody { letter-spacing: 0.01em; }\n")
    (station / "static" / "extra.txt").write_text("mine")
    assert cli.main(["build", "--station", str(station / "station.toml"), "--quiet"]) == 0
    assert "site unchanged" not in capsys.readouterr().out  # the station's files are part of the site's key
    assert marker in (site / "about.html").read_text(encoding="utf-8")
    assert marker not in (site / "index.html").read_text(encoding="utf-8")  # the rest stays built-in
    assert (site / "static" / "style.css").read_bytes().endswith(b"letter-spacing: 0.01em; }\n")
    assert (site / "static" / "extra.txt").read_text() == "mine"
    assert (site / "static" / "player" / "main.js").read_bytes() == (resources.STATIC / "player" / "main.js").read_bytes()

    (station / "templates" / "about.html").unlink()  # taken away: the built-in page is back
    assert cli.main(["build", "--station", str(station / "station.toml"), "--quiet"]) == 0
    assert marker not in (site / "about.html").read_text(encoding="utf-8")
