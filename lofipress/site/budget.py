"""What a site costs in bytes: the audio by kind (the ambience beds are played at every tempo), and the budget.

GitHub Pages takes sites up to 1 GB and a phone pays for every megabyte, so a station says what its layers cost
and may set `[site] max_mb`, checked on the finished site before it replaces the last one.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..core.errors import SiteError


def job_bytes(job: dict) -> int:
    """Bytes a finished audio job puts in the site: its MP3 and its parts (a track's segments), from its seal."""
    try:
        meta = json.loads(Path(job["meta"]).read_text(encoding="utf-8"))
        return int(meta["sealed"][0]) + sum(int(p[0]) for p in meta.get("sealed_parts") or [])
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return 0


def audio_cost_line(jobs: list[dict]) -> str:
    """One line: MB of audio per kind, and the beds x tempos product that makes the ambience what it is."""
    by_kind: dict[str, int] = {}
    for j in jobs:
        by_kind[j["kind"]] = by_kind.get(j["kind"], 0) + job_bytes(j)
    beds = len({j["ref"] for j in jobs if j["kind"] == "ambience"})
    tempos = len({j["bpm"] for j in jobs if j["kind"] == "ambience"})
    parts = [f"{kind} {size / 1e6:.1f} MB" for kind, size in sorted(by_kind.items(), key=lambda kv: -kv[1])]
    return (f"audio {sum(by_kind.values()) / 1e6:.1f} MB: " + ", ".join(parts)
            + (f" (ambience: {beds} beds x {tempos} tempos)" if beds else ""))


def over_budget(station, site_bytes: int) -> None:
    """SiteError when the site is larger than `[site] max_mb` (0: no budget)."""
    budget_mb = station.site.max_mb
    if budget_mb and site_bytes > budget_mb * 1e6:
        raise SiteError(f"the site would be {site_bytes / 1e6:.1f} MB, over its budget site.max_mb = {budget_mb:g}",
                        Path(station.root) / "station.toml", "raise site.max_mb, or play fewer ambience beds, "
                        "tempos or tracks (the build's audio line says what each costs)")
