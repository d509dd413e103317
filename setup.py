"""The wheel carries lofipress's own files inside the package (lofipress/_data/, read by lofipress.resources):
the page templates, the player's static files, the built-in pack and model, and Tone.js and p5 copied from
node_modules with their licences. All other metadata is in pyproject.toml."""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
FOLDERS = ["templates", "site_static", "samples/default", "models/default"]
VENDORED = ["node_modules/tone/build/Tone.js", "node_modules/tone/LICENSE.md", "node_modules/tone/package.json",
            "node_modules/p5/lib/p5.min.js", "node_modules/p5/license.txt", "node_modules/p5/package.json"]


class BuildWithData(build_py):
    """build_py, then the install's own files into build/lib/lofipress/_data (not for an editable install,
    which reads them from the checkout)."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        missing = [rel for rel in VENDORED if not (HERE / rel).is_file()]
        if missing:
            raise SystemExit(f"setup.py: {missing[0]} is missing: run `npm ci` before building the wheel")
        data = Path(self.build_lib) / "lofipress" / "_data"
        shutil.rmtree(data, ignore_errors=True)
        for rel in FOLDERS:
            shutil.copytree(HERE / rel, data / rel, ignore=shutil.ignore_patterns("__pycache__", ".*"))
        for rel in VENDORED:
            (data / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(HERE / rel, data / rel)


setup(cmdclass={"build_py": BuildWithData})
