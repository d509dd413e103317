"""The listening room (issue 14): the scene first, the mixer as a panel, no lost taps, layers
that join as they arrive, and the listener-facing bugs fixed."""
from __future__ import annotations

import pytest

from conftest import start_playing
from ear import loudest_rms, tapped
from lofipress.bench.audiotap import AUDIBLE_RMS

pytestmark = pytest.mark.browser
RECT = "(sel) => { const r = document.querySelector(sel).getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; }"
VISIBLE = "(sel) => { const e = document.querySelector(sel); return !!e && e.checkVisibility(); }"


@pytest.mark.parametrize("width,height", [(1280, 800), (360, 740)])
def test_the_scene_fills_the_viewport_and_a_compact_bar_floats_over_it(open_page, width, height):
    page, watch = open_page(width=width, height=height)
    assert page.evaluate(RECT, "#visual") == [0, 0, width, height]
    left, top, w, h = page.evaluate(RECT, "#now-playing")
    assert left >= 0 and top >= 0 and left + w <= width and top + h <= height  # all of the bar on screen
    assert h < 0.3 * height  # compact: most of the screen is the scene
    assert page.evaluate(VISIBLE, "#play") and not page.evaluate(VISIBLE, "#mixer")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    play = page.evaluate(RECT, "#play")
    assert play[2] >= 44 and play[3] >= 44  # a thumb-sized play button
    for button in ("#prev", "#play", "#next", "#mixer-toggle", "#scene-only"):  # every control inside the bar
        x, y, bw, bh = page.evaluate(RECT, button)
        assert left <= x and x + bw <= left + w and top <= y and y + bh <= top + h, button
    assert page.evaluate("(() => { const b = document.getElementById('play'); return b.scrollHeight <= b.clientHeight + 1; })()")
    assert watch.errors == []


def test_the_mixer_is_a_panel_opened_by_button_key_and_url(open_page):
    page, _ = open_page()
    page.click("#mixer-toggle")
    assert page.evaluate(VISIBLE, "#mixer") and page.get_attribute("#mixer-toggle", "aria-expanded") == "true"
    assert page.evaluate("document.getElementById('mixer').contains(document.activeElement)")
    page.keyboard.press("Escape")
    assert not page.evaluate(VISIBLE, "#mixer") and page.evaluate("document.activeElement.id") == "mixer-toggle"
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("x")
    assert page.evaluate(VISIBLE, "#mixer")
    page.keyboard.press("x")
    assert not page.evaluate(VISIBLE, "#mixer")
    page2, _ = open_page("?mixer=1")
    assert page2.evaluate(VISIBLE, "#mixer") and page2.evaluate(VISIBLE, "#drums-select")


def test_just_the_scene_leaves_a_minimal_overlay(open_page):
    page, _ = open_page()
    start_playing(page)
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("v")
    assert page.evaluate("document.documentElement.classList.contains('scene-only')")
    assert page.get_attribute("#scene-only", "aria-pressed") == "true"
    for hidden in (".site-header", "#np-title", "#next", "#mixer-toggle"):
        assert not page.evaluate(VISIBLE, hidden), hidden
    assert page.evaluate(VISIBLE, "#play") and page.evaluate(VISIBLE, "#scene-only")
    page.keyboard.press("Escape")
    assert page.evaluate(VISIBLE, "#np-title")


