"""`lofipress bench render`: one JSON line with the figures issue #3 names, measured on a real pressing."""
import json

import pytest

from lofipress.station import config
from lofipress.bench import render as bench_render
from lofipress.core.notes import loop_n_samples

STAGES = ("sampler", "chain", "master", "encode_checked", "measure")


@pytest.mark.slow
def test_bench_render_reports_every_stage_and_the_floor_ratio(capsys):
    station = config.load("station.toml")
    assert bench_render.run(station, as_json=True, repeats=1) == 0
    out = capsys.readouterr().out.strip().splitlines()
    data = json.loads(out[-1])
    assert "whole track" in "\n".join(out[:-1]) and "floor" in "\n".join(out[:-1])  # the readable table first
    assert all(data[f"rtf_{k}"] > 0 for k in STAGES)
    whole = sum(data[f"rtf_{k}"] for k in STAGES)
    assert data["rtf_whole"] == pytest.approx(whole, rel=0.01)
    assert data["whole_vs_encode_floor_of_medians"] == pytest.approx(data["rtf_whole"] / data["rtf_encode"], rel=0.01)
    assert data["whole_vs_encode_floor"] == pytest.approx(data["whole_vs_encode_floor_each_run"][0], rel=0.01)
    assert data["whole_vs_encode_floor"] > 1.0  # the whole track includes the encoding: it cannot beat it
    assert data["samples"] == loop_n_samples(bench_render.BARS, bench_render.TEMPO_BPM, station.master.sample_rate)
    assert abs(data["lufs"] - station.master.track_lufs) <= 0.5
    assert data["true_peak_dbtp"] <= station.master.ceiling_dbtp
