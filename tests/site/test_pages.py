"""The about page and the track pages: a story with real figures, compact tables, bounded and escaped texts."""
from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from lofipress.station import config
from lofipress.site import pages
from lofipress import site
from site_fixture import LEAPY, built, make_press, press  # noqa: F401 - built and press are fixtures

ROOT = Path(__file__).resolve().parents[2]


def main_of(html: str) -> str:
    return html[html.index("<main"):html.index("</main>")]


@pytest.mark.parametrize("targets,name,decimals,text", [
    ({"key_consistency_min": 0.75}, "key_consistency", 2, "≥ 0.75"),
    ({"bass_hold_bars_max": 2.0}, "bass_hold_bars", 1, "≤ 2.0"),
    ({"entropy_min": 2.45, "entropy_max": 3.05}, "entropy", 2, "2.45–3.05"),
    ({"form_a2_similarity": [0.35, 0.95]}, "form_a2_similarity", 2, "0.35–0.95"),
    ({"melody_in_key": [0.92, 1.0]}, "melody_in_key", 2, "≥ 0.92"),  # a share's ceiling of 1 says nothing
    ({"melody_longest_repeat_bars": [0, 6]}, "melody_longest_repeat_bars", 0, "≤ 6"),
    ({"melody_range_semitones": [8, 17]}, "melody_range_semitones", 0, "8–17"),
    ({}, "anything", 2, ""),
])
def test_targets_read_as_plain_bounds(targets, name, decimals, text):
    assert pages.target_text(*pages.target_bounds(targets, name), decimals) == text


def test_every_measure_names_a_target_the_gate_has():
    from lofipress.music.evaluate import targets

    have = targets()
    for _, _, measures in pages.FAMILIES:
        for m in measures:
            if m.target:
                assert pages.target_bounds(have, m.target) != (None, None), m


def test_track_measures_mark_misses_and_name_the_rest():
    metrics = {"step_share": 0.45, "key_consistency": 1.0, "has_melody": False, "polyphony": 4.2, "zz_new": 3}
    targets = {"melody_step_share": [0.5, 0.9], "key_consistency_min": 0.75}
    families = {f["name"]: {r["key"]: r for r in f["rows"]} for f in pages.track_measures(metrics, targets)}
    assert families["Melody"]["step_share"] == {**families["Melody"]["step_share"], "text": "0.45",
                                                "target": "0.50–0.90", "miss": True}
    assert families["Tonality"]["key_consistency"]["miss"] is False
    assert families["Melody"]["has_melody"]["text"] == "no" and families["Melody"]["has_melody"]["miss"]
    other = families["Other counts"]
    assert other["polyphony"]["name"] == "notes sounding together, on average" and other["zz_new"]["name"] == "zz new"


def test_about_tells_the_story_from_the_card(press):
    tracks = pages.track_rows(press["tracks"])
    ctx = pages.about_context(press["about"], tracks, True, "default")
    assert ctx["model"]["parameters"] == "825,243" and "one LSTM layer of 320 units" in ctx["model"]["layers"]
    assert ctx["corpus"] == {"pieces": 164, "with_lead": 164, "skipped": 0, "skyline": False, "folder": "corpus"}
    assert ctx["training"]["perplexity"] == "7.28" and ctx["training"]["best_epoch"] == 26
    assert "lowest, 1.98, at epoch 26 of 30" in ctx["loss_alt"]
    values = [f["value"] for f in ctx["figures"]]
    assert values == ["50%", "50%", "100%", "100%", "1 bar"]
    assert [s["passed"] for s in ctx["songs"]] == [True, False] and ctx["songs"][1]["failures"] == [LEAPY]
    assert [t["name"] for t in ctx["tables"]] == ["Tonality", "Form", "Melody", "Bass and copying"]
    assert all(len(t["columns"]) <= 4 for t in ctx["tables"])  # half a desktop, or a phone with a little scroll
    melody = next(t for t in ctx["tables"] if t["name"] == "Melody")
    steps = [c["key"] for c in melody["columns"]].index("step_share")
    assert [r["cells"][steps]["miss"] for r in melody["rows"]] == [False, True]
    assert melody["rows"][0]["page"] == "tracks/t01.html"


