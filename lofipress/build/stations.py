"""Several stations in one site: `lofipress build --station stations/`.

A stations folder holds `<name>/station.toml` per station, or a `stations.toml` that
lists station files in picker order (the repo's lists `../station.toml`, so the default
station's settings exist once). Each station is built by `pipeline.build` into
`<out>/<station name>/`, a complete site with its own manifest and an "All stations"
link; `<out>/index.html` is a picker with one card per station.

All or nothing: the stations are built into a fresh staging folder beside `<out>`, the
picker is written there, and the staging folder is swapped in whole. When station 2
fails after station 1 succeeded, the staging folder is dropped and `<out>` stays the
previous multi-station site, consistent with itself: a picker whose stations come from
two different builds, or that lists a station which failed, would be worse than a stale
one. The error names the station's file at fault, as a single-station build's does.

An unchanged station costs no rewrite: its previous folder is hard-linked into the
staging folder first, so `pipeline.build` finds its own stamp and stops. This is safe
because `pipeline.build` never writes into an existing site; it writes a fresh folder
and swaps it in (see site.write_site).
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tomllib
from pathlib import Path

from ..station import config
from ..site import manifest as mf
from ..core.errors import ConfigError
from ..site.templates import render_page, render_text
from ..site import SITE_STAMP as STAMP  # in the picker's folder too: `lofipress clean` knows the site is ours

INDEX_FILE = "stations.toml"  # optional: title, description, out_dir, stations (files, in picker order)
HOME_URL = "../index.html"  # from a station's top folder up to the picker


@dataclasses.dataclass(frozen=True)
class Lineup:
    title: str  # the picker's <title> and heading
    description: str  # the picker's tagline and meta description
    out_dir: Path  # where the multi-station site goes
    stations: tuple  # config.Station, in picker order
    files: tuple = ()  # the stations.toml (if any) and each station's file: what a preview watches


def is_stations_folder(path: str | Path) -> bool:
    """A folder that is not itself a station (it has no station.toml): build every station in it."""
    path = Path(path)
    return path.is_dir() and not (path / "station.toml").is_file()


def load_lineup(folder: str | Path) -> Lineup:
    """Read a stations folder: its stations.toml if any, else every `*/station.toml` by name.

    Raises:
        ConfigError: no station found, a bad stations.toml, a bad station file, or two
            stations with the same name (the name is the station's folder in the site).
    """
    folder = Path(folder).resolve()
    index = folder / INDEX_FILE
    data = _read_index(index) if index.is_file() else {}
    files = [folder / f for f in data.get("stations", [])] or sorted(folder.glob("*/station.toml"))
    if not files:
        raise ConfigError("no stations in this folder", folder,
                          f"add <name>/station.toml folders, or a {INDEX_FILE} listing station files")
    stations, seen = [], {}
    for path in files:
        station = config.load(path)
        name = station.station.name
        if name in seen:
            raise ConfigError(f"station name '{name}' is already used by {seen[name]}", path,
                              "give each station its own [station] name: it is the station's folder in the site")
        seen[name] = path
        stations.append(station)
    return Lineup(data.get("title", "lofipress stations"),
                  data.get("description", "Lo-fi stations composed by an LSTM: pick one"),
                  (folder / data.get("out_dir", "../site-stations")).resolve(), tuple(stations),
                  tuple([index] if index.is_file() else []) + tuple(files))


def _read_index(path: Path) -> dict:
    """stations.toml: four optional keys, each checked, unknown keys refused."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read the stations index: {exc}", path, "fix the line it names") from None
    for key, value in data.items():
        if key not in ("title", "description", "out_dir", "stations"):
            raise ConfigError(f"unknown key '{key}'", path, "known keys: description, out_dir, stations, title")
        ok = (isinstance(value, list) and value and all(isinstance(v, str) for v in value)) if key == "stations" \
            else isinstance(value, str)
        if not ok:
            raise ConfigError(f"'{key}' must be {'a list of station files' if key == 'stations' else 'a string'}",
                              path, 'write stations = ["../station.toml", "night/station.toml"]'
                              if key == "stations" else "put it in quotes")
    return data


