"""bench site: the Pages-like server, the analyser tap on pages that make known sounds, throttling, the report.

The browser tests use pages written here (an oscillator that starts 300 ms after the tap,
a node at gain 0, a fake station hand-over), served by the bench's own server, so what the
bench reads is checked against sound whose timing is known.
"""
import gzip
import http.client
import json
import os
import statistics
from pathlib import Path

import pytest

from lofipress.bench import audiotap, netsim, pages_server
from lofipress.bench import site as bench_site

CHROMIUM = os.environ.get("LOFIPRESS_CHROMIUM", bench_site.CHROMIUM)
ONSET_MS = 300  # the oscillator page's sound starts this long after the tap
BOOT = "<script>window.lofipressBoot = {usableAt: performance.now()};</script>"
# the context is made at load (autoplay is allowed in the bench's Chromium), so its start-up is not timed
TONE_PAGE = BOOT + """<button id="play">Play</button><script>
const ctx = new AudioContext();
document.getElementById("play").addEventListener("click", () => {
  ctx.resume();
  setTimeout(() => {
    const osc = ctx.createOscillator(), gain = ctx.createGain();
    gain.gain.value = GAIN;
    osc.connect(gain); gain.connect(ctx.destination); osc.start();
  }, %d);
});
</script>""" % ONSET_MS
# a 20 s "track" of 440 Hz, then the next at 660 Hz, started LATE seconds after it is due
STATION_PAGE = BOOT + """<button id="play">Play</button><button id="station-mode" aria-pressed="false">Station</button>
<script>
const LATE = Number(new URLSearchParams(location.search).get("late") || 0), TRACK_S = 20;
const ctx = new AudioContext();
let zero = 0, station = false, current = null, next = null, timer = null;
const listeners = [];
function schedule() {
  if (current) current.stop(zero + TRACK_S);
  if (next) next.stop();
  clearTimeout(timer);
  next = ctx.createOscillator(); next.frequency.value = 660;
  next.connect(gain); next.start(zero + TRACK_S + LATE);
  const d = {dueTime: zero + TRACK_S, startTime: zero + TRACK_S + LATE};
  timer = setTimeout(() => listeners.forEach((fn) => fn(d)), (d.startTime - ctx.currentTime) * 1000);
}
const gain = ctx.createGain(); gain.gain.value = 0.3; gain.connect(ctx.destination);
document.getElementById("play").addEventListener("click", () => {
  ctx.resume(); zero = ctx.currentTime;
  current = ctx.createOscillator(); current.connect(gain); current.start();
});
document.getElementById("station-mode").addEventListener("click", (e) => {
  station = true; e.target.setAttribute("aria-pressed", "true");
});
window.lofipress = {
  stationDueSeconds: () => (station ? TRACK_S : null),
  seek: (s) => { zero = ctx.currentTime - s; schedule(); },
  on: (type, fn) => { if (type === "advance") listeners.push(fn); },
};
</script>"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bench-pages")
    (root / "tone.html").write_text(TONE_PAGE.replace("GAIN", "0.3"))
    (root / "silent.html").write_text(TONE_PAGE.replace("GAIN", "0"))
    (root / "station.html").write_text(STATION_PAGE)
    (root / "app.js").write_text("// filler\n" * 2000)
    (root / "noise.bin").write_bytes(os.urandom(100_000))  # incompressible: the wire carries all of it
    return root


@pytest.fixture(scope="module")
def server(pages):
    with pages_server.PagesServer(pages) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), f"no chromium at {CHROMIUM}: run `make system`"
    from chromium_session import shared_browser  # the browser tests' Chromium: one Playwright per process

    return shared_browser(CHROMIUM, bench_site.CHROMIUM_ARGS)


def _get(server, path: str, headers: dict | None = None, conn=None):
    conn = conn or http.client.HTTPConnection("127.0.0.1", server.httpd.server_port, timeout=5)
    conn.request("GET", path, headers=headers or {})
    resp = conn.getresponse()
    return resp, resp.read(), conn


# ---- the server, without a browser

def test_server_gzips_text_when_asked_and_sends_content_length(server, pages):
    resp, body, conn = _get(server, "/station/app.js", {"Accept-Encoding": "gzip, deflate"})
    assert resp.status == 200 and resp.getheader("Content-Encoding") == "gzip"
    assert int(resp.getheader("Content-Length")) == len(body) < 2000
    assert gzip.decompress(body) == (pages / "app.js").read_bytes()
    resp, body, _ = _get(server, "/station/app.js", conn=conn)  # same connection: HTTP/1.1 keep-alive
    assert resp.version == 11 and resp.getheader("Content-Encoding") is None and body == (pages / "app.js").read_bytes()


def test_server_answers_ranges_and_serves_only_the_sub_path(server, pages):
    resp, body, _ = _get(server, "/station/noise.bin", {"Range": "bytes=100-199", "Accept-Encoding": "gzip"})
    assert resp.status == 206 and body == (pages / "noise.bin").read_bytes()[100:200]
    assert resp.getheader("Content-Range") == "bytes 100-199/100000"
    assert _get(server, "/station/noise.bin", {"Range": "bytes=200000-"})[0].status == 416
    assert _get(server, "/tone.html")[0].status == 404
    assert _get(server, "/station/../station/tone.html")[0].status in (200, 404)  # never outside the root
    assert _get(server, "/station/%2e%2e/etc/passwd")[0].status == 404


@pytest.mark.parametrize("header,size,span", [("bytes=0-9", 100, (0, 9)), ("bytes=90-", 100, (90, 99)),
                                              ("bytes=-10", 100, (90, 99)), ("bytes=95-200", 100, (95, 99)),
                                              ("bytes=100-", 100, None), ("bytes=5-2", 100, None), ("items=1-2", 100, None)])
def test_parse_range(header, size, span):
    assert pages_server.parse_range(header, size) == span


def _readings(silences: list[tuple[float, float]], poll_s: float, window_s: float, until_s: float) -> list:
    """What the tap's poll would record of a tone with the given silences (start, end seconds)."""
    out, t = [], window_s
    while t < until_s:
        lo = t - window_s
        loud = [(max(lo, a), min(t, b)) for a, b in _complement(silences, until_s) if a < t and b > lo]
        first, last = (loud[0][0] - lo, loud[-1][1] - lo) if loud else (None, None)
        rms = 0.1 * (sum(b - a for a, b in loud) / window_s) ** 0.5
        out.append([t, rms, first, last])
        t += poll_s
    return out


