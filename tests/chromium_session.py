"""One Playwright and one Debian Chromium per test process.

Playwright's sync API cannot be started twice in one thread, and the browser tests (tests/browser/) and the
bench's Chromium tests (tests/test_bench_site.py) share an xdist worker: both take the browser from here.
"""
from __future__ import annotations

import atexit

_session: dict = {}


def shared_browser(chromium: str, args: list[str]):
    """The process's headless Chromium, launched on first use and closed when the process ends."""
    if "browser" not in _session:
        from playwright.sync_api import sync_playwright

        pw = sync_playwright().start()
        _session["pw"] = pw
        _session["browser"] = pw.chromium.launch(executable_path=chromium, headless=True, args=args)
        atexit.register(_close)
    return _session["browser"]


def _close() -> None:
    browser, pw = _session.pop("browser", None), _session.pop("pw", None)
    if browser is not None:
        browser.close()
    if pw is not None:
        pw.stop()
