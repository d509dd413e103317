"""The `lofipress` command: wires stages together, turns LofipressError into one line and exit 2."""
from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
import traceback

from .. import __version__
from ..core.errors import LofipressError

EXIT_OK, EXIT_BUG, EXIT_USER = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage mistake in one line, like every other error (its usage block is in --help)."""

    def error(self, message: str):
        print(f"error: {self.prog}: {message} (see `{self.prog} --help`)", file=sys.stderr)
        sys.exit(EXIT_USER)


def _station_arg(p: argparse.ArgumentParser, lineup: bool = False) -> None:
    """--station; `lineup`: this command also takes a stations/ folder (build, clean and serve do, one by one)."""
    p.add_argument("--station", "-s", default="station.toml",
                   help="station file or its folder (default: ./station.toml)"
                   + ("; a stations/ folder works on every station in it" if lineup else ""))


def _port(text: str) -> int:
    """--port: a TCP port, 0 (any free one) to 65535, checked here so a typo is a usage error, not a bug in bind()."""
    if not re.fullmatch(r"[0-9]{1,5}", text.strip()) or int(text) > 65535:  # no int() of a 5,000-digit typo
        shown = text if len(text) <= 20 else text[:20] + "..."
        raise argparse.ArgumentTypeError(f"{shown!r} is not a port: give a number from 0 to 65535 (0: any free port)")
    return int(text)


def _command(sub, name: str, **kwargs) -> argparse.ArgumentParser:
    """A subcommand, its one-line help also its description; it takes the global flags too."""
    p = sub.add_parser(name, description=kwargs.get("help"), **kwargs)
    _global_flags(p)
    return p


def _global_flags(p: argparse.ArgumentParser) -> None:
    """--debug, -q and -v, before the command or after it (`lofipress -q build`, `python build.py -q`).

    Read with getattr(args, ..., False): SUPPRESS keeps a nested command's own default from undoing a
    parent's (`lofipress -q pack check`, `lofipress pack -q check`)."""
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                   help="print the traceback of an unexpected error (a bug)")
    p.add_argument("--quiet", "-q", action="store_true", default=argparse.SUPPRESS,
                   help="no progress bars or preamble: results, one line per stage, warnings and errors")
    p.add_argument("--verbose", "-v", action="store_true", default=argparse.SUPPRESS,
                   help="more: the traceback of an unexpected error (a bug), as --debug")


