"""The templates and player files a station's site is made from: the station's own `templates/` and `static/`
first, lofipress's built-in ones (lofipress.resources) for everything the station does not replace.

As in Hugo and Zola, a file of the same name wins: `mystation/templates/about.html` replaces the about page,
`mystation/static/style.css` the stylesheet, and anything new is added (`static/` lands in the site's
`static/`). A template may extend or include a built-in one by its name, as the built-in pages do.
"""
from __future__ import annotations

from pathlib import Path

from . import resources
from .cache import tree_hash

TEMPLATES_FOLDER = "templates"
STATIC_FOLDER = "static"


def template_dirs(station) -> tuple[str, ...]:
    """The folders Jinja looks in, in order: the station's templates/ (if it has one), then the built-in ones."""
    own, built_in = station.path(TEMPLATES_FOLDER), str(resources.TEMPLATES)
    return (str(own), built_in) if own.is_dir() else (built_in,)


def static_files(station) -> dict[str, Path]:
    """Each player file by its path under the site's static/: the built-in file, or the station's own."""
    files: dict[str, Path] = {}
    for folder in (resources.STATIC, station.path(STATIC_FOLDER)):  # the station's last: it wins
        if folder.is_dir():
            for src in sorted(folder.rglob("*")):
                rel = src.relative_to(folder)
                if src.is_file() and not any(p.startswith(".") or p == "__pycache__" for p in rel.parts):
                    files[rel.as_posix()] = src
    return files


def watched(station) -> list[Path]:
    """Every folder whose files shape the pages (what `lofipress serve` watches)."""
    return [resources.TEMPLATES, resources.STATIC, station.path(TEMPLATES_FOLDER), station.path(STATIC_FOLDER)]


def theme_hash(station) -> str:
    """What the site key holds of the templates and player files: built-in and the station's, by name and bytes."""
    return "-".join(tree_hash(Path(folder)) for folder in watched(station))
