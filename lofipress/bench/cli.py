"""`lofipress bench WHAT`: dispatch to one benchmark module."""
from __future__ import annotations

import importlib
from pathlib import Path


def cli_bench(args) -> int:
    from ..commands import station_from_args

    station = station_from_args(args)
    if args.what in ("build", "scale"):  # they copy the station file itself
        from . import build

        run = build.run if args.what == "build" else build.run_scale
        return int(run(station, args.json, Path(args.station)) or 0)
    module = importlib.import_module(f"lofipress.bench.{args.what}")
    return int(module.run(station, args.json) or 0)