def build_all(lineup: Lineup, out: str | None = None, force: bool = False, jobs: int = 0, quiet: bool = False,
              build=None, base_url: str = "") -> dict:
    """Build every station of the lineup and the picker into one site, swapped in whole.

    Args:
        lineup: the stations (see load_lineup); each is built as it is, plus the "All stations" link.
        out: output folder (default lineup.out_dir).
        force, jobs, quiet: passed to each station's build.
        build: the per-station build, `pipeline.build` unless a test passes another.
        base_url: where the picker is published; each station is then at base_url/<name>/ (`--base-url`).
    Returns:
        {"dir", "stations": [each station's build summary], "files", "bytes", "page_kb_compressed"}.
    Raises:
        LofipressError: a station failed; the previous site is left as it was, whole.
    """
    from . import pipeline
    from .. import site

    build = build or pipeline.build
    out_dir = Path(out).absolute() if out else lineup.out_dir
    site.check_output(out_dir)  # a folder lofipress did not make is refused before any station is built
    stage = site.fresh_folder(out_dir)
    try:
        summaries = []
        for station in lineup.stations:
            name = station.station.name
            here = {"base_url": f"{base_url.rstrip('/')}/{name}"} if base_url else {}
            station = dataclasses.replace(station, site=dataclasses.replace(station.site, home_url=HOME_URL, **here))
            _seed(out_dir / name, stage / name)
            summaries.append({"name": name, **build(station, force=force, jobs=jobs, quiet=quiet,
                                                    out=str(stage / name))})
        write_picker(lineup, stage)
        summary = site.summarize(stage)
        site.swap(stage, out_dir)
    except OSError as exc:
        shutil.rmtree(stage, ignore_errors=True)
        raise site.site_error(exc, out_dir) from None
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    if not quiet:
        print(f"wrote {out_dir}: {len(lineup.stations)} stations and a picker", flush=True)
    return {"dir": str(out_dir), "stations": summaries, **summary}


def _seed(previous: Path, staged: Path) -> None:
    """Hard-link a station's previous build into the staging folder, so an unchanged one is not rewritten."""
    if not (previous / STAMP).is_file():
        return
    try:
        shutil.copytree(previous, staged, copy_function=os.link)
    except OSError:  # another filesystem or no hard links: the station is simply written afresh
        shutil.rmtree(staged, ignore_errors=True)


def station_card(station, site_dir: Path) -> dict:
    """What the picker shows of one built station, read from its manifest (so it matches what was built)."""
    from .. import site

    m = json.loads((site_dir / "manifest.json").read_text(encoding="utf-8"))
    bpms = sorted({t["bpm"] for t in m["tracks"]})
    tempo = "–".join(str(mf.tempo(b)) for b in dict.fromkeys((bpms[0], bpms[-1]))) if bpms else "–"
    return {"name": m["station"]["name"], "title": m["station"]["title"],
            "description": m["station"]["description"], "palette": m["look"]["palette"],
            "look": site.look_stylesheet(station.site, f'.station-card[data-station="{m["station"]["name"]}"]'),
            "tempo": tempo, "tracks": len(m["tracks"]),
            "pack": m["pack"].get("name", ""), "fx_preset": m["station"]["fx_preset"]}


def write_picker(lineup: Lineup, site_dir: Path) -> None:
    """index.html (one card per station, in the first station's look), its CSS, icon, 404 page and stamp."""
    from ..core import resources
    from .. import site

    env = site.environment((str(resources.TEMPLATES),))
    first = lineup.stations[0].site
    ctx = {"site": {"title": lineup.title, "description": lineup.description}, "palette": first.palette,
           "csp": site.CSP}
    cards = [station_card(s, site_dir / s.station.name) for s in lineup.stations]
    # Each card in its own station's look, and its swatches in its colours: rules in a stylesheet (the CSP allows
    # no style attribute). Names are folder-safe ids and colours #hex, both checked by config.
    look = site.look_stylesheet(first) + "".join(
        c["look"] + "".join(f'.station-card[data-station="{c["name"]}"] .swatches span:nth-child({i + 1}) '
                            f"{{ background: {color}; }}\n" for i, color in enumerate(c["palette"]))
        for c in cards)
    pages = {"index.html": render_page(env, "picker.html", {**ctx, "stations": cards}, "index.html"),
             "404.html": render_page(env, "404.html", {**ctx, "station": ctx["site"], "home_url": "./"}, "404.html"),
             "favicon.svg": render_text(env, "favicon.svg", {**ctx, "station": ctx["site"]}),
             site.LOOK_CSS: look,
             ".nojekyll": "",
             STAMP: mf.dump_json({"made_by": "lofipress", "stations": [c["name"] for c in cards]})}
    for rel, text in pages.items():
        (site_dir / rel).write_bytes(text.encode("utf-8"))
    shutil.copyfile(resources.STATIC / "style.css", site_dir / "style.css")
