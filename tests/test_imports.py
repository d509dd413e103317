"""The house's layers, held by import-linter (.importlinter, `lint-imports`): commands over benchmarks over the
build over the stages (music, sound and site, independent of each other) over the packs over the settings over
the core; no import circle among the modules of any package, `if TYPE_CHECKING:` and lazy imports included.

What the contract cannot see stays here: the commands' handlers are named as strings (imported when run), so
each must resolve."""
from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lofipress import cli

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).parent / "lint-imports"


def lint(root: Path) -> subprocess.CompletedProcess:
    """lint-imports on the package under `root` (its own .importlinter), with no cache of earlier runs."""
    return subprocess.run([str(LINT), "--config", str(root / ".importlinter"), "--no-cache"], cwd=root,
                          capture_output=True, text=True, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})


def test_the_contract_is_kept():
    assert LINT.is_file(), "lint-imports is missing: run `make setup` (import-linter is a dev extra)"
    done = lint(ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "3 kept, 0 broken" in done.stdout


@pytest.mark.parametrize("file, planted, broken", [
    # a sound stage reaching into the build's cache (it was so: encode -> cache.writable_or_error)
    ("sound/seams.py", "from ..build import cache  # planted\n", "lofipress.sound.seams -> lofipress.build.cache"),
    # the site describing the model by importing it (it was so: pages -> model, wavenet)
    ("site/pages.py", "from ..music import model  # planted\n", "lofipress.site.pages -> lofipress.music.model"),
    # a circle hidden under TYPE_CHECKING (it was so: generate <-> priors)
    ("music/grammar.py", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .generate import Request\n",
     "No import circle"),
])
def test_the_contract_breaks_on_a_planted_import(tmp_path, file, planted, broken):
    copy = tmp_path / "copy"
    shutil.copytree(ROOT / "lofipress", copy / "lofipress", ignore=shutil.ignore_patterns("__pycache__", "_data"))
    shutil.copy(ROOT / ".importlinter", copy / ".importlinter")
    target = copy / "lofipress" / file
    text = target.read_text(encoding="utf-8")
    head = text.index("from __future__ import annotations\n") + len("from __future__ import annotations\n")
    target.write_text(text[:head] + planted + text[head:], encoding="utf-8")
    done = lint(copy)
    assert done.returncode != 0 and "BROKEN" in done.stdout and broken in done.stdout, done.stdout[-3000:]


def _handlers(parser):
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                if sub.get_default("handler"):
                    yield sub.get_default("handler")
                yield from _handlers(sub)


def test_every_command_s_handler_resolves():
    """Handlers are strings so that `lofipress --help` imports nothing heavy; each names a real function."""
    handlers = set(_handlers(cli._parser()))
    assert len(handlers) >= 12
    for handler in sorted(handlers):
        module, func = handler.split(":")
        assert callable(getattr(importlib.import_module(module), func, None)), handler
