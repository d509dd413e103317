"""A local stand-in for GitHub Pages, for `bench site`: the bytes on the wire are what Pages would send.

Python's http.server sends text uncompressed and speaks HTTP/1.0, so a page that weighs
400 KB on Pages weighs 1.3 MB there, and every file pays a new connection. This server:
gzips text types when the request accepts it (as Pages does), sends Content-Length,
keeps connections alive (HTTP/1.1), answers `Range` for audio (a media element asks
for ranges) and serves the site under a sub-path, as a Pages project site lives.
"""
from __future__ import annotations

import gzip
import http.server
import re
import sys
import threading
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

SUB_PATH = "/station/"  # a Pages project site: https://USER.github.io/REPO/
GZIP_LEVEL = 6  # zlib's default, what CDNs commonly use (site.page_weight counts -9: a few % smaller)
GZIP_SUFFIXES = {".html", ".css", ".js", ".json", ".svg", ".txt", ".xml", ".map"}
CACHE_CONTROL = "max-age=600"  # what Pages sends; every bench run is a fresh context, so a first visit anyway
CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
                 ".js": "text/javascript; charset=utf-8", ".json": "application/json",
                 ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".ico": "image/x-icon",
                 ".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".wav": "audio/wav", ".mid": "audio/midi",
                 ".txt": "text/plain; charset=utf-8", ".xml": "application/xml", ".map": "application/json"}
RANGE_RE = re.compile(r"bytes=(\d*)-(\d*)$")


@lru_cache(maxsize=256)
def _gzipped(path: str, mtime_ns: int) -> bytes:
    """A text file gzip-compressed once per version (mtime in the key: an edited file is compressed anew)."""
    return gzip.compress(Path(path).read_bytes(), compresslevel=GZIP_LEVEL, mtime=0)


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single `bytes=` range within size bytes; None when unsatisfiable or malformed."""
    m = RANGE_RE.match(header.strip())
    if not m or (not m.group(1) and not m.group(2)):
        return None
    if not m.group(1):  # "bytes=-N": the last N bytes
        first, last = max(0, size - int(m.group(2))), size - 1
    else:
        first = int(m.group(1))
        last = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
    return (first, last) if first <= last and first < size else None


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: one connection carries many files, as a browser expects
    root: Path = Path(".")

    def do_HEAD(self):
        self._serve(head=True)

    def do_GET(self):
        self._serve(head=False)

    def _serve(self, head: bool) -> None:
        path = self._file()
        if path is None:
            return self._plain(404, b"not found\n", head)
        headers = {"Content-Type": CONTENT_TYPES.get(path.suffix, "application/octet-stream"),
                   "Cache-Control": CACHE_CONTROL, "Accept-Ranges": "bytes"}
        status = 200
        if path.suffix in GZIP_SUFFIXES and "gzip" in self.headers.get("Accept-Encoding", ""):
            body = _gzipped(str(path), path.stat().st_mtime_ns)
            headers.update({"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
            headers.pop("Accept-Ranges")  # ranges of a compressed body: Pages does not offer them either
        else:
            body = path.read_bytes()
            wanted = self.headers.get("Range")
            if wanted:
                span = parse_range(wanted, len(body))
                if span is None:
                    return self._plain(416, b"", head, {"Content-Range": f"bytes */{len(body)}"})
                first, last = span
                headers["Content-Range"] = f"bytes {first}-{last}/{len(body)}"
                body, status = body[first:last + 1], 206
        self._send(status, body, headers, head)

    def _file(self) -> Path | None:
        """The site file the request names, or None (outside the sub-path, missing, or escaping the root)."""
        url_path = unquote(urlsplit(self.path).path)
        if url_path == SUB_PATH.rstrip("/"):
            url_path = SUB_PATH
        if not url_path.startswith(SUB_PATH):
            return None
        rel = url_path[len(SUB_PATH):] or "index.html"
        if rel.endswith("/"):
            rel += "index.html"
        path = (self.root / rel).resolve()
        if not path.is_relative_to(self.root.resolve()) or not path.is_file():
            return None
        return path

    def _plain(self, status: int, body: bytes, head: bool, extra: dict | None = None) -> None:
        self._send(status, body, {"Content-Type": "text/plain; charset=utf-8", **(extra or {})}, head)

    def _send(self, status: int, body: bytes, headers: dict, head: bool) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def log_message(self, fmt, *args):  # quiet: a bench prints its table, not a request log
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """A browser closing a keep-alive connection (a context closed between runs) is not an error to print."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class PagesServer:
    """Serve site_dir at http://127.0.0.1:PORT/station/ from a background thread; use as a context manager."""

    def __init__(self, site_dir: Path, port: int = 0):
        handler = type("SiteHandler", (_Handler,), {"root": Path(site_dir)})
        self.httpd = _Server(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True  # keep-alive connections must not hold the bench open at exit
        self.url = f"http://127.0.0.1:{self.httpd.server_port}{SUB_PATH}"

    def __enter__(self) -> "PagesServer":
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
