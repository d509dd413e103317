"""`lofipress bench site`: the player page on three networks: when a tap can play, when it is heard, at what bytes.

The site (station.site.out_dir when it holds index.html, else the fake press of
tests/site_fixture.py) is served as GitHub Pages would serve it (pages_server.py:
gzip, keep-alive, ranges, a sub-path) and opened in Debian's Chromium, throttled
through CDP to each profile of netsim.py, a fresh context (a first visit) per run:

- usable: navigation start to `window.lofipressBoot.usableAt` (the player's early
  script), or to DOMContentLoaded where the page has no lofipressBoot;
- click to audible: the tap on #play to the first analyser reading of the page's
  output above -60 dBFS (audiotap.py), raw: no latency is subtracted;
- bytes before sound: encoded bytes received from navigation until that moment;
- station hand-over (slow4g, one run): the player's own lateness, and the longest
  silence the analyser heard around it.

Goals (issue 14): below. Missed goals are reported; the exit code is 1 only when
Chromium could not measure a profile.
"""
from __future__ import annotations

import importlib.util
import shlex
import statistics
import sys
import tempfile
from pathlib import Path

from . import audiotap, netsim, report
from ..core.errors import LofipressError
from .pages_server import PagesServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--autoplay-policy=no-user-gesture-required", "--disable-dev-shm-usage"]
PAGE_GOAL_KB = 400.0
STATION_LEAD_S = 6.0  # seek this far before the hand-over: the player has 6 s to have the next track ready
STATION_TIMEOUT_MS = 90_000  # the next track may still be loading at 1.6 Mbps
GOALS = (  # (JSON key, table label, profile, figure, limit)
    ("slow4g_usable_ms", "slow4g usable", "slow4g", "usable_ms", 1500.0),
    ("slow4g_click_to_sound_ms", "slow4g click to audible", "slow4g", "click_to_sound_ms", 2000.0),
    ("slow4g_bytes_before_sound", "slow4g bytes before sound", "slow4g", "bytes_before_sound", 400_000),
    ("fast4g_click_to_sound_ms", "fast4g click to audible", "fast4g", "click_to_sound_ms", 1000.0),
)
FIGURES = ("usable_ms", "click_to_sound_ms", "bytes_before_sound")  # medians per profile, ratios to `none`
COLUMNS = (("usable_ms", "usable", "ms", 8), ("click_at_ms", "tap at", "ms", 8),  # (key, label, unit, width)
           ("click_to_sound_ms", "click→audible", "ms", 14), ("bytes_before_sound", "bytes before sound", "MB", 19))

# performance.now() ms when the page became usable; the DOMContentLoaded fallback is today's player
USABLE_AT_JS = """() => {
  const b = window.lofipressBoot;
  if (b && b.usableAt != null) return {usableAt: b.usableAt, source: "lofipressBoot"};
  const nav = performance.getEntriesByType("navigation")[0];
  return {usableAt: nav.domContentLoadedEventStart, source: "DOMContentLoaded"};
}"""
# a tap is taken once the page says so, or (no lofipressBoot) after DOMContentLoaded once #play has its
# handler: today's player binds it when manifest.json is in, and a tap before that would be lost, not slow
READY_TO_TAP_JS = """() => {
  const b = window.lofipressBoot;
  if (b) return b.usableAt != null;
  const nav = performance.getEntriesByType("navigation")[0];  // deferred scripts run before DOMContentLoaded
  if (!nav || !(nav.domContentLoadedEventEnd > 0)) return false;
  return !window.lofipress || !("manifest" in window.lofipress) || window.lofipress.manifest != null;
}"""
STATION_HOOKS_JS = """() => { const lp = window.lofipress;
  return !!lp && ["stationDueSeconds", "seek", "on"].every((k) => typeof lp[k] === "function"); }"""
SEEK_BEFORE_DUE_JS = """async (leadS) => {
  const lp = window.lofipress;
  const due = lp.stationDueSeconds();
  await lp.seek(Math.max(0, due - leadS));
  window.__benchAdvance = null;
  lp.on("advance", (d) => { if (!window.__benchAdvance) window.__benchAdvance = {dueTime: d.dueTime, startTime: d.startTime}; });
  window.__benchTap.series = [];  // the analyser's readings from here on, for the silence around the hand-over
  return due;
}"""


