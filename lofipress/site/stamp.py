"""A built site's stamp (.lofipress-build.json): the key it was built from, the size and hash of every file it
was built with, and proof that lofipress made the folder (so `clean` and a rebuild may replace it).
"""
from __future__ import annotations

import json
from pathlib import Path

from ..core.files import file_hash

SITE_STAMP = ".lofipress-build.json"


def record(site_dir: Path) -> dict[str, list]:
    """[size, sha256] of every file of a site but its stamp: what the next build checks before it says
    "site unchanged" (a truncated segment or a deleted manifest.json is rewritten, not trusted)."""
    return {p.relative_to(site_dir).as_posix(): [p.stat().st_size, file_hash(p)]
            for p in sorted(Path(site_dir).rglob("*")) if p.is_file() and p.name != SITE_STAMP}


def intact(site_dir: Path, key: str) -> bool:
    """The site was built from `key` and every file it was built with is there, byte for byte.

    Every file is hashed, not trusted by mtime as the cache's artifacts are (lofipress.build.cache.intact): the
    stamp is a file of the site, so it may hold no mtime, or the same inputs would not give the same bytes.
    Hashing the default site's 89 MB keeps a no-op rebuild under half a second."""
    try:
        stamp = json.loads((Path(site_dir) / SITE_STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    files = stamp.get("files") if isinstance(stamp, dict) and stamp.get("key") == key else None
    if not isinstance(files, dict):
        return False
    for rel, (size, digest) in files.items():
        path = Path(site_dir) / rel
        try:
            if path.stat().st_size != size or file_hash(path) != digest:
                return False
        except OSError:
            return False
    return True
