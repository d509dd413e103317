"""`lofipress serve` speaks HTTP/1.1 and answers byte ranges, as GitHub Pages does: a track page's <audio> seeks."""
from __future__ import annotations

import http.client
import socket
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


def exchange(server, data: bytes, count: int = 1, wait_close_s: float | None = None):
    """Send raw bytes on one connection and read up to `count` responses (status, headers, body).

    With wait_close_s, also whether the server closed the connection within that time (else None): a request
    whose framing cannot be trusted must end its connection, one read whole must not."""
    with socket.create_connection(("127.0.0.1", server.server_port), timeout=5) as sock:
        sock.sendall(data)
        stream = sock.makefile("rb")
        responses = []
        for _ in range(count):
            status_line = stream.readline()
            if not status_line.startswith(b"HTTP/1.1 "):  # closed, or bytes no HTTP/1.1 response starts with
                responses += [(status_line[:40], None, b"")] if status_line else []
                break
            headers = http.client.parse_headers(stream)
            responses.append((int(status_line.split()[1]), headers, stream.read(int(headers["Content-Length"]))))
        closed = None
        if wait_close_s is not None:
            sock.settimeout(wait_close_s)
            try:
                closed = stream.read(1) == b""
            except ConnectionResetError:  # closed with our bytes unread: a reset, not a FIN
                closed = True
            except TimeoutError:
                closed = False
    return responses, closed


def request(path: str = "/a.mp3", method: str = "GET", headers: str = "", body: bytes = b"") -> bytes:
    return f"{method} {path} HTTP/1.1\r\nHost: x\r\n{headers}\r\n".encode("latin-1") + body


def test_long_and_unresolvable_paths_get_an_answer_not_a_dropped_connection(server, tmp_path, capfd):
    """Past MAX_PATH_BYTES a path is a 414; one the filesystem cannot look up (a name over 255 bytes, a symlink
    loop) is a 404, like any missing file, and the connection goes on."""
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    for path in ("/" + "a" * 5000, "/a" * 3000):
        responses, closed = exchange(server, request(path), wait_close_s=2)
        assert [status for status, _, _ in responses] == [414] and closed, path[:20]
    for path in ("/" + "a" * 300, "/a" * 900, "/loop", "/loop/x.mp3", "/" + "a" * 300 + "/"):
        responses, _ = exchange(server, request(path) + request("/a.mp3"), count=2)
        assert [status for status, _, _ in responses] == [404, 200], path[:20]
    conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=5)
    conn.request("HEAD", "/a" * 900)
    assert conn.getresponse().status == 404
    conn.close()
    assert "Traceback" not in capfd.readouterr().err


def test_a_range_with_huge_or_garbled_numbers_is_answered(server, capfd):
    """Numbers past any file's size are not turned into ints (Python refuses 5,000 digits): a start past the end
    is a 416, an end or a suffix past it means the whole file; a Range we do not serve is ignored (200)."""
    data = bytes(range(256)) * 4

    def get(rng):
        responses, _ = exchange(server, request(headers=f"Range: {rng}\r\n"))
        assert len(responses) == 1, rng[:20]
        return responses[0]

    status, headers, body = get("bytes=" + "9" * 5000 + "-")
    assert status == 416 and headers["Content-Range"] == "bytes */1024" and body == b""
    assert get("bytes=" + "9" * 20 + "-" + "9" * 21)[0] == 416
    for rng in ("bytes=0-" + "9" * 5000, "bytes=-" + "9" * 5000):
        status, headers, body = get(rng)
        assert status == 206 and body == data and headers["Content-Range"] == "bytes 0-1023/1024"
    status, headers, body = get("bytes=" + "0" * 5000 + "5-" + "0" * 40 + "9")  # leading zeros count for nothing
    assert status == 206 and body == data[5:10]
    for rng in ("bytes=abc", "bytes=1-2,5-6", "chars=0-1", "bytes=" + "x" * 5000, "bytes=--5", "bytes=0x10-"):
        status, _, body = get(rng)
        assert status == 200 and body == data, rng[:20]
    assert get("bytes=-0")[0] == 416 and get("bytes=5-3")[0] == 416  # as before: nothing to send
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize("port", ["99999", "-1", "65536", "http", "9" * 5000])
def test_a_port_out_of_range_is_a_usage_error(capsys, port):
    with pytest.raises(SystemExit) as done:
        cli.main(["serve", "--port", port])
    assert done.value.code == cli.EXIT_USER
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--port" in err[0] and port[:8] in err[0] and len(err[0]) < 300
    assert cli._parser().parse_args(["serve", "--port", "65535"]).port == 65535


