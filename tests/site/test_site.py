"""The site build: relative links, reproducible bytes, an atomic swap, domain errors, escaping."""
from __future__ import annotations

import base64
import copy
import errno
import hashlib
import json
import os
import re
import struct
from html import unescape as html_unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from lofipress.station import config
from lofipress.site import csp
from lofipress import site
from lofipress.core.errors import SiteError
from site_fixture import built, make_press, press  # noqa: F401 - built and press are fixtures


INDEX_IDS = ["app", "play", "prev", "next", "shuffle", "station-mode", "track-select", "source-ai", "source-live",
             "song-select", "drums-select", "ambience-select", "quote-select", "vol-main", "vol-drums",
             "vol-ambience", "vol-quote", "vol-master", "mute-main", "mute-drums", "mute-ambience", "mute-quote",
             "mute-master", "help", "help-dialog", "loading", "load-progress", "now-playing", "quote-text", "visual",
             "share-link", "dl-mp3", "dl-midi", "np-title", "np-kind", "mixer", "mixer-toggle", "mixer-close",
             "scene-only", "quote"]
PLAYER_MODULES = sorted(p.name for p in (site.STATIC / "player").glob("*.js"))  # ES modules; main.js boots them
STATIC_NEEDED = ("boot.js", "style.css", "player.css", "scenes/index.js", *(f"player/{n}" for n in PLAYER_MODULES))


def all_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


class Urls(HTMLParser):
    """Collect (tag, attribute, url, rel) for every URL-bearing attribute of a page."""

    def __init__(self):
        super().__init__()
        self.urls, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        for name in ("href", "src", "action", "poster", "data-manifest", "data-p5", "data-scenes"):
            if a.get(name) is not None:
                self.urls.append((tag, name, a[name], (a.get("rel") or "").split()))


def parse(path: Path) -> Urls:
    parser = Urls()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_pages_and_files_exist(built):
    for rel in ["index.html", "credits.html", "about.html", "404.html", ".nojekyll", "favicon.svg", "favicon.png",
                "img/social.png", "img/loss.png", "manifest.json", "tracks/t01.html", "tracks/t02.html",
                "img/tracks/t01.png", "notes/t01.json", "notes/s01.json", "vendor/Tone.js", "vendor/p5.min.js",
                "vendor/Tone.js.LICENSE.txt", "vendor/p5.LICENSE.txt"]:
        assert (built / rel).is_file(), rel
    assert not any("#" in p.name for p in built.rglob("*"))


def test_index_has_the_dom_contract(built):
    page = parse(built / "index.html")
    assert set(INDEX_IDS) <= page.ids, set(INDEX_IDS) - page.ids
    html = (built / "index.html").read_text(encoding="utf-8")
    assert ('<main id="app" data-manifest="manifest.json" data-p5="vendor/p5.min.js" '
            'data-scenes="static/scenes/index.js">') in html
    assert 'aria-live="polite"' in html and '<div id="visual" aria-hidden="true">' in html
    scripts = [u for tag, _, u, _ in page.urls if tag == "script"]
    # the early-tap script first; p5 (990 KB) is not on the page: the player loads it after the music starts
    assert scripts == ["static/boot.js", "vendor/Tone.js", "static/player/main.js"]
    preloaded = sorted(u.removeprefix("static/player/") for tag, _, u, rel in page.urls if "modulepreload" in rel)
    assert sorted([*preloaded, "main.js"]) == PLAYER_MODULES  # every module fetched at once, none discovered late


def test_every_url_is_relative_and_resolves(built):
    pages = sorted(p for p in built.rglob("*.html") if p.name != "404.html")
    assert len(pages) >= 5
    for page in pages:
        for tag, attr, url, rel in parse(page).urls:
            where = f"{page.relative_to(built)} <{tag} {attr}={url!r}>"
            parts = urlsplit(url)
            if parts.scheme or parts.netloc:
                assert tag == "a" and "external" in rel and parts.scheme == "https", f"absolute URL: {where}"
                continue
            assert not url.startswith("/"), f"root-relative URL: {where}"
            if not parts.path:
                continue  # a fragment or query on the same page
            target = (page.parent / parts.path).resolve()
            assert target.is_file() or (target / "index.html").is_file(), f"broken link: {where}"


