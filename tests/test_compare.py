"""`lofipress models compare`: every arch on one split, scored the same way; its tables reach the about page."""
import dataclasses
import json

import numpy as np
import pytest

from lofipress import compare, config, pages, press
from test_model import write_loops

RESULT = {"corpus": "bach120", "budget_s": 360.0, "songs": 96, "archs": {
    "small": {"name": "LSTM", "val_perplexity": 6.1, "parameters": 825243, "train_s": 361.0, "tokens_per_s": 5700.0,
              "first_draw_pass_rate": 0.5, "tracks_with_form": 1.0, "tracks_with_melody": 1.0,
              "medians": {"key_consistency": 1.0, "distinct_windows": 4.5, "step_share": 0.61}},
    "wavenet": {"name": "WaveNet<script>", "val_perplexity": "7<b>", "parameters": None, "medians": "x"}}}


def test_a_comparison_reads_as_a_bounded_table_of_numbers():
    table = compare.about_table(RESULT)
    assert table["corpus"] == "bach120" and table["budget_min"] == "6" and table["songs"] == "96"
    assert table["columns"] == ["LSTM", "WaveNet<script>"]  # Jinja escapes it; the length is bounded here
    rows = {r[0]: r[1:] for r in table["rows"]}
    assert rows["held-out perplexity"] == ["6.10", "-"]  # text where a number goes shows as "-"
    assert rows["parameters"] == ["825,243", "-"] and rows["first-draw pass rate"] == ["50%", "-"]
    assert rows["distinct 4-bar progressions (median)"] == ["4.5", "-"]
    assert all(len(r) == 3 for r in table["rows"])


def test_comparisons_beside_the_models_reach_the_about_page(tmp_path):
    folder = tmp_path / "compare"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps(RESULT))
    (folder / "b.json").write_text("{not json")
    (folder / "c.json").write_text("[1, 2]")
    found = press.comparisons(tmp_path)
    assert [c["corpus"] for c in found] == ["bach120"]
    ctx = pages.about_context({"compare": found}, [], False)
    assert [c["columns"] for c in ctx["comparisons"]] == [["LSTM", "WaveNet<script>"]]
    assert pages.about_context({}, [], False)["comparisons"] == []


@pytest.mark.slow
def test_compare_trains_every_arch_on_one_split_and_scores_what_each_composes(tmp_path):
    write_loops(tmp_path / "corpus", n=8)
    station = config.Station()
    station = dataclasses.replace(station, model=dataclasses.replace(
        station.model, embedding=8, units=16, width=16, heads=2, blocks=1, seq_len=48, batch_size=16))
    data = compare.compare(tmp_path / "corpus", tmp_path / "out", station, budget_s=0.0, songs=4,
                           log=lambda *_: None)
    assert set(data["archs"]) == set(compare.ARCHS)
    cards = {a: json.loads((tmp_path / "out" / a / "card.json").read_text()) for a in compare.ARCHS}
    assert {c["settings"]["arch"] for c in cards.values()} == set(compare.ARCHS)
    assert len({json.dumps(c["windows"]) for c in cards.values()}) == 1  # one split, one set of windows
    assert len({c["vocab_size"] for c in cards.values()}) == 1
    for arch, row in data["archs"].items():
        assert row["epochs"] == 1  # a budget of 0 s stops after the first epoch
        assert np.isfinite(row["val_nll"]) and row["val_perplexity"] == pytest.approx(np.exp(row["val_nll"]), 1e-2)
        assert row["tokens_per_s"] > 0 and 0.0 <= row["first_draw_pass_rate"] <= 1.0
        assert "key_consistency" in row["medians"] and row["parameters"] > 0
    text = compare.table(data)
    assert "held-out NLL" in text and "WaveNet" in text and "Transformer" in text
    assert json.loads((tmp_path / "out" / "compare.json").read_text())["archs"].keys() == data["archs"].keys()


def test_a_station_asking_for_another_arch_than_its_model_is_told_so(tmp_path):
    from pathlib import Path

    from lofipress import pipeline
    from lofipress.errors import ModelError

    root = Path(__file__).resolve().parent.parent
    (tmp_path / "station.toml").write_text(f'[model]\narch = "wavenet"\ndir = "{root / "models"}"\n')
    station = config.load(tmp_path / "station.toml")
    with pytest.raises(ModelError, match="trained as 'small'.*model.arch = 'wavenet'"):
        pipeline.ensure_model(station, lambda *_: None)
    (tmp_path / "station.toml").write_text(f'[model]\ndir = "{root / "models"}"\n')  # the default asks for nothing
    assert pipeline.ensure_model(config.load(tmp_path / "station.toml"), lambda *_: None).name == "default"
