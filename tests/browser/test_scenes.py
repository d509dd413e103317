"""The backdrop scenes (site_static/scenes/), judged from canvas pixels on a harness page.

The scene modules are not wired into the built page yet, so these tests serve their own
tiny page: p5.min.js, the scenes folder and an index.html whose fake window.lofipress
holds `state` and an `on()` that `window.fire(type, detail)` drives, as the player's
events would. Every measure is one a viewer would notice: how much picture there is,
whether scenes look different, whether a note is seen, whether anything moves.

Opening a page costs ~2 s on a busy machine and switching scenes ~0.3 s, so a few pages
are shared across tests and scenes are switched with the "scene" event (which rebuilds
the scene from scratch: no note lights carry over). Screenshots of every scene at both
sizes go to test-artifacts/scenes/.
"""
from __future__ import annotations

import functools
import io
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from conftest import ROOT, PageWatch

pytestmark = pytest.mark.browser

SCENES = ["rain", "fire", "wind", "water", "night", "calm"]
UNKNOWN = "vinyl-crackle"  # a pack's ambience with no scene of its own: draws calm
SIZES = [(1280, 800), (390, 844)]
PALETTE = "--bg:#1d1b2c; --fg:#f2d6b3; --accent:#e07a5f; --accent2:#81b29a"  # style.css defaults
LIGHT_PALETTE = "--bg:#f4efe6; --fg:#2b2d42; --accent:#2a9d8f; --accent2:#e9c46a"

HARNESS = """<!doctype html>
<html lang="en" style="{palette}">
<head><meta charset="utf-8"><link rel="icon" href="data:,"><title>scenes harness</title></head>
<body style="margin:0; background:#000">
<div id="visual" aria-hidden="true" style="position:fixed; inset:0"></div>
<script src="p5.min.js"></script>
<script type="module">
import {{ mountScenes }} from "./scenes/index.js";
const bus = new EventTarget();
const q = new URLSearchParams(location.search);
window.lofipress = {{
  state: {{ visual: q.get("scene"), playing: true, bpm: 80 }},
  on: (type, fn) => bus.addEventListener(type, (e) => fn(e.detail)),
}};
window.fire = (type, detail) => bus.dispatchEvent(new CustomEvent(type, {{ detail }}));
window.handle = mountScenes(document.getElementById("visual"), window.lofipress);
</script>
</body>
</html>
"""


def burst(part: str, n: int = 6, dur_s: float = 2.0) -> str:
    """JS firing n notes of one part spread across the keyboard in one frame, like a chord."""
    return (f"for (let i = 0; i < {n}; i++) window.fire('note', "
            f"{{ pitch: 40 + i * Math.floor(44 / {n}), vel: 100, part: '{part}', durS: {dur_s} }});")


def shot(page) -> np.ndarray:
    """The viewport as an (H, W, 3) int16 array (the harness shows only the canvas)."""
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(page.screenshot())).convert("RGB"), dtype=np.int16)


def changed_share(a: np.ndarray, b: np.ndarray, levels: int = 24) -> float:
    """Share of pixels where some channel moved by more than `levels` (of 255): what an eye catches."""
    return float((np.abs(a - b).max(axis=2) > levels).mean())


def picture_stats(img: np.ndarray) -> dict:
    """What makes a picture rather than a fill or a gradient.

    colours: distinct colours at 5 bits a channel held by more than 20 pixels; flat_share:
    the largest one's share of the screen; luma_std: brightness spread (of 255); edges:
    share of neighbouring pixels a step of more than 12 levels apart (shapes, not ramps).
    A plain two-colour sky gradient at 1280x800 scores 16 colours, 10 luma_std, 0 edges.
    """
    q = (img >> 3).reshape(-1, 3)
    keys = (q[:, 0] * 32 + q[:, 1]) * 32 + q[:, 2]
    counts = np.bincount(keys, minlength=32768)
    luma = img @ np.array([0.2126, 0.7152, 0.0722])
    edges = (np.abs(np.diff(luma, axis=1)) > 12).mean() + (np.abs(np.diff(luma, axis=0)) > 12).mean()
    return {"colours": int((counts > 20).sum()), "flat_share": float(counts.max() / keys.size),
            "luma_std": float(luma.std()), "edges": float(edges)}


