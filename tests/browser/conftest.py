"""Browser fixtures: a built site served under a sub-path, one Debian chromium per session.

The site comes from ONE fixture, `built_site`: LOFIPRESS_SITE_DIR names a prebuilt site
folder; LOFIPRESS_BROWSER_FAKE=1 writes a small site from tests/site_fixture.py's fake
press; otherwise the real default station is built (station.toml, through the build cache).
It is served from http.server under /lofi-test/, like a GitHub Pages project site.
Playwright's own browsers are never downloaded: Debian's /usr/bin/chromium runs.
"""
from __future__ import annotations

import functools
import os
import shutil
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("LOFIPRESS_CHROMIUM", "/usr/bin/chromium")
SUB_PATH = "lofi-test"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--autoplay-policy=no-user-gesture-required",
                 "--disable-dev-shm-usage"]


def pytest_collection_modifyitems(items):
    """Every test here is a browser test, grouped on one xdist worker (one build, one browser)."""
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The site folder under test: $LOFIPRESS_SITE_DIR if set, else a small site from the fake press."""
    prebuilt = os.environ.get("LOFIPRESS_SITE_DIR")
    if prebuilt:
        site = Path(prebuilt)
        if not (site / "index.html").is_file():
            pytest.fail(f"LOFIPRESS_SITE_DIR={prebuilt} has no index.html")
        return site
    work = tmp_path_factory.mktemp("site")
    out = work / "out" / "site"
    if os.environ.get("LOFIPRESS_BROWSER_FAKE") != "1":
        from lofipress.station import config
        from lofipress.build import pipeline

        pipeline.build(config.load(ROOT / "station.toml"), quiet=True, out=str(out))
        return out
    sys.path.insert(0, str(ROOT / "tests"))
    from site_fixture import make_press

    from lofipress.station.config import Station
    from lofipress.site import write_site

    press = make_press(work)
    write_site(Station(), press, out)
    return out


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


def serve_folder(folder: Path, root: Path):
    """Serve folder at http://127.0.0.1:PORT/lofi-test/ (a sub-path, like GitHub Pages) from a fresh root;
    returns (url, server): call server.shutdown() and server.server_close() when done."""
    link = root / SUB_PATH
    try:
        link.symlink_to(folder.resolve(), target_is_directory=True)
    except OSError:
        shutil.copytree(folder, link)
    handler = functools.partial(_Quiet, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/{SUB_PATH}/", server


@pytest.fixture(scope="session")
def site_url(built_site, tmp_path_factory) -> str:
    """Serve built_site at http://127.0.0.1:PORT/lofi-test/ (a sub-path, like GitHub Pages)."""
    url, server = serve_folder(built_site, tmp_path_factory.mktemp("serve"))
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """One headless Debian chromium for the whole session."""
    assert Path(CHROMIUM).exists(), f"no chromium at {CHROMIUM}: run `make system` (scripts/install-system.sh)"
    sys.path.insert(0, str(ROOT / "tests"))
    from chromium_session import shared_browser  # one Playwright per process (the bench tests use it too)

    return shared_browser(CHROMIUM, CHROMIUM_ARGS)


class PageWatch:
    """Console errors and failed requests seen by a page (an icon fetch the browser drops when the page moves on
    is not a failure of the site)."""

    def __init__(self, page):
        self.errors: list[str] = []
        self.failed: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("requestfailed", lambda r: self._failed(r))
        page.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.url} {r.status}"))

    def _failed(self, request) -> None:
        if request.failure == "net::ERR_ABORTED" and request.resource_type in ("other", "image") \
                and request.url.endswith((".svg", ".png", ".ico")):
            return
        self.failed.append(f"{request.url} {request.failure}")


@pytest.fixture
def open_page(browser, site_url):
    """Open the player (optionally with a query string) in a fresh context; yields (page, watch)."""
    contexts = []

    def _open(query: str = "", width: int = 1280, height: int = 800, **kw):
        # Playwright's wait_for_function and add_script_tag evaluate strings in the page, which the pages' strict
        # CSP forbids: tests drive the page with the policy bypassed; test_page_quality checks it is enforced.
        kw.setdefault("bypass_csp", True)
        ctx = browser.new_context(viewport={"width": width, "height": height}, **kw)
        contexts.append(ctx)
        page = ctx.new_page()
        watch = PageWatch(page)
        page.goto(site_url + "index.html" + query)
        page.wait_for_function("window.lofipress && window.lofipress.manifest")
        return page, watch

    yield _open
    for ctx in contexts:
        ctx.close()


def start_playing(page, timeout_ms: int = 20000) -> dict:
    """Click play and wait until the transport runs; returns the player's state."""
    page.click("#play")
    page.wait_for_function("window.lofipress.state.playing && window.lofipress.transport.state === 'started'",
                           timeout=timeout_ms)
    return page.evaluate("window.lofipress.state")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
