"""The install's files name only what the package registries serve: no wheel on one machine's disk, no path of ours.

A `threadpoolctl @ file:///tmp/...whl` line in constraints.txt once stopped `make site` on every machine but one
(pip freeze records direct-URL installs); CI passed because it ran where the file was.
"""
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*==[A-Za-z0-9][A-Za-z0-9.+!_-]*(\s*;\s*[^#@]+)?$")  # name==version; marker
# file: URLs, and a path from the root (/tmp/..., /home/...) that is not part of a URL, a variable or a relative path
ABSOLUTE = re.compile(r"file:/+|(?<![\w.~$)}\]:/*-])/(?!/)[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]*)*")
INSTALL_FILES = ["pyproject.toml", "Makefile", ".github/workflows/pages.yml", "constraints.txt", "package.json"]


def bad_pins(text: str) -> list[str]:
    """The lines of a constraints file that are neither a comment, blank, nor `name==version` (a marker allowed)."""
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#") and not PIN.match(line)]


def absolute_paths(text: str) -> list[str]:
    return [m.group(0) for line in text.splitlines() for m in ABSOLUTE.finditer(line.split(" #")[0])
            if not line.lstrip().startswith("#")]


def test_the_checks_catch_what_broke_a_fresh_machine():
    wheel = "threadpoolctl @ file:///tmp/tpc/threadpoolctl-3.8.0-py3-none-any.whl#sha256=f1b4"
    assert bad_pins(f"# tested set\nnumpy==2.4.6\n{wheel}\n-e /work/main\n./dist/x.whl\nscipy>=1\n") == [
        wheel, "-e /work/main", "./dist/x.whl", "scipy>=1"]
    assert bad_pins("audioop-lts==0.2.2 ; python_version >= '3.13'\nJinja2==3.1.6\n") == []
    assert absolute_paths(f"{wheel}\n\tpip install /opt/wheels/x.whl\n") == ["file:///", "/opt/wheels/x.whl"]
    assert absolute_paths("\t$(PY) -m pip install -c constraints.txt -e .\nurl = \"https://x.org/a/b\"\n"
                          "\t.venv/bin/lofipress build\n") == []


def test_constraints_pin_only_registry_versions():
    assert bad_pins((ROOT / "constraints.txt").read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("name", INSTALL_FILES)
def test_no_install_file_names_a_path_of_one_machine(name):
    assert absolute_paths((ROOT / name).read_text(encoding="utf-8")) == []


def test_make_constraints_writes_plain_pins():
    """The recipe itself: what `make constraints` would write from this install is name==version only."""
    recipe = subprocess.run(["make", "-n", "-W", "constraints.txt", "constraints"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout
    assert "pip freeze" not in recipe  # freeze records `name @ file://...` for a wheel installed from disk
    assert "scripts/pin_constraints.py" in recipe
    spec = importlib.util.spec_from_file_location("pin_constraints", ROOT / "scripts" / "pin_constraints.py")
    pin_constraints = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pin_constraints)
    written = pin_constraints.pins(sys.executable)
    assert written and bad_pins("\n".join(written)) == []
    assert not any(line.lower().startswith(("lofipress==", "pip==")) for line in written)


def _engine_floor() -> int:
    engines = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["engines"]["node"]
    floor = re.fullmatch(r">=(\d+)", engines.strip())
    assert floor, f"package.json engines.node {engines!r}: expected >=MAJOR"
    return int(floor.group(1))


def test_the_node_named_everywhere_is_the_lts_and_what_runs_satisfies_engines():
    """Node 20 reached its end of life on 2026-04-30: .nvmrc names the LTS, the workflow and README follow it."""
    lts = int((ROOT / ".nvmrc").read_text().strip())
    assert lts >= 26 and lts % 2 == 0 and lts >= _engine_floor()  # LTS lines are the even ones
    assert "node-version-file: .nvmrc" in (ROOT / ".github/workflows/pages.yml").read_text(encoding="utf-8")
    assert f"Node.js {lts} (the current LTS" in (ROOT / "README.md").read_text(encoding="utf-8")
    running = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True).stdout
    assert int(running.strip().lstrip("v").split(".")[0]) >= _engine_floor(), running


def test_the_readme_shows_the_player_in_a_small_picture():
    """Near the top, a picture of the player (a scene with the bar), small enough for a README, made by a command."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert 0 < readme.find("](docs/player.jpg)") < readme.find("## Quick start")
    picture = ROOT / "docs" / "player.jpg"
    assert picture.read_bytes()[:3] == b"\xff\xd8\xff" and picture.stat().st_size <= 150_000  # a JPEG, <= 150 KB
    assert "scripts/readme_picture.py" in (ROOT / "Makefile").read_text(encoding="utf-8")
