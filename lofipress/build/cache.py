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
from functools import partial
from pathlib import Path

from ..core.files import file_hash, part_path, writable_or_error

PACKAGE = Path(__file__).resolve().parents[1]  # lofipress/: code_hash names modules from here
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


def code_hash(*modules: str) -> str:
    """Hash of the named lofipress modules' source (a code change invalidates what they made)."""
    h = hashlib.sha256()
    for name in sorted(modules):
        path = PACKAGE / (name.replace(".", "/") + ".py")  # "sound.encode"; a package is its __init__
        path = path if path.is_file() else path.with_suffix("") / "__init__.py"
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


