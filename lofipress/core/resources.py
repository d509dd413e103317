"""Where lofipress finds its own files: page templates, the player's static files, Tone.js and p5, the
built-in pack and model.

In a checkout (and an editable install) they are the repository's own folders. A wheel carries them inside the
package, in lofipress/_data/ (setup.py copies them there when the wheel is built, Tone.js and p5 from
node_modules with their licences), found through importlib.resources: an installed lofipress needs neither
the repository nor npm.
"""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]  # lofipress/core/resources.py -> the checkout
DATA_FOLDER = "_data"  # inside the package, in a wheel


def _bundled() -> Path | None:
    data = files("lofipress").joinpath(DATA_FOLDER)
    # a real folder on disk: lofipress is never run from a zip (numba caches and subprocess workers need files)
    return Path(str(data)) if data.is_dir() and (Path(str(data)) / "templates").is_dir() else None


ROOT = _bundled() or CHECKOUT
BUNDLED = ROOT != CHECKOUT  # True in a wheel install
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "site_static"
NODE_MODULES = ROOT / "node_modules"  # in a wheel, only the files the site vendors (site.VENDOR) and their package.json
MODELS = ROOT / "models"
SAMPLES = ROOT / "samples"
