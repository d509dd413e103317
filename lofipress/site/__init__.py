"""Write the static site: pages, manifest.json, audio, notes, images and vendored JS.

Gather first, then write into a fresh folder beside the output folder and swap it
in whole (mkdocs' habit): a failed or killed build leaves the previous site as it
was. The same station and press give the same bytes in every file.
"""
from __future__ import annotations

import datetime as dt
import errno
import functools
import gzip
import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from . import manifest as mf
from . import pages, pianoroll, theme
from .budget import over_budget
from .templates import render_page, render_text
from .csp import CSP, with_csp  # noqa: F401 - every page's policy; stations and serve read it here too
from ..core.errors import SiteError
from .stamp import SITE_STAMP, intact, record  # noqa: F401 - the stamp: the build reads it here too
from ..core.resources import BUNDLED, NODE_MODULES, ROOT, STATIC, TEMPLATES  # noqa: F401 - the install's own files

# What a station's static/ may replace besides the player's files: the build's stand-ins for what a station may
# bring (its own icon, social card). Pages, the manifest, audio and notes it may not (lofipress.site.theme).
STATION_MAY_REPLACE = {".nojekyll", "favicon.svg", "favicon.png", "img/social.png"}
VENDOR = {  # site path -> file under node_modules (pinned in package.json)
    "vendor/Tone.js": "tone/build/Tone.js",
    "vendor/Tone.js.LICENSE.txt": "tone/LICENSE.md",
    "vendor/p5.min.js": "p5/lib/p5.min.js",
    "vendor/p5.LICENSE.txt": "p5/license.txt",
}
LIBRARIES = [  # credits.html notices; versions are read from node_modules
    {"name": "Tone.js", "package": "tone", "license": "MIT", "license_file": "vendor/Tone.js.LICENSE.txt",
     "source": "https://github.com/Tonejs/Tone.js", "note": "the audio engine (Web Audio scheduling and effects)."},
    {"name": "p5.js", "package": "p5", "license": "LGPL-2.1", "license_file": "vendor/p5.LICENSE.txt",
     "source": "https://github.com/processing/p5.js",
     "note": "draws the visuals; vendor/p5.min.js is the unmodified npm build, replaceable by any compatible p5.js."},
]
VOLUMES = [("main", "Music", 80), ("drums", "Drums", 70), ("ambience", "Ambience", 50),
           ("quote", "Quote", 80), ("master", "Everything", 80)]  # (id suffix, label, initial value 0-100)
SHORTCUTS = [(["Space"], "play or pause"), (["←", "→"], "previous or next track"),
             (["↑", "↓"], "volume of everything up or down"), (["m"], "mute or unmute everything"),
             (["s"], "shuffle on or off"), (["x"], "open or close the mixer"), (["v"], "just the scene, or back"),
             (["1", "2", "3", "4"], "focus a layer's volume (music, drums, ambience, quote); press again to mute it"),
             (["Esc"], "close the mixer, leave just the scene"), (["?"], "show this help")]


def write_site(station, press: dict, out_dir: Path, key: str = "") -> dict:
    """Write the whole site for a station into out_dir, replacing what was there at the end.

    Args:
        station: the Station (meta, loops, model name and site settings).
        press: the pipeline's plain data: tracks, songs, sampler, drums, ambience, quotes,
            credits, pack, about ({"eval": {"rows", "medians", "targets"}, "loss_png", "card"})
            and live_fx; every Path points into the build cache.
        out_dir: the site folder; its parent must be writable.
        key: what the site was built from, kept in its stamp so an unchanged rebuild can stop early.

    Returns:
        {"dir": str, "files": count, "bytes": total size, "page_kb_compressed": gzip -9 weight
        of index.html and what it loads before any audio (JS, CSS, icons, manifest)}.

    Raises:
        SiteError: node_modules or a cache file is missing, an id is not URL-safe, the output
            folder is read-only or full, or it holds a folder lofipress did not make. The previous
            site is then untouched.
    """
    out_dir = Path(out_dir).absolute()
    check_output(out_dir)
    plan = mf.asset_plan(press)
    sources = {**plan, **{dst: NODE_MODULES / src for dst, src in VENDOR.items()}}
    for rel, src in sorted(sources.items()):
        if not src.is_file():
            if src.is_relative_to(NODE_MODULES):
                fix = "reinstall lofipress from a complete wheel" if BUNDLED else "run `npm ci` (make setup does)"
                raise SiteError(f"missing node_modules/{src.relative_to(NODE_MODULES).as_posix()}", ROOT, fix)
            raise SiteError(f"the build cache lost a file the site needs ({rel})", src,
                            "rebuild with `python build.py --force`")
    loss_png = (press.get("about") or {}).get("loss_png")
    if loss_png and not Path(loss_png).is_file():
        raise SiteError("the model's loss plot is missing", loss_png, "retrain or rebuild with --force")
    tmp = fresh_folder(out_dir)
    try:
        player = theme.player_files()
        for rel, src in sorted({**sources, **player}.items()):
            _copy(src, tmp / rel)
        if loss_png:
            _copy(Path(loss_png), tmp / "img" / "loss.png")
        generated = build_date(station, press)
        _write_pages(station, press, tmp, bool(loss_png), generated)
        mf.build_manifest(station, press, tmp, generated)
        _copy_station_files(theme.station_files(station), tmp, set(player) | STATION_MAY_REPLACE)
        _write(tmp / SITE_STAMP, json.dumps({"made_by": "lofipress", "key": key, "files": record(tmp)},
                                            sort_keys=True) + "\n")  # in before the swap
        summary = summarize(tmp)
        over_budget(station, summary["bytes"])  # before the swap: a site over its budget never replaces the last
        swap(tmp, out_dir)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise site_error(exc, out_dir, tmp) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {"dir": str(out_dir), **summary}