def test_a_request_body_is_read_so_the_next_request_on_the_connection_is_whole(server):
    """GET with a body, POST, DELETE: the body is read and dropped, so the request after it parses; any method but
    GET and HEAD is a 405 that names them."""
    data = bytes(range(256)) * 4
    sent = (request("/index.html", headers="Content-Length: 10\r\n", body=b"0123456789")
            + request("/index.html", method="POST", headers="Content-Length: 3\r\n", body=b"GET")
            + request("/a.mp3", method="DELETE")
            + request("/a.mp3", method="OPTIONS", headers="Content-Length: 0\r\n")
            + request(headers="Range: bytes=0-9\r\n"))
    responses, closed = exchange(server, sent, count=5, wait_close_s=0.5)
    assert [status for status, _, _ in responses] == [200, 405, 405, 405, 206] and closed is False
    assert serve.RELOAD_PATH.encode() in responses[0][2]
    assert all(headers["Allow"] == "GET, HEAD" for _, headers, _ in responses[1:4])
    assert responses[4][2] == data[:10]


@pytest.mark.parametrize("framing,status", [
    ("Content-Length: 10\r\nContent-Length: 5\r\n", 400),
    ("Content-Length: 10, 5\r\n", 400),
    ("Content-Length: ten\r\n", 400),
    ("Content-Length: -1\r\n", 400),
    ("Content-Length: +5\r\n", 400),
    ("Transfer-Encoding: chunked\r\n", 400),
    ("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", 400),
    ("Content-Length: 2000000\r\n", 413),
    ("Content-Length: " + "9" * 5000 + "\r\n", 413),
])
def test_a_body_whose_length_cannot_be_trusted_ends_the_connection(server, capfd, framing, status):
    """The bytes after such a request cannot be told from the next request: answer, then close."""
    sent = request(headers=framing, body=b"5\r\nhello\r\n0\r\n\r\n") + request()
    responses, closed = exchange(server, sent, count=2, wait_close_s=2)
    assert [s for s, _, _ in responses] == [status] and closed
    assert capfd.readouterr().err == ""


def test_the_request_log_never_shows_a_traceback(server, monkeypatch, capfd):
    """A bug while serving one request costs that request a 500 and one line on stderr, not a traceback."""
    def broken(self, path):
        raise RuntimeError("exploded")

    monkeypatch.setattr(serve._Handler, "guess_type", broken)
    responses, closed = exchange(server, request() + request(), count=2, wait_close_s=2)
    assert [s for s, _, _ in responses] == [500] and closed
    err = capfd.readouterr().err
    assert "Traceback" not in err and "exploded" in err and len(err.strip().splitlines()) == 1
    monkeypatch.undo()
    assert exchange(server, request())[0][0][0] == 200  # the server goes on
    for exc in (RuntimeError("exploded again"), ConnectionResetError()):  # what escapes a handler: setup, finish
        try:
            raise exc
        except Exception:
            server.handle_error(None, ("127.0.0.1", 1))
    err = capfd.readouterr().err  # a client that hung up is no news; a bug is one line
    assert "Traceback" not in err and err.strip().splitlines() == [
        "preview: a bug serving 127.0.0.1: RuntimeError: exploded again"]
