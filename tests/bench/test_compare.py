"""`lofipress models compare`: every arch on one split, scored the same way; its tables reach the about page."""
import dataclasses
import json

import numpy as np
import pytest

from lofipress.bench import compare
from lofipress.build import press
from lofipress.site import compare_table, pages
from lofipress.station import config
from midi_kit import write_loops

RESULT = {"corpus": "bach120", "budget_s": 360.0, "songs": 96, "archs": {
    "small": {"name": "LSTM", "val_perplexity": 6.1, "parameters": 825243, "train_s": 361.0, "tokens_per_s": 5700.0,
              "first_draw_pass_rate": 0.5, "tracks_with_form": 1.0, "tracks_with_melody": 1.0,
              "medians": {"key_consistency": 1.0, "distinct_windows": 4.5, "step_share": 0.61}},
    "wavenet": {"name": "WaveNet<script>", "val_perplexity": "7<b>", "parameters": None, "medians": "x"}}}


def test_a_comparison_reads_as_a_bounded_table_of_numbers():
    table = compare_table.about_table(RESULT)
    assert table["corpus"] == "bach120" and table["budget_min"] == "6" and table["songs"] == "96"
    assert table["columns"] == ["LSTM", "WaveNet<script>"]  # Jinja escapes it; the length is bounded here
    rows = {r[0]: r[1:] for r in table["rows"]}
    assert rows["held-out perplexity"] == ["6.10", "-"]  # text where a number goes shows as "-"
    assert rows["parameters"] == ["825,243", "-"] and rows["first-draw pass rate"] == ["50%", "-"]
    assert rows["distinct progressions (median)"] == ["4.5", "-"]
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

    from lofipress.build import pipeline
    from lofipress.core.errors import ModelError

    root = Path(__file__).resolve().parents[2]
    (tmp_path / "station.toml").write_text(f'[model]\narch = "wavenet"\ndir = "{root / "models"}"\n')
    station = config.load(tmp_path / "station.toml")
    with pytest.raises(ModelError, match="trained as 'small'.*model.arch = 'wavenet'"):
        pipeline.ensure_model(station, lambda *_: None)
    (tmp_path / "station.toml").write_text(f'[model]\ndir = "{root / "models"}"\n')  # the default asks for nothing
    assert pipeline.ensure_model(config.load(tmp_path / "station.toml"), lambda *_: None).name == "default"


def test_the_about_page_shows_the_comparison_table(tmp_path):
    from lofipress import site
    from site_fixture import make_press

    press_data = make_press(tmp_path / "press")
    press_data["about"]["compare"] = [RESULT]
    site.write_site(config.Station(), press_data, tmp_path / "site")
    body = (tmp_path / "site" / "about.html").read_text(encoding="utf-8")
    assert '<h2 id="models">Three kinds of model, compared</h2>' in body
    assert "Trained on <code>bach120</code> for 6 minutes each; 96 songs" in body
    assert '<th scope="row">held-out perplexity</th><td class="num">6.10</td><td class="num">-</td>' in body
    assert "WaveNet&lt;script&gt;" in body and "<script>" not in body.split("<body")[1].split("</main>")[0]


def test_the_shipped_transformer_composes_songs_without_training(tmp_path):
    from pathlib import Path

    from lofipress.music.compose import compose
    from lofipress.music.model import load
    from lofipress.music.transformer import TransformerStep

    models = Path(__file__).resolve().parents[2] / "models"
    step, vocab, card = load(models / "transformer")
    assert isinstance(step, TransformerStep) and card["settings"]["arch"] == "transformer"
    (tmp_path / "station.toml").write_text(f'[station]\ntracks = 3\n[model]\nname = "transformer"\n'
                                           f'arch = "transformer"\ndir = "{models}"\n')
    pieces = compose(config.load(tmp_path / "station.toml"), log=lambda *_: None)
    assert len(pieces) == 3 and all(p.metrics["has_melody"] and p.metrics["sections"] == 5 for p in pieces)