def _copy_station_files(files: dict[str, Path], tmp: Path, replaceable: set[str]) -> None:
    """The station's static/ at the site root, last, so that a file the build wrote is seen and never replaced
    (but for `replaceable`: the player's files, which is how a station restyles the player, and the stand-ins)."""
    for rel, src in sorted(files.items()):
        hit = next((p for p in [PurePosixPath(rel), *PurePosixPath(rel).parents][:-1]
                    if (tmp / p).exists() or p.as_posix() == SITE_STAMP), None)
        if hit is not None and not (hit.as_posix() == rel and rel in replaceable and (tmp / rel).is_file()):
            raise SiteError(f"static/{rel} would replace {hit.as_posix()}, which the build writes", src,
                            "rename or move the file: a station's static/ lands at the site root")
        _copy(src, tmp / rel)


def build_date(station, press: dict) -> str:
    """The date printed in the site: SOURCE_DATE_EPOCH if set, else a fixed date from the inputs, else ""."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date().isoformat()
    fixed = getattr(station.station, "date", "") or ((press.get("about") or {}).get("card") or {}).get("date", "")
    return str(fixed)[:10]


def summarize(site_dir: Path) -> dict:
    """Count the files and bytes of a site, and weigh its player page before any audio."""
    files = [p for p in Path(site_dir).rglob("*") if p.is_file()]
    return {"files": len(files), "bytes": sum(p.stat().st_size for p in files),
            "page_kb_compressed": page_weight(site_dir)["kb"]}


def page_weight(site_dir: Path, page: str = "index.html") -> dict:
    """Gzip -9 size of what a page loads before any audio: itself, scripts, styles, first icon, manifest.

    Returns:
        {"kb": total kilobytes (1000 bytes), "files": {site path: compressed bytes}}.
    """
    from html.parser import HTMLParser

    site_dir = Path(site_dir)
    wanted = {page}

    class Assets(HTMLParser):
        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            rel = (a.get("rel") or "").split()
            first_icon = "icon" in rel and not any(w.endswith((".svg", ".png", ".ico")) for w in wanted)
            url = (a.get("src") if tag == "script" else a.get("data-manifest") if tag == "main" else
                   a.get("href") if tag == "link" and ({"stylesheet", "modulepreload"} & set(rel) or first_icon)
                   else None)
            if url and "://" not in url and not url.startswith("/"):
                wanted.add(url.split("?")[0].split("#")[0])

    Assets().feed((site_dir / page).read_text(encoding="utf-8"))
    sizes = {rel: len(gzip.compress((site_dir / rel).read_bytes(), compresslevel=9, mtime=0))
             for rel in sorted(wanted) if (site_dir / rel).is_file()}
    return {"kb": round(sum(sizes.values()) / 1000, 1), "files": sizes}


def check_output(out_dir: Path) -> None:
    """Refuse an output path that lofipress must not replace or cannot write, before any work is done.

    Raises:
        SiteError: the path is a file, a non-empty folder without our stamp, below a file,
            or in a read-only place.
    """
    out_dir = Path(out_dir).absolute()
    if out_dir.is_dir():
        if not (out_dir / SITE_STAMP).is_file() and any(out_dir.iterdir()):
            raise SiteError(f"the output folder was not made by lofipress (no {SITE_STAMP}), so it is not replaced",
                            out_dir, "empty or move it, or set site.out_dir or --out to a new folder")
    elif out_dir.exists():
        raise SiteError("the output path is a file, not a folder", out_dir, "remove it or set site.out_dir")
    ancestor = out_dir.parent
    while not ancestor.exists():  # the first folder that exists is where the new one will be made
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise SiteError(f"the output folder would be inside a file ({ancestor})", out_dir,
                        "set site.out_dir or --out to a path under a folder")
    if not os.access(ancestor, os.W_OK):  # false on a read-only filesystem even for root
        raise site_error(OSError(errno.EROFS, "read-only"), out_dir)


def fresh_folder(out_dir: Path) -> Path:
    """Make an empty folder beside out_dir (same filesystem, so os.replace is atomic)."""
    parent = out_dir.parent
    _remove_stale(parent, out_dir.name)
    tmp = parent / f".{out_dir.name}.building-{os.getpid()}"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
    except OSError as exc:
        raise site_error(exc, out_dir) from None
    return tmp


def _remove_stale(parent: Path, name: str) -> None:
    """Delete folders left by killed builds (their process is gone)."""
    if not parent.is_dir():
        return
    for stale in parent.glob(f".{name}.*-*"):
        kind, _, pid = stale.name.rpartition("-")
        if not pid.isdigit() or not kind.endswith((".building", ".old")) or _alive(int(pid)):
            continue
        shutil.rmtree(stale, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def swap(tmp: Path, out_dir: Path) -> None:
    """Move the new site into place; the old one is removed only once the new one is in."""
    old = None
    if out_dir.exists():
        if not out_dir.is_dir():
            raise SiteError("the output path is a file, not a folder", out_dir, "remove it or set site.out_dir")
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(out_dir, old)
    try:
        os.replace(tmp, out_dir)
    except OSError:
        if old is not None:
            os.replace(old, out_dir)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def site_error(exc: OSError, out_dir: Path, tmp: Path | None = None) -> SiteError:
    """One line for an OS error while writing the site, naming the file it hit when it is known."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        hit = [Path(f) for f in (exc.filename, exc.filename2) if f and tmp and Path(f).is_relative_to(tmp)]
        where = hit[0].relative_to(tmp).as_posix() if hit else "the site"
        return SiteError(f"no space left on device while writing {where}; the disk is full", out_dir,
                         "free some space and build again")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return SiteError("cannot write the site: the folder or its parent is read-only", out_dir,
                         "make it writable or set site.out_dir to another folder")
    return SiteError(f"cannot write the site: {exc.strerror or exc}", out_dir, "check the folder and build again")


