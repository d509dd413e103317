"""Content-hash cache: an artifact's name is the hash of everything that made it.

Keys hash the inputs (settings, file bytes, the source of the code that runs),
so a changed input can never be served a stale artifact, and an unchanged one
is never redone. Writes go to a temporary name first and are renamed into
place, so a killed build leaves no half-written artifact behind. An audio
artifact is "sealed": its metadata records its size, mtime and hash, and a file
that no longer matches (truncated, damaged by hand or by a full disk) is a miss.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
from functools import partial
from pathlib import Path

from .errors import LofipressError

PACKAGE = Path(__file__).resolve().parent
SEAL = "sealed"  # metadata key holding [size, mtime_ns, sha256] of the artifact
SEAL_PARTS = "sealed_parts"  # the same for each of its parts (a track's segments), in order


def _default(obj, root: Path | None = None):
    if dataclasses.is_dataclass(obj):
        return dataclasses.asdict(obj)
    if isinstance(obj, Path):
        return obj.relative_to(root).as_posix() if root and obj.is_relative_to(root) else str(obj)
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    if hasattr(obj, "tolist"):
        return obj.tolist()
    raise TypeError(f"cannot hash {type(obj)}")


def digest(*parts, root: Path | None = None) -> str:
    """A stable hex digest of JSON-able parts (dataclasses, paths and arrays allowed).

    Paths below `root` count by their place under it, so a moved station folder keeps its keys.
    """
    text = json.dumps(parts, sort_keys=True, default=partial(_default, root=root), separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


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


def code_hash(*modules: str) -> str:
    """Hash of the named lofipress modules' source (a code change invalidates what they made)."""
    h = hashlib.sha256()
    for name in sorted(modules):
        path = PACKAGE / (name.replace(".", "/") + ".py")
        h.update(name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:24]


class Cache:
    """A folder of artifacts named by content hash: `<root>/<kind>/<key><suffix>`."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def check(self, need_bytes: int = 0) -> None:
        """Before any work: the cache folder can be written and its disk has room (one line naming it if not)."""
        writable_or_error(self.root, need_bytes)

    def path(self, kind: str, key: str, suffix: str) -> Path:
        folder = self.root / kind
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{key}{suffix}"

    def get_json(self, kind: str, key: str):
        path = self.root / kind / f"{key}.json"
        if not path.is_file():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except ValueError:  # a damaged entry is a miss, never an error
            return None

    def put_json(self, kind: str, key: str, data) -> None:
        atomic_write(self.path(kind, key, ".json"), json.dumps(data, sort_keys=True).encode())


def part_path(artifact: Path, index: int | str) -> Path:
    """Where part `index` of an artifact lives: beside it as `<key>.<index><suffix>` (index "*": a glob)."""
    artifact = Path(artifact)
    return artifact.with_name(f"{artifact.stem}.{index}{artifact.suffix}")


def _fingerprint(path: Path) -> list:
    st = Path(path).stat()
    return [st.st_size, st.st_mtime_ns, file_hash(Path(path))]


def seal(artifact: Path, meta: Path, result: dict, parts: int = 0) -> None:
    """Write an artifact's metadata with its size, mtime and hash (once it and its `parts` are in place)."""
    sealed = {SEAL: _fingerprint(artifact)}
    if parts:
        sealed[SEAL_PARTS] = [_fingerprint(part_path(artifact, i)) for i in range(parts)]
    atomic_write(Path(meta), json.dumps({**result, **sealed}, sort_keys=True).encode())


def intact(artifact: Path, meta: Path) -> bool:
    """Whether an artifact, its parts and its metadata exist and still have the bytes they were sealed with.

    Size and mtime as sealed: trusted without reading (make's rule; a no-op build stays a stat per file).
    Same size but touched since (a copy without -p, an edit in place): hashed.
    """
    try:
        data = json.loads(Path(meta).read_text(encoding="utf-8"))
        files = [(Path(artifact), *data[SEAL])]
        files += [(part_path(artifact, i), *sealed) for i, sealed in enumerate(data.get(SEAL_PARTS, []))]
        return all(_unchanged(*f) for f in files)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):  # missing, unreadable, not sealed: redo it
        return False


def _unchanged(path: Path, size: int, mtime_ns: int, sha: str) -> bool:
    st = path.stat()
    return st.st_size == size and (st.st_mtime_ns == mtime_ns or file_hash(path) == sha)


def atomic_write(path: Path, data: bytes) -> None:
    """Write bytes to a temporary name beside `path`, then rename over it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


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