def _fixture_site(tmp: Path, station) -> Path:
    """Build the test fixture's fake press into tmp/site (no pipeline run needed)."""
    from .. import site

    path = site.ROOT / "tests" / "site_fixture.py"
    spec = importlib.util.spec_from_file_location("lofipress_site_fixture", path)
    fixture = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fixture)
    site.write_site(station, fixture.make_press(tmp / "press"), tmp / "site")
    return tmp / "site"


def _station_advance(page, lead_s: float = STATION_LEAD_S) -> dict:
    """Play is on: switch station mode on, seek to lead_s before the hand-over, time it; {late_ms, gap_ms, reason}."""
    if not page.evaluate(STATION_HOOKS_JS):
        return {"late_ms": None, "gap_ms": None,
                "reason": "the player has no lofipress.stationDueSeconds/seek/on hooks (today's player)"}
    if page.get_attribute("#station-mode", "aria-pressed") != "true":
        if page.locator("#mixer-toggle").count() and not page.is_visible("#station-mode"):
            page.click("#mixer-toggle")  # the toggle lives in the mixer panel
        page.click("#station-mode")
    page.wait_for_function("window.lofipress.stationDueSeconds() != null", timeout=10_000)
    # A hand-over comes after minutes of play, when everything the next track needs has long arrived (at
    # 1.6 Mbps, 4 minutes bring 48 MB): wait for the player's fetches to settle, as those minutes would.
    page.wait_for_function("!window.lofipress.state || !window.lofipress.state.fetching", timeout=STATION_TIMEOUT_MS)
    page.evaluate(SEEK_BEFORE_DUE_JS, lead_s)
    page.wait_for_function("window.__benchAdvance != null", timeout=STATION_TIMEOUT_MS)
    d = page.evaluate("window.__benchAdvance")
    page.wait_for_timeout(1500)  # the analyser hears past the hand-over
    series, window_s = page.evaluate("[window.__benchTap.series, window.__benchTap.windowS || 0]")
    due_s, start_s = d["dueTime"], d["startTime"]
    return {"late_ms": round(max(0.0, start_s - due_s) * 1000, 1), "reason": "",
            "gap_ms": audiotap.silent_gap_ms(series, due_s - 0.25, max(due_s, start_s) + 0.25, window_s)}


def measure_once(browser, url: str, profile: netsim.Profile, station: bool = False) -> dict:
    """One first visit under profile: {usable_ms, usable_source, click_at_ms, click_to_sound_ms, bytes_before_sound, ...}.

    Raises:
        playwright's TimeoutError (or Error) when the page never became usable or never sounded.
    """
    context = browser.new_context(bypass_csp=True)  # the bench polls the page with evaluated strings
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        ledger = netsim.ByteLedger(cdp)
        netsim.throttle(cdp, profile)
        page.add_init_script(audiotap.TAP_JS)
        page.goto(url, wait_until="commit", timeout=profile.timeout_ms)
        page.wait_for_function(READY_TO_TAP_JS, timeout=profile.timeout_ms)
        usable = page.evaluate(USABLE_AT_JS)
        page.click("#play", timeout=profile.timeout_ms)
        page.wait_for_function(audiotap.SOUND_JS, timeout=profile.timeout_ms)
        tap = page.evaluate(audiotap.READ_JS)
        zero_s = ledger.page_zero_s(page.evaluate("performance.getEntriesByType('navigation')[0].requestStart"))
        result = {
            "usable_ms": round(usable["usableAt"], 1), "usable_source": usable["source"],
            "click_at_ms": round(tap["clickAt"], 1), "click_to_sound_ms": round(tap["soundAt"] - tap["clickAt"], 1),
            "bytes_before_sound": None if zero_s is None else ledger.bytes_until(zero_s + tap["soundAt"] / 1000),
            "output_taps": tap["taps"]}
        if station:
            try:
                result["station"] = _station_advance(page)
            except Exception as exc:  # noqa: BLE001 - the click-to-sound figures above still stand
                result["station"] = {"late_ms": None, "gap_ms": None, "reason": _one_line(exc)}
        return result
    finally:
        context.close()


def _one_line(exc: Exception) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


def _median(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 1) if values else None


