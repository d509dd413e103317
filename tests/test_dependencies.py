"""Lean and honest dependencies: everything lofipress imports is declared, everything declared is imported, and
what only training needs (TensorFlow, Keras) is the `train` extra, never imported by a build."""
from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMPORT_NAME = {"imageio-ffmpeg": "imageio_ffmpeg", "pretty_midi": "pretty_midi", "tensorflow-cpu": "tensorflow",
               "pyyaml": "yaml", "pytest-xdist": "xdist", "pillow": "PIL"}
# imported only through another package, by design: Keras runs on TensorFlow (its backend), build provides
# `pyproject-build`, setuptools builds the wheel, xdist is a pytest plugin, audioop-lts gives pydub the audioop
# that Python 3.13 dropped, import-linter is the `lint-imports` command (make test)
USED_INDIRECTLY = {"tensorflow", "build", "setuptools", "xdist", "audioop_lts", "import_linter"}


def declared(group: str | None = None) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = project["dependencies"] if group is None else project["optional-dependencies"][group]
    names = {re.split(r"[<>=!~; \[]", spec, maxsplit=1)[0].lower() for spec in specs}
    return {IMPORT_NAME.get(n, n.replace("-", "_")) for n in names}


def imported(folder: Path, skip: str = "") -> set[str]:
    """Top-level names of the third-party modules that the .py files under folder (but not under skip) import."""
    found = set()
    for path in folder.rglob("*.py"):
        if skip and path.is_relative_to(folder / skip):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {n for n in found if n not in sys.stdlib_module_names and n != "lofipress"}


def test_everything_the_package_imports_is_declared_and_everything_declared_is_imported():
    base, train = declared(), declared("train")
    used = imported(ROOT / "lofipress", skip="bench")
    assert not used - base - train, f"imported but not declared: {sorted(used - base - train)}"
    assert not base - used - USED_INDIRECTLY, f"declared but never imported: {sorted(base - used - USED_INDIRECTLY)}"
    assert not train - used - USED_INDIRECTLY, sorted(train - used)
    # the benchmarks are a developer's tool: what they add (Playwright, for `bench site`) is a dev extra
    bench = imported(ROOT / "lofipress" / "bench") - base - train
    assert not bench - declared("dev"), sorted(bench - declared("dev"))


def test_the_test_tools_are_dev_extras():
    dev = declared("dev")
    used = imported(ROOT / "tests") - declared() - declared("train") - {"lofipress", "conftest"}
    local = {p.stem for folder in ("tests", "scripts") for p in (ROOT / folder).rglob("*.py")}
    assert not used - dev - local, f"the tests import undeclared {sorted(used - dev - local)}"
    assert not dev - used - USED_INDIRECTLY, f"dev extras never imported: {sorted(dev - used - USED_INDIRECTLY)}"


def test_a_build_never_imports_tensorflow_or_keras():
    """The modules a build runs import Keras only inside the functions training calls (lofipress.music.train, the
    model builders), never at module level: an install without the train extra builds from a committed model."""
    for path in (ROOT / "lofipress").rglob("*.py"):
        if path.stem in ("train", "transformer_keras"):  # training itself
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        names = {a.name.split(".")[0] for n in top if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module.split(".")[0] for n in top if isinstance(n, ast.ImportFrom) and n.module}
        assert not names & {"keras", "tensorflow"}, path.name
