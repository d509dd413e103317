"""Listening to a page: the analyser of lofipress.bench.audiotap tapped on its audio output before any of its
scripts run, and readings of it over a stretch of time."""
from __future__ import annotations

from conftest import PageWatch
from lofipress.bench.audiotap import TAP_JS

# Record the tap's readings for `ms` milliseconds: [[AudioContext s, rms, first loud s, last loud s], ...]
LISTEN_JS = """(ms) => new Promise((done) => {
  const tap = window.__benchTap;
  tap.series = [];
  setTimeout(() => { const heard = tap.series; tap.series = null; done(heard); }, ms);
})"""


def tapped(browser, url: str, query: str = ""):
    """A page with the analyser in place; returns (context, page, watch). Close the context when done."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    ctx.add_init_script(TAP_JS)
    page = ctx.new_page()
    watch = PageWatch(page)
    page.goto(url + "index.html" + query)
    page.wait_for_function("window.lofipress && window.lofipress.manifest")
    return ctx, page, watch


def loudest_rms(page, ms: int = 500) -> float:
    """The loudest reading of the page's output over the next `ms` milliseconds (RMS of a 46 ms window)."""
    heard = page.evaluate(LISTEN_JS, ms)
    assert heard, "the tap took no reading: is the analyser on the output?"
    return max(rms for _, rms, *_ in heard)


def until_heard(page, above: float, timeout_ms: int = 8000) -> float:
    """Listen in 300 ms stretches until one reading is louder than `above` (RMS); its level, or the loudest
    heard if none was by the timeout (the caller's assertion then fails naming it). A start fades in."""
    loudest = 0.0
    for _ in range(max(1, timeout_ms // 300)):
        loudest = max(loudest, loudest_rms(page, 300))
        if loudest > above:
            break
    return loudest


def until_silent(page, at_most: float, timeout_ms: int = 5000) -> float:
    """Listen in 500 ms stretches until a whole stretch is at most `at_most` (RMS); its loudest reading, or
    the last stretch's if none was quiet by the timeout. A mute or pause fades out first."""
    level = loudest_rms(page, 500)
    for _ in range(max(0, timeout_ms // 500 - 1)):
        if level <= at_most:
            break
        level = loudest_rms(page, 500)
    return level