def test_a_tap_before_the_player_has_loaded_is_kept_and_played(browser, site_url):
    """The player's modules are held back; a tap on Play then says it is loading, and plays once they arrive."""
    ctx = browser.new_context(bypass_csp=True)  # the test polls with wait_for_function (see conftest)
    try:
        page = ctx.new_page()
        cdp = ctx.new_cdp_session(page)
        held = []
        cdp.on("Fetch.requestPaused", lambda e: held.append(e["requestId"]))
        cdp.send("Fetch.enable", {"patterns": [{"urlPattern": "*static/player/main.js*"}]})
        page.goto(site_url + "index.html", wait_until="commit")
        page.wait_for_function("window.lofipressBoot && window.lofipressBoot.usableAt != null && document.getElementById('play')")
        page.wait_for_function("() => true")
        assert held, "the player module was not held back"
        page.click("#play")
        assert page.evaluate("window.lofipressBoot.taps.length") == 1 and not page.evaluate("!!window.lofipress")
        assert page.text_content("#play") == "Loading"  # the tap is acknowledged at once
        for rid in held:
            cdp.send("Fetch.continueRequest", {"requestId": rid})
        cdp.send("Fetch.disable")
        page.wait_for_function("window.lofipress && window.lofipress.state.playing", timeout=20000)
        page.wait_for_function("window.lofipress.transport.seconds > 0.3")
        assert page.text_content("#play") == "Pause"
    finally:
        ctx.close()


def test_music_starts_before_every_layer_has_arrived_and_late_layers_join(browser, site_url):
    """Heard at the output, with every layer but the ambience muted: silence while it is on its way, then it."""
    ctx, page, watch = tapped(browser, site_url, "?mute=main,drums,quote")
    try:
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        # a slow phone network: the ambience (the largest loop) is still on its way when the music starts
        cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 150,
                                                      "downloadThroughput": 1.6e6 / 8, "uploadThroughput": 0.75e6 / 8})
        state = start_playing(page, timeout_ms=60000)
        amb = state["layers"]["ambience"]
        assert state["layers"]["main"][0] in state["buffers"]
        assert amb not in state["buffers"], "the first sound waited for the ambience"
        quiet = loudest_rms(page, 200)
        if amb not in page.evaluate("window.lofipress.state.buffers"):  # still on its way all the while
            assert quiet <= AUDIBLE_RMS, "a muted layer is heard"
        page.wait_for_function("(s) => s in window.lofipress.state.buffers", arg=amb, timeout=90000)
        page.wait_for_timeout(4 * 60 / state["bpm"] * 1000 + 300)  # it joins on the next bar line
        assert loudest_rms(page) > AUDIBLE_RMS, "the ambience arrived but is not heard"
        assert watch.errors == []
    finally:
        ctx.close()


def test_live_song_names_itself_once_and_offers_no_ai_tracks_links(open_page):
    page, _ = open_page("?source=live&mixer=1")
    start_playing(page)
    song = page.evaluate("window.lofipress.manifest.songs[0]")
    assert page.text_content("#np-title") == song["title"] and "(live) (live)" not in page.text_content("#now-playing")
    assert "Live song" in page.text_content("#np-kind")
    assert not page.evaluate(VISIBLE, "#dl-mp3") and not page.evaluate(VISIBLE, "#track-page")
    assert page.get_attribute("#dl-midi", "href").endswith(song["midi"])


def test_the_quote_floats_without_moving_the_bar_and_stays_to_be_read(open_page):
    page, _ = open_page()
    state = start_playing(page)
    before = page.evaluate(RECT, "#now-playing")
    page.evaluate("(s) => window.lofipress.seek(s)", state["quoteAtSeconds"] - 0.5)
    page.wait_for_function("document.getElementById('app').classList.contains('has-quote')", timeout=10000)
    shown = page.evaluate("performance.now()")
    assert page.evaluate(RECT, "#now-playing") == before
    voice_s = page.evaluate("(s) => window.lofipress.state.buffers[s].duration", state["layers"]["quote"])
    page.wait_for_function("!document.getElementById('app').classList.contains('has-quote')", timeout=30000)
    assert (page.evaluate("performance.now()") - shown) / 1000 >= voice_s + 5


def test_media_session_shows_the_track_with_artwork(open_page):
    page, _ = open_page()
    start_playing(page)
    meta = page.evaluate("""() => { const m = navigator.mediaSession.metadata;
      return {title: m.title, artwork: m.artwork.map((a) => a.src)}; }""")
    assert meta["title"] == page.text_content("#np-title") and meta["artwork"]
    for src in meta["artwork"]:
        assert page.evaluate("async (u) => (await fetch(u)).headers.get('content-type')", src).startswith("image/")