def measure_profile(browser, url: str, profile: netsim.Profile, station: bool = False) -> dict:
    """profile.runs first visits; medians of each figure, every run's figures, and the first error if any."""
    runs, errors = [], []
    for i in range(profile.runs):
        try:
            runs.append(measure_once(browser, url, profile, station=station and i == profile.runs - 1))
        except Exception as exc:  # noqa: BLE001 - a timeout or a player error is a result of the run
            errors.append(_one_line(exc))
    out = {k: _median([r[k] for r in runs]) for k in FIGURES}
    if out["bytes_before_sound"] is not None:
        out["bytes_before_sound"] = int(out["bytes_before_sound"])
    out.update({f"{k}_runs": [r[k] for r in runs] for k in FIGURES})
    out.update({"runs": len(runs), "errors": errors, "usable_source": runs[0]["usable_source"] if runs else None,
                "click_at_ms": _median([r["click_at_ms"] for r in runs]),
                "output_taps": max((r["output_taps"] for r in runs), default=0),
                "down_mbps": profile.down_mbps, "latency_ms": profile.latency_ms})
    if station:
        last = next((r["station"] for r in reversed(runs) if "station" in r), None)
        out["station"] = last or {"late_ms": None, "gap_ms": None, "reason": "; ".join(errors) or "not measured"}
    return out


def measure_site(site_dir: Path, profiles=netsim.PROFILES) -> dict:
    """Serve site_dir like Pages and measure every profile in one Chromium: {profile name: figures}."""
    from playwright.sync_api import sync_playwright

    results = {}
    with PagesServer(site_dir) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            for profile in profiles:
                results[profile.name] = measure_profile(browser, server.url + "index.html", profile,
                                                        station=profile.name == "slow4g")
        finally:
            browser.close()
    return results


def _ratio(value, base) -> float | None:
    return round(value / base, 2) if value is not None and base else None


def _fmt(value, unit: str) -> str:
    if value is None:
        return "-"
    return {"MB": f"{value / 1e6:.2f} MB", "KB": f"{value / 1000:.0f} KB"}.get(unit, f"{value:.0f} ms")


def goals(weight: dict, profiles: dict) -> list[dict]:
    """Every goal with its figure: [{label, value, limit, unit, below (strictly), ok (None: not measured)}]."""
    out = [{"label": label, "value": profiles.get(prof, {}).get(fig), "limit": limit,
            "unit": "KB" if fig == "bytes_before_sound" else "ms", "below": False} for _, label, prof, fig, limit in GOALS]
    out.append({"label": "page weight before audio", "value": round(weight["kb"] * 1000), "limit": PAGE_GOAL_KB * 1000,
                "unit": "KB", "below": True})
    station = profiles.get("slow4g", {}).get("station") or {}
    out.append({"label": "slow4g station hand-over late", "value": station.get("late_ms"), "limit": 0.0, "unit": "ms",
                "below": False})
    for g in out:
        g["ok"] = None if g["value"] is None else bool(g["value"] < g["limit"] if g["below"] else g["value"] <= g["limit"])
    return out


def _profile_rows(profiles: dict) -> list[tuple[str, str]]:
    """One row per profile: its medians and their ratios to the `none` profile of the same run."""
    base = profiles.get("none", {})
    header = " ".join(f"{label:>{width}}" for _, label, _, width in COLUMNS)
    rows = [("profile", f"{header}   ratios to none (usable, click→audible, bytes)")]
    for name, p in profiles.items():
        cells = " ".join(f"{_fmt(p[k], unit):>{width}}" for k, _, unit, width in COLUMNS)
        ratios = ", ".join("×-" if r is None else f"×{r:.2f}"
                           for r in (_ratio(p[k], base.get(k)) for k in FIGURES if k in p))
        failed = f"  ({len(p['errors'])} run(s) failed: {p['errors'][0]})" if p["errors"] else ""
        rows.append((f"  {name}", f"{cells}   {'baseline' if name == 'none' else ratios}{failed}"))
    if any(p.get("usable_source") == "DOMContentLoaded" for p in profiles.values()):
        rows.append(("  usable", "at DOMContentLoaded: the page sets no window.lofipressBoot"))
    rows.append(("  tap at", "when the bench tapped #play: once usable and (without lofipressBoot) its handler bound"))
    return rows


