"""Station config: station.toml read into one frozen `Station` (its types and defaults: lofipress.station.settings).

Unknown keys, wrong types and impossible values are `ConfigError`s naming the
key and the file.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import tomllib
import typing
from pathlib import Path

from . import mood
from ..core import resources
from .config_check import nearest as _nearest, validate
from ..core.errors import ConfigError
from .settings import (  # noqa: F401 - every stage reads its settings as config.X
    ArrangeSettings,
    CorpusSettings,
    FxSettings,
    LoopSettings,
    MasterSettings,
    ModelSettings,
    PackSettings,
    SamplingSettings,
    SiteSettings,
    SongSettings,
    Station,
    StationMeta,
)


def _check_type(value, annotation, key: str, path: Path):
    """Return value converted to the annotated type, or raise ConfigError naming the key."""
    origin = typing.get_origin(annotation)
    if origin is tuple:
        if not isinstance(value, list):
            raise ConfigError(f"'{key}' must be a list", path, 'write it as ["a", "b"]')
        (item_type, _) = typing.get_args(annotation)
        return tuple(_check_type(v, item_type, f"{key}[]", path) for v in value)
    if annotation is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"'{key}' must be a number, not {value!r}", path, "write a bare number like 1.5")
        return float(value)
    if annotation is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"'{key}' must be a whole number, not {value!r}", path, "write a bare integer like 4")
        return value
    if annotation is str:
        if not isinstance(value, str):
            raise ConfigError(f"'{key}' must be a string, not {value!r}", path, "put it in quotes")
        return value
    if annotation is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"'{key}' must be true or false, not {value!r}", path, "write true or false, unquoted")
        return value
    raise TypeError(f"unsupported config type {annotation}")


def _build_section(cls, table: dict, section: str, path: Path):
    if not isinstance(table, dict):
        raise ConfigError(f"[{section}] must be a table", path, f"write it as a [{section}] header with keys below")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    kwargs = {}
    for key, value in table.items():
        if key not in names:
            near = _nearest(key, names)
            hint = f"did you mean '{near}'?" if near else f"known keys: {', '.join(sorted(names))}"
            raise ConfigError(f"unknown key '{section}.{key}'", path, hint)
        kwargs[key] = _check_type(value, hints[key], f"{section}.{key}", path)
    return cls(**kwargs)


def from_dict(data: dict, path: Path, root: Path | None = None) -> Station:
    """Build and validate a Station from parsed TOML."""
    hints = typing.get_type_hints(Station)
    sections = {f.name for f in dataclasses.fields(Station)} - {"root"}
    kwargs = {}
    for name, table in data.items():
        if name not in sections:
            near = _nearest(name, sections)
            hint = f"did you mean [{near}]?" if near else f"sections: {', '.join(sorted(sections))}"
            raise ConfigError(f"unknown section [{name}]", path, hint)
        kwargs[name] = _build_section(hints[name], table, name, path)
    station = Station(**kwargs, root=str((root or path.parent).resolve()))
    explicit = {f"{name}.{key}" for name, table in data.items() for key in table}
    if "station.bars" in explicit and "loops.track_bars" not in explicit:  # the track loops over all its bars:
        station = dataclasses.replace(  # `bars = 8` alone is a whole request, not a clash with the loop's 30
            station, loops=dataclasses.replace(station.loops, track_bars=station.station.bars))
    station = _builtin_folders(mood.resolve(station, explicit), explicit)
    validate(station, path)
    return station


INSTALL_ROOT = resources.ROOT  # the install's own models/ and samples/: the checkout's, or a wheel's _data/


def _builtin_folders(s: Station, explicit: set[str]) -> Station:
    """Models and packs the station folder lacks come from the lofipress install, by name.

    A station made by `lofipress new` lives outside the repo with no models/default:
    it uses the install's models/<name> (and samples/<name>) until it has its own.
    An explicit `model.dir` or `pack.dir` is taken as written.
    """
    model, pack = s.model, s.pack
    if ("model.dir" not in explicit and not (s.path(model.dir) / model.name).is_dir()
            and (INSTALL_ROOT / "models" / model.name).is_dir()):
        model = dataclasses.replace(model, dir=str(INSTALL_ROOT / "models"))
    if ("pack.dir" not in explicit and not (s.path(pack.dir) / pack.name).is_dir()
            and (INSTALL_ROOT / "samples" / pack.name).is_dir()):
        pack = dataclasses.replace(pack, dir=str(INSTALL_ROOT / "samples"))
    return dataclasses.replace(s, model=model, pack=pack)


def load(path: str | Path) -> Station:
    """Read station.toml into a validated, frozen Station.

    Raises:
        ConfigError: the file is missing, not TOML, or has a bad key or value.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "station.toml"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("station file not found", path, "run `lofipress new DIR` to make one") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read station file: {exc}", path, "make it a readable UTF-8 text file") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", path, "fix the line it names") from None
    return from_dict(data, path)


def derive_seed(station_seed: int, *labels) -> int:
    """A per-item seed from the station seed and labels, stable across runs and machines."""
    text = json.dumps([station_seed, *labels])
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little") >> 1
