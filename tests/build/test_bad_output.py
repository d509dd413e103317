"""Output folders and the filesystem under a build: a read-only output folder, nothing written outside the
station and output folders (traced), a full disk and a read-only filesystem at write time; the site stays."""
from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from bad_input_kit import (  # noqa: F401 - no_tensorflow is an autouse fixture
    REPO, STAMP, assert_one_line, make_station, no_tensorflow, tree)
from lofipress import cli


def test_a_read_only_output_folder_is_refused_before_any_work(tmp_path):
    """A real read-only filesystem (a bind mount in a private mount namespace), through build.py."""
    from build_fixture import build_read_only

    st = make_station(tmp_path / "st")
    ro = tmp_path / "ro"
    ro.mkdir()
    proc = build_read_only(ro, st, ro / "site")
    assert proc.returncode == 2, proc.stderr
    assert_one_line(proc.stderr, str(ro / "site"), "make it writable")
    assert "read-only" in proc.stderr and list(ro.iterdir()) == []


WRITE_CALLS = "openat,creat,mkdir,mkdirat,rename,renameat,renameat2,unlink,unlinkat,rmdir,linkat,truncate"
WRITE_FLAGS = ("O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC")
CALL = re.compile(r"^\d+\s+(\w+)\((.*)\)\s+=\s+(\d+)")  # successful calls only (failures return -1)
PATH_ARG = re.compile(r'(?:(AT_FDCWD|\d+<([^>]*)>),\s*)?"((?:[^"\\]|\\.)*)"')


def written_paths(trace: str, cwd: Path) -> set[Path]:
    """Every path an `strace -f -y` log shows created, opened for writing, renamed or removed."""
    paths = set()
    for line in trace.splitlines():
        m = CALL.match(line)
        if not m or (m[1] == "openat" and not any(f in m[2] for f in WRITE_FLAGS)):
            continue
        for dirfd, fd_path, name in PATH_ARG.findall(m[2]):
            base = Path(fd_path) if fd_path else cwd  # -y prints a descriptor's path: 5</tmp/x>
            paths.add(Path(os.path.normpath(base / name)))
    return paths


def repo_state() -> dict[str, tuple[int, int]]:
    """(mtime_ns, size) of every file in the checkout but .git and the interpreter's __pycache__ folders."""
    state = {}
    for folder, dirs, files in os.walk(REPO):
        dirs[:] = [d for d in dirs if d not in (".git", "__pycache__")]
        for name in files:
            path = os.path.join(folder, name)
            st = os.lstat(path)
            state[os.path.relpath(path, REPO)] = (st.st_mtime_ns, st.st_size)
    return state


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A tiny real station built once through build.py, HOME and TMPDIR in tmp, every write of it traced.

    With strace, the writes of the build and all its children (workers, ffmpeg) are listed exactly,
    whoever else edits the checkout meanwhile; without it, the checkout's mtimes are compared.
    """
    base = tmp_path_factory.mktemp("built")
    st = make_station(base / "st")
    home, tmp = base / "home", base / "tmp"
    home.mkdir()
    tmp.mkdir()
    env = {**{k: v for k, v in os.environ.items() if k != "MPLCONFIGDIR"}, "HOME": str(home), "TMPDIR": str(tmp)}
    cmd = [sys.executable, "build.py", "--station", str(st / "station.toml"), "--quiet"]
    log = base / "strace.log"
    if shutil.which("strace"):
        cmd = ["strace", "-f", "-qq", "-y", "-s", "4096", "-e", "signal=none", "-e", f"trace={WRITE_CALLS}",
               "-o", str(log), *cmd]
    before = repo_state()
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    after = repo_state()
    assert proc.returncode == 0, proc.stderr
    changed = sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    written = written_paths(log.read_text(), REPO) if log.is_file() else None
    return {"st": st, "home": home, "tmp": tmp, "changed": changed, "written": written}


@pytest.mark.slow
def test_a_build_writes_nothing_outside_the_station_and_output_folders(built):
    st, tmp = built["st"], built["tmp"]
    if built["written"] is not None:
        outside = sorted(str(p) for p in built["written"]
                         if not (p.is_relative_to(st) or p.is_relative_to(tmp) or p.is_relative_to("/dev")
                                 or "__pycache__" in p.parts))  # .pyc files are the interpreter's, not ours
        assert outside == []
        assert any(p.is_relative_to(st / "site") for p in built["written"])  # the trace did see the build
    else:
        assert built["changed"] == [], "the build wrote into the checkout (or someone edited it meanwhile)"
    assert list(tmp.iterdir()) == [] and list(built["home"].iterdir()) == []
    assert sorted(p.name for p in st.iterdir()) == [".cache", "corpus", "samples", "site", "station.toml"]
    assert json.loads((st / "site" / STAMP).read_text())["made_by"] == "lofipress"


@pytest.mark.slow
def test_a_full_disk_is_one_line_naming_the_file_and_the_site_stays(built, capsys, monkeypatch):
    st = built["st"]
    before = tree(st / "site")
    real_copy = shutil.copyfile

    def full_on_audio(src, dst, *args, **kwargs):
        if str(dst).endswith(".mp3"):  # the big files are where a disk fills up
            raise OSError(errno.ENOSPC, "No space left on device", str(src))
        return real_copy(src, dst, *args, **kwargs)

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # a new site key: the site must be rewritten
    monkeypatch.setattr(shutil, "copyfile", full_on_audio)
    code = cli.main(["build", "--station", str(st / "station.toml"), "--jobs", "1", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2, err
    line = assert_one_line(err, str(st / "site"), "free some space")
    assert "no space left on device while writing audio/" in line and ".mp3;" in line
    assert tree(st / "site") == before
    assert not list(st.glob(".site.*"))  # the half-written folder was removed


@pytest.mark.slow
def test_a_read_only_filesystem_at_write_time_is_one_line_and_the_site_stays(built, capsys, monkeypatch):
    st = built["st"]
    before = tree(st / "site")
    real_mkdir = Path.mkdir

    def read_only(self, *args, **kwargs):
        if self.parent == st and self.name.startswith(".site."):
            raise OSError(errno.EROFS, "Read-only file system", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setattr(Path, "mkdir", read_only)
    code = cli.main(["build", "--station", str(st / "station.toml"), "--jobs", "1", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "read-only" in assert_one_line(err, str(st / "site"), "make it writable")
    assert tree(st / "site") == before
