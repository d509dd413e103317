"""Accessibility (axe-core), HTML validity (Nu checker) and screenshots of the playing page."""
from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import ROOT, PageWatch, start_playing

pytestmark = pytest.mark.browser
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def _axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"]]


def test_axe_finds_no_violation_on_any_page(open_page, site_url, built_site):
    assert AXE.is_file(), f"missing {AXE}: run `npm ci` (make test does)"
    page, _ = open_page()
    assert _axe(page) == []
    start_playing(page)  # the playing state, with the help dialog open too
    assert _axe(page) == []
    page.keyboard.press("?")
    assert page.evaluate("document.getElementById('help-dialog').open")
    assert _axe(page) == []
    page.keyboard.press("Escape")
    for html in sorted(built_site.rglob("*.html")):
        rel = html.relative_to(built_site).as_posix()
        if rel == "index.html":
            continue
        page.goto(site_url + rel)
        assert _axe(page) == [], rel


def test_nu_html_checker_finds_no_error(built_site):
    assert VNU.is_file(), f"missing {VNU}: run `npm ci` (make test does)"
    assert shutil.which("java"), "no java for the Nu HTML checker: run `make system` (installs default-jre-headless)"
    pages = sorted(str(p) for p in Path(built_site).rglob("*.html"))
    assert pages
    run = subprocess.run(["java", "-jar", str(VNU), "--errors-only", *pages],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr + run.stdout


@pytest.mark.parametrize("ambience", [0, 1, 2])
@pytest.mark.parametrize("name,width,height", [("desktop", 1280, 800), ("phone", 360, 740)])
def test_screenshot_of_the_playing_page(open_page, artifacts, name, width, height, ambience):
    """The room while it plays, in three of the station's scenes: test-artifacts/player-<scene>-<size>.png."""
    page, _ = open_page()
    amb = page.evaluate("(i) => (window.lofipress.manifest.ambience[i] || {}).id", ambience)
    assert amb is not None, f"the default station has no ambience {ambience}: its pack has four"
    page, watch = open_page(f"?ambience={amb}", width=width, height=height)
    start_playing(page)
    page.wait_for_function("window.lofipress.state.sceneLoaded && window.lofipress.state.noteEvents > 3", timeout=20000)
    page.wait_for_function("(v) => document.getElementById('visual').dataset.scene === v",
                           arg=page.evaluate("window.lofipress.state.visual"), timeout=10000)
    page.wait_for_timeout(1200)
    out = artifacts / f"player-{page.evaluate('window.lofipress.state.visual')}-{name}.png"
    page.screenshot(path=str(out))
    assert out.stat().st_size > 10_000
    # nothing overflows sideways on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert watch.errors == [] and watch.failed == []


CSP_WATCH = """window.__csp = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));"""


def _until(page, expression: str, arg=None, timeout_s: float = 20.0):
    """Poll `expression` from Python (CDP evaluation is outside the page's CSP; wait_for_function is not)."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        value = page.evaluate(expression, arg)
        if value:
            return value
        page.wait_for_timeout(100)
    raise AssertionError(f"timed out: {expression}")


def test_the_csp_holds_while_music_plays_and_every_scene_draws(browser, site_url, built_site):
    """The strict policy of every page is enforced by Chromium and nothing the station does breaks it."""
    ctx = browser.new_context()  # the policy enforced, not bypassed
    try:
        page = ctx.new_page()
        watch = PageWatch(page)
        page.add_init_script(CSP_WATCH)
        page.goto(site_url + "index.html?mixer=1")
        _until(page, "!!(window.lofipress && window.lofipress.manifest)")
        assert "script-src 'self' blob:" in page.get_attribute('meta[http-equiv="Content-Security-Policy"]', "content")
        page.click("#play")
        _until(page, "window.lofipress.state.playing && window.lofipress.state.sceneLoaded "
                     "&& window.lofipress.state.noteEvents > 2")
        for amb in page.evaluate("window.lofipress.manifest.ambience.map((a) => a.id)"):  # every scene draws
            page.select_option("#ambience-select", amb)
            _until(page, "(a) => window.lofipress.state.ambienceId === a", amb)
            _until(page, "() => document.getElementById('visual').dataset.scene === window.lofipress.state.visual")
        page.click("#next")
        _until(page, "window.lofipress.transport.state === 'started' && window.lofipress.transport.seconds > 0.3")
        assert page.evaluate("window.__csp") == []
        for html in sorted(built_site.rglob("*.html")):
            page.goto(site_url + html.relative_to(built_site).as_posix())
            page.wait_for_load_state("load")
            assert page.evaluate("window.__csp") == [], html.name
        assert not [e for e in watch.errors if "Content Security Policy" in e]
    finally:
        ctx.close()
