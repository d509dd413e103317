"""`lofipress bench WHAT`: dispatch to one benchmark module."""
from __future__ import annotations

import importlib
from pathlib import Path


def cli_bench(args) -> int:
    from ..cli import station_from_args

    station = station_from_args(args)
    module = importlib.import_module(f"lofipress.bench.{args.what}")
    if args.what == "build":  # it copies the station file itself
        return int(module.run(station, args.json, Path(args.station)) or 0)
    return int(module.run(station, args.json) or 0)
