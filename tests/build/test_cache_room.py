"""A read-only or full build cache is one line naming the folder, before any work: never a tool's message about a
temporary file (the red-team's read-only `.cache` ended as a `bug:` line, a full disk as ffmpeg's words)."""
import numpy as np
import pytest

from lofipress.build import audio_jobs, cache
from lofipress.sound import encode
from lofipress.core import files
from lofipress.core.errors import LofipressError


def test_a_cache_that_is_a_file_is_named(tmp_path):
    (tmp_path / ".cache").write_text("not a folder")
    with pytest.raises(LofipressError) as err:
        cache.Cache(tmp_path / ".cache").check()
    line = err.value.one_line()
    assert ".cache: is a file, not a folder" in line and "writable" in line


def test_a_full_disk_is_named_before_rendering(tmp_path, monkeypatch):
    folder = tmp_path / "cache" / "tracks"
    folder.mkdir(parents=True)
    jobs = [{"mp3": folder / f"t{i}.mp3", "meta": folder / f"t{i}.json", "audio_s": 90.0} for i in range(12)]
    monkeypatch.setattr(files.shutil, "disk_usage", lambda _: type("U", (), {"free": 5_000_000})())  # where it is asked
    with pytest.raises(LofipressError) as err:
        audio_jobs.run_jobs(jobs, 1, lambda *_: None, True)
    line = err.value.one_line()
    assert str(tmp_path / "cache") in line and "5 MB free" in line and "65 MB" in line and ".tmp" not in line


def test_an_mp3_that_cannot_be_written_names_the_folder_not_a_temporary_file(tmp_path):
    blocked = tmp_path / "audio"
    blocked.write_text("a file where the folder should be")
    with pytest.raises(LofipressError) as err:
        encode.write_mp3(np.zeros((4410, 2), np.float32), 44100, blocked / "t01.mp3")
    line = err.value.one_line()
    assert "audio: is a file, not a folder" in line and ".tmp.mp3" not in line


def test_a_read_only_cache_is_one_line_naming_it_through_build_py(tmp_path):
    """A real read-only filesystem under the station's .cache (a bind mount in a private mount namespace)."""
    from build_fixture import build_read_only, make_station

    station = make_station(tmp_path / "st")
    cache_dir = station / ".cache"
    cache_dir.mkdir()
    proc = build_read_only(cache_dir, station, tmp_path / "site")
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {cache_dir}: cannot write to this folder: Read-only"), \
        proc.stderr
    assert not (tmp_path / "site").exists()
