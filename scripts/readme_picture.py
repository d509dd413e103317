"""The README's picture: the player as a listener meets it, a scene playing with the bar (`make picture`).

Serves a built site as GitHub Pages would (lofipress.bench.pages_server), opens it in Debian's Chromium,
taps Play, lets the scene draw the music for a few seconds, and writes docs/player.jpg: a JPEG, because a
scene is a painting (gradients, soft light) that a palette PNG bands and a full PNG makes 1 MB. The quality is
lowered until the file fits MAX_KB.

    .venv/bin/python scripts/readme_picture.py [SITE] [--ambience fire] [--out docs/player.jpg]
"""
import argparse
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lofipress.bench.pages_server import PagesServer  # noqa: E402
from lofipress.bench.site import CHROMIUM, CHROMIUM_ARGS, require_browser  # noqa: E402

VIEWPORT = {"width": 1200, "height": 720}  # a laptop's window: the scene, the bar along its foot
MAX_KB = 150
QUALITIES = (86, 80, 74, 68, 60, 50)
PLAY_S = 6.0  # long enough for the scene to fill with the notes played


def capture(site: Path, ambience: str) -> bytes:
    """A PNG screenshot of the player, playing, with the scene of `ambience`."""
    from playwright.sync_api import sync_playwright

    with PagesServer(site) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport=VIEWPORT, device_scale_factor=1)
            page.goto(f"{server.url}?ambience={ambience}", wait_until="load")
            page.wait_for_function("document.getElementById('play') && window.lofipressBoot")
            page.click("#play")
            page.wait_for_function("document.getElementById('play').dataset.state === 'playing'", timeout=30_000)
            page.wait_for_selector("canvas", state="visible", timeout=30_000)
            page.wait_for_timeout(PLAY_S * 1000)
            page.mouse.move(VIEWPORT["width"] - 2, 2)  # no hover highlight on a control
            page.wait_for_timeout(300)
            return page.screenshot(type="png")
        finally:
            browser.close()


def as_jpeg(png: bytes, max_kb: int = MAX_KB) -> tuple[bytes, int]:
    """The screenshot as the best-quality JPEG that fits max_kb; returns (bytes, quality)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    for quality in QUALITIES:
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
        if out.tell() <= max_kb * 1000:
            return out.getvalue(), quality
    raise SystemExit(f"readme_picture: even quality {QUALITIES[-1]} is over {max_kb} KB")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Write the README's picture of the player from a built site.")
    ap.add_argument("site", nargs="?", default=str(ROOT / "site"), metavar="SITE",
                    help="a built site (default: ./site, what `make site` writes)")
    ap.add_argument("--ambience", default="fire", help="the scene to show (an ambience id; default fire)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "player.jpg"), help="where to write the JPEG")
    args = ap.parse_args(argv)
    site = Path(args.site)
    if not (site / "index.html").is_file():
        print(f"error: {site}: no built site here (run `make site` first)", file=sys.stderr)
        return 2
    require_browser()
    data, quality = as_jpeg(capture(site, args.ambience))
    Path(args.out).write_bytes(data)
    print(f"wrote {args.out}: {VIEWPORT['width']}x{VIEWPORT['height']}, JPEG quality {quality}, "
          f"{len(data) / 1000:.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
