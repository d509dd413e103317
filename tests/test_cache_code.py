"""The build cache's code hashes name every module whose code shapes what they cache.

A module missing from a list means a change to it is silently not rebuilt (priors.py once was
missing from the compose list: a new sampling prior left every cached station as it was).
"""
from __future__ import annotations

import ast
from pathlib import Path

from lofipress.build import audio_jobs, pipeline

PACKAGE = Path(pipeline.__file__).parent
# Settings (and their checks) and errors reach the cache key as data (the station's settings), not as code.
AS_DATA = {"config", "config_check", "errors", "cache", "resources"}  # config_check only rejects settings;
# resources only says where the install keeps its files (their bytes are hashed where they are read)


def reachable(module: str) -> set[str]:
    """lofipress modules imported at module level, directly or not, by `module` (imports inside functions serve
    commands such as `lofipress compose`, not the cached work, and are left to the per-function lists)."""
    seen, todo = set(), [module]
    while todo:
        name = todo.pop()
        if name in seen or not (PACKAGE / f"{name}.py").is_file():
            continue
        seen.add(name)
        for node in ast.parse((PACKAGE / f"{name}.py").read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                todo += [node.module] if node.module else [a.name for a in node.names]
    return seen


def test_compose_cache_hashes_every_module_composing_reaches():
    missing = reachable("compose") - set(pipeline.COMPOSE_CODE) - AS_DATA
    assert not missing, f"add {sorted(missing)} to pipeline.COMPOSE_CODE"


def test_audio_cache_hashes_every_module_rendering_reaches():
    missing = reachable("audio") - set(audio_jobs.AUDIO_CODE) - AS_DATA
    assert not missing, f"add {sorted(missing)} to audio_jobs.AUDIO_CODE"
