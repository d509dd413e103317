"""`lofipress eval`: the gate's scores are the published MIDI's, and the summary has the song keys."""
import json

import pytest

import build_fixture as bf
from lofipress.station import config
from lofipress.music.compose import compose
from lofipress.music.evaluate import score_site, summarize_rows, table

SAME = ("sections", "distinct_windows", "melody_notes", "notes_per_bar", "range_semitones", "step_share",
        "in_key", "chord_tone_strong", "bass_onsets_per_bar", "has_melody", "exact_repeat_share",
        "boundaries", "progressions_by_content", "melody_on_keys_share")


@pytest.mark.slow
def test_the_gate_scores_what_the_site_publishes(tmp_path):
    folder = bf.make_station(tmp_path / "st", station={"bars": 16, "tracks": 2}, loops={"track_bars": 16})
    bf.build(folder)
    station = config.load(folder / "station.toml")
    composed = {c.id: c for c in compose(station, log=lambda *_: None)}
    rows = score_site(bf.site_dir(folder))
    assert len(rows) == 2
    for row in rows:
        gate = composed[row["id"]]
        assert row["sections"] == [list(s) for s in gate.piece.sections]
        for key in SAME:
            assert row["metrics"][key] == pytest.approx(gate.metrics[key], abs=1e-3), key
        assert abs(row["metrics"]["bass_hold_bars"] - gate.metrics["bass_hold_bars"]) <= 1 / 16
    manifest = json.loads((bf.site_dir(folder) / "manifest.json").read_text())
    assert [s["name"] for s in manifest["tracks"][0]["sections"]] == [s[0] for s in gate.piece.sections]
    assert [row["draws"] for row in rows] == [composed[r["id"]].draws for r in rows]  # the build's own record


def test_the_summary_reports_form_melody_and_bass():
    m = {"sections": 5, "distinct_windows": 3, "has_melody": True, "bass_hold_bars": 1.0, "key_consistency": 1.0}
    rows = [{"id": "t01", "title": "A", "key": "C major", "tempo_bpm": 80, "draws": 1, "failures": [],
             "metrics": m, "sections": [["A", 0, 30]]},
            {"id": "t02", "title": "B", "key": "C major", "tempo_bpm": 80, "draws": 2, "failures": ["x"],
             "metrics": {**m, "distinct_windows": 1, "has_melody": False, "bass_hold_bars": 2.5}, "sections": []}]
    s = summarize_rows(rows)
    assert s["tracks_with_form"] == 0.5 and s["tracks_with_melody"] == 0.5 and s["max_bass_hold_bars"] == 2.5
    assert s["rows"][0]["sections"] == [["A", 0, 30]] and s["first_draw_pass_rate"] == 0.5
    text = table(s)
    assert "with form 50%" in text and "t02: x" in text
    json.dumps(s)  # the --json line


def test_the_summary_reports_what_the_notes_alone_say():
    base = {"sections": 5, "distinct_windows": 3, "has_melody": True, "bass_hold_bars": 1.0, "has_b": True}
    heard = {**base, "boundaries": 4, "boundaries_found": 4, "intro_found": True, "outro_found": True,
             "progressions_by_content": 2, "melody_on_keys_share": 0.3, "bass_same_pitch_bars": 2.0}
    labels = {**base, "boundaries": 4, "boundaries_found": 2, "intro_found": True, "outro_found": True,
              "progressions_by_content": 1, "melody_on_keys_share": 0.9, "bass_same_pitch_bars": 8.0}
    rows = [{"id": f"t0{i}", "title": "x", "key": "C major", "tempo_bpm": 80, "draws": 1, "failures": [],
             "metrics": m, "sections": []} for i, m in enumerate((heard, labels))]
    s = summarize_rows(rows)
    assert s["form_by_content"] == 0.75 and s["intro_outro_found"] is True
    assert s["min_progressions_by_content"] == 1 and s["melody_own_rhythm"] == 0.5
    assert s["max_bass_same_pitch_bars"] == 8.0
    assert "boundaries heard 75%" in table(s)


def test_variety_compares_the_spread_of_tracks_with_real_loops():
    from lofipress.music import variety

    loop = [(b * 16 + s, 4, p) for b in range(8) for s in (0, 4, 8, 12) for p in (48, 52, 55, 59, 62, 79)]
    same = variety.variety([variety.keys_figures(loop, range(8))] * 12)
    assert all(row["spread_ratio"] == 0 for row in same.values())
    assert same["notes_per_bar"]["station"][1] == 24 and not same["notes_per_bar"]["median_inside"]
    sparse = [(t, d, p) for t, d, p in loop if t % 8 == 0 and p < 60]
    mixed = variety.variety([variety.keys_figures(x, range(8)) for x in [loop, sparse] * 6])
    assert mixed["notes_per_bar"]["spread_ratio"] > 1
