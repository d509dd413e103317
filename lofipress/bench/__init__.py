"""Benchmarks: each prints a readable table and, with --json, one JSON object as its last line."""
from __future__ import annotations

import json
import sys


def report(title: str, rows: list[tuple[str, str]], data: dict, as_json: bool, out=None) -> None:
    """Print rows as an aligned two-column table; with as_json, end with one JSON line of data."""
    out = out or sys.stdout
    width = max((len(k) for k, _ in rows), default=0)
    print(title, file=out)
    print("-" * max(len(title), width + 20), file=out)
    for key, value in rows:
        print(f"{key.ljust(width)}  {value}", file=out)
    if as_json:
        print(json.dumps(data, sort_keys=True), file=out)