def _parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="lofipress", description="Press a lo-fi hip-hop station into a static website.")
    ap.add_argument("--version", action="version", version=f"lofipress {__version__}")
    _global_flags(ap)
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = _command(sub, "build", help="compose, render and write the site (what `python build.py` runs)")
    _station_arg(p, lineup=True)
    p.add_argument("--force", action="store_true", help="ignore the cache and rebuild everything")
    p.add_argument("--jobs", "-j", type=int, default=0, help="worker processes for rendering (default: every core)")
    p.add_argument("--out", help="output folder (default: the station's site.out_dir)")
    p.add_argument("--base-url", metavar="URL",
                   help="the address the site is published at (overrides [site] base_url): social cards, "
                        "canonical links and the 404 page's link home become absolute")
    p.set_defaults(handler="lofipress.cli.commands:cli_build")

    p = _command(sub, "serve", help="preview the site on localhost; rebuild and reload on change")
    _station_arg(p, lineup=True)
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; 0.0.0.0 lets a phone on your network listen)")
    p.add_argument("--port", type=_port, default=8000, help="port to listen on (default 8000)")
    p.add_argument("--open", action="store_true", help="open the site in your web browser once it is built")
    p.add_argument("--no-watch", action="store_true", help="serve only, do not rebuild on change")
    p.set_defaults(handler="lofipress.cli.serve:cli_serve")

    p = _command(sub, "train", help="train a model (LSTM, WaveNet or Transformer) on a folder of MIDI/ABC files")
    p.add_argument("--corpus", required=True, help="folder of .mid/.midi/.abc files")
    p.add_argument("--out", required=True, help="model folder to write, e.g. models/mine")
    p.add_argument("--resume", action="store_true", help="continue from the folder's last checkpoint")
    p.add_argument("--arch", choices=["small", "seed", "wavenet", "transformer"], default=None,
                   help="small (the default LSTM), seed (the articles' LSTM 256-512-256), wavenet or transformer")
    p.add_argument("--epochs", type=int, default=None, help="upper bound on epochs (early stopping may end sooner)")
    p.add_argument("--skip-bad", action="store_true", help="skip unreadable corpus files instead of stopping")
    p.add_argument("--melody-only", action="store_true",
                   help="train only the melody model (the corpus's leads, music21's folk songs and chorales) into "
                        "the existing model folder --out")
    _station_arg(p)
    p.set_defaults(handler="lofipress.music.train:cli_train")

    p = _command(sub, "models", help="compare the model archs on a corpus")
    msub = p.add_subparsers(dest="models_command", required=True, metavar="MODELS_COMMAND")
    q = _command(msub, "compare", help="train every arch on one split in one time budget; score held-out NLL "
                                       "and what each composes")
    q.add_argument("--corpus", required=True, help="folder of .mid/.midi/.abc files")
    q.add_argument("--archs", default="small,wavenet,transformer", help="comma-separated (default: all three)")
    q.add_argument("--budget-min", type=float, default=8.0, help="training minutes per arch (default 8)")
    q.add_argument("--songs", type=int, default=48, help="songs each arch composes for the metrics (default 48)")
    q.add_argument("--out", default=None, help="folder for the models and compare.json (default: .cache/compare/)")
    q.add_argument("--json", action="store_true", help="end with one JSON object")
    _station_arg(q)
    q.set_defaults(handler="lofipress.cli.commands:cli_compare")

    p = _command(sub, "compose", help="compose the station's pieces to MIDI (no audio)")
    _station_arg(p)
    p.add_argument("--out", default=None, help="folder for the .mid files (default: build cache)")
    p.add_argument("--tracks", type=int, default=None, help="override station.tracks")
    p.set_defaults(handler="lofipress.cli.commands:cli_compose")

    p = _command(sub, "eval", help="score composed pieces against the quality targets")
    _station_arg(p)
    p.add_argument("--tracks", type=int, default=None, help="how many pieces to compose and score")
    p.add_argument("--site", default=None, help="score a built site's published MIDI instead of composing")
    p.add_argument("--json", action="store_true", help="end with one JSON object")
    p.set_defaults(handler="lofipress.cli.commands:cli_eval")

    p = _command(sub, "bench", help="benchmarks: generate, render, site, build, scale (100 tracks)")
    p.add_argument("what", choices=["generate", "render", "site", "build", "scale"], metavar="WHAT",
                   help="generate (tokens a second), render (each stage against LAME), site (the page in Chromium "
                        "on three networks), build (a cold and a warm build), scale (100 tracks)")
    _station_arg(p)
    p.add_argument("--json", action="store_true", help="end with one JSON object")
    p.set_defaults(handler="lofipress.cli.commands:cli_bench")

    p = _command(sub, "new", help="scaffold a new station folder that builds as it is")
    p.add_argument("dir", metavar="DIR", help="the folder to make (new, or empty)")
    p.set_defaults(handler="lofipress.cli.scaffold:cli_new")

    p = _command(sub, "pack", help="check or import a sample pack")
    psub = p.add_subparsers(dest="pack_command", required=True, metavar="PACK_COMMAND")
    q = _command(psub, "check", help="validate a pack and list its credits")
    q.add_argument("dir", metavar="DIR", help="the pack folder, holding its pack.toml")
    q.set_defaults(handler="lofipress.packs.check:cli_check")
    q = _command(psub, "import", help="draft a pack.toml from a folder of sounds or a .sf2")
    q.add_argument("src", metavar="SRC", help="a folder of sounds (WAV, FLAC, OGG, MP3 or M4A notes, "
                                          "loops, one-shots and beds) or a .sf2 SoundFont")
    q.add_argument("dir", metavar="DIR", help="the pack folder to write (new, or empty)")
    q.add_argument("--stretch", nargs="?", const="", metavar="TEMPOS",
                   help="varispeed drum loops within 8%% of a station tempo onto it (TEMPOS: 72-86/2 or 80,85,90; "
                        "default: the default station's)")
    q.set_defaults(handler="lofipress.packs.importer:cli_import")

    p = _command(sub, "clean", help="remove what lofipress made (site and cache), nothing else")
    _station_arg(p, lineup=True)
    p.set_defaults(handler="lofipress.cli.commands:cli_clean")

    p = _command(sub, "audiocheck", help="report loudness, true peak, length and seam of every MP3 in a site")
    p.add_argument("site", nargs="?", default="site", metavar="SITE", help="a built site's folder (default: ./site)")
    p.add_argument("--json", action="store_true", help="end with one JSON object")
    p.set_defaults(handler="lofipress.sound.audiocheck:cli_audiocheck")
    return ap


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit code (0 ok, 2 user error, 1 bug)."""
    args = _parser().parse_args(argv)
    args.quiet, args.verbose = getattr(args, "quiet", False), getattr(args, "verbose", False)
    args.debug = getattr(args, "debug", False) or args.verbose
    module_name, func_name = args.handler.split(":")
    try:
        handler = getattr(importlib.import_module(module_name), func_name)
        return int(handler(args) or 0)
    except LofipressError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return EXIT_USER
    except KeyboardInterrupt:
        print("interrupted: the previous site is untouched", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - anything else is our bug, not the user's
        if args.debug or os.environ.get("LOFIPRESS_DEBUG"):
            traceback.print_exc()
        print(f"bug: {type(exc).__name__}: {_first_line(exc)} (please report it; rerun with --debug or "
              "LOFIPRESS_DEBUG=1 for the traceback)", file=sys.stderr)
        return EXIT_BUG


def _first_line(exc: BaseException) -> str:
    """The first line of an exception's text, so a bug stays one line too."""
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else "(no message)"


if __name__ == "__main__":
    sys.exit(main())
