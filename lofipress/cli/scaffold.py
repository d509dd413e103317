"""`lofipress new DIR`: a new station folder that builds as it is.

    DIR/station.toml      every setting, with its default and why (read from config.py, so it cannot drift)
    DIR/samples/starter/  a small pack: half the default pack's instrument samples, its kit and patterns, one bed, one quote
    DIR/corpus/           where the station's own MIDI goes; until it trains a model it uses the built-in one
    DIR/README.md, DIR/.gitignore

The folder is written next to DIR under a temporary name and renamed into place,
so a failure leaves nothing half made.
"""
from __future__ import annotations

import ast
import dataclasses
import inspect
import os
import re
import shlex
import shutil
import tokenize
import tomllib
from pathlib import Path

from ..station import config
from ..core import tomlfile
from ..station.mood import lexicon_table
from ..core.errors import LofipressError

STARTER_PACK = "starter"
STARTER_MOOD = "chill rainy night"  # shows the mood line at work; an empty mood keeps every default
COMMENT_COLUMN = 40  # where the trailing "# why" comments of station.toml start


def field_reasons(cls) -> dict[str, str]:
    """Each field's trailing comment in config.py: the one-line reason for its default."""
    lines, _ = inspect.getsourcelines(cls)
    comments = {tok.start[0]: tok.string.lstrip("#").strip()
                for tok in tokenize.generate_tokens(iter(lines).__next__) if tok.type == tokenize.COMMENT}
    body = ast.parse("".join(lines)).body[0].body
    return {node.target.id: comments.get(node.end_lineno, "") for node in body
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)}


def station_toml(settings: dict[str, dict]) -> str:
    """station.toml listing every field of config.Station: `settings` as live lines, the rest as commented defaults."""
    out = ["# A lofipress station, made by `lofipress new`. Build it with `lofipress build --station station.toml`.",
           "# Every setting is listed with its default and the reason for it. A line starting \"# key =\" is",
           "# the default: remove the \"# \" to change it. Unknown keys are errors naming the key.",
           "# `mood` picks the mode, tempo range and fx preset (its words: README.md beside this file); a key you",
           "# set here (station.keys, station.tempo_min_bpm / tempo_max_bpm, fx.preset) wins over the mood."]
    defaults = config.Station()
    for section in dataclasses.fields(config.Station):
        if section.name == "root":
            continue  # not a setting: the folder of the station file
        cls = type(getattr(defaults, section.name))
        reasons = field_reasons(cls)
        chosen = settings.get(section.name, {})
        out += ["", f"[{section.name}]"]
        for f in dataclasses.fields(cls):
            value = chosen.get(f.name, getattr(getattr(defaults, section.name), f.name))
            line = ("" if f.name in chosen else "# ") + tomlfile.assignment(f.name, value)
            reason = reasons.get(f.name, "")
            out.append(f"{line.ljust(COMMENT_COLUMN - 1)} # {reason}" if reason else line)
    return "\n".join(out) + "\n"


def station_name(folder: Path) -> str:
    """A folder-safe station id from the folder's name ("My Beats!" -> "my-beats")."""
    return re.sub(r"[^a-z0-9]+", "-", folder.name.lower()).strip("-") or "station"


def starter_pack(src: Path, dest: Path) -> int:
    """Copy a small pack from `src`: thinned instrument zones, the kit and patterns, one of each bed.

    Returns the number of audio files copied. Every file the copy names is inside
    `dest` and credited, because it is checked with packs.load_pack before returning.
    """
    from ..packs import load_pack

    data = tomllib.loads((src / "pack.toml").read_text(encoding="utf-8"))
    for table in data.get("instruments", {}).values():
        table["zones"] = _thin_zones(table["zones"])
    for key in ("ambience", "quotes", "drum_loops"):
        if data.get(key):
            data[key] = data[key][:1]
    src = src.resolve()
    named = _strings({k: v for k, v in data.items() if k != "credits"})
    files = sorted(s for s in set(named) if (src / s).is_file() and (src / s).resolve().is_relative_to(src))
    data["credits"] = [c for c in data["credits"]
                       if any(f == c["file"] or (c["file"].endswith("/") and f.startswith(c["file"])) for f in files)]
    data["name"] = STARTER_PACK
    for rel in files:
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / rel, dest / rel)
    if (src / "LICENSE.md").is_file():
        shutil.copyfile(src / "LICENSE.md", dest / "LICENSE.md")
    head = [f"# A starter pack: a few files of lofipress's '{src.name}' pack. Replace the files, edit this list,",
            f"# then run `lofipress pack check samples/{STARTER_PACK}`. Paths stay inside this folder."]
    (dest / "pack.toml").write_text(tomlfile.dumps(data, head), encoding="utf-8")
    load_pack(dest)
    return len(files)


def _thin_zones(zones: list[dict]) -> list[dict]:
    """The loudest velocity layer, every other root, ranges widened to meet halfway between roots.

    A sampler repitches a note up to half the gap (3 semitones for the default pack's
    minor-third spacing), which lo-fi keys hide well; it halves the files to copy and render.
    """
    top = max(z.get("vel_hi", 127) for z in zones)
    loud = sorted((z for z in zones if z.get("vel_hi", 127) == top), key=lambda z: z["root"])
    kept = loud[::2] if len(loud) > 2 else loud
    out = []
    for i, z in enumerate(kept):
        lo = min(x["lo"] for x in loud) if i == 0 else out[-1]["hi"] + 1
        hi = max(x["hi"] for x in loud) if i == len(kept) - 1 else (z["root"] + kept[i + 1]["root"]) // 2
        out.append({**z, "lo": lo, "hi": hi, "vel_lo": 1})
    return out


