"""The templates and player files a station's site is made from: the station's own `templates/` and `static/`
first, lofipress's built-in ones (lofipress.core.resources) for everything the station does not replace.

As in Hugo and Zola, a template of the same name wins (`mystation/templates/about.html` replaces the about
page), and a station's `static/` lands at the site root, as it is: `CNAME`, `robots.txt`, `favicon.ico`,
`.nojekyll`, a verification file. The player's own files keep their folder, `static/`, so a station replaces
the stylesheet with `mystation/static/static/style.css`. A file that would replace a page or anything else the
build writes is an error naming both (lofipress.site). A template may extend or include a built-in one by its
name, as the built-in pages do.
"""
from __future__ import annotations

from pathlib import Path

from ..core import resources
from ..core.files import tree_hash
from ..core.errors import SiteError

TEMPLATES_FOLDER = "templates"
STATIC_FOLDER = "static"
PLAYER_FOLDER = "static"  # where the built-in player files sit in the site
SKIPPED = {"__pycache__", ".git", ".DS_Store", "Thumbs.db"}  # never published, wherever they are


def template_dirs(station) -> tuple[str, ...]:
    """The folders Jinja looks in, in order: the station's templates/ (if it has one), then the built-in ones."""
    own, built_in = station.path(TEMPLATES_FOLDER), str(resources.TEMPLATES)
    if not own.is_dir():
        return (built_in,)
    _refuse_links_out(own, TEMPLATES_FOLDER, _tree(own, dotfiles=True))
    return (str(own), built_in)


def player_files() -> dict[str, Path]:
    """The built-in player files (JS, CSS, icons) by their path in the site, under static/."""
    return {f"{PLAYER_FOLDER}/{rel}": src for rel, src in _tree(resources.STATIC, dotfiles=False).items()}


def station_files(station) -> dict[str, Path]:
    """The station's own static/ files by their path in the site: the same path from the site root.

    Dotfiles are kept (`.nojekyll`, `.well-known/`), version-control and OS litter is not.

    Raises:
        SiteError: a file is a link that leads out of the station's static/ folder.
    """
    folder = station.path(STATIC_FOLDER)
    if not folder.is_dir():
        return {}
    files = _tree(folder, dotfiles=True)
    _refuse_links_out(folder, STATIC_FOLDER, files)
    return files


def _refuse_links_out(folder: Path, name: str, files: dict[str, Path]) -> None:
    """A station's own files stay in its folder, as a pack's do: a link out (to ~/.ssh, /etc) is never published.

    Raises:
        SiteError: a file is a link that leads out of the folder.
    """
    inside = folder.resolve()
    for rel, src in files.items():
        if not src.resolve().is_relative_to(inside):
            raise SiteError(f"{name}/{rel} is a link to a file outside the station's {name} folder", src,
                            f"copy the file into {name}/ instead of linking to it")


def _tree(folder: Path, dotfiles: bool) -> dict[str, Path]:
    files: dict[str, Path] = {}
    if folder.is_dir():
        for src in sorted(folder.rglob("*")):
            rel = src.relative_to(folder)
            if src.is_file() and not any(p in SKIPPED or (p.startswith(".") and not dotfiles) for p in rel.parts):
                files[rel.as_posix()] = src
    return files


def watched(station) -> list[Path]:
    """Every folder whose files shape the pages (what `lofipress serve` watches)."""
    return [resources.TEMPLATES, resources.STATIC, station.path(TEMPLATES_FOLDER), station.path(STATIC_FOLDER)]


def theme_hash(station) -> str:
    """What the site key holds of the templates and player files: built-in and the station's, by name and bytes."""
    return "-".join(tree_hash(Path(folder)) for folder in watched(station))
