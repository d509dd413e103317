"""The about page and a track page as laid out on a phone and a desktop: nothing sideways, no squeezed cells.

The old evaluation table broke titles one letter a line at desktop width; these checks measure what the
browser drew. The pages are also served with a strict Content-Security-Policy and must not trip it.
"""
from __future__ import annotations

import base64
import hashlib
import re

import pytest

from conftest import PageWatch

pytestmark = pytest.mark.browser
PAGES = ("about.html", "tracks/t01.html")
VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 800)}
MIN_CELL_EM = 2.0  # a data cell at least this wide: a few characters, never a letter
MIN_TITLE_EM = 5.0  # a song title's cell at least this wide

# Every cell of the pages' tables: its width in ems, its lines, and the words the browser broke across lines.
CELLS_JS = """() => [...document.querySelectorAll('main table.data th, main table.data td')].map(cell => {
  const em = parseFloat(getComputedStyle(cell).fontSize);
  const broken = [], tops = [];
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest('.visually-hidden')) continue;  // 1 px boxes, not lines anyone sees
    for (const m of node.data.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const wordTops = [...range.getClientRects()].map(r => r.top);
      if (Math.max(...wordTops) - Math.min(...wordTops) > em / 2) broken.push(m[0]);
      tops.push(...wordTops);
    }
  }
  tops.sort((a, b) => a - b);
  const lines = tops.filter((top, i) => i === 0 || top - tops[i - 1] > em / 2).length;  // a new line box
  return {text: cell.textContent.trim(), ems: cell.getBoundingClientRect().width / em, broken, lines,
          title: cell.matches('th.song'), num: cell.matches('.num'), colspan: cell.colSpan};
})"""
HEADINGS_JS = "() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => Number(h.tagName[1]))"
SCROLLERS_JS = """() => [...document.querySelectorAll('main *')].filter(el => el.scrollWidth > el.clientWidth + 1
    && ['auto', 'scroll'].includes(getComputedStyle(el).overflowX)).map(el => ({
  tabindex: el.getAttribute('tabindex'),
  name: el.getAttribute('aria-label') || (document.getElementById(el.getAttribute('aria-labelledby') || '') || {}).textContent || ''}))"""
STRIP_JS = """() => [...document.querySelectorAll('.form-strip .sec')].map(li => ({
  width: li.getBoundingClientRect().width, ticks: li.querySelectorAll('.sec-ticks > span').length,
  label: li.querySelector('.sec-bars').textContent}))"""


def strict_csp(html: str) -> str:
    """A policy with nothing inline but the station look _base.html sets on <html> (allowed by its hash)."""
    look = re.search(r'<html[^>]*\sstyle="([^"]*)"', html)
    hashes = ""
    if look:
        import html as html_lib

        digest = hashlib.sha256(html_lib.unescape(look.group(1)).encode()).digest()
        hashes = f" 'unsafe-hashes' 'sha256-{base64.b64encode(digest).decode()}'"
    return ("default-src 'none'; img-src 'self'; media-src 'self'; style-src 'self'" + hashes +
            "; base-uri 'none'; form-action 'none'")