def _strings(value) -> list[str]:
    """Every string inside nested dicts and lists."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def scaffold(folder: Path) -> dict:
    """Write a new station into `folder`.

    Args:
        folder: a folder that does not exist yet, or an empty one.
    Returns:
        What was made: the station file, the pack's file count, whether a built-in model was found.
    Raises:
        LofipressError: the folder exists and holds something, or the install has no pack to copy.
    """
    folder = Path(folder).absolute()
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise LofipressError("exists and is not an empty folder", folder, "give a new folder name, or empty it first")
    source_pack = config.INSTALL_ROOT / "samples" / "default"
    if not (source_pack / "pack.toml").is_file():
        raise LofipressError("this lofipress install has no built-in pack to copy", source_pack,
                             "install lofipress from its repository (pip install -e .), which ships samples/")
    name = station_name(folder)
    settings = {
        "station": {"name": name, "title": f"{name.replace('-', ' ')} radio",
                    "seed": config.derive_seed(0, "station", name) % 1_000_000, "mood": STARTER_MOOD},
        "pack": {"name": STARTER_PACK},
    }
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(f".{folder.name}.{os.getpid()}.new")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        (tmp / "corpus").mkdir(parents=True)
        (tmp / "station.toml").write_text(station_toml(settings), encoding="utf-8")
        n_files = starter_pack(source_pack, tmp / "samples" / STARTER_PACK)
        (tmp / "corpus" / "README.md").write_text(CORPUS_README, encoding="utf-8")
        (tmp / "README.md").write_text(STATION_README.format(title=settings["station"]["title"], name=name,
                                                             mood=STARTER_MOOD, lexicon=lexicon_table()),
                                         encoding="utf-8")
        (tmp / ".gitignore").write_text("site/\n.cache/\n", encoding="utf-8")
        if folder.exists():
            folder.rmdir()  # empty, checked above
        os.replace(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    has_model = (config.INSTALL_ROOT / "models" / config.ModelSettings().name).is_dir()
    return {"dir": str(folder), "station": str(folder / "station.toml"), "pack_files": n_files,
            "builtin_model": has_model}


def cli_new(args) -> int:
    """`lofipress new DIR`: scaffold, then say what to run next."""
    made = scaffold(Path(args.dir))
    print(f"made {made['dir']}: station.toml, samples/{STARTER_PACK} ({made['pack_files']} audio files), "
          "corpus/, README.md, .gitignore")
    if not made["builtin_model"]:
        print("note: this lofipress install has no built-in model: add MIDI files to corpus/ and the first build "
              "trains one (TensorFlow, minutes)")
    where = shlex.quote(str(args.dir))
    if not getattr(args, "quiet", False):
        print(f"next: lofipress build --station {where} && lofipress serve --station {where}")
    return 0


CORPUS_README = """\
# corpus/

Put the station's own training music here: `.mid`, `.midi` or `.abc` files, any
folder depth. What trains well is what lofipress composes: short 4/4 chord loops
and progressions (keys or piano, a few bars each), a few dozen files or more.
Files that cannot be read are reported by name.

Until you train a model on it, the station uses lofipress's built-in `default`
model (found in the lofipress install when this folder's `models/` has none).
To use your own:

    lofipress train --corpus corpus --out models/mine --station station.toml

then set `name = "mine"` under `[model]` in station.toml. (Setting the name
first also works: `lofipress build` trains `models/mine` when it is missing.)
"""

STATION_README = """\
# {title}

A lo-fi hip-hop station made with lofipress: AI-composed tracks rendered
through a lo-fi chain, and a static player site.

## Build and listen

    lofipress build --station station.toml     # -> site/
    lofipress serve --station station.toml     # http://127.0.0.1:8000, rebuilds on change

## What is here

| path | what it is |
| --- | --- |
| `station.toml` | every setting, with its default and why; uncomment a line to change it |
| `samples/starter/` | the sample pack: instruments, drum kit and patterns, an ambience bed, a quote, credits |
| `corpus/` | your own MIDI to train a model on (see its README) |
| `site/`, `.cache/` | what a build writes (ignored by git) |

## Make it yours

- **Mood**: `mood = "{mood}"` under `[station]` picks the mode, tempo range and
  effect preset. Try `"sunny morning"` or `"sad, lonely"`; the build prints which
  words it used and which it ignored. A key you set yourself wins over the mood.
- **Sounds**: edit `samples/starter/pack.toml`, or add a pack folder next to it and
  set `[pack] name`. `lofipress pack check samples/starter` validates a pack.
- **Music**: put MIDI in `corpus/` and train a model (see `corpus/README.md`).
- **Models and packs by name**: a `[model]` or `[pack]` name this folder lacks
  (`models/<name>`, `samples/<name>`) is taken from the lofipress install, which
  ships `default` of both.

## Publish

`site/` is a static site with relative URLs: any static host serves it, including
GitHub Pages from a sub-path. Give the build the address it will live at, so
that links shared on social media and the 404 page's link home work:

    lofipress build --station station.toml --base-url https://USER.github.io/REPO

To set a custom domain, put a `CNAME` file in `static/` here: everything in
`static/` lands at the site's root. `lofipress --help` lists every command, and
`lofipress COMMAND --help` every option.

## Mood words

{lexicon}"""