def _complement(silences, until_s):
    edges, at = [], 0.0
    for a, b in silences:
        edges.append((at, a))
        at = b
    return edges + [(at, until_s)]


@pytest.mark.parametrize("poll_s", [0.005, 0.030])  # a 30 ms poll: a busy machine's late timer
def test_silent_gap_is_read_from_the_samples_not_the_polls(poll_s):
    series = _readings([(1.0, 1.2), (3.0, 3.5)], poll_s, window_s=0.046, until_s=4.0)
    assert audiotap.silent_gap_ms(series, 1.05, 1.1, 0.046) == pytest.approx(200.0, abs=0.5)
    assert audiotap.silent_gap_ms(series, 2.0, 2.5, 0.046) == 0.0
    assert audiotap.silent_gap_ms(series, 0.0, 4.0, 0.046) == pytest.approx(500.0, abs=0.5)


# ---- the report, with canned measurements

def _canned(name, usable, click, nbytes):
    return {"usable_ms": usable, "click_to_sound_ms": click, "bytes_before_sound": nbytes, "usable_source": "lofipressBoot",
            "usable_ms_runs": [usable], "click_to_sound_ms_runs": [click], "bytes_before_sound_runs": [nbytes],
            "click_at_ms": usable, "runs": 1, "errors": [], "output_taps": 1, "down_mbps": None, "latency_ms": 0.0}


def test_report_keeps_old_keys_adds_profiles_and_marks_goals(monkeypatch, tmp_path, capsys):
    from lofipress.station.config import Station

    (tmp_path / "index.html").write_text("<html><script src='a.js'></script></html>")
    (tmp_path / "a.js").write_text("x")
    slow = {**_canned("slow4g", 1400.0, 2500.0, 300_000), "station": {"late_ms": 0.0, "gap_ms": 0.0, "reason": ""}}
    canned = {"none": _canned("none", 200.0, 500.0, 300_000), "fast4g": _canned("fast4g", 700.0, 900.0, 300_000),
              "slow4g": slow}
    monkeypatch.setattr(bench_site, "measure_site", lambda site_dir, profiles: canned)
    assert bench_site.run(Station(), True, site_dir=tmp_path) == 0
    out = capsys.readouterr().out
    data = json.loads(out.strip().splitlines()[-1])
    assert {"page_kb_compressed", "click_to_sound_ms", "click_to_sound_runs_ms", "page_files_gzip_bytes",
            "slow4g_usable_ms", "slow4g_click_to_sound_ms", "slow4g_bytes_before_sound", "fast4g_click_to_sound_ms",
            "station_advance_late_ms", "profiles"} <= set(data)
    assert data["click_to_sound_ms"] == 500.0 and data["slow4g_click_to_sound_ms"] == 2500.0
    assert data["profiles"]["slow4g"]["ratios_to_none"]["click_to_sound_ms"] == 5.0
    assert data["goals"]["slow4g click to audible"]["ok"] is False and data["goals"]["slow4g usable"]["ok"] is True
    assert "2500 ms (goal ≤ 2000 ms) OVER" in out and "×5.00" in out


