"""The player on a built site: loading, tempo, exact loop lengths, decoding, controls."""
from __future__ import annotations

import pytest

from conftest import start_playing

pytestmark = pytest.mark.browser


def test_loads_clean_and_play_starts_transport_at_track_tempo(open_page):
    page, watch = open_page()
    m = page.evaluate("window.lofipress.manifest")
    state = start_playing(page)
    track = next(t for t in m["tracks"] if t["id"] == state["trackId"])
    assert state["loaded"] and state["playing"]
    assert abs(page.evaluate("window.lofipress.transport.bpm") - track["bpm"]) < 1e-9
    assert abs(state["bpm"] - track["bpm"]) < 1e-9
    # the track plays as its segments, in order; every chosen layer arrives and is decoded
    segments = [g["src"] for g in track["audio"].get("segments") or [track["audio"]]]
    assert state["layers"]["main"] == segments
    assert state["drumsId"] and state["ambienceId"] and state["quoteId"]
    wanted = [*segments, *(src for n, src in state["layers"].items() if n != "main" and src)]
    page.wait_for_function("(srcs) => srcs.every((s) => s in window.lofipress.state.buffers)", arg=wanted, timeout=20000)
    page.wait_for_timeout(500)
    assert page.evaluate("window.lofipress.transport.seconds") > 0.2
    assert watch.errors == [] and watch.failed == []


# Each file decoded by the browser itself, apart from the player: {src: {samples, rate}}
DECODED_JS = """async (srcs) => {
  const ctx = new OfflineAudioContext(2, 1, 44100), out = {};
  for (const s of srcs) {
    const buf = await ctx.decodeAudioData(await (await fetch(s)).arrayBuffer());
    out[s] = { samples: buf.length, rate: buf.sampleRate };
  }
  return out;
}"""


def test_loop_lengths_are_exact_bars_and_quote_at_bar_5(open_page):
    page, _ = open_page()
    state = start_playing(page)
    bpm = state["bpm"]
    bar_s = 4 * 60 / bpm
    for layer, bars in (("drums", 8), ("ambience", 12), ("track", 30)):
        loop = state["loops"][layer]
        assert abs(loop["lengthSeconds"] - bars * bar_s) < 1e-6, layer
        assert abs(loop["lengthBars"] - bars) < 1e-6, layer
    assert abs(state["quoteAtSeconds"] - 4 * bar_s) < 1e-6
    # the loops the transport runs are as long as the audio the browser decoded for them, to the sample
    files = {"drums": [state["layers"]["drums"]], "ambience": [state["layers"]["ambience"]],
             "track": state["layers"]["main"]}
    decoded = page.evaluate(DECODED_JS, [s for srcs in files.values() for s in srcs])
    for layer, srcs in files.items():
        seconds = sum(decoded[s]["samples"] for s in srcs) / decoded[srcs[0]]["rate"]
        assert abs(seconds - state["loops"][layer]["lengthSeconds"]) < 0.5 / decoded[srcs[0]]["rate"], layer
    # a different tempo: the next track is at 84 BPM in the fixture; lengths follow it
    page.click("#next")
    page.wait_for_function(f"window.lofipress.state.trackId !== {state['trackId']!r} && window.lofipress.state.loaded")
    page.wait_for_function("window.lofipress.transport.state === 'started'")
    state2 = page.evaluate("window.lofipress.state")
    bar2 = 4 * 60 / state2["bpm"]
    m = page.evaluate("window.lofipress.manifest")
    assert abs(state2["bpm"] - next(t["bpm"] for t in m["tracks"] if t["id"] == state2["trackId"])) < 1e-9
    for layer, bars in (("drums", 8), ("ambience", 12), ("track", 30)):
        assert abs(state2["loops"][layer]["lengthSeconds"] - bars * bar2) < 1e-6, layer


def test_every_mp3_decodes_to_the_manifest_sample_count(open_page):
    page, watch = open_page()
    assert page.evaluate("window.lofipress.transport.sampleRate") == 44100
    lengths = page.evaluate("window.lofipress.decodeAll()")
    m = page.evaluate("window.lofipress.manifest")
    expected = {t["audio"]["src"]: t["audio"]["samples"] for t in m["tracks"]}
    for t in m["tracks"]:  # a track's segments decode to their own counts, which add up to the whole
        segs = t["audio"].get("segments") or []
        expected.update({g["src"]: g["samples"] for g in segs})
        assert not segs or sum(g["samples"] for g in segs) == t["audio"]["samples"], t["id"]
    for kind in ("drums", "ambience"):
        for loop in m[kind]:
            expected.update({e["src"]: e["samples"] for e in loop["by_bpm"].values()})
    expected.update({q["src"]: q["samples"] for q in m["quotes"]})
    assert expected, "the manifest names no MP3"
    for src, n in expected.items():
        assert lengths[src] == n, src
    assert watch.errors == [] and watch.failed == []


# Decode one track's segments in the page (decodeAudioData, as the player does) and measure every join:
# the jump from the last sample of one segment to the first of the next, against the largest sample-to-sample
# step in the bar either side (the build's loop-seam criterion); the last join is the loop's seam.
JOINS_JS = """async (segs) => {
  const ctx = Tone.getContext().rawContext, out = [];
  const bufs = [];
  for (const s of segs) bufs.push(await ctx.decodeAudioData(await (await fetch(s.src)).arrayBuffer()));
  const bar = Math.round(bufs[0].sampleRate * 240 / segs.bpm);
  for (let i = 0; i < bufs.length; i++) {
    const a = bufs[i], b = bufs[(i + 1) % bufs.length];
    let jump = 0, step = 0;
    for (let c = 0; c < a.numberOfChannels; c++) {
      const x = a.getChannelData(c), y = b.getChannelData(c);
      jump = Math.max(jump, Math.abs(x[x.length - 1] - y[0]));
      for (let k = Math.max(1, x.length - bar); k < x.length; k++) step = Math.max(step, Math.abs(x[k] - x[k - 1]));
      for (let k = 1; k < Math.min(bar, y.length); k++) step = Math.max(step, Math.abs(y[k] - y[k - 1]));
    }
    out.push({ jump, step, length: a.length });
  }
  return out;
}"""


def test_segments_decode_to_the_track_and_join_without_a_jump(open_page):
    page, watch = open_page()
    m = page.evaluate("window.lofipress.manifest")
    track = m["tracks"][0]
    segs = track["audio"]["segments"]
    assert len(segs) >= 3 and segs[0]["bars"] <= 2  # a small first segment: the first sound comes fast
    arg = [{"src": page.evaluate("(s) => new URL(s, location.href).href", g["src"])} for g in segs]
    joins = page.evaluate(JOINS_JS.replace("segs.bpm", str(track["bpm"])), arg)
    assert [j["length"] for j in joins] == [g["samples"] for g in segs]
    assert sum(j["length"] for j in joins) == track["audio"]["samples"]
    for i, j in enumerate(joins):  # the last one is the loop seam: the outro into the intro
        assert j["jump"] <= j["step"], (i, j)
    assert watch.errors == [] and watch.failed == []