@pytest.fixture
def open_plain_page(browser, site_url):
    """Open a page of the site under a strict CSP at a viewport; yields (page, watch, violations)."""
    contexts = []

    def _open(rel: str, width: int, height: int):
        ctx = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(ctx)
        page = ctx.new_page()
        watch = PageWatch(page)

        def with_csp(route):
            response = route.fetch()
            body = response.text()
            route.fulfill(response=response, body=body,
                          headers={**response.headers, "content-security-policy": strict_csp(body)})

        page.route(re.compile(r".*\.html(\?.*)?$"), with_csp)
        page.add_init_script("window.__csp = []; document.addEventListener('securitypolicyviolation', "
                             "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")
        page.goto(site_url + rel)
        page.wait_for_load_state("load")
        return page, watch

    yield _open
    for ctx in contexts:
        ctx.close()


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("rel", PAGES)
def test_page_fits_its_viewport_and_keeps_cells_readable(open_plain_page, artifacts, rel, viewport):
    width, height = VIEWPORTS[viewport]
    page, watch = open_plain_page(rel, width, height)
    shot = artifacts / "pages" / f"{rel.replace('/', '-').removesuffix('.html')}-{viewport}.png"
    shot.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)

    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing pushes the page sideways
    cells = page.evaluate(CELLS_JS)
    assert cells, "no data table on the page"
    for cell in cells:
        assert cell["broken"] == [], f"{cell['text']!r} broke a word across lines"
        if cell["colspan"] == 1:
            assert cell["ems"] >= MIN_CELL_EM, f"{cell['text']!r} is {cell['ems']:.1f} em wide"
        if cell["title"]:
            assert cell["ems"] >= MIN_TITLE_EM, f"title {cell['text']!r} is {cell['ems']:.1f} em wide"
            assert cell["lines"] <= len(cell["text"].split()), f"title {cell['text']!r} takes {cell['lines']} lines"
        if cell["num"]:
            assert cell["lines"] == 1, f"number {cell['text']!r} wraps"
    for scroller in page.evaluate(SCROLLERS_JS):  # a box that scrolls sideways is reachable and named (axe)
        assert scroller["tabindex"] == "0" and scroller["name"].strip(), scroller

    levels = page.evaluate(HEADINGS_JS)
    assert levels[0] == 1 and levels.count(1) == 1, levels
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), f"a heading level skipped: {levels}"
    assert page.evaluate("window.__csp") == []
    assert watch.errors == [] and watch.failed == []


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_form_strip_sections_are_as_wide_as_their_bars(open_plain_page, viewport):
    page, _ = open_plain_page("tracks/t01.html", *VIEWPORTS[viewport])
    strip = page.evaluate(STRIP_JS)
    for s in strip:  # "bars 3–10": 8 bars, a tick each
        first, last = map(int, re.findall(r"\d+", s["label"]))
        s["bars"] = last - first + 1
        assert s["ticks"] == s["bars"], s
    assert len(strip) >= 3
    total_px, total_bars = sum(s["width"] for s in strip), sum(s["bars"] for s in strip)
    strip_px = page.evaluate("document.querySelector('.form-strip').getBoundingClientRect().width")
    assert total_px > 0.95 * strip_px  # the strip fills its line
    for s in strip:
        assert s["width"] / total_px == pytest.approx(s["bars"] / total_bars, abs=0.01), strip


def test_the_strict_policy_catches_an_inline_style(open_plain_page, built_site):
    """The check above can fail: a page with a style attribute of its own is reported."""
    page, _ = open_plain_page("about.html", 1280, 800)
    assert page.evaluate("window.__csp") == []
    html = (built_site / "about.html").read_text(encoding="utf-8")
    assert "style-src 'self'" in strict_csp(html) and "unsafe-inline" not in strict_csp(html)
    bad = html.replace('<main id="content"', '<main style="color: red" id="content"', 1)
    page.route(re.compile(r".*/bad\.html$"), lambda route: route.fulfill(
        body=bad, content_type="text/html", headers={"content-security-policy": strict_csp(bad)}))
    page.goto(page.url.rsplit("/", 1)[0] + "/bad.html")
    page.wait_for_load_state("load")
    assert any(v.startswith("style-src") for v in page.evaluate("window.__csp"))


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_form_strip_labels_fit_their_sections(open_plain_page, viewport):
    """At 390 px the intro's and the outro's names were cut to "i…" and "ou…"."""
    page, _ = open_plain_page("tracks/t01.html", *VIEWPORTS[viewport])
    labels = page.evaluate("""() => [...document.querySelectorAll('.form-strip .sec-label')].map(l => ({
        name: l.querySelector('.sec-name').textContent, over: l.scrollWidth - l.clientWidth}))""")
    assert labels and all(lab["over"] <= 1 for lab in labels), labels
