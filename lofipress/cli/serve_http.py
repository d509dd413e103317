"""The HTTP side of `lofipress serve`: a built site's folder on localhost, HTML with the reload script, byte ranges.

Whatever a browser, a typo in curl or a port scanner sends gets an HTTP answer, never a dropped connection or a
traceback in the preview's log. A request whose end cannot be known (Transfer-Encoding, a doubtful Content-Length)
is answered and its connection closed: the bytes after it cannot be told from the next request.
"""
from __future__ import annotations

import http.server
import io
import os
import re
import sys
from functools import partial
from html import escape
from pathlib import Path
from urllib.parse import unquote

from ..site import CSP

POLL_S = 1.0  # how often the watcher looks at mtimes and the page asks for the version
VERSION_PATH = "/__lofipress_version"
RELOAD_PATH = "/__lofipress_reload.js"
RELOAD_JS = (  # polls the version; a changed value means a new build is in place
    "(()=>{let seen=null;setInterval(async()=>{try{"
    f"const r=await fetch('{VERSION_PATH}',{{cache:'no-store'}});const v=await r.text();"
    "if(seen!==null&&v!==seen)location.reload();seen=v;}catch(e){}}," f"{int(POLL_S * 1000)});}})();\n"
)
RELOAD_SCRIPT = f'<script src="{RELOAD_PATH}"></script>'  # a file, not inline: the pages' CSP allows no inline script

# A longer request target is a 414 before any look at the filesystem: no page of a built site comes near it, and
# Linux refuses a path over 4,096 bytes (a name over 255) only after the work of looking it up.
MAX_PATH_BYTES = 2048
MAX_BODY_BYTES = 1 << 20  # the preview takes no body: one is read and dropped up to this, a longer one is a 413
BODY_CHUNK_BYTES = 1 << 16  # a dropped body is read in pieces this big, not held whole
# A byte position of more digits lies past the end of any file (2**63 has 19), so it is never converted: Python
# refuses int() of over 4,300 digits, and the conversion of fewer but still thousands costs quadratic time.
MAX_RANGE_DIGITS = 19
PAST_ANY_FILE = 10 ** MAX_RANGE_DIGITS
ALLOWED_METHODS = "GET, HEAD"
BUG_LINE_CHARS = 300  # a bug's one line on stderr, cut: an exception's text can hold a whole request path
_RANGE = re.compile(r"\s*bytes=([0-9]*)-([0-9]*)\s*")  # [0-9], not \d: int() would take any script's digits too


def _position(digits: str) -> int:
    """A byte position from a Range header; PAST_ANY_FILE where it has more than MAX_RANGE_DIGITS digits."""
    digits = digits.lstrip("0")  # leading zeros count for nothing, however many
    return int(digits or "0") if len(digits) <= MAX_RANGE_DIGITS else PAST_ANY_FILE


