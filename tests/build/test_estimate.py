"""A build that will take long says so before it starts: tracks x bars x the measured rate."""
from __future__ import annotations

from pathlib import Path

import pytest

from lofipress.build import audio_jobs


def _jobs(n_tracks: int, bars: int = 30, bpm: float = 80.0) -> list[dict]:
    return [{"kind": "track", "id": f"t{i}", "func": "press_track", "args": (), "audio_s": bars * 240 / bpm,
             "mp3": Path(f"/nonexistent/t{i}.mp3"), "meta": Path(f"/nonexistent/t{i}.json")} for i in range(n_tracks)]


def test_the_estimate_grows_with_tracks_and_bars_and_shrinks_with_cores():
    one = audio_jobs.render_estimate_s(_jobs(12), 2)
    assert audio_jobs.render_estimate_s(_jobs(24), 2) == pytest.approx(2 * one)
    assert audio_jobs.render_estimate_s(_jobs(12, bars=60), 2) > 1.8 * one
    assert audio_jobs.render_estimate_s(_jobs(12), 1) == pytest.approx(2 * one)


def test_a_500_track_station_warns_at_the_start_and_the_default_does_not(monkeypatch):
    monkeypatch.setattr(audio_jobs, "_run_job", lambda *args: None)  # the warning comes before any rendering
    for n, warned in ((500, True), (12, False)):
        said: list[str] = []
        audio_jobs.run_jobs(_jobs(n), 1, said.append, quiet=True)  # one core: in this process, no pool
        assert said[0].startswith(f"audio: 0 of {n} files cached, {n} to render on 1 cores (about ")
        assert any("fewer [station] tracks or bars make it quicker" in s for s in said) == warned, said
