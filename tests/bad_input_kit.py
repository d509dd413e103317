"""What the bad-input tests share: a small station with a previous site, its files as bytes, the one-line check,
and the block on TensorFlow (import `no_tensorflow` by name into a test module: it is autouse there).
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pretty_midi
import pytest
import soundfile as sf

from audio_helpers import make_pack

REPO = Path(__file__).resolve().parent.parent
STAMP = ".lofipress-build.json"
STATION_TOML = """[station]
tracks = 1
bars = 8
tempo_min_bpm = 80
tempo_max_bpm = 84

[corpus]
dir = "corpus"

[model]
dir = "{models}"
name = "default"

[sampling]
temperature = 1.0
top_p = 0.95

[loops]
track_bars = 8

[fx]
preset = "dusty"

[pack]
name = "test"
"""


def write_midi(path: Path, bars: int = 4) -> None:
    """A four-note chord per bar at 90 BPM: a small, real, usable corpus file."""
    pm = pretty_midi.PrettyMIDI(initial_tempo=90)
    inst = pretty_midi.Instrument(0)
    bar_s = 4 * 60 / 90
    for b in range(bars):
        for pitch in (57, 60, 64, 67):
            inst.notes.append(pretty_midi.Note(80, pitch, b * bar_s, (b + 1) * bar_s))
    pm.instruments.append(inst)
    pm.write(str(path))


def make_station(root: Path, models: Path = REPO / "models") -> Path:
    """A station folder: station.toml, a one-file corpus, pack `test`, and a previous site with its stamp."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "station.toml").write_text(STATION_TOML.format(models=models.as_posix()))
    (root / "corpus").mkdir()
    write_midi(root / "corpus" / "good.mid")
    make_pack(root / "samples" / "test")
    site = root / "site"
    (site / "audio").mkdir(parents=True)
    (site / "index.html").write_text("<p>the previous site</p>\n")
    (site / "audio" / "t01.mp3").write_bytes(bytes(range(256)) * 4)
    (site / STAMP).write_text('{"made_by": "lofipress", "key": "previous"}\n')
    return root


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below a folder, by relative path, with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def assert_one_line(err: str, names: str, fix: str, kind: str = "error") -> str:
    """stderr is exactly one line, `kind: <file>: what (fix)`, naming `names` and holding the fix `fix`."""
    assert "Traceback" not in err
    lines = err.rstrip("\n").split("\n")
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith(f"{kind}: "), line
    assert names in line, f"{names!r} not named in: {line}"
    assert fix in line and line.endswith(")"), f"no fix {fix!r} in: {line}"
    return line


@pytest.fixture(autouse=True)
def no_tensorflow(monkeypatch, tmp_path):
    """Any import of TensorFlow or Keras fails (a bug, exit 1): bad input is refused before training starts.

    MPLCONFIGDIR is set per test, so the build's own default (its station cache) never outlives a test.
    """
    for name in ("tensorflow", "keras"):
        monkeypatch.setitem(sys.modules, name, None)
    # As on a machine with the train extra (make test's): the check that looks for TensorFlow without importing it
    # passes, so bad input is what stops the command, and any real import of TensorFlow is still a failure.
    monkeypatch.setattr("lofipress.music.model.require_training", lambda: None)
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "matplotlib"))
