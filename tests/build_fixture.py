"""A tiny real station for build tests: 2 tracks of 4 bars, a 9-file pack, one tempo.

It uses the repository's trained model and a subset of `samples/default` copied
into the station folder (one zone each of keys, lead and bass, three kit voices,
one pattern, one ambience bed, one quote), so a cold build takes seconds and every stage of
the real pipeline runs. `golden()` builds it once per test process; tests copy
that folder (cache and site included) and change one input at a time.
"""
from __future__ import annotations

import collections
import functools
import hashlib
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACK_SOURCE = REPO / "samples" / "default"
PACK_NAME = "tiny"
PACK_FILES = ("keys/60-v112.ogg", "lead/72-v112.ogg", "bass/40-v112.ogg", "kit/kick.ogg", "kit/snare.ogg",
              "kit/hat_closed.ogg", "ambience/rain.ogg", "quotes/walden-stream.ogg")
FLUID = 'author = "Frank Wen", source = "https://packages.debian.org/fluid-soundfont-gm", license = "MIT"'
MADE = 'author = "lofipress (scripts/make_pack.py)", source = "made in numpy and espeak-ng", license = "CC0-1.0"'
PACK_TOML = f"""name = "{PACK_NAME}"
license = "MIT and CC0-1.0"
credits = [
  {{file = "keys/", title = "FluidR3 GM", {FLUID}}},
  {{file = "lead/", title = "FluidR3 GM", {FLUID}}},
  {{file = "bass/", title = "FluidR3 GM", {FLUID}}},
  {{file = "kit/", title = "FluidR3 GM", {FLUID}}},
  {{file = "ambience/rain.ogg", title = "Rain on the window", {MADE}}},
  {{file = "quotes/walden-stream.ogg", title = "Walden, read by espeak-ng", {MADE}}},
]

[[quotes]]
id = "walden-stream"
file = "quotes/walden-stream.ogg"
text = "Time is but the stream I go a-fishing in."
speaker = "Henry David Thoreau, Walden (1854)"

[[ambience]]
id = "rain"
title = "Rain on the window"
file = "ambience/rain.ogg"
visual = "rain"

[instruments.keys]
zones = [{{file = "keys/60-v112.ogg", root = 60, lo = 0, hi = 127}}]

[instruments.lead]
zones = [{{file = "lead/72-v112.ogg", root = 72, lo = 0, hi = 127}}]

[instruments.bass]
zones = [{{file = "bass/40-v112.ogg", root = 40, lo = 0, hi = 127}}]

[kit]
kick = "kit/kick.ogg"
snare = "kit/snare.ogg"
hat_closed = "kit/hat_closed.ogg"

[patterns.boombap]
title = "Boom bap"
bars = 1
[patterns.boombap.grid]
kick = [112, 0, 0, 0, 0, 0, 0, 0, 0, 0, 96, 0, 0, 0, 0, 0]
snare = [0, 0, 0, 0, 108, 0, 0, 0, 0, 0, 0, 0, 108, 0, 0, 0]
hat_closed = [80, 0, 52, 0, 78, 0, 50, 0, 80, 0, 54, 0, 76, 0, 48, 60]
"""
SETTINGS = {  # the tiny station; tests override single keys through write_station
    "station": {"name": "tiny", "title": "tiny test radio", "seed": 7, "tracks": 2, "bars": 4,
                "tempo_min_bpm": 80, "tempo_max_bpm": 80},  # one tempo: one drum and one ambience render
    "corpus": {"dir": str(REPO / "corpus")},
    "model": {"dir": str(REPO / "models"), "name": "default"},
    "sampling": {"max_redraws": 8},  # a build leaves out songs that still fail the gate: redraw as a build does
    "loops": {"drums_bars": 2, "ambience_bars": 2, "track_bars": 4},
    "fx": {"preset": "dusty"},
    "pack": {"dir": "samples", "name": PACK_NAME},
}


def _toml_value(value) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def write_station(folder: Path, **overrides: dict) -> Path:
    """Write folder/station.toml: the tiny settings with `section={key: value}` overrides merged in."""
    lines = []
    for section in sorted(set(SETTINGS) | set(overrides)):
        table = {**SETTINGS.get(section, {}), **overrides.get(section, {})}
        lines.append(f"[{section}]")
        lines += [f"{key} = {_toml_value(value)}" for key, value in table.items()]
        lines.append("")
    path = Path(folder) / "station.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def make_station(folder: Path, **overrides: dict) -> Path:
    """A tiny station folder (station.toml and its own pack); returns the folder."""
    folder = Path(folder)
    pack = folder / "samples" / PACK_NAME
    for rel in PACK_FILES:
        (pack / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PACK_SOURCE / rel, pack / rel)
    (pack / "pack.toml").write_text(PACK_TOML, encoding="utf-8")
    write_station(folder, **overrides)
    return folder


