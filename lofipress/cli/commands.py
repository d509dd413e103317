"""The commands that work on a station: load it from --station, run the recipe or a stage, print the result.

The flow runs one way: cli (arguments) -> commands (here) -> recipe (pipeline, stations) -> stages (compose,
evaluate, compare...) -> config. No stage imports the command line, and no stage imports this module.
"""
from __future__ import annotations

import dataclasses
import json
import shutil
import time
from pathlib import Path

from ..station import config, config_check, mood
from ..build import stations
from ..core.errors import LofipressError


def station_from_args(args) -> config.Station:
    """Load the Station named by --station; a station with a mood says in one line what it made of it."""
    station = config.load(Path(args.station))
    if station.station.mood and not getattr(args, "quiet", False):  # preamble: -q leaves it out
        print(mood.describe(station), flush=True)
    return station


def cli_build(args) -> int:
    """`lofipress build`: one station, or a stations/ folder (every station and a picker)."""
    from ..build.pipeline import build

    base_url = getattr(args, "base_url", None) or None  # empty (a workflow with no address to give): not given
    if base_url is not None:
        config_check.check_base_url(base_url, "--base-url")
    if stations.is_stations_folder(args.station):
        stations.build_all(stations.load_lineup(args.station), args.out, args.force, args.jobs, args.quiet,
                           base_url=base_url or "")
        return 0
    station = station_from_args(args)
    if base_url is not None:  # the command line wins over [site] base_url: a Pages workflow knows the address
        station = dataclasses.replace(station, site=dataclasses.replace(station.site, base_url=base_url))
    build(station, args.force, args.jobs, args.quiet, args.out)
    return 0


def cli_clean(args) -> int:
    """`lofipress clean`: remove the build cache and the site folder, only if lofipress made it (it holds our stamp).

    A stations/ folder: every station's cache and the multi-station site.
    """
    from ..site import SITE_STAMP

    if stations.is_stations_folder(args.station):
        lineup = stations.load_lineup(args.station)
        site, caches = lineup.out_dir, [s.path(".cache") for s in lineup.stations]
    else:
        station = config.load(Path(args.station))  # quiet: removing files is no place for the mood's line
        site, caches = station.path(station.site.out_dir), [station.path(".cache")]
    if site.is_dir() and not (site / SITE_STAMP).is_file():  # checked first: a refusal removes nothing
        raise LofipressError("not removing a folder lofipress did not make (no build stamp)", site,
                             "delete it yourself if you are sure")
    removed = []
    for folder in dict.fromkeys([*caches, site]):  # two stations may share a folder, and so a cache
        if folder.is_dir():
            shutil.rmtree(folder)
            removed.append(str(folder))
    print("removed " + (", ".join(removed) if removed else "nothing (already clean)"))
    return 0


def cli_compose(args) -> int:
    """`lofipress compose`: the build's compose and arrange stages, with each .mid copied to --out."""
    from ..build import pipeline

    station = station_from_args(args)
    if args.tracks is not None:
        station = dataclasses.replace(station, station=dataclasses.replace(station.station, tracks=args.tracks))
    cache = pipeline.Cache(station.path(".cache"))
    log = pipeline.Log(quiet=True)
    pieces = pipeline.compose_stage(station, cache, pipeline.ensure_model(station, log), log)
    out = Path(args.out) if args.out else station.path(".cache") / "compose"
    out.mkdir(parents=True, exist_ok=True)
    for t in pipeline.arrange_stage(station, cache, pieces):
        shutil.copyfile(t["midi"], out / f"{t['id']}.mid")
        print(f"{out / (t['id'] + '.mid')}: {t['title']}, {t['key']}, {t['tempo_bpm']} BPM, draws {t['draws']}")
    return 0


def cli_eval(args) -> int:
    """`lofipress eval`: compose (or read a built site) and print the evaluation table (and one JSON line with --json)."""
    from ..music.compose import compose
    from ..music.evaluate import score_site, summarize, summarize_rows, table

    station = station_from_args(args)
    started = time.perf_counter()
    if getattr(args, "site", None):
        model_dir = station.path(station.model.dir) / station.model.name
        summary = summarize_rows(score_site(Path(args.site), model_dir))
    else:
        summary = summarize(compose(station, args.tracks, log=lambda *_: None))
    summary["compose_s"] = round(time.perf_counter() - started, 3)
    print(table(summary))
    if args.json:
        print(json.dumps(summary, sort_keys=True))
    return 0


def cli_compare(args) -> int:
    """`lofipress models compare`: train every arch on one split in one budget; print the table (and JSON)."""
    from ..bench.compare import compare, table

    station = station_from_args(args) if Path(args.station).exists() else config.Station()
    archs = tuple(a.strip() for a in args.archs.split(",") if a.strip())
    out = Path(args.out) if args.out else station.path(".cache") / "compare" / Path(args.corpus).name
    data = compare(Path(args.corpus), out, station, archs, args.budget_min * 60.0, args.songs,
                   log=(lambda *_: None) if args.json else print)
    print(table(data))
    print(f"models and compare.json in {out}")
    if args.json:
        print(json.dumps(data, sort_keys=True))
    return 0


def cli_bench(args) -> int:
    """`lofipress bench WHAT`: one benchmark module's run, on the station named by --station."""
    import importlib

    station = station_from_args(args)
    if args.what in ("build", "scale"):  # they copy the station file itself
        from ..bench import build

        run = build.run if args.what == "build" else build.run_scale
        return int(run(station, args.json, Path(args.station)) or 0)
    module = importlib.import_module(f"lofipress.bench.{args.what}")
    return int(module.run(station, args.json) or 0)