def assert_picture(img: np.ndarray) -> None:
    stats = picture_stats(img)
    assert stats["colours"] >= 60, stats
    assert stats["flat_share"] <= 0.3, stats
    assert stats["luma_std"] >= 12, stats
    assert stats["edges"] >= 0.005, stats


def show(page, scene: str, expect: str | None = None) -> None:
    """Switch the page to a freshly built scene and wait for its first frame."""
    expect = expect or scene
    if page.get_attribute("#visual", "data-scene") == expect:
        other = "fire" if expect != "fire" else "rain"
        page.evaluate(f"window.fire('scene', {{ visual: '{other}' }})")
        page.wait_for_selector(f"#visual[data-scene={other}]", state="attached")
    page.evaluate(f"window.fire('scene', {{ visual: '{scene}', bpm: 80 }})")
    page.wait_for_selector(f"#visual[data-scene={expect}]", state="attached")
    page.wait_for_timeout(120)  # a frame or two more: nothing half-painted


def before_and_after(page, scene: str, part: str, n: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """The scene shown fresh, then `n` notes of `part` played on it: its pixels before and 200 ms after."""
    show(page, scene)
    before = shot(page)
    page.evaluate(burst(part, n=n))
    page.wait_for_timeout(200)
    return before, shot(page)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def harness(tmp_path_factory) -> str:
    """Serve p5, the scenes and two harness pages (default and light palette); returns the base URL."""
    web = tmp_path_factory.mktemp("scenes-harness")
    shutil.copy(ROOT / "node_modules/p5/lib/p5.min.js", web)
    shutil.copytree(ROOT / "site_static/scenes", web / "scenes")
    (web / "index.html").write_text(HARNESS.format(palette=PALETTE))
    (web / "light.html").write_text(HARNESS.format(palette=LIGHT_PALETTE))
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(web)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def _open(browser, url: str, scene: str, width: int, height: int, reduced: bool):
    ctx = browser.new_context(viewport={"width": width, "height": height},
                              reduced_motion="reduce" if reduced else "no-preference")
    page = ctx.new_page()
    watch = PageWatch(page)
    page.goto(f"{url}?scene={scene}")
    page.wait_for_selector("#visual[data-scene]", state="attached", timeout=15000)
    return ctx, page, watch


@pytest.fixture(scope="module")
def pages(browser, harness):
    """Shared pages: still (reduced motion) at both sizes and moving at 1280x800; {key: (page, watch)}."""
    opened = {(w, "still"): _open(browser, harness + "index.html", "calm", w, h, True) for w, h in SIZES}
    opened[1280, "moving"] = _open(browser, harness + "index.html", "calm", 1280, 800, False)
    yield {key: (page, watch) for key, (_, page, watch) in opened.items()}
    for ctx, _, _ in opened.values():
        ctx.close()


@pytest.fixture
def open_scene(browser, harness):
    """A page of its own, for tests that resize, hide or dispose it: (page, watch)."""
    contexts = []

    def _open_one(scene: str, width: int = 1280, height: int = 800, reduced: bool = False, page_name: str = "index.html"):
        ctx, page, watch = _open(browser, harness + page_name, scene, width, height, reduced)
        contexts.append(ctx)
        page.wait_for_timeout(120)
        return page, watch

    yield _open_one
    for ctx in contexts:
        ctx.close()


@pytest.fixture(scope="module")
def gallery(pages) -> dict:
    """Still frames of every scene at both sizes (deterministic: seeded, time stopped), saved as artifacts."""
    out = ROOT / "test-artifacts" / "scenes"
    out.mkdir(parents=True, exist_ok=True)
    frames = {}
    for width, height in SIZES:
        page, watch = pages[width, "still"]
        for scene in SCENES + [UNKNOWN]:
            show(page, scene, expect="calm" if scene == UNKNOWN else scene)
            frames[scene, width] = shot(page)
            page.screenshot(path=str(out / f"{scene}-{width}x{height}.png"))
        frames["errors", width] = watch.errors + watch.failed
    return frames


@pytest.mark.parametrize("width", [w for w, _ in SIZES])
@pytest.mark.parametrize("scene", SCENES + [UNKNOWN])
def test_each_scene_draws_a_full_picture(gallery, scene, width):
    assert gallery["errors", width] == []
    assert_picture(gallery[scene, width])


def test_unknown_names_draw_calm(gallery, open_scene):
    for width, _ in SIZES:
        assert np.abs(gallery[UNKNOWN, width] - gallery["calm", width]).mean() < 0.5
    page, watch = open_scene(UNKNOWN, reduced=True)  # unknown from the start, not only by event
    assert page.get_attribute("#visual", "data-scene") == "calm"
    assert np.abs(shot(page) - gallery["calm", 1280]).mean() < 0.5
    assert watch.errors == []


@pytest.mark.parametrize("width", [w for w, _ in SIZES])
def test_scenes_look_different_from_each_other(gallery, width):
    for i, a in enumerate(SCENES):
        for b in SCENES[i + 1:]:
            share = changed_share(gallery[a, width], gallery[b, width])
            # night and water share a moonlit sky; their lower halves must still differ
            assert share > 0.15, f"{a} and {b} differ in only {share:.0%} of pixels"


@pytest.mark.parametrize("scene", SCENES)
def test_notes_are_clearly_seen_and_melody_leads(pages, scene):
    """Reduced motion keeps the picture still, so every changed pixel is the notes' doing."""
    page, watch = pages[1280, "still"]
    seen = {}
    for part in ("melody", "keys"):
        seen[part] = changed_share(*before_and_after(page, scene, part))
    # six melody notes change at least 1.5% of a 1280x800 screen (15,000 pixels) by more
    # than 24 levels: blooms at 5% alpha change pixels by about 10 levels and fail this
    assert seen["melody"] > 0.015, seen
    assert seen["keys"] > 0.002, seen
    assert seen["melody"] > 1.5 * seen["keys"], seen
    assert watch.errors == []


@pytest.mark.parametrize("scene", SCENES)
def test_bass_is_a_soft_pulse_on_a_phone(pages, scene):
    page, watch = pages[390, "still"]
    before, after = before_and_after(page, scene, "bass", n=1)
    # one bass note: a swell of light over the scene, brighter on average by a level or
    # more (of 255), but no flash: no pixel jumps by 90 levels and the mean stays under 15
    rise = float((after - before).mean())
    assert 1.0 < rise < 15, f"mean brightness rise {rise:.2f}"
    assert changed_share(before, after, levels=90) < 0.001, "the bass pulse has hard edges"
    assert watch.errors == []


@pytest.mark.parametrize("scene", SCENES)
def test_reduced_motion_holds_still_and_motion_moves(pages, scene):
    page, watch = pages[1280, "still"]
    show(page, scene)
    a = shot(page)
    page.wait_for_timeout(1000)
    assert np.abs(shot(page) - a).max() <= 2, "reduced motion: the picture moved without notes"
    page, watch2 = pages[1280, "moving"]
    show(page, scene)
    a = shot(page)
    page.wait_for_timeout(1000)
    b = shot(page)
    assert changed_share(a, b, levels=8) > 0.0005, "without reduced motion nothing moved in 1 s"
    assert_picture(b)
    assert watch.errors == [] and watch2.errors == [] and watch2.failed == []


def test_hidden_tab_stops_drawing(open_scene):
    page, _ = open_scene("rain")
    page.evaluate("""() => {
        Object.defineProperty(document, "hidden", { value: true, configurable: true });
        document.dispatchEvent(new Event("visibilitychange"));
    }""")
    page.wait_for_timeout(100)
    a = shot(page)
    page.wait_for_timeout(600)
    assert np.abs(shot(page) - a).max() == 0, "a hidden tab kept drawing"


def test_resizes_with_the_window(open_scene):
    page, watch = open_scene("night")
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_function("(() => { const c = document.querySelector('#visual canvas');"
                           " return c && c.width === 390 && c.height === 844; })()")
    page.wait_for_timeout(400)  # the layers are repainted once the resize settles
    assert_picture(shot(page))
    assert watch.errors == []


def test_station_colours_restyle_every_scene(gallery, open_scene):
    """A light station theme (teal and gold on a pale page) repaints each scene, still a night."""
    page, watch = open_scene("calm", reduced=True, page_name="light.html")
    for scene in SCENES:
        show(page, scene)
        theirs, ours = gallery[scene, 1280], shot(page)
        assert np.abs(theirs - ours).mean() > 5, scene
        assert changed_share(theirs, ours, levels=12) > 0.3, scene
        assert_picture(ours)
        # the pale page colour becomes the scene's light, not its sky: the top stays dark
        top_luma = float((ours[:200] @ np.array([0.2126, 0.7152, 0.0722])).mean())
        assert top_luma < 90, f"{scene}: sky luma {top_luma:.0f}"
    assert watch.errors == []


def test_dispose_removes_the_canvas(open_scene):
    page, watch = open_scene("water")
    assert page.evaluate("document.querySelectorAll('#visual canvas').length") == 1
    page.evaluate("window.handle.dispose()")
    assert page.evaluate("document.querySelectorAll('#visual canvas').length") == 0
    assert page.get_attribute("#visual", "data-scene") is None
    # events after dispose are ignored, not errors
    page.evaluate(burst("melody") + " window.fire('scene', { visual: 'rain' });")
    page.wait_for_timeout(200)
    assert page.evaluate("document.querySelectorAll('#visual canvas').length") == 0
    assert watch.errors == []


def test_the_hearth_s_sparks_rise_up_the_chimney_not_the_wallpaper(pages):
    """A melody burst's sparks used to fly up over the mantel and the wall for a second or two."""
    page, watch = pages[1280, "moving"]
    w, h = 1280, 800
    fp_w = min(w * 0.5, h * 0.85)  # fire.js: the fireplace, centred, its mantel at 36 % of the height
    wall = (slice(0, int(h * 0.36) - 30), slice(int(w / 2 - fp_w / 2), int(w / 2 + fp_w / 2)))

    def wall_changes(notes: bool) -> float:
        show(page, "fire")
        frames = [shot(page)]
        if notes:
            page.evaluate(burst("melody", n=8, dur_s=3.0))
        for _ in range(6):  # 1.8 s, while sparks would rise
            page.wait_for_timeout(300)
            frames.append(shot(page))
        return max(float((np.abs(f[wall] - frames[0][wall]).max(axis=2) > 24).mean()) for f in frames[1:])

    quiet, burst_ = wall_changes(False), wall_changes(True)  # the firelight breathes on the wall in both
    assert burst_ < max(3 * quiet, 0.01), (quiet, burst_)  # the old sparks: 32 % of the wall over the mantel
    assert watch.errors == []


def test_the_hearth_s_two_pictures_hold_two_subjects(gallery):
    """Both frames held the same figure (hills under a sun in one light): now the second is a night sea."""
    img = gallery["fire", 1280]
    lw, h, sway = 1280 + 16, 800, 8  # hearth.js: the room layer is wider by its sway either side

    def sky(u, v, pw, ph):  # the median colour of a picture's top band, clear of its sun or moon
        x, y, pw, ph = lw * u - sway, h * v, lw * pw, h * ph
        band = img[int(y + 0.04 * ph):int(y + 0.14 * ph), int(x + 0.1 * pw):int(x + 0.9 * pw)]
        return np.median(band.reshape(-1, 3), axis=0)

    first, second = sky(0.06, 0.16, 0.13, 0.2), sky(0.8, 0.12, 0.11, 0.15)
    assert np.abs(first - second).max() > 24, (first, second)


@pytest.mark.parametrize("scene", ["rain", "calm"])
def test_on_a_phone_the_scene_s_ledge_and_what_sits_on_it_are_above_the_bar(gallery, scene):
    """On a phone the bar covers the screen from about 82 % of its height: the rain's sill with its lamp and the
    rooftop's ledge with its cat sat at 86 %, under it. The line a scene stands on is its strongest full-width
    step in brightness; it must lie above 80 % of the height."""
    img = gallery[scene, 390]
    h = img.shape[0]
    luma = img @ np.array([0.2126, 0.7152, 0.0722])
    steps = np.abs(np.diff(luma, axis=0)).mean(axis=1)  # per row: how much it differs from the next, across
    lo = int(h * 0.5)
    ledge = lo + int(np.argmax(steps[lo:int(h * 0.98)]))
    assert ledge < 0.8 * h, (scene, ledge / h)