@contextmanager
def _writing(path: Path):
    """Name the file being written on an OS error: a failed write() names none, copyfile names its source."""
    try:
        yield
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from exc


def _copy(src: Path, dst: Path) -> None:
    with _writing(dst):
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)


def _write(path: Path, text: str) -> None:
    with _writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))


@functools.cache
def environment(folders: tuple[str, ...]):
    """One Jinja2 environment per process and list of template folders (theme.template_dirs: a station's own
    first); it recompiles a template when its file changes (serve)."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(list(folders)), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             trim_blocks=False, lstrip_blocks=False)
    env.filters["num"] = pages.value_text
    env.filters["license_url"] = _license_url
    env.tests["external_url"] = lambda v: isinstance(v, str) and v.startswith(("https://", "http://"))
    return env


def _license_url(spdx: str) -> str:
    """The SPDX page of a license id ("CC-BY-4.0"), the canonical place for its text."""
    return f"https://spdx.org/licenses/{spdx.strip()}.html" if spdx and " " not in spdx.strip() else \
        "https://spdx.org/licenses/"


def _library_versions() -> list[dict]:
    out = []
    for lib in LIBRARIES:
        pkg = json.loads((NODE_MODULES / lib["package"] / "package.json").read_text(encoding="utf-8"))
        out.append({**lib, "version": pkg["version"]})
    return out


LOOK_CSS = "look.css"  # the station's palette and fonts as custom properties, beside index.html


def look_stylesheet(settings, selector: str = ":root") -> str:
    """A rule giving `selector` the station's look (style.css reads the custom properties)."""
    return f"{selector} {{ {look_css(settings)}; }}\n"


