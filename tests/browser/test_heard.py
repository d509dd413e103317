"""The page as a listener hears it: an analyser tapped on the audio output (lofipress.bench.audiotap), not the
player's bookkeeping. Sound after play, silence after mute and pause, and station mode handing over on its own
schedule (a tiny real station: 4-bar tracks at 80 BPM, so three passes end 36 s in) without a gap."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conftest import ROOT, serve_folder
from ear import tapped, until_heard, until_silent
from lofipress.bench.audiotap import AUDIBLE_RMS, silent_gap_ms

pytestmark = pytest.mark.browser

LOUD_RMS = 10 * AUDIBLE_RMS  # -40 dBFS: music playing, not a whisper
STATION_PASSES = 3  # each track plays three times through in station mode (site_static/player/core.js)


def test_play_is_heard_and_mute_and_pause_fall_silent(browser, site_url):
    ctx, page, watch = tapped(browser, site_url)
    try:
        page.click("#play")
        page.wait_for_function("window.__benchTap.soundAt != null", timeout=30000)
        assert page.evaluate("window.__benchTap.taps") > 0  # the page's output went through the analyser
        assert until_heard(page, LOUD_RMS) > LOUD_RMS  # music, not a whisper, once its fade-in is done
        page.keyboard.press("m")  # mute all
        assert until_silent(page, AUDIBLE_RMS) <= AUDIBLE_RMS
        page.keyboard.press("m")
        assert until_heard(page, LOUD_RMS) > LOUD_RMS
        page.click("#play")  # pause
        assert until_silent(page, AUDIBLE_RMS) <= AUDIBLE_RMS
        assert page.get_attribute("#play", "aria-label") == "Play"
        assert watch.errors == [] and watch.failed == []
    finally:
        ctx.close()


@pytest.mark.parametrize("layer", ["main", "drums", "ambience"])
def test_each_layer_s_own_mute_silences_it(browser, site_url, layer):
    """One layer alone is heard, and its own mute button silences it (muting everything at once, above,
    cannot tell a layer that ignores its own mute)."""
    others = ",".join(n for n in ("main", "drums", "ambience", "quote") if n != layer)
    ctx, page, watch = tapped(browser, site_url, f"?mixer=1&mute={others}")
    try:
        page.click("#play")
        page.wait_for_function("window.__benchTap.soundAt != null", timeout=30000)
        assert until_heard(page, 2 * AUDIBLE_RMS, timeout_ms=15000) > 2 * AUDIBLE_RMS, f"{layer} alone is not heard"
        page.click(f"#mute-{layer}")
        assert until_silent(page, AUDIBLE_RMS) <= AUDIBLE_RMS, f"{layer} is still heard after its mute"
        assert watch.errors == []
    finally:
        ctx.close()


@pytest.fixture(scope="module")
def tiny_url(tmp_path_factory):
    sys.path.insert(0, str(ROOT / "tests"))
    import build_fixture as bf

    url, server = serve_folder(bf.site_dir(bf.golden()), tmp_path_factory.mktemp("tiny-serve"))
    yield url
    server.shutdown()
    server.server_close()


@pytest.mark.slow
def test_station_mode_hands_over_on_its_own_schedule_without_a_gap(browser, tiny_url):
    ctx, page, watch = tapped(browser, tiny_url, "?mixer=1")
    try:
        page.click("#play")
        page.wait_for_function("window.__benchTap.soundAt != null", timeout=30000)
        first = page.evaluate("window.lofipress.state.trackId")
        page.click("#station-mode")
        assert page.get_attribute("#station-mode", "aria-pressed") == "true"
        page.evaluate("window.__benchTap.series = []")  # hear the whole way to the hand-over and past it
        advance = page.evaluate("() => new Promise((r) => window.lofipress.on('advance', (a) => r({...a, "
                                "nowContext: window.lofipress.transport.contextTime, "
                                "nowTransport: window.lofipress.transport.seconds})))")  # scheduled ahead
        track = page.evaluate("(id) => window.lofipress.manifest.tracks.find((t) => t.id === id)", first)
        loop_s = track["bars"] * 4 * 60 / track["bpm"]  # the manifest's loop, not the player's own record
        due_on_transport_s = advance["nowTransport"] + advance["dueTime"] - advance["nowContext"]
        assert abs(due_on_transport_s - STATION_PASSES * loop_s) < 0.05, (
            f"the hand-over is due {due_on_transport_s:.2f} s in, not after {STATION_PASSES} passes of "
            f"{loop_s:.2f} s")
        page.wait_for_function("(t) => window.lofipress.transport.contextTime > t",
                               arg=advance["dueTime"] + 2.0, timeout=30000)  # hear 2 s of the new track
        heard = page.evaluate("() => { const s = window.__benchTap.series; window.__benchTap.series = null; return s; }")
        second = page.evaluate("window.lofipress.state.trackId")
        assert second != first and page.input_value("#track-select") == second
        bpm = page.evaluate("window.lofipress.state.bpm")
        bar_s = 4 * 60 / bpm
        assert advance["startTime"] == advance["dueTime"]  # the next track was fetched in time: not late
        started = min(t for t, *_ in heard)
        assert advance["dueTime"] > started  # it came by itself, while we listened
        window_s = page.evaluate("window.__benchTap.windowS")
        gap_ms = silent_gap_ms(heard, advance["dueTime"] - bar_s, advance["dueTime"] + 1.5, window_s)
        assert gap_ms < 50, f"a {gap_ms} ms silence at the hand-over"
        assert max(rms for t, rms, *_ in heard if t > advance["dueTime"] + 0.5) > LOUD_RMS
        page.wait_for_function("window.lofipress.state.noteEvents > 0", timeout=10000)  # the scene gets notes
        assert watch.errors == [] and watch.failed == []
    finally:
        ctx.close()
