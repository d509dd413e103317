"""The build cache's code hashes name every module whose code shapes what they cache.

A module missing from a list means a change to it is silently not rebuilt (priors.py once was
missing from the compose list: a new sampling prior left every cached station as it was).
"""
from __future__ import annotations

import ast
from pathlib import Path

from lofipress.build import audio_jobs, pipeline

PACKAGE = Path(pipeline.__file__).parents[1]  # lofipress/
# Settings (their types and checks) and errors reach the cache key as data (the station's settings), not as code.
AS_DATA = {"station.config", "station.config_check", "station.settings", "core.errors", "build.cache", "core.text",
           "core.resources"}  # config_check and core.text only reject settings and texts; resources only says
# where the install keeps its files (their bytes are hashed where they are read)


def _file(name: str) -> Path | None:
    path = PACKAGE / (name.replace(".", "/") + ".py")
    package = PACKAGE / name.replace(".", "/") / "__init__.py"
    return path if path.is_file() else package if package.is_file() else None


def reachable(module: str) -> set[str]:
    """lofipress modules (dotted, from lofipress: "music.compose") imported at module level, directly or not, by
    `module` (imports inside functions serve commands such as `lofipress compose`, not the cached work, and are
    left to the per-function lists)."""
    seen, todo = set(), [module]
    while todo:
        name = todo.pop()
        path = _file(name)
        if name in seen or path is None:
            continue
        seen.add(name)
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package[:len(package) - node.level + 1] + (node.module.split(".") if node.module else [])
                todo.append(".".join(base))
                todo += [".".join([*base, a.name]) for a in node.names]  # `from . import x`: a module
    return {n for n in seen if n and not _only_a_docstring(_file(n))}


def _only_a_docstring(path: Path) -> bool:
    """A package's __init__ that says what the package is and runs nothing: no code to hash."""
    body = ast.parse(path.read_text(encoding="utf-8")).body
    return path.name == "__init__.py" and all(isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)
                                              for n in body)


def test_compose_cache_hashes_every_module_composing_reaches():
    missing = reachable("music.compose") - set(pipeline.COMPOSE_CODE) - AS_DATA
    assert not missing, f"add {sorted(missing)} to pipeline.COMPOSE_CODE"


def test_audio_cache_hashes_every_module_rendering_reaches():
    missing = reachable("build.audio") - set(audio_jobs.AUDIO_CODE) - AS_DATA
    assert not missing, f"add {sorted(missing)} to audio_jobs.AUDIO_CODE"


def test_site_cache_hashes_every_module_writing_the_site_reaches():
    """The site is remade when any module that writes it changes (the policy moved to site.csp once, unhashed)."""
    missing = (reachable("site") | reachable("build.press")) - set(pipeline.SITE_CODE) - AS_DATA
    assert not missing, f"add {sorted(missing)} to pipeline.SITE_CODE"