def test_player_assets_are_copied(built):
    for name in STATIC_NEEDED:
        assert (built / "static" / name).read_bytes() == (site.STATIC / name).read_bytes()


def test_build_twice_gives_identical_bytes(press, built, tmp_path):
    again = tmp_path / "elsewhere" / "public"  # another folder: no absolute path may leak into a file
    site.write_site(config.Station(), press, again)
    first, second = all_files(built), all_files(again)
    assert sorted(first) == sorted(second)
    for rel in first:
        assert first[rel] == second[rel], rel
    for rel, data in second.items():
        assert str(tmp_path).encode() not in data and str(press["tracks"][0]["mp3"].parent).encode() not in data


def test_source_date_epoch_sets_the_date(press, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")  # 2026-09-21 UTC
    site.write_site(config.Station(), press, tmp_path / "site")
    manifest = json.loads((tmp_path / "site" / "manifest.json").read_text())
    assert manifest["station"]["generated"] == "2026-09-21"
    assert '<time datetime="2026-09-21">' in (tmp_path / "site" / "index.html").read_text()


def test_failed_build_leaves_previous_site_untouched(press, tmp_path):
    out = tmp_path / "site"
    site.write_site(config.Station(), press, out)
    before = all_files(out)
    broken = copy.deepcopy(press)
    broken["tracks"][1]["mp3"] = tmp_path / "gone.mp3"
    with pytest.raises(SiteError, match="gone.mp3"):
        site.write_site(config.Station(), broken, out)
    assert all_files(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_crash_mid_write_leaves_previous_site_and_no_temp(press, tmp_path, monkeypatch):
    out = tmp_path / "site"
    site.write_site(config.Station(), press, out)
    before = all_files(out)

    def boom(*args, **kwargs):
        raise RuntimeError("killed")

    monkeypatch.setattr(site.pianoroll, "render_pianoroll", boom)
    with pytest.raises(RuntimeError):
        site.write_site(config.Station(), press, out)
    assert all_files(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_stale_folder_of_a_killed_build_is_removed(press, tmp_path):
    stale = tmp_path / ".site.building-999999999"  # no such process
    stale.mkdir()
    site.write_site(config.Station(), press, tmp_path / "site")
    assert not stale.exists()


def test_read_only_parent_is_a_site_error(press, tmp_path, monkeypatch):
    parent = tmp_path / "ro"
    parent.mkdir()
    if os.geteuid() == 0:  # root ignores permission bits: simulate what the kernel would say
        real_mkdir = Path.mkdir

        def mkdir(self, *args, **kwargs):
            if self.parent == parent:
                raise PermissionError(errno.EACCES, "Permission denied", str(self))
            return real_mkdir(self, *args, **kwargs)

        monkeypatch.setattr(Path, "mkdir", mkdir)
    parent.chmod(0o555)
    try:
        with pytest.raises(SiteError, match="read-only") as info:
            site.write_site(config.Station(), press, parent / "site")
    finally:
        parent.chmod(0o755)
    assert "\n" not in str(info.value) and str(parent / "site") in str(info.value)


def test_full_disk_is_a_site_error_and_keeps_the_old_site(press, tmp_path, monkeypatch):
    out = tmp_path / "site"
    site.write_site(config.Station(), press, out)
    before = all_files(out)

    def full(src, dst, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(site.shutil, "copyfile", full)
    with pytest.raises(SiteError, match="disk is full"):
        site.write_site(config.Station(), press, out)
    assert all_files(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_missing_node_modules_says_npm_ci(press, tmp_path, monkeypatch):
    monkeypatch.setattr(site, "NODE_MODULES", tmp_path / "node_modules")
    with pytest.raises(SiteError, match="npm ci"):
        site.write_site(config.Station(), press, tmp_path / "site")


def test_titles_are_escaped(tmp_path):
    evil = '<script>alert("x")</script> & co'
    press = make_press(tmp_path, title=evil)
    out = tmp_path / "site"
    site.write_site(config.Station(), press, out)
    for rel in ("index.html", "tracks/t01.html"):
        html = (out / rel).read_text(encoding="utf-8")
        assert "<script>alert" not in html, rel
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co" in html, rel
    assert json.loads((out / "manifest.json").read_text())["tracks"][0]["title"] == evil


def test_unsafe_id_is_a_site_error(press, tmp_path):
    bad = copy.deepcopy(press)
    bad["quotes"][0]["id"] = "q#1"
    with pytest.raises(SiteError, match="q#1"):
        site.write_site(config.Station(), bad, tmp_path / "site")


def test_images_have_the_promised_sizes(built):
    def png_size(path: Path) -> tuple[int, int]:
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and b"Software" not in data
        return struct.unpack(">II", data[16:24])

    assert png_size(built / "img" / "social.png") == (1200, 630)
    assert png_size(built / "favicon.png") == (180, 180)
    assert png_size(built / "img" / "tracks" / "t01.png") == (1000, 360)


def test_social_meta_uses_base_url_when_set(press, tmp_path):
    import dataclasses

    station = config.Station()
    station = dataclasses.replace(station, site=dataclasses.replace(station.site,
                                                                    base_url="https://me.github.io/radio/"))
    site.write_site(station, press, tmp_path / "site")
    html = (tmp_path / "site" / "tracks" / "t01.html").read_text()
    assert '<meta property="og:image" content="https://me.github.io/radio/img/social.png">' in html
    assert '<meta property="og:url" content="https://me.github.io/radio/tracks/t01.html">' in html
    assert 'href="https://me.github.io/radio/"' in (tmp_path / "site" / "404.html").read_text()


def test_credits_list_every_file_and_the_libraries(built, press):
    html = (built / "credits.html").read_text(encoding="utf-8")
    for c in press["credits"]:
        assert c["file"] in html and c["author"] in html
    assert "Tone.js 15.5.44" in html and "p5.js 2.3.4" in html and "LGPL-2.1" in html


def test_summary_counts_the_site(press, tmp_path):
    summary = site.write_site(config.Station(), press, tmp_path / "site")
    files = [p for p in (tmp_path / "site").rglob("*") if p.is_file()]
    assert summary["files"] == len(files)
    assert summary["bytes"] == sum(p.stat().st_size for p in files)
    # the page, Tone.js, the player modules and the manifest; p5 (~284 KB gzipped) comes after the music starts
    assert 80 < summary["page_kb_compressed"] < 400


def test_preview_server_injects_reload_only_in_responses(built, tmp_path):
    import threading
    import urllib.request

    from lofipress.cli import serve

    server = serve.make_server(built, 0, lambda: "7")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        def get(path):
            with urllib.request.urlopen(base + path, timeout=5) as r:
                return r.read(), r.headers["Content-Type"]

        body, kind = get("/")
        assert serve.RELOAD_SCRIPT.encode() in body and kind.startswith("text/html")
        assert get("/tracks/t01.html")[0].count(serve.RELOAD_PATH.encode()) == 1
        assert b"__lofipress_version" in get(serve.RELOAD_PATH)[0]  # the reload script is a file: the CSP allows it
        assert get(serve.VERSION_PATH)[0] == b"7"
        assert get("/manifest.json")[0] == (built / "manifest.json").read_bytes()
        assert get("/midi/t01.mid")[1] == "audio/midi"
    finally:
        server.shutdown()
        server.server_close()
    assert not any(b"__lofipress" in p.read_bytes() for p in built.rglob("*.html"))


def test_preview_server_stays_in_the_site_and_answers_bad_paths(built, tmp_path):
    """No link out of the site is followed, no folder is listed, a NUL in a path is a 400, the CSP is sent."""
    import http.client
    import threading

    from lofipress.cli import serve

    secret = tmp_path / "secret.txt"
    secret.write_text("private")
    (built / "leak.txt").symlink_to(secret)
    (built / "up").symlink_to(tmp_path, target_is_directory=True)
    server = serve.make_server(built, 0, lambda: "1")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        def get(path):
            conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=5)
            conn.request("GET", path)
            r = conn.getresponse()
            return r.status, r.read(), r.getheader("Content-Security-Policy")

        assert get("/leak.txt")[0] == 404 and get("/up/secret.txt")[0] == 404
        assert b"private" not in get("/up/secret.txt")[1]
        status, body, _ = get("/audio/")  # a folder without index.html
        assert status == 404 and b"tracks" not in body
        assert get("/index.html%00.mp3")[0] == 400 and get("/%ff%fe")[0] == 400
        status, _, csp = get("/index.html")
        assert status == 200 and csp == site.CSP
    finally:
        server.shutdown()
        server.server_close()
        (built / "leak.txt").unlink()
        (built / "up").unlink()


def test_every_page_carries_a_strict_csp_and_no_inline_code(built):
    """A <meta> CSP first in every page's head; scripts only from files (no inline script, eval or style)."""
    policy = dict(d.strip().split(" ", 1) for d in site.CSP.split(";"))
    assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'"
    assert "unsafe" not in policy["script-src"] and "unsafe" not in policy["style-src"]
    spinner = base64.b64encode(hashlib.sha256(csp.P5_SPINNER_CSS.encode()).digest()).decode()
    assert policy["style-src"] == f"'self' 'sha256-{spinner}'"  # our pages have no inline style; p5's spinner
    for page in sorted(built.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        head = html[html.index("<head>"):html.index("</head>")]
        meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', head.split("<title>")[0])
        assert meta, page
        styles = re.findall(r"<style>(.*?)</style>", html, re.S)
        if page.name == "404.html":  # it carries its own styles, allowed by their hash and nothing else
            assert meta.group(1).startswith(site.CSP.split("style-src")[0]) and len(styles) == 1
            digest = base64.b64encode(hashlib.sha256(styles[0].encode()).digest()).decode()
            assert f"style-src 'self' 'sha256-{digest}' " in html_unescape(meta.group(1))
        else:
            assert html_unescape(meta.group(1)) == site.CSP and not styles, page  # the look is look.css
        assert " style=" not in html, page
        for tag in re.findall(r"<script[^>]*>", html):
            assert "src=" in tag, (page, tag)
    assert (built / "look.css").read_text().startswith(":root { --bg: ")


def test_snapshot_sees_a_change(tmp_path):
    from lofipress.cli import serve

    (tmp_path / "a.txt").write_text("1")
    before = serve.snapshot([tmp_path, tmp_path / "missing"])
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.css").write_text("x")
    assert serve.snapshot([tmp_path]) != before


def test_about_shows_card_loss_and_evaluation(built):
    html = (built / "about.html").read_text(encoding="utf-8")  # tests/test_pages.py reads it closely
    assert '<img src="img/loss.png"' in html and '<th scope="row">Median</th>' in html
    assert "met every target on the first draw" in html and '<details class="model-card">' in html


def test_plain_server_serves_files_as_they_are(built):
    import threading
    import urllib.request

    from lofipress.cli import serve

    server = serve.make_server(built, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/index.html"
        with urllib.request.urlopen(url, timeout=5) as r:
            assert r.read() == (built / "index.html").read_bytes()
    finally:
        server.shutdown()
        server.server_close()


def test_the_404_page_links_home_from_any_depth(built):
    """GitHub Pages serves 404.html for /tracks/t99.html too: its link home must not be another 404 there."""
    from urllib.parse import urljoin, urlparse

    href = re.search(r'<a href="([^"]+)">Back to', (built / "404.html").read_text()).group(1)
    for missing in ("http://radio.test/nothing.html", "http://radio.test/tracks/t99.html",
                    "http://radio.test/audio/tracks/t01/9.mp3"):
        home = urlparse(urljoin(missing, href)).path
        assert (built / home.lstrip("/") / "index.html").is_file(), (missing, href, home)
