"""`lofipress serve`: build, serve the site on localhost, rebuild and reload the page on change.

The reload script is injected into HTML responses only: the built files never
contain it, so the site that gets published is byte-identical to a plain build.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import time
import traceback
from pathlib import Path

from ..core.errors import LofipressError
# The HTTP side lives in serve_http; its names stay reachable here, as they were before it moved.
from .serve_http import (POLL_S, RELOAD_JS, RELOAD_PATH, RELOAD_SCRIPT, VERSION_PATH,  # noqa: F401
                         _Handler, make_server)

CLOSE_WAIT_S = 5.0  # at Ctrl-C, how long the preview waits for its watcher before it exits anyway


def snapshot(paths: list[Path]) -> tuple:
    """A cheap fingerprint of files under paths: (path, mtime_ns, size) of each, sorted."""
    seen = []
    for root in paths:
        if root.is_file():
            files = [root]
        elif root.is_dir():
            files = [p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        else:
            continue
        for f in files:
            try:
                st = f.stat()
            except OSError:
                continue  # removed between listing and stat: the next poll sees it
            seen.append((str(f), st.st_mtime_ns, st.st_size))
    return tuple(sorted(seen))


def sources(station) -> list[Path]:
    """What a station's rebuild depends on besides its file: templates and player files (built-in and the
    station's own), the pack."""
    from ..site import theme

    return [*theme.watched(station), station.path(station.pack.dir) / station.pack.name]


class _Target:
    """What a preview builds: one station file, or a stations/ folder (every station and the picker)."""

    def __init__(self, path: Path):
        from ..station import config
        from ..build import stations

        self.path = Path(path)
        if stations.is_stations_folder(self.path):
            self.lineup = stations.load_lineup(self.path)
            self.site_dir, self.stations = self.lineup.out_dir, self.lineup.stations
        else:
            self.lineup = None
            station = config.load(self.path)
            self.site_dir, self.stations = station.path(station.site.out_dir), (station,)

    def watched(self) -> list[Path]:
        """The station file (for a folder: its stations.toml and every station file), templates, player, packs."""
        files = [self.path] if self.lineup is None else list(self.lineup.files)
        return list(dict.fromkeys(files + [p for s in self.stations for p in sources(s)]))

    def build(self) -> None:
        from ..build import pipeline, stations

        if self.lineup is None:
            pipeline.build(self.stations[0], force=False, jobs=0, quiet=True)
        else:
            stations.build_all(self.lineup, None, force=False, jobs=0, quiet=True)


class Preview:
    """A built station (or stations/ folder) served on 127.0.0.1, rebuilt in a background thread when its sources change.

    `version` counts good builds; the page polls it (VERSION_PATH) and reloads when it moves.
    A failed rebuild prints one line and keeps the last good site and version.
    """

    def __init__(self, station_file: Path, port: int = 8000, watch: bool = True, poll_s: float = POLL_S,
                 log=print, host: str = "127.0.0.1"):
        self.station_file, self.poll_s, self.log = Path(station_file), poll_s, log
        self.version, self._stop = 1, threading.Event()
        self.target = _Target(self.station_file)
        self.site_dir = self.target.site_dir
        try:  # listen first: a busy port fails at once, not after a build
            self.server = make_server(self.site_dir, port, lambda: str(self.version), host)
        except OSError as exc:
            raise LofipressError(f"cannot listen on {host}:{port}: {exc.strerror}", None,
                                 "pass another --port or --host") from None
        self._seen = snapshot(self.target.watched())  # before building: no edit is lost
        try:
            self.target.build()
        except BaseException:
            self.server.server_close()
            raise
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{self.server.server_port}/"
        self._threads = [threading.Thread(target=self.server.serve_forever, daemon=True)]
        if watch:
            self._threads.append(threading.Thread(target=self._watch, daemon=True))
        for thread in self._threads:
            thread.start()

    def _watch(self) -> None:
        """Poll the sources; on a change, reload the station (or stations), rebuild, and bump the version."""
        while not self._stop.wait(self.poll_s):
            now = snapshot(self.target.watched())
            if now == self._seen:
                continue
            self._seen = now
            started = time.monotonic()
            try:
                self.target = _Target(self.station_file)
                self.target.build()
            except LofipressError as exc:
                self.log(f"rebuild failed, still serving the last site: {exc.one_line()}")
                continue
            except Exception:  # noqa: BLE001 - a bug: show it, keep the preview alive for the next edit
                self.log("rebuild failed with a bug, still serving the last site:\n" + traceback.format_exc())
                continue
            self.version += 1
            self.log(f"rebuilt in {time.monotonic() - started:.1f} s; pages reload")

    def close(self) -> None:
        """Stop watching and serving."""
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()
        for thread in self._threads[1:]:
            # A rebuild under way ends with the process (a daemon thread); Ctrl-C must not wait on it, nor on a
            # worker pool that the same Ctrl-C reached.
            thread.join(timeout=CLOSE_WAIT_S)


def cli_serve(args) -> int:
    """Build the station, serve its site on --host (127.0.0.1), rebuild and reload pages when sources change.

    Args:
        args: argparse namespace with station, host, port (0: any free port), open and no_watch.

    Returns:
        0 after Ctrl-C.

    Raises:
        LofipressError: the first build fails (later failures are printed and the old site stays).
    """
    from ..build import stations

    # Ctrl-C stops the preview even when the shell or test runner that started it ignores SIGINT (a process
    # started with SIGINT ignored keeps it ignored: Python then never raises KeyboardInterrupt).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    station_file = Path(args.station)
    if station_file.is_dir() and not stations.is_stations_folder(station_file):
        station_file = station_file / "station.toml"
    preview = Preview(station_file, args.port, watch=not getattr(args, "no_watch", False),
                      log=lambda msg: print(msg, flush=True), host=getattr(args, "host", "127.0.0.1"))
    print(f"serving {preview.site_dir} at {preview.url} (Ctrl-C stops)",
          flush=True)
    if getattr(args, "open", False):
        import webbrowser

        webbrowser.open(preview.url)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        preview.close()
        sys.stdout.flush()
        # A rebuild under way (its render threads, its numba compiles) must not keep Ctrl-C waiting: it writes
        # to a staging folder that is swapped in whole, so ending here leaves the last good site as it was.
        os._exit(0)
    finally:
        preview.close()
