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
