"""`lofipress serve`: the preview rebuilds when the station, templates, static files or pack change,
and the page learns it through the version endpoint its reload script polls."""
from __future__ import annotations

import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

import build_fixture as bf
from build_fixture import site_sources  # noqa: F401 - private templates/ and site_static/ for the preview
from lofipress.cli import serve


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def wait_for(check, timeout_s: float = 90.0, what: str = "the preview to rebuild"):
    """Poll check() until it returns something truthy; fail naming what never happened."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout_s:.0f} s waiting for {what}")


@pytest.mark.slow
def test_serve_command_reloads_the_page_after_a_station_edit(tmp_path):
    station = bf.settled_copy(tmp_path / "station")
    proc = subprocess.Popen([sys.executable, "-m", "lofipress.cli", "serve", "--station", str(station), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    try:
        url = wait_for(lambda: re.search(r"http://127\.0\.0\.1:\d+/", lines.get(timeout=90)),
                       what="the serving line")[0]
        page = get(url).decode()
        assert "tiny test radio" in page and serve.RELOAD_PATH in page  # the reload script rides along
        assert get(url + serve.VERSION_PATH[1:]) == b"1"
        assert serve.VERSION_PATH.encode() not in (bf.site_dir(station) / "index.html").read_bytes()

        bf.write_station(station, station={**bf.SETTINGS["station"], "title": "retitled while serving"})
        wait_for(lambda: get(url + serve.VERSION_PATH[1:]) == b"2")
        assert "retitled while serving" in get(url).decode()
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0  # Ctrl-C ends the preview cleanly


@pytest.mark.slow
def test_preview_rebuilds_on_templates_static_files_and_pack(tmp_path, site_sources):  # noqa: F811
    templates, static = site_sources
    station = bf.settled_copy(tmp_path / "station")
    said: list[str] = []
    preview = serve.Preview(station / "station.toml", port=0, poll_s=0.2, log=said.append)
    version = preview.url + serve.VERSION_PATH[1:]
    try:
        base = templates / "_base.html"
        base.write_text(base.read_text().replace("</body>", "<!-- edited template -->\n</body>"))
        wait_for(lambda: get(version) == b"2", what="a rebuild after a template edit")
        assert b"<!-- edited template -->" in get(preview.url)

        (static / "style.css").write_text((static / "style.css").read_text() + "\n/* edited style */\n")
        wait_for(lambda: get(version) == b"3", what="a rebuild after a static file edit")
        assert b"/* edited style */" in get(preview.url + "static/style.css")

        drums = get(preview.url + "audio/drums/boombap-80.mp3")
        pack_toml = station / "samples" / bf.PACK_NAME / "pack.toml"
        pack_toml.write_text(pack_toml.read_text().replace("kick = [112,", "kick = [127,"))
        wait_for(lambda: get(version) == b"4", what="a rebuild after a pack edit")
        assert get(preview.url + "audio/drums/boombap-80.mp3") != drums

        station_toml = (station / "station.toml").read_text()
        (station / "station.toml").write_text(station_toml + "\n[station2]\n")
        wait_for(lambda: any("rebuild failed" in line for line in said), what="the failed rebuild to be reported")
        assert get(version) == b"4" and b"<!-- edited template -->" in get(preview.url)  # the last good site stays
    finally:
        preview.close()


def test_a_busy_port_is_a_one_line_error_before_any_build(tmp_path):
    import socket

    from lofipress.core.errors import LofipressError

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        with pytest.raises(LofipressError, match="pass another --port"):
            serve.Preview(bf.make_station(tmp_path / "station") / "station.toml", port=sock.getsockname()[1])
    assert not (tmp_path / "station" / "site").exists()  # it failed before building anything


@pytest.mark.slow
def test_preview_of_a_stations_folder_serves_the_picker_and_rebuilds_an_edited_station(tmp_path):
    """`lofipress serve --station stations/`: the picker and every station, rebuilt when one station file changes."""
    folder = tmp_path / "stations"
    for name in ("dawn", "dusk"):
        bf.copy_station(bf.golden(), folder / name)
        bf.write_station(folder / name, station={**bf.SETTINGS["station"], "name": name, "title": f"{name} radio"})
    said: list[str] = []
    preview = serve.Preview(folder, port=0, poll_s=0.2, log=said.append)
    version = preview.url + serve.VERSION_PATH[1:]
    try:
        assert preview.site_dir == tmp_path / "site-stations"
        picker = get(preview.url).decode()
        assert "dawn radio" in picker and "dusk radio" in picker and serve.RELOAD_PATH in picker
        assert "dusk radio" in get(preview.url + "dusk/").decode()

        bf.write_station(folder / "dusk", station={**bf.SETTINGS["station"], "name": "dusk", "title": "dusk, retitled"})
        wait_for(lambda: get(version) == b"2")
        assert "dusk, retitled" in get(preview.url + "dusk/").decode() and "dawn radio" in get(preview.url).decode()
    finally:
        preview.close()
