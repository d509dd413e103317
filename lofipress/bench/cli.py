"""`lofipress bench WHAT`: dispatch to one benchmark module."""
from __future__ import annotations

import importlib


def cli_bench(args) -> int:
    from ..cli import station_from_args

    station = station_from_args(args)
    module = importlib.import_module(f"lofipress.bench.{args.what}")
    return int(module.run(station, args.json) or 0)
