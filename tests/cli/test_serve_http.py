"""`lofipress serve` speaks HTTP/1.1 and answers byte ranges, as GitHub Pages does: a track page's <audio> seeks."""
from __future__ import annotations

import http.client
import threading
from types import SimpleNamespace

import pytest

from lofipress import cli
from lofipress.cli import serve


@pytest.fixture
def server(tmp_path):
    (tmp_path / "a.mp3").write_bytes(bytes(range(256)) * 4)  # 1024 bytes, each position knowable
    (tmp_path / "index.html").write_text("<html><body>hi</body></html>")
    srv = serve.make_server(tmp_path, 0, lambda: "1")
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


def test_one_connection_serves_whole_files_and_ranges(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=5)  # kept alive throughout
    data = bytes(range(256)) * 4

    def get(path, rng=None):
        conn.request("GET", path, headers={"Range": rng} if rng else {})
        r = conn.getresponse()
        return r.status, r.read(), r

    status, body, r = get("/a.mp3")
    assert status == 200 and body == data and r.version == 11 and r.getheader("Accept-Ranges") == "bytes"
    status, body, r = get("/a.mp3", "bytes=100-199")
    assert status == 206 and body == data[100:200] and r.getheader("Content-Range") == "bytes 100-199/1024"
    assert get("/a.mp3", "bytes=1000-")[1] == data[1000:]
    assert get("/a.mp3", "bytes=-24")[1] == data[-24:]
    assert get("/a.mp3", "bytes=1000-5000")[1] == data[1000:]  # clipped to the end
    status, body, r = get("/a.mp3", "bytes=2000-")
    assert status == 416 and r.getheader("Content-Range") == "bytes */1024" and body == b""
    status, body, _ = get("/index.html")  # the preview's own pages still carry the reload script
    assert status == 200 and serve.RELOAD_PATH.encode() in body
    assert get("/nothing.mp3")[0] == 404 and get("/a.mp3")[1] == data  # an error does not end the connection
    conn.close()


def test_serve_takes_host_and_open(monkeypatch):
    args = cli._parser().parse_args(["serve", "--host", "0.0.0.0", "--open", "--port", "0"])
    assert (args.host, args.open, args.port) == ("0.0.0.0", True, 0)
    defaults = cli._parser().parse_args(["serve"])
    assert (defaults.host, defaults.open) == ("127.0.0.1", False)
    opened = []
    monkeypatch.setattr("webbrowser.open", opened.append)

    class FakePreview:  # the real one builds a station: here only the wiring of --host and --open is under test
        def __init__(self, station_file, port, watch, log, host):
            self.site_dir, self.url = station_file, f"http://{host}:{port}/"

        def close(self):
            pass

    monkeypatch.setattr(serve, "Preview", FakePreview)
    monkeypatch.setattr(serve.time, "sleep", lambda s: (_ for _ in ()).throw(KeyboardInterrupt))
    monkeypatch.setattr(serve.os, "_exit", lambda code: None)
    ns = SimpleNamespace(station="stations/x.toml", port=8123, no_watch=True, host="0.0.0.0", open=True)
    serve.cli_serve(ns)
    assert opened == ["http://0.0.0.0:8123/"]
