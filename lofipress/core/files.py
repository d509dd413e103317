"""Files every stage writes or hashes: a file's and a folder's hash, where an artifact's parts live beside it,
and one clear error for a folder that cannot be written. Shared by the build's cache (lofipress.build.cache), the
sound stage (its segments and MP3s) and the site (a station's own files), below all three.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from .errors import LofipressError

def file_hash(path: Path) -> str:
    """sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:24]


def tree_hash(folder: Path, suffixes: tuple[str, ...] = ()) -> str:
    """Hash of every file's relative name and bytes below a folder (optionally only some suffixes)."""
    h = hashlib.sha256()
    if folder.is_dir():
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if suffixes and path.suffix not in suffixes:
                continue
            if "__pycache__" in path.parts:
                continue
            h.update(str(path.relative_to(folder)).encode())
            h.update(file_hash(path).encode())
    return h.hexdigest()[:24]


def part_path(artifact: Path, index: int | str) -> Path:
    """Where part `index` of an artifact lives: beside it as `<key>.<index><suffix>` (index "*": a glob)."""
    artifact = Path(artifact)
    return artifact.with_name(f"{artifact.stem}.{index}{artifact.suffix}")


def writable_or_error(folder: Path, need_bytes: int = 0) -> None:
    """Raise one clear error naming `folder` when a file cannot be written there, or its disk lacks
    `need_bytes`: a read-only or full cache must not surface as a tool's message about a temporary file."""
    folder = Path(folder)
    fix = "make the folder writable and free some disk space (`lofipress clean` empties the cache), then build again"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-probe.{os.getpid()}"
        try:
            probe.write_bytes(bytes(64 * 1024))
        finally:
            probe.unlink(missing_ok=True)
        free = shutil.disk_usage(folder).free
    except OSError as exc:
        why = "is a file, not a folder" if folder.is_file() else f"cannot write to this folder: {exc.strerror or exc}"
        raise LofipressError(why, folder, fix) from None
    if free < need_bytes:
        raise LofipressError(f"its disk has {free / 1e6:.0f} MB free, and this build writes about "
                             f"{need_bytes / 1e6:.0f} MB", folder, fix)