def _say_bug(text: str) -> None:
    """One line on stderr for a bug met while serving: the preview goes on, its log stays free of tracebacks."""
    line = " ".join(text.split())
    print(line[:BUG_LINE_CHARS], file=sys.stderr, flush=True)


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the site folder (looked up per request, so a swapped-in build is seen at once).

    HTTP/1.1 with keep-alive, and one byte range per request (`Range: bytes=a-b`, `a-` or `-n`): a track page's
    <audio> seeks by asking for the bytes from a point on, as it does on GitHub Pages. GET and HEAD only.
    """

    protocol_version = "HTTP/1.1"

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".mid": "audio/midi", ".js": "text/javascript", ".json": "application/json",
                      ".mp3": "audio/mpeg", ".svg": "image/svg+xml"}

    _framed = False  # this request was read whole, body and all: the connection can carry the next one
    _responded = False  # this request's status line is on its way: a bug after it can only close the connection

    def __init__(self, *args, version=None, **kwargs):
        self._version = version
        super().__init__(*args, **kwargs)

    def handle_one_request(self):
        """One request. A bug while serving it costs that request a 500 (where nothing was sent yet), the connection
        and one line on stderr; a client that hangs up (a seek in <audio> drops its request) costs nothing."""
        self._framed = self._responded = False
        try:
            super().handle_one_request()
        except (ConnectionError, TimeoutError):
            self.close_connection = True
        except Exception as exc:  # noqa: BLE001 - our bug: say it in one line, keep serving the next request
            self.close_connection = True
            _say_bug(f"preview: a bug answering {getattr(self, 'requestline', '')[:100]!r}: "
                     f"{type(exc).__name__}: {exc}")
            if not self._responded:
                self._framed = False  # what the failed request left unread is no request: close after the 500
                try:
                    self.send_error(500)
                except OSError:
                    pass

    def parse_request(self) -> bool:
        """The request line and headers, then the framing: a body is read and dropped (the preview takes none), so
        the next request on a kept-alive connection starts where it should. False: answered, nothing to serve."""
        if not super().parse_request():
            return False
        if len(self.path) > MAX_PATH_BYTES:  # the path is latin-1 text here: one character a byte
            self.send_error(414, f"Request path over {MAX_PATH_BYTES} bytes")
            return False
        if not self._drop_body():
            return False
        self._framed = True
        if self.command not in ("GET", "HEAD"):
            self.send_error(405)
            return False
        return True

    def _drop_body(self) -> bool:
        """Read the request's body, if any, and drop it; False where its length cannot be trusted (answered 400, or
        413 past MAX_BODY_BYTES, and the connection closes)."""
        if self.headers.get_all("Transfer-Encoding"):  # chunked bodies: the preview never needs one
            self.send_error(400, "Transfer-Encoding is not supported")
            return False
        lengths = {value.strip() for field in self.headers.get_all("Content-Length", [])
                   for value in field.split(",")}  # the same length twice is one length (RFC 9110, 8.6)
        if not lengths:
            return True
        if len(lengths) > 1 or not re.fullmatch(r"[0-9]+", next(iter(lengths))):
            self.send_error(400, "Bad Content-Length")
            return False
        digits = next(iter(lengths)).lstrip("0") or "0"
        if len(digits) > len(str(MAX_BODY_BYTES)) or int(digits) > MAX_BODY_BYTES:
            self.send_error(413, f"Request body over {MAX_BODY_BYTES} bytes")
            return False
        left_bytes = int(digits)
        while left_bytes:
            chunk = self.rfile.read(min(left_bytes, BODY_CHUNK_BYTES))
            if not chunk:  # the client hung up mid-body: there is no one to answer
                self.close_connection = True
                return False
            left_bytes -= len(chunk)
        return True

    def send_response(self, code, message=None):
        self._responded = True
        super().send_response(code, message)

    def send_error(self, code, message=None, explain=None):
        """An error page. After a request read whole the connection stays open, as after a 200 (the base class
        closes it after every error, so a page with one missing image would cost the browser a new connection)."""
        if not self._framed:
            return super().send_error(code, message, explain)
        short, long = self.responses.get(code, ("???", "???"))
        message = message or short
        body = (self.error_message_format % {"code": code, "message": escape(message, quote=False),
                                             "explain": escape(explain or long, quote=False)})
        body = body.encode("UTF-8", "replace")
        self.log_error("code %d, message %s", code, message)
        self.send_response(code, message)
        if code == 405:
            self.send_header("Allow", ALLOWED_METHODS)
        self.send_header("Content-Type", self.error_content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return None

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")  # a preview must never show a stale build
        self.send_header("Content-Security-Policy", CSP)  # what the pages' <meta> says, as a header too
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Accept-Ranges", "bytes")
        super().end_headers()

    def send_head(self):
        """A file's bytes, or the one range the request asks for (206; 416 where it lies past the end).

        A Range this does not serve (several ranges, another unit, garbage) is ignored, as RFC 9110 allows: the
        whole file, 200. Positions past any file's end are never converted to ints (MAX_RANGE_DIGITS)."""
        wanted = _RANGE.fullmatch(self.headers.get("Range") or "")
        path = self.translate_path(self.path)
        if not wanted or wanted[1] == wanted[2] == "" or not os.path.isfile(path):
            return super().send_head()  # no range, or one we do not serve (several at once): the whole file
        size = os.path.getsize(path)
        if wanted[1] == "":  # the last n bytes
            start, end = max(0, size - _position(wanted[2])), size - 1
        else:
            start, end = _position(wanted[1]), min(size - 1, _position(wanted[2])) if wanted[2] else size - 1
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
        """The file for a URL path, never outside the site: a link that leads out is as good as missing.

        Resolved strictly, so a path the filesystem cannot look up (a name over 255 bytes, a symlink loop) is
        missing here, a 404, and not an error in a later stat() that would end the request without an answer."""
        local = Path(super().translate_path(path))
        root = Path(self.directory).resolve()
        try:
            resolved = local.resolve(strict=True)
        except (OSError, RuntimeError, ValueError):  # RuntimeError: a symlink loop, before Python 3.13
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

    def log_message(self, fmt, *args):  # quiet: one line per request is noise in a preview (log_error comes here)
        pass


class _Server(http.server.ThreadingHTTPServer):
    """The preview's server: one thread a connection, and one line, not socketserver's traceback, for a bug."""

    daemon_threads = True  # an open browser connection must not hold the preview open at Ctrl-C

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):  # the client hung up mid-response: no news
            return
        _say_bug(f"preview: a bug serving {client_address[0]}: {type(exc).__name__}: {exc}")


def make_server(site_dir: Path, port: int, version=None, host: str = "127.0.0.1") -> http.server.ThreadingHTTPServer:
    """An HTTP server on host:port (0: any free port) for site_dir.

    With `version` (a function returning the current build's version text), HTML responses
    carry the reload script; without it the files are served as they are.
    """
    handler = partial(_Handler, directory=str(site_dir), version=version)
    return _Server((host, port), handler)