def test_report_exits_1_when_chromium_cannot_measure(monkeypatch, tmp_path, capsys):
    from lofipress.station.config import Station

    (tmp_path / "index.html").write_text("<html></html>")

    def broken(site_dir, profiles):
        raise RuntimeError("no browser")

    monkeypatch.setattr(bench_site, "measure_site", broken)
    assert bench_site.run(Station(), True, site_dir=tmp_path) == 1
    out = capsys.readouterr().out
    assert "could not measure (RuntimeError: no browser)" in out
    assert json.loads(out.strip().splitlines()[-1])["click_to_sound_ms"] is None


# ---- the analyser tap and throttling, in Chromium

NONE, SLOW = netsim.PROFILES[0], netsim.PROFILES[2]


def in_chromium(test):
    """A browser test, on the xdist worker of the other browser tests: timings suffer from a second Chromium."""
    return pytest.mark.xdist_group("browser")(pytest.mark.browser(test))


@in_chromium
def test_tap_hears_an_oscillator_no_earlier_than_it_starts(browser, server):
    times = [bench_site.measure_once(browser, server.url + "tone.html", NONE)["click_to_sound_ms"] for _ in range(2)]
    assert ONSET_MS <= statistics.median(times) < 2 * ONSET_MS, times


@in_chromium
def test_tap_never_hears_a_node_at_gain_zero(browser, server):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.add_init_script(audiotap.TAP_JS)
        page.goto(server.url + "silent.html")
        page.click("#play")
        page.wait_for_timeout(ONSET_MS + 700)
        tap = page.evaluate(audiotap.READ_JS)
        assert tap["taps"] >= 1 and tap["clickAt"] is not None and tap["soundAt"] is None
    finally:
        context.close()


def _fetch_noise(browser, server, profile) -> tuple[float, int]:
    """(ms to fetch the 100 KB noise file, bytes the ledger saw) on a fresh page under profile."""
    context = browser.new_context()
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        ledger = netsim.ByteLedger(cdp)
        netsim.throttle(cdp, profile)
        page.goto(server.url + "silent.html")
        before = ledger.total()
        ms = page.evaluate("""async () => { const t = performance.now();
            await (await fetch("noise.bin")).arrayBuffer(); return performance.now() - t; }""")
        page.wait_for_timeout(50)  # loadingFinished reaches the ledger
        return ms, ledger.total() - before
    finally:
        context.close()


@in_chromium
def test_slow4g_takes_measurably_longer_than_none(browser, server):
    none_ms, none_bytes = _fetch_noise(browser, server, NONE)
    slow_ms, slow_bytes = _fetch_noise(browser, server, SLOW)
    # 100 KB at 1.6 Mbps is 0.5 s, plus 150 ms of latency; unthrottled it is a few ms on an idle machine
    assert slow_ms >= 500 and slow_ms > none_ms + 300, (none_ms, slow_ms)
    assert 100_000 <= none_bytes < 101_000 and 100_000 <= slow_bytes < 101_000


@in_chromium
@pytest.mark.slow
@pytest.mark.parametrize("late_s", [0.0, 0.2])
def test_station_hand_over_is_timed_by_the_player_and_heard_by_the_tap(browser, server, late_s):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.add_init_script(audiotap.TAP_JS)
        page.goto(server.url + f"station.html?late={late_s}")
        page.click("#play")
        page.wait_for_function(audiotap.SOUND_JS)
        result = bench_site._station_advance(page, lead_s=1.0)
    finally:
        context.close()
    assert result["late_ms"] == pytest.approx(late_s * 1000, abs=1)
    # the silence between the tracks, as heard: edges read from the samples, placed by currentTime, which moves in audio-callback steps
    assert late_s * 1000 - 25 <= result["gap_ms"] <= late_s * 1000 + 25, result


@in_chromium
@pytest.mark.slow
def test_tap_hears_the_real_player_through_tone_js(browser, tmp_path):
    """Tone.js wraps native nodes (standardized-audio-context): the tap must still see the connects."""
    from lofipress.station.config import Station

    site_dir = bench_site._fixture_site(tmp_path, Station())
    with pages_server.PagesServer(site_dir) as srv:
        result = bench_site.measure_once(browser, srv.url + "index.html", NONE)
    assert result["output_taps"] >= 1 and result["click_to_sound_ms"] > 0
    assert result["bytes_before_sound"] > 50_000  # at least Tone.js, gzip-compressed
