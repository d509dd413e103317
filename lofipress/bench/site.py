"""`lofipress bench site`: page weight before any audio, and the time from the play click to sound.

Goals (DESIGN.md): under 400 KB gzip-compressed before audio, under 1000 ms from click to sound
in Chromium on localhost. Without a built site, the fake press of tests/site_fixture.py is built.
"""
from __future__ import annotations

import importlib.util
import statistics
import tempfile
import threading
from pathlib import Path

from . import report

PAGE_GOAL_KB = 400.0
SOUND_GOAL_MS = 1000.0
RUNS = 3  # a fresh browser context each: every run is a first visit, the median is reported
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--autoplay-policy=no-user-gesture-required"]
TIMEOUT_MS = 30_000
FIRST_SOUND_JS = """async () => {
  const s = window.lofipress && window.lofipress.state;
  for (;;) {
    if (s && s.firstSoundAt != null) return s.firstSoundAt;
    if (!s && window.Tone && Tone.getTransport().state === "started") return performance.now();
    await new Promise((r) => setTimeout(r, 2));
  }
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


def click_to_sound_ms(site_dir: Path, runs: int = RUNS) -> list[float]:
    """Serve site_dir on localhost and time click-on-#play to first sound in Chromium, once per run."""
    from playwright.sync_api import sync_playwright

    from ..serve import make_server

    server = make_server(site_dir, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/index.html"
    times = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                for _ in range(runs):
                    context = browser.new_context()
                    page = context.new_page()
                    page.goto(url, wait_until="load")
                    page.wait_for_function("window.Tone !== undefined", timeout=TIMEOUT_MS)
                    page.evaluate("() => window.lofipress && window.lofipress.ready")
                    page.evaluate("() => document.addEventListener('pointerdown', () => "
                                  "{ window.__benchClickAt = performance.now(); }, {capture: true, once: true})")
                    page.click("#play")
                    sound_at = page.evaluate(FIRST_SOUND_JS)
                    times.append(round(sound_at - page.evaluate("window.__benchClickAt"), 1))
                    context.close()
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return times


def run(station, as_json: bool, site_dir: Path | None = None) -> int:
    """Measure the site's page weight and click-to-sound time; print a table (and JSON).

    Args:
        station: the Station (its site.out_dir is measured when it holds a built site).
        as_json: end with one JSON line {"page_kb_compressed", "click_to_sound_ms", ...}.
        site_dir: a built site to measure instead.

    Returns:
        0 when both were measured, 1 when Chromium could not time the click.
    """
    from .. import site

    with tempfile.TemporaryDirectory(prefix="lofipress-bench-") as tmp:
        if site_dir is None:
            default = station.path(station.site.out_dir)
            site_dir = default if (default / "index.html").is_file() else _fixture_site(Path(tmp), station)
        site_dir = Path(site_dir)
        weight = site.page_weight(site_dir)
        error = ""
        try:
            times = click_to_sound_ms(site_dir)
        except Exception as exc:  # noqa: BLE001 - a missing browser or a player error is a result here
            times, error = [], f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    median = statistics.median(times) if times else None
    rows = [("site", str(site_dir)),
            ("page weight before audio", f"{weight['kb']:.1f} KB gzip -9 (goal < {PAGE_GOAL_KB:.0f} KB) "
                                         f"{'ok' if weight['kb'] < PAGE_GOAL_KB else 'OVER'}")]
    rows += [(f"  {name}", f"{size / 1000:.1f} KB") for name, size in sorted(weight["files"].items())]
    if times:
        rows.append(("click to sound (median)", f"{median:.0f} ms (goal < {SOUND_GOAL_MS:.0f} ms) "
                                                f"{'ok' if median < SOUND_GOAL_MS else 'OVER'}"))
        rows.append(("  runs", ", ".join(f"{t:.0f} ms" for t in times)))
    else:
        rows.append(("click to sound", f"not measured ({error})"))
    data = {"page_kb_compressed": weight["kb"], "click_to_sound_ms": median, "click_to_sound_runs_ms": times,
            "page_files_gzip_bytes": weight["files"]}
    report("bench site: the player page in Chromium on localhost", rows, data, as_json)
    return 0 if times else 1
