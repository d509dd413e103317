"""`lofipress bench build`: cold build, no-op rebuild and one-effect rebuild of a station, against its encoding floor.

The station is copied into a temporary folder (its corpus, model and pack stay
where they are, named by absolute path), so the benchmark starts from an empty
cache and never touches the real one. Rebuilds run `python -m lofipress build`
in a fresh process, as a user runs them: interpreter start and imports count.
The floor is libmp3lame alone on every MP3 the build wrote (each decoded, then
encoded again with the build's flags, one at a time) divided by the cores.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

from . import report
from ..sound import encode
from ..core.errors import ConfigError

FX_CHANGE = ("lowpass_hz", 7500.0)  # one knob of the chain: every track is redone, no loop is


def _write_station(data: dict, path: Path) -> None:
    from ..core.tomlfile import dumps

    path.write_text(dumps(data), encoding="utf-8")


def _copy_station(station, station_file: Path, work: Path, **station_keys) -> Path:
    """station.toml in `work`, every folder it reads named absolutely, its cache and site inside `work`."""
    data = tomllib.loads(station_file.read_text())
    data.setdefault("station", {}).update(station_keys)
    if "bars" in station_keys:  # the track loops over all of its bars
        data.setdefault("loops", {})["track_bars"] = station_keys["bars"]
    for section, attr in (("corpus", station.corpus), ("model", station.model), ("pack", station.pack)):
        data.setdefault(section, {})["dir"] = str(station.path(attr.dir))
    data.setdefault("site", {})["out_dir"] = "site"
    target = work / "station.toml"
    _write_station(data, target)
    return target


def _station_file(station, station_file: Path | None) -> Path:
    """The station file the benchmark copies (default: station.toml beside the station)."""
    path = Path(station_file or Path(station.root) / "station.toml")
    if not path.is_file():
        raise ConfigError("bench build and bench scale need one station file", path,
                          "pass --station path/to/station.toml")
    return path


def _cli_build(station_file: Path, env: dict) -> tuple[float, dict]:
    """(seconds, what the build reported: rc, tf imported, peak RSS) of `lofipress build` in a fresh process."""
    code = ("import json, resource, sys, time; t = time.perf_counter(); from lofipress import cli; "
            f"rc = cli.main(['build', '--station', {str(station_file)!r}, '--quiet']); "
            "print(json.dumps({'rc': rc, 's': time.perf_counter() - t, 'tf': 'tensorflow' in sys.modules, "
            "'rss_main_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "
            "'rss_worker_mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))")
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"build failed: {proc.stderr.strip()[-500:]}")
    return seconds, json.loads(proc.stdout.strip().splitlines()[-1])


def _floor_s(site: Path, quality: int) -> tuple[float, int]:
    """(seconds libmp3lame takes on every MP3 of the site, one after another, number of files)."""
    total, count = 0.0, 0
    for mp3 in sorted(site.rglob("*.mp3")):
        audio, sr = encode.decode(mp3)
        raw = audio.tobytes()
        cmd = encode.lame_cmd(sr, audio.shape[1], quality, os.devnull)
        t = time.perf_counter()
        subprocess.run(cmd, input=raw, check=True, capture_output=True)
        total += time.perf_counter() - t
        count += 1
    return total, count


def run(station, as_json: bool, station_file: Path | None = None) -> int:
    """Cold, no-op and one-effect builds of a copy of the station; print a table (and one JSON line)."""
    station_file = _station_file(station, station_file)
    cores = os.cpu_count() or 1
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    with tempfile.TemporaryDirectory(prefix="lofipress-bench-") as tmp:
        work = Path(tmp)
        copy = _copy_station(station, station_file, work)
        cold_s, _ = _cli_build(copy, env)
        noop_s, noop = _cli_build(copy, env)
        noop_tf = noop["tf"]
        text = copy.read_text()
        key, value = FX_CHANGE
        copy.write_text(text.replace("[fx]\n", f"[fx]\n{key} = {value!r}\n", 1))
        fx_s, _ = _cli_build(copy, env)
        floor_s, files = _floor_s(work / "site", station.master.mp3_quality)
    floor_per_core = floor_s / cores
    data = {"cold_s": round(cold_s, 2), "noop_s": round(noop_s, 3), "one_fx_change_s": round(fx_s, 2),
            "floor_s": round(floor_s, 2), "cores": cores, "floor_per_core_s": round(floor_per_core, 2),
            "cold_vs_floor": round(cold_s / floor_per_core, 2), "noop_imports_tensorflow": noop_tf,
            "mp3_files": files, "tracks": station.station.tracks,
            "goal_noop_s": 1.5, "goal_cold_vs_floor": 2.0}
    rows = [("station", f"{station.station.name}: {station.station.tracks} tracks, {files} MP3s, {cores} cores"),
            ("cold build", f"{cold_s:7.2f} s"),
            ("no-op rebuild", f"{noop_s:7.3f} s   (goal <= 1.5 s; TensorFlow imported: {'yes' if noop_tf else 'no'})"),
            (f"rebuild after fx.{key} = {value:g}", f"{fx_s:7.2f} s   ({fx_s / cold_s:.0%} of cold)"),
            ("encoding floor", f"{floor_s:7.2f} s on one core = {floor_per_core:.2f} s per core"),
            ("cold / floor per core", f"{cold_s / floor_per_core:7.2f}x   (goal <= 2x)")]
    report("bench build", rows, data, as_json)
    return 0


SCALE_TRACKS = (25, 50, 100)
SCALE_BARS = 8  # short tracks: the sweep measures growth with the number of tracks, not track length


def run_scale(station, as_json: bool, station_file: Path | None = None) -> int:
    """Cold builds of 25, 50 and 100 tracks: seconds per track and peak memory of the build and its workers."""
    station_file = _station_file(station, station_file)
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    results = []
    with tempfile.TemporaryDirectory(prefix="lofipress-scale-") as tmp:
        for tracks in SCALE_TRACKS:
            work = Path(tmp) / f"t{tracks}"
            work.mkdir()
            copy = _copy_station(station, station_file, work, tracks=tracks, bars=SCALE_BARS)
            seconds, result = _cli_build(copy, env)
            results.append({"tracks": tracks, "s": round(seconds, 2), "s_per_track": round(seconds / tracks, 3),
                            "rss_main_mb": round(result["rss_main_mb"]), "rss_worker_mb": round(result["rss_worker_mb"])})
    first, last = results[0], results[-1]
    data = {"bars": SCALE_BARS, "runs": results,
            "growth_per_track_ratio": round(last["s_per_track"] / first["s_per_track"], 3),
            "rss_growth_ratio": round(max(last["rss_main_mb"], last["rss_worker_mb"])
                                      / max(first["rss_main_mb"], first["rss_worker_mb"]), 3)}
    rows = [("station", f"{station.station.name} at {SCALE_BARS} bars a track, cold cache each run")]
    for r in results:
        rows.append((f"{r['tracks']} tracks", f"{r['s']:7.1f} s  {r['s_per_track']:.2f} s/track  peak RSS "
                     f"{r['rss_main_mb']} MB build, {r['rss_worker_mb']} MB largest worker"))
    rows.append(("time per track, 100 vs 25", f"{data['growth_per_track_ratio']:.2f}x   (1.0 = linear)"))
    rows.append(("peak RSS, 100 vs 25", f"{data['rss_growth_ratio']:.2f}x   (1.0 = bounded)"))
    report("bench scale", rows, data, as_json)
    return 0
