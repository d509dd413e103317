"""Drum breaks: the drums drop out for the manifest's break bars of the main track, on every cycle."""
from __future__ import annotations

import pytest

from conftest import start_playing

pytestmark = pytest.mark.browser

# The transport's position in bars since it started and the drums' break gain, read at one instant
# (both at Tone's "now", the look-ahead time): no wall-clock sleeps, the page is polled until the
# transport is where the check wants it.
SAMPLE = """([lo, hi]) => {
  const T = Tone.getTransport(), bar = T.ticks / (4 * T.PPQ);
  const lp = window.lofipress;
  return bar >= lo && bar < hi ? {bar, gain: lp.drumBreakGain(), drums: lp.gains().drums} : null;
}"""


def seek(page, bar: float) -> None:
    """Move the transport to `bar` through the player's own seek (pause, move, play on: the resume path)."""
    page.evaluate("(bar) => window.lofipress.seek(bar * 240 / Tone.getTransport().bpm.value)", bar)
    page.wait_for_function("window.lofipress.state.playing && window.lofipress.transport.state === 'started'")


def sample(page, lo: float, hi: float) -> dict:
    """Wait until the transport is between bars lo and hi; the bar and gains there."""
    return page.wait_for_function(SAMPLE, arg=[lo, hi], timeout=20000).json_value()


@pytest.mark.parametrize("source", ["ai", "live"])
def test_drums_drop_out_in_break_bars_and_come_back(open_page, source):
    page, watch = open_page(f"?source={source}")
    state = start_playing(page)
    m = page.evaluate("window.lofipress.manifest")
    items = m["songs"] if source == "live" else m["tracks"]
    item = next(x for x in items if x["id"] == (state["songId"] if source == "live" else state["trackId"]))
    loop_bars = round(state["loops"]["track"]["lengthBars"])
    # the end of a run of break bars that is not bar 0, so the bar before it and the one after it are checked
    ends = [b for b in item["breaks"] if b >= 1 and b - 1 not in item["breaks"] and b + 1 not in item["breaks"]]
    assert ends, f"{item['id']} has no single break bar: the default form has one, before B"
    b = ends[0]
    assert 0 < b < loop_bars - 1

    seek(page, b - 0.5)
    assert sample(page, b - 0.45, b - 0.1)["gain"] == pytest.approx(1)
    inside = sample(page, b + 0.1, b + 0.9)
    assert inside["gain"] == 0 and inside["drums"] > 0  # the break, not the fader
    assert sample(page, b + 1.1, b + 1.9)["gain"] == pytest.approx(1)

    seek(page, b + 0.5)  # paused and resumed inside the break: still silent
    assert sample(page, b + 0.5, b + 0.95)["gain"] == 0
    seek(page, loop_bars + b - 0.3)  # the next cycle of the main track breaks at the same bar
    assert sample(page, loop_bars + b + 0.1, loop_bars + b + 0.9)["gain"] == 0
    assert watch.errors == [] and watch.failed == []


def test_track_change_follows_the_new_tracks_breaks(open_page):
    page, watch = open_page()
    state = start_playing(page)
    page.click("#next")
    page.wait_for_function(f"window.lofipress.state.trackId !== {state['trackId']!r} && window.lofipress.state.loaded")
    page.wait_for_function("window.lofipress.transport.state === 'started'")
    m = page.evaluate("window.lofipress.manifest")
    track = next(t for t in m["tracks"] if t["id"] == page.evaluate("window.lofipress.state.trackId"))
    breaks = set(track["breaks"])
    # the new transport starts at bar 0: outside a break the drums play
    first_plain = next(b for b in range(30) if b not in breaks)
    seek(page, first_plain + 0.3)
    assert sample(page, first_plain + 0.3, first_plain + 0.9)["gain"] == pytest.approx(1)
    if breaks:
        b = min(breaks)
        seek(page, b + 0.3)
        assert sample(page, b + 0.3, b + 0.9)["gain"] == 0
    assert watch.errors == [] and watch.failed == []
