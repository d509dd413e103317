"""`lofipress serve`: build, serve the site on localhost, rebuild and reload the page on change.

The reload script is injected into HTML responses only: the built files never
contain it, so the site that gets published is byte-identical to a plain build.
"""
from __future__ import annotations

import http.server
import io
import os
import re
import signal
import sys
import threading
import time
import traceback
from functools import partial
from pathlib import Path

from urllib.parse import unquote

from ..core.errors import LofipressError
from ..site import CSP

POLL_S = 1.0  # how often the watcher looks at mtimes and the page asks for the version
VERSION_PATH = "/__lofipress_version"
RELOAD_PATH = "/__lofipress_reload.js"
CLOSE_WAIT_S = 5.0  # at Ctrl-C, how long the preview waits for its watcher before it exits anyway
RELOAD_JS = (  # polls the version; a changed value means a new build is in place
    "(()=>{let seen=null;setInterval(async()=>{try{"
    f"const r=await fetch('{VERSION_PATH}',{{cache:'no-store'}});const v=await r.text();"
    "if(seen!==null&&v!==seen)location.reload();seen=v;}catch(e){}}," f"{int(POLL_S * 1000)});}})();\n"
)
RELOAD_SCRIPT = f'<script src="{RELOAD_PATH}"></script>'  # a file, not inline: the pages' CSP allows no inline script


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the site folder (looked up per request, so a swapped-in build is seen at once).

    HTTP/1.1 with keep-alive, and one byte range per request (`Range: bytes=a-b`, `a-` or `-n`): a track page's
    <audio> seeks by asking for the bytes from a point on, as it does on GitHub Pages.
    """

    protocol_version = "HTTP/1.1"

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".mid": "audio/midi", ".js": "text/javascript", ".json": "application/json",
                      ".mp3": "audio/mpeg", ".svg": "image/svg+xml"}

    def __init__(self, *args, version=None, **kwargs):
        self._version = version
        super().__init__(*args, **kwargs)

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")  # a preview must never show a stale build
        self.send_header("Content-Security-Policy", CSP)  # what the pages' <meta> says, as a header too
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Accept-Ranges", "bytes")
        super().end_headers()

    def send_head(self):
        """A file's bytes, or the one range the request asks for (206; 416 where it lies past the end)."""
        wanted = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", self.headers.get("Range") or "")
        path = self.translate_path(self.path)
        if not wanted or wanted[1] == wanted[2] == "" or not os.path.isfile(path):
            return super().send_head()  # no range, or one we do not serve (several at once): the whole file
        size = os.path.getsize(path)
        if wanted[1] == "":  # the last n bytes
            start, end = max(0, size - int(wanted[2])), size - 1
        else:
            start, end = int(wanted[1]), min(size - 1, int(wanted[2])) if wanted[2] else size - 1
        if start >= size or start > end:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        with open(path, "rb") as f:
            f.seek(start)
            body = f.read(end - start + 1)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def translate_path(self, path: str) -> str:
        """The file for a URL path, never outside the site: a link that leads out is as good as missing."""
        local = Path(super().translate_path(path))
        root = Path(self.directory).resolve()
        try:
            resolved = local.resolve()
        except (OSError, ValueError):
            return str(root / "__missing__")
        return str(resolved) if resolved == root or resolved.is_relative_to(root) else str(root / "__missing__")

    def list_directory(self, path):
        """No folder listings: a folder without index.html is not found."""
        self.send_error(404, "Not found")
        return None

    def _bad_path(self) -> bool:
        """Answer 400 for a path no file can have (a NUL byte, a control character, bad percent-encoding)."""
        raw = self.path.split("?")[0].split("#")[0]
        try:
            text = unquote(raw, errors="strict")
        except UnicodeDecodeError:
            text = "\x00"
        if any(ord(c) < 32 for c in text) or not raw.startswith("/"):
            self.send_error(400, "Bad request path")
            return True
        return False

    def do_HEAD(self):
        if not self._bad_path():
            super().do_HEAD()

    def do_GET(self):
        if self._bad_path():
            return None
        if self._version is None:  # plain static serving (benchmarks)
            return super().do_GET()
        if self.path.split("?")[0] == VERSION_PATH:
            return self._send(self._version().encode(), "text/plain; charset=utf-8")
        if self.path.split("?")[0] == RELOAD_PATH:
            return self._send(RELOAD_JS.encode(), "text/javascript; charset=utf-8")
        path = Path(self.translate_path(self.path))
        if path.is_dir() and (path / "index.html").is_file() and self.path.split("?")[0].endswith("/"):
            path = path / "index.html"
        if path.suffix == ".html" and path.is_file():
            html = path.read_text(encoding="utf-8")
            cut = html.rfind("</body>")
            html = html[:cut] + RELOAD_SCRIPT + html[cut:] if cut >= 0 else html + RELOAD_SCRIPT
            return self._send(html.encode("utf-8"), "text/html; charset=utf-8")
        return super().do_GET()

    def _send(self, body: bytes, content_type: str):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):  # quiet: one line per request is noise in a preview
        pass


def make_server(site_dir: Path, port: int, version=None, host: str = "127.0.0.1") -> http.server.ThreadingHTTPServer:
    """An HTTP server on host:port (0: any free port) for site_dir.

    With `version` (a function returning the current build's version text), HTML responses
    carry the reload script; without it the files are served as they are.
    """
    handler = partial(_Handler, directory=str(site_dir), version=version)
    server = http.server.ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True  # an open browser connection must not hold the preview open at Ctrl-C
    return server


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
