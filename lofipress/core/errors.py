"""Expected failures: each names the file at fault and what to do about it."""
from __future__ import annotations

from pathlib import Path


class LofipressError(Exception):
    """A user-facing error: the CLI prints `path: message` on one line and exits 2."""

    def __init__(self, message: str, path: str | Path | None = None, fix: str = ""):
        self.path = str(path) if path is not None else None
        self.message = message
        self.fix = fix
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """`path: message (fix)`, newlines folded: a decoder's multi-line text must not break the one-line promise."""
        head = f"{self.path}: " if self.path else ""
        tail = f" ({self.fix})" if self.fix else ""
        return " ".join(f"{head}{self.message}{tail}".split("\n"))


class ConfigError(LofipressError):
    """station.toml is malformed, has an unknown key, a wrong type or an impossible value."""


class CorpusError(LofipressError):
    """The corpus is missing, empty or holds nothing usable."""


class MidiError(LofipressError):
    """One MIDI or ABC file cannot be read: an error by default, skipped and reported with `skip_bad`."""


class ModelError(LofipressError):
    """A model folder is missing, incomplete or does not match its vocabulary."""


class PackError(LofipressError):
    """A sample pack is malformed, names a missing file or escapes its folder."""


class AudioError(LofipressError):
    """Rendered or encoded audio failed a check (length, seam, loudness)."""


class SiteError(LofipressError):
    """The site cannot be written (read-only or full output folder, missing asset)."""
