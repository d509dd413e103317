"""`lofipress clean` removes what lofipress made (the cache, a stamped site) and nothing else."""
from __future__ import annotations

import pytest

import build_fixture as bf
from lofipress import cli


@pytest.mark.slow
def test_clean_removes_the_site_and_the_cache_and_nothing_else(tmp_path, capsys):
    station = bf.copy_station(bf.golden(), tmp_path / "station")
    (station / "notes.txt").write_text("my own notes, not lofipress's")
    keep = {rel: h for rel, h in bf.tree_digest(station).items() if not rel.startswith(("site/", ".cache/"))}
    assert (station / "site" / "index.html").is_file() and (station / ".cache").is_dir()

    assert cli.main(["clean", "--station", str(station / "station.toml")]) == 0
    assert not (station / "site").exists() and not (station / ".cache").exists()
    assert bf.tree_digest(station) == keep  # station, pack and the user's own file, byte for byte
    assert cli.main(["clean", "--station", str(station / "station.toml")]) == 0  # twice is fine
    assert "nothing" in capsys.readouterr().out


def test_clean_refuses_a_site_folder_lofipress_did_not_make(tmp_path, capsys):
    station = bf.make_station(tmp_path / "station")
    (station / "site").mkdir()
    (station / "site" / "index.html").write_text("<h1>my hand-made page</h1>")
    (station / ".cache" / "compose").mkdir(parents=True)
    (station / ".cache" / "compose" / "abc.json").write_text("[]")
    before = bf.tree_digest(station)

    assert cli.main(["clean", "--station", str(station / "station.toml")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(station / "site") in err and "stamp" in err
    assert bf.tree_digest(station) == before  # a refusal removes nothing, not even the cache


def _stations_folder(root, stamped: bool):
    """Two tiny stations under root/stations, each with a cache, and the picker's site at root/site-stations."""
    from lofipress.site import SITE_STAMP

    for name in ("dawn", "dusk"):
        folder = bf.make_station(root / "stations" / name, station={"name": name})
        (folder / ".cache" / "compose").mkdir(parents=True)
        (folder / ".cache" / "compose" / "abc.json").write_text("[]")
    (root / "site-stations" / "dawn").mkdir(parents=True)
    (root / "site-stations" / "index.html").write_text("<h1>stations</h1>")
    if stamped:
        (root / "site-stations" / SITE_STAMP).write_text("{}")
    return root / "stations"


def test_clean_takes_a_stations_folder(tmp_path, capsys):
    """Every station's cache and the multi-station site go; the stations themselves stay byte for byte."""
    folder = _stations_folder(tmp_path, stamped=True)
    keep = {rel: h for rel, h in bf.tree_digest(folder).items() if "/.cache/" not in f"/{rel}"}
    assert cli.main(["clean", "--station", str(folder)]) == 0
    assert not (tmp_path / "site-stations").exists()
    assert not any(p.name == ".cache" for p in folder.rglob("*"))
    assert bf.tree_digest(folder) == keep


def test_clean_of_a_stations_folder_refuses_a_site_lofipress_did_not_make(tmp_path, capsys):
    folder = _stations_folder(tmp_path, stamped=False)
    before = bf.tree_digest(tmp_path)
    assert cli.main(["clean", "--station", str(folder)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(tmp_path / "site-stations") in err
    assert bf.tree_digest(tmp_path) == before  # nothing removed, not even the caches
