"""The wheel works alone: built from the checkout (through its sdist), installed in a fresh virtualenv, it makes and builds a
one-track station in an empty folder, with no repository and no npm in sight.

The fresh virtualenv gets lofipress only from the wheel (pip install --no-deps --no-index); its dependencies
come from this test environment's site-packages through a .pth line (which adds the folder, not the editable
install's finder), so the test needs no download.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(cmd, cwd=None, timeout=600) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{cmd[:3]} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    return proc.stdout


@pytest.mark.slow
def test_the_wheel_alone_makes_and_builds_a_station_in_an_empty_folder(tmp_path):
    dist = tmp_path / "dist"
    # the sdist first, then the wheel from it (in pip's own temporary folder): what MANIFEST.in and setup.py
    # put in, and nothing a build folder of the checkout kept from an earlier build
    run([Path(sys.executable).parent / "pyproject-build", "--sdist", "--no-isolation", "-o", dist, ROOT])
    (sdist,) = dist.glob("lofipress-*.tar.gz")
    run([sys.executable, "-m", "pip", "wheel", sdist, "--no-deps", "--no-build-isolation", "-q", "-w", dist])
    (wheel,) = dist.glob("lofipress-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for rel in ("templates/index.html", "site_static/player/main.js", "samples/default/pack.toml",
                "samples/default/LICENSE.md", "models/default/model.keras", "node_modules/tone/build/Tone.js",
                "node_modules/tone/LICENSE.md", "node_modules/p5/lib/p5.min.js", "node_modules/p5/license.txt"):
        assert f"lofipress/_data/{rel}" in names, rel
    assert not any("__pycache__" in n or n.startswith("tests/") for n in names)

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", venv])
    python = venv / "bin" / "python"
    purelib = run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).strip()
    Path(purelib, "lofipress-test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel])

    empty = tmp_path / "empty"
    empty.mkdir()
    where = run([python, "-c", "import lofipress.core.resources as r; print(r.ROOT, r.BUNDLED)"], cwd=empty)
    assert where.strip() == f"{Path(purelib) / 'lofipress' / '_data'} True"  # not the checkout
    lofipress = venv / "bin" / "lofipress"
    run([lofipress, "new", "mystation"], cwd=empty)
    toml = empty / "mystation" / "station.toml"
    text = toml.read_text(encoding="utf-8")
    for key, value in (("tracks", "1"), ("tempo_min_bpm", "80.0"), ("tempo_max_bpm", "80.0")):
        text, n = re.subn(rf"^# {key} = \S+", f"{key} = {value}", text, flags=re.M)
        assert n == 1, key
    toml.write_text(text, encoding="utf-8")
    run([lofipress, "build", "--station", "mystation"], cwd=empty)
    site = empty / "mystation" / "site"
    for rel in ("index.html", "vendor/Tone.js", "vendor/p5.min.js", "static/player/main.js", "manifest.json"):
        assert (site / rel).is_file(), rel
    assert len(list((site / "audio").rglob("*.mp3"))) > 3
    assert "Tone.js" in (site / "credits.html").read_text(encoding="utf-8")
