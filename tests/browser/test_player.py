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
    # every chosen layer is decoded
    for layer, src in state["layers"].items():
        if src:
            assert src in state["buffers"], layer
    assert state["layers"]["main"] == track["audio"]["src"]
    assert state["drumsId"] and state["ambienceId"] and state["quoteId"]
    page.wait_for_timeout(500)
    assert page.evaluate("window.lofipress.transport.seconds") > 0.2
    assert state["firstSoundAt"] > state["clickAt"]
    assert watch.errors == [] and watch.failed == []