def test_the_card_is_flat_bounded_and_keeps_no_build_path(press):
    about = copy.deepcopy(press["about"])
    about["card"]["corpus"]["skipped"] = [[f"broken-file-{i}.mid", "not a MIDI file"] for i in range(40)]
    about["card"]["settings"]["note"] = "x" * 5000
    card = dict(pages.about_context(about, [], False)["card"])
    assert card["corpus · dir"] == "corpus" and card["settings · units"] == "320"
    assert card["corpus · skipped"].endswith("and 35 more") and len(card["corpus · skipped"]) <= pages.TEXT_CHARS
    assert len(card["settings · note"]) == pages.TEXT_CHARS and card["settings · note"].endswith("…")
    assert not any(isinstance(v, (dict, list)) for v in card.values())


def test_an_empty_about_still_renders_its_story():
    ctx = pages.about_context({}, [], False)
    assert ctx["model"] is None and ctx["corpus"] is None and ctx["figures"] == [] and ctx["tables"] == []


def test_form_strip_has_a_tick_per_bar():
    strip = pages.form_strip([["intro", 0, 2], ["A2", 2, 8], ["outro", 10, 9999]])
    assert [(s["name"], s["bar"], s["bars"], s["ticks"]) for s in strip] == [
        ("intro", 1, 2, 2), ("A\u2032", 3, 8, 8), ("outro", 11, 9999, pages.MAX_TICKS)]


def test_about_page_reads_as_a_story_not_a_dump(built):
    body = main_of((built / "about.html").read_text(encoding="utf-8"))
    for text in ("825,243 parameters", "164 pieces", "perplexity is <strong>7.28</strong>", 'href="credits.html"',
                 '<img src="img/loss.png"', '<th scope="row">Median</th>', '<th scope="row">Target</th>',
                 '<abbr title="4-bar windows heard in the song&#39;s key">Key</abbr>', "misses 1",
                 "trained on 920 real melodies", "164 leads of the station", '<img src="img/tracks/t01.png"'):
        assert text in body, text
    card = body[body.index('<details class="model-card">'):]
    outside = body[:body.index('<details class="model-card">')]
    assert "corpus · hash" in card and "c3e9a51975b984f7" not in outside and "batch size" not in outside
    assert '<td class="num miss">0.38<span class="visually-hidden">' in body
    for scroll in re.findall(r'<div class="scroll"[^>]*>', body):
        assert 'tabindex="0"' in scroll and 'role="region"' in scroll and "aria-labelledby=" in scroll


def test_track_page_has_audio_downloads_form_measures_and_neighbours(built):
    first = main_of((built / "tracks" / "t01.html").read_text(encoding="utf-8"))
    second = main_of((built / "tracks" / "t02.html").read_text(encoding="utf-8"))
    for text in ('<audio controls preload="none" src="../audio/tracks/t01.mp3">', 'href="../midi/t01.mid" download',
                 'href="../audio/tracks/t01.mp3" download', 'href="../index.html?track=t01"', 'href="../index.html"',
                 '<ol class="form-strip"', "its melody sung over the chords by a second model: keys, melody and bass", "bars 3–10", "≥ 0.75", "Other counts"):
        assert text in first, text
    assert 'rel="next"' in first and 'rel="prev"' not in first
    assert 'href="t01.html" rel="prev"' in second and 'rel="next"' not in second
    assert first.count('<span class="sec-ticks"') == 5 and first.count("<span></span>") == 30  # 30 bars
    assert '<td class="num miss">0.38' in second and '<td class="num miss">' not in first


def test_pages_need_no_inline_style_or_script_and_link_their_stylesheet(built):
    for rel in ("about.html", "tracks/t01.html"):
        html = (built / rel).read_text(encoding="utf-8")
        assert "<script" not in html and not re.search(r"\son\w+=", html), rel
        assert re.findall(r"<(\w+)[^>]*\sstyle=", html) == [], rel  # the station's look is look.css (the CSP)
        assert 'static/pages.css">' in html and (built / "static" / "pages.css").is_file()


def test_long_and_hostile_titles_are_clipped_and_escaped(tmp_path):
    evil = '<b onmouseover="x()">' + "Long title " * 30
    out = tmp_path / "site"
    site.write_site(config.Station(), make_press(tmp_path, title=evil), out)
    for rel in ("about.html", "tracks/t01.html", "tracks/t02.html"):
        html = (out / rel).read_text(encoding="utf-8")
        assert "<b onmouseover" not in html and "&lt;b onmouseover=&#34;x()&#34;&gt;" in html, rel
        assert "Long title " * 12 not in main_of(html), rel  # clipped at TITLE_CHARS on these pages