def build(folder: Path, force: bool = False, jobs: int = 1) -> dict:
    """Build a station folder's site in this process, quietly (the pipeline's own entry point)."""
    from lofipress.station import config
    from lofipress.build import pipeline

    return pipeline.build(config.load(Path(folder) / "station.toml"), force=force, jobs=jobs, quiet=True)


def site_dir(folder: Path) -> Path:
    return Path(folder) / "site"


def tree_digest(folder: Path) -> dict[str, str]:
    """sha256 of every file below folder, by relative path."""
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def first_difference(a: dict[str, str], b: dict[str, str]) -> str | None:
    """The first path (sorted) whose bytes differ or that only one tree has; None if identical."""
    for rel in sorted(set(a) | set(b)):
        if a.get(rel) != b.get(rel):
            return rel
    return None


def cache_state(folder: Path) -> dict[str, tuple[int, int]]:
    """(mtime_ns, inode) of every artifact in the station's .cache (temporary files excluded)."""
    root = Path(folder) / ".cache"
    state = {}
    for p in root.rglob("*") if root.is_dir() else ():
        if p.is_file() and not p.name.startswith("."):
            st = p.stat()
            state[p.relative_to(root).as_posix()] = (st.st_mtime_ns, st.st_ino)
    return state


def remade(before: dict, after: dict) -> dict[str, int]:
    """How many artifacts of each kind ("compose", "midi", "audio/track"...) a build wrote.

    An artifact counts once however many files it has (an MP3, its segments `<key>.<i>.mp3`, its metadata).
    """
    keys = {rel.rsplit("/", 1)[0] + "/" + rel.rsplit("/", 1)[-1].split(".")[0]
            for rel, stamp in after.items() if before.get(rel) != stamp}
    return dict(collections.Counter(key.rsplit("/", 1)[0] for key in keys))


def copy_station(source: Path, dest: Path) -> Path:
    """Copy a built station folder (pack, cache and site) keeping mtimes, so cached artifacts stay cached."""
    shutil.copytree(source, dest, symlinks=True)
    return dest


def settled_copy(dest: Path) -> Path:
    """A copy of the golden station, rebuilt once: a no-op, unless the code changed since golden() built it."""
    copy_station(golden(), dest)
    build(dest)
    return dest


@functools.cache
def golden() -> Path:
    """The tiny station, built once per test process in a temporary folder; copy it, never change it."""
    folder = make_station(Path(tempfile.mkdtemp(prefix="lofipress-golden-")) / "station")
    build(folder)
    return folder


@pytest.fixture
def site_sources(tmp_path, monkeypatch):
    """Private copies of templates/ and site_static/ that the build and the preview read instead."""
    from lofipress.core import resources
    from lofipress import site

    templates, static = tmp_path / "templates", tmp_path / "site_static"
    shutil.copytree(resources.TEMPLATES, templates)
    shutil.copytree(resources.STATIC, static)
    monkeypatch.setattr(resources, "TEMPLATES", templates)
    monkeypatch.setattr(resources, "STATIC", static)
    site.environment.cache_clear()  # its loader is bound to the folder it first saw
    yield templates, static
    site.environment.cache_clear()


def build_read_only(folder: Path, station: Path, out: Path) -> subprocess.CompletedProcess:
    """`build.py` for `station` into `out` with `folder` a real read-only filesystem (a bind mount in a private
    mount namespace); skips the test where this machine cannot make one (no unshare, or no right to mount)."""
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare for a read-only mount")
    args = [sys.executable, "build.py", "--station", str(station / "station.toml"), "--out", str(out)]
    script = (f'mount --bind "{folder}" "{folder}" && mount -o remount,bind,ro "{folder}" || exit 99; '
              f"exec {shlex.join(args)}")
    proc = subprocess.run(["unshare", "--mount", "sh", "-c", script], cwd=REPO, capture_output=True, text=True,
                          timeout=300)
    if proc.returncode == 99:
        pytest.skip(f"cannot make a read-only mount here: {proc.stderr.strip()}")
    return proc