def _rows(site_dir: Path, weight: dict, profiles: dict, goal_list: list[dict], error: str) -> list[tuple[str, str]]:
    """The whole table: site, profiles, goals, the station hand-over, page files, every run."""
    rows = [("site", str(site_dir)), ("served as", "GitHub Pages would: gzip text, HTTP/1.1 keep-alive, under /station/")]
    if error:
        rows.append(("Chromium", f"could not measure ({error})"))
    rows += _profile_rows(profiles)
    rows.append(("goals", ""))
    for g in goal_list:
        verdict = "not measured" if g["ok"] is None else "ok" if g["ok"] else "OVER"
        rows.append((f"  {g['label']}", f"{_fmt(g['value'], g['unit'])} (goal {'<' if g['below'] else '≤'} "
                                        f"{_fmt(g['limit'], g['unit'])}) {verdict}"))
    station = profiles.get("slow4g", {}).get("station") or {"late_ms": None, "reason": "slow4g not measured"}
    if station["late_ms"] is None:
        rows.append(("  station hand-over", f"not measured: {station['reason']}"))
    else:
        rows.append(("  silence heard at hand-over", f"{station['gap_ms']:.0f} ms (the analyser's reading, "
                                                     "independent of the player's figure above)"))
    rows.append(("page files (gzip -9)", ""))
    rows += [(f"  {name}", f"{size / 1000:.1f} KB") for name, size in sorted(weight["files"].items())]
    for name, p in profiles.items():
        runs = [f"{label} " + ", ".join(_fmt(v, unit) for v in p[f"{k}_runs"]) for k, label, unit, _ in COLUMNS if k in FIGURES]
        rows.append((f"{name} runs", "; ".join(runs)))
    return rows


def require_browser() -> None:
    """Playwright and Debian's Chromium, or one line saying what to install (never a downloaded browser).

    Raises:
        LofipressError: either is missing.
    """
    if importlib.util.find_spec("playwright") is None:
        raise LofipressError("bench site needs Playwright, which this install lacks", None,
                             f"{shlex.quote(sys.executable)} -m pip install playwright (no browser download)")
    if not Path(CHROMIUM).is_file():
        raise LofipressError(f"bench site drives Debian's Chromium, and {CHROMIUM} is missing", None,
                             "apt-get install chromium")


def run(station, as_json: bool, site_dir: Path | None = None, profiles=netsim.PROFILES) -> int:
    """Measure the player page on each network profile; print a table (and JSON).

    Args:
        station: the Station (its site.out_dir is measured when it holds a built site).
        as_json: end with one JSON line: page_kb_compressed, click_to_sound_ms (the `none` profile),
            click_to_sound_runs_ms, page_files_gzip_bytes, slow4g_usable_ms, slow4g_click_to_sound_ms,
            slow4g_bytes_before_sound, fast4g_click_to_sound_ms, station_advance_late_ms, profiles, goals.
        site_dir: a built site to measure instead.
        profiles: the network profiles (tests pass fewer).

    Returns:
        0 when every profile was measured (goals missed included), 1 when Chromium could not measure one.
    """
    from .. import site

    require_browser()
    with tempfile.TemporaryDirectory(prefix="lofipress-bench-") as tmp:
        if site_dir is None:
            default = station.path(station.site.out_dir)
            site_dir = default if (default / "index.html").is_file() else _fixture_site(Path(tmp), station)
        site_dir = Path(site_dir)
        weight = site.page_weight(site_dir)
        error = ""
        try:
            measured = measure_site(site_dir, profiles)
        except Exception as exc:  # noqa: BLE001 - a missing browser is a result here
            measured, error = {}, _one_line(exc)
    goal_list = goals(weight, measured)
    rows = _rows(site_dir, weight, measured, goal_list, error)
    none = measured.get("none", {})
    station_fig = (measured.get("slow4g") or {}).get("station") or {}
    data = {"page_kb_compressed": weight["kb"], "page_files_gzip_bytes": weight["files"],
            "click_to_sound_ms": none.get("click_to_sound_ms"),
            "click_to_sound_runs_ms": none.get("click_to_sound_ms_runs", []),
            **{key: (measured.get(prof) or {}).get(fig) for key, _, prof, fig, _ in GOALS},
            "station_advance_late_ms": station_fig.get("late_ms"),
            "station_advance_gap_ms": station_fig.get("gap_ms"),
            "station_advance_reason": station_fig.get("reason") or None,
            "profiles": {name: {**p, "ratios_to_none": {k: _ratio(p[k], none.get(k)) for k in FIGURES}}
                         for name, p in measured.items()},
            "goals": {g["label"]: {"value": g["value"], "limit": g["limit"], "ok": g["ok"]} for g in goal_list}}
    report("bench site: the player page in Chromium, first visits on three networks", rows, data, as_json)
    complete = bool(measured) and all(p["click_to_sound_ms"] is not None for p in measured.values())
    return 0 if complete else 1