def look_css(settings) -> str:
    """A station's look as CSS custom properties for a style attribute (style.css reads them)."""
    names = ("bg", "fg", "accent", "accent2")
    fonts = f"--font: {settings.font}; --font-heading: {settings.heading_font or settings.font}"
    return "; ".join(f"--{name}: {value}" for name, value in zip(names, settings.palette)) + f"; {fonts}"


def home_link(home_url: str, root: str) -> str:
    """The "All stations" link of a page `root` deep: relative URLs count from the station's top folder."""
    if not home_url or "://" in home_url or home_url.startswith("/"):
        return home_url
    return root + home_url


def _write_pages(station, press: dict, site: Path, has_loss: bool, generated: str) -> None:
    """Render every HTML page and image into site."""
    env = environment(theme.template_dirs(station))
    meta, settings = station.station, station.site
    palette = tuple(settings.palette)
    base_url = settings.base_url.rstrip("/")
    _write(site / LOOK_CSS, look_stylesheet(settings))
    tracks = pages.track_rows(press.get("tracks", []))

    def render(template: str, rel: str, root: str, **extra) -> None:
        social = f"{base_url}/img/social.png" if base_url else f"{root}img/social.png"
        ctx = {"station": {"title": meta.title, "description": meta.description, "model": station.model.name},
               "palette": palette, "csp": CSP, "root": root, "generated": generated,
               "home": home_link(settings.home_url, root),
               "page_url": f"{base_url}/{rel.removesuffix('index.html')}" if base_url else "",  # home: the root
               "social": {"url": social},
               "page_name": rel.removesuffix(".html").split("/")[0], **extra}
        _write(site / rel, render_page(env, template, ctx, rel))  # checked against the policy, whoever wrote it

    layers = [{"name": "drums", "label": "Drums", "items": press.get("drums", [])},
              {"name": "ambience", "label": "Ambience", "items": press.get("ambience", [])},
              {"name": "quote", "label": "Quote", "items": [{"id": q["id"], "title": q["text"]}
                                                             for q in press.get("quotes", [])]}]
    songs = [{**song, "bpm": mf.tempo(song["bpm"])} for song in press.get("songs", [])]
    # The player's first fetches, named in the page so they start with it: the manifest and the first track's
    # first segment (the sound a tap waits for).
    first_audio = mf.segment_src(tracks[0]["id"], 0) if tracks and tracks[0].get("segments") else ""
    render("index.html", "index.html", "", tracks=tracks, songs=songs, layers=layers, first_audio=first_audio,
           volumes=[{"name": n, "label": lab, "value": v} for n, lab, v in VOLUMES], shortcuts=SHORTCUTS)
    for i, t in enumerate(tracks):
        pianoroll.render_pianoroll(t["notes"], t["bars"], palette, site / t["roll"],
                                   sections=[tuple(x) for x in t.get("sections", [])], novelty=t.get("novelty"),
                                   novelty_min=t.get("novelty_min"))
        render("track.html", t["page"], "../", **pages.track_context(tracks, i, press.get("about")))
    for piece in [*press.get("tracks", []), *press.get("songs", [])]:
        _write(site / "notes" / f"{piece['id']}.json", mf.notes_json(piece))
    render("credits.html", "credits.html", "", credits=press.get("credits", []),
           pack={"name": "", "license": "", **press.get("pack", {})}, libraries=_library_versions())
    render("about.html", "about.html", "", **pages.about_context(press.get("about"), tracks, has_loss,
                                                               press.get("pack", {}).get("name", "")))
    # GitHub Pages serves 404.html at the depth of the missing path: a relative link home is a 404 again from
    # tracks/t99.html. Without a base URL the site's own root is the best guess ("lofipress serve", a user or
    # custom-domain site); the Pages workflow passes the project site's base URL.
    render("404.html", "404.html", "", home_url=f"{base_url}/" if base_url else "/")
    _write(site / "favicon.svg", render_text(env, "favicon.svg", {"station": {"title": meta.title},
                                                                  "palette": palette}))
    pianoroll.render_favicon_png(palette, site / "favicon.png")
    first = press["tracks"][0] if press.get("tracks") else {"notes": [], "bars": 1}
    pianoroll.render_social(meta.title, meta.description, first["notes"], first["bars"], palette,
                            site / "img" / "social.png")
    _write(site / ".nojekyll", "")
